//! The image and camera modes of `entrada scan`: decoded payload bytes go through the very
//! same core call as `--qr` ([`super::judge::judge_and_print`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use entrada_domain::CheckpointId;
use entrada_scan::decode::IsolatedDecoder;
use entrada_scan::source::{CameraConfig, CameraSource, list_cameras, load_luma};
use entrada_scan::{FileDecoder, Scanner, ScannerConfig, ScannerEvent, SourceState};

use super::judge::judge_and_print;
use crate::output;

/// Options shared by the frame-based modes.
pub struct FrameOptions<'a> {
    pub db: &'a std::path::Path,
    pub checkpoint: &'a str,
    pub at: Option<&'a str>,
    pub device: Option<&'a str>,
}

/// Decodes each image and judges every code found in it. A file without a readable code
/// is reported on its own line and makes the command exit non-zero at the end.
pub fn run_images(opts: &FrameOptions<'_>, files: &[PathBuf]) -> Result<()> {
    let mut store = super::open(opts.db)?;
    let checkpoint = CheckpointId::new(opts.checkpoint.to_string());
    let mut decoder = IsolatedDecoder::new(FileDecoder::default, Duration::from_secs(5));
    let mut unread = 0usize;
    for file in files {
        let image = load_luma(file).with_context(|| format!("cannot scan {}", file.display()))?;
        let found = match decoder.decode(Arc::new(image)) {
            Ok(found) => found,
            Err(e) => {
                tracing::warn!(file = %file.display(), error = %e, "decode failed");
                Vec::new()
            }
        };
        if found.is_empty() {
            unread += 1;
            output::line(&serde_json::json!({ "file": file, "error": "no QR code found" }))?;
            continue;
        }
        for d in found {
            judge_and_print(&mut store, &checkpoint, &d.payload, opts.at, opts.device)?;
        }
    }
    if unread > 0 {
        bail!("no QR code found in {unread} of {} image(s)", files.len());
    }
    Ok(())
}

/// The headless live loop: camera frames, debounced scans, one verdict line per scan.
/// Runs until interrupted; fails at once when the camera is not there.
pub fn run_camera(opts: &FrameOptions<'_>, index: u32, debounce: Duration) -> Result<()> {
    // Check up front: a kiosk script wants a clear failure, not a silent wait.
    let cameras = list_cameras().context("cannot start the camera scanner")?;
    if !cameras.iter().any(|c| c.index == index) {
        let present: Vec<String> = cameras
            .iter()
            .map(|c| format!("{} ({})", c.index, c.name))
            .collect();
        bail!(
            "no camera found with index {index}; cameras: {}",
            present.join(", ")
        );
    }
    let mut store = super::open(opts.db)?;
    let checkpoint = CheckpointId::new(opts.checkpoint.to_string());
    let source = CameraSource::new(CameraConfig {
        index,
        ..CameraConfig::default()
    });
    let config = ScannerConfig {
        debounce,
        ..ScannerConfig::default()
    };
    let scanner = Scanner::start(Box::new(source), config)?;
    let mut ever_ran = false;
    for event in scanner.events().iter() {
        match event {
            ScannerEvent::Scan(scan) => {
                judge_and_print(&mut store, &checkpoint, &scan.payload, opts.at, opts.device)?;
            }
            ScannerEvent::State(SourceState::Running { source }) => {
                ever_ran = true;
                eprintln!("entrada: scanning with {source}");
            }
            ScannerEvent::State(
                SourceState::NoCamera { message } | SourceState::Recovering { message },
            ) => {
                if !ever_ran {
                    bail!("{message}");
                }
                eprintln!("entrada: camera problem, retrying: {message}");
            }
            ScannerEvent::State(state) => tracing::info!(?state, "scanner state"),
        }
    }
    Ok(())
}
