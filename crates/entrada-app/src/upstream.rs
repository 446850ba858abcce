//! First run against a real upstream (an Entrada hub or a plain Access API) and the
//! background sync afterwards, through entrada-sync's engine.
//!
//! `connect_upstream` checks the URL and the client credentials (an OAuth2 token) and lists
//! the events, keeping the connection in memory only. `start_pull` creates the
//! [`SyncEngine`], which stores the settings in the replica with the client secret sealed
//! by the device's secret box, never in plain text. It then pulls the chosen event with
//! progress and starts the background loop. On later starts the engine is reopened from
//! the stored settings.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use entrada_domain::EventId;
use entrada_sync::{
    Client, ForcedMode as CoreForced, Health, HealthPolicy, PullPhase,
    PullProgress as CorePullProgress, Settings as SyncSettings, SyncEngine, SyncError, SyncOptions,
    Timeouts,
};

use crate::error::{AppError, ErrorCode};
use crate::types::*;
use crate::{App, AppEvent, Result, meta};

/// The sync side of the app: a small runtime for the engine and the pending connection.
pub(crate) struct UpstreamLink {
    runtime: Option<tokio::runtime::Runtime>,
    engine: Mutex<Option<SyncEngine>>,
    pending: Mutex<Option<Pending>>,
}

#[derive(Clone)]
struct Pending {
    url: String,
    client_id: String,
    client_secret: String,
    client: Client,
    /// Checkpoints listed from the upstream, by id, with their event.
    checkpoints: HashMap<String, Checkpoint>,
}

impl UpstreamLink {
    pub(crate) fn new() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("entrada-sync")
            .on_thread_start(crate::background::lower_this_thread)
            .enable_all()
            .build()
            .map_err(|e| tracing::error!(error = %e, "no sync runtime; the device stays offline"))
            .ok();
        Self {
            runtime,
            engine: Mutex::new(None),
            pending: Mutex::new(None),
        }
    }

    fn runtime(&self) -> Result<&tokio::runtime::Runtime> {
        self.runtime
            .as_ref()
            .ok_or_else(|| AppError::internal("the sync runtime could not start"))
    }

    /// Runs `work` on the sync runtime and waits for it. Commands arrive on the shell's own
    /// async runtime (Tauri runs them on its tokio workers), where `Runtime::block_on`
    /// panics ("cannot start a runtime from within a runtime"); a spawned task and a plain
    /// channel work from any thread, inside a runtime or not.
    pub(crate) fn wait<T: Send + 'static>(
        &self,
        work: impl std::future::Future<Output = T> + Send + 'static,
    ) -> Result<T> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.runtime()?.spawn(async move {
            // The receiver only goes away if the caller is gone; nothing to report then.
            let _ = tx.send(work.await);
        });
        rx.recv()
            .map_err(|_| AppError::internal("the sync task stopped before answering"))
    }

    pub(crate) fn engine(&self) -> Option<SyncEngine> {
        lock(&self.engine).clone()
    }

    /// Pushes soon after a scan (the engine pushes at once when online).
    pub(crate) fn nudge(&self) {
        if let Some(e) = self.engine() {
            e.nudge();
        }
    }
}

/// How long the first pull waits for attendee photos before opening the door.
const FIRST_PULL_PHOTOS: std::time::Duration = std::time::Duration::from_secs(10);

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Turns the engine's pull reports into the contract's `pull-progress` stages so the bar
/// only moves forward. The change feed is downloaded, then written in one transaction;
/// both are the "attendees" stage (the feed is mostly attendees and their attendance), each
/// half of it, reported in thousandths because feed entries are not attendees: a count of
/// them under that label would not match the attendee total shown at the end. Photos come
/// after, counted in photos.
#[derive(Debug, Default)]
struct ProgressBar {
    download: f64,
    apply: f64,
}

impl ProgressBar {
    const SCALE: u64 = 1000;

