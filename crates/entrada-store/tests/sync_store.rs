//! The store side of sync, without a network: applying change-feed entries with their
//! cursor in one transaction, and the outbox's marking rules.

use entrada_demo as demo;
use entrada_domain::wire::{EntityChange, EntityKind};
use entrada_domain::{CheckpointId, EventId, Room, RoomId, SyncState, Verdict, time};
use entrada_store::Store;
use entrada_store::{PushOutcome, ReadingFilter, ScanRequest, Subject};

fn replica() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut store = Store::open(dir.path().join("door.db")).expect("open");
    store
        .import_snapshot(&demo::snapshot(30))
        .expect("import demo");
    (dir, store)
}

#[test]
fn change_feed_applies_upserts_deletes_and_cursor_together() {
    let (_dir, mut store) = replica();
    let event = EventId::from(demo::EVENT_ID);
    let snapshot = demo::snapshot(30);
    let mut attendee = snapshot.attendance[0].attendee.clone();
    attendee.active = false;
    let gone = snapshot.attendance[1].attendee.id.to_string();
    let changes = vec![
        EntityChange::Attendee(attendee.clone()),
        EntityChange::Room(Room {
            id: RoomId::from("room-new"),
            name: "New room".into(),
            capacity: Some(3),
        }),
        EntityChange::Delete {
            kind: EntityKind::Attendance,
            id: gone.clone(),
        },
        // Unchanged: the same state as imported.
        EntityChange::Tag(snapshot.tags[0].clone()),
    ];
    let mut seen = Vec::new();
    let report = store
        .apply_changes(&event, &changes, Some(("cursor", "42")), &mut |n| {
            seen.push(n)
        })
        .expect("apply");
    assert_eq!(
        (
            report.inserted,
            report.updated,
            report.deleted,
            report.unchanged
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(seen.last(), Some(&4));
    assert_eq!(store.meta("cursor").expect("meta").as_deref(), Some("42"));
    assert!(
        !store
            .attendee(&attendee.id)
            .expect("get")
            .expect("kept")
            .active
    );
    assert!(
        store
            .rooms_of_event(&event)
            .expect("rooms")
            .iter()
            .any(|r| r.id.as_str() == "room-new")
    );

    // The attendee who left is refused at the door; the deactivated one too.
    let cp = CheckpointId::from(demo::MAIN_ENTRANCE);
    let left = snapshot.attendance[1]
        .attendee
        .effective_qr_data()
        .to_owned();
    let out = store
        .scan(&ScanRequest {
            checkpoint: &cp,
            subject: Subject::Payload(left.as_bytes()),
            at: None,
            device_name: None,
        })
        .expect("scan");
    assert_eq!(out.verdict, Verdict::NotAttending);

    // Applying the same run again changes nothing.
    let again = store
        .apply_changes(&event, &changes, Some(("cursor", "42")), &mut |_| {})
        .expect("apply again");
    assert_eq!(again.changed(), 0);
}

#[test]
fn outbox_lists_pending_in_device_order_and_marks_only_pending() {
    let (_dir, mut store) = replica();
    let snapshot = demo::snapshot(30);
    let cp = CheckpointId::from(demo::MAIN_ENTRANCE);
    let mut ids = Vec::new();
    for i in [0usize, 2, 6] {
        let qr = snapshot.attendance[i]
            .attendee
            .effective_qr_data()
            .to_owned();
        let out = store
            .scan(&ScanRequest {
                checkpoint: &cp,
                subject: Subject::Payload(qr.as_bytes()),
                at: Some(time::parse("2026-11-22T10:00:00+00:00").expect("time")),
                device_name: None,
            })
            .expect("scan");
        ids.push(out.reading_id);
    }
    let pending = store.pending_readings(10).expect("pending");
    assert_eq!(
        pending.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
        ids,
        "device order"
    );
    assert_eq!(
        pending.iter().map(|p| p.device_seq).collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(store.outbox_counts().expect("counts").backlog, 3);

    let marked = store
        .mark_pushed(&[
            (ids[0].clone(), PushOutcome::Synced { status: Some(201) }),
            (
                ids[1].clone(),
                PushOutcome::Conflict {
                    verdict: Some("max_readings_reached".into()),
                },
            ),
            (
                ids[2].clone(),
                PushOutcome::Refused {
                    status: Some(422),
                    body: "{}".into(),
                    verdict: None,
                },
            ),
        ])
        .expect("mark");
    assert_eq!(marked, 3);
    let counts = store.outbox_counts().expect("counts");
    assert_eq!(
        (counts.backlog, counts.conflicts, counts.refused),
        (0, 1, 1)
    );
    // A late, repeated answer never overwrites what is recorded.
    let again = store
        .mark_pushed(&[(ids[1].clone(), PushOutcome::Synced { status: Some(200) })])
        .expect("mark again");
    assert_eq!(again, 0);
    let conflicts = store
        .readings(&ReadingFilter {
            sync_state: Some(SyncState::Conflict),
            ..ReadingFilter::default()
        })
        .expect("readings");
    assert_eq!(conflicts.len(), 1);
    assert_eq!(
        conflicts[0].upstream_verdict.as_deref(),
        Some("max_readings_reached")
    );
}
