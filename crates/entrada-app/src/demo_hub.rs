//! The demo's embedded hub: an Entrada hub in-process on a free loopback port with the demo
//! event, a real sync engine against it, and placeholder portraits on it, so the sync
//! badge, backlog, pushes and faces of `make run` are the real thing.
//!
//! Behind the `demo` feature (on by default, and in the desktop shell) with the demo event
//! itself (`demo.rs`), so a door build leaves out the generator and the hub's server code.

use std::sync::{Arc, Mutex, Weak};

use entrada_demo as demo;
use entrada_sync::{Settings as SyncSettings, SyncEngine, SyncOptions};

use crate::types::*;
use crate::upstream::{core_forced, lock, sync_error};
use crate::{App, AppError, AppEvent, Result, background, meta};

/// The running demo hub, kept alive while the app runs.
#[derive(Default)]
pub(crate) struct DemoHub {
    pub(crate) hub: Mutex<Option<entrada_hub::RunningHub>>,
    /// Held for a whole demo-hub start. A restart reopens sync in the background while
    /// the shell may open the demo at once; without it both would find no hub and start
    /// one each, two hubs and two sync engines on the same files.
    pub(crate) start: Mutex<()>,
}

impl App {
    /// `open_demo`: the built-in demo event, loaded into the replica, on its first
    /// checkpoint, straight into door mode, with its embedded hub already syncing.
    pub fn open_demo(self: &Arc<Self>) -> Result<AppState> {
        let snapshot = self.import_demo()?;
        self.connect_demo_hub_now(snapshot);
        self.emit(AppEvent::SyncStatus(self.sync_status()?));
        self.app_state()
    }

    /// `open_demo` for a start with `--demo`: the door is ready as soon as the replica
    /// holds the event; the embedded hub and its first sync start in the background, so
    /// they never stand between the launch and the first scan.
    pub fn open_demo_door_first(self: &Arc<Self>) -> Result<AppState> {
        let snapshot = self.import_demo()?;
        self.connect_demo_hub(snapshot);
        self.app_state()
    }

    pub(crate) fn import_demo(&self) -> Result<entrada_domain::snapshot::Snapshot> {
        let mut store = self.store();
        let snapshot = crate::demo::load(&mut store, self.config.demo_attendees)?;
        self.search_index().invalidate();
        let mut m = meta::load(&store)?;
        m.event = Some(snapshot.event.id.to_string());
        if m.checkpoint.is_none() || m.upstream.as_ref().is_none_or(|u| u.kind != "demo") {
            m.checkpoint = Some(entrada_demo::MAIN_ENTRANCE.to_owned());
        }
        m.upstream = Some(Upstream {
            url: "demo://".to_owned(),
            kind: "demo".to_owned(),
        });
        m.pulled = true;
        if m.mode == AppMode::Setup {
            m.mode = AppMode::Door;
        }
        meta::save(&store, &m)?;
        tracing::info!("demo event opened");
        Ok(snapshot)
    }

    /// Starts the demo's embedded hub and its sync on a background thread (app start and
    /// restarts: the door must not wait for a hub on loopback).
    pub(crate) fn connect_demo_hub(self: &Arc<Self>, snapshot: entrada_domain::snapshot::Snapshot) {
        let app = Arc::downgrade(self);
        let started = std::thread::Builder::new()
            .name("entrada-demo-hub".into())
            .spawn(move || {
                background::lower_this_thread();
                let Some(app) = app.upgrade() else { return };
                app.connect_demo_hub_now(snapshot);
                match app.sync_status() {
                    Ok(status) => app.emit(AppEvent::SyncStatus(status)),
                    Err(e) => tracing::warn!(error = %e, "no sync status after the demo hub"),
                }
            });
        if let Err(e) = started {
            tracing::warn!(error = %e, "demo hub thread not started; the demo runs offline");
        }
    }

