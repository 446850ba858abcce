//! A large first pull against a real hub on 127.0.0.1: pages applied inside the one
//! transaction as they arrive give exactly the replica the gather-then-apply path gives, a
//! pull that fails mid-stream leaves the replica untouched (and the next one completes),
//! and the larger pages are only asked for when the hub advertises them.
//!
//! A small HTTP-aware proxy stands between device and hub: it sees each request line,
//! records the change feed's `limit`s, can answer `/capabilities` as a hub that predates
//! `limits` does, and can drop the n-th change-feed request.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entrada_demo as demo;
use entrada_domain::EventId;
use entrada_store::Store;
use entrada_sync::{PullPhase, PullProgress};
use entrada_testkit::{Device, start_event_hub};
use rusqlite::Connection;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// About 12,000 feed entries: more than the first page (5,000), fewer than three pages of
/// the original size.
const ATTENDEES: u32 = 6_000;

/// What the capabilities of a hub without `limits` say.
const OLD_CAPABILITIES: &str = r#"{"api":"entrada-hub","version":1,"extensions":["changes","readings_feed","readings_upload","admin","webhooks"]}"#;

#[derive(Default)]
struct Script {
    old_capabilities: bool,
    /// Drop the connection of this change-feed request (1-based) without an answer.
    cut_changes: Option<usize>,
    /// The `limit` of every change-feed request seen.
    limits: Vec<u32>,
}

struct Proxy {
    addr: SocketAddr,
    script: Arc<Mutex<Script>>,
}

impl Proxy {
    async fn start(hub: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let script = Arc::new(Mutex::new(Script::default()));
        let shared = script.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(handle(client, hub, shared.clone()));
            }
        });
        Self { addr, script }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn set(&self, f: impl FnOnce(&mut Script)) {
        f(&mut self.script.lock().expect("script"));
    }

    fn take_limits(&self) -> Vec<u32> {
        std::mem::take(&mut self.script.lock().expect("script").limits)
    }
}

async fn handle(mut client: TcpStream, hub: SocketAddr, script: Arc<Mutex<Script>>) {
    let mut head = Vec::new();
    let mut buf = [0u8; 8192];
    let end = loop {
        let Ok(n) = client.read(&mut buf).await else {
            return;
        };
        if n == 0 {
            return;
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(i) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
    };
    let text = String::from_utf8_lossy(&head[..end]).into_owned();
    let target = text.split_whitespace().nth(1).unwrap_or("").to_owned();
    enum Action {
        OldCapabilities,
        Cut,
        Forward,
    }
    let action = {
        let mut s = script.lock().expect("script");
        if target.starts_with("/capabilities") && s.old_capabilities {
            Action::OldCapabilities
        } else if target.contains("/changes") {
            let limit = target
                .split(['?', '&'])
                .find_map(|kv| kv.strip_prefix("limit="))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
            s.limits.push(limit);
            if s.cut_changes == Some(s.limits.len()) {
                Action::Cut
            } else {
                Action::Forward
            }
        } else {
            Action::Forward
        }
    };
    match action {
        Action::Cut => return,
        Action::OldCapabilities => {
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{OLD_CAPABILITIES}",
                OLD_CAPABILITIES.len()
            );
            let _ = client.write_all(answer.as_bytes()).await;
            return;
        }
        Action::Forward => {}
    }
    // One request per connection, so every request passes through the code above.
    let line_end = head.windows(2).position(|w| w == b"\r\n").unwrap_or(end);
    let mut forwarded = head[..line_end + 2].to_vec();
    forwarded.extend_from_slice(b"connection: close\r\n");
    forwarded.extend_from_slice(&head[line_end + 2..]);
    let Ok(mut upstream) = TcpStream::connect(hub).await else {
        return;
    };
    if upstream.write_all(&forwarded).await.is_err() {
        return;
    }
    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
}

/// Every replicated row and the change-feed cursor, in a stable order.
fn replica_rows(db: &std::path::Path) -> Vec<String> {
    let conn = Connection::open(db).expect("open replica");
    let mut out = Vec::new();
    for sql in [
        "SELECT id || ' ' || raw FROM events ORDER BY id",
        "SELECT id || ' ' || raw FROM tags ORDER BY id",
        "SELECT id || ' ' || event_id || ' ' || raw FROM rooms ORDER BY id",
        "SELECT id || ' ' || event_id || ' ' || active || ' ' || raw FROM checkpoints ORDER BY id",
        "SELECT id || ' ' || qr_data || ' ' || active || ' ' || tag_ids || ' ' || search
             || ' ' || raw FROM attendees ORDER BY id",
        "SELECT event_id || ' ' || attendee_id || ' ' || confirmed || ' ' || rejected
             || ' ' || raw FROM attendance ORDER BY event_id, attendee_id",
        "SELECT key || ' ' || value FROM meta WHERE key LIKE 'sync.changes_cursor:%'",
    ] {
        let mut stmt = conn.prepare(sql).expect("prepare");
        out.extend(
            stmt.query_map([], |r| r.get::<_, String>(0))
                .expect("query")
                .collect::<Result<Vec<_>, _>>()
                .expect("rows"),
        );
    }
    out
}

