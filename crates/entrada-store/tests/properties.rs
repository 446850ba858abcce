//! Property tests: for random scan sequences over the fixture event, accepted entries never
//! push a room past its capacity and no attendee exceeds a checkpoint's max readings.

mod common;

use std::collections::HashMap;

use common::*;
use entrada_store::ReadingFilter;
use proptest::prelude::*;

const CHECKPOINTS: &[&str] = &[
    "open",
    "once",
    "hall-in",
    "hall-in-2",
    "hall-out",
    "tiny-in",
    "tiny-out",
    "vip",
];
const PEOPLE: &[&str] = &[
    "a-ok",
    "a-ok2",
    "a-ok3",
    "a-vip",
    "a-banned",
    "a-custom",
    "CUSTOM-QR-1",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn capacity_and_max_readings_hold(
        scans in proptest::collection::vec((0..CHECKPOINTS.len(), 0..PEOPLE.len()), 1..60),
        undo_every in 0usize..7,
    ) {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut s = open_with_fixture(&dir);
        let capacity: HashMap<&str, u32> = [("hall", 2), ("tiny", 1)].into_iter().collect();
        for (i, (cp, person)) in scans.iter().enumerate() {
            let out = scan(&mut s, CHECKPOINTS[*cp], PEOPLE[*person]);
            // Now and then a mistaken acceptance is undone.
            if undo_every > 0 && i % undo_every == 0 && out.accepted {
                s.undo(&out.reading_id, None).expect("undo accepted reading");
            }
            for room in s.occupancy().expect("occupancy") {
                let cap = capacity[room.room_id.as_str()];
                prop_assert!(room.inside <= cap, "room {} holds {} > {}", room.room_id, room.inside, cap);
                prop_assert_eq!(room.inside as usize, room.attendees.len());
            }
        }
        let readings = s.readings(&ReadingFilter::default()).expect("readings");
        let mut per: HashMap<(String, String), u32> = HashMap::new();
        for r in readings.iter().filter(|r| r.accepted && !r.voided) {
            if let Some(a) = &r.attendee_id {
                *per.entry((r.checkpoint_id.0.clone(), a.0.clone())).or_default() += 1;
            }
        }
        for ((cp, _), n) in per {
            if cp == "once" || cp == "tiny-in" {
                prop_assert!(n <= 1, "{} readings at {}", n, cp);
            }
        }
    }
}
