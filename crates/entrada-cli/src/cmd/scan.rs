use std::path::PathBuf;

use anyhow::Result;
use entrada_core::store::{ScanRequest, Subject};
use entrada_core::{CheckpointId, ScanOutcome, Store, time};

use crate::output;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    db: PathBuf,
    /// Checkpoint id to judge at.
    #[arg(long)]
    checkpoint: String,
    /// The badge payload, as a QR code would carry it.
    #[arg(long, required = true)]
    qr: Vec<String>,
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
