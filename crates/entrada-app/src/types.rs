//! The values that cross the boundary to the UI, shaped exactly as `docs/ipc.md` says:
//! camelCase keys, lowercase enum strings, `null` for absent values (never a missing key).
//!
//! They live here, not in the Tauri crate, so the application API can be tested without a
//! window and the CLI could print the same JSON.

use serde::{Deserialize, Serialize};

/// RFC 3339 with offset, as the contract's `Timestamp`.
pub type Timestamp = String;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppMode {
    Setup,
    Door,
    Kiosk,
}

impl AppMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AppMode::Setup => "setup",
            AppMode::Door => "door",
            AppMode::Kiosk => "kiosk",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "setup" => Some(AppMode::Setup),
            "door" => Some(AppMode::Door),
            "kiosk" => Some(AppMode::Kiosk),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventSummary {
    pub id: String,
    pub name: String,
    pub date_from: Option<Timestamp>,
    pub date_to: Option<Timestamp>,
    pub attendee_count: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkpoint {
    pub id: String,
    pub event_id: String,
    pub name: String,
    pub direction: String,
    pub room_name: Option<String>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Device {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upstream {
    pub url: String,
    /// `demo`, `hub` or `access_api`.
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppState {
    pub mode: AppMode,
    pub device: Device,
    pub event: Option<EventSummary>,
    pub checkpoint: Option<Checkpoint>,
    pub upstream: Option<Upstream>,
    pub online: bool,
    pub kiosk_pin_set: bool,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanAttendee {
    pub id: String,
    pub name: String,
    pub first_name: String,
    /// The cached photo as a `data:image/jpeg;base64,...` URL (door-sized in the
    /// `scan-result` event, list-sized in recent scans), or none.
    pub photo: Option<String>,
    pub tags: Vec<Tag>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointRef {
    pub id: String,
    pub name: String,
    pub direction: String,
}

/// Where a scan came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScanSource {
    Camera,
    Keyboard,
    Manual,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanResult {
    pub reading_id: String,
    pub verdict: String,
    pub accepted: bool,
    pub message: String,
    pub attendee: Option<ScanAttendee>,
    pub checkpoint: CheckpointRef,
    pub reading_confirmation: Option<String>,
    pub source: ScanSource,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RecentScan {
    #[serde(flatten)]
    pub scan: ScanResult,
    pub undone: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttendeeHit {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub company: Option<String>,
    pub qr_data: String,
    pub tags: Vec<Tag>,
    pub active: bool,
    /// The list-sized cached photo as a `data:image/jpeg;base64,...` URL, or none.
    pub photo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResult {
    pub total: u64,
    pub hits: Vec<AttendeeHit>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Camera {
    pub index: u32,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CameraStateKind {
    Running,
    NoCamera,
    Recovering,
    Stopped,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CameraState {
    pub state: CameraStateKind,
    pub camera_index: Option<u32>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CameraFrame {
    pub data_url: String,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ForcedMode {
    Auto,
    Online,
    Offline,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub online: bool,
    pub forced_mode: ForcedMode,
    pub syncing: bool,
    pub last_sync_at: Option<Timestamp>,
    pub backlog: u64,
    pub conflicts: u64,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullProgress {
    pub stage: String,
    pub done: u64,
    pub total: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullSummary {
    pub attendees: u64,
    pub checkpoints: u64,
    pub photos: u64,
    pub took_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Auto,
    En,
    Es,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub device_name: String,
    pub sound: bool,
    pub language: Language,
    pub kiosk_idle_seconds: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomLoad {
    pub id: String,
    pub name: String,
    pub inside: u32,
    pub capacity: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FlowBucket {
    pub at: Timestamp,
    pub entries: u32,
    pub exits: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    pub bucket_minutes: u32,
    pub buckets: Vec<FlowBucket>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefusalCount {
    pub verdict: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckpointStats {
    pub id: String,
    pub name: String,
    pub direction: String,
    pub accepted: u32,
    pub refused: u32,
    pub top_refusals: Vec<RefusalCount>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedReading {
    pub reading_id: String,
    pub at: Timestamp,
    pub attendee_name: Option<String>,
    pub checkpoint_name: String,
    pub device_name: String,
    pub verdict: String,
    pub accepted: bool,
    pub undone: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conflict {
    pub reading_id: String,
    pub at: Timestamp,
    pub attendee_name: Option<String>,
    pub checkpoint_name: String,
    pub device_name: String,
    pub upstream_status: u16,
    pub upstream_code: String,
    pub upstream_message: String,
    pub verdict: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeviceRow {
    pub id: String,
    pub name: String,
    pub this_device: bool,
    pub online: bool,
    pub last_seen_at: Option<Timestamp>,
    pub backlog: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookHealth {
    pub id: String,
    pub url: String,
    pub enabled: bool,
    pub delivered: u64,
    pub failed: u64,
    pub pending: u64,
    pub last_status: Option<u16>,
    pub last_delivery_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub generated_at: Timestamp,
    pub rooms: Vec<RoomLoad>,
    pub flow: Flow,
    pub checkpoints: Vec<CheckpointStats>,
    pub recent: Vec<FeedReading>,
    pub conflicts: Vec<Conflict>,
    pub devices: Vec<DeviceRow>,
    pub webhooks: Vec<WebhookHealth>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportResult {
    pub path: String,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSubscription {
    pub id: String,
    pub url: String,
    pub topics: Vec<String>,
    pub enabled: bool,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookList {
    pub subscriptions: Vec<WebhookSubscription>,
    pub topics: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookCreated {
    pub id: String,
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDelivery {
    pub id: String,
    pub subscription_id: String,
    pub topic: String,
    pub webhook_identifier: String,
    pub status: String,
    pub response_code: Option<u16>,
    pub latency_ms: Option<u64>,
    pub attempts: u32,
    pub last_attempt_at: Option<Timestamp>,
    pub next_attempt_at: Option<Timestamp>,
    pub error: Option<String>,
}
