//! Attendee photos as the door shows them: the scan result, recent scans and search hits
//! carry the cached thumbnail as a `data:` URL, from the built-in demo (portraits seeded on
//! its embedded hub) and from a real hub that then goes away (the faces stay).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use entrada_app::types::*;
use entrada_app::{App, AppConfig, AppEvent, Shell};
use entrada_demo as demo;
use entrada_store::Store;
use entrada_store::photos::photo_dir;

struct Quiet;

impl Shell for Quiet {
    fn emit(&self, _event: AppEvent) {}
    fn set_fullscreen(&self, _on: bool) {}
}

const ATTENDEES: u32 = 120;

fn open(dir: &Path) -> Arc<App> {
    let mut config = AppConfig::new(dir.join("data"));
    config.demo_attendees = ATTENDEES;
    config.export_dir = dir.join("exports");
    App::open(config, Arc::new(Quiet)).expect("open app")
}

/// The JPEG inside a `data:image/jpeg;base64,` URL, decoded.
fn jpeg_of(url: &str) -> image::DynamicImage {
    let b64 = url
        .strip_prefix("data:image/jpeg;base64,")
        .unwrap_or_else(|| panic!("not a JPEG data URL: {}", &url[..url.len().min(40)]));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).expect("a whole JPEG")
}

/// Waits (a hang guard, not a speed requirement) until search shows `name` with a photo.
fn wait_for_photo(app: &App, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let hits = app.search_attendees(name, 5).expect("search").hits;
        if hits.iter().any(|h| h.name == name && h.photo.is_some()) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "no photo for {name} ever arrived"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_demo_door_shows_a_seeded_portrait_and_initials_without_one() {
    let dir = tempfile::tempdir().expect("tempdir");
    let app = open(dir.path());
    app.open_demo().expect("demo");
    let snapshot = demo::snapshot(ATTENDEES);
    let speaker = &snapshot.attendance[0].attendee;
    wait_for_photo(&app, &speaker.name);

    let hit = app.search_attendees(&speaker.name, 5).expect("search").hits;
    let list = jpeg_of(hit[0].photo.as_deref().expect("hit photo"));
    assert!(
        list.width() <= 64 && list.height() <= 64,
        "{}x{}",
        list.width(),
        list.height()
    );

    let result = app
        .scan_payload(speaker.effective_qr_data(), ScanSource::Keyboard)
        .expect("scan");
    assert!(result.accepted, "{result:?}");
    let attendee = result.attendee.expect("attendee");
    let face = jpeg_of(attendee.photo.as_deref().expect("the banner's photo"));
    assert_eq!((face.width(), face.height()), (192, 192));
    // The portrait's background is a light colour, not the grey of a blank picture.
    let corner = face.to_rgb8().get_pixel(2, 2).0;
    assert!(corner.iter().any(|c| *c > 140), "{corner:?}");

    let recent = app.recent_scans(5).expect("recent");
    let small = jpeg_of(
        recent[0]
            .scan
            .attendee
            .as_ref()
            .and_then(|a| a.photo.as_deref())
            .expect("recent scan photo"),
    );
    assert!(small.width() <= 64);

    // Beyond the portraits: no photo, and the scan is judged all the same.
    let plain = &snapshot.attendance[demo::PORTRAITS + 5].attendee;
    let result = app
        .scan_payload(plain.effective_qr_data(), ScanSource::Keyboard)
        .expect("scan");
    assert_eq!(result.attendee.expect("attendee").photo, None);
}

#[test]
fn a_restarted_demo_keeps_its_faces_while_the_new_hub_port_is_fetched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = demo::snapshot(ATTENDEES);
    let speaker = &snapshot.attendance[0].attendee;
    let db = dir.path().join("data/replica.db");
    let first_url = {
        let app = open(dir.path());
        app.open_demo().expect("demo");
        wait_for_photo(&app, &speaker.name);
        Store::open(&db)
            .expect("replica")
            .photo_record(&speaker.id)
            .expect("record")
            .expect("row")
            .url
    };
    // A new start: a new embedded hub on a new port, the demo event imported again.
    let app = open(dir.path());
    app.open_demo().expect("demo again");
    let store = Store::open(&db).expect("replica");
    let kept = store
        .attendee(&speaker.id)
        .expect("read")
        .expect("attendee");
    assert!(
        kept.photo
            .as_deref()
            .is_some_and(|u| u.starts_with("http://")),
        "the re-import dropped the photo URL: {:?}",
        kept.photo
    );
    let result = app
        .scan_payload(speaker.effective_qr_data(), ScanSource::Keyboard)
        .expect("scan");
    assert!(
        result.attendee.and_then(|a| a.photo).is_some(),
        "face gone after restart"
    );
    // The new hub's URL arrives and is cached in turn.
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let rec = store
            .photo_record(&speaker.id)
            .expect("record")
            .expect("row");
        if rec.url != first_url && rec.state == entrada_store::PhotoState::Fetched {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the new hub's photo never arrived: {rec:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_cached_photo_survives_the_hub_going_away_and_a_lost_file_is_no_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let snapshot = demo::snapshot(40);
    let mut config = entrada_hub::HubConfig::new(dir.path().join("hub.db"));
    config.snapshot = Some(snapshot.clone());
    let hub = rt.block_on(entrada_hub::serve(config)).expect("hub");
    let photos = hub.photos();
    for i in [0u32, 2] {
        photos
            .set(
                demo::attendee_id(i).as_str(),
                demo::portrait(i as usize + 7),
            )
            .expect("seed photo");
    }

    let app = open(dir.path());
    app.connect_upstream(
        &hub.base_url,
        entrada_hub::DEMO_CLIENT_ID,
        entrada_hub::DEMO_CLIENT_SECRET,
    )
    .expect("connect");
    app.list_checkpoints(demo::EVENT_ID).expect("checkpoints");
    app.choose_checkpoint(demo::MAIN_ENTRANCE)
        .expect("checkpoint");
    let summary = app.start_pull().expect("first pull");
    // The first pull waits for the (two, quick) photos before it opens the door.
    assert_eq!(summary.photos, 2, "{summary:?}");

    rt.block_on(hub.shutdown()).expect("hub shutdown");
    let speaker = &snapshot.attendance[0].attendee;
    let result = app
        .scan_payload(speaker.effective_qr_data(), ScanSource::Keyboard)
        .expect("an offline scan");
    assert!(result.accepted, "{result:?}");
    let face = jpeg_of(
        result
            .attendee
            .and_then(|a| a.photo)
            .as_deref()
            .expect("the cached photo, offline"),
    );
    assert_eq!(face.width(), 192);

    // Someone empties the cache folder: the door shows initials, never an error.
    let db = dir.path().join("data/replica.db");
    let third = &snapshot.attendance[2].attendee;
    let file = Store::open(&db)
        .expect("replica")
        .photo_record(&third.id)
        .expect("record")
        .and_then(|r| r.file)
        .expect("cached file");
    std::fs::remove_file(photo_dir(&db).join(file)).expect("remove cached photo");
    let result = app
        .scan_payload(third.effective_qr_data(), ScanSource::Keyboard)
        .expect("scan without its photo file");
    assert_eq!(result.attendee.expect("attendee").photo, None);
}
