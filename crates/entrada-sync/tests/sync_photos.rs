//! Attendee photos against a real hub on 127.0.0.1: uploaded through the hub's API,
//! pulled with the attendees, cached beside the replica as thumbnails; broken photo URLs
//! (404, 500, garbage, too large, not an image, too slow) fail alone and are retried
//! without failing the sync; a changed photo is fetched again, a removed one is dropped;
//! a SIGKILL of `entrada sync` in the middle of the photo pass is the CLI's test
//! (`entrada-cli/tests/sync_photos_sigkill.rs`).

use std::io::Cursor;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use entrada_demo as demo;
use entrada_domain::AttendeeId;
use entrada_store::Store;
use entrada_store::photos::{photo_dir, small_file_name};
use entrada_store::{PhotoSize, PhotoState};
use entrada_sync::{PhotoOptions, SyncEngine};
use entrada_testkit::{decode_jpeg, options, settings, start_event_hub, token};
use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

/// A solid-colour picture with a lighter square in the middle (so resizing is visible
/// but the centre colour is known), encoded as `format`.
fn picture(w: u32, h: u32, colour: [u8; 3], format: ImageFormat) -> Vec<u8> {
    let mut img = RgbImage::from_pixel(w, h, Rgb(colour));
    for y in h / 3..2 * h / 3 {
        for x in w / 3..2 * w / 3 {
            img.put_pixel(x, y, Rgb(colour.map(|c| c / 2 + 120)));
        }
    }
    let mut out = Vec::new();
    DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut out), format)
        .expect("encode test picture");
    out
}

/// `PATCH /attendee/<id>` with a multipart photo, as an organizer's tool uploads one.
async fn upload_photo(
    hub: SocketAddr,
    token: &str,
    attendee: &AttendeeId,
    bytes: &[u8],
    mime: &str,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let boundary = "entrada-test-boundary-7f3a";
    let mut body = format!(
        "--{boundary}\r\ncontent-disposition: form-data; name=\"photo\"; filename=\"face\"\r\n\
         content-type: {mime}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let head = format!(
        "PATCH /attendee/{attendee} HTTP/1.1\r\nhost: {hub}\r\nconnection: close\r\n\
         authorization: Bearer {token}\r\n\
         content-type: multipart/form-data; boundary={boundary}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(hub)
        .await
        .expect("connect hub");
    stream.write_all(head.as_bytes()).await.expect("send head");
    stream.write_all(&body).await.expect("send body");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("answer");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 204"),
        "upload refused: {answer}"
    );
}

/// Test options: quick retries, a short timeout.
fn photo_options() -> entrada_sync::SyncOptions {
    let mut o = options(Duration::from_secs(10));
    o.photos = PhotoOptions {
        timeout: Duration::from_millis(1500),
        retry_base: Duration::from_millis(300),
        retry_max: Duration::from_millis(600),
        ..PhotoOptions::default()
    };
    o
}

fn engine(db: &Path, upstream: &str) -> SyncEngine {
    SyncEngine::with_options(db, Some(settings(upstream)), photo_options()).expect("engine")
}

/// Retries after 5 s (±20 %): well over a pass with a timed-out photo (1.5 s), so the
/// background pass after a sync and an explicit one never both try the same photo, even
/// on a loaded machine.
fn slow_retry_engine(db: &Path, upstream: &str) -> SyncEngine {
    let mut o = photo_options();
    o.photos.retry_base = Duration::from_secs(5);
    o.photos.retry_max = Duration::from_secs(5);
    SyncEngine::with_options(db, Some(settings(upstream)), o).expect("engine")
}

fn centre(img: &DynamicImage) -> [u8; 3] {
    img.to_rgb8().get_pixel(img.width() / 2, img.height() / 2).0
}

