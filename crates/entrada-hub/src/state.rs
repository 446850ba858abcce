//! What every handler shares.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::error::ApiError;
use crate::storage::{HubStorage, StorageResult};

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

/// Runs a blocking storage call off the async workers.
pub(crate) async fn db<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce(&dyn HubStorage) -> StorageResult<T> + Send + 'static,
) -> Result<T, ApiError> {
    let storage = state.storage.clone();
    tokio::task::spawn_blocking(move || f(storage.as_ref()))
        .await
        .map_err(|e| ApiError::Internal(format!("storage task: {e}")))?
        .map_err(ApiError::from)
}
