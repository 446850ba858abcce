//! Progress of a pull, as the setup screen's bar shows it.

use serde::Serialize;

/// Which part of a pull a progress report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PullPhase {
    /// Fetching from the upstream.
    Download,
    /// Writing into the replica (one transaction).
    Apply,
    /// Downloading attendee photos into the cache, after the pull (`sync/photos.rs`).
    Photos,
}

/// Progress of a pull, for a progress bar: `done` of `total` items in `phase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PullProgress {
    pub phase: PullPhase,
    pub done: u64,
    /// Unknown until the upstream says (the first feed page, or a plain API's full lists).
    pub total: Option<u64>,
}

pub(crate) type ProgressFn<'a> = &'a (dyn Fn(PullProgress) + Send + Sync);
