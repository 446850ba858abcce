//! A small hand-made event for rule and store tests: every rule has an attendee and a
//! checkpoint that trips it, so each verdict can be provoked alone or together.
#![allow(dead_code)]

use entrada_domain::snapshot::Snapshot;
use entrada_domain::{CheckpointId, ScanOutcome, Verdict, time};
use entrada_store::Store;
use entrada_store::{ScanRequest, Subject};

pub const EVENT: &str = "ev-1";

pub fn snapshot_json(validity: &str) -> String {
    let tag = |id: &str| format!(r#"{{"id":"{id}","name":"{id}"}}"#);
    let attendee = |id: &str, extra: &str| {
        format!(r#"{{"id":"{id}","name":"Person {id}","email":"{id}@example.com"{extra}}}"#)
    };
    let attend = |id: &str, extra: &str, att: &str| {
        format!(
            r#"{{"attendee":{},"confirmed":true{att}}}"#,
            attendee(id, extra)
        )
    };
    format!(
        r#"{{
  "event": {{"id":"{EVENT}","name":"Test event","validity_date":"{validity}","timezone":"Europe/Madrid"}},
  "tags": [{vip},{banned},{staff}],
  "rooms": [{{"id":"hall","name":"Hall","capacity":2}},{{"id":"tiny","name":"Tiny","capacity":1}}],
  "checkpoints": [
    {{"id":"open","name":"Open door"}},
    {{"id":"closed","name":"Closed door","active":false}},
    {{"id":"vip","name":"VIP only","tags":[{vip}],"excluded_tags":[{banned}]}},
    {{"id":"once","name":"Once","max_readings":1}},
    {{"id":"hall-in","name":"Hall in","room_id":"hall"}},
    {{"id":"hall-in-2","name":"Hall side door","room_id":"hall"}},
    {{"id":"hall-out","name":"Hall out","room_id":"hall","direction":"out"}},
    {{"id":"tiny-in","name":"Tiny in","room_id":"tiny","max_readings":1}},
    {{"id":"tiny-out","name":"Tiny out","room_id":"tiny","direction":"out"}}
  ],
  "attendance": [
    {ok},
    {ok2},
    {ok3},
    {vip_person},
    {banned_vip},
    {inactive},
    {rejected},
    {inactive_rejected},
    {custom}
  ],
  "attendees": [{outsider}, {outsider_inactive}]
}}"#,
        vip = tag("vip"),
        banned = tag("banned"),
        staff = tag("staff"),
        ok = attend("a-ok", "", ""),
        ok2 = attend("a-ok2", "", ""),
        ok3 = attend("a-ok3", "", ""),
        vip_person = attend("a-vip", &format!(r#","tags":[{}]"#, tag("vip")), ""),
        banned_vip = attend(
            "a-banned",
            &format!(r#","tags":[{},{}]"#, tag("vip"), tag("banned")),
            ""
        ),
        inactive = attend("a-inactive", r#","active":false"#, ""),
        rejected = attend("a-rejected", "", r#","rejected":true"#),
        inactive_rejected = attend(
            "a-inactive-rejected",
            r#","active":false"#,
            r#","rejected":true"#
        ),
        custom = attend("a-custom", r#","qr_data":"CUSTOM-QR-1""#, ""),
        outsider = attendee("a-outsider", ""),
        outsider_inactive = attendee("a-outsider-inactive", r#","active":false"#),
    )
}

pub fn open_with_fixture(dir: &tempfile::TempDir) -> Store {
    open_with_validity(dir, "2099-01-01T00:00:00+00:00")
}

pub fn open_with_validity(dir: &tempfile::TempDir, validity: &str) -> Store {
    let mut store = Store::open(dir.path().join("replica.db")).expect("open replica");
    let snapshot = Snapshot::from_json(&snapshot_json(validity)).expect("fixture parses");
    store.import_snapshot(&snapshot).expect("import fixture");
    store
}

pub fn scan(store: &mut Store, checkpoint: &str, payload: &str) -> ScanOutcome {
    scan_at(store, checkpoint, payload, None)
}

pub fn scan_at(
    store: &mut Store,
    checkpoint: &str,
    payload: &str,
    at: Option<&str>,
) -> ScanOutcome {
    store
        .scan(&ScanRequest {
            checkpoint: &CheckpointId::from(checkpoint),
            subject: Subject::Payload(payload.as_bytes()),
            at: at.map(|a| time::parse(a).expect("test time")),
            device_name: None,
        })
        .expect("scan is judged")
}

pub fn verdict(store: &mut Store, checkpoint: &str, payload: &str) -> Verdict {
    scan(store, checkpoint, payload).verdict
}
