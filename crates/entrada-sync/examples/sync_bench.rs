//! Sync benchmark against a hub on loopback (figures in `docs/benchmarks.md`, `## Sync`):
//!
//! 1. first pull of an event with N attendees (default 100,000) into an empty replica;
//! 2. incremental pull after 100 changes on the hub;
//! 3. push of a 10,000-reading backlog.
//!
//! ```text
//! cargo run --release -p entrada-sync --example sync_bench [-- ATTENDEES READINGS]
//! ```
//!
//! Each figure is the wall time of one `SyncEngine::sync_once` (HTTP, JSON, SQLite with
//! `synchronous = FULL`), the hub running in-process on 127.0.0.1; repeated `RUNS` times on
//! fresh replicas, median and spread reported.

use std::time::{Duration, Instant};

use entrada_demo::{self as demo, HALL_IN, HALL_OUT, MAIN_ENTRANCE};
use entrada_domain::{CheckpointId, time};
use entrada_store::Store;
use entrada_store::{ScanRequest, Subject};
use entrada_testkit::{Device, http, start_hub, token};

const RUNS: usize = 3;

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// CPU time (user + system) of this process so far, from `/proc/self/stat` (Linux); the
/// hub and the device share the process, so this is the pull's total work, which a loaded
/// machine stretches less than wall time.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    // Clock ticks; 100 per second on every Linux this runs on.
    Some(Duration::from_millis((utime + stime) * 10))
}

fn report(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let median = samples[samples.len() / 2];
    println!(
        "{name:<40} median {:>9.1} ms   min {:>9.1} ms   max {:>9.1} ms   (n={})",
        ms(median),
        ms(samples[0]),
        ms(samples[samples.len() - 1]),
        samples.len()
    );
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let mut args = std::env::args().skip(1);
    let attendees: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let readings: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_db = dir.path().join("hub.db");
    let snapshot = demo::snapshot(attendees);
    eprintln!("starting hub with {attendees} attendees ...");
    let hub = start_hub(&hub_db, Some(snapshot.clone()), None, false).await;
    let url = hub.base_url.clone();

    if std::env::var_os("SYNC_BENCH_FEED").is_some() {
        // Where the download time goes: the hub's pages, fetched and parsed alone.
        let client = entrada_sync::Client::new(
            &url,
            entrada_hub::DEMO_CLIENT_ID,
            entrada_hub::DEMO_CLIENT_SECRET,
            entrada_sync::Timeouts::default(),
            entrada_sync::Health::new(Default::default()),
        )
        .expect("client");
        let event = entrada_domain::EventId::from(demo::EVENT_ID);
        // The page size a large pull settles on (`sync/pull.rs`): the hub's advertised
        // maximum, up to 20,000.
        let limit = client
            .capabilities()
            .await
            .expect("capabilities")
            .limits
            .changes
            .unwrap_or(5_000)
            .min(20_000);
        let (mut cursor, mut pages, started) = ("0".to_owned(), 0, Instant::now());
        loop {
            let page = client.changes(&event, &cursor, limit).await.expect("page");
            pages += 1;
            match page.next {
                Some(next) if page.more => cursor = next.into_string(),
                _ => break,
            }
        }
        eprintln!(
            "  feed alone: {pages} pages in {:.0} ms",
            ms(started.elapsed())
        );
    }
    let mut first = Vec::new();
    let mut incremental = Vec::new();
    let mut push = Vec::new();
    let mut entries = 0;
    let t = token(hub.addr).await;
    for run in 0..RUNS {
        let door = Device::new(
            dir.path(),
            &format!("bench-{run}"),
            &url,
            Duration::from_secs(120),
        );
        let started = Instant::now();
        let cpu_before = cpu_time();
        if std::env::var_os("SYNC_BENCH_PHASES").is_some() {
            let t0 = started;
            let last = std::sync::Mutex::new(None);
            door.engine
                .set_progress_hook(Some(std::sync::Arc::new(move |p| {
                    let mut last = last.lock().expect("lock");
                    if *last != Some(p.phase) {
                        eprintln!("  {:?} starts at {:.0} ms", p.phase, ms(t0.elapsed()));
                        *last = Some(p.phase);
                    }
                })));
        }
        let s = door.engine.sync_once().await.expect("first pull");
        door.engine.set_progress_hook(None);
        if std::env::var_os("SYNC_BENCH_PHASES").is_some() {
            let cpu = cpu_time()
                .zip(cpu_before)
                .map(|(after, before)| format!("{:.0} ms", ms(after.saturating_sub(before))))
                .unwrap_or_else(|| "unknown".into());
            eprintln!(
                "  first pull done at {:.0} ms (process CPU time {cpu})",
                ms(started.elapsed())
            );
        }
        first.push(started.elapsed());
        entries = s.pulled;

        // 100 changes on the hub: an organizer deactivates 100 attendees (new ones each run).
        for i in 0..100 {
            let id = &snapshot.attendance[(run * 100 + i) % snapshot.attendance.len()]
                .attendee
                .id;
            let path = format!("/attendee/{id}/deactivate");
            let (status, body) = http(hub.addr, "PUT", &path, Some(&t), None).await;
            assert_eq!(status, 204, "{body}");
        }
        let started = Instant::now();
        let s = door.engine.sync_once().await.expect("incremental pull");
        incremental.push(started.elapsed());
        assert!(s.pulled <= 200, "incremental: {s:?}");

        // A backlog made offline (not timed), then pushed in one sync.
        {
            let mut store = Store::open(&door.db).expect("door");
            let cps = [MAIN_ENTRANCE, HALL_IN, HALL_OUT];
            let tx_start = Instant::now();
            for k in 0..readings {
                let who = &snapshot.attendance[k % snapshot.attendance.len()].attendee;
                let at = time::parse(&format!(
                    "2026-11-22T{:02}:{:02}:{:02}+00:00",
                    8 + (k / 3600) % 12,
                    (k / 60) % 60,
                    k % 60
                ))
                .expect("time");
                store
                    .scan(&ScanRequest {
                        checkpoint: &CheckpointId::from(cps[k % cps.len()]),
                        subject: Subject::Payload(who.effective_qr_data().as_bytes()),
                        at: Some(at),
                        device_name: None,
                    })
                    .expect("scan");
            }
            eprintln!(
                "made {readings} readings in {:.1} s",
                tx_start.elapsed().as_secs_f64()
            );
        }
        let started = Instant::now();
        let s = door.engine.sync_once().await.expect("push");
        push.push(started.elapsed());
        assert_eq!((s.pushed as usize, s.backlog), (readings, 0), "{s:?}");
    }
    println!("sync benchmark: {attendees} attendees, {readings}-reading backlog, hub on loopback");
    report(&format!("first pull ({entries} rows)"), first);
    report("incremental pull after 100 changes", incremental);
    report(&format!("push of {readings} readings"), push);
    hub.shutdown().await.expect("hub shutdown");
}
