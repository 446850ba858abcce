//! One module per subcommand; each parses its flags and calls into the library crates.

pub mod cameras;
pub mod decode;
pub mod demo;
pub mod hub;
pub mod import;
mod judge;
pub mod kiosk_pin;
pub mod occupancy;
pub mod readings;
pub mod scan;
pub mod scan_frames;
pub mod search;
pub mod sync;
pub mod undo;
pub mod webhooks;

use std::path::Path;

use anyhow::{Context, Result};
use entrada_store::Store;

/// Opens a replica with the path in the error message, the first thing a user checks.
pub fn open(db: &Path) -> Result<Store> {
    Store::open(db).with_context(|| format!("cannot open replica {}", db.display()))
}
