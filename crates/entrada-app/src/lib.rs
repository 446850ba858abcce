//! Entrada's application API: the state of one door device and every operation the UI can
//! ask for, independent of any window.
//!
//! The desktop shell (`src-tauri`) is a thin face over this crate (each Tauri command is one
//! call into [`App`]), following GitButler's `but-api` pattern, so the whole contract of
//! `docs/ipc.md` is unit-tested here without WebKit. Decisions stay in `entrada-domain`
//! (rules), the replica in `entrada-store` (this crate runs no SQL), sync in `entrada-sync`
//! and scanning in `entrada-scan`; this crate only composes them and shapes the answers for
//! the UI.
//!
//! Events to the UI leave through one [`Shell`] implementation (the shell's broadcaster).

mod background;
pub mod camera;
pub mod dashboard;
#[cfg(feature = "demo")]
mod demo;
#[cfg(feature = "demo")]
mod demo_hub;
mod door;
pub mod error;
pub mod frames;
pub mod kiosk;
mod meta;
mod search;
#[cfg(test)]
mod test_shell;
pub mod types;
mod upstream;
pub mod webhooks;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use entrada_domain::CheckpointId;
use entrada_store::Store;

pub use error::{AppError, ErrorCode, Result};
use types::*;

/// What a build without the `demo` feature answers when asked for the demo.
#[cfg(not(feature = "demo"))]
const NO_DEMO: &str = "this build has no demo event (the `demo` feature is off)";

/// Where the UI's events go, and the one window control the core flow needs (kiosk full
/// screen). The Tauri shell implements it with `app.emit`; tests record the calls.
pub trait Shell: Send + Sync + 'static {
    fn emit(&self, event: AppEvent);
    fn set_fullscreen(&self, on: bool);
}

/// Every event of the contract, with its payload.
#[derive(Debug, Clone, PartialEq)]
pub enum AppEvent {
    ScanResult(Box<ScanResult>),
    CameraFrame(CameraFrame),
    CameraState(CameraState),
    SyncStatus(SyncStatus),
    PullProgress(PullProgress),
}

impl AppEvent {
    /// The contract's event name.
    pub fn name(&self) -> &'static str {
        match self {
            AppEvent::ScanResult(_) => "scan-result",
            AppEvent::CameraFrame(_) => "camera-frame",
            AppEvent::CameraState(_) => "camera-state",
            AppEvent::SyncStatus(_) => "sync-status",
            AppEvent::PullProgress(_) => "pull-progress",
        }
    }
}

/// How the app was started.
#[derive(Debug, Clone)]
pub struct AppConfig {
    /// Holds `replica.db` (and cached photos). Created if missing.
    pub data_dir: PathBuf,
    /// Feed the scanner from image files instead of a camera (`--frames DIR`).
    pub frames: Option<frames::FramesConfig>,
    /// Where CSV exports go (the user's Downloads folder by default).
    pub export_dir: PathBuf,
    /// Number of attendees in the built-in demo event.
    pub demo_attendees: u32,
    /// Append one line per camera scan (`reading_id,capture_ms,event_ms`, Unix epoch
    /// milliseconds) for the frame-to-banner benchmark (`ENTRADA_LATENCY_LOG`).
    pub latency_log: Option<PathBuf>,
    pub version: String,
}

impl AppConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        let data_dir = data_dir.into();
        Self {
            export_dir: default_export_dir().unwrap_or_else(|| data_dir.join("exports")),
            data_dir,
            frames: None,
            demo_attendees: 2000,
            latency_log: None,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}

/// `$XDG_DOWNLOAD_DIR`, else `~/Downloads`.
fn default_export_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_DOWNLOAD_DIR") {
        return Some(PathBuf::from(dir));
    }
    std::env::var_os("HOME").map(|h| Path::new(&h).join("Downloads"))
}

/// The default data directory: `$XDG_DATA_HOME/entrada`, else `~/.local/share/entrada`.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME") {
        return Path::new(&dir).join("entrada");
    }
    match std::env::var_os("HOME") {
        Some(h) => Path::new(&h).join(".local/share/entrada"),
        None => PathBuf::from("entrada-data"),
    }
}

/// One door device: its replica, its camera and its kiosk lock.
pub struct App {
    config: AppConfig,
    store: Mutex<Store>,
    shell: Arc<dyn Shell>,
    camera: camera::CameraManager,
    kiosk: kiosk::KioskLock,
    forced: Mutex<ForcedMode>,
    upstream: upstream::UpstreamLink,
    #[cfg(feature = "demo")]
    demo_hub: demo_hub::DemoHub,
    search: Mutex<search::SearchIndex>,
}