fn close(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 12)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_photos_reach_the_cache_changed_ones_refresh_removed_ones_go() {
    let dir = tempfile::tempdir().expect("tempdir");
    let snapshot = demo::snapshot(30);
    let hub = start_event_hub(dir.path(), &snapshot).await;
    let bearer = token(hub.addr).await;
    let ids: Vec<AttendeeId> = (0..3)
        .map(|i| snapshot.attendance[i].attendee.id.clone())
        .collect();
    let red = picture(1200, 900, [200, 30, 30], ImageFormat::Png);
    let green = picture(300, 400, [30, 160, 60], ImageFormat::Jpeg);
    let gif = picture(64, 64, [40, 40, 200], ImageFormat::Gif);
    upload_photo(hub.addr, &bearer, &ids[0], &red, "image/png").await;
    upload_photo(hub.addr, &bearer, &ids[1], &green, "image/jpeg").await;
    upload_photo(hub.addr, &bearer, &ids[2], &gif, "image/gif").await;

    let db = dir.path().join("door.db");
    let door = engine(&db, &hub.base_url);
    door.sync_once().await.expect("sync");
    let report = door.fetch_photos().await.expect("photos");
    assert_eq!(report.queued, 3, "{report:?}");
    assert_eq!(
        (report.fetched, report.failed, report.cached),
        (3, 0, 3),
        "{report:?}"
    );

    let folder = photo_dir(&db);
    let store = Store::open(&db).expect("replica");
    let expected = [
        (&red, "image/png", 1200, 900),
        (&green, "image/jpeg", 300, 400),
        (&gif, "image/gif", 64, 64),
    ];
    for (id, (bytes, mime, w, h)) in ids.iter().zip(expected) {
        let rec = store.photo_record(id).expect("record").expect("a row");
        assert_eq!(rec.state, PhotoState::Fetched, "{rec:?}");
        assert_eq!(rec.content_type.as_deref(), Some(mime));
        assert_eq!(rec.size, Some(bytes.len() as u64));
        assert_eq!((rec.width, rec.height), (Some(w), Some(h)));
        assert_eq!(rec.attempts, 1);
        assert!(rec.url.starts_with(&hub.base_url), "{}", rec.url);
        let file = rec.file.expect("file name");
        let thumb = decode_jpeg(&folder.join(&file));
        assert!(
            thumb.width().max(thumb.height()) <= 256,
            "{}x{}",
            thumb.width(),
            thumb.height()
        );
        assert_eq!(thumb.width().max(thumb.height()), w.max(h).min(256));
        let small = decode_jpeg(&folder.join(small_file_name(&file)));
        assert!(small.width().max(small.height()) <= 64);
        let cached = store
            .cached_photo(id, PhotoSize::Door)
            .expect("read")
            .expect("cached");
        assert!(cached.data_url().starts_with("data:image/jpeg;base64,/9j/"));
    }
    let red_file = folder.join(store.photo_record(&ids[0]).unwrap().unwrap().file.unwrap());
    assert!(
        close(centre(&decode_jpeg(&red_file)), [220, 135, 135]),
        "{:?}",
        centre(&decode_jpeg(&red_file))
    );

    // Nothing new: a second pass downloads nothing.
    door.sync_once().await.expect("sync");
    let again = door.fetch_photos().await.expect("photos");
    assert_eq!(
        (again.fetched, again.failed, again.cached),
        (0, 0, 3),
        "{again:?}"
    );

    // A new photo for attendee 0 (a new URL on the hub) replaces the cached one.
    let blue = picture(500, 500, [20, 60, 210], ImageFormat::Png);
    upload_photo(hub.addr, &bearer, &ids[0], &blue, "image/png").await;
    door.sync_once().await.expect("sync");
    let changed = door.fetch_photos().await.expect("photos");
    assert_eq!((changed.queued, changed.fetched), (1, 1), "{changed:?}");
    let rec = store.photo_record(&ids[0]).unwrap().unwrap();
    assert_eq!((rec.width, rec.height), (Some(500), Some(500)));
    assert!(
        close(centre(&decode_jpeg(&red_file)), [130, 150, 225]),
        "{:?}",
        centre(&decode_jpeg(&red_file))
    );

    // Attendee 1 deleted on the hub: the row and both files go.
    let (status, _) = entrada_testkit::http(
        hub.addr,
        "DELETE",
        &format!("/attendee/{}", ids[1]),
        Some(&bearer),
        None,
    )
    .await;
    assert_eq!(status, 204);
    let gone = folder.join(store.photo_record(&ids[1]).unwrap().unwrap().file.unwrap());
    door.sync_once().await.expect("sync");
    let removed = door.fetch_photos().await.expect("photos");
    assert_eq!((removed.removed, removed.cached), (1, 2), "{removed:?}");
    assert!(store.photo_record(&ids[1]).unwrap().is_none());
    assert!(!gone.exists());
    assert!(
        !folder
            .join(small_file_name(gone.file_name().unwrap().to_str().unwrap()))
            .exists()
    );
    assert!(
        store
            .cached_photo(&ids[1], PhotoSize::Door)
            .unwrap()
            .is_none()
    );

    // With the hub gone the cache still answers (the door is offline, the faces stay).
    hub.shutdown().await.expect("hub shutdown");
    assert!(door.sync_once().await.is_err());
    assert!(
        store
            .cached_photo(&ids[0], PhotoSize::Door)
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .cached_photo(&ids[2], PhotoSize::List)
            .unwrap()
            .is_some()
    );
}

