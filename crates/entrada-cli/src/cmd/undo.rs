use std::path::PathBuf;

use anyhow::Result;
use entrada_domain::ReadingId;

use crate::output;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    db: PathBuf,
    /// The accepted reading to void.
    #[arg(long)]
    reading: String,
}

pub fn run(args: Args) -> Result<()> {
    let mut store = super::open(&args.db)?;
    let original = ReadingId::new(args.reading);
    let undo = store.undo(&original, None)?;
    output::line(&serde_json::json!({ "undone": original, "reading_id": undo }))
}