impl App {
    /// Opens (or creates) the replica in `config.data_dir`.
    pub fn open(config: AppConfig, shell: Arc<dyn Shell>) -> Result<Arc<App>> {
        std::fs::create_dir_all(&config.data_dir).map_err(|e| {
            AppError::new(
                ErrorCode::Io,
                format!("cannot create {}: {e}", config.data_dir.display()),
            )
        })?;
        let store = Store::open(config.data_dir.join("replica.db"))?;
        let app = Arc::new(App {
            camera: camera::CameraManager::new(config.frames.clone()),
            config,
            store: Mutex::new(store),
            shell,
            kiosk: kiosk::KioskLock::default(),
            forced: Mutex::new(ForcedMode::Auto),
            upstream: upstream::UpstreamLink::new(),
            #[cfg(feature = "demo")]
            demo_hub: demo_hub::DemoHub::default(),
            search: Mutex::new(search::SearchIndex::default()),
        });
        app.resume_sync()?;
        Ok(app)
    }

    pub fn config(&self) -> &AppConfig {
        &self.config
    }

    /// The replica. A poisoned lock means a panic mid-call; SQLite rolled the transaction
    /// back, so the store itself is consistent and we keep using it.
    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn search_index(&self) -> MutexGuard<'_, search::SearchIndex> {
        self.search.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn emit(&self, event: AppEvent) {
        self.shell.emit(event);
    }

    /// `app_state`.
    pub fn app_state(&self) -> Result<AppState> {
        let store = self.store();
        let m = meta::load(&store)?;
        let checkpoint = match &m.checkpoint {
            Some(id) => store.checkpoint(&CheckpointId::new(id.clone()))?,
            None => None,
        };
        // Chosen from the upstream's list during setup, not pulled yet.
        let pending = match (&checkpoint, &m.checkpoint) {
            (None, Some(id)) => self.remote_checkpoint(id),
            _ => None,
        };
        let event = match &checkpoint {
            Some(_) => m
                .event
                .as_deref()
                .map(|id| event_summary(&store, id))
                .transpose()?
                .flatten(),
            None => None,
        };
        let checkpoint = checkpoint
            .map(|c| checkpoint_view(&store, m.event.as_deref().unwrap_or(""), &c))
            .transpose()?
            .or(pending);
        let mode = if checkpoint.is_none() || !m.pulled {
            AppMode::Setup
        } else {
            m.mode
        };
        Ok(AppState {
            mode,
            device: Device {
                id: store.device().id.to_string(),
                name: store.device().name.clone(),
            },
            event,
            checkpoint,
            upstream: m.upstream.clone(),
            online: self.online(&m),
            kiosk_pin_set: kiosk::pin_is_set(&store)?,
            version: self.config.version.clone(),
        })
    }

    fn online(&self, m: &meta::Meta) -> bool {
        if let Some(engine) = self.upstream.engine() {
            return engine.is_online();
        }
        let forced = *self.forced.lock().unwrap_or_else(|p| p.into_inner());
        forced != ForcedMode::Offline && m.upstream.is_some()
    }

    /// `open_demo` in a build without the demo (the `demo` feature is off).
    #[cfg(not(feature = "demo"))]
    pub fn open_demo(self: &Arc<Self>) -> Result<AppState> {
        Err(AppError::invalid(NO_DEMO))
    }

    /// `open_demo_door_first` in a build without the demo.
    #[cfg(not(feature = "demo"))]
    pub fn open_demo_door_first(self: &Arc<Self>) -> Result<AppState> {
        Err(AppError::invalid(NO_DEMO))
    }

