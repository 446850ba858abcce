//! Scan latency on a 100,000-attendee demo replica (resolve + judge + durable write),
//! next to the physical floor: a bare one-row insert+commit with the same SQLite settings.
//!
//! Run: `cargo bench -p entrada-store --bench scan_latency` (ATTENDEES and SCANS override
//! the sizes). Prints median, p99 and scans/s; figures go to docs/benchmarks.md.

use std::time::{Duration, Instant};

use entrada_demo as demo;
use entrada_domain::CheckpointId;
use entrada_store::Store;
use entrada_store::{ScanRequest, Subject};

fn env_or(name: &str, default: u32) -> u32 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn report(name: &str, mut samples: Vec<Duration>, total: Duration) -> Duration {
    samples.sort();
    let median = percentile(&samples, 0.5);
    println!(
        "{name:<28} n={:<6} median={:>8.3} ms  p99={:>8.3} ms  max={:>8.3} ms  {:>8.0} ops/s",
        samples.len(),
        median.as_secs_f64() * 1e3,
        percentile(&samples, 0.99).as_secs_f64() * 1e3,
        samples.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        samples.len() as f64 / total.as_secs_f64(),
    );
    median
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let attendees = env_or("ATTENDEES", 100_000);
    let scans = env_or("SCANS", 2_000);
    let dir = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../target/bench-scan"
    ))
    .to_path_buf();
    std::fs::create_dir_all(&dir)?;
    let db = dir.join("replica.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let t = Instant::now();
    let snapshot = demo::snapshot(attendees);
    let mut store = Store::open(&db)?;
    store.import_snapshot(&snapshot)?;
    // BACKGROUND_CHECKPOINT=1 measures the scan path alone: WAL checkpoints are left to a
    // background connection, as the desktop app does, instead of running inside a commit.
    let background = std::env::var("BACKGROUND_CHECKPOINT").is_ok_and(|v| v == "1");
    if background {
        store
            .connection()
            .pragma_update(None, "wal_autocheckpoint", 0)?;
    }
    println!(
        "replica: {attendees} attendees imported in {:.2} s ({})",
        t.elapsed().as_secs_f64(),
        db.display()
    );

    // Floor: one-row insert+commit, same pragmas, same file system.
    let floor_db = dir.join("floor.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", floor_db.display()));
    }
    let conn = rusqlite::Connection::open(&floor_db)?;
    entrada_store::configure(&conn)?;
    if background {
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    }
    conn.execute_batch("CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT NOT NULL)")?;
    // Scans: a realistic mix over checkpoints (room entries/exits, tag rules, max readings)
    // and badges (custom qr_data, ids, unknown payloads).
    let checkpoints = [
        demo::MAIN_ENTRANCE,
        demo::HALL_IN,
        demo::HALL_OUT,
        demo::WORKSHOP_IN,
        demo::VIP_LOUNGE,
        demo::SWAG_DESK,
    ]
    .map(CheckpointId::from);
    let people: Vec<String> = snapshot
        .attendance
        .iter()
        .map(|a| a.attendee.effective_qr_data().to_owned())
        .collect();
    // Floor and scans are interleaved (one insert+commit, one scan, …) so both see the same
    // disk and the same load from whatever else runs on the machine.
    let mut floor = Vec::with_capacity(scans as usize);
    let mut latencies = Vec::with_capacity(scans as usize);
    let (mut floor_total, mut scan_total) = (Duration::ZERO, Duration::ZERO);
    for i in 0..scans as usize {
        let t = Instant::now();
        conn.execute("INSERT INTO t(v) VALUES (?1)", [format!("row {i}")])?;
        floor.push(t.elapsed());
        floor_total += t.elapsed();
        let payload = if i % 25 == 0 {
            format!("UNKNOWN-{i}")
        } else {
            people[(i * 7919) % people.len()].clone()
        };
        let t = Instant::now();
        store.scan(&ScanRequest {
            checkpoint: &checkpoints[i % checkpoints.len()],
            subject: Subject::Payload(payload.as_bytes()),
            at: None,
            device_name: None,
        })?;
        latencies.push(t.elapsed());
        scan_total += t.elapsed();
    }
    let floor_median = report("bare insert+commit", floor, floor_total);
    let scan_median = report("scan (resolve+judge+write)", latencies, scan_total);
    println!(
        "scan median / floor median = {:.2}x",
        scan_median.as_secs_f64() / floor_median.as_secs_f64()
    );
    Ok(())
}
