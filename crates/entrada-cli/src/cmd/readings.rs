use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use entrada_store::ReadingFilter;

use crate::output;

#[derive(Clone, Copy, clap::ValueEnum)]
enum Format {
    Json,
    Csv,
}

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    db: PathBuf,
    #[arg(long, value_enum, default_value = "json")]
    format: Format,
}

const CSV_HEADER: &str = "id,device_id,device_name,device_seq,checkpoint_id,attendee_id,verdict,accepted,kind,undoes,voided,direction,room_id,reading_date,sync_state";

pub fn run(args: Args) -> Result<()> {
    let store = super::open(&args.db)?;
    let readings = store.readings(&ReadingFilter::default())?;
    match args.format {
        Format::Json => {
            for r in &readings {
                output::line(r)?;
            }
        }
        Format::Csv => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{CSV_HEADER}")?;
            for r in &readings {
                let fields = [
                    r.id.to_string(),
                    r.device_id.to_string(),
                    r.device_name.clone(),
                    r.device_seq.to_string(),
                    r.checkpoint_id.to_string(),
                    r.attendee_id
                        .as_ref()
                        .map(|a| a.to_string())
                        .unwrap_or_default(),
                    r.verdict.code().to_owned(),
                    r.accepted.to_string(),
                    r.kind.as_str().to_owned(),
                    r.undoes.as_ref().map(|u| u.to_string()).unwrap_or_default(),
                    r.voided.to_string(),
                    r.direction.as_str().to_owned(),
                    r.room_id
                        .as_ref()
                        .map(|x| x.to_string())
                        .unwrap_or_default(),
                    r.reading_date.clone(),
                    r.sync_state.as_str().to_owned(),
                ];
                writeln!(out, "{}", entrada_domain::csv::row(&fields))?;
            }
            out.flush()?;
        }
    }
    Ok(())
}
