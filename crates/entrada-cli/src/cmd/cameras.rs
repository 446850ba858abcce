//! `entrada cameras`: the cameras the scanner can use, one JSON line each.

use anyhow::{Context, Result};

use crate::output;

#[derive(clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> Result<()> {
    let cameras = entrada_scan::source::list_cameras().context("cannot list cameras")?;
    for cam in cameras {
        output::line(&serde_json::json!({
            "index": cam.index,
            "name": cam.name,
            "description": cam.description,
        }))?;
    }
    Ok(())
}
