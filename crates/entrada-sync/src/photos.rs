//! Attendee photos: downloaded after a pull, checked, shrunk to door-sized thumbnails
//! and cached beside the replica (`store/photos.rs`), so the door shows the face offline.
//!
//! Photos never hold up a sync: a pass runs after the cycle that pulled (in the
//! background unless a caller asks to wait), each download has its own timeout, a few
//! run at once, and a photo that fails – an error status, a timeout, a body too large, a
//! file that is not a decodable JPEG/PNG/GIF/WebP – is recorded as failed and tried again
//! later with exponential backoff. Photo URLs are fetched without the upstream's bearer
//! token: the Access API's photo URLs are public, and they may point at a storage host
//! that must not see the token.

use std::io::Cursor;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};
use serde::Serialize;
use tokio::task::JoinSet;

use crate::SyncError;
use crate::db::Db;
use crate::progress::{ProgressFn, PullPhase, PullProgress};
use entrada_store::photos::{
    self as cache, FetchedPhoto, PhotoJob, photo_file_name, small_file_name,
};

/// Tuning of the photo fetcher; the defaults suit a venue network and a laptop.
#[derive(Debug, Clone)]
pub struct PhotoOptions {
    /// Fetch photos at all (a kiosk without a screen for faces may turn it off).
    pub enabled: bool,
    /// Downloads at once.
    pub concurrency: usize,
    /// Whole request, headers to last byte.
    pub timeout: Duration,
    /// Largest photo accepted (the Access API's own upload limit is 4 MB).
    pub max_bytes: usize,
    /// Largest width or height decoded; beyond it the file is refused unread.
    pub max_side: u32,
    /// Longest side of the door thumbnail (the banner shows 8rem, ~128 px at 2x DPI).
    pub thumb_side: u32,
    /// Longest side of the list thumbnail (search results, recent scans).
    pub small_side: u32,
    /// First retry delay after a failure; doubles per attempt up to `retry_max`.
    pub retry_base: Duration,
    pub retry_max: Duration,
}

impl Default for PhotoOptions {
    fn default() -> Self {
        Self {
            enabled: true,
            concurrency: 4,
            timeout: Duration::from_secs(15),
            max_bytes: 4 * 1024 * 1024,
            max_side: 8192,
            thumb_side: 256,
            small_side: 64,
            retry_base: Duration::from_secs(30),
            retry_max: Duration::from_secs(6 * 3600),
        }
    }
}

/// What photo passes did, and where the cache stands after them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PhotoReport {
    /// New or changed photo URLs found in the replica.
    pub queued: u64,
    /// Photos of attendees gone or without a photo now, deleted.
    pub removed: u64,
    /// Downloaded and cached.
    pub fetched: u64,
    /// Downloads that failed (each retried later).
    pub failed: u64,
    /// Photos on disk now.
    pub cached: u64,
    /// Photos not cached yet (pending, or failed and waiting for their retry).
    pub waiting: u64,
}

impl PhotoReport {
    fn add(&mut self, other: &PhotoReport) {
        self.queued += other.queued;
        self.removed += other.removed;
        self.fetched += other.fetched;
        self.failed += other.failed;
        self.cached = other.cached;
        self.waiting = other.waiting;
    }
}

/// The photo side of one engine.
pub(crate) struct Photos {
    http: reqwest::Client,
    options: PhotoOptions,
    /// One pass at a time per replica.
    pass: tokio::sync::Mutex<()>,
    /// The attendees changed since the last pass: compare their photo URLs with the cache.
    reconcile: AtomicBool,
    /// A background pass is queued or running.
    pub(crate) scheduled: AtomicBool,
    /// Temp files of a process that died mid-write were swept (once per engine: they
    /// only appear after a crash, which a new engine follows).
    swept: AtomicBool,
    /// Reports of background passes nobody asked for yet.
    unclaimed: Mutex<PhotoReport>,
}

