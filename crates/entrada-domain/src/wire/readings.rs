//! Readings on the wire: uploads from devices, the hub's answers, the readings feed.

use serde::{Deserialize, Serialize};

use super::Cursor;
use crate::{AttendeeId, CheckpointId, DeviceId, ReadingId, ReadingKind, Verdict};

/// One reading as a device uploads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UploadedReading {
    pub id: ReadingId,
    pub checkpoint_id: CheckpointId,
    pub attendee_id: Option<AttendeeId>,
    /// Original reading time, kept as sent.
    pub reading_date: String,
    /// The device's verdict.
    pub verdict: Verdict,
    pub accepted: bool,
    pub kind: ReadingKind,
    #[serde(default)]
    pub undoes: Option<ReadingId>,
    #[serde(default)]
    pub device_seq: Option<i64>,
}

/// How the receiving side filed an uploaded reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IngestStatus {
    /// Stored; the receiver's rules agree with the device.
    Stored,
    /// Stored as a fact, but the receiver's rules would have refused it.
    Conflict,
    /// Refused scan kept as an audit record.
    Audit,
    /// The reference checkpoint is unknown here; nothing stored.
    Rejected,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IngestResult {
    pub id: ReadingId,
    pub status: IngestStatus,
    /// True when this id had been received before (the answer is the original one).
    pub duplicate: bool,
    /// The receiver's own verdict for accepted readings (differs from `accepted` on conflicts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hub_verdict: Option<Verdict>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A reading from another device's feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteReading {
    pub id: ReadingId,
    pub attendee_id: Option<AttendeeId>,
    pub checkpoint_id: CheckpointId,
    pub reading_date: String,
    /// Device name.
    pub device: String,
    #[serde(default)]
    pub device_id: Option<DeviceId>,
    #[serde(default = "scan_kind")]
    pub kind: ReadingKind,
    #[serde(default)]
    pub undoes: Option<ReadingId>,
    /// The upstream flagged this reading as a conflict (its rules would have refused it).
    #[serde(default)]
    pub conflict: bool,
    #[serde(default)]
    pub hub_verdict: Option<Verdict>,
}

fn scan_kind() -> ReadingKind {
    ReadingKind::Scan
}

/// `GET /event/<id>/readings`: the hub serves it, devices read it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReadingsPage {
    pub readings: Vec<RemoteReading>,
    pub next: Option<Cursor>,
    #[serde(default)]
    pub more: bool,
}

/// The uploading device of a readings batch.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceRef {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

/// `POST /event/<id>/readings` body.
#[derive(Debug, Serialize, Deserialize)]
pub struct UploadRequest {
    pub device: DeviceRef,
    pub readings: Vec<UploadedReading>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct UploadAnswer {
    pub results: Vec<IngestResult>,
}

/// A plain Access API's answer to one access: status and (cut) body.
#[derive(Debug, Clone)]
pub struct AccessAnswer {
    pub status: u16,
    pub body: String,
}
