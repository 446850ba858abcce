//! A shell for unit tests: records every event the app emits, as the Tauri shell would
//! forward them to the page.

use std::sync::Mutex;

use crate::{AppEvent, Shell};

#[derive(Default)]
pub(crate) struct Recorder(pub(crate) Mutex<Vec<AppEvent>>);

impl Shell for Recorder {
    fn emit(&self, event: AppEvent) {
        self.0.lock().unwrap().push(event);
    }
    fn set_fullscreen(&self, _on: bool) {}
}
