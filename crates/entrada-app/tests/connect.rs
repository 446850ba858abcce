//! First run against a separate upstream, without a window: an Entrada hub on loopback with
//! its own client, and the application API called the way the Tauri shell calls it (from
//! inside an async runtime, as `#[tauri::command(async)]` runs commands).
//!
//! The real-window version of the same story is `tests/e2e-desktop/connect.mjs`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use entrada_app::types::*;
use entrada_app::{App, AppConfig, AppEvent, ErrorCode, Shell};
use entrada_demo as demo;
use entrada_domain::Attendee;

const ATTENDEES: u32 = 400;
const CLIENT_ID: &str = "door-test";
const CLIENT_SECRET: &str = "s3cret-for-the-door";

#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<AppEvent>>,
}

impl Shell for Recorder {
    fn emit(&self, event: AppEvent) {
        self.events.lock().unwrap().push(event);
    }
    fn set_fullscreen(&self, _on: bool) {}
}

impl Recorder {
    fn progress(&self) -> Vec<PullProgress> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                AppEvent::PullProgress(p) => Some(p.clone()),
                _ => None,
            })
            .collect()
    }
}

/// The shell's side: an async runtime whose tasks call the (blocking) application API.
struct TauriLike {
    rt: tokio::runtime::Runtime,
}

impl TauriLike {
    fn new() -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        Self { rt }
    }

    /// Runs `command` as Tauri runs an `async` command: on a runtime worker.
    fn call<T: Send + 'static>(&self, command: impl FnOnce() -> T + Send + 'static) -> T {
        self.rt
            .block_on(async move { tokio::spawn(async move { command() }).await })
            .unwrap()
    }
}

fn open(data: &Path) -> (Arc<App>, Arc<Recorder>) {
    let shell = Arc::new(Recorder::default());
    let mut config = AppConfig::new(data);
    config.export_dir = data.join("exports");
    (App::open(config, shell.clone()).unwrap(), shell)
}

/// A hub with the demo event and this test's client in `dir`; `plain` switches its
/// extensions off (a plain Access API).
fn start_hub(
    dir: &Path,
    plain: bool,
) -> (tokio::runtime::Runtime, entrada_hub::RunningHub, PathBuf) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let db = dir.join("hub.db");
    let mut config = entrada_hub::HubConfig::new(&db);
    config.client_id = CLIENT_ID.to_owned();
    config.client_secret = CLIENT_SECRET.to_owned();
    config.snapshot = Some(demo::snapshot(ATTENDEES));
    config.plain = plain;
    let hub = rt.block_on(entrada_hub::serve(config)).unwrap();
    (rt, hub, db)
}

/// A badge read by a keyboard-wedge scanner, judged from the shell's runtime.
/// `connect_upstream` as the shell calls it, with the test's client id.
fn connect(
    shell: &TauriLike,
    app: &Arc<App>,
    url: &str,
    secret: &str,
) -> Result<Vec<EventSummary>, entrada_app::AppError> {
    let (a, u, s) = (app.clone(), url.to_owned(), secret.to_owned());
    shell.call(move || a.connect_upstream(&u, CLIENT_ID, &s))
}

fn scan_badge(shell: &TauriLike, app: &Arc<App>, attendee: &Attendee) -> ScanResult {
    let (a, badge) = (app.clone(), attendee.effective_qr_data().to_owned());
    shell
        .call(move || a.scan_payload(&badge, ScanSource::Keyboard))
        .unwrap()
}

/// Scans `attendee`'s badge (accepted), then waits until the upstream holds exactly one
/// accepted reading of them (`held` counts them) and the device's backlog is empty.
fn scan_until_synced(
    shell: &TauriLike,
    app: &Arc<App>,
    attendee: &Attendee,
    held: impl Fn(&str) -> i64,
) {
    let scan = scan_badge(shell, app, attendee);
    assert!(scan.accepted, "{scan:?}");
    let id = attendee.id.as_str();
    wait_for(&format!("{id}'s reading on the upstream"), || held(id) == 1);
    wait_for("an empty backlog", || {
        app.sync_status().unwrap().backlog == 0
    });
    assert_eq!(held(id), 1, "exactly one reading of {id} upstream");
}

