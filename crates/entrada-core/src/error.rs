//! The core's error type: every failure a caller can act on, without panics.

use std::path::PathBuf;

/// Errors from the core. Snapshot problems carry the JSON path of the offending value
/// so an operator can find it in a file of a hundred thousand attendees.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("cannot open replica {path}: {source}")]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("replica schema version {found} is newer than this program understands ({supported})")]
    SchemaTooNew { found: i64, supported: i64 },
    #[error("invalid snapshot at {path}: {message}")]
    Snapshot { path: String, message: String },
    #[error("no such checkpoint: {0}")]
    NoSuchCheckpoint(String),
    #[error("no such reading: {0}")]
    NoSuchReading(String),
    #[error("reading {0} cannot be undone: {1}")]
    CannotUndo(String, &'static str),
    #[error("invalid time {value:?}: expected RFC 3339, e.g. 2021-03-02T11:29:27+00:00")]
    Time { value: String },
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("json error: {0}")]
    Json(#[from] serde_json::Error),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
