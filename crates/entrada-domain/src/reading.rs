use serde::{Deserialize, Serialize};

use crate::verdict::Verdict;
use crate::{AttendeeId, CheckpointId, DeviceId, Direction, ReadingId, RoomId};

/// Where a reading stands with the upstream.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    /// Made here, not yet acknowledged upstream.
    Pending,
    /// Acknowledged upstream.
    Synced,
    /// Kept upstream, but the upstream's rules would have refused it: shown to organizers.
    Conflict,
    /// Refused by a plain Access API (status and body kept on the reading).
    Refused,
    /// Made on another device and learnt from the readings feed.
    Remote,
}

impl SyncState {
    pub fn as_str(self) -> &'static str {
        match self {
            SyncState::Pending => "pending",
            SyncState::Synced => "synced",
            SyncState::Conflict => "conflict",
            SyncState::Refused => "refused",
            SyncState::Remote => "remote",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "pending" => SyncState::Pending,
            "synced" => SyncState::Synced,
            "conflict" => SyncState::Conflict,
            "refused" => SyncState::Refused,
            "remote" => SyncState::Remote,
            _ => return None,
        })
    }
}

/// How a reading came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadingKind {
    /// A badge read by a camera or a keyboard-wedge scanner.
    Scan,
    /// Staff checked the attendee in by hand (search).
    Manual,
    /// A compensating record that voids a mistaken accepted reading.
    Undo,
}

impl ReadingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReadingKind::Scan => "scan",
            ReadingKind::Manual => "manual",
            ReadingKind::Undo => "undo",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "scan" => ReadingKind::Scan,
            "manual" => ReadingKind::Manual,
            "undo" => ReadingKind::Undo,
            _ => return None,
        })
    }
}

/// One reading as stored in the replica: an append-only fact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub id: ReadingId,
    pub device_id: DeviceId,
    pub device_name: String,
    /// Position in its device's own sequence (1, 2, 3, ...).
    pub device_seq: i64,
    pub checkpoint_id: CheckpointId,
    pub attendee_id: Option<AttendeeId>,
    pub verdict: Verdict,
    pub accepted: bool,
    pub kind: ReadingKind,
    /// For an undo: the reading it voids.
    pub undoes: Option<ReadingId>,
    /// Set when an undo voided this reading.
    pub voided: bool,
    pub direction: Direction,
    pub room_id: Option<RoomId>,
    pub reading_date: String,
    pub sync_state: SyncState,
    pub upstream_status: Option<u16>,
    pub upstream_body: Option<String>,
    /// The verdict the upstream's rules gave for a conflict.
    pub upstream_verdict: Option<String>,
}

/// What a scan returns to its caller (CLI, desktop, hub).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanOutcome {
    pub verdict: Verdict,
    pub accepted: bool,
    pub reading_id: ReadingId,
    pub attendee_id: Option<AttendeeId>,
    pub message: String,
    pub reading_date: String,
}
