//! Offline-first replication between a door's replica and its upstream.
//!
//! The door never waits for the network: scans are judged and committed locally, and this
//! crate moves data both ways when it can.
//!
//! - **Pull**: the event, tags, rooms, checkpoints and attendance – incrementally through a
//!   hub's change feed, or in full from a plain Access API – plus the readings made at
//!   other doors (so `max_readings_reached`, `already_in_room` and `room_full` hold across
//!   doors once devices are online).
//! - **Push**: the outbox (pending readings, refused scans for the audit) in idempotent
//!   batches to a hub, or one access per reading to a plain Access API. The upstream's
//!   answer is stored on the reading: synced, conflict (kept, but the hub's rules would
//!   have refused it) or refused (status and body kept). Nothing is retried forever and
//!   nothing is ever deleted.
//! - **Engine**: online/offline judgement from recent requests, operator override,
//!   exponential backoff with jitter, push-on-nudge, and a status for the UI.
//!
//! The protocol is `docs/sync-protocol.md`; the operator's view is `docs/sync.md`.

mod client;
mod db;
mod engine;
mod health;
mod photos;
mod progress;
mod pull;
mod push;
mod settings;

pub use client::{Client, Timeouts};
pub use engine::{ProgressHook, Summary, SyncEngine, SyncOptions, SyncStatus, UpstreamKind};
pub use entrada_domain::wire::Capabilities;
pub use health::{ForcedMode, Health, HealthPolicy, backoff};
pub use photos::{PhotoOptions, PhotoReport};
pub use progress::{PullPhase, PullProgress};
pub use push::verdict_of_refusal;
pub use settings::{Settings, SettingsUpdate};

/// Why a sync step failed. The replica is usable whatever the error: these only say why
/// the upstream has not caught up yet.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("upstream unreachable: {0}")]
    Unreachable(String),
    #[error("upstream answered HTTP {status}: {body}")]
    Http { status: u16, body: String },
    #[error("upstream refused the client credentials: {0}")]
    Auth(String),
    #[error("upstream sent something unexpected: {0}")]
    Protocol(String),
    #[error("sync settings: {0}")]
    Config(String),
    #[error("sync is forced offline by the operator")]
    ForcedOffline,
    #[error("the upstream does not offer event {0}")]
    NoSuchEvent(String),
    #[error(transparent)]
    Store(#[from] entrada_store::Error),
    #[error(transparent)]
    Secret(#[from] entrada_secret::SecretError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl SyncError {
    /// A failure that may pass by itself (network, upstream overloaded or restarting):
    /// retried with backoff and counted towards "offline".
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Unreachable(_) => true,
            SyncError::Http { status, .. } => *status >= 500 || matches!(status, 408 | 429),
            _ => false,
        }
    }
}