impl Photos {
    pub(crate) fn new(options: PhotoOptions) -> Result<Self, SyncError> {
        let http = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(5)))
            .user_agent(concat!("entrada/", env!("CARGO_PKG_VERSION"), " photos"))
            .build()
            .map_err(|e| SyncError::Config(format!("photo client: {e}")))?;
        Ok(Self {
            http,
            options,
            pass: tokio::sync::Mutex::new(()),
            // A fresh engine has never compared: the replica may hold anything.
            reconcile: AtomicBool::new(true),
            scheduled: AtomicBool::new(false),
            swept: AtomicBool::new(false),
            unclaimed: Mutex::new(PhotoReport::default()),
        })
    }

    pub(crate) fn enabled(&self) -> bool {
        self.options.enabled
    }

    /// The pull changed the replica: the next pass compares photo URLs again.
    pub(crate) fn attendees_changed(&self) {
        self.reconcile.store(true, Ordering::SeqCst);
    }

    /// Keeps a background pass's report for the next caller of [`Photos::claim`].
    fn keep(&self, report: &PhotoReport) {
        if let Ok(mut u) = self.unclaimed.lock() {
            u.add(report);
        }
    }

    /// This report plus every background report since the last claim.
    fn claim(&self, report: PhotoReport) -> PhotoReport {
        let mut total = self
            .unclaimed
            .lock()
            .map(|mut u| std::mem::take(&mut *u))
            .unwrap_or_default();
        total.add(&report);
        total
    }

    /// One pass: compare URLs (if the attendees changed), drop removed photos, download
    /// what is due. Failures of single photos are recorded, never returned; an error here
    /// is the replica's.
    ///
    /// A background pass (`claim` false) keeps its report for the next claiming caller;
    /// a claiming one returns its own plus those kept. Both happen under the pass lock, so
    /// a caller waiting behind a background pass never misses what that pass did.
    pub(crate) async fn pass(
        &self,
        db: &Db,
        progress: ProgressFn<'_>,
        claim: bool,
    ) -> Result<PhotoReport, SyncError> {
        let _one = self.pass.lock().await;
        let report = self.pass_locked(db, progress).await?;
        Ok(if claim {
            self.claim(report)
        } else {
            self.keep(&report);
            report
        })
    }

    async fn pass_locked(
        &self,
        db: &Db,
        progress: ProgressFn<'_>,
    ) -> Result<PhotoReport, SyncError> {
        let mut report = PhotoReport::default();
        let dir = db.run(|s| Ok(s.photo_dir())).await?.ok_or_else(|| {
            SyncError::Internal("an in-memory replica has no photo folder".into())
        })?;
        {
            let dir = dir.clone();
            let sweep = !self.swept.swap(true, Ordering::SeqCst);
            tokio::task::spawn_blocking(move || {
                std::fs::create_dir_all(&dir)?;
                if sweep {
                    // Another process may be writing right now; a minute is plenty.
                    cache::sweep_temp_files(&dir, Duration::from_secs(60));
                }
                Ok::<_, std::io::Error>(())
            })
            .await
            .map_err(|e| SyncError::Internal(format!("photo folder task: {e}")))?
            .map_err(|e| SyncError::Store(e.into()))?;
        }
        if self.reconcile.swap(false, Ordering::SeqCst) {
            let r = match db.run(|s| s.reconcile_photos()).await {
                Ok(r) => r,
                Err(e) => {
                    self.reconcile.store(true, Ordering::SeqCst);
                    return Err(e);
                }
            };
            report.queued = r.queued;
            report.removed = r.removed;
        }
        let now = now_ms();
        let jobs = db.run(move |s| s.due_photos(now, 1_000_000)).await?;
        let total = jobs.len() as u64;
        if total > 0 {
            tracing::info!(photos = total, "fetching attendee photos");
            progress(PullProgress {
                phase: PullPhase::Photos,
                done: 0,
                total: Some(total),
            });
        }
        let mut queue = jobs.into_iter();
        let mut running = JoinSet::new();
        let mut done = 0u64;
        loop {
            while running.len() < self.options.concurrency.max(1) {
                let Some(job) = queue.next() else { break };
                let http = self.http.clone();
                let options = self.options.clone();
                let dir = dir.clone();
                running.spawn(async move {
                    let outcome = fetch_one(&http, &options, &dir, &job).await;
                    (job, outcome)
                });
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            let (job, outcome) =
                joined.map_err(|e| SyncError::Internal(format!("photo task: {e}")))?;
            done += 1;
            match outcome {
                Ok((file, got)) => {
                    let job2 = job.clone();
                    let recorded = db.run(move |s| s.photo_fetched(&job2, &file, &got)).await?;
                    if recorded {
                        report.fetched += 1;
                    }
                }
                Err(why) => {
                    report.failed += 1;
                    let retry = now_ms() + self.retry_delay(job.attempts).as_millis() as i64;
                    tracing::info!(
                        attendee = %job.attendee_id, url = %job.url, attempt = job.attempts + 1,
                        error = %why, "photo not fetched; will retry"
                    );
                    let job2 = job.clone();
                    db.run(move |s| s.photo_failed(&job2, &why, retry)).await?;
                }
            }
            progress(PullProgress {
                phase: PullPhase::Photos,
                done,
                total: Some(total),
            });
        }
        let counts = db.run(|s| s.photo_counts()).await?;
        report.cached = counts.fetched;
        report.waiting = counts.pending + counts.failed;
        Ok(report)
    }

    /// `retry_base · 2^attempts`, capped, with ±20 % jitter so a venue's doors do not all
    /// come back to a recovering photo host at once.
    fn retry_delay(&self, attempts: u32) -> Duration {
        let base = self.options.retry_base.as_millis() as f64;
        let raw = base * 2f64.powi(attempts.min(30) as i32);
        let capped = raw.min(self.options.retry_max.as_millis() as f64);
        let jitter = 0.8 + rand::random::<f64>() * 0.4;
        Duration::from_millis((capped * jitter) as u64)
    }
}

