//! The Tauri configuration lives at the repository root (beside `ui/`), but every Tauri tool
//! (tauri-build, `generate_context!`, the Tauri CLI) reads `tauri.conf.json` from this
//! crate's folder. So `src-tauri/tauri.conf.json` is a symbolic link to `../tauri.conf.json`,
//! and the paths inside it (`frontendDist: ../ui/dist`, `icons/...`) are relative to
//! `src-tauri/`, where all of them read it.
//!
//! The app manifest lists every command of `docs/ipc.md`: tauri-build then generates an
//! `allow-<command>` permission for each, and only commands granted by a capability
//! (`capabilities/main.json` via `permissions/app-commands.toml`) can be invoked.

const COMMANDS: &[&str] = &[
    "app_state",
    "open_demo",
    "connect_upstream",
    "list_events",
    "list_checkpoints",
    "choose_checkpoint",
    "start_pull",
    "list_cameras",
    "camera_state",
    "start_camera",
    "stop_camera",
    "scan_payload",
    "check_in_attendee",
    "search_attendees",
    "recent_scans",
    "undo_reading",
    "sync_status",
    "set_forced_mode",
    "sync_now",
    "dashboard",
    "export_csv",
    "webhooks_list",
    "webhooks_add",
    "webhooks_remove",
    "webhooks_set_enabled",
    "webhooks_ping",
    "webhooks_deliveries",
    "webhooks_resend",
    "settings_get",
    "settings_set",
    "kiosk_enter",
    "kiosk_unlock",
    "set_kiosk_pin",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    println!("cargo:rerun-if-changed=../tauri.conf.json");
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {error:#}");
    }
}
