//! `entrada scan`: judge badge payloads given on the command line, read from image files,
//! or seen by a camera.

use std::path::PathBuf;

use anyhow::Result;
use entrada_domain::CheckpointId;

use super::judge::judge_and_print;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    db: PathBuf,
    /// Checkpoint id to judge at.
    #[arg(long)]
    checkpoint: String,
    /// The badge payload, as a QR code would carry it.
    #[arg(long, required_unless_present_any = ["image", "camera"])]
    qr: Vec<String>,
    /// Decode badge QR codes from these image files and judge each one.
    #[arg(long, num_args = 1.., conflicts_with_all = ["qr", "camera"])]
    image: Vec<PathBuf>,
    /// Scan live from a camera (default index 0), one verdict line per new scan.
    #[arg(long, num_args = 0..=1, default_missing_value = "0", conflicts_with = "qr")]
    camera: Option<u32>,
    /// Camera mode: the same badge again within this many seconds is not a new scan.
    #[arg(long, default_value_t = 3.0)]
    debounce_secs: f64,
    /// Reading time (RFC 3339); default now.
    #[arg(long)]
    at: Option<String>,
    /// Device name recorded on the reading (default: the replica's device name).
    #[arg(long)]
    device: Option<String>,
}

pub fn run(args: Args) -> Result<()> {
    let frames = super::scan_frames::FrameOptions {
        db: &args.db,
        checkpoint: &args.checkpoint,
        at: args.at.as_deref(),
        device: args.device.as_deref(),
    };
    if !args.image.is_empty() {
        return super::scan_frames::run_images(&frames, &args.image);
    }
    if let Some(index) = args.camera {
        let debounce = std::time::Duration::try_from_secs_f64(args.debounce_secs)
            .map_err(|e| anyhow::anyhow!("--debounce-secs: {e}"))?;
        return super::scan_frames::run_camera(&frames, index, debounce);
    }
    let mut store = super::open(&args.db)?;
    let checkpoint = CheckpointId::new(args.checkpoint);
    for qr in &args.qr {
        judge_and_print(
            &mut store,
            &checkpoint,
            qr.as_bytes(),
            args.at.as_deref(),
            args.device.as_deref(),
        )?;
    }
    Ok(())
}
