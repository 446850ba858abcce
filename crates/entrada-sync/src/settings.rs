//! The upstream settings of one replica, stored in the replica itself so later runs (and
//! the desktop app) reuse what the first `entrada sync --upstream ...` was given.
//!
//! The URL, client id and event id are plain `meta` rows. The client secret is never
//! stored in clear: it is sealed with [`entrada_secret::SecretBox`], whose key lives
//! outside the replica (the environment, the OS keyring or a 0600 key file, see
//! `entrada-secret` and `docs/sync.md`), so a copied replica alone does not leak the
//! credentials.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use crate::SyncError;
use entrada_domain::EventId;
use entrada_secret::SecretBox;
use entrada_store::Store;

pub(crate) const KEY_UPSTREAM: &str = "sync.upstream";
pub(crate) const KEY_CLIENT_ID: &str = "sync.client_id";
pub(crate) const KEY_SECRET: &str = "sync.client_secret.sealed";
pub(crate) const KEY_EVENT: &str = "sync.event_id";
pub(crate) const KEY_LAST_SUCCESS: &str = "sync.last_success";

/// Cursor of the change feed for one event (reset when the upstream changes).
pub(crate) fn changes_cursor_key(event: &EventId) -> String {
    format!("sync.changes_cursor:{event}")
}

/// Cursor of the readings feed for one event.
pub(crate) fn readings_cursor_key(event: &EventId) -> String {
    format!("sync.readings_cursor:{event}")
}

/// Where to sync and as whom.
#[derive(Clone, PartialEq, Eq)]
pub struct Settings {
    /// Base URL of the upstream (`https://api.eventwoaccess.com`, `http://127.0.0.1:8080`).
    pub upstream: String,
    pub client_id: String,
    pub client_secret: String,
    pub event_id: EventId,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("upstream", &self.upstream)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<sealed>")
            .field("event_id", &self.event_id)
            .finish()
    }
}

/// Settings given on a command line or a form: any subset, merged over the stored ones.
#[derive(Debug, Clone, Default)]
pub struct SettingsUpdate {
    pub upstream: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub event_id: Option<String>,
}

impl SettingsUpdate {
    pub fn is_empty(&self) -> bool {
        self.upstream.is_none()
            && self.client_id.is_none()
            && self.client_secret.is_none()
            && self.event_id.is_none()
    }

    /// Applies this update over `stored`; every field must end up known.
    pub fn merge(self, stored: Option<Settings>) -> Result<Settings, SyncError> {
        let missing = |what: &str| {
            SyncError::Config(format!(
                "no {what} stored in this replica yet: pass --upstream, --client-id, \
                 --client-secret and --event on the first run"
            ))
        };
        let (su, sc, ss, se) = match stored {
            Some(s) => (
                Some(s.upstream),
                Some(s.client_id),
                Some(s.client_secret),
                Some(s.event_id.0),
            ),
            None => (None, None, None, None),
        };
        Ok(Settings {
            upstream: self
                .upstream
                .or(su)
                .ok_or_else(|| missing("upstream URL"))?,
            client_id: self.client_id.or(sc).ok_or_else(|| missing("client id"))?,
            client_secret: self
                .client_secret
                .or(ss)
                .ok_or_else(|| missing("client secret"))?,
            event_id: EventId(self.event_id.or(se).ok_or_else(|| missing("event id"))?),
        })
    }
}

impl Settings {
    /// The stored settings, if the replica has been configured.
    pub fn load(store: &Store, secrets: &SecretBox) -> Result<Option<Self>, SyncError> {
        let (Some(upstream), Some(client_id), Some(sealed), Some(event)) = (
            store.meta(KEY_UPSTREAM)?,
            store.meta(KEY_CLIENT_ID)?,
            store.meta(KEY_SECRET)?,
            store.meta(KEY_EVENT)?,
        ) else {
            return Ok(None);
        };
        let sealed = B64
            .decode(sealed.trim())
            .map_err(|_| SyncError::Config("stored client secret is damaged".into()))?;
        let client_secret = secrets.open(&sealed).map_err(|e| {
            SyncError::Config(format!(
                "cannot unseal the stored client secret with the key from {} ({e}); pass \
                 --client-secret again",
                secrets.source()
            ))
        })?;
        Ok(Some(Self {
            upstream,
            client_id,
            client_secret,
            event_id: EventId(event),
        }))
    }

    /// Stores the settings. Feed cursors are forgotten when the upstream or the event
    /// changes: a cursor means nothing to another server.
    pub fn save(&self, store: &Store, secrets: &SecretBox) -> Result<(), SyncError> {
        let previous = (store.meta(KEY_UPSTREAM)?, store.meta(KEY_EVENT)?);
        let moved = previous.0.as_deref() != Some(self.upstream.as_str())
            || previous.1.as_deref() != Some(self.event_id.as_str());
        let sealed = B64.encode(secrets.seal(&self.client_secret));
        store.save_sync_settings(
            &[
                (KEY_UPSTREAM, self.upstream.as_str()),
                (KEY_CLIENT_ID, self.client_id.as_str()),
                (KEY_SECRET, sealed.as_str()),
                (KEY_EVENT, self.event_id.as_str()),
            ],
            moved,
        )?;
        Ok(())
    }
}
