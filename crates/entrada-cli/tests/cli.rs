//! The `entrada` binary's contract: JSON lines on stdout, clear errors and exit codes.

use std::process::{Command, Output};

fn entrada(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entrada"))
        .args(args)
        .output()
        .expect("run entrada")
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each stdout line is JSON"))
        .collect()
}

#[test]
fn demo_import_scan_occupancy_readings() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("r.db");
    let db = db.to_str().expect("utf-8 path");
    let snap = dir.path().join("snap.json");
    let snap = snap.to_str().expect("utf-8 path");
    let badges = dir.path().join("badges");
    let out = entrada(&[
        "demo",
        "--db",
        db,
        "--attendees",
        "40",
        "--snapshot",
        snap,
        "--badges",
        badges.to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let demo = &lines(&out)[0];
    assert_eq!(demo["attendees"], 40);
    assert!(demo["badges"].as_u64().unwrap_or(0) > 40);
    assert!(std::fs::read_dir(&badges).expect("badges dir").count() > 40);

    // Re-importing the same snapshot changes nothing.
    let out = entrada(&["import", "--db", db, snap]);
    assert!(out.status.success());
    let report = &lines(&out)[0];
    assert_eq!(
        (report["inserted"].as_u64(), report["updated"].as_u64()),
        (Some(0), Some(0))
    );

    let out = entrada(&[
        "scan",
        "--db",
        db,
        "--checkpoint",
        "cp-hall-in",
        "--qr",
        "ENT-000001",
        "--qr",
        "ENT-000001",
        "--at",
        "2026-06-01T10:00:00+02:00",
        "--device",
        "door-7",
    ]);
    assert!(out.status.success());
    let verdicts = lines(&out);
    assert_eq!(verdicts[0]["verdict"], "accepted");
    assert_eq!(verdicts[0]["accepted"], true);
    assert_eq!(verdicts[1]["verdict"], "already_in_room");
    assert_eq!(
        verdicts[1]["message"],
        "The attendee is already in the room associated to the checkpoint"
    );
    for key in [
        "verdict",
        "accepted",
        "reading_id",
        "attendee_id",
        "message",
    ] {
        assert!(verdicts[0].get(key).is_some(), "missing {key}");
    }

    let out = entrada(&["occupancy", "--db", db]);
    let rooms = lines(&out);
    let hall = rooms
        .iter()
        .find(|r| r["room_id"] == "room-main-hall")
        .expect("hall");
    assert_eq!(hall["inside"], 1);

    let out = entrada(&["readings", "--db", db, "--format", "csv"]);
    let csv = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(csv.starts_with("id,device_id,device_name"));
    assert_eq!(csv.lines().count(), 3);
    assert!(csv.contains("door-7"));
    let out = entrada(&["readings", "--db", db]);
    assert_eq!(lines(&out).len(), 2);
}

#[test]
fn errors_are_clear_and_non_zero() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("r.db");
    let db = db.to_str().expect("utf-8 path");
    assert!(
        entrada(&["demo", "--db", db, "--attendees", "10"])
            .status
            .success()
    );

    // An unknown checkpoint cannot be judged.
    let out = entrada(&["scan", "--db", db, "--checkpoint", "nope", "--qr", "x"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such checkpoint: nope"));

    // A refusal is a verdict, not an error.
    let out = entrada(&[
        "scan",
        "--db",
        db,
        "--checkpoint",
        "cp-press-room",
        "--qr",
        "x",
    ]);
    assert!(out.status.success());
    assert_eq!(lines(&out)[0]["verdict"], "checkpoint_inactive");

    // A malformed snapshot names the JSON path and leaves the replica alone.
    let bad = dir.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"event":{"id":"e","name":"E"},"rooms":[{"id":"r","name":"R","capacity":"lots"}]}"#,
    )
    .expect("write");
    let out = entrada(&["import", "--db", db, bad.to_str().expect("path")]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("$.rooms[0].capacity"), "{err}");
    let readings = entrada(&["readings", "--db", db]);
    assert_eq!(lines(&readings).len(), 1);

    // A file that is not a database is refused with its path.
    let junk = dir.path().join("junk.db");
    std::fs::write(
        &junk,
        b"this is not sqlite, it is a text file long enough to matter......",
    )
    .expect("write");
    let out = entrada(&["occupancy", "--db", junk.to_str().expect("path")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.db"));
}
