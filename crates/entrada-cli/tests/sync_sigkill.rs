//! SIGKILL of `entrada sync` at random moments during a large push, at least 20 times,
//! with new scans arriving in between; then one clean sync. Nothing is lost (every
//! reading is on the hub) and nothing is duplicated (each once, the device sequence
//! intact), whatever instant the process died at: before an upload, after the hub
//! committed but before the answer was recorded, or in the middle of recording it.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use entrada_demo::{self as demo, HALL_IN, HALL_OUT, MAIN_ENTRANCE, SWAG_DESK};
use entrada_domain::{CheckpointId, time};
use entrada_hub::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use entrada_store::Store;
use entrada_store::{ScanRequest, Subject};
use entrada_testkit::{Lcg, hub_readings, qr_of, start_hub};

/// `entrada sync --db DB`, this crate's binary, with the test key.
fn entrada_sync(db: &Path) -> std::process::Command {
    entrada_testkit::entrada_sync_at(env!("CARGO_BIN_EXE_entrada"), db)
}

/// Makes `n` more readings at the door, in one go.
fn scan_many(db: &Path, snapshot: &entrada_domain::snapshot::Snapshot, from: usize, n: usize) {
    let mut store = Store::open(db).expect("door replica");
    let cps = [MAIN_ENTRANCE, HALL_IN, HALL_OUT, SWAG_DESK];
    for k in from..from + n {
        let cp = CheckpointId::from(cps[k % cps.len()]);
        let qr = qr_of(snapshot, k % snapshot.attendance.len());
        let at = time::parse(&format!(
            "2026-11-22T{:02}:{:02}:{:02}+00:00",
            8 + (k / 3600) % 12,
            (k / 60) % 60,
            k % 60
        ))
        .expect("time");
        store
            .scan(&ScanRequest {
                checkpoint: &cp,
                subject: Subject::Payload(qr.as_bytes()),
                at: Some(at),
                device_name: None,
            })
            .expect("scan");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkilled_sync_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_db = dir.path().join("hub.db");
    let snapshot = demo::snapshot(500);
    let hub = start_hub(&hub_db, Some(snapshot.clone()), None, false).await;
    let door = dir.path().join("door.db");

    // First run: stores the settings and pulls the event.
    let started = Instant::now();
    let out = entrada_sync(&door)
        .args(["--upstream", &hub.base_url, "--client-id", DEMO_CLIENT_ID])
        .args([
            "--client-secret",
            DEMO_CLIENT_SECRET,
            "--event",
            demo::EVENT_ID,
        ])
        .output()
        .expect("run entrada sync");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first_run = started.elapsed();

    let mut made = 3_000;
    scan_many(&door, &snapshot, 0, made);

    let seed = 0x5EED_u64 ^ u64::from(std::process::id());
    let mut rng = Lcg(seed);
    // Kill delays drawn from [0, window]; the window shrinks when runs finish first.
    let mut window_ms = (first_run.as_millis() as u64 * 3).max(400);
    let mut killed_mid_run = 0;
    let mut attempts = 0;
    while killed_mid_run < 20 {
        attempts += 1;
        assert!(
            attempts < 200,
            "could not kill a running sync 20 times (seed {seed})"
        );
        let mut child = entrada_sync(&door).spawn().expect("spawn entrada sync");
        let delay = rng.below(window_ms);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        match child.try_wait().expect("poll child") {
            None => {
                child.kill().expect("SIGKILL"); // SIGKILL on Unix
                let _ = child.wait();
                killed_mid_run += 1;
            }
            Some(_) => {
                window_ms = (window_ms * 7 / 10).max(50);
            }
        }
        // Scans keep coming while sync dies and restarts.
        scan_many(&door, &snapshot, made, 40);
        made += 40;
    }

    // A clean run drains the outbox.
    let out = entrada_sync(&door).output().expect("final sync");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("JSON summary on stdout");
    assert_eq!(summary["backlog"], 0, "{summary}");

    hub.shutdown().await.expect("hub shutdown");
    // With the hub gone, a one-shot run fails clearly and leaves the replica usable.
    let out = entrada_sync(&door).output().expect("sync without a hub");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot reach the upstream") && stderr.contains("stays usable"),
        "{stderr}"
    );
    let store = Store::open(&door).expect("door replica");
    let me = store.device().id.clone();
    let mine: Vec<_> = store
        .readings(&Default::default())
        .expect("readings")
        .into_iter()
        .filter(|r| r.device_id == me)
        .collect();
    assert_eq!(mine.len(), made);
    let on_hub = hub_readings(&hub_db);
    let hub_set: BTreeSet<_> = on_hub.iter().map(|r| r.id.clone()).collect();
    assert_eq!(hub_set.len(), on_hub.len(), "no reading twice on the hub");
    let my_set: BTreeSet<_> = mine.iter().map(|r| r.id.clone()).collect();
    assert_eq!(hub_set, my_set, "nothing lost (seed {seed})");
    let mut seqs: Vec<i64> = on_hub.iter().map(|r| r.device_seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=made as i64).collect::<Vec<_>>());
}