/// A photo host that misbehaves in every way a door meets in the field. `/flaky` answers
/// 500 until `heal` is set, then a good PNG.
struct BadHost {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
    heal: Arc<AtomicBool>,
}

async fn bad_host() -> BadHost {
    let hits = Arc::new(AtomicUsize::new(0));
    let heal = Arc::new(AtomicBool::new(false));
    let good = picture(120, 160, [250, 200, 20], ImageFormat::Png);
    let (h, heal2) = (hits.clone(), heal.clone());
    let app = Router::new()
        .route(
            "/missing.jpg",
            get(|| async { axum::http::StatusCode::NOT_FOUND }),
        )
        .route(
            "/flaky.png",
            get(move || {
                h.fetch_add(1, Ordering::SeqCst);
                let (heal, good) = (heal2.clone(), good.clone());
                async move {
                    if heal.load(Ordering::SeqCst) {
                        ([(header::CONTENT_TYPE, "image/png")], good).into_response()
                    } else {
                        axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
                    }
                }
            }),
        )
        .route(
            "/garbage.jpg",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "image/jpeg")],
                    vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3, 4, 5],
                )
            }),
        )
        .route(
            "/huge.png",
            get(|| async {
                let mut body = picture(8, 8, [1, 2, 3], ImageFormat::Png);
                body.resize(5 * 1024 * 1024, 0);
                ([(header::CONTENT_TYPE, "image/png")], body)
            }),
        )
        .route(
            "/page.html",
            get(|| async {
                (
                    [(header::CONTENT_TYPE, "text/html")],
                    "<html><body>login</body></html>",
                )
            }),
        )
        .route(
            "/slow.png",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                (
                    [(header::CONTENT_TYPE, "image/png")],
                    picture(8, 8, [1, 2, 3], ImageFormat::Png),
                )
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    BadHost { addr, hits, heal }
}

