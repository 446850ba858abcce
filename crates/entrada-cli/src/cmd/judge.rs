//! The one verdict line every scan source prints (`--qr`, `--image`, `--camera`).

use anyhow::Result;
use entrada_domain::{CheckpointId, ScanOutcome, time};
use entrada_store::{ScanRequest, Store, Subject};

use crate::output;

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
