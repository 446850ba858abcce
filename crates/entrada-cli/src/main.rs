//! `entrada`: the headless face of Entrada – import, scan, inspect, demo.
//!
//! Every command prints JSON on stdout (one object per line where it streams) so kiosks
//! and scripts can drive it; errors go to stderr with a non-zero exit code.

mod cmd;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "entrada", version, about = "Offline-first event check-in")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create or update a replica from a snapshot JSON file.
    Import(cmd::import::Args),
    /// Judge and record scans at a checkpoint.
    Scan(cmd::scan::Args),
    /// Void a mistaken accepted reading with a compensating record.
    Undo(cmd::undo::Args),
    /// Set the kiosk PIN of a replica (stored hashed), for provisioning kiosks.
    KioskPin(cmd::kiosk_pin::Args),
    /// People inside each room against its capacity.
    Occupancy(cmd::occupancy::Args),
    /// The reading log, as JSON lines or CSV.
    Readings(cmd::readings::Args),
    /// Search attendees by name, email, company or QR data.
    Search(cmd::search::Args),
    /// Decode QR codes in image files (one JSON line per file).
    Decode(cmd::decode::Args),
    /// List the cameras the scanner can use.
    Cameras(cmd::cameras::Args),
    /// Create a deterministic demo replica (and optionally its badges and snapshot).
    Demo(cmd::demo::Args),
    /// Run the reference upstream server (Access API + sync extensions).
    Hub(cmd::hub::Args),
    /// Replicate with the upstream: push readings, pull the event (once, or --watch).
    Sync(cmd::sync::Args),
    /// Webhook subscriptions, delivery, the delivery log and signature checks.
    Webhooks(cmd::webhooks::Args),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Import(args) => cmd::import::run(args),
        Command::Scan(args) => cmd::scan::run(args),
        Command::Undo(args) => cmd::undo::run(args),
        Command::KioskPin(args) => cmd::kiosk_pin::run(args),
        Command::Occupancy(args) => cmd::occupancy::run(args),
        Command::Readings(args) => cmd::readings::run(args),
        Command::Search(args) => cmd::search::run(args),
        Command::Demo(args) => cmd::demo::run(args),
        Command::Hub(args) => cmd::hub::run(args),
        Command::Sync(args) => cmd::sync::run(args),
        Command::Decode(args) => cmd::decode::run(args),
        Command::Cameras(args) => cmd::cameras::run(args),
        Command::Webhooks(args) => cmd::webhooks::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("entrada: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
