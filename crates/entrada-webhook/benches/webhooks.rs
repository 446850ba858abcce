//! Webhook delivery benchmark (figures in `docs/benchmarks.md`):
//!
//! 1. throughput – deliveries per second from the outbox to a loopback receiver, one
//!    endpoint and four endpoints;
//! 2. latency while online – from the start of `Store::scan` to the webhook arriving at
//!    the receiver, with `Dispatcher::watch` running at its default 50 ms poll.
//!
//! `cargo bench -p entrada-webhook --bench webhooks [-- DELIVERIES SCANS]`

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use entrada_demo as demo;
use entrada_domain::CheckpointId;
use entrada_secret::SecretBox;
use entrada_store::Store;
use entrada_store::{ScanRequest, Subject};
use entrada_webhook::{self as webhook, DispatchConfig, Dispatcher, Topic};

type Arrivals = Arc<Mutex<HashMap<String, Instant>>>;

async fn receive(State(arrivals): State<Arrivals>, body: Bytes) -> &'static str {
    let now = Instant::now();
    if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) {
        let key = v["reading_id"].as_str().unwrap_or("").to_owned();
        arrivals.lock().unwrap().insert(key, now);
    }
    "ok"
}

async fn serve(arrivals: Arrivals) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().fallback(receive).with_state(arrivals);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn throughput(dir: &std::path::Path, endpoints: usize, deliveries: usize, port: u16) {
    let db = dir.join(format!("throughput-{endpoints}.db"));
    let mut store = Store::open(&db).unwrap();
    let snapshot = demo::snapshot(100);
    store.import_snapshot(&snapshot).unwrap();
    let secrets = SecretBox::from_key([9; 32]);
    for i in 0..endpoints {
        webhook::add_subscription(
            store.connection(),
            &secrets,
            &format!("http://127.0.0.1:{port}/e{i}"),
            &[Topic::CheckpointReadingCreated],
        )
        .unwrap();
    }
    let cp = store
        .checkpoint(&CheckpointId::from(demo::MAIN_ENTRANCE))
        .unwrap()
        .unwrap();
    let per_event = deliveries / endpoints;
    {
        let tx = store.connection_mut().transaction().unwrap();
        for i in 0..per_event {
            let a = &snapshot.attendance[i % snapshot.attendance.len()].attendee;
            let payload = webhook::payload::reading_created(
                a,
                &snapshot.event,
                &cp,
                cp.direction,
                "2026-03-17T10:51:39+01:00",
                &entrada_domain::ReadingId::new(format!("bench-{i}")),
            );
            webhook::enqueue(&tx, Topic::CheckpointReadingCreated, &payload).unwrap();
        }
        tx.commit().unwrap();
    }
    let dispatcher = Dispatcher::open(&db, secrets, DispatchConfig::default()).unwrap();
    let start = Instant::now();
    let report = dispatcher.deliver_due().await.unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(report.delivered as usize, per_event * endpoints);
    println!(
        "throughput  endpoints={endpoints} deliveries={} time={secs:.2}s rate={:.0}/s",
        report.delivered,
        report.delivered as f64 / secs
    );
}

async fn latency(dir: &std::path::Path, scans: usize, port: u16, arrivals: Arrivals) {
    let db = dir.join("latency.db");
    let mut store = Store::open(&db).unwrap();
    let snapshot = demo::snapshot(scans.max(10) as u32);
    store.import_snapshot(&snapshot).unwrap();
    let secrets = SecretBox::from_key([9; 32]);
    webhook::add_subscription(
        store.connection(),
        &secrets,
        &format!("http://127.0.0.1:{port}/latency"),
        &[Topic::CheckpointReadingCreated],
    )
    .unwrap();
    let dispatcher = Dispatcher::open(&db, secrets, DispatchConfig::default()).unwrap();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let watcher = tokio::spawn(async move {
        dispatcher
            .watch(async {
                let _ = stop_rx.await;
            })
            .await
    });
    // Scans at a door's pace (one every 20 ms) on a blocking thread, like the UI would.
    let started = tokio::task::spawn_blocking(move || {
        let cp = CheckpointId::from(demo::MAIN_ENTRANCE);
        let mut started = HashMap::new();
        for a in snapshot.attendance.iter().cycle().take(scans) {
            let t0 = Instant::now();
            let o = store
                .scan(&ScanRequest {
                    checkpoint: &cp,
                    subject: Subject::Payload(a.attendee.effective_qr_data().as_bytes()),
                    at: None,
                    device_name: None,
                })
                .unwrap();
            if o.accepted {
                started.insert(o.reading_id.to_string(), t0);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        started
    })
    .await
    .unwrap();
    loop {
        let done = {
            let got = arrivals.lock().unwrap();
            started.keys().all(|k| got.contains_key(k))
        };
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = stop_tx.send(());
    watcher.await.unwrap();
    let got = arrivals.lock().unwrap();
    let mut ms: Vec<f64> = started
        .iter()
        .map(|(k, t0)| got[k].duration_since(*t0).as_secs_f64() * 1000.0)
        .collect();
    ms.sort_by(f64::total_cmp);
    println!(
        "latency     scans={} accepted={} p50={:.1}ms p99={:.1}ms max={:.1}ms (scan start -> received, poll 50 ms)",
        scans,
        ms.len(),
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms[ms.len() - 1]
    );
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let deliveries = args.first().copied().unwrap_or(5000);
    let scans = args.get(1).copied().unwrap_or(500);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    rt.block_on(async {
        let arrivals: Arrivals = Arc::default();
        let port = serve(arrivals.clone()).await;
        throughput(dir.path(), 1, deliveries, port).await;
        throughput(dir.path(), 4, deliveries, port).await;
        latency(dir.path(), scans, port, arrivals).await;
    });
}