/// A server that streams an endless-looking PNG with chunked encoding (no content
/// length): the size limit must hold while reading, not only from the header.
async fn chunked_host() -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = conn.read(&mut buf).await;
                let head = "HTTP/1.1 200 OK\r\ncontent-type: image/png\r\n\
                            transfer-encoding: chunked\r\nconnection: close\r\n\r\n";
                if conn.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let mut chunk = picture(8, 8, [1, 2, 3], ImageFormat::Png);
                chunk.resize(64 * 1024, 0);
                for _ in 0..100 {
                    let mut framed = format!("{:x}\r\n", chunk.len()).into_bytes();
                    framed.extend_from_slice(&chunk);
                    framed.extend_from_slice(b"\r\n");
                    // The door hangs up once over its limit; that ends the stream.
                    if conn.write_all(&framed).await.is_err() {
                        return;
                    }
                }
                let _ = conn.write_all(b"0\r\n\r\n").await;
            });
        }
    });
    addr
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_photo_urls_fail_alone_and_are_retried_without_failing_sync() {
    let dir = tempfile::tempdir().expect("tempdir");
    let host = bad_host().await;
    let mut snapshot = demo::snapshot(20);
    let paths = [
        "missing.jpg",
        "flaky.png",
        "garbage.jpg",
        "huge.png",
        "huge-chunked.png",
        "page.html",
        "slow.png",
    ];
    let chunked = chunked_host().await;
    for (i, path) in paths.iter().enumerate() {
        let origin = if *path == "huge-chunked.png" {
            chunked
        } else {
            host.addr
        };
        snapshot.attendance[i].attendee.photo = Some(format!("http://{origin}/{path}"));
    }
    let hub = start_event_hub(dir.path(), &snapshot).await;
    let db = dir.path().join("door.db");
    let door = slow_retry_engine(&db, &hub.base_url);
    let summary = door
        .sync_once()
        .await
        .expect("a sync with broken photos still succeeds");
    assert!(summary.pulled > 0);
    let report = door.fetch_photos().await.expect("photos");
    assert_eq!(
        (report.fetched, report.failed, report.cached),
        (0, 7, 0),
        "{report:?}"
    );

    let store = Store::open(&db).expect("replica");
    let why = |i: usize| {
        let rec = store
            .photo_record(&snapshot.attendance[i].attendee.id)
            .expect("record")
            .expect("row");
        assert_eq!(rec.state, PhotoState::Failed, "{rec:?}");
        assert!(rec.file.is_none(), "{rec:?}");
        assert!(rec.next_retry_ms.is_some(), "{rec:?}");
        (rec.attempts, rec.last_error.unwrap_or_default())
    };
    let expect = [
        "HTTP 404",
        "HTTP 500",
        "cannot decode",
        "too large",
        "too large",
        "not an image",
        "timed out",
    ];
    for (i, needle) in expect.iter().enumerate() {
        let (attempts, error) = why(i);
        assert_eq!(attempts, 1, "{}: {error}", paths[i]);
        assert!(
            error.contains(needle),
            "{}: {error:?} lacks {needle:?}",
            paths[i]
        );
    }
    // Nothing partial was left behind for any of them.
    let leftovers: Vec<_> = std::fs::read_dir(photo_dir(&db))
        .expect("photo folder")
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Not due yet: an immediate pass retries nothing.
    let early = door.fetch_photos().await.expect("photos");
    assert_eq!((early.fetched, early.failed), (0, 0), "{early:?}");
    assert_eq!(host.hits.load(Ordering::SeqCst), 1);

    // After the backoff every one is tried again; the healed host's photo now arrives.
    host.heal.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(6100)).await;
    door.sync_once().await.expect("sync");
    let retried = door.fetch_photos().await.expect("photos");
    assert_eq!(
        (retried.fetched, retried.failed, retried.cached),
        (1, 6, 1),
        "{retried:?}"
    );
    assert_eq!(host.hits.load(Ordering::SeqCst), 2);
    for i in [0, 2, 3, 4, 5, 6] {
        assert_eq!(why(i).0, 2, "{} retried once", paths[i]);
    }
    let healed = store
        .cached_photo(&snapshot.attendance[1].attendee.id, PhotoSize::Door)
        .expect("read")
        .expect("the healed photo");
    let img = image::load_from_memory(&healed.bytes).expect("jpeg");
    assert_eq!((img.width(), img.height()), (120, 160));
}
