//! The hub's storage, behind a trait so a PostgreSQL backend can join SQLite later
//! (multi-venue deployments) without touching a handler.
//!
//! Methods are blocking: handlers call them through `tokio::task::spawn_blocking` (see
//! [`crate::routes::db`]). Refusals the Access API documents (unknown ids, duplicates, ...)
//! are [`StorageError::Refused`], so each route maps them to its documented answer.

pub mod sqlite;

use entrada_domain::snapshot::Snapshot;
use entrada_domain::wire::{ChangesPage, DeviceRef, IngestResult, ReadingsPage, UploadedReading};
use entrada_domain::{
    Attendance, Attendee, Checkpoint, CheckpointId, Event, EventId, Room, ScanOutcome, Tag,
};
use entrada_store::ImportReport;
use entrada_store::admin::Refusal;
use entrada_webhook::{CreatedSubscription, Delivery, Subscription, Topic};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(transparent)]
    Core(#[from] entrada_store::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("json error: {0}")]
    Json(#[from] serde_json::Error),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("webhooks: {0}")]
    Webhook(#[from] entrada_webhook::Error),
    #[error("refused: {0:?}")]
    Refused(Refusal),
    #[error("batch failed: {0}")]
    Batch(String),
    #[error("the storage writer has stopped")]
    Closed,
}

pub type StorageResult<T> = Result<T, StorageError>;

/// Lifts a core [`entrada_store::admin::Outcome`] into a storage result.
pub(crate) fn refused<T>(outcome: Result<T, Refusal>) -> StorageResult<T> {
    outcome.map_err(StorageError::Refused)
}

/// An issued bearer token, stored by the SHA-256 of its text (a leaked database does not
/// leak usable tokens).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub hash: String,
    pub client_id: String,
    pub scope: String,
    /// Unix seconds.
    pub expires_at: i64,
}

/// The fields `PATCH /attendee/<id>` may change; `None` leaves a field alone.
#[derive(Debug, Clone, Default)]
pub struct AttendeePatch {
    pub name: Option<String>,
    pub email: Option<String>,
    pub position: Option<String>,
    pub company: Option<String>,
    pub phone_number: Option<String>,
    pub qr_data: Option<String>,
    pub photo: Option<String>,
}

/// Filters of `GET /event/<id>/attendance`.
#[derive(Debug, Clone, Default)]
pub struct AttendanceFilter {
    pub confirmed: Option<bool>,
    /// Lower-cased emails.
    pub emails: Option<Vec<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttendanceOp {
    Attend,
    Confirm,
    Reject,
    Leave,
}

/// A room with its live occupancy (admin extension).
#[derive(Debug, Clone, Serialize)]
pub struct RoomState {
    #[serde(flatten)]
    pub room: Room,
    pub occupancy: u32,
}

/// Everything the hub keeps. One implementation per database engine.
pub trait HubStorage: Send + Sync + 'static {
    // OAuth2 clients and tokens.
    /// Makes `id` the one OAuth2 client of the hub (a restart with other credentials
    /// revokes the previous client and its tokens, e.g. the demo client).
    fn upsert_client(&self, id: &str, secret_hash: &str) -> StorageResult<()>;
    fn client_secret_hash(&self, id: &str) -> StorageResult<Option<String>>;
    fn store_token(&self, token: &TokenRecord) -> StorageResult<()>;
    fn token(&self, hash: &str) -> StorageResult<Option<TokenRecord>>;

    /// Applies a snapshot (readings already stored are never touched).
    fn import_snapshot(&self, snapshot: Snapshot) -> StorageResult<ImportReport>;

    // Attendees.
    fn attendees(&self) -> StorageResult<Vec<Attendee>>;
    fn attendee(&self, id: &str) -> StorageResult<Option<Attendee>>;
    fn create_attendee(&self, attendee: Attendee) -> StorageResult<()>;
    fn update_attendee(&self, id: &str, patch: AttendeePatch) -> StorageResult<()>;
    fn delete_attendee(&self, id: &str) -> StorageResult<()>;
    fn set_attendee_tag(&self, id: &str, tag: &str, present: bool) -> StorageResult<()>;
    fn set_attendee_active(&self, id: &str, active: bool) -> StorageResult<()>;
    /// Attendees matching every word of `query`; only those attending `event` if given.
    fn search_attendees(&self, query: &str, event: Option<&str>) -> StorageResult<Vec<Attendee>>;
    /// Stores a photo file's bytes under `token`; returns nothing (the URL is the caller's).
    fn save_photo(&self, token: &str, content_type: &str, bytes: &[u8]) -> StorageResult<()>;
    fn photo(&self, token: &str) -> StorageResult<Option<(String, Vec<u8>)>>;

    // Tags.
    fn tags(&self) -> StorageResult<Vec<Tag>>;
    fn tag(&self, id: &str) -> StorageResult<Option<Tag>>;
    fn create_tag(&self, tag: Tag) -> StorageResult<()>;
    fn rename_tag(&self, id: &str, name: &str) -> StorageResult<()>;
    fn delete_tag(&self, id: &str) -> StorageResult<()>;

    // Events, checkpoints, rooms.
    fn events(&self) -> StorageResult<Vec<Event>>;
    fn event(&self, id: &str) -> StorageResult<Option<Event>>;
    fn checkpoints(&self, event: &str) -> StorageResult<Vec<Checkpoint>>;
    fn checkpoint(&self, id: &str) -> StorageResult<Option<(Checkpoint, EventId)>>;
    fn rooms(&self, event: &str) -> StorageResult<Vec<RoomState>>;
    fn upsert_event(&self, event: Event) -> StorageResult<()>;
    fn upsert_room(&self, event: &str, room: Room) -> StorageResult<()>;
    fn upsert_checkpoint(&self, event: &str, checkpoint: Checkpoint) -> StorageResult<()>;

    // Attendance.
    fn attendance_list(
        &self,
        event: &str,
        filter: &AttendanceFilter,
    ) -> StorageResult<Vec<Attendance>>;
    fn attendance(&self, event: &str, attendee: &str) -> StorageResult<Option<Attendance>>;
    fn change_attendance(&self, event: &str, attendee: &str, op: AttendanceOp)
    -> StorageResult<()>;

    /// Judges and records one access (`POST /checkpoint/<id>/accesses`) durably.
    fn create_access(
        &self,
        checkpoint: CheckpointId,
        attendee: String,
    ) -> StorageResult<ScanOutcome>;

    /// What the 201 body of an access shows: the attendee, the checkpoint and its event.
    fn access_context(
        &self,
        checkpoint: &str,
        attendee: &str,
    ) -> StorageResult<Option<(Attendee, Checkpoint, Event)>>;

    // Sync extensions.
    fn changes(&self, event: &str, since: i64, limit: u32) -> StorageResult<ChangesPage>;
    fn readings(&self, event: &str, since: i64, limit: u32) -> StorageResult<ReadingsPage>;
    fn upload(
        &self,
        event: &str,
        device: DeviceRef,
        readings: Vec<UploadedReading>,
    ) -> StorageResult<Vec<IngestResult>>;

    // Webhook subscriptions (`entrada_webhook` keeps them and their outbox).
    fn webhooks(&self) -> StorageResult<Vec<Subscription>>;
    fn webhook(&self, id: &str) -> StorageResult<Option<Subscription>>;
    /// Creates a subscription; the answer carries the secret, shown this once.
    fn create_webhook(&self, url: &str, topics: Vec<Topic>) -> StorageResult<CreatedSubscription>;
    fn delete_webhook(&self, id: &str) -> StorageResult<bool>;
    fn set_webhook_enabled(&self, id: &str, enabled: bool) -> StorageResult<bool>;
    /// The delivery log of one subscription, newest first.
    fn deliveries(&self, webhook: &str, limit: u32) -> StorageResult<Vec<Delivery>>;
}