    fn report(&mut self, pr: CorePullProgress) -> PullProgress {
        let share = match pr.total {
            Some(total) if total > 0 => (pr.done as f64 / total as f64).clamp(0.0, 1.0),
            Some(_) => 1.0,
            // The feed's size is not known before its first page answers.
            None => 0.0,
        };
        let stage = match pr.phase {
            PullPhase::Download => {
                self.download = self.download.max(share);
                "attendees"
            }
            PullPhase::Apply => {
                // Writing starts once everything is downloaded.
                self.download = 1.0;
                self.apply = self.apply.max(share);
                "attendees"
            }
            PullPhase::Photos => {
                let total = pr.total.unwrap_or(pr.done).max(pr.done);
                return PullProgress {
                    stage: "photos".to_owned(),
                    done: pr.done,
                    total,
                };
            }
        };
        let fraction = (self.download + self.apply) / 2.0;
        PullProgress {
            stage: stage.to_owned(),
            done: (fraction * Self::SCALE as f64).round() as u64,
            total: Self::SCALE,
        }
    }
}

/// Plain words for the UI: the contract's error codes. The message is the detail shown
/// under the plain words, so an upstream's raw answer (an HTML error page, a JSON body)
/// never reaches the screen: only its status and its own `message`, when it has one.
pub(crate) fn sync_error(e: SyncError) -> AppError {
    let code = match &e {
        SyncError::Config(_) => ErrorCode::InvalidUrl,
        SyncError::Auth(_) => ErrorCode::Unauthorized,
        SyncError::Http { status: 401, .. } => ErrorCode::Unauthorized,
        SyncError::Http { status: 403, .. } => ErrorCode::Forbidden,
        SyncError::Http { status: 404, .. } | SyncError::NoSuchEvent(_) => ErrorCode::NotFound,
        SyncError::Http { status: 408, .. } => ErrorCode::Timeout,
        SyncError::Http { status, .. } if *status >= 500 => ErrorCode::Unreachable,
        SyncError::Unreachable(why) => {
            let lower = why.to_lowercase();
            if lower.contains("certificate") || lower.contains("tls") {
                ErrorCode::Tls
            } else if lower.contains("timed out") || lower.contains("timeout") {
                ErrorCode::Timeout
            } else {
                ErrorCode::Unreachable
            }
        }
        _ => ErrorCode::Internal,
    };
    let message = match &e {
        SyncError::Http { status, body } => match upstream_message(body) {
            Some(said) => format!("the server answered HTTP {status}: {said}"),
            None => format!("the server answered HTTP {status}"),
        },
        SyncError::Protocol(_) => "the server's answer is not an Access API answer".to_owned(),
        other => without_os_error(&other.to_string()),
    };
    AppError::new(code, message)
}

/// While connecting, an address that answers but is not an Access API (a web site, a
/// wrong path: 404s, HTML) is a wrong address, not a missing thing.
fn connect_error(e: SyncError, url: &str) -> AppError {
    match &e {
        SyncError::Http { status: 404, .. } | SyncError::Protocol(_) => AppError::new(
            ErrorCode::InvalidUrl,
            format!("no Access API answers at {url}"),
        ),
        _ => sync_error(e),
    }
}

/// "Connection refused (os error 111)" -> "Connection refused": the number means nothing
/// to the people reading it.
fn without_os_error(text: &str) -> String {
    match text.find(" (os error ") {
        Some(start) => match text[start..].find(')') {
            Some(end) => format!("{}{}", &text[..start], &text[start + end + 1..]),
            None => text[..start].to_owned(),
        },
        None => text.to_owned(),
    }
}

/// The human part of an upstream's error body: its JSON `message` (Access API) or
/// `error_description` (OAuth2), one line, at most 200 characters.
fn upstream_message(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let said = ["message", "error_description", "error"]
        .iter()
        .find_map(|k| value.get(*k).and_then(|v| v.as_str()))?;
    let line: String = said.split_whitespace().collect::<Vec<_>>().join(" ");
    (!line.is_empty()).then(|| line.chars().take(200).collect())
}