/// Accepted scans of `attendee` the hub holds.
fn hub_readings(db: &Path, attendee: &str) -> i64 {
    accepted(db, attendee, "scan")
}

/// Accepted accesses of `attendee` on a plain Access API: it records each `POST
/// /checkpoint/<id>/accesses` as an access, not knowing a camera read it.
fn plain_accesses(db: &Path, attendee: &str) -> i64 {
    accepted(db, attendee, "manual")
}

fn accepted(db: &Path, attendee: &str, kind: &str) -> i64 {
    let store = entrada_store::Store::open(db).unwrap();
    let readings = store
        .readings(&entrada_store::ReadingFilter::default())
        .unwrap();
    readings
        .iter()
        .filter(|r| {
            r.accepted
                && r.attendee_id
                    .as_ref()
                    .is_some_and(|a| a.as_str() == attendee)
                && r.kind.as_str() == kind
        })
        .count() as i64
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn plain(e: &entrada_app::AppError) {
    assert!(
        !e.message.contains('{') && !e.message.contains("os error"),
        "a detail without raw bodies or OS error numbers: {}",
        e.message
    );
}

#[test]
fn first_run_connects_pulls_scans_and_is_remembered_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_rt, hub, hub_db) = start_hub(dir.path(), false);
    let url = hub.base_url.clone();
    let shell = TauriLike::new();
    let data = dir.path().join("data");
    let (app, recorder) = open(&data);
    assert_eq!(app.app_state().unwrap().mode, AppMode::Setup);

    // Wrong secret, nothing listening, an address that is no Access API: each its own code.
    let e = connect(&shell, &app, &url, "wrong").unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthorized, "{e:?}");
    plain(&e);
    let closed = format!("http://127.0.0.1:{}", closed_port());
    let e = connect(&shell, &app, &closed, CLIENT_SECRET).unwrap_err();
    assert_eq!(e.code, ErrorCode::Unreachable, "{e:?}");
    plain(&e);
    let e = connect(&shell, &app, &format!("{url}/not/here"), CLIENT_SECRET).unwrap_err();
    assert_eq!(e.code, ErrorCode::InvalidUrl, "{e:?}");
    plain(&e);
    assert_eq!(app.app_state().unwrap().mode, AppMode::Setup);

    // The right credentials: events, checkpoints, the first pull.
    let events = connect(&shell, &app, &url, CLIENT_SECRET).unwrap();
    assert_eq!(
        events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(),
        [demo::EVENT_ID]
    );
    let a = app.clone();
    let checkpoints = shell
        .call(move || a.list_checkpoints(demo::EVENT_ID))
        .unwrap();
    assert!(checkpoints.iter().any(|c| c.id == demo::MAIN_ENTRANCE));
    let a = app.clone();
    let state = shell
        .call(move || a.choose_checkpoint(demo::MAIN_ENTRANCE))
        .unwrap();
    assert_eq!(
        state.mode,
        AppMode::Setup,
        "no door before the data is here"
    );
    let a = app.clone();
    let summary = shell.call(move || a.start_pull()).unwrap();
    assert_eq!(summary.attendees, u64::from(ATTENDEES));

    // The bar: forward only, ending on the attendees now on the device.
    let progress = recorder.progress();
    assert!(progress.len() >= 3, "{progress:?}");
    let order = [
        "events",
        "checkpoints",
        "tags",
        "attendees",
        "photos",
        "readings",
    ];
    let position = |p: &PullProgress| match order.iter().position(|s| *s == p.stage) {
        Some(i) => (i as f64 + p.done as f64 / p.total.max(1) as f64) / order.len() as f64,
        None => 1.0,
    };
    for pair in progress.windows(2) {
        assert!(position(&pair[1]) >= position(&pair[0]), "{progress:?}");
    }
    let last = progress.last().unwrap();
    assert_eq!(
        (last.stage.as_str(), last.done, last.total),
        ("done", u64::from(ATTENDEES), u64::from(ATTENDEES))
    );
    let state = app.app_state().unwrap();
    assert_eq!(state.mode, AppMode::Door);
    assert_eq!(
        state.upstream.as_ref().map(|u| u.kind.as_str()),
        Some("hub")
    );

    // A scan reaches the hub once.
    let speaker = demo::snapshot(ATTENDEES).attendance[0].attendee.clone();
    scan_until_synced(&shell, &app, &speaker, |id| hub_readings(&hub_db, id));

    // A restart: door mode at once, the stored (sealed) secret syncs without asking.
    drop(app);
    let (app, _) = open(&data);
    let state = app.app_state().unwrap();
    assert_eq!(state.mode, AppMode::Door);
    assert_eq!(
        state.checkpoint.as_ref().map(|c| c.id.as_str()),
        Some(demo::MAIN_ENTRANCE)
    );
    let other = demo::snapshot(ATTENDEES).attendance[2].attendee.clone();
    scan_until_synced(&shell, &app, &other, |id| hub_readings(&hub_db, id));
    assert_eq!(hub_readings(&hub_db, speaker.id.as_str()), 1);
    drop(app);
    hub_rt.block_on(hub.shutdown()).unwrap();
}