    /// `list_events`: the events in the replica (the upstream's list after a connect).
    pub fn list_events(&self) -> Result<Vec<EventSummary>> {
        if let Some(events) = self.remote_events()? {
            return Ok(events);
        }
        let store = self.store();
        let ids: Vec<String> = store
            .events()?
            .into_iter()
            .map(|e| e.id.to_string())
            .collect();
        let mut out = Vec::new();
        for id in ids {
            if let Some(e) = event_summary(&store, &id)? {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// `list_checkpoints`.
    pub fn list_checkpoints(&self, event_id: &str) -> Result<Vec<Checkpoint>> {
        if let Some(list) = self.remote_checkpoints(event_id)? {
            return Ok(list);
        }
        let store = self.store();
        store
            .checkpoints(Some(event_id))?
            .iter()
            .map(|c| checkpoint_view(&store, event_id, c))
            .collect()
    }

    /// `choose_checkpoint`: in setup it stays in setup until data is on the device; after
    /// setup it switches the door at once.
    pub fn choose_checkpoint(&self, checkpoint_id: &str) -> Result<AppState> {
        {
            let store = self.store();
            let id = CheckpointId::new(checkpoint_id);
            let local = store.checkpoint_event(&id)?;
            let event = match (local, self.remote_checkpoint(checkpoint_id)) {
                (Some(event), _) => event.to_string(),
                (None, Some(cp)) => cp.event_id,
                (None, None) => {
                    return Err(AppError::not_found(format!(
                        "no such checkpoint: {checkpoint_id}"
                    )));
                }
            };
            let mut m = meta::load(&store)?;
            m.checkpoint = Some(checkpoint_id.to_owned());
            m.event = Some(event);
            meta::save(&store, &m)?;
        }
        self.app_state()
    }

    /// `start_pull`: the first pull from the connected upstream (sync engine), or for the
    /// demo, whose data is already here, a report of what the replica holds.
    pub fn start_pull(self: &Arc<Self>) -> Result<PullSummary> {
        let started = std::time::Instant::now();
        let event = meta::load(&self.store())?
            .event
            .ok_or_else(AppError::not_configured)?;
        let remote = self.pull_from_upstream(&event)?;
        let (attendees, checkpoints) = {
            let store = self.store();
            let mut m = meta::load(&store)?;
            let Some(event) = m.event.clone() else {
                return Err(AppError::not_configured());
            };
            let attendees = store.attendance_count(&event)?;
            let checkpoints = store.checkpoints(Some(&event))?.len() as u64;
            m.pulled = true;
            if m.mode == AppMode::Setup {
                m.mode = AppMode::Door;
            }
            meta::save(&store, &m)?;
            (attendees, checkpoints)
        };
        self.search_index().invalidate();
        if let Some(summary) = remote {
            self.emit(AppEvent::PullProgress(PullProgress {
                stage: "done".to_owned(),
                done: attendees,
                total: attendees,
            }));
            return Ok(summary);
        }
        for stage in [
            "events",
            "checkpoints",
            "tags",
            "attendees",
            "photos",
            "readings",
            "done",
        ] {
            self.emit(AppEvent::PullProgress(PullProgress {
                stage: stage.to_owned(),
                done: attendees,
                total: attendees,
            }));
        }
        Ok(PullSummary {
            attendees,
            checkpoints,
            photos: 0,
            took_ms: started.elapsed().as_millis() as u64,
        })
    }

    /// `sync_status`: the outbox as the sync badge shows it.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        if let Some(engine) = self.upstream.engine() {
            return Ok(upstream::status_view(&engine.status()));
        }
        let store = self.store();
        let counts = store.outbox_counts()?;
        let m = meta::load(&store)?;
        let forced = *self.forced.lock().unwrap_or_else(|p| p.into_inner());
        Ok(SyncStatus {
            online: self.online(&m),
            forced_mode: forced,
            syncing: false,
            last_sync_at: None,
            backlog: counts.backlog,
            conflicts: counts.conflicts,
            last_error: None,
        })
    }

    /// `set_forced_mode`.
    pub fn set_forced_mode(&self, mode: ForcedMode) -> Result<SyncStatus> {
        *self.forced.lock().unwrap_or_else(|p| p.into_inner()) = mode;
        if let Some(engine) = self.upstream.engine() {
            engine.set_forced(upstream::core_forced(mode));
        }
        let status = self.sync_status()?;
        self.emit(AppEvent::SyncStatus(status.clone()));
        Ok(status)
    }

    /// `sync_now`.
    pub fn sync_now(&self) -> Result<SyncStatus> {
        self.sync_cycle_now()?;
        let status = self.sync_status()?;
        self.emit(AppEvent::SyncStatus(status.clone()));
        Ok(status)
    }

    /// `settings_get`.
    pub fn settings_get(&self) -> Result<Settings> {
        let store = self.store();
        meta::settings(&store)
    }

    /// `settings_set`: validated, the device name also renames the device.
    pub fn settings_set(&self, settings: Settings) -> Result<Settings> {
        let name = settings.device_name.trim().to_owned();
        if name.is_empty() {
            return Err(AppError::invalid("the device name is empty"));
        }
        if name.chars().count() > 80 {
            return Err(AppError::invalid(
                "the device name is longer than 80 characters",
            ));
        }
        let settings = Settings {
            device_name: name.clone(),
            kiosk_idle_seconds: settings.kiosk_idle_seconds.clamp(2, 60),
            ..settings
        };
        let mut store = self.store();
        store.set_device_name(&name)?;
        meta::save_settings(&store, &settings)?;
        Ok(settings)
    }

    /// Switches the persisted mode (kiosk survives a restart).
    pub(crate) fn set_mode(&self, mode: AppMode) -> Result<()> {
        let store = self.store();
        let mut m = meta::load(&store)?;
        m.mode = mode;
        meta::save(&store, &m)
    }

    /// Called once the window exists: a kiosk restarts as a kiosk, full screen.
    pub fn restore_window(&self) -> Result<()> {
        if self.app_state()?.mode == AppMode::Kiosk {
            self.shell.set_fullscreen(true);
        }
        Ok(())
    }
}

fn event_summary(store: &Store, id: &str) -> Result<Option<EventSummary>> {
    let Some(event) = store.events()?.into_iter().find(|e| e.id.as_str() == id) else {
        return Ok(None);
    };
    let count = store.attendance_count(id)?;
    let text = |k: &str| {
        event
            .extra
            .get(k)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    Ok(Some(EventSummary {
        id: event.id.to_string(),
        name: event.name.clone(),
        date_from: text("date_from"),
        date_to: text("date_to"),
        attendee_count: Some(count),
    }))
}

fn checkpoint_view(
    store: &Store,
    event_id: &str,
    c: &entrada_domain::Checkpoint,
) -> Result<Checkpoint> {
    let room_name = match &c.room_id {
        Some(room) => store.room_name(room.as_str()).ok().flatten(),
        None => None,
    };
    Ok(Checkpoint {
        id: c.id.to_string(),
        event_id: event_id.to_owned(),
        name: c.name.clone(),
        direction: c.direction.as_str().to_owned(),
        room_name,
        active: c.active,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::test_shell::Recorder;

    #[cfg(feature = "demo")]
    #[test]
    fn a_demo_opened_at_launch_is_a_door_at_once_and_syncs_with_its_hub_soon_after() {
        let dir = tempfile::tempdir().unwrap();
        let shell = Arc::new(Recorder::default());
        let mut config = AppConfig::new(dir.path().join("data"));
        config.demo_attendees = 50;
        let app = App::open(config, shell.clone()).unwrap();

        let state = app.open_demo_door_first().unwrap();
        assert_eq!(state.mode, AppMode::Door);
        assert_eq!(
            state.checkpoint.map(|c| c.id).as_deref(),
            Some(entrada_demo::MAIN_ENTRANCE)
        );

        let deadline = Instant::now() + Duration::from_secs(30);
        let mut status = app.sync_status().unwrap();
        while status.last_sync_at.is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
            status = app.sync_status().unwrap();
        }
        assert!(status.last_sync_at.is_some(), "{status:?}");
        let upstream = app.app_state().unwrap().upstream.unwrap();
        assert_eq!(upstream.kind, "demo");
        assert!(
            upstream.url.starts_with("http://127.0.0.1:"),
            "{}",
            upstream.url
        );
        assert!(
            shell
                .0
                .lock()
                .unwrap()
                .iter()
                .any(|e| matches!(e, AppEvent::SyncStatus(s) if s.online))
        );
    }

    /// A restart reopens the demo's sync in the background while the shell may open the
    /// demo at the same moment: both must end up on one hub, not a hub each on the same
    /// files (two hubs seeded portraits with two ports and one overwrote the other).
    #[cfg(feature = "demo")]
    #[test]
    fn two_demo_starts_at_once_share_one_hub() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = AppConfig::new(dir.path().join("data"));
        config.demo_attendees = 20;
        let app = App::open(config, Arc::new(Recorder::default())).unwrap();
        let snapshot = app.import_demo().unwrap();
        let barrier = Arc::new(std::sync::Barrier::new(2));
        let starts: Vec<_> = (0..2)
            .map(|_| {
                let (app, snapshot, barrier) = (app.clone(), snapshot.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    app.start_demo_hub(snapshot)
                })
            })
            .collect();
        let urls: Vec<String> = starts
            .into_iter()
            .map(|t| t.join().unwrap().unwrap())
            .collect();
        assert_eq!(urls[0], urls[1], "two hubs started");
    }
}