pub(crate) fn core_forced(mode: ForcedMode) -> CoreForced {
    match mode {
        ForcedMode::Auto => CoreForced::Auto,
        ForcedMode::Online => CoreForced::Online,
        ForcedMode::Offline => CoreForced::Offline,
    }
}

fn forced_view(mode: CoreForced) -> ForcedMode {
    match mode {
        CoreForced::Auto => ForcedMode::Auto,
        CoreForced::Online => ForcedMode::Online,
        CoreForced::Offline => ForcedMode::Offline,
    }
}

/// The contract's `SyncStatus` from the engine's.
pub(crate) fn status_view(s: &entrada_sync::SyncStatus) -> SyncStatus {
    SyncStatus {
        online: s.online,
        forced_mode: forced_view(s.forced),
        syncing: s.syncing,
        last_sync_at: s.last_success.clone(),
        backlog: s.backlog,
        conflicts: s.conflicts,
        last_error: s.last_error.clone(),
    }
}

fn event_view(e: &entrada_domain::Event) -> EventSummary {
    let text = |k: &str| e.extra.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    EventSummary {
        id: e.id.to_string(),
        name: e.name.clone(),
        date_from: text("date_from"),
        date_to: text("date_to"),
        attendee_count: None,
    }
}

impl App {
    /// `connect_upstream`: token + event list; nothing is stored until the first pull.
    pub fn connect_upstream(
        &self,
        url: &str,
        client_id: &str,
        client_secret: &str,
    ) -> Result<Vec<EventSummary>> {
        let url = url.trim();
        let parsed = url::Url::parse(url)
            .map_err(|e| AppError::new(ErrorCode::InvalidUrl, format!("{url}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(AppError::new(
                ErrorCode::InvalidUrl,
                format!("{url}: not an http(s) address"),
            ));
        }
        if client_id.trim().is_empty() || client_secret.is_empty() {
            return Err(AppError::invalid("the client id and secret are required"));
        }
        let client = Client::new(
            url,
            client_id.trim(),
            client_secret,
            Timeouts::default(),
            Health::new(HealthPolicy::default()),
        )
        .map_err(sync_error)?;
        let probe = client.clone();
        let (kind, events) = self
            .upstream
            .wait(async move {
                probe.token().await?;
                let caps = probe.capabilities().await?;
                let events = probe.events().await?;
                Ok::<_, SyncError>((caps, events))
            })?
            .map_err(|e| connect_error(e, url))?;
        let kind = if kind.extensions.is_empty() {
            "access_api"
        } else {
            "hub"
        };
        tracing::info!(url, kind, events = events.len(), "upstream connected");
        *lock(&self.upstream.pending) = Some(Pending {
            url: url.to_owned(),
            client_id: client_id.trim().to_owned(),
            client_secret: client_secret.to_owned(),
            client,
            checkpoints: HashMap::new(),
        });
        {
            let store = self.store();
            let mut m = meta::load(&store)?;
            m.upstream = Some(Upstream {
                url: url.to_owned(),
                kind: kind.to_owned(),
            });
            meta::save(&store, &m)?;
        }
        Ok(events.iter().map(event_view).collect())
    }

    /// The upstream's events while connecting; the replica's afterwards.
    pub(crate) fn remote_events(&self) -> Result<Option<Vec<EventSummary>>> {
        let Some(p) = lock(&self.upstream.pending).clone() else {
            return Ok(None);
        };
        let client = p.client.clone();
        let events = self
            .upstream
            .wait(async move { client.events().await })?
            .map_err(sync_error)?;
        Ok(Some(events.iter().map(event_view).collect()))
    }

