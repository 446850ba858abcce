//! The commands of `docs/ipc.md`, each one call into [`entrada_app::App`]. Nothing here
//! decides anything: the shell only maps arguments and results (see docs/desktop.md).
//!
//! They run on Tauri's async runtime (`async`), never on the UI thread, so a slow disk or
//! camera start never freezes the window.

use std::sync::Arc;

use entrada_app::types::*;
use entrada_app::{App, AppError};
use tauri::State;

type Res<T> = Result<T, AppError>;
type Ctx<'a> = State<'a, Arc<App>>;

#[tauri::command(async)]
pub fn app_state(app: Ctx<'_>) -> Res<AppState> {
    crate::startup::mark("first-ipc");
    app.app_state()
}

#[tauri::command(async)]
pub fn open_demo(app: Ctx<'_>) -> Res<AppState> {
    app.inner().open_demo()
}

#[tauri::command(async)]
pub fn connect_upstream(
    app: Ctx<'_>,
    url: String,
    client_id: String,
    client_secret: String,
) -> Res<Vec<EventSummary>> {
    app.connect_upstream(&url, &client_id, &client_secret)
}

#[tauri::command(async)]
pub fn list_events(app: Ctx<'_>) -> Res<Vec<EventSummary>> {
    app.list_events()
}

#[tauri::command(async)]
pub fn list_checkpoints(app: Ctx<'_>, event_id: String) -> Res<Vec<Checkpoint>> {
    app.list_checkpoints(&event_id)
}

#[tauri::command(async)]
pub fn choose_checkpoint(app: Ctx<'_>, checkpoint_id: String) -> Res<AppState> {
    app.choose_checkpoint(&checkpoint_id)
}

#[tauri::command(async)]
pub fn start_pull(app: Ctx<'_>) -> Res<PullSummary> {
    app.inner().start_pull()
}

#[tauri::command(async)]
pub fn list_cameras(app: Ctx<'_>) -> Vec<Camera> {
    crate::startup::mark("cmd-list-cameras");
    app.list_cameras()
}

#[tauri::command(async)]
pub fn camera_state(app: Ctx<'_>) -> CameraState {
    crate::startup::mark("cmd-camera-state");
    app.camera_state()
}

#[tauri::command(async)]
pub fn start_camera(app: Ctx<'_>, index: u32) -> Res<()> {
    crate::startup::mark("start-camera-called");
    app.inner().start_camera(index)
}

#[tauri::command(async)]
pub fn stop_camera(app: Ctx<'_>) {
    app.stop_camera()
}

#[tauri::command(async)]
pub fn scan_payload(app: Ctx<'_>, payload: String, source: ScanSource) -> Res<ScanResult> {
    app.scan_payload(&payload, source)
}

#[tauri::command(async)]
pub fn check_in_attendee(app: Ctx<'_>, attendee_id: String) -> Res<ScanResult> {
    app.check_in_attendee(&attendee_id)
}

#[tauri::command(async)]
pub fn search_attendees(app: Ctx<'_>, query: String, limit: u32) -> Res<SearchResult> {
    app.search_attendees(&query, limit)
}

#[tauri::command(async)]
pub fn recent_scans(app: Ctx<'_>, limit: u32) -> Res<Vec<RecentScan>> {
    app.recent_scans(limit)
}

#[tauri::command(async)]
pub fn undo_reading(app: Ctx<'_>, reading_id: String) -> Res<()> {
    app.undo_reading(&reading_id)
}

#[tauri::command(async)]
pub fn sync_status(app: Ctx<'_>) -> Res<SyncStatus> {
    app.sync_status()
}

#[tauri::command(async)]
pub fn set_forced_mode(app: Ctx<'_>, mode: ForcedMode) -> Res<SyncStatus> {
    app.set_forced_mode(mode)
}

#[tauri::command(async)]
pub fn sync_now(app: Ctx<'_>) -> Res<SyncStatus> {
    app.sync_now()
}

#[tauri::command(async)]
pub fn dashboard(app: Ctx<'_>, flow_bucket_minutes: u32, recent_limit: u32) -> Res<Dashboard> {
    app.dashboard(flow_bucket_minutes, recent_limit)
}

#[tauri::command(async)]
pub fn export_csv(app: Ctx<'_>, kind: String) -> Res<ExportResult> {
    app.export_csv(&kind)
}

#[tauri::command(async)]
pub fn webhooks_list(app: Ctx<'_>) -> Res<WebhookList> {
    app.webhooks_list()
}

#[tauri::command(async)]
pub fn webhooks_add(app: Ctx<'_>, url: String, topics: Vec<String>) -> Res<WebhookCreated> {
    app.webhooks_add(&url, &topics)
}

#[tauri::command(async)]
pub fn webhooks_remove(app: Ctx<'_>, id: String) -> Res<()> {
    app.webhooks_remove(&id)
}

#[tauri::command(async)]
pub fn webhooks_set_enabled(app: Ctx<'_>, id: String, enabled: bool) -> Res<()> {
    app.webhooks_set_enabled(&id, enabled)
}

#[tauri::command(async)]
pub fn webhooks_ping(app: Ctx<'_>, id: String) -> Res<WebhookDelivery> {
    app.webhooks_ping(&id)
}

#[tauri::command(async)]
pub fn webhooks_deliveries(app: Ctx<'_>, id: String, limit: u32) -> Res<Vec<WebhookDelivery>> {
    app.webhooks_deliveries(&id, limit)
}

#[tauri::command(async)]
pub fn webhooks_resend(app: Ctx<'_>, delivery_id: String) -> Res<WebhookDelivery> {
    app.webhooks_resend(&delivery_id)
}

#[tauri::command(async)]
pub fn settings_get(app: Ctx<'_>) -> Res<Settings> {
    app.settings_get()
}

#[tauri::command(async)]
pub fn settings_set(app: Ctx<'_>, settings: Settings) -> Res<Settings> {
    app.settings_set(settings)
}

#[tauri::command(async)]
pub fn kiosk_enter(app: Ctx<'_>, checkpoint_id: String) -> Res<AppState> {
    app.kiosk_enter(&checkpoint_id)
}

#[tauri::command(async)]
pub fn kiosk_unlock(app: Ctx<'_>, pin: String) -> Res<bool> {
    app.kiosk_unlock(&pin)
}

#[tauri::command(async)]
pub fn set_kiosk_pin(app: Ctx<'_>, pin: String) -> Res<()> {
    app.set_kiosk_pin(&pin)
}
