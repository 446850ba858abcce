//! A pull applied page by page inside one open transaction (`Store::begin_changes`), as a
//! first pull streams it: the same replica as applying the whole run at once, nothing
//! visible before the commit, and everything rolled back when the pull is abandoned.

use entrada_demo as demo;
use entrada_domain::EventId;
use entrada_domain::snapshot::Snapshot;
use entrada_domain::wire::EntityChange;
use entrada_store::Store;
use rusqlite::Connection;

/// The change feed of a snapshot, in the order a hub's first pull serves it.
fn feed_of(snapshot: &Snapshot) -> Vec<EntityChange> {
    let mut changes = vec![EntityChange::Event(snapshot.event.clone())];
    changes.extend(snapshot.tags.iter().cloned().map(EntityChange::Tag));
    changes.extend(snapshot.rooms.iter().cloned().map(EntityChange::Room));
    changes.extend(
        snapshot
            .checkpoints
            .iter()
            .cloned()
            .map(EntityChange::Checkpoint),
    );
    changes.extend(
        snapshot
            .attendance
            .iter()
            .map(|a| EntityChange::Attendee(a.attendee.clone())),
    );
    changes.extend(
        snapshot
            .attendance
            .iter()
            .cloned()
            .map(EntityChange::Attendance),
    );
    changes
}

/// Every replicated row of a replica, in a stable order, for comparing two of them.
fn rows(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT id || ' ' || raw FROM events ORDER BY id",
        "SELECT id || ' ' || raw FROM tags ORDER BY id",
        "SELECT id || ' ' || event_id || ' ' || raw FROM rooms ORDER BY id",
        "SELECT id || ' ' || event_id || ' ' || active || ' ' || allowed_tags || ' ' || raw
         FROM checkpoints ORDER BY id",
        "SELECT id || ' ' || qr_data || ' ' || active || ' ' || tag_ids || ' ' || search
             || ' ' || raw FROM attendees ORDER BY id",
        "SELECT event_id || ' ' || attendee_id || ' ' || confirmed || ' ' || rejected
             || ' ' || raw FROM attendance ORDER BY event_id, attendee_id",
        "SELECT key || ' ' || value FROM meta WHERE key = 'cursor'",
    ] {
        let mut stmt = conn.prepare(sql).expect("prepare");
        let got = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .expect("query")
            .collect::<Result<Vec<_>, _>>()
            .expect("rows");
        out.extend(got);
    }
    out
}

fn cache_size(conn: &Connection) -> i64 {
    conn.pragma_query_value(None, "cache_size", |r| r.get(0))
        .expect("cache_size")
}

#[test]
fn pages_in_one_transaction_give_the_same_replica_as_one_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = demo::snapshot(120);
    let event = EventId::from(demo::EVENT_ID);
    let changes = feed_of(&snapshot);
    assert!(changes.len() > 200, "{}", changes.len());

    let mut whole = Store::open(dir.path().join("whole.db")).expect("open");
    let one_run = whole
        .apply_changes(&event, &changes, Some(("cursor", "7")), &mut |_| {})
        .expect("apply at once");

    let mut paged = Store::open(dir.path().join("paged.db")).expect("open");
    let before = cache_size(paged.connection());
    let mut progress = Vec::new();
    let mut applier = paged.begin_changes(&event).expect("begin");
    for page in changes.chunks(37) {
        applier
            .apply(page, &mut |done| progress.push(done))
            .expect("apply page");
    }
    assert_eq!(applier.applied(), changes.len());
    let report = applier.commit(Some(("cursor", "7"))).expect("commit");

    assert_eq!(report, one_run);
    assert_eq!(report.inserted as usize, changes.len());
    // Progress counts across pages, never backwards.
    assert!(progress.windows(2).all(|w| w[0] < w[1]), "{progress:?}");
    assert_eq!(rows(paged.connection()), rows(whole.connection()));
    assert_eq!(cache_size(paged.connection()), before);
    // The replica scans: the pulled attendance is there.
    assert!(
        paged
            .holds_no_attendance(&EventId::from("other"))
            .expect("q")
    );
    assert!(!paged.holds_no_attendance(&event).expect("q"));
}

#[test]
fn an_abandoned_paged_pull_leaves_the_replica_as_it_was() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = demo::snapshot(60);
    let event = EventId::from(demo::EVENT_ID);
    let changes = feed_of(&snapshot);
    let path = dir.path().join("door.db");
    let mut store = Store::open(&path).expect("open");
    store.set_meta("cursor", "3").expect("meta");
    let before = rows(store.connection());
    let cache = cache_size(store.connection());

    let mut applier = store.begin_changes(&event).expect("begin");
    applier
        .apply(&changes[..changes.len() / 2], &mut |_| {})
        .expect("half");
    // The download failed: the applier is dropped without a commit.
    drop(applier);

    assert_eq!(rows(store.connection()), before);
    assert!(store.holds_no_attendance(&event).expect("q"));
    assert_eq!(cache_size(store.connection()), cache);
    // Another connection (a crash's recovery sees the same) finds nothing either.
    drop(store);
    let reopened = Store::open(&path).expect("reopen");
    assert_eq!(rows(reopened.connection()), before);

    // The next pull applies everything, once.
    let mut store = reopened;
    let report = store
        .apply_changes(&event, &changes, Some(("cursor", "9")), &mut |_| {})
        .expect("apply");
    assert_eq!(report.inserted as usize, changes.len());
    assert_eq!(store.meta("cursor").expect("meta").as_deref(), Some("9"));
}
