//! The one place events leave for the UI (`app.emit` to all windows), and the window
//! control kiosk mode needs. entrada-app talks to the shell only through this.

use entrada_app::{AppEvent, Shell};
use tauri::{AppHandle, Emitter, Manager};

pub struct Broadcaster {
    handle: AppHandle,
}

impl Broadcaster {
    pub fn new(handle: AppHandle) -> Self {
        Self { handle }
    }
}

impl Shell for Broadcaster {
    fn emit(&self, event: AppEvent) {
        let name = event.name();
        match &event {
            AppEvent::CameraFrame(_) => crate::startup::mark("first-preview-emitted"),
            AppEvent::CameraState(_) => crate::startup::mark("first-camera-state-emitted"),
            _ => {}
        }
        let sent = match &event {
            AppEvent::ScanResult(p) => self.handle.emit(name, p),
            AppEvent::CameraFrame(p) => self.handle.emit(name, p),
            AppEvent::CameraState(p) => self.handle.emit(name, p),
            AppEvent::SyncStatus(p) => self.handle.emit(name, p),
            AppEvent::PullProgress(p) => self.handle.emit(name, p),
        };
        if let Err(e) = sent {
            tracing::warn!(event = name, error = %e, "event not delivered");
        }
    }

    /// Kiosk: full screen without window controls; door: a normal window again.
    fn set_fullscreen(&self, on: bool) {
        let Some(window) = self.handle.get_webview_window(crate::MAIN_WINDOW) else {
            return;
        };
        if let Err(e) = window
            .set_decorations(!on)
            .and_then(|()| window.set_fullscreen(on))
        {
            tracing::warn!(error = %e, "cannot switch full screen");
        }
    }
}
