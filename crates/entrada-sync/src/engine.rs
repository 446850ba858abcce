//! The sync engine: one replica, one upstream, one cycle at a time.
//!
//! A cycle is push → pull (change feed or full) → readings feed → webhook deliveries.
//! Pushing first gets this door's readings out soonest; the readings feed comes after the
//! push so that a reading this cycle uploaded, and that the hub then flagged as a conflict
//! (because another door's earlier reading of the same badge arrived first), is learnt in
//! the same cycle.
//!
//! The engine opens its own [`Store`] connection to the replica (WAL lets the desktop
//! app's scanning connection work alongside) and runs every database call on tokio's
//! blocking pool, so a large apply never stalls the async runtime.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::{Notify, watch};

use crate::SyncError;
use crate::client::{Client, Timeouts};
use crate::db::Db;
use crate::health::{ForcedMode, Health, HealthPolicy};
use crate::photos::{PhotoOptions, PhotoReport, Photos};
use crate::progress::PullProgress;
use crate::pull;
use crate::push;
use crate::settings::{KEY_LAST_SUCCESS, Settings, SettingsUpdate};
use entrada_domain::time;
use entrada_domain::wire::Capabilities;
use entrada_domain::wire::extension;
use entrada_secret::SecretBox;
use entrada_store::Store;

/// What a cycle does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cycle {
    /// Push only (after a scan).
    PushOnly,
    /// The loop's periodic cycle: a plain API is fully pulled only every
    /// `plain_pull_interval`.
    Periodic,
    /// Everything, now (an explicit sync).
    Full,
}

/// Which dialect the upstream speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpstreamKind {
    /// An Entrada hub with the change feed, readings feed and batch upload.
    Hub,
    /// A plain Access API: full pulls and one access per reading.
    Plain,
}

/// What one sync cycle did, and where the replica stands after it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Replica rows changed by the pull plus readings learnt from other doors.
    pub pulled: u64,
    /// Readings the upstream answered for in this cycle.
    pub pushed: u64,
    /// Conflicts on this device now (kept upstream, refused by its rules).
    pub conflicts: u64,
    /// Readings still waiting for the upstream.
    pub backlog: u64,
    /// Readings the upstream refused, on this device now.
    pub refused: u64,
    /// Of `pulled`: readings made at other doors.
    pub remote_readings: u64,
    pub upstream: Option<UpstreamKind>,
}

/// What the UI shows about sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SyncStatus {
    /// The effective mode: the operator's forced choice, or the automatic judgement.
    pub online: bool,
    pub forced: ForcedMode,
    pub upstream_kind: Option<UpstreamKind>,
    /// RFC 3339 time of the last fully successful cycle (kept across restarts).
    pub last_success: Option<String>,
    pub backlog: u64,
    pub conflicts: u64,
    pub refused: u64,
    pub last_error: Option<String>,
    /// A cycle is running.
    pub syncing: bool,
    /// Progress of a running pull.
    pub progress: Option<PullProgress>,
}

/// Tuning knobs; the defaults suit a door on a venue network.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub timeouts: Timeouts,
    pub health: HealthPolicy,
    /// Time between full cycles when online and idle (pushes after scans do not wait).
    pub poll_interval: Duration,
    /// Time between full pulls from a plain Access API (each is the whole event).
    pub plain_pull_interval: Duration,
    /// The secret box for the client secret; `None` opens the default one (`secret.rs`).
    pub secrets: Option<SecretBox>,
    /// Attendee photo downloads after each pull (`sync/photos.rs`).
    pub photos: PhotoOptions,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            timeouts: Timeouts::default(),
            health: HealthPolicy::default(),
            poll_interval: Duration::from_secs(10),
            plain_pull_interval: Duration::from_secs(300),
            secrets: None,
            photos: PhotoOptions::default(),
        }
    }
}

/// Called with pull progress, for a progress bar.
pub type ProgressHook = Arc<dyn Fn(PullProgress) + Send + Sync>;

struct Inner {
    db_path: PathBuf,
    db: Db,
    settings: Settings,
    client: Client,
    health: Health,
    options: SyncOptions,
    caps: tokio::sync::Mutex<Option<Capabilities>>,
    forced: Mutex<ForcedMode>,
    status: watch::Sender<SyncStatus>,
    nudge: Notify,
    cycle: tokio::sync::Mutex<()>,
    progress_hook: Mutex<Option<ProgressHook>>,
    last_plain_pull: Mutex<Option<Instant>>,
    photos: Photos,
}

/// Syncs one replica with its upstream. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct SyncEngine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SyncEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncEngine")
            .field("db", &self.inner.db_path)
            .field("upstream", &self.inner.settings.upstream)
            .finish_non_exhaustive()
    }
}

