use std::path::PathBuf;

use anyhow::Result;

use crate::output;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    db: PathBuf,
}

pub fn run(args: Args) -> Result<()> {
    let store = super::open(&args.db)?;
    for room in store.occupancy()? {
        output::line(&room)?;
    }
    Ok(())
}
