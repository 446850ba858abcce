//! What every handler shares.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::storage::HubStorage;

pub struct AppState {
    pub storage: Arc<dyn HubStorage>,
    /// Where the hub is reachable (photo and QR URLs are built on it).
    pub base_url: String,
    pub token_ttl: Duration,
    /// `--plain`: the Access API only, no extensions.
    pub plain: bool,
    /// Valid tokens seen recently (hash -> scope, expiry), so authenticating a request does
    /// not cost a database read.
    pub tokens: Mutex<HashMap<String, (String, i64)>>,
}

pub type Shared = Arc<AppState>;
