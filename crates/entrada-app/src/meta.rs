//! The device's own choices, kept in the replica's `meta` table so they travel with the
//! replica (a kiosk restarts as a kiosk, on the same checkpoint).

use entrada_store::Store;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::error::AppError;
use crate::types::{AppMode, Language, Settings, Upstream};

const STATE_KEY: &str = "app.state";
const SETTINGS_KEY: &str = "app.settings";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Meta {
    pub mode: AppMode,
    pub event: Option<String>,
    pub checkpoint: Option<String>,
    pub upstream: Option<Upstream>,
    /// Data for the chosen event is on the device (first pull done, or the demo).
    pub pulled: bool,
}

impl Default for Meta {
    fn default() -> Self {
        Self {
            mode: AppMode::Setup,
            event: None,
            checkpoint: None,
            upstream: None,
            pulled: false,
        }
    }
}

pub(crate) fn load(store: &Store) -> Result<Meta> {
    match store.meta(STATE_KEY)? {
        // A value written by a newer or broken build is not fatal: start from setup.
        Some(text) => Ok(serde_json::from_str(&text).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "unreadable app state in the replica; starting over");
            Meta::default()
        })),
        None => Ok(Meta::default()),
    }
}

pub(crate) fn save(store: &Store, meta: &Meta) -> Result<()> {
    let text = serde_json::to_string(meta).map_err(AppError::internal)?;
    store.set_meta(STATE_KEY, &text)?;
    Ok(())
}

pub(crate) fn settings(store: &Store) -> Result<Settings> {
    let stored = store
        .meta(SETTINGS_KEY)?
        .and_then(|t| serde_json::from_str::<Settings>(&t).ok());
    Ok(stored.unwrap_or_else(|| Settings {
        device_name: store.device().name.clone(),
        sound: true,
        language: Language::Auto,
        kiosk_idle_seconds: 5,
    }))
}

pub(crate) fn save_settings(store: &Store, settings: &Settings) -> Result<()> {
    let text = serde_json::to_string(settings).map_err(AppError::internal)?;
    store.set_meta(SETTINGS_KEY, &text)?;
    Ok(())
}
