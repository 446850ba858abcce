//! A plain Access API upstream (the hub with its extensions switched off): the device
//! falls back to a full pull and one `POST /checkpoint/<id>/accesses` per reading, and
//! keeps the upstream's answer on each reading – 201 synced, 422 refused with status,
//! body and the verdict it maps to.

use std::time::Duration;

use entrada_demo::{self as demo, MAIN_ENTRANCE, SWAG_DESK};
use entrada_domain::{ReadingKind, SyncState, Verdict};
use entrada_sync::UpstreamKind;
use entrada_testkit::{Device, http, hub_readings, qr_of, start_hub, token, welcome_at_main};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_access_api_pull_and_per_reading_push() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub_db = dir.path().join("hub.db");
    let snapshot = demo::snapshot(80);
    let hub = start_hub(&hub_db, Some(snapshot.clone()), None, true).await;
    let url = hub.base_url.clone();
    let a = Device::new(dir.path(), "door-a", &url, Duration::from_secs(5));
    let b = Device::new(dir.path(), "door-b", &url, Duration::from_secs(5));

    for d in [&a, &b] {
        let s = d.engine.sync_once().await.expect("full pull");
        assert_eq!(s.upstream, Some(UpstreamKind::Plain));
        assert!(s.pulled >= 80, "{s:?}");
        let store = d.store();
        assert_eq!(store.checkpoints(None).expect("checkpoints").len(), 8);
    }

    let ok = welcome_at_main(&snapshot);
    let (x, y, gone) = (ok[0], ok[1], ok[2]);
    // Both doors accept X at the swag desk; the upstream takes the first and refuses the
    // second with its 422.
    let a_swag = a.scan(SWAG_DESK, &qr_of(&snapshot, x), "2026-11-22T10:00:00+00:00");
    let b_swag = b.scan(SWAG_DESK, &qr_of(&snapshot, x), "2026-11-22T10:01:00+00:00");
    assert!(a_swag.accepted && b_swag.accepted);
    let a_main = a.scan(
        MAIN_ENTRANCE,
        &qr_of(&snapshot, y),
        "2026-11-22T10:02:00+00:00",
    );
    let undo = a.store().undo(&a_main.reading_id, None).expect("undo");
    let refused = b.scan(
        MAIN_ENTRANCE,
        &qr_of(&snapshot, 3),
        "2026-11-22T10:03:00+00:00",
    );
    assert!(!refused.accepted, "the banned attendee");

    let sa = a.engine.sync_once().await.expect("A pushes");
    assert_eq!(sa.pushed, 3);
    let sb = b.engine.sync_once().await.expect("B pushes");
    assert_eq!(sb.pushed, 2);
    assert_eq!((sa.backlog, sb.backlog), (0, 0));

    let r = a
        .store()
        .reading(&a_swag.reading_id)
        .expect("read")
        .expect("kept");
    assert_eq!(
        (r.sync_state, r.upstream_status),
        (SyncState::Synced, Some(201))
    );
    let r = b
        .store()
        .reading(&b_swag.reading_id)
        .expect("read")
        .expect("kept");
    assert_eq!(r.sync_state, SyncState::Refused);
    assert_eq!(r.upstream_status, Some(422));
    assert!(
        r.upstream_body
            .as_deref()
            .unwrap_or("")
            .contains("maximum readings"),
        "the body is kept: {:?}",
        r.upstream_body
    );
    assert_eq!(
        r.upstream_verdict.as_deref(),
        Some(Verdict::MaxReadingsReached.code())
    );
    assert_eq!(sb.refused, 1, "shown to the organizer");
    // The undo cannot be expressed on a plain API: kept and flagged, not dropped.
    let r = a.store().reading(&undo).expect("read").expect("kept");
    assert_eq!(
        (r.kind, r.sync_state),
        (ReadingKind::Undo, SyncState::Refused)
    );
    // The refused scan is a local audit record only.
    let r = b
        .store()
        .reading(&refused.reading_id)
        .expect("read")
        .expect("kept");
    assert_eq!((r.sync_state, r.upstream_status), (SyncState::Synced, None));

    // An attendee leaves the event upstream: the next full pull drops the attendance,
    // and the door refuses the badge.
    let t = token(hub.addr).await;
    let gone_id = snapshot.attendance[gone].attendee.id.to_string();
    let path = format!("/event/{}/attendance/{gone_id}/leave", demo::EVENT_ID);
    let (status, body) = http(hub.addr, "PUT", &path, Some(&t), None).await;
    assert_eq!(status, 204, "{body}");
    a.engine.sync_once().await.expect("pull again");
    let left = a.scan(
        MAIN_ENTRANCE,
        &qr_of(&snapshot, gone),
        "2026-11-22T10:05:00+00:00",
    );
    assert_eq!(left.verdict, Verdict::NotAttending);

    hub.shutdown().await.expect("hub shutdown");
    // The upstream holds one access per accepted reading sent: A's two, none of B's.
    let accepted_on_hub: Vec<_> = hub_readings(&hub_db)
        .into_iter()
        .filter(|r| r.accepted && r.kind != ReadingKind::Undo)
        .collect();
    assert_eq!(accepted_on_hub.len(), 2, "{accepted_on_hub:?}");
}
