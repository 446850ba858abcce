//! `entrada kiosk-pin`: set the kiosk PIN of a replica for provisioning, before the desktop
//! app starts with `--kiosk --checkpoint ID`. The PIN is stored Argon2id-hashed (the same
//! function as the app's settings screen), never in plain text.

use std::path::PathBuf;

use anyhow::Result;

use crate::output;

#[derive(clap::Args)]
pub struct Args {
    /// The replica (the desktop app's is `<data dir>/replica.db`).
    #[arg(long)]
    db: PathBuf,
    /// 4 to 12 digits.
    #[arg(long)]
    pin: String,
}

pub fn run(args: Args) -> Result<()> {
    let store = super::open(&args.db)?;
    store.set_kiosk_pin(&args.pin)?;
    output::line(&serde_json::json!({ "kiosk_pin_set": true }))
}
