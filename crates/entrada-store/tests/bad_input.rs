//! Hostile badge payloads and malformed snapshots: clear answers, nothing lost, no panic.

mod common;

use common::*;
use entrada_domain::snapshot::Snapshot;
use entrada_domain::{CheckpointId, Verdict};
use entrada_store::{Error, Store};
use entrada_store::{ReadingFilter, ScanRequest, Subject};

fn scan_bytes(s: &mut Store, payload: &[u8]) -> Verdict {
    s.scan(&ScanRequest {
        checkpoint: &CheckpointId::from("open"),
        subject: Subject::Payload(payload),
        at: None,
        device_name: None,
    })
    .expect("hostile payloads are judged, not errors")
    .verdict
}

#[test]
fn hostile_payloads_are_unknown_badges_and_kept() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = open_with_fixture(&dir);
    let megabyte = vec![b'A'; 1 << 20];
    let payloads: Vec<&[u8]> = vec![
        b"",
        &[0x00, 0xff, 0xfe, 0x80],
        &megabyte,
        b"' OR '1'='1",
        b"a-ok'; DROP TABLE readings; --",
        "\u{202e}kO-a\u{202c}".as_bytes(),
        "🎟️👩‍💻 badge".as_bytes(),
        b"https://evil.example/attendee/../../qr",
        b"https://x/attendee/a-ok/qr",
        b"a-ok\n",
        b" a-ok",
    ];
    for p in &payloads {
        assert_eq!(
            scan_bytes(&mut s, p),
            Verdict::UnknownBadge,
            "payload {:?}",
            String::from_utf8_lossy(&p[..p.len().min(40)])
        );
    }
    // The database is intact and still judges real badges.
    assert_eq!(verdict(&mut s, "open", "a-ok"), Verdict::Accepted);
    let all = s.readings(&ReadingFilter::default()).expect("readings");
    assert_eq!(all.len(), payloads.len() + 1);
}

#[test]
fn unknown_checkpoint_is_an_error_not_a_verdict() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = open_with_fixture(&dir);
    let err = s
        .scan(&ScanRequest {
            checkpoint: &CheckpointId::from("nope"),
            subject: Subject::Payload(b"a-ok"),
            at: None,
            device_name: None,
        })
        .expect_err("no such checkpoint");
    assert!(matches!(err, Error::NoSuchCheckpoint(ref c) if c == "nope"));
    assert!(
        s.readings(&ReadingFilter::default())
            .expect("readings")
            .is_empty()
    );
}

fn snapshot_error(text: &str) -> (String, String) {
    match Snapshot::from_json(text) {
        Err(entrada_domain::Error::Snapshot { path, message }) => (path, message),
        other => panic!("expected a snapshot error for {text:?}, got {other:?}"),
    }
}

#[test]
fn malformed_snapshots_name_the_json_path() {
    let good = snapshot_json("2099-01-01T00:00:00+00:00");
    let cases: Vec<(String, &str)> = vec![
        ("".into(), "$"),
        ("[]".into(), "$"),
        ("{\"event\": 3}".into(), "$.event"),
        (
            good.replace("\"capacity\":2", "\"capacity\":-2"),
            "$.rooms[0].capacity",
        ),
        (
            good.replace("\"direction\":\"out\"", "\"direction\":\"sideways\""),
            "$.checkpoints[6].direction",
        ),
        (
            good.replace(
                "\"validity_date\":\"2099-01-01T00:00:00+00:00\"",
                "\"validity_date\":\"tomorrow\"",
            ),
            "$.event.validity_date",
        ),
        (
            good.replace("\"confirmed\":true", "\"confirmed\":\"yes\""),
            "$.attendance[0].confirmed",
        ),
        (
            good.replace("\"qr_data\":\"CUSTOM-QR-1\"", "\"qr_data\":\"a-ok\""),
            "$.attendance[8].attendee.qr_data",
        ),
        (
            good.replace("\"room_id\":\"tiny\",\"max", "\"room_id\":\"attic\",\"max"),
            "$.checkpoints[7].room_id",
        ),
        (
            good.replacen("\"attendance\"", "\"surprise\": 1, \"attendance\"", 1),
            "$",
        ),
        (good[..good.len() / 2].to_owned(), "$"),
    ];
    for (text, expected) in &cases {
        let (path, message) = snapshot_error(text);
        assert!(
            path == *expected
                || path.starts_with(&format!("{expected}."))
                || path.starts_with(&format!("{expected}[")),
            "expected path {expected}, got {path} ({message})"
        );
        assert!(!message.is_empty());
    }
}

#[test]
fn a_refused_snapshot_leaves_the_replica_untouched_and_reimport_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut s = open_with_fixture(&dir);
    assert_eq!(verdict(&mut s, "open", "a-ok"), Verdict::Accepted);
    let good = Snapshot::from_json(&snapshot_json("2099-01-01T00:00:00+00:00")).expect("parse");
    let again = s.import_snapshot(&good).expect("reimport");
    assert_eq!((again.inserted, again.updated, again.removed), (0, 0, 0));
    assert!(again.unchanged > 0);
    // A snapshot that fails validation half-way through is refused before any write.
    let mut bad = good.clone();
    bad.attendance[3].attendee.name = "Renamed".into();
    bad.attendance[5].attendee.qr_data = Some("a-ok".into());
    assert!(s.import_snapshot(&bad).is_err());
    let person = s
        .attendee(&"a-vip".into())
        .expect("lookup")
        .expect("exists");
    assert_eq!(person.name, "Person a-vip");
    assert_eq!(
        s.readings(&ReadingFilter::default())
            .expect("readings")
            .len(),
        1
    );
}
