//! `entrada decode FILE...`: what the scanner reads in each image, one JSON line per file.
//!
//! Uses the still-image ladder (every rung, no frame budget) with the decode isolated on a
//! worker thread: a photo that makes a decoder panic or spin yields an error line for that
//! file, and the remaining files are still decoded.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use entrada_scan::FileDecoder;
use entrada_scan::decode::IsolatedDecoder;
use entrada_scan::source::load_luma;

use crate::output;

#[derive(clap::Args)]
pub struct Args {
    /// Image files (PNG, JPEG).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Give up on one image after this many milliseconds.
    #[arg(long, default_value_t = 5000)]
    timeout_ms: u64,
}

pub fn run(args: Args) -> Result<()> {
    let mut decoder =
        IsolatedDecoder::new(FileDecoder::default, Duration::from_millis(args.timeout_ms));
    let mut failed = 0usize;
    for file in &args.files {
        let image = match load_luma(file) {
            Ok(img) => Arc::new(img),
            Err(e) => {
                failed += 1;
                output::line(&serde_json::json!({
                    "file": file, "texts": [], "ms": 0.0, "error": e.to_string(),
                }))?;
                continue;
            }
        };
        let started = Instant::now();
        let result = decoder.decode(image);
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok(found) => {
                let texts: Vec<&str> = found.iter().map(|d| d.text.as_str()).collect();
                output::line(&serde_json::json!({ "file": file, "texts": texts, "ms": ms }))?;
            }
            Err(e) => {
                failed += 1;
                output::line(&serde_json::json!({
                    "file": file, "texts": [], "ms": ms, "error": e.to_string(),
                }))?;
            }
        }
    }
    if failed > 0 {
        bail!(
            "{failed} of {} file(s) could not be decoded",
            args.files.len()
        );
    }
    Ok(())
}