impl SyncEngine {
    /// Opens the replica at `db_path` for syncing with default options. With `settings`,
    /// they are stored in the replica (client secret sealed); without, the stored ones are
    /// used.
    pub fn new(db_path: impl AsRef<Path>, settings: Option<Settings>) -> Result<Self, SyncError> {
        Self::with_options(db_path, settings, SyncOptions::default())
    }

    /// Opens with `update` merged over the stored settings (the CLI's flags: the first run
    /// gives them all, later runs any subset or none).
    pub fn open(
        db_path: impl AsRef<Path>,
        update: SettingsUpdate,
        options: SyncOptions,
    ) -> Result<Self, SyncError> {
        if update.is_empty() {
            return Self::with_options(db_path, None, options);
        }
        let secrets = match &options.secrets {
            Some(b) => b.clone(),
            None => SecretBox::open_default()?,
        };
        let stored = {
            let store = Store::open(db_path.as_ref())?;
            match Settings::load(&store, &secrets) {
                Ok(s) => s,
                // A secret sealed under a lost key is replaced when a new one is given.
                Err(SyncError::Config(_)) if update.client_secret.is_some() => None,
                Err(e) => return Err(e),
            }
        };
        let merged = update.merge(stored)?;
        Self::with_options(
            db_path,
            Some(merged),
            SyncOptions {
                secrets: Some(secrets),
                ..options
            },
        )
    }

    pub fn with_options(
        db_path: impl AsRef<Path>,
        settings: Option<Settings>,
        options: SyncOptions,
    ) -> Result<Self, SyncError> {
        let db_path = db_path.as_ref().to_owned();
        let store = Store::open(&db_path)?;
        store.use_bulk_cache()?;
        let secrets = match &options.secrets {
            Some(b) => b.clone(),
            None => SecretBox::open_default()?,
        };
        let settings = match settings {
            Some(s) => {
                s.save(&store, &secrets)?;
                s
            }
            None => Settings::load(&store, &secrets)?.ok_or_else(|| {
                SyncError::Config(
                    "this replica has no upstream settings yet: pass --upstream, \
                     --client-id, --client-secret and --event once"
                        .into(),
                )
            })?,
        };
        let health = Health::new(options.health);
        let client = Client::new(
            &settings.upstream,
            &settings.client_id,
            &settings.client_secret,
            options.timeouts,
            health.clone(),
        )?;
        let counts = store.outbox_counts()?;
        let last_success = store.meta(KEY_LAST_SUCCESS)?;
        let photos = Photos::new(options.photos.clone())?;
        let (status, _) = watch::channel(SyncStatus {
            online: true,
            forced: ForcedMode::Auto,
            upstream_kind: None,
            last_success,
            backlog: counts.backlog,
            conflicts: counts.conflicts,
            refused: counts.refused,
            last_error: None,
            syncing: false,
            progress: None,
        });
        Ok(Self {
            inner: Arc::new(Inner {
                db_path,
                db: Db(Arc::new(Mutex::new(store))),
                settings,
                client,
                health,
                options,
                caps: tokio::sync::Mutex::new(None),
                forced: Mutex::new(ForcedMode::Auto),
                status,
                nudge: Notify::new(),
                cycle: tokio::sync::Mutex::new(()),
                progress_hook: Mutex::new(None),
                last_plain_pull: Mutex::new(None),
                photos,
            }),
        })
    }

    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// The latest status.
    pub fn status(&self) -> SyncStatus {
        self.inner.status.borrow().clone()
    }

    /// A receiver that sees every status change (for the UI's event stream).
    pub fn subscribe(&self) -> watch::Receiver<SyncStatus> {
        self.inner.status.subscribe()
    }

    /// Forces the mode (or returns to automatic); wakes the background loop.
    pub fn set_forced(&self, mode: ForcedMode) {
        if let Ok(mut m) = self.inner.forced.lock() {
            *m = mode;
        }
        self.publish(|s| {
            s.forced = mode;
        });
        self.refresh_online();
        self.inner.nudge.notify_one();
    }

    pub fn forced(&self) -> ForcedMode {
        self.inner.forced.lock().map(|m| *m).unwrap_or_default()
    }

    /// Tells the background loop a reading was just made: it pushes at once when online.
    pub fn nudge(&self) {
        self.inner.nudge.notify_one();
    }

    /// Receives pull progress reports (done / total) while a pull runs.
    pub fn set_progress_hook(&self, hook: Option<ProgressHook>) {
        if let Ok(mut h) = self.inner.progress_hook.lock() {
            *h = hook;
        }
    }

