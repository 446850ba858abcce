//! OAuth2 tokens over several lifetimes, against a real `entrada hub --token-ttl 4` on
//! 127.0.0.1, seen through a proxy that records every request (path, bearer token,
//! answer) and every token the hub issues.
//!
//! Proved: a device that keeps syncing (background loop, scans pushed as they happen)
//! asks for each new token before the old one expires and never sends an expired one
//! (the hub answers no 401); when the hub forgets its tokens early (wiped and restarted)
//! the device logs in once and carries on; when the hub refuses the credentials, one
//! sync makes one refused request and one login attempt, no loop.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use entrada_demo::{self as demo, MAIN_ENTRANCE};
use entrada_domain::snapshot::Snapshot;
use entrada_domain::{CheckpointId, EventId};
use entrada_store::Store;
use entrada_store::{ScanRequest, Subject};
use entrada_sync::{Settings, SyncEngine, SyncError, SyncOptions};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CLIENT_ID: &str = "door-client";
const CLIENT_SECRET: &str = "door-secret";
/// Token lifetime of the hub in the steady phase. The hub counts expiry in whole
/// seconds, so a token may die up to one second before `expires_in` says.
const TTL: u64 = 4;
const HUB_GRANULARITY: Duration = Duration::from_secs(1);

/// One request through the proxy.
#[derive(Debug, Clone)]
struct Exchange {
    /// When the request reached the proxy (just before the hub).
    at: Instant,
    path: String,
    bearer: Option<String>,
    status: u16,
    /// For a token request the hub granted: the token and its `expires_in`.
    issued: Option<(String, u64)>,
}

impl Exchange {
    fn is_login(&self) -> bool {
        self.path.starts_with("/oauth/v2/token")
    }
}

/// An HTTP/1.1 proxy that forwards one request per connection and logs it.
struct RecordingProxy {
    addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    log: Arc<Mutex<Vec<Exchange>>>,
    task: tokio::task::JoinHandle<()>,
}

