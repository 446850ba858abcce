//! The replica's error type: every failure a caller can act on, without panics.

use std::path::PathBuf;

/// Errors from the replica. Snapshot problems carry the JSON path of the offending value
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
    /// A snapshot or a time that does not parse (with the JSON path of the problem).
    #[error(transparent)]
    Domain(#[from] entrada_domain::Error),
    #[error("no such checkpoint: {0}")]
    NoSuchCheckpoint(String),
    #[error("no such reading: {0}")]
    NoSuchReading(String),
    #[error("reading {0} cannot be undone: {1}")]
    CannotUndo(String, &'static str),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("json error: {0}")]
    Json(#[from] serde_json::Error),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("invalid webhook url {0}")]
    InvalidUrl(String),
    #[error("a subscription needs at least one topic")]
    NoTopics,
    #[error(transparent)]
    Topic(#[from] entrada_domain::webhook::TopicError),
    #[error("no such webhook subscription: {0}")]
    NoSuchSubscription(String),
    #[error("no such webhook delivery: {0}")]
    NoSuchDelivery(String),
    #[error("secret: {0}")]
    Secret(#[from] entrada_secret::SecretError),
    #[error(transparent)]
    Pin(#[from] entrada_secret::pin::PinError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
