//! What the suites of the sync client and the CLI share: a real hub on 127.0.0.1, device
//! engines with a test key, a fault-injecting TCP proxy, and ways to read what the hub
//! holds. Only ever a dev-dependency.

pub mod proxy;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use entrada_demo as demo;
use entrada_domain::snapshot::Snapshot;
use entrada_domain::{CheckpointId, EventId, Reading, ScanOutcome, time};
use entrada_hub::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, HubConfig, RunningHub};
use entrada_secret::SecretBox;
use entrada_store::Store;
use entrada_store::{ReadingFilter, ScanRequest, Subject};
use entrada_sync::{HealthPolicy, Settings, SyncEngine, SyncOptions, Timeouts};

/// The key every test device seals its client secret with (tests must not touch the
/// user's key file).
pub fn test_secrets() -> SecretBox {
    SecretBox::from_key([42; 32])
}

/// `test_secrets()`'s key in base64, for an `entrada` process (`ENTRADA_SECRET_KEY`).
pub const TEST_KEY_B64: &str = "KioKioKioKioKioKioKioKioKioKioKioKioKioKioE=";

/// `entrada sync --db DB` as a child process of the binary at `entrada` (a CLI test passes
/// `env!("CARGO_BIN_EXE_entrada")`), with the test key, quiet, output captured.
pub fn entrada_sync_at(entrada: &str, db: &Path) -> std::process::Command {
    use std::process::Stdio;
    let mut cmd = std::process::Command::new(entrada);
    cmd.arg("sync")
        .arg("--db")
        .arg(db)
        .env("ENTRADA_SECRET_KEY", TEST_KEY_B64)
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A hub with the full Entrada API over `hub.db` in `dir`, holding `snapshot`.
pub async fn start_event_hub(dir: &Path, snapshot: &Snapshot) -> RunningHub {
    start_hub(&dir.join("hub.db"), Some(snapshot.clone()), None, false).await
}

/// Starts a hub on `listen` (port 0: any) over `db`, importing `snapshot` if given.
pub async fn start_hub(
    db: &Path,
    snapshot: Option<Snapshot>,
    listen: Option<SocketAddr>,
    plain: bool,
) -> RunningHub {
    let mut config = HubConfig::new(db);
    config.snapshot = snapshot;
    config.plain = plain;
    if let Some(addr) = listen {
        config.listen = addr;
    }
    // The port of a hub just shut down may linger briefly; retry the bind a few times.
    let mut last = None;
    for _ in 0..50 {
        match entrada_hub::serve(config.clone_for_retry()).await {
            Ok(hub) => return hub,
            Err(e) => {
                last = Some(e.to_string());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    panic!("hub did not start: {last:?}");
}

/// `HubConfig` is not `Clone`; rebuild it field by field.
trait CloneForRetry {
    fn clone_for_retry(&self) -> HubConfig;
}

impl CloneForRetry for HubConfig {
    fn clone_for_retry(&self) -> HubConfig {
        let mut c = HubConfig::new(&self.db);
        c.listen = self.listen;
        c.import = self.import.clone();
        c.snapshot = self.snapshot.clone();
        c.client_id = self.client_id.clone();
        c.client_secret = self.client_secret.clone();
        c.token_ttl = self.token_ttl;
        c.plain = self.plain;
        c.public_url = self.public_url.clone();
        c
    }
}

pub fn settings(upstream: &str) -> Settings {
    Settings {
        upstream: upstream.to_owned(),
        client_id: DEMO_CLIENT_ID.to_owned(),
        client_secret: DEMO_CLIENT_SECRET.to_owned(),
        event_id: EventId::from(demo::EVENT_ID),
    }
}

/// Options for tests: short timeouts and quick retries.
pub fn options(request_timeout: Duration) -> SyncOptions {
    SyncOptions {
        timeouts: Timeouts {
            connect: Duration::from_secs(2),
            request: request_timeout,
        },
        health: HealthPolicy {
            backoff_base: Duration::from_millis(50),
            backoff_max: Duration::from_millis(500),
            ..HealthPolicy::default()
        },
        secrets: Some(test_secrets()),
        ..SyncOptions::default()
    }
}

/// A door: its replica path and its engine.
pub struct Device {
    pub db: PathBuf,
    pub engine: SyncEngine,
}

impl Device {
    pub fn new(dir: &Path, name: &str, upstream: &str, request_timeout: Duration) -> Self {
        let db = dir.join(format!("{name}.db"));
        let mut store = Store::open(&db).expect("open device replica");
        store.set_device_name(name).expect("name device");
        drop(store);
        let engine =
            SyncEngine::with_options(&db, Some(settings(upstream)), options(request_timeout))
                .expect("sync engine");
        Self { db, engine }
    }

    /// A second connection, like the desktop app's scanning one.
    pub fn store(&self) -> Store {
        Store::open(&self.db).expect("open device replica")
    }

    pub fn scan(&self, checkpoint: &str, qr: &str, at: &str) -> ScanOutcome {
        self.store()
            .scan(&ScanRequest {
                checkpoint: &CheckpointId::from(checkpoint),
                subject: Subject::Payload(qr.as_bytes()),
                at: Some(time::parse(at).expect("time")),
                device_name: None,
            })
            .expect("scan")
    }

    /// Readings this device made (not the ones learnt from other doors).
    pub fn own_readings(&self) -> Vec<Reading> {
        let store = self.store();
        let me = store.device().id.clone();
        store
            .readings(&ReadingFilter::default())
            .expect("readings")
            .into_iter()
            .filter(|r| r.device_id == me)
            .collect()
    }

    pub fn occupancy(&self) -> BTreeMap<String, u32> {
        occupancy_of(&self.store())
    }
}

pub fn occupancy_of(store: &Store) -> BTreeMap<String, u32> {
    store
        .occupancy()
        .expect("occupancy")
        .into_iter()
        .map(|r| (r.room_id.to_string(), r.inside))
        .collect()
}

/// Every reading the hub holds, read from its database (the hub must be shut down).
pub fn hub_readings(hub_db: &Path) -> Vec<Reading> {
    Store::open(hub_db)
        .expect("open hub db")
        .readings(&ReadingFilter::default())
        .expect("hub readings")
}

/// The badge payload of demo attendee `i` in `snapshot`.
pub fn qr_of(snapshot: &Snapshot, i: usize) -> String {
    snapshot.attendance[i]
        .attendee
        .effective_qr_data()
        .to_owned()
}

/// Attendees of the demo who pass the main entrance (active, attending, not banned).
pub fn welcome_at_main(snapshot: &Snapshot) -> Vec<usize> {
    snapshot
        .attendance
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            a.attendee.active
                && !a.rejected
                && !a
                    .attendee
                    .tags
                    .iter()
                    .any(|t| t.id.as_str() == "tag-banned")
        })
        .map(|(i, _)| i)
        .collect()
}

/// A tiny deterministic generator (no extra dependency; the seed is printed on failure).
pub struct Lcg(pub u64);

impl Lcg {
    // Called as `lcg.next()` by the suites; an endless `Iterator` would only add unwraps.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// A minimal HTTP/1.1 request over a fresh connection (tests poke the hub as an
/// organizer would; no client library needed). Returns status and body.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    form: Option<&str>,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr)
        .await
        .expect("connect hub");
    let mut req = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    if let Some(t) = token {
        req.push_str(&format!("authorization: Bearer {t}\r\n"));
    }
    let body = form.unwrap_or("");
    if form.is_some() {
        req.push_str("content-type: application/x-www-form-urlencoded\r\n");
    }
    req.push_str(&format!("content-length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(req.as_bytes()).await.expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.expect("receive");
    let text = String::from_utf8_lossy(&raw).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// A bearer token for the demo client.
pub async fn token(addr: SocketAddr) -> String {
    let form = format!(
        "client_id={DEMO_CLIENT_ID}&client_secret={DEMO_CLIENT_SECRET}&grant_type=client_credentials&scope=event_admin"
    );
    let (status, body) = http(addr, "POST", "/oauth/v2/token", None, Some(&form)).await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("token json");
    v["access_token"].as_str().expect("access_token").to_owned()
}

/// Waits until the engine's status satisfies `pred` (panics after `within`, naming what
/// it waited for: a hang, not a speed requirement).
pub async fn wait_status(
    engine: &SyncEngine,
    what: &str,
    within: Duration,
    pred: impl Fn(&entrada_sync::SyncStatus) -> bool,
) -> entrada_sync::SyncStatus {
    let mut rx = engine.subscribe();
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let current = rx.borrow_and_update().clone();
        if pred(&current) {
            return current;
        }
        match tokio::time::timeout_at(deadline, rx.changed()).await {
            Ok(Ok(())) => {}
            _ => panic!("status never became {what}; last: {current:?}"),
        }
    }
}

/// Reads a cached thumbnail, failing the test unless it is a whole JPEG.
pub fn decode_jpeg(path: &Path) -> image::DynamicImage {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg)
        .unwrap_or_else(|e| panic!("{} is not a whole JPEG: {e}", path.display()))
}
