//! `entrada webhooks …`: subscriptions, the delivery log, resend, ping, the dispatcher and
//! the receivers' verification helper. Every command prints JSON lines.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use entrada_secret::SecretBox;
use entrada_webhook::{
    self as webhook, DeliveryFilter, DispatchConfig, Dispatcher, RetrySchedule, Topic, schedule,
    signature,
};

use crate::output;

#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Subscribe a URL to topics; prints the id and the secret (shown only this once).
    Add {
        #[arg(long)]
        db: PathBuf,
        /// https URL (http only for 127.0.0.1, ::1 or localhost).
        #[arg(long)]
        url: String,
        /// A webhook_name, e.g. checkpoint_reading_created; repeat for several.
        #[arg(long = "topic", required = true)]
        topics: Vec<String>,
    },
    /// The subscriptions (secrets are never printed).
    List {
        #[arg(long)]
        db: PathBuf,
    },
    /// Delete a subscription with its queue and delivery log.
    Remove {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        id: String,
    },
    /// Re-enable (also after an automatic disable); pending deliveries become due now.
    Enable {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        id: String,
    },
    /// Pause a subscription: no new events are queued for it until enabled.
    Disable {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        id: String,
    },
    /// Send a test `ping` now and print the attempt.
    Ping {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        id: String,
        #[command(flatten)]
        tuning: Tuning,
    },
    /// The delivery log: deliveries, newest first, optionally with every attempt.
    Deliveries {
        #[arg(long)]
        db: PathBuf,
        /// Only this subscription.
        #[arg(long)]
        subscription: Option<String>,
        /// pending, delivered or failed.
        #[arg(long)]
        state: Option<String>,
        /// One delivery (its webhook_identifier).
        #[arg(long)]
        id: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// Include each delivery's attempts (time, status, latency, response head).
        #[arg(long)]
        attempts: bool,
    },
    /// Queue a past delivery again, with the same webhook_identifier and body.
    Resend {
        #[arg(long)]
        db: PathBuf,
        #[arg(long)]
        id: String,
    },
    /// Deliver what is due and exit (or keep delivering with --watch).
    Run {
        #[arg(long)]
        db: PathBuf,
        /// Keep running until SIGINT/SIGTERM.
        #[arg(long)]
        watch: bool,
        #[command(flatten)]
        tuning: Tuning,
    },
    /// Whether this device fires webhooks for its own readings (default on); `--set off`
    /// when the hub fires them for everyone.
    DeviceFiring {
        #[arg(long)]
        db: PathBuf,
        #[arg(long, value_parser = ["on", "off"])]
        set: Option<String>,
    },
    /// Check a received request's signatures (for receivers and debugging).
    Verify {
        /// The subscription's secret (whsec_…).
        #[arg(long)]
        secret: String,
        /// File with the raw body; `-` reads stdin.
        #[arg(long, default_value = "-")]
        body: PathBuf,
        /// x-eventwo-access-signature header value.
        #[arg(long)]
        signature: Option<String>,
        #[arg(long)]
        webhook_id: Option<String>,
        #[arg(long)]
        webhook_timestamp: Option<String>,
        #[arg(long)]
        webhook_signature: Option<String>,
        /// Allowed clock difference for webhook-timestamp, in seconds.
        #[arg(long, default_value_t = signature::DEFAULT_TOLERANCE_SECS)]
        tolerance: i64,
    },
}

/// Dispatcher knobs; defaults are production's (see `docs/webhooks.md`).
#[derive(clap::Args)]
struct Tuning {
    /// Retry delays, e.g. `5s,30s,2m` (default: 14 steps over ~3 days).
    #[arg(long)]
    schedule: Option<String>,
    /// Random spread of each delay, 0.0..1.0.
    #[arg(long, default_value_t = 0.2)]
    jitter: f64,
    /// Per-attempt timeout, e.g. `10s`.
    #[arg(long, default_value = "10s")]
    timeout: String,
    /// Disable an endpoint after this many consecutive failures…
    #[arg(long, default_value_t = 10)]
    disable_after_failures: u32,
    /// …lasting at least this long.
    #[arg(long, default_value = "24h")]
    disable_after: String,
    /// How often --watch looks for new events.
    #[arg(long, default_value = "50ms")]
    poll: String,
}

impl Tuning {
    fn config(&self) -> Result<DispatchConfig> {
        let d = |s: &str| schedule::parse_duration(s).map_err(anyhow::Error::msg);
        let mut cfg = DispatchConfig {
            timeout: d(&self.timeout)?,
            disable_after_failures: self.disable_after_failures,
            disable_after: d(&self.disable_after)?,
            poll: d(&self.poll)?,
            ..DispatchConfig::default()
        };
        cfg.connect_timeout = cfg.connect_timeout.min(cfg.timeout);
        cfg.schedule = match &self.schedule {
            Some(text) => RetrySchedule::parse(text, self.jitter).map_err(anyhow::Error::msg)?,
            None => RetrySchedule {
                jitter: self.jitter,
                ..RetrySchedule::default()
            },
        };
        Ok(cfg)
    }
}