#[test]
fn the_demo_opens_from_inside_the_shells_runtime() {
    // The setup screen's one-click demo runs as a command too, and starts an embedded hub.
    let dir = tempfile::tempdir().unwrap();
    let shell = TauriLike::new();
    let shell_data = dir.path().join("data");
    let (app, _) = {
        let shell_rec = Arc::new(Recorder::default());
        let mut config = AppConfig::new(&shell_data);
        config.export_dir = shell_data.join("exports");
        config.demo_attendees = 50;
        (App::open(config, shell_rec.clone()).unwrap(), shell_rec)
    };
    let a = app.clone();
    let state = shell.call(move || a.open_demo()).unwrap();
    assert_eq!(state.mode, AppMode::Door);
    wait_for("the demo hub online", || {
        app.sync_status().unwrap().online && app.sync_status().unwrap().last_sync_at.is_some()
    });
}

#[test]
fn a_plain_access_api_connects_pulls_and_takes_each_reading() {
    // No extensions: a full pull of the event, one `POST /checkpoint/<id>/accesses` per
    // reading, called from the shell's runtime like every command.
    let dir = tempfile::tempdir().unwrap();
    let (hub_rt, hub, hub_db) = start_hub(dir.path(), true);
    let url = hub.base_url.clone();
    let shell = TauriLike::new();
    let data = dir.path().join("data");
    let (app, _) = open(&data);

    let e = connect(&shell, &app, &url, "wrong").unwrap_err();
    assert_eq!(e.code, ErrorCode::Unauthorized, "{e:?}");
    let events = connect(&shell, &app, &url, CLIENT_SECRET).unwrap();
    assert!(events.iter().any(|e| e.id == demo::EVENT_ID));
    let a = app.clone();
    let checkpoints = shell
        .call(move || a.list_checkpoints(demo::EVENT_ID))
        .unwrap();
    assert!(checkpoints.iter().any(|c| c.id == demo::MAIN_ENTRANCE));
    let a = app.clone();
    shell
        .call(move || a.choose_checkpoint(demo::MAIN_ENTRANCE))
        .unwrap();
    let a = app.clone();
    let summary = shell.call(move || a.start_pull()).unwrap();
    // The plain API lists the event's active attendees only (access-api.txt).
    let active = demo::snapshot(ATTENDEES)
        .attendance
        .iter()
        .filter(|t| t.attendee.active)
        .count();
    assert!(
        active < ATTENDEES as usize,
        "the demo has inactive attendees"
    );
    assert_eq!(summary.attendees, active as u64);
    let state = app.app_state().unwrap();
    assert_eq!(state.mode, AppMode::Door);
    assert_eq!(
        state.upstream.as_ref().map(|u| u.kind.as_str()),
        Some("access_api")
    );

    let person = demo::snapshot(ATTENDEES)
        .attendance
        .into_iter()
        .map(|t| t.attendee)
        .find(|a| a.active)
        .unwrap();
    scan_until_synced(&shell, &app, &person, |id| plain_accesses(&hub_db, id));
    drop(app);
    hub_rt.block_on(hub.shutdown()).unwrap();
}