    /// Starts the demo's embedded hub and syncs with it; without it (no free port, ...)
    /// the demo still works, offline.
    pub(crate) fn connect_demo_hub_now(
        self: &Arc<Self>,
        snapshot: entrada_domain::snapshot::Snapshot,
    ) {
        match self.start_demo_hub(snapshot) {
            Ok(url) => {
                let store = self.store();
                if let Ok(mut m) = meta::load(&store) {
                    m.upstream = Some(Upstream {
                        url,
                        kind: "demo".to_owned(),
                    });
                    if let Err(e) = meta::save(&store, &m) {
                        tracing::warn!(error = %e, "demo upstream not saved");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "demo hub not started; the demo runs offline"),
        }
        // Offline or online forced while the hub was starting holds for its engine too.
        let forced = *self.forced.lock().unwrap_or_else(|p| p.into_inner());
        if let (ForcedMode::Offline | ForcedMode::Online, Some(engine)) =
            (forced, self.upstream.engine())
        {
            engine.set_forced(core_forced(forced));
        }
    }

    /// The demo's upstream: an Entrada hub started in-process on a free loopback port with
    /// the same demo event, and a real sync engine against it, so the sync badge, backlog
    /// and pushes are the real thing. Returns the hub's URL. The hub keeps its own
    /// database beside the replica, so readings pushed to it survive a restart.
    pub(crate) fn start_demo_hub(
        self: &Arc<Self>,
        snapshot: entrada_domain::snapshot::Snapshot,
    ) -> Result<String> {
        let _starting = lock(&self.demo_hub.start);
        if let Some(hub) = lock(&self.demo_hub.hub).as_ref() {
            return Ok(hub.base_url.clone());
        }
        let event = snapshot.event.id.clone();
        let mut config = entrada_hub::HubConfig::new(self.config.data_dir.join("demo-hub.db"));
        config.snapshot = Some(snapshot);
        let hub = self
            .upstream
            .wait(entrada_hub::serve(config))?
            .map_err(|e| AppError::internal(format!("demo hub: {e}")))?;
        let url = hub.base_url.clone();
        seed_portraits(self, hub.photos());
        tracing::info!(%url, "demo hub listening");
        *lock(&self.demo_hub.hub) = Some(hub);
        let engine = SyncEngine::with_options(
            self.config.data_dir.join("replica.db"),
            Some(SyncSettings {
                upstream: url.clone(),
                client_id: entrada_hub::DEMO_CLIENT_ID.to_owned(),
                client_secret: entrada_hub::DEMO_CLIENT_SECRET.to_owned(),
                event_id: event,
            }),
            SyncOptions::default(),
        )
        .map_err(sync_error)?;
        self.start_sync_loop(engine)?;
        Ok(url)
    }
}

/// The fixed people of the demo (door and kiosk demos, docs, tests) get their faces first.
const FIXED_PEOPLE: usize = 8;

/// Gives the demo's first attendees placeholder portraits on the embedded hub, on a
/// thread of its own so the window never waits for them. The faces then travel the real
/// path: hub photo URL → change feed → the sync engine's photo pass → the cache beside
/// the replica → the door. A sync follows the fixed people and then the rest.
fn seed_portraits(app: &Arc<App>, photos: entrada_hub::HubPhotos) {
    let count = (app.config().demo_attendees as usize).min(demo::PORTRAITS);
    let weak: Weak<App> = Arc::downgrade(app);
    let spawned = std::thread::Builder::new()
        .name("demo-portraits".into())
        .spawn(move || {
            crate::background::lower_this_thread();
            let sync = |weak: &Weak<App>| {
                if let Some(app) = weak.upgrade()
                    && let Err(e) = app.sync_cycle_now()
                {
                    tracing::warn!(error = %e, "demo sync after portraits not started");
                }
            };
            for i in 0..count {
                // The app closed (or restarted on the same files): its hub is gone, and
                // URLs for its port would only overwrite the next hub's.
                if weak.strong_count() == 0 {
                    tracing::debug!(seeded = i, "demo portraits stopped: the app closed");
                    return;
                }
                let id = demo::attendee_id(i as u32);
                if let Err(e) = photos.set(id.as_str(), demo::portrait(i)) {
                    tracing::warn!(attendee = %id, error = %e, "demo portrait not stored");
                }
                if i + 1 == FIXED_PEOPLE.min(count) {
                    sync(&weak);
                }
            }
            sync(&weak);
            tracing::info!(count, "demo portraits on the hub");
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "demo portraits not started; the demo shows initials");
    }
}