    /// The upstream's checkpoints of `event_id` while connecting.
    pub(crate) fn remote_checkpoints(&self, event_id: &str) -> Result<Option<Vec<Checkpoint>>> {
        let Some(p) = lock(&self.upstream.pending).clone() else {
            return Ok(None);
        };
        let client = p.client.clone();
        let event = EventId::new(event_id);
        let list = self
            .upstream
            .wait(async move { client.checkpoints(&event).await })?
            .map_err(sync_error)?;
        let views: Vec<Checkpoint> = list
            .iter()
            .map(|c| Checkpoint {
                id: c.id.to_string(),
                event_id: event_id.to_owned(),
                name: c.name.clone(),
                direction: c.direction.as_str().to_owned(),
                room_name: None,
                active: c.active,
            })
            .collect();
        if let Some(p) = lock(&self.upstream.pending).as_mut() {
            for v in &views {
                p.checkpoints.insert(v.id.clone(), v.clone());
            }
        }
        Ok(Some(views))
    }

    /// A checkpoint listed from the upstream but not pulled yet.
    pub(crate) fn remote_checkpoint(&self, id: &str) -> Option<Checkpoint> {
        lock(&self.upstream.pending)
            .as_ref()
            .and_then(|p| p.checkpoints.get(id).cloned())
    }

    /// `start_pull` against a real upstream: the first full pull with progress, then the
    /// background loop.
    pub(crate) fn pull_from_upstream(self: &Arc<Self>, event: &str) -> Result<Option<PullSummary>> {
        let Some(p) = lock(&self.upstream.pending).clone() else {
            return Ok(None);
        };
        let started = std::time::Instant::now();
        let db = self.config.data_dir.join("replica.db");
        let engine = SyncEngine::with_options(
            &db,
            Some(SyncSettings {
                upstream: p.url.clone(),
                client_id: p.client_id.clone(),
                client_secret: p.client_secret.clone(),
                event_id: EventId::new(event),
            }),
            SyncOptions::default(),
        )
        .map_err(sync_error)?;
        let weak: Weak<App> = Arc::downgrade(self);
        let bar = Mutex::new(ProgressBar::default());
        engine.set_progress_hook(Some(Arc::new(move |pr| {
            let report = lock(&bar).report(pr);
            if let Some(app) = weak.upgrade() {
                app.emit(AppEvent::PullProgress(report));
            }
        })));
        let pulling = engine.clone();
        let summary = self
            .upstream
            .wait(async move { pulling.sync_once().await })?
            .map_err(sync_error)?;
        let photos = self.first_photos(&engine)?;
        engine.set_progress_hook(None);
        *lock(&self.upstream.pending) = None;
        self.start_sync_loop(engine)?;
        let store = self.store();
        let attendees = store.attendance_count(event)?;
        let checkpoints = store.checkpoints(Some(event))?.len() as u64;
        tracing::info!(pulled = summary.pulled, "first pull done");
        Ok(Some(PullSummary {
            attendees,
            checkpoints,
            photos,
            took_ms: started.elapsed().as_millis() as u64,
        }))
    }

    /// The first pull shows the faces arriving (its bar's `photos` stage) for at most
    /// [`FIRST_PULL_PHOTOS`]; whatever a slow or large photo host has not sent by then
    /// follows in the background, the door opens anyway. Returns the photos cached.
    fn first_photos(&self, engine: &SyncEngine) -> Result<u64> {
        let fetching = engine.clone();
        let waited = self.upstream.wait(async move {
            tokio::time::timeout(FIRST_PULL_PHOTOS, fetching.fetch_photos()).await
        })?;
        match waited {
            Ok(Ok(report)) => return Ok(report.cached),
            Ok(Err(e)) => tracing::warn!(error = %e, "photos not fetched"),
            Err(_) => tracing::info!("photos continue in the background"),
        }
        Ok(self.store().photo_counts()?.fetched)
    }

    /// Reopens sync on a later start: the demo's hub again, or the engine from the
    /// settings stored in the replica.
    pub(crate) fn resume_sync(self: &Arc<Self>) -> Result<()> {
        let m = meta::load(&self.store())?;
        let Some(kind) = m.upstream.as_ref().map(|u| u.kind.clone()) else {
            return Ok(());
        };
        if !m.pulled {
            return Ok(());
        }
        #[cfg(feature = "demo")]
        if kind == "demo" {
            let snapshot =
                crate::demo::snapshot_keeping_photos(&self.store(), self.config.demo_attendees)?;
            self.connect_demo_hub(snapshot);
            return Ok(());
        }
        #[cfg(not(feature = "demo"))]
        if kind == "demo" {
            tracing::warn!("this replica holds the demo, and this build has no demo hub");
            return Ok(());
        }
        let db = self.config.data_dir.join("replica.db");
        match SyncEngine::with_options(&db, None, SyncOptions::default()) {
            Ok(engine) => self.start_sync_loop(engine),
            Err(e) => {
                tracing::warn!(error = %e, "sync settings unusable; the device works offline");
                Ok(())
            }
        }
    }

