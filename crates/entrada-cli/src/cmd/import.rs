use std::path::PathBuf;

use anyhow::{Context, Result};
use entrada_domain::snapshot::Snapshot;

use crate::output;

#[derive(clap::Args)]
pub struct Args {
    /// Replica file (created if missing).
    #[arg(long)]
    db: PathBuf,
    /// Snapshot JSON file.
    snapshot: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    let text = std::fs::read_to_string(&args.snapshot)
        .with_context(|| format!("cannot read {}", args.snapshot.display()))?;
    // Parse and validate before opening the replica: a bad file must leave it untouched.
    let snapshot = Snapshot::from_json(&text)?;
    let mut store = super::open(&args.db)?;
    let report = store.import_snapshot(&snapshot)?;
    output::line(&serde_json::json!({
        "event_id": snapshot.event.id,
        "inserted": report.inserted,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "removed": report.removed,
    }))
}
