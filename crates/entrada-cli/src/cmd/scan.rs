use std::path::PathBuf;

use anyhow::Result;
use entrada_domain::{CheckpointId, ScanOutcome, time};
use entrada_store::Store;
use entrada_store::{ScanRequest, Subject};

use crate::output;

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

/// Judges one payload and prints the verdict line; shared with every scan source.
pub fn judge_and_print(
    store: &mut Store,
    checkpoint: &CheckpointId,
    payload: &[u8],
    at: Option<&str>,
    device: Option<&str>,
) -> Result<ScanOutcome> {
    let at = at.map(time::parse).transpose()?;
    let outcome = store.scan(&ScanRequest {
        checkpoint,
        subject: Subject::Payload(payload),
        at,
        device_name: device,
    })?;
    output::line(&serde_json::json!({
        "verdict": outcome.verdict,
        "accepted": outcome.accepted,
        "reading_id": outcome.reading_id,
        "attendee_id": outcome.attendee_id,
        "message": outcome.message,
    }))?;
    Ok(outcome)
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