fn now_ms() -> i64 {
    entrada_domain::time::now().timestamp_millis()
}

/// Downloads, checks and caches one photo. Returns the cached file name and what was
/// received, or why not (in words for the cache's `last_error`).
async fn fetch_one(
    http: &reqwest::Client,
    options: &PhotoOptions,
    dir: &std::path::Path,
    job: &PhotoJob,
) -> Result<(String, FetchedPhoto), String> {
    let (declared, body) = download(http, options, &job.url).await?;
    let options = options.clone();
    let dir = dir.to_owned();
    let file = photo_file_name(&job.attendee_id);
    tokio::task::spawn_blocking(move || {
        let checked = check(&declared, &body, &options)?;
        let (door, small) = thumbnails(&checked.image, &options)?;
        // The list size first: a door-sized file in place means both are.
        cache::write_atomically(&dir, &small_file_name(&file), &small)
            .and_then(|()| cache::write_atomically(&dir, &file, &door))
            .map_err(|e| format!("cannot write the cached photo: {e}"))?;
        Ok((
            file,
            FetchedPhoto {
                content_type: checked.content_type.to_owned(),
                size: body.len() as u64,
                width: checked.image.width(),
                height: checked.image.height(),
            },
        ))
    })
    .await
    .map_err(|e| format!("photo task failed: {e}"))?
}

/// The declared content type and the body, refusing error statuses and bodies over the
/// limit (before reading them when the length is announced).
async fn download(
    http: &reqwest::Client,
    options: &PhotoOptions,
    url: &str,
) -> Result<(Option<String>, Vec<u8>), String> {
    let mut response = http
        .get(url)
        .header(
            reqwest::header::ACCEPT,
            "image/jpeg, image/png, image/gif, image/webp",
        )
        .send()
        .await
        .map_err(|e| describe(&e))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("HTTP {}", status.as_u16()));
    }
    let declared = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    if let Some(len) = response.content_length()
        && len > options.max_bytes as u64
    {
        return Err(format!(
            "too large: {len} bytes (limit {})",
            options.max_bytes
        ));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| describe(&e))? {
        if body.len() + chunk.len() > options.max_bytes {
            return Err(format!("too large: over {} bytes", options.max_bytes));
        }
        body.extend_from_slice(&chunk);
    }
    Ok((declared, body))
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        format!("cannot connect: {e}")
    } else {
        e.to_string()
    }
}

struct Checked {
    content_type: &'static str,
    image: DynamicImage,
}

