//! The organizer dashboard against the truth: a hub and two devices scanning at the doors
//! of one room. After one sync interval (one cycle on each device) the dashboard's rooms
//! show exactly the hub's occupancy.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use entrada_app::types::ScanSource;
use entrada_app::{App, AppConfig, AppEvent, Shell};
use entrada_demo as demo;
use entrada_domain::CheckpointId;
use entrada_store::Store;
use entrada_store::{ScanRequest, Subject};
use entrada_sync::{SettingsUpdate, SyncEngine, SyncOptions};

struct Quiet;

impl Shell for Quiet {
    fn emit(&self, _event: AppEvent) {}
    fn set_fullscreen(&self, _on: bool) {}
}

const ATTENDEES: u32 = 300;

fn hub_rooms(db: &std::path::Path) -> BTreeMap<String, u32> {
    let hub = Store::open(db).unwrap();
    hub.occupancy()
        .unwrap()
        .into_iter()
        .map(|r| (r.room_id.to_string(), r.inside))
        .collect()
}

/// `sync_now` starts a cycle in the background: wait until a cycle completes (the last
/// success time moves past the one seen before).
fn complete_a_cycle(app: &App) {
    let before = app.sync_status().unwrap().last_sync_at;
    app.sync_now().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status = app.sync_status().unwrap();
        if status.last_sync_at != before && !status.syncing {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no sync cycle completed: {status:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn dashboard_matches_the_hub_within_one_sync_interval() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let snapshot = demo::snapshot(ATTENDEES);
    let hub_db = dir.path().join("hub.db");
    let mut config = entrada_hub::HubConfig::new(hub_db.clone());
    config.snapshot = Some(snapshot.clone());
    let hub = rt.block_on(entrada_hub::serve(config)).unwrap();

    // Door A: the desktop app, connected to the hub, at the Main Hall entry.
    let mut app_config = AppConfig::new(dir.path().join("door-a"));
    app_config.export_dir = dir.path().join("exports");
    let app: Arc<App> = App::open(app_config, Arc::new(Quiet)).unwrap();
    app.connect_upstream(&hub.base_url, "demo", "demo-secret")
        .unwrap();
    let checkpoints = app.list_checkpoints(demo::EVENT_ID).unwrap();
    assert!(checkpoints.iter().any(|c| c.id == demo::HALL_IN));
    app.choose_checkpoint(demo::HALL_IN).unwrap();
    app.start_pull().unwrap();

    // Door B: a second device as `entrada sync` runs it, at the hall's entry and exit.
    let b_db = dir.path().join("door-b.db");
    let engine = SyncEngine::open(
        &b_db,
        SettingsUpdate {
            upstream: Some(hub.base_url.clone()),
            client_id: Some("demo".into()),
            client_secret: Some("demo-secret".into()),
            event_id: Some(demo::EVENT_ID.into()),
        },
        SyncOptions::default(),
    )
    .unwrap();
    rt.block_on(engine.sync_once()).unwrap();
    let mut door_b = Store::open(&b_db).unwrap();

    let badge = |i: usize| {
        snapshot.attendance[i]
            .attendee
            .effective_qr_data()
            .to_owned()
    };
    let mut accepted_a = 0;
    for i in 10..40 {
        if app
            .scan_payload(&badge(i), ScanSource::Keyboard)
            .unwrap()
            .accepted
        {
            accepted_a += 1;
        }
    }
    let mut accepted_b = 0;
    for i in 40..70 {
        let out = door_b
            .scan(&ScanRequest {
                checkpoint: &CheckpointId::from(demo::HALL_IN),
                subject: Subject::Payload(badge(i).as_bytes()),
                at: None,
                device_name: Some("door B"),
            })
            .unwrap();
        accepted_b += usize::from(out.accepted);
    }
    // Door B also lets some of door A's people out of the hall.
    for i in 10..20 {
        door_b
            .scan(&ScanRequest {
                checkpoint: &CheckpointId::from(demo::HALL_OUT),
                subject: Subject::Payload(badge(i).as_bytes()),
                at: None,
                device_name: Some("door B"),
            })
            .unwrap();
    }
    assert!(
        accepted_a > 10 && accepted_b > 10,
        "{accepted_a} / {accepted_b}"
    );

    // One sync interval: a cycle on each device (B pushes, A pushes and pulls B's readings).
    rt.block_on(engine.sync_once()).unwrap();
    // A background cycle already under way may have started before B pushed; the second
    // completed cycle surely started after.
    complete_a_cycle(&app);
    complete_a_cycle(&app);

    let hub_now = hub_rooms(&hub_db);
    let dashboard = app.dashboard(15, 50).unwrap();
    let shown: BTreeMap<String, u32> = dashboard
        .rooms
        .iter()
        .map(|r| (r.id.clone(), r.inside))
        .collect();
    assert_eq!(shown, hub_now);
    assert!(hub_now[demo::HALL] > 0);
    // The hall holds A's entries and B's entries less the people B let out.
    let recent_doors: std::collections::BTreeSet<_> = dashboard
        .recent
        .iter()
        .map(|r| r.device_name.clone())
        .collect();
    assert!(recent_doors.len() >= 2, "{recent_doors:?}");

    rt.block_on(hub.shutdown()).unwrap();
}
