//! Faults between a door and the hub, injected by a TCP proxy: dropped connections,
//! responses cut in half, 500s, long delays (client timeouts) and replies lost after the
//! hub committed. Every sync attempt under faults may fail; after recovery, every reading
//! is on the hub exactly once and the door's outbox is empty.

use std::collections::BTreeSet;
use std::time::Duration;

use entrada_demo::{self as demo, HALL_IN, HALL_OUT, MAIN_ENTRANCE, SWAG_DESK};
use entrada_domain::SyncState;
use entrada_sync::ForcedMode;
use entrada_testkit::proxy::{Fault, Proxy};
use entrada_testkit::{Device, hub_readings, qr_of, start_hub};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_reading_lands_once_through_a_faulty_link() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_db = dir.path().join("hub.db");
    let snapshot = demo::snapshot(400);
    let hub = start_hub(&hub_db, Some(snapshot.clone()), None, false).await;
    let proxy = Proxy::start(hub.addr).await;
    // A short client timeout so `Delay` faults are timeouts, not just slowness.
    let door = Device::new(
        dir.path(),
        "door-f",
        &proxy.url(),
        Duration::from_millis(800),
    );
    door.engine
        .sync_once()
        .await
        .expect("first pull through a clean link");

    let faults = [
        Fault::Drop,
        Fault::CutResponse,
        Fault::ServerError,
        Fault::Delay(Duration::from_millis(1500)),
        Fault::CommitThenDrop,
        Fault::Pass,
        Fault::CommitThenDrop,
        Fault::CutResponse,
        Fault::Pass,
        Fault::Pass,
    ];
    let checkpoints = [MAIN_ENTRANCE, HALL_IN, HALL_OUT, SWAG_DESK];
    let mut made = 0;
    let mut failed = 0;
    let mut succeeded = 0;
    // Rounds of scans with sync attempts under a rotating fault script: uploads, feed
    // pages and token requests all meet every fault.
    for round in 0..12 {
        proxy.set_script(&faults[round % 3..]);
        for i in 0..40 {
            let who = (round * 40 + i) % snapshot.attendance.len();
            let cp = checkpoints[(round + i) % checkpoints.len()];
            let minute = round * 40 + i;
            let at = format!(
                "2026-11-22T{:02}:{:02}:00+00:00",
                8 + minute / 60,
                minute % 60
            );
            door.scan(cp, &qr_of(&snapshot, who), &at);
            made += 1;
        }
        for _ in 0..3 {
            match door.engine.sync_once().await {
                Ok(_) => succeeded += 1,
                Err(e) => {
                    failed += 1;
                    assert!(
                        e.is_transient() || matches!(e, entrada_sync::SyncError::Protocol(_)),
                        "only link-shaped failures: {e}"
                    );
                }
            }
        }
    }
    assert!(failed > 0, "the faults were felt");
    assert!(door.engine.status().last_error.is_some() || succeeded > 0);

    // The operator can force offline: nothing goes out.
    door.engine.set_forced(ForcedMode::Offline);
    assert!(door.engine.sync_once().await.is_err());
    door.engine.set_forced(ForcedMode::Auto);

    // Recovery: a clean link; sync until the outbox is empty.
    proxy.set_script(&[]);
    let mut rounds = 0;
    loop {
        rounds += 1;
        assert!(rounds < 20, "sync did not converge on a clean link");
        if let Ok(summary) = door.engine.sync_once().await
            && summary.backlog == 0
        {
            break;
        }
    }
    hub.shutdown().await.expect("hub shutdown");

    let mine = door.own_readings();
    assert_eq!(mine.len(), made);
    assert!(
        mine.iter().all(|r| r.sync_state != SyncState::Pending),
        "nothing left pending"
    );
    let on_hub = hub_readings(&hub_db);
    let hub_ids: Vec<_> = on_hub.iter().map(|r| r.id.clone()).collect();
    let hub_set: BTreeSet<_> = hub_ids.iter().cloned().collect();
    assert_eq!(hub_ids.len(), hub_set.len(), "no reading twice on the hub");
    let my_set: BTreeSet<_> = mine.iter().map(|r| r.id.clone()).collect();
    assert_eq!(
        hub_set, my_set,
        "every reading reached the hub, nothing else did"
    );
    // Exactly once also means the device sequence arrived intact.
    let mut seqs: Vec<i64> = on_hub.iter().map(|r| r.device_seq).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=made as i64).collect::<Vec<_>>());
}
