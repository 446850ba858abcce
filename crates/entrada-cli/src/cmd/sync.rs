//! `entrada sync`: replicate a replica with its upstream, once or continuously.
//!
//! The first run stores the upstream settings in the replica (the client secret sealed,
//! see `docs/sync.md`); later runs reuse them. A one-shot run prints one JSON summary and
//! fails with a clear message when the upstream cannot be reached – the replica stays
//! usable either way. `--watch` runs the background loop and prints every status change.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use entrada_sync::{
    ForcedMode, PhotoReport, SettingsUpdate, Summary, SyncEngine, SyncError, SyncOptions,
};

use crate::output;

#[derive(clap::Args)]
pub struct Args {
    /// Replica file.
    #[arg(long)]
    db: PathBuf,
    /// Upstream base URL (a hub or a plain Access API); stored for later runs.
    #[arg(long)]
    upstream: Option<String>,
    /// OAuth2 client id (API key); stored for later runs.
    #[arg(long)]
    client_id: Option<String>,
    /// OAuth2 client secret; stored sealed. Also read from ENTRADA_CLIENT_SECRET.
    #[arg(long)]
    client_secret: Option<String>,
    /// Event to replicate; stored for later runs.
    #[arg(long)]
    event: Option<String>,
    /// Human name of this device, sent with its readings; stored.
    #[arg(long)]
    device_name: Option<String>,
    /// Keep running: push after scans, pull periodically, back off when offline.
    #[arg(long)]
    watch: bool,
    /// With --watch: force the mode instead of judging it from request failures.
    #[arg(long, value_enum, default_value = "auto")]
    mode: Mode,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum Mode {
    Auto,
    Online,
    Offline,
}

pub fn run(args: Args) -> Result<()> {
    if let Some(name) = &args.device_name {
        super::open(&args.db)?.set_device_name(name)?;
    }
    let update = SettingsUpdate {
        upstream: args.upstream.clone(),
        client_id: args.client_id.clone(),
        client_secret: args
            .client_secret
            .clone()
            .or_else(|| std::env::var("ENTRADA_CLIENT_SECRET").ok()),
        event_id: args.event.clone(),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async move {
        let engine = SyncEngine::open(&args.db, update, SyncOptions::default())
            .with_context(|| format!("cannot set up sync for {}", args.db.display()))?;
        if args.watch {
            watch(engine, args.mode).await
        } else {
            once(engine).await
        }
    })
}

/// A one-shot run's JSON line: the cycle's summary and what the photo pass did.
#[derive(serde::Serialize)]
struct OnceSummary {
    #[serde(flatten)]
    summary: Summary,
    photos: PhotoReport,
}

async fn once(engine: SyncEngine) -> Result<()> {
    match engine.sync_once().await {
        // A one-shot run ends with the process: it waits for the photos the pull named
        // (the loop of --watch fetches them in the background).
        Ok(summary) => {
            let photos = engine
                .fetch_photos()
                .await
                .context("cannot update the photo cache")?;
            output::line(&OnceSummary { summary, photos })
        }
        Err(e) => {
            let status = engine.status();
            let upstream = &engine.settings().upstream;
            match &e {
                e if e.is_transient() => bail!(
                    "cannot reach the upstream at {upstream}: {e}; {} reading(s) wait in the \
                     outbox and the replica stays usable",
                    status.backlog
                ),
                SyncError::Auth(_) => bail!("{e} (check --client-id / --client-secret)"),
                _ => bail!(
                    "sync with {upstream} failed: {e}; {} reading(s) wait in the outbox",
                    status.backlog
                ),
            }
        }
    }
}

async fn watch(engine: SyncEngine, mode: Mode) -> Result<()> {
    engine.set_forced(match mode {
        Mode::Auto => ForcedMode::Auto,
        Mode::Online => ForcedMode::Online,
        Mode::Offline => ForcedMode::Offline,
    });
    let mut status = engine.subscribe();
    let printer = tokio::spawn(async move {
        let mut last = None;
        loop {
            let current = status.borrow_and_update().clone();
            // Progress ticks are many; print the state lines and every 10% of a pull.
            let key = (
                current.online,
                current.syncing,
                current.backlog,
                current.conflicts,
                current.last_error.clone(),
                current.last_success.clone(),
                current
                    .progress
                    .and_then(|p| p.total.filter(|t| *t > 0).map(|t| p.done * 10 / t)),
            );
            if last.as_ref() != Some(&key) {
                if output::line(&current).is_err() {
                    return;
                }
                last = Some(key);
            }
            if status.changed().await.is_err() {
                return;
            }
        }
    });
    let shutdown = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    engine.run(shutdown).await;
    printer.abort();
    Ok(())
}
