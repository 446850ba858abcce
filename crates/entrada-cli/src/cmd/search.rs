use std::path::PathBuf;

use anyhow::Result;

use crate::output;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    db: PathBuf,
    /// Words that must all appear in name, email, company or QR data.
    query: String,
    #[arg(long, default_value_t = 20)]
    limit: u32,
}

pub fn run(args: Args) -> Result<()> {
    let store = super::open(&args.db)?;
    for hit in store.search_attendees(&args.query, args.limit)? {
        output::line(&hit)?;
    }
    Ok(())
}