    /// The effective online judgement.
    pub fn is_online(&self) -> bool {
        match self.forced() {
            ForcedMode::Online => true,
            ForcedMode::Offline => false,
            ForcedMode::Auto => self.inner.health.judged_online(),
        }
    }

    fn publish(&self, f: impl FnOnce(&mut SyncStatus)) {
        self.inner.status.send_modify(f);
    }

    fn refresh_online(&self) {
        let online = self.is_online();
        self.publish(|s| s.online = online);
    }

    /// Recounts backlog and conflicts from the replica into the status.
    pub async fn refresh_counts(&self) -> Result<(), SyncError> {
        let counts = self.inner.db.run(|s| s.outbox_counts()).await?;
        self.publish(|s| {
            s.backlog = counts.backlog;
            s.conflicts = counts.conflicts;
            s.refused = counts.refused;
        });
        Ok(())
    }

    async fn capabilities(&self) -> Result<Capabilities, SyncError> {
        let mut caps = self.inner.caps.lock().await;
        if let Some(c) = caps.as_ref() {
            return Ok(c.clone());
        }
        let c = self.inner.client.capabilities().await?;
        tracing::info!(extensions = ?c.extensions, "upstream capabilities");
        *caps = Some(c.clone());
        Ok(c)
    }

    /// One full cycle: push, pull, readings feed, webhook deliveries. Fails (and leaves
    /// the replica fully usable) when the upstream cannot be reached.
    pub async fn sync_once(&self) -> Result<Summary, SyncError> {
        self.cycle(Cycle::Full).await
    }

    /// Only pushes the outbox (what a nudge after a scan does).
    pub async fn push_once(&self) -> Result<Summary, SyncError> {
        self.cycle(Cycle::PushOnly).await
    }

    async fn cycle(&self, kind: Cycle) -> Result<Summary, SyncError> {
        let full = kind != Cycle::PushOnly;
        if self.forced() == ForcedMode::Offline {
            return Err(SyncError::ForcedOffline);
        }
        let _one_at_a_time = self.inner.cycle.lock().await;
        self.publish(|s| s.syncing = true);
        let result = self.cycle_inner(kind).await;
        let counts = self.inner.db.run(|s| s.outbox_counts()).await;
        let now = time::format(&time::now());
        if result.is_ok() && full {
            let now = now.clone();
            let _ = self
                .inner
                .db
                .run(move |s| s.set_meta(KEY_LAST_SUCCESS, &now))
                .await;
        }
        if matches!(&result, Err(e) if e.is_transient()) {
            // Rediscover on reconnect: the upstream may have been replaced meanwhile.
            *self.inner.caps.lock().await = None;
        }
        let online = self.is_online();
        self.publish(|s| {
            s.syncing = false;
            s.progress = None;
            s.online = online;
            if let Ok(c) = &counts {
                s.backlog = c.backlog;
                s.conflicts = c.conflicts;
                s.refused = c.refused;
            }
            match &result {
                Ok(_) => {
                    s.last_error = None;
                    if full {
                        s.last_success = Some(now);
                    }
                }
                Err(e) => s.last_error = Some(e.to_string()),
            }
        });
        let mut summary = result?;
        let counts = counts?;
        summary.backlog = counts.backlog;
        summary.conflicts = counts.conflicts;
        summary.refused = counts.refused;
        Ok(summary)
    }

    async fn cycle_inner(&self, cycle: Cycle) -> Result<Summary, SyncError> {
        let inner = &self.inner;
        let caps = self.capabilities().await?;
        let hub = caps.has(extension::READINGS_UPLOAD) && caps.has(extension::CHANGES);
        let kind = if hub {
            UpstreamKind::Hub
        } else {
            UpstreamKind::Plain
        };
        self.publish(|s| s.upstream_kind = Some(kind));
        let mut summary = Summary {
            upstream: Some(kind),
            ..Summary::default()
        };
        let pushed = if hub {
            push::push_to_hub(&inner.client, &inner.db).await?
        } else {
            push::push_to_plain(&inner.client, &inner.db).await?
        };
        summary.pushed = pushed.pushed;
        if cycle == Cycle::PushOnly {
            return Ok(summary);
        }
        let hook = inner.progress_hook.lock().ok().and_then(|h| h.clone());
        let status = inner.status.clone();
        let progress = move |p: PullProgress| {
            status.send_modify(|s| s.progress = Some(p));
            if let Some(hook) = &hook {
                hook(p);
            }
        };
        let event = &inner.settings.event_id;
        if hub {
            summary.pulled +=
                pull::pull_changes(&inner.client, &inner.db, event, &progress).await?;
        } else if cycle == Cycle::Full || self.plain_pull_due() {
            summary.pulled += pull::pull_full(&inner.client, &inner.db, event, &progress).await?;
            if let Ok(mut t) = inner.last_plain_pull.lock() {
                *t = Some(Instant::now());
            }
        }
        if summary.pulled > 0 {
            inner.photos.attendees_changed();
        }
        if caps.has(extension::READINGS_FEED) {
            let remote = pull::pull_readings(&inner.client, &inner.db, event).await?;
            summary.remote_readings = remote;
            summary.pulled += remote;
        }
        self.schedule_photos();
        Ok(summary)
    }

