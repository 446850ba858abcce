//! Occupancy derived from readings: entries and exits across checkpoints of one room,
//! capacity respected, undo compensates without deleting.

mod common;

use common::*;
use entrada_domain::{ReadingKind, Verdict};
use entrada_store::ReadingFilter;

fn inside(store: &entrada_store::Store, room: &str) -> (u32, Vec<String>) {
    let rooms = store.occupancy().expect("occupancy");
    let r = rooms
        .iter()
        .find(|r| r.room_id.as_str() == room)
        .expect("room exists");
    (r.inside, r.attendees.iter().map(|a| a.0.clone()).collect())
}

#[test]
fn entries_and_exits_across_two_doors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = open_with_fixture(&dir);
    assert_eq!(verdict(&mut s, "hall-in", "a-ok"), Verdict::Accepted);
    assert_eq!(verdict(&mut s, "hall-in-2", "a-ok2"), Verdict::Accepted);
    assert_eq!(inside(&s, "hall"), (2, vec!["a-ok".into(), "a-ok2".into()]));
    // full at capacity 2, through either door
    assert_eq!(verdict(&mut s, "hall-in-2", "a-ok3"), Verdict::RoomFull);
    assert_eq!(verdict(&mut s, "hall-out", "a-ok"), Verdict::Accepted);
    assert_eq!(inside(&s, "hall"), (1, vec!["a-ok2".into()]));
    assert_eq!(verdict(&mut s, "hall-in-2", "a-ok3"), Verdict::Accepted);
    assert_eq!(inside(&s, "hall").0, 2);
    // Leaving twice does not make occupancy negative.
    assert_eq!(verdict(&mut s, "hall-out", "a-ok"), Verdict::Accepted);
    assert_eq!(inside(&s, "hall").0, 2);
    // Other rooms are untouched.
    assert_eq!(inside(&s, "tiny").0, 0);
}

#[test]
fn occupancy_survives_reopen_and_undo_compensates() {
    let dir = tempfile::tempdir().expect("tempdir");
    let entry = {
        let mut s = open_with_fixture(&dir);
        let out = scan(&mut s, "tiny-in", "a-ok");
        assert!(out.accepted);
        assert_eq!(verdict(&mut s, "tiny-in", "a-ok2"), Verdict::RoomFull);
        out.reading_id
    };
    let mut s = entrada_store::Store::open(dir.path().join("replica.db")).expect("reopen");
    assert_eq!(inside(&s, "tiny").0, 1);
    let undo = s.undo(&entry, None).expect("undo");
    assert_eq!(inside(&s, "tiny").0, 0);
    // max readings follows the undo too: the one reading no longer counts
    assert_eq!(verdict(&mut s, "tiny-in", "a-ok"), Verdict::Accepted);
    // nothing was deleted: the original, the refusal, the undo and the new entry are there
    let all = s.readings(&ReadingFilter::default()).expect("readings");
    assert_eq!(all.len(), 4);
    let original = all.iter().find(|r| r.id == entry).expect("original kept");
    assert!(original.voided && original.accepted);
    let undo_row = all.iter().find(|r| r.id == undo).expect("undo row");
    assert_eq!(undo_row.kind, ReadingKind::Undo);
    assert_eq!(undo_row.undoes.as_ref(), Some(&entry));
    // undoing twice, or undoing a refusal, is refused with a clear error
    assert!(s.undo(&entry, None).is_err());
    let refusal = all
        .iter()
        .find(|r| !r.accepted && r.kind != ReadingKind::Undo)
        .expect("refusal");
    assert!(s.undo(&refusal.id, None).is_err());
}
