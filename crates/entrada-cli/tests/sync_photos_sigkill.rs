//! A SIGKILL of `entrada sync` in the middle of the photo pass leaves no partial file where
//! a reader looks, and a clean run afterwards caches every photo (the engine's own photo
//! suite is `entrada-sync/tests/sync_photos.rs`).

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::time::Duration;

use entrada_demo as demo;
use entrada_hub::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET};
use entrada_store::Store;
use entrada_store::photos::{TEMP_PREFIX, photo_dir, small_file_name};
use entrada_testkit::{Lcg, decode_jpeg, start_event_hub};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

/// `entrada sync --db DB`, this crate's binary, with the test key.
fn entrada_sync(db: &Path) -> std::process::Command {
    entrada_testkit::entrada_sync_at(env!("CARGO_BIN_EXE_entrada"), db)
}

/// Pixels of high-frequency noise: a photo that is big on the wire and slow to shrink.
fn noisy_png(side: u32, seed: u64) -> Vec<u8> {
    let mut rng = Lcg(seed);
    let img = RgbImage::from_fn(side, side, |_, _| {
        let v = rng.next();
        Rgb([v as u8, (v >> 8) as u8, (v >> 16) as u8])
    });
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .expect("encode noise");
    out
}

/// Every file a reader could pick up is a whole JPEG; only hidden temp files may be
/// partial. Returns how many photos the replica records as cached.
fn assert_no_partial_files(db: &Path) -> u64 {
    let folder = photo_dir(db);
    if let Ok(entries) = std::fs::read_dir(&folder) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().to_string();
            if name.starts_with(TEMP_PREFIX) {
                continue;
            }
            decode_jpeg(&entry.path());
        }
    }
    let store = Store::open(db).expect("replica");
    let mut cached = 0;
    for rec in store.photo_records().expect("records") {
        if let Some(file) = &rec.file {
            decode_jpeg(&folder.join(file));
            decode_jpeg(&folder.join(small_file_name(file)));
            cached += 1;
        }
    }
    cached
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_the_photo_pass_leaves_no_partial_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = demo::snapshot(80);
    let hub = start_event_hub(dir.path(), &snapshot).await;
    let photos = hub.photos();
    let total = 60u64;
    tokio::task::spawn_blocking(move || {
        for i in 0..total as u32 {
            photos
                .set(
                    demo::attendee_id(i).as_str(),
                    noisy_png(900, u64::from(i) + 1),
                )
                .expect("seed photo");
        }
    })
    .await
    .expect("seeding");
    let door = dir.path().join("door.db");
    // Created (migrated) before the runs start: the test polls it while they work.
    drop(Store::open(&door).expect("door replica"));
    let first = entrada_sync(&door)
        .args(["--upstream", &hub.base_url, "--client-id", DEMO_CLIENT_ID])
        .args([
            "--client-secret",
            DEMO_CLIENT_SECRET,
            "--event",
            demo::EVENT_ID,
        ])
        .spawn()
        .expect("spawn entrada sync");
    let mut children = vec![first];
    let mut killed_mid_pass = 0;
    let mut runs = 0;
    let cached_now = |db: &PathBuf| {
        Store::open(db)
            .ok()
            .and_then(|s| s.photo_counts().ok())
            .map_or(0, |c| c.fetched)
    };
    while killed_mid_pass < 6 {
        runs += 1;
        assert!(runs < 40, "could not kill a photo pass 6 times");
        let mut child = match children.pop() {
            Some(c) => c,
            None => entrada_sync(&door).spawn().expect("spawn entrada sync"),
        };
        let before = cached_now(&door);
        if before >= total {
            break;
        }
        // Kill as soon as this run has cached a photo or two: mid-pass, files in flight.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        let mut exited = false;
        while cached_now(&door) < before + 1 + (runs % 2) {
            if let Some(status) = child.try_wait().expect("poll") {
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    use std::io::Read;
                    let _ = e.read_to_string(&mut err);
                }
                eprintln!("a run ended by itself ({status:?}): {err}");
                exited = true;
                break;
            }
            assert!(std::time::Instant::now() < deadline, "no photo progress");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        if !exited {
            child.kill().expect("SIGKILL");
            let _ = child.wait();
            killed_mid_pass += 1;
        }
        let cached = assert_no_partial_files(&door);
        assert!(cached <= total);
    }
    assert!(
        killed_mid_pass >= 6,
        "killed {killed_mid_pass} runs mid-pass"
    );

    // A clean run finishes the job; the kills cost nothing but time.
    let out = entrada_sync(&door).output().expect("final sync");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON summary");
    assert_eq!(summary["photos"]["cached"], total, "{summary}");
    assert_eq!(summary["photos"]["waiting"], 0, "{summary}");
    assert_eq!(assert_no_partial_files(&door), total);
    hub.shutdown().await.expect("hub shutdown");
}