    pub(crate) fn start_sync_loop(self: &Arc<Self>, engine: SyncEngine) -> Result<()> {
        let rt = self.upstream.runtime()?;
        let mut changes = engine.subscribe();
        let weak = Arc::downgrade(self);
        rt.spawn(async move {
            while changes.changed().await.is_ok() {
                let status = status_view(&changes.borrow_and_update());
                match weak.upgrade() {
                    Some(app) => app.emit(AppEvent::SyncStatus(status)),
                    None => break,
                }
            }
        });
        let looping = engine.clone();
        rt.spawn(async move { looping.run(std::future::pending::<()>()).await });
        *lock(&self.upstream.engine) = Some(engine);
        Ok(())
    }

    /// `sync_now` with an engine: a full cycle in the background.
    pub(crate) fn sync_cycle_now(&self) -> Result<bool> {
        let Some(engine) = self.upstream.engine() else {
            return Ok(false);
        };
        self.upstream.runtime()?.spawn(async move {
            if let Err(e) = engine.sync_once().await {
                tracing::info!(error = %e, "sync now failed");
            }
        });
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pr(phase: PullPhase, done: u64, total: Option<u64>) -> CorePullProgress {
        CorePullProgress { phase, done, total }
    }

    #[test]
    fn the_pull_bar_only_moves_forward_through_download_and_apply() {
        let mut bar = ProgressBar::default();
        let steps = [
            pr(PullPhase::Download, 0, None),
            pr(PullPhase::Download, 5000, Some(6080)),
            pr(PullPhase::Download, 6080, Some(6080)),
            pr(PullPhase::Apply, 0, Some(6080)),
            pr(PullPhase::Apply, 3040, Some(6080)),
            pr(PullPhase::Apply, 6080, Some(6080)),
        ];
        let seen: Vec<u64> = steps.into_iter().map(|p| bar.report(p).done).collect();
        assert_eq!(seen, vec![0, 411, 500, 500, 750, 1000]);
        let photos = bar.report(pr(PullPhase::Photos, 3, Some(40)));
        assert_eq!(
            (photos.stage.as_str(), photos.done, photos.total),
            ("photos", 3, 40)
        );
    }

    #[test]
    fn upstream_errors_keep_their_words_not_their_bodies() {
        let html = sync_error(SyncError::Http {
            status: 502,
            body: "<html><body><h1>502 Bad Gateway</h1></body></html>".into(),
        });
        assert_eq!(html.code, ErrorCode::Unreachable);
        assert_eq!(html.message, "the server answered HTTP 502");

        let json = sync_error(SyncError::Http {
            status: 403,
            body: r#"{"message": "Scope basic may only read"}"#.into(),
        });
        assert_eq!(json.code, ErrorCode::Forbidden);
        assert_eq!(
            json.message,
            "the server answered HTTP 403: Scope basic may only read"
        );

        let refused = sync_error(SyncError::Unreachable(
            "cannot connect: Connection refused (os error 111)".into(),
        ));
        assert_eq!(refused.code, ErrorCode::Unreachable);
        assert_eq!(
            refused.message,
            "upstream unreachable: cannot connect: Connection refused"
        );

        let site = connect_error(
            SyncError::Http {
                status: 404,
                body: "Not Found".into(),
            },
            "https://example.com",
        );
        assert_eq!(site.code, ErrorCode::InvalidUrl);
        assert_eq!(site.message, "no Access API answers at https://example.com");
    }
}
