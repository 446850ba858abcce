//! Errors of the pure layer: input that does not make sense, located precisely.

/// A snapshot or a time that cannot be read. Snapshot problems carry the JSON path of the
/// offending value so an operator can find it in a file of a hundred thousand attendees.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid snapshot at {path}: {message}")]
    Snapshot { path: String, message: String },
    #[error("invalid time {value:?}: expected RFC 3339, e.g. 2021-03-02T11:29:27+00:00")]
    Time { value: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
