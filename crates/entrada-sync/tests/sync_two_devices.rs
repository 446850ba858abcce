//! Two doors and a hub: both scan while the hub is down – including the same attendee at
//! a `max_readings` 1 checkpoint on both – then the hub comes back and both sync.
//!
//! Proves: the hub holds every reading exactly once; the later reading of the duplicate
//! pair is flagged as a conflict on the hub and on the door that made it (even though it
//! was uploaded first); readings made at one door reach the other and its rules use them;
//! both replicas agree with the hub on occupancy.

use std::collections::BTreeSet;
use std::time::Duration;

use entrada_demo::{self as demo, HALL_IN, MAIN_ENTRANCE, SWAG_DESK};
use entrada_domain::{SyncState, Verdict};
use entrada_testkit::{Device, hub_readings, occupancy_of, qr_of, start_hub, welcome_at_main};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_doors_offline_then_sync_agree_with_the_hub() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_db = dir.path().join("hub.db");
    let snapshot = demo::snapshot(60);
    let hub = start_hub(&hub_db, Some(snapshot.clone()), None, false).await;
    let addr = hub.addr;
    let url = format!("http://{addr}");

    let a = Device::new(dir.path(), "door-a", &url, Duration::from_secs(5));
    let b = Device::new(dir.path(), "door-b", &url, Duration::from_secs(5));
    for d in [&a, &b] {
        let first = d.engine.sync_once().await.expect("first pull");
        assert!(first.pulled > 60, "the event arrived: {first:?}");
    }

    // The hub goes down; both doors keep working.
    hub.shutdown().await.expect("hub shutdown");
    assert!(a.engine.sync_once().await.is_err(), "hub is down");

    let ok = welcome_at_main(&snapshot);
    let (x, y, z, w) = (ok[0], ok[1], ok[2], ok[3]);
    let banned = 3; // demo attendee 3 carries the banned tag
    // The same badge at the one-per-person swag desk, at both doors: A earlier, B later.
    let a_swag = a.scan(SWAG_DESK, &qr_of(&snapshot, x), "2026-11-22T10:01:00+00:00");
    let b_swag = b.scan(SWAG_DESK, &qr_of(&snapshot, x), "2026-11-22T10:02:00+00:00");
    assert!(
        a_swag.accepted && b_swag.accepted,
        "each door alone accepts"
    );
    // Room entries at both doors, an audit record and an undo.
    assert!(
        a.scan(HALL_IN, &qr_of(&snapshot, y), "2026-11-22T10:03:00+00:00")
            .accepted
    );
    assert!(
        b.scan(HALL_IN, &qr_of(&snapshot, z), "2026-11-22T10:03:30+00:00")
            .accepted
    );
    assert!(
        a.scan(SWAG_DESK, &qr_of(&snapshot, w), "2026-11-22T10:04:00+00:00")
            .accepted
    );
    let refused = b.scan(
        MAIN_ENTRANCE,
        &qr_of(&snapshot, banned),
        "2026-11-22T10:05:00+00:00",
    );
    assert!(!refused.accepted);
    let oops = a.scan(
        MAIN_ENTRANCE,
        &qr_of(&snapshot, z),
        "2026-11-22T10:06:00+00:00",
    );
    assert!(oops.accepted);
    a.store().undo(&oops.reading_id, None).expect("undo");
    a.engine.refresh_counts().await.expect("counts");
    assert_eq!(a.engine.status().backlog, 5);

    // The hub comes back on the same address. B (the later swag reading) uploads first.
    let hub = start_hub(&hub_db, None, Some(addr), false).await;
    let sb = b.engine.sync_once().await.expect("B syncs");
    assert_eq!(sb.pushed, 3);
    assert_eq!(sb.conflicts, 0, "alone on the hub, B's reading stands");
    let sa = a.engine.sync_once().await.expect("A syncs");
    assert_eq!(sa.pushed, 5);
    // A second round: B learns from the feed that its reading became the conflict.
    let sb = b.engine.sync_once().await.expect("B syncs again");
    let sa = a.engine.sync_once().await.expect("A syncs again");
    assert_eq!((sa.backlog, sb.backlog), (0, 0));
    assert_eq!((sa.conflicts, sb.conflicts), (0, 1));
    assert_eq!(b.engine.status().conflicts, 1, "the UI sees the conflict");

    // Door B's view of its reading: a conflict, with the hub's verdict.
    let b_reading = b
        .store()
        .reading(&b_swag.reading_id)
        .expect("read")
        .expect("kept");
    assert_eq!(b_reading.sync_state, SyncState::Conflict);
    assert_eq!(
        b_reading.upstream_verdict.as_deref(),
        Some(Verdict::MaxReadingsReached.code())
    );
    let a_reading = a
        .store()
        .reading(&a_swag.reading_id)
        .expect("read")
        .expect("kept");
    assert_eq!(a_reading.sync_state, SyncState::Synced);

    // Readings cross doors: B now refuses W at the swag desk, whom only A served.
    let again = b.scan(SWAG_DESK, &qr_of(&snapshot, w), "2026-11-22T10:10:00+00:00");
    assert_eq!(again.verdict, Verdict::MaxReadingsReached);
    assert!(b.engine.sync_once().await.is_ok());
    assert!(a.engine.sync_once().await.is_ok());

    hub.shutdown().await.expect("hub shutdown");
    let on_hub = hub_readings(&hub_db);
    let mine: Vec<_> = a
        .own_readings()
        .into_iter()
        .chain(b.own_readings())
        .collect();
    let hub_ids: Vec<_> = on_hub.iter().map(|r| r.id.clone()).collect();
    let hub_set: BTreeSet<_> = hub_ids.iter().cloned().collect();
    let my_set: BTreeSet<_> = mine.iter().map(|r| r.id.clone()).collect();
    assert_eq!(hub_ids.len(), hub_set.len(), "no reading twice on the hub");
    assert_eq!(hub_set, my_set, "every reading reached the hub");
    assert_eq!(mine.len(), 9);

    // The hub flagged the later one of the pair, not the one uploaded later.
    let hub_b = on_hub
        .iter()
        .find(|r| r.id == b_swag.reading_id)
        .expect("on hub");
    let hub_a = on_hub
        .iter()
        .find(|r| r.id == a_swag.reading_id)
        .expect("on hub");
    assert_eq!(hub_b.sync_state, SyncState::Conflict);
    assert_eq!(hub_a.sync_state, SyncState::Synced);
    // The refused scan is an audit record on the hub, not an access.
    let hub_refused = on_hub
        .iter()
        .find(|r| r.id == refused.reading_id)
        .expect("audit");
    assert!(!hub_refused.accepted);

    let hub_occupancy = occupancy_of(&entrada_store::Store::open(&hub_db).expect("hub db"));
    assert_eq!(a.occupancy(), hub_occupancy);
    assert_eq!(b.occupancy(), hub_occupancy);
    assert_eq!(
        hub_occupancy.get(demo::HALL),
        Some(&2),
        "Y and Z are in the hall"
    );
}