fn attendance_count(db: &std::path::Path) -> i64 {
    let conn = Connection::open(db).expect("open replica");
    conn.query_row("SELECT count(*) FROM attendance", [], |r| r.get(0))
        .expect("count")
}

/// Records the phases of the progress reports of the next pulls.
fn record_phases(device: &Device) -> Arc<Mutex<Vec<PullProgress>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    device
        .engine
        .set_progress_hook(Some(Arc::new(move |p: PullProgress| {
            sink.lock().expect("progress").push(p);
        })));
    seen
}

fn downloads(seen: &Mutex<Vec<PullProgress>>) -> usize {
    seen.lock()
        .expect("progress")
        .iter()
        .filter(|p| p.phase == PullPhase::Download)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_first_pull_equals_gathered_pull_and_survives_a_cut() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = demo::snapshot(ATTENDEES);
    let hub = start_event_hub(dir.path(), &snapshot).await;
    let proxy = Proxy::start(hub.addr).await;
    let timeout = Duration::from_secs(60);

    // An empty replica streams. The second change-feed request is dropped: the pull
    // fails, and the pages already handed to the replica's transaction are rolled back.
    let streamed = Device::new(dir.path(), "streamed", &proxy.url(), timeout);
    proxy.set(|s| s.cut_changes = Some(2));
    let failed = streamed.engine.sync_once().await;
    assert!(failed.is_err(), "{failed:?}");
    assert_eq!(attendance_count(&streamed.db), 0);
    let store = Store::open(&streamed.db).expect("open");
    assert_eq!(
        store
            .meta(&format!("sync.changes_cursor:{}", demo::EVENT_ID))
            .expect("meta"),
        None
    );
    assert!(
        store
            .holds_no_attendance(&EventId::from(demo::EVENT_ID))
            .expect("q")
    );
    drop(store);
    assert_eq!(proxy.take_limits(), [5_000, 20_000]);

    // The next pull completes: the first page small, the rest in the hub's large pages,
    // each applied as it arrives (one download report, then apply reports).
    proxy.set(|s| s.cut_changes = None);
    let phases = record_phases(&streamed);
    let summary = streamed.engine.sync_once().await.expect("streamed pull");
    assert_eq!(proxy.take_limits(), [5_000, 20_000]);
    assert_eq!(downloads(&phases), 1);
    assert_eq!(
        attendance_count(&streamed.db),
        snapshot.attendance.len() as i64
    );
    assert!(summary.pulled > 2 * u64::from(ATTENDEES), "{summary:?}");
    let last = phases.lock().expect("progress").last().copied();
    assert!(
        matches!(last, Some(PullProgress { phase: PullPhase::Apply, done, total: Some(total) }) if done == total),
        "{last:?}"
    );

    // A replica that already holds the event (imported from the same snapshot) gathers
    // the pages first and applies them afterwards: the same replica.
    let gathered = Device::new(dir.path(), "gathered", &proxy.url(), timeout);
    gathered
        .store()
        .import_snapshot(&snapshot)
        .expect("import snapshot");
    let phases = record_phases(&gathered);
    gathered.engine.sync_once().await.expect("gathered pull");
    assert_eq!(proxy.take_limits(), [5_000, 20_000]);
    assert_eq!(downloads(&phases), 2);
    assert_eq!(replica_rows(&streamed.db), replica_rows(&gathered.db));

    // Both are at the feed's end: another pull changes nothing.
    let again = streamed.engine.sync_once().await.expect("again");
    assert_eq!(again.pulled, 0, "{again:?}");

    hub.shutdown().await.expect("hub shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_advertised_limits_the_pull_keeps_the_original_page_size() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = demo::snapshot(ATTENDEES);
    let hub = start_event_hub(dir.path(), &snapshot).await;
    let proxy = Proxy::start(hub.addr).await;
    let timeout = Duration::from_secs(60);

    proxy.set(|s| s.old_capabilities = true);
    let old = Device::new(dir.path(), "old-hub", &proxy.url(), timeout);
    old.engine
        .sync_once()
        .await
        .expect("pull from an older hub");
    assert_eq!(proxy.take_limits(), [5_000, 5_000, 5_000]);

    proxy.set(|s| s.old_capabilities = false);
    let new = Device::new(dir.path(), "new-hub", &proxy.url(), timeout);
    new.engine.sync_once().await.expect("pull with large pages");
    assert_eq!(proxy.take_limits(), [5_000, 20_000]);

    assert_eq!(attendance_count(&old.db), snapshot.attendance.len() as i64);
    assert_eq!(replica_rows(&old.db), replica_rows(&new.db));
    hub.shutdown().await.expect("hub shutdown");
}
