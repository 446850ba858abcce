//! `entrada hub`: a reference upstream server that speaks the Access API of
//! `access-api.txt`, plus the extensions offline-first devices need (change feed, readings
//! feed, idempotent batch upload, admin creation, webhook subscriptions), all described in
//! the OpenAPI document it serves.
//!
//! The rules engine is `entrada-domain`'s and the ingest path `entrada-store`'s, so the hub and the devices
//! judge alike. Storage sits behind [`storage::HubStorage`]; SQLite is the backend today.
//!
//! Tests and tools start a hub in-process with [`serve`]:
//!
//! ```no_run
//! # async fn demo() -> Result<(), entrada_hub::HubError> {
//! let mut config = entrada_hub::HubConfig::new("/tmp/hub.db");
//! config.snapshot = Some(entrada_demo::snapshot(50));
//! let hub = entrada_hub::serve(config).await?;
//! println!("{}", hub.url("/event"));
//! hub.shutdown().await?;
//! # Ok(()) }
//! ```

pub mod auth;
pub mod body;
pub mod error;
pub mod openapi;
pub mod photo;
pub mod present;
pub mod routes;
mod server;
pub mod state;
pub mod storage;

pub use error::HubError;
pub use server::{
    DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, HubConfig, HubPhotos, RunningHub, run_until_signal, serve,
};
