//! `entrada decode`, `entrada cameras` and the image/camera modes of `entrada scan`.

use std::path::{Path, PathBuf};
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

fn demo(dir: &Path, name: &str, badges: Option<&Path>) -> String {
    let db = dir.join(name).to_str().expect("utf-8 path").to_string();
    let mut args = vec!["demo", "--db", &db, "--attendees", "12"];
    let badges_arg;
    if let Some(b) = badges {
        badges_arg = b.to_str().expect("utf-8 path").to_string();
        args.extend(["--badges", &badges_arg]);
    }
    let out = entrada(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

fn badge_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("badges dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    files
}

#[test]
fn decode_prints_one_json_line_per_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let badges = dir.path().join("badges");
    demo(dir.path(), "r.db", Some(&badges));
    let files = badge_files(&badges);
    let blank = dir.path().join("blank.png");
    image::GrayImage::from_pixel(200, 120, image::Luma([255]))
        .save(&blank)
        .expect("write blank");

    let a = files[0].to_str().expect("path");
    let b = files[1].to_str().expect("path");
    let out = entrada(&["decode", a, b, blank.to_str().expect("path")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = lines(&out);
    assert_eq!(rows.len(), 3);
    for (row, file) in rows.iter().zip([a, b]) {
        assert_eq!(row["file"], file);
        let texts = row["texts"].as_array().expect("texts array");
        assert_eq!(texts.len(), 1, "{row}");
        assert!(!texts[0].as_str().unwrap_or("").is_empty());
        assert!(row["ms"].as_f64().is_some_and(|ms| ms >= 0.0));
    }
    assert_ne!(
        rows[0]["texts"], rows[1]["texts"],
        "two badges, two payloads"
    );
    assert_eq!(
        rows[2]["texts"],
        serde_json::json!([]),
        "a blank image has no code"
    );

    // A missing file is reported on its line and fails the command.
    let out = entrada(&["decode", a, "/nonexistent/badge.png"]);
    assert!(!out.status.success());
    let rows = lines(&out);
    assert_eq!(rows.len(), 2);
    assert!(
        rows[1]["error"]
            .as_str()
            .is_some_and(|e| e.contains("cannot read image")),
        "{}",
        rows[1]
    );
}

#[test]
fn scan_image_judges_through_the_same_core_path_as_qr() {
    let dir = tempfile::tempdir().expect("tempdir");
    let badges = dir.path().join("badges");
    let db_image = demo(dir.path(), "image.db", Some(&badges));
    let db_qr = demo(dir.path(), "qr.db", None);
    let at = "2026-06-01T10:00:00+02:00";
    for file in badge_files(&badges).iter().take(4) {
        let file = file.to_str().expect("path");
        let decoded = lines(&entrada(&["decode", file]));
        let text = decoded[0]["texts"][0]
            .as_str()
            .expect("badge decodes")
            .to_string();

        let by_image = entrada(&[
            "scan",
            "--db",
            &db_image,
            "--checkpoint",
            "cp-hall-in",
            "--at",
            at,
            "--image",
            file,
        ]);
        assert!(
            by_image.status.success(),
            "{}",
            String::from_utf8_lossy(&by_image.stderr)
        );
        let by_qr = entrada(&[
            "scan",
            "--db",
            &db_qr,
            "--checkpoint",
            "cp-hall-in",
            "--at",
            at,
            "--qr",
            &text,
        ]);
        assert!(
            by_qr.status.success(),
            "{}",
            String::from_utf8_lossy(&by_qr.stderr)
        );
        let (i, q) = (&lines(&by_image)[0], &lines(&by_qr)[0]);
        for key in ["verdict", "accepted", "attendee_id", "message"] {
            assert_eq!(i[key], q[key], "{key} differs for {file}");
        }
    }
}

#[test]
fn scan_image_without_a_code_fails_clearly() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo(dir.path(), "r.db", None);
    let blank = dir.path().join("blank.png");
    image::GrayImage::from_pixel(64, 64, image::Luma([255]))
        .save(&blank)
        .expect("write blank");
    let out = entrada(&[
        "scan",
        "--db",
        &db,
        "--checkpoint",
        "cp-hall-in",
        "--image",
        blank.to_str().expect("path"),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no QR code found"));
}

#[test]
fn no_camera_fails_with_a_clear_message() {
    if entrada_scan::source::list_cameras().is_ok() {
        // This machine has a camera; the no-camera path cannot be shown here.
        return;
    }
    let out = entrada(&["cameras"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no camera found"), "{err}");
    assert!(out.stdout.is_empty());

    let dir = tempfile::tempdir().expect("tempdir");
    let db = demo(dir.path(), "r.db", None);
    for extra in [&["--camera"][..], &["--camera", "2"][..]] {
        let mut args = vec!["scan", "--db", &db, "--checkpoint", "cp-hall-in"];
        args.extend_from_slice(extra);
        let out = entrada(&args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("no camera found"), "{args:?}: {err}");
    }
}