/// Content type, magic bytes and a full decode within limits: a photo that passes is a
/// real picture of sane size, whatever the server claimed.
fn check(
    declared: &Option<String>,
    body: &[u8],
    options: &PhotoOptions,
) -> Result<Checked, String> {
    if body.is_empty() {
        return Err("empty body".to_owned());
    }
    let (format, content_type) = match image::guess_format(body) {
        Ok(ImageFormat::Jpeg) => (ImageFormat::Jpeg, "image/jpeg"),
        Ok(ImageFormat::Png) => (ImageFormat::Png, "image/png"),
        Ok(ImageFormat::Gif) => (ImageFormat::Gif, "image/gif"),
        Ok(ImageFormat::WebP) => (ImageFormat::WebP, "image/webp"),
        _ => {
            return Err(match declared {
                Some(t) => format!("not an image (declared {t})"),
                None => "not an image".to_owned(),
            });
        }
    };
    if let Some(t) = declared.as_deref() {
        let agrees = t == content_type
            || (content_type == "image/jpeg" && (t == "image/jpg" || t == "image/pjpeg"))
            // What servers send when they do not know; the bytes decide then.
            || t == "application/octet-stream"
            || t == "binary/octet-stream";
        if !agrees {
            return Err(format!("declared {t} but the file is {content_type}"));
        }
    }
    let mut reader = ImageReader::with_format(Cursor::new(body), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(options.max_side);
    limits.max_image_height = Some(options.max_side);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = reader
        .decode()
        .map_err(|e| format!("cannot decode the {content_type}: {e}"))?;
    if image.width() == 0 || image.height() == 0 {
        return Err("the image has no pixels".to_owned());
    }
    Ok(Checked {
        content_type,
        image,
    })
}

/// The door-sized and list-sized JPEGs (never larger than the original).
fn thumbnails(image: &DynamicImage, options: &PhotoOptions) -> Result<(Vec<u8>, Vec<u8>), String> {
    let door = shrink(image, options.thumb_side);
    let small = shrink(&door, options.small_side);
    Ok((jpeg(&door, 82)?, jpeg(&small, 78)?))
}

fn shrink(image: &DynamicImage, side: u32) -> DynamicImage {
    if image.width() <= side && image.height() <= side {
        image.clone()
    } else {
        image.thumbnail(side, side)
    }
}

/// JPEG has no alpha: transparent pixels become white, as on a printed badge.
fn jpeg(image: &DynamicImage, quality: u8) -> Result<Vec<u8>, String> {
    let rgb = if image.color().has_alpha() {
        let rgba = image.to_rgba8();
        let mut rgb = image::RgbImage::new(rgba.width(), rgba.height());
        for (dst, src) in rgb.pixels_mut().zip(rgba.pixels()) {
            let a = src[3] as u32;
            for c in 0..3 {
                dst[c] = ((src[c] as u32 * a + 255 * (255 - a)) / 255) as u8;
            }
        }
        rgb
    } else {
        image.to_rgb8()
    };
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(&rgb)
        .map_err(|e| format!("cannot encode the thumbnail: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32, alpha: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let img = if alpha {
            DynamicImage::ImageRgba8(image::RgbaImage::from_pixel(
                w,
                h,
                image::Rgba([10, 200, 30, 0]),
            ))
        } else {
            DynamicImage::ImageRgb8(image::RgbImage::from_pixel(w, h, image::Rgb([10, 200, 30])))
        };
        img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .expect("encode png");
        out
    }

    #[test]
    fn a_large_png_becomes_two_jpeg_thumbnails() {
        let options = PhotoOptions::default();
        let body = png(1000, 600, false);
        let checked = check(&Some("image/png".into()), &body, &options).expect("valid");
        assert_eq!(checked.content_type, "image/png");
        let (door, small) = thumbnails(&checked.image, &options).expect("thumbs");
        let door = image::load_from_memory_with_format(&door, ImageFormat::Jpeg).expect("jpeg");
        assert_eq!((door.width(), door.height()), (256, 154));
        let small = image::load_from_memory_with_format(&small, ImageFormat::Jpeg).expect("jpeg");
        assert_eq!(small.width(), 64);
    }

    #[test]
    fn transparent_pixels_turn_white() {
        let options = PhotoOptions::default();
        let checked = check(&None, &png(8, 8, true), &options).expect("valid");
        let (door, _) = thumbnails(&checked.image, &options).expect("thumbs");
        let door = image::load_from_memory(&door).expect("jpeg").to_rgb8();
        assert!(
            door.pixels().all(|p| p.0.iter().all(|c| *c > 240)),
            "{:?}",
            door.get_pixel(0, 0)
        );
    }

    #[test]
    fn non_images_and_lies_are_refused() {
        let options = PhotoOptions::default();
        assert!(check(&Some("text/html".into()), b"<html>hello</html>", &options).is_err());
        assert!(check(&Some("image/jpeg".into()), &png(4, 4, false), &options).is_err());
        assert!(check(&None, b"", &options).is_err());
        // PNG magic bytes, then garbage: the decode catches it.
        let mut broken = png(4, 4, false);
        broken.truncate(20);
        assert!(check(&Some("image/png".into()), &broken, &options).is_err());
        assert!(
            check(
                &Some("application/octet-stream".into()),
                &png(4, 4, false),
                &options
            )
            .is_ok()
        );
    }

    #[test]
    fn sides_over_the_limit_are_refused_unread() {
        let options = PhotoOptions {
            max_side: 100,
            ..PhotoOptions::default()
        };
        assert!(check(&None, &png(101, 10, false), &options).is_err());
    }

    #[test]
    fn retry_delays_grow_and_stop_growing() {
        let photos = Photos::new(PhotoOptions::default()).expect("client");
        let first = photos.retry_delay(0);
        assert!(first >= Duration::from_secs(24) && first <= Duration::from_secs(36));
        let later = photos.retry_delay(3);
        assert!(later >= Duration::from_secs(192) && later <= Duration::from_secs(288));
        assert!(photos.retry_delay(40) <= Duration::from_secs(6 * 3600 * 12 / 10));
    }
}
