//! The background loop as the desktop app runs it: a push right after each scan (nudge)
//! while online, automatic offline detection when the hub goes away, recovery with
//! backoff when it returns, and the operator's forced modes – all visible in the status.

use std::time::Duration;

use entrada_demo::{self as demo, HALL_IN, MAIN_ENTRANCE};
use entrada_sync::{ForcedMode, SyncEngine, SyncOptions};
use entrada_testkit::{Device, options, qr_of, settings, start_hub, wait_status, welcome_at_main};

const PATIENCE: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loop_pushes_on_nudge_goes_offline_and_recovers() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_db = dir.path().join("hub.db");
    let snapshot = demo::snapshot(50);
    let hub = start_hub(&hub_db, Some(snapshot.clone()), None, false).await;
    let addr = hub.addr;
    let door = Device::new(dir.path(), "door-l", &hub.base_url, Duration::from_secs(2));
    // The loop's periodic cycle is far away: only nudges can explain a prompt push.
    let engine = SyncEngine::with_options(
        &door.db,
        Some(settings(&hub.base_url)),
        SyncOptions {
            poll_interval: Duration::from_secs(3600),
            ..options(Duration::from_secs(2))
        },
    )
    .expect("engine");
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let runner = {
        let engine = engine.clone();
        tokio::spawn(async move {
            engine
                .run(async {
                    let _ = stop_rx.await;
                })
                .await
        })
    };
    let s = wait_status(&engine, "synced once", PATIENCE, |s| {
        s.last_success.is_some()
    })
    .await;
    assert!(s.online && s.last_error.is_none());

    let ok = welcome_at_main(&snapshot);
    door.scan(
        MAIN_ENTRANCE,
        &qr_of(&snapshot, ok[0]),
        "2026-11-22T10:00:00+00:00",
    );
    engine.nudge();
    // The status may still show the backlog of before the scan: watch the replica itself.
    let deadline = tokio::time::Instant::now() + PATIENCE;
    while !door
        .own_readings()
        .iter()
        .all(|r| r.sync_state == entrada_domain::SyncState::Synced)
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the nudge did not push the reading"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    wait_status(&engine, "backlog 0", PATIENCE, |s| s.backlog == 0).await;

    // The hub goes away: failed pushes turn the door offline by themselves.
    hub.shutdown().await.expect("hub down");
    door.scan(
        HALL_IN,
        &qr_of(&snapshot, ok[1]),
        "2026-11-22T10:01:00+00:00",
    );
    engine.nudge();
    let s = wait_status(&engine, "offline", PATIENCE, |s| !s.online).await;
    assert_eq!(s.forced, ForcedMode::Auto);
    assert!(s.last_error.is_some(), "the reason is shown");
    door.scan(
        HALL_IN,
        &qr_of(&snapshot, ok[2]),
        "2026-11-22T10:02:00+00:00",
    );
    engine.nudge();
    wait_status(&engine, "backlog of 2 while offline", PATIENCE, |s| {
        s.backlog == 2
    })
    .await;

    // It comes back: the loop's probes find it and drain the outbox.
    let hub = start_hub(&hub_db, None, Some(addr), false).await;
    let s = wait_status(&engine, "online and drained", PATIENCE, |s| {
        s.online && s.backlog == 0 && s.last_error.is_none()
    })
    .await;
    assert_eq!(s.conflicts, 0);

    // Forced offline: scans queue up and nothing leaves, whatever the network says.
    engine.set_forced(ForcedMode::Offline);
    let s = wait_status(&engine, "forced offline", PATIENCE, |s| !s.online).await;
    assert_eq!(s.forced, ForcedMode::Offline);
    door.scan(
        MAIN_ENTRANCE,
        &qr_of(&snapshot, ok[3]),
        "2026-11-22T10:03:00+00:00",
    );
    engine.nudge();
    wait_status(&engine, "backlog of 1", PATIENCE, |s| s.backlog == 1).await;
    assert!(matches!(
        engine.sync_once().await,
        Err(entrada_sync::SyncError::ForcedOffline)
    ));
    // Forced online: pushed at once.
    engine.set_forced(ForcedMode::Online);
    wait_status(&engine, "drained when forced online", PATIENCE, |s| {
        s.online && s.backlog == 0
    })
    .await;

    let _ = stop_tx.send(());
    runner.await.expect("loop ends on shutdown");
    hub.shutdown().await.expect("hub down");
}