    /// Starts a photo pass in the background unless one is already queued: photos follow
    /// the pull without delaying its result (`sync/photos.rs`).
    fn schedule_photos(&self) {
        let photos = &self.inner.photos;
        if !photos.enabled() || photos.scheduled.swap(true, Ordering::SeqCst) {
            return;
        }
        let engine = self.clone();
        tokio::spawn(async move {
            // Cleared before the pass starts: a pull that lands meanwhile queues another.
            engine.inner.photos.scheduled.store(false, Ordering::SeqCst);
            match engine.photo_pass(false).await {
                Ok(report) => tracing::debug!(?report, "photo pass done"),
                Err(SyncError::ForcedOffline) => {}
                Err(e) => tracing::warn!(error = %e, "photo pass failed"),
            }
        });
    }

    async fn photo_pass(&self, claim: bool) -> Result<PhotoReport, SyncError> {
        if self.forced() == ForcedMode::Offline {
            return Err(SyncError::ForcedOffline);
        }
        let inner = &self.inner;
        let progress = |p: PullProgress| {
            let hook = inner.progress_hook.lock().ok().and_then(|h| h.clone());
            if let Some(hook) = hook {
                hook(p);
            }
        };
        inner.photos.pass(&inner.db, &progress, claim).await
    }

    /// Brings the photo cache up to date now and waits for it: compares the replica's
    /// photo URLs with the cache, downloads what is due. Returns what this call and the
    /// background passes since the last call did. For one-shot syncs and for callers that
    /// want the faces before they go on (the first pull's progress bar).
    pub async fn fetch_photos(&self) -> Result<PhotoReport, SyncError> {
        if !self.inner.photos.enabled() {
            return Ok(PhotoReport::default());
        }
        self.photo_pass(true).await
    }

    fn plain_pull_due(&self) -> bool {
        let last = self.inner.last_plain_pull.lock().ok().and_then(|t| *t);
        last.is_none_or(|t| t.elapsed() >= self.inner.options.plain_pull_interval)
    }

    /// The background loop: full cycles every `poll_interval` while online, an immediate
    /// push after each [`SyncEngine::nudge`], exponential backoff with jitter after
    /// failures (probing until the upstream answers again), nothing while forced offline.
    /// Returns when `shutdown` completes.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        let mut failures: u32 = 0;
        let mut next_attempt = Instant::now();
        let mut next_full = Instant::now();
        loop {
            let forced = self.forced();
            self.refresh_online();
            let sleep = async {
                if forced == ForcedMode::Offline {
                    std::future::pending::<()>().await;
                }
                tokio::time::sleep_until(next_attempt.into()).await;
            };
            let nudged = tokio::select! {
                _ = &mut shutdown => return,
                _ = sleep => false,
                _ = self.inner.nudge.notified() => true,
            };
            let forced = self.forced();
            if nudged {
                // A scan happened or the mode changed: show the new backlog at once.
                if let Err(e) = self.refresh_counts().await {
                    tracing::warn!(error = %e, "cannot count the outbox");
                }
                if forced == ForcedMode::Offline {
                    continue;
                }
                let may_try_now = forced == ForcedMode::Online
                    || (failures == 0 && self.inner.health.judged_online());
                if !may_try_now && Instant::now() < next_attempt {
                    continue;
                }
            }
            let full = !nudged || Instant::now() >= next_full;
            let kind = if full {
                Cycle::Periodic
            } else {
                Cycle::PushOnly
            };
            match self.cycle(kind).await {
                Ok(summary) => {
                    failures = 0;
                    if full {
                        next_full = Instant::now() + self.inner.options.poll_interval;
                    }
                    next_attempt = next_full;
                    tracing::debug!(?summary, "sync cycle done");
                }
                Err(SyncError::ForcedOffline) => {}
                Err(e) => {
                    failures = failures.saturating_add(1);
                    let delay = self.inner.health.backoff(failures, forced);
                    next_attempt = Instant::now() + delay;
                    tracing::warn!(error = %e, failures, retry_in = ?delay, "sync cycle failed");
                }
            }
        }
    }
}