impl RecordingProxy {
    async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let upstream = Arc::new(Mutex::new(upstream));
        let log = Arc::new(Mutex::new(Vec::new()));
        let task = {
            let (upstream, log) = (upstream.clone(), log.clone());
            tokio::spawn(async move {
                while let Ok((client, _)) = listener.accept().await {
                    let target = *upstream.lock().expect("upstream");
                    tokio::spawn(forward(client, target, log.clone()));
                }
            })
        };
        Self {
            addr,
            upstream,
            log,
            task,
        }
    }

    fn retarget(&self, upstream: SocketAddr) {
        *self.upstream.lock().expect("upstream") = upstream;
    }

    /// The exchanges so far, emptying the log.
    fn take(&self) -> Vec<Exchange> {
        std::mem::take(&mut *self.log.lock().expect("log"))
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn forward(mut client: TcpStream, upstream: SocketAddr, log: Arc<Mutex<Vec<Exchange>>>) {
    let mut raw = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    let head_end = loop {
        if let Some(pos) = find(&raw, b"\r\n\r\n") {
            break pos + 4;
        }
        match client.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    };
    let at = Instant::now();
    let head = String::from_utf8_lossy(&raw[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or("")
        .to_owned();
    let mut length = 0usize;
    let mut bearer = None;
    let mut kept = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        match name.as_str() {
            "content-length" => length = value.parse().unwrap_or(0),
            "authorization" => {
                bearer = value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
                    .map(str::to_owned)
            }
            "connection" => continue,
            _ => {}
        }
        kept.push(line.to_owned());
    }
    while raw.len() < head_end + length {
        match client.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
        }
    }
    let request_line = head.split("\r\n").next().unwrap_or("");
    let mut request = format!(
        "{request_line}\r\n{}\r\nconnection: close\r\n\r\n",
        kept.join("\r\n")
    )
    .into_bytes();
    request.extend_from_slice(&raw[head_end..head_end + length]);

    let Ok(mut server) = TcpStream::connect(upstream).await else {
        return; // the hub is down: the client sees a dropped connection
    };
    if server.write_all(&request).await.is_err() {
        return;
    }
    let mut response = Vec::new();
    if server.read_to_end(&mut response).await.is_err() {
        return;
    }
    let status = String::from_utf8_lossy(&response)
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let issued = (path.starts_with("/oauth/v2/token") && status == 200)
        .then(|| {
            let body = &response[find(&response, b"\r\n\r\n")? + 4..];
            let v: serde_json::Value = serde_json::from_slice(body).ok()?;
            Some((
                v["access_token"].as_str()?.to_owned(),
                v["expires_in"].as_u64()?,
            ))
        })
        .flatten();
    log.lock().expect("log").push(Exchange {
        at,
        path,
        bearer,
        status,
        issued,
    });
    let _ = client.write_all(&response).await;
    let _ = client.shutdown().await;
}

/// A real `entrada hub` process (killed when dropped).
struct Hub {
    addr: SocketAddr,
    process: Child,
}

impl Hub {
    fn start(db: &Path, import: Option<&Path>, secret: &str, ttl: u64) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_entrada"));
        cmd.args(["hub", "--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(["--client-id", CLIENT_ID, "--client-secret", secret])
            .args(["--token-ttl", &ttl.to_string()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(snapshot) = import {
            cmd.arg("--import").arg(snapshot);
        }
        let mut process = cmd.spawn().expect("entrada hub");
        let mut line = String::new();
        BufReader::new(process.stdout.take().expect("hub stdout"))
            .read_line(&mut line)
            .expect("hub line");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("unexpected hub line {line:?}"));
        Self { addr, process }
    }

    /// Stops the hub and makes it forget every token it issued (its storage wiped).
    fn stop_and_revoke_tokens(mut self, db: &Path) {
        let _ = self.process.kill();
        let _ = self.process.wait();
        let conn = rusqlite::Connection::open(db).expect("hub db");
        let wiped = conn
            .execute("DELETE FROM hub_tokens", [])
            .expect("wipe tokens");
        assert!(wiped > 0, "the hub had stored the tokens it issued");
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

fn demo_snapshot(dir: &Path) -> (PathBuf, Snapshot) {
    let path = dir.join("demo.json");
    let ok = Command::new(env!("CARGO_BIN_EXE_entrada"))
        .args(["demo", "--attendees", "30", "--db"])
        .arg(dir.join("demo.db"))
        .arg("--snapshot")
        .arg(&path)
        .stdout(Stdio::null())
        .status()
        .expect("entrada demo");
    assert!(ok.success());
    let snapshot =
        serde_json::from_slice(&std::fs::read(&path).expect("snapshot")).expect("snapshot json");
    (path, snapshot)
}

fn scan(db: &Path, qr: &str) {
    Store::open(db)
        .expect("door replica")
        .scan(&ScanRequest {
            checkpoint: &CheckpointId::from(MAIN_ENTRANCE),
            subject: Subject::Payload(qr.as_bytes()),
            at: None,
            device_name: None,
        })
        .expect("scan");
}

fn logins(log: &[Exchange]) -> Vec<&Exchange> {
    log.iter().filter(|e| e.is_login()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_are_renewed_before_expiry_and_a_revoked_one_costs_one_login() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_db = dir.path().join("hub.db");
    let (snapshot_path, snapshot) = demo_snapshot(dir.path());
    let hub = Hub::start(&hub_db, Some(&snapshot_path), CLIENT_SECRET, TTL);
    let proxy = RecordingProxy::start(hub.addr).await;

    let door = dir.path().join("door.db");
    let settings = Settings {
        upstream: format!("http://{}", proxy.addr),
        client_id: CLIENT_ID.to_owned(),
        client_secret: CLIENT_SECRET.to_owned(),
        event_id: EventId::from(demo::EVENT_ID),
    };
    let options = SyncOptions {
        poll_interval: Duration::from_millis(250),
        ..entrada_testkit::options(Duration::from_secs(10))
    };
    let engine = SyncEngine::with_options(&door, Some(settings), options).expect("engine");

    // Steady phase: a first pull, then the background loop over three token lifetimes,
    // scans pushed as they happen.
    engine.sync_once().await.expect("first pull");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = {
        let engine = engine.clone();
        tokio::spawn(async move {
            engine
                .run(async {
                    let _ = stopped.await;
                })
                .await
        })
    };
    let welcome = entrada_testkit::welcome_at_main(&snapshot);
    let steady = Duration::from_secs(3 * TTL);
    let started = Instant::now();
    let mut scanned = 0;
    while started.elapsed() < steady {
        let qr = entrada_testkit::qr_of(&snapshot, welcome[scanned % welcome.len()]);
        scan(&door, &qr);
        scanned += 1;
        engine.nudge();
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    let _ = stop.send(());
    running.await.expect("loop ends");
    let log = proxy.take();

    let refused: Vec<&Exchange> = log.iter().filter(|e| e.status == 401).collect();
    assert!(refused.is_empty(), "the hub refused tokens: {refused:#?}");
    let issued: Vec<(Instant, String, u64)> = log
        .iter()
        .filter_map(|e| e.issued.clone().map(|(t, ttl)| (e.at, t, ttl)))
        .collect();
    assert_eq!(issued.len(), logins(&log).len(), "every login succeeded");
    assert!(
        issued.len() >= 4,
        "{} tokens over {steady:?} of {TTL} s tokens",
        issued.len()
    );
    let authed: Vec<&Exchange> = log.iter().filter(|e| e.bearer.is_some()).collect();
    assert!(authed.len() > 3 * issued.len(), "the device kept syncing");
    for e in &authed {
        let bearer = e.bearer.as_deref().unwrap_or_default();
        let (asked, _, ttl) = issued
            .iter()
            .find(|(_, t, _)| t == bearer)
            .unwrap_or_else(|| panic!("{} used a token the hub never issued", e.path));
        let age = e.at.duration_since(*asked);
        assert!(
            age < Duration::from_secs(*ttl) - HUB_GRANULARITY,
            "{} sent with a token {age:?} old (lifetime {ttl} s)",
            e.path
        );
    }
    for pair in issued.windows(2) {
        let ((old_at, _, ttl), (new_at, _, _)) = (&pair[0], &pair[1]);
        let gap = new_at.duration_since(*old_at);
        assert!(
            gap < Duration::from_secs(*ttl) - HUB_GRANULARITY,
            "a new token was asked for {gap:?} after the previous one (lifetime {ttl} s)"
        );
    }
    // What the last nudges left is pushed now; still no refusal.
    let summary = engine.sync_once().await.expect("final sync");
    assert_eq!(summary.backlog, 0, "every scan was pushed");
    assert!(proxy.take().iter().all(|e| e.status != 401));

    // Revocation: the hub now issues long tokens; once the device holds one, the hub
    // forgets every token (storage wiped, restarted) well before that one expires.
    let hub = {
        drop(hub);
        let long = Hub::start(&hub_db, None, CLIENT_SECRET, 600);
        proxy.retarget(long.addr);
        long
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let held = loop {
        engine
            .sync_once()
            .await
            .expect("sync with the restarted hub");
        if let Some((token, _)) = proxy
            .take()
            .into_iter()
            .filter_map(|e| e.issued)
            .find(|(_, ttl)| *ttl == 600)
        {
            break token;
        }
        assert!(
            Instant::now() < deadline,
            "the device never renewed its token"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    // Settle on that token: one more sync uses it without logging in.
    engine.sync_once().await.expect("sync");
    assert!(logins(&proxy.take()).is_empty());

    hub.stop_and_revoke_tokens(&hub_db);
    let hub = Hub::start(&hub_db, None, CLIENT_SECRET, 600);
    proxy.retarget(hub.addr);
    engine.sync_once().await.expect("sync after revocation");
    let log = proxy.take();
    let refused: Vec<&Exchange> = log.iter().filter(|e| e.status == 401).collect();
    assert_eq!(refused.len(), 1, "{log:#?}");
    assert_eq!(refused[0].bearer.as_deref(), Some(held.as_str()));
    let relogins = logins(&log);
    assert_eq!(relogins.len(), 1, "one new login: {log:#?}");
    let (fresh, _) = relogins[0].issued.clone().expect("the new login succeeded");
    let after: Vec<&Exchange> = log.iter().skip_while(|e| !e.is_login()).skip(1).collect();
    assert!(!after.is_empty());
    for e in after {
        assert_eq!(e.bearer.as_deref(), Some(fresh.as_str()), "{}", e.path);
        assert!(e.status < 400, "{e:#?}");
    }

    // Refused credentials (the hub's client secret changed, its tokens gone): one sync
    // makes one refused request and one login attempt, then reports the login error.
    hub.stop_and_revoke_tokens(&hub_db);
    let hub = Hub::start(&hub_db, None, "another-secret", 600);
    proxy.retarget(hub.addr);
    let err = engine.sync_once().await.expect_err("credentials refused");
    assert!(matches!(err, SyncError::Auth(_)), "{err:?}");
    let log = proxy.take();
    assert_eq!(log.len(), 2, "{log:#?}");
    assert_eq!((log[0].status, log[0].is_login()), (401, false), "{log:#?}");
    assert!(log[1].is_login() && log[1].issued.is_none(), "{log:#?}");
    let err = engine.sync_once().await.expect_err("still refused");
    assert!(matches!(err, SyncError::Auth(_)), "{err:?}");
    let log = proxy.take();
    assert_eq!(log.len(), 1, "only the login is tried again: {log:#?}");
    assert!(log[0].is_login());
    drop(hub);
}