fn secrets() -> Result<SecretBox> {
    SecretBox::open_default().context("cannot open the secret key")
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    // One thread is plenty: delivery is I/O bound and the endpoints interleave on it.
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}

fn conn(db: &Path) -> Result<entrada_store::Store> {
    super::open(db)
}

pub fn run(args: Args) -> Result<()> {
    match args.command {
        Command::Add { db, url, topics } => {
            let topics = topics
                .iter()
                .map(|t| Topic::parse(t))
                .collect::<Result<Vec<_>, _>>()?;
            let store = conn(&db)?;
            let created =
                webhook::add_subscription(store.connection(), &secrets()?, &url, &topics)?;
            output::line(&serde_json::json!({
                "id": created.id,
                "secret": created.secret,
                "url": created.url,
                "topics": created.topics,
                "note": "store this secret now: it is never shown again",
            }))
        }
        Command::List { db } => {
            for s in webhook::subscriptions(conn(&db)?.connection())? {
                output::line(&s)?;
            }
            Ok(())
        }
        Command::Remove { db, id } => {
            webhook::remove_subscription(conn(&db)?.connection(), &id)?;
            output::line(&serde_json::json!({ "removed": id }))
        }
        Command::Enable { db, id } => {
            output::line(&webhook::set_enabled(conn(&db)?.connection(), &id, true)?)
        }
        Command::Disable { db, id } => {
            output::line(&webhook::set_enabled(conn(&db)?.connection(), &id, false)?)
        }
        Command::Ping { db, id, tuning } => {
            let cfg = tuning.config()?;
            let attempt = runtime()?.block_on(webhook::ping(&db, &secrets()?, cfg, &id))?;
            output::line(&attempt)?;
            if attempt.outcome != "delivered" {
                bail!("ping was not accepted by the endpoint");
            }
            Ok(())
        }
        Command::Deliveries {
            db,
            subscription,
            state,
            id,
            limit,
            attempts,
        } => {
            let store = conn(&db)?;
            let list = webhook::deliveries(
                store.connection(),
                &DeliveryFilter {
                    subscription: subscription.as_deref(),
                    state: state.as_deref(),
                    id: id.as_deref(),
                    limit: Some(limit),
                },
            )?;
            for d in list {
                let mut v = serde_json::to_value(&d)?;
                if attempts {
                    v["attempt_log"] =
                        serde_json::to_value(webhook::attempts(store.connection(), &d.id)?)?;
                }
                output::line(&v)?;
            }
            Ok(())
        }
        Command::Resend { db, id } => output::line(&webhook::resend(conn(&db)?.connection(), &id)?),
        Command::Run { db, watch, tuning } => {
            let dispatcher = Dispatcher::open(&db, secrets()?, tuning.config()?)?;
            let report = runtime()?.block_on(async {
                if watch {
                    Ok::<_, anyhow::Error>(dispatcher.watch(shutdown()).await)
                } else {
                    Ok(dispatcher.deliver_due().await?)
                }
            })?;
            output::line(&report)
        }
        Command::DeviceFiring { db, set } => {
            let store = conn(&db)?;
            if let Some(value) = &set {
                store.set_meta(webhook::FIRE_ON_DEVICE_KEY, value)?;
            }
            let on = entrada_store::webhooks::fires_on_device(store.connection())?;
            output::line(&serde_json::json!({ "device_firing": if on { "on" } else { "off" } }))
        }
        Command::Verify {
            secret,
            body,
            signature: eventwo,
            webhook_id,
            webhook_timestamp,
            webhook_signature,
            tolerance,
        } => {
            let mut raw = Vec::new();
            if body == Path::new("-") {
                std::io::stdin().read_to_end(&mut raw)?;
            } else {
                raw = std::fs::read(&body)
                    .with_context(|| format!("cannot read {}", body.display()))?;
            }
            let eventwo = eventwo.map(|h| webhook::verify_eventwo(&secret, &raw, &h));
            let standard = match (webhook_id, webhook_timestamp, webhook_signature) {
                (Some(id), Some(ts), Some(sig)) => Some(webhook::verify_standard(
                    &secret,
                    &id,
                    &ts,
                    &sig,
                    &raw,
                    entrada_domain::time::now().timestamp(),
                    tolerance,
                )),
                (None, None, None) => None,
                _ => bail!("--webhook-id, --webhook-timestamp and --webhook-signature go together"),
            };
            if eventwo.is_none() && standard.is_none() {
                bail!("give --signature and/or the three --webhook-* headers");
            }
            let show = |r: &Option<Result<(), webhook::VerifyError>>| match r {
                None => serde_json::Value::Null,
                Some(Ok(())) => "valid".into(),
                Some(Err(e)) => format!("invalid: {e}").into(),
            };
            let valid = eventwo.as_ref().is_none_or(|r| r.is_ok())
                && standard.as_ref().is_none_or(|r| r.is_ok());
            output::line(&serde_json::json!({
                "valid": valid,
                "x-eventwo-access-signature": show(&eventwo),
                "webhook-signature": show(&standard),
            }))?;
            if !valid {
                bail!("signature verification failed");
            }
            Ok(())
        }
    }
}

/// Completes on SIGINT or SIGTERM, so `run --watch` ends cleanly under a service manager.
async fn shutdown() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
