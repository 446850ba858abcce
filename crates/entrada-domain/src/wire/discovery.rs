//! Discovery: the token answer and what a hub says it can do.

use serde::{Deserialize, Serialize};

/// `POST /oauth/v2/token`'s answer. Fields in alphabetical order, as the hub has always
/// written them; a device needs only the token and its lifetime (absent: the protocol's
/// default), and ignores the rest.
#[derive(Debug, Serialize, Deserialize)]
pub struct TokenAnswer {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_type: Option<String>,
}

/// `GET /capabilities`; the default (no extensions) is what a plain Access API gets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    #[serde(default)]
    pub api: Option<String>,
    #[serde(default)]
    pub version: Option<u32>,
    #[serde(default)]
    pub extensions: Vec<String>,
    /// Absent on hubs that predate it: they serve the protocol's original page sizes.
    #[serde(default)]
    pub limits: Limits,
}

/// Page sizes a hub advertises beyond the protocol's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The largest change-feed `limit` served.
    #[serde(default)]
    pub changes: Option<u32>,
}

impl Capabilities {
    pub fn has(&self, extension: &str) -> bool {
        self.extensions.iter().any(|e| e == extension)
    }
}

/// The names a hub lists in `extensions`, one per feature of `docs/sync-protocol.md`.
pub mod extension {
    pub const CHANGES: &str = "changes";
    pub const READINGS_FEED: &str = "readings_feed";
    pub const READINGS_UPLOAD: &str = "readings_upload";
    pub const ADMIN: &str = "admin";
    pub const WEBHOOKS: &str = "webhooks";
}
