//! The attendee photo cache beside the replica: which photos the replica's attendees name,
//! which of them sit on disk as thumbnails, and which failed and when to try again.
//!
//! The files live in `<replica>.photos/` and are only ever replaced by a rename, so a
//! reader sees a whole old file or a whole new one, never half of either (a crash in the
//! middle of a write leaves a hidden temp file, swept by the next pass). A row's `file`
//! is set only after its file was renamed into place; a reader that finds the file gone
//! anyway (someone cleaned the folder) gets no photo, never an error: the door still
//! judges the scan, it just shows initials.
//!
//! The network side (download, validation, thumbnails) is `sync/photos.rs`.

use std::fs::File;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::Store;
use crate::error::{Error, Result};
use entrada_domain::AttendeeId;

/// Suffix of the list-sized thumbnail beside the door-sized one.
const SMALL_SUFFIX: &str = ".small.jpg";
/// Prefix of files still being written; never read, swept when stale.
pub const TEMP_PREFIX: &str = ".tmp-";

/// The folder that holds the cached photos of the replica at `replica`.
pub fn photo_dir(replica: &Path) -> PathBuf {
    let mut dir = replica.as_os_str().to_owned();
    dir.push(".photos");
    PathBuf::from(dir)
}

/// The door-sized file name of an attendee's photo. Hashed, so an attendee id from the
/// upstream (any text) never becomes a path.
pub fn photo_file_name(attendee: &AttendeeId) -> String {
    let digest = Sha256::digest(attendee.as_str().as_bytes());
    let hex: String = digest[..10].iter().map(|b| format!("{b:02x}")).collect();
    format!("{hex}.jpg")
}

/// The list-sized sibling of a door-sized file name.
pub fn small_file_name(file: &str) -> String {
    format!("{}{SMALL_SUFFIX}", file.trim_end_matches(".jpg"))
}

/// Which of the two cached sizes to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhotoSize {
    /// The verdict banner and the kiosk.
    Door,
    /// Search results and recent scans (a fraction of the bytes).
    List,
}

/// A cached thumbnail, always JPEG.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedPhoto {
    pub bytes: Vec<u8>,
}

impl CachedPhoto {
    /// `data:image/jpeg;base64,...`, what the web view may show under its CSP.
    pub fn data_url(&self) -> String {
        format!(
            "data:image/jpeg;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&self.bytes)
        )
    }
}

/// Where a photo stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoState {
    Pending,
    Fetched,
    Failed,
}

impl PhotoState {
    fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(Self::Pending),
            "fetched" => Ok(Self::Fetched),
            "failed" => Ok(Self::Failed),
            other => Err(Error::Corrupt(format!("photo state {other:?}"))),
        }
    }
}

/// One row of the cache, for status screens and tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhotoRecord {
    pub attendee_id: String,
    pub url: String,
    pub state: PhotoState,
    pub file: Option<String>,
    pub content_type: Option<String>,
    pub size: Option<u64>,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub attempts: u32,
    pub next_retry_ms: Option<i64>,
    pub last_error: Option<String>,
    pub fetched_at: Option<String>,
}

/// A photo to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoJob {
    pub attendee_id: AttendeeId,
    pub url: String,
    pub attempts: u32,
}

/// What a download produced, to record.
#[derive(Debug, Clone)]
pub struct FetchedPhoto {
    pub content_type: String,
    pub size: u64,
    pub width: u32,
    pub height: u32,
}

/// Counts by state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PhotoCounts {
    pub fetched: u64,
    pub failed: u64,
    pub pending: u64,
}

/// What bringing the cache in line with the attendees changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// Rows new or whose URL changed (now pending).
    pub queued: u64,
    /// Rows (and files) of attendees gone or without a photo now.
    pub removed: u64,
}

/// The attendee's photo URL when it is one the door downloads (`data:` URLs are shown as
/// they are; anything else is not a photo).
const PHOTO_URL: &str = "json_extract(raw, '$.photo')";

impl Store {
    /// The photo folder of this replica (`None` for an in-memory one).
    pub fn photo_dir(&self) -> Option<PathBuf> {
        self.conn
            .path()
            .filter(|p| !p.is_empty())
            .map(|p| photo_dir(Path::new(p)))
    }

    /// Queues photos that are new or whose URL changed, and drops the rows and files of
    /// attendees who are gone or no longer have a photo.
    ///
    /// The comparison only reads (a WAL snapshot, no lock), so a door's scans are not held
    /// up while it walks every attendee; a write transaction is taken only when there is
    /// something to change. A substring test on the stored JSON (compact, as serde writes
    /// it) skips parsing the attendees without a photo URL.
    pub fn reconcile_photos(&mut self) -> Result<Reconciled> {
        let dir = self.photo_dir();
        let gone: Vec<(String, Option<String>)> = {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT p.attendee_id, p.file FROM photos p
                 LEFT JOIN attendees a ON a.id = p.attendee_id
                 WHERE a.id IS NULL
                    OR NOT (coalesce({PHOTO_URL}, '') LIKE 'http://%'
                         OR coalesce({PHOTO_URL}, '') LIKE 'https://%')"
            ))?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        let changed: Vec<(String, String)> = {
            let mut stmt = self.conn.prepare(&format!(
                "SELECT a.id, a.url FROM (SELECT id, {PHOTO_URL} AS url FROM attendees
                                           WHERE raw LIKE '%\"photo\":\"http%') a
                 LEFT JOIN photos p ON p.attendee_id = a.id
                 WHERE (a.url LIKE 'http://%' OR a.url LIKE 'https://%')
                   AND p.url IS NOT a.url"
            ))?;
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?
        };
        if gone.is_empty() && changed.is_empty() {
            return Ok(Reconciled::default());
        }
        let tx = self.conn.transaction()?;
        for (id, _) in &gone {
            tx.execute("DELETE FROM photos WHERE attendee_id = ?1", [id])?;
        }
        {
            let mut upsert = tx.prepare(
                "INSERT INTO photos(attendee_id, url, state) VALUES (?1, ?2, 'pending')
                 ON CONFLICT(attendee_id) DO UPDATE SET
                     url = excluded.url, state = 'pending', attempts = 0,
                     next_retry_ms = NULL, last_error = NULL
                 WHERE photos.url IS NOT excluded.url",
            )?;
            for (id, url) in &changed {
                upsert.execute([id, url])?;
            }
        }
        tx.commit()?;
        // Files go after the rows, so no row ever names a deleted file.
        if let Some(dir) = dir {
            for (_, file) in &gone {
                if let Some(file) = file {
                    remove_quietly(&dir.join(file));
                    remove_quietly(&dir.join(small_file_name(file)));
                }
            }
        }
        Ok(Reconciled {
            queued: changed.len() as u64,
            removed: gone.len() as u64,
        })
    }

    /// Photos to download now: pending ones, and failed ones whose retry time has come.
    pub fn due_photos(&self, now_ms: i64, limit: usize) -> Result<Vec<PhotoJob>> {
        let mut stmt = self.conn.prepare(
            "SELECT attendee_id, url, attempts FROM photos
             WHERE state = 'pending' OR (state = 'failed' AND next_retry_ms <= ?1)
             ORDER BY attempts, attendee_id LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![now_ms, limit as i64], |r| {
            Ok(PhotoJob {
                attendee_id: AttendeeId(r.get(0)?),
                url: r.get(1)?,
                attempts: r.get::<_, i64>(2)?.max(0) as u32,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Records a photo whose files were renamed into place. Returns false (and records
    /// nothing) when the attendee's URL changed meanwhile: the newer one is queued.
    pub fn photo_fetched(&self, job: &PhotoJob, file: &str, got: &FetchedPhoto) -> Result<bool> {
        let n = self.conn.execute(
            "UPDATE photos SET state = 'fetched', file = ?3, content_type = ?4, size = ?5,
                 width = ?6, height = ?7, attempts = attempts + 1, next_retry_ms = NULL,
                 last_error = NULL, fetched_at = ?8
             WHERE attendee_id = ?1 AND url = ?2",
            params![
                job.attendee_id.as_str(),
                job.url,
                file,
                got.content_type,
                got.size as i64,
                got.width,
                got.height,
                entrada_domain::time::format(&entrada_domain::time::now()),
            ],
        )?;
        Ok(n > 0)
    }

    /// Records a failed download; it is tried again from `next_retry_ms`. A photo cached
    /// from an older URL stays shown meanwhile (the same person, an older picture).
    pub fn photo_failed(&self, job: &PhotoJob, error: &str, next_retry_ms: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE photos SET state = 'failed', attempts = attempts + 1, next_retry_ms = ?3,
                 last_error = ?4
             WHERE attendee_id = ?1 AND url = ?2",
            params![job.attendee_id.as_str(), job.url, next_retry_ms, error],
        )?;
        Ok(())
    }

    pub fn photo_record(&self, attendee: &AttendeeId) -> Result<Option<PhotoRecord>> {
        Ok(self
            .photo_records_where("WHERE attendee_id = ?1", [attendee.as_str()])?
            .pop())
    }

    /// Every row, by attendee id.
    pub fn photo_records(&self) -> Result<Vec<PhotoRecord>> {
        self.photo_records_where("", [])
    }

    fn photo_records_where<P: rusqlite::Params>(
        &self,
        filter: &str,
        p: P,
    ) -> Result<Vec<PhotoRecord>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT attendee_id, url, state, file, content_type, size, width, height,
                    attempts, next_retry_ms, last_error, fetched_at
             FROM photos {filter} ORDER BY attendee_id"
        ))?;
        let rows = stmt.query_map(p, |r| {
            Ok((
                PhotoRecord {
                    attendee_id: r.get(0)?,
                    url: r.get(1)?,
                    state: PhotoState::Pending,
                    file: r.get(3)?,
                    content_type: r.get(4)?,
                    size: r.get::<_, Option<i64>>(5)?.map(|v| v.max(0) as u64),
                    width: r.get(6)?,
                    height: r.get(7)?,
                    attempts: r.get::<_, i64>(8)?.max(0) as u32,
                    next_retry_ms: r.get(9)?,
                    last_error: r.get(10)?,
                    fetched_at: r.get(11)?,
                },
                r.get::<_, String>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (mut rec, state) = row?;
            rec.state = PhotoState::parse(&state)?;
            out.push(rec);
        }
        Ok(out)
    }

    pub fn photo_counts(&self) -> Result<PhotoCounts> {
        let mut counts = PhotoCounts::default();
        let mut stmt = self
            .conn
            .prepare("SELECT state, count(*) FROM photos GROUP BY state")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (state, n) = row?;
            let n = n.max(0) as u64;
            match PhotoState::parse(&state)? {
                PhotoState::Fetched => counts.fetched = n,
                PhotoState::Failed => counts.failed = n,
                PhotoState::Pending => counts.pending = n,
            }
        }
        Ok(counts)
    }

    /// The cached thumbnail of an attendee, if one is on disk. Never fails because of the
    /// cache: a missing or unreadable file is "no photo".
    pub fn cached_photo(
        &self,
        attendee: &AttendeeId,
        size: PhotoSize,
    ) -> Result<Option<CachedPhoto>> {
        let Some(dir) = self.photo_dir() else {
            return Ok(None);
        };
        let file: Option<String> = self
            .conn
            .query_row(
                "SELECT file FROM photos WHERE attendee_id = ?1 AND file IS NOT NULL",
                [attendee.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        let Some(file) = file else {
            return Ok(None);
        };
        let name = match size {
            PhotoSize::Door => file,
            PhotoSize::List => small_file_name(&file),
        };
        match std::fs::read(dir.join(&name)) {
            Ok(bytes) if !bytes.is_empty() => Ok(Some(CachedPhoto { bytes })),
            Ok(_) => Ok(None),
            Err(e) => {
                if e.kind() != ErrorKind::NotFound {
                    tracing::warn!(file = %name, error = %e, "cached photo unreadable");
                }
                Ok(None)
            }
        }
    }
}

/// Writes `bytes` to `dir/name` so that `name` is only ever a complete file: a temp file
/// in the same folder, flushed to disk, renamed over the old one, and the folder synced so
/// the rename itself survives a power cut.
pub fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let temp = dir.join(format!(
        "{TEMP_PREFIX}{name}-{:016x}",
        rand::random::<u64>()
    ));
    let written = (|| {
        let mut f = File::create(&temp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&temp, dir.join(name))
    })();
    if written.is_err() {
        remove_quietly(&temp);
    }
    written?;
    sync_dir(dir);
    Ok(())
}

/// Removes temp files older than `older_than` left by a process that died mid-write
/// (younger ones may belong to a writer still at work). Returns how many went.
pub fn sweep_temp_files(dir: &Path, older_than: std::time::Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut swept = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().starts_with(TEMP_PREFIX) {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_none_or(|age| age >= older_than);
        if stale && std::fs::remove_file(entry.path()).is_ok() {
            swept += 1;
        }
    }
    swept
}

#[cfg(unix)]
fn sync_dir(dir: &Path) {
    if let Err(e) = File::open(dir).and_then(|d| d.sync_all()) {
        tracing::debug!(dir = %dir.display(), error = %e, "photo folder not synced");
    }
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) {}

fn remove_quietly(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != ErrorKind::NotFound
    {
        tracing::warn!(file = %path.display(), error = %e, "cached photo not removed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use entrada_demo as demo;

    fn with_photos(urls: &[(usize, Option<&str>)]) -> entrada_domain::snapshot::Snapshot {
        let mut s = demo::snapshot(10);
        for (i, url) in urls {
            s.attendance[*i].attendee.photo = url.map(str::to_owned);
        }
        s
    }

    #[test]
    fn reconcile_queues_new_and_changed_urls_and_drops_removed_ones() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = dir.path().join("r.db");
        let mut store = Store::open(&db).expect("replica");
        let a = |i: usize| demo::attendee_id(i as u32);
        store
            .import_snapshot(&with_photos(&[
                (0, Some("http://h/0.jpg")),
                (1, Some("https://h/1.png")),
                (2, Some("data:image/png;base64,AAAA")),
                (3, Some("ftp://h/3.jpg")),
            ]))
            .expect("import");
        let r = store.reconcile_photos().expect("reconcile");
        assert_eq!((r.queued, r.removed), (2, 0));
        assert_eq!(
            store.reconcile_photos().expect("again"),
            Reconciled::default()
        );
        let due = store.due_photos(0, 10).expect("due");
        assert_eq!(due.len(), 2);

        // Attendee 0 is cached (a real file), attendee 1 fails until later.
        let folder = photo_dir(&db);
        std::fs::create_dir_all(&folder).expect("folder");
        let file = photo_file_name(&a(0));
        write_atomically(&folder, &file, b"jpeg").expect("write");
        write_atomically(&folder, &small_file_name(&file), b"small").expect("write");
        let job0 = due.iter().find(|j| j.attendee_id == a(0)).expect("job 0");
        let got = FetchedPhoto {
            content_type: "image/jpeg".into(),
            size: 4,
            width: 1,
            height: 1,
        };
        assert!(store.photo_fetched(job0, &file, &got).expect("fetched"));
        let job1 = due.iter().find(|j| j.attendee_id == a(1)).expect("job 1");
        store.photo_failed(job1, "HTTP 500", 1_000).expect("failed");
        assert!(store.due_photos(999, 10).expect("due").is_empty());
        assert_eq!(store.due_photos(1_000, 10).expect("due").len(), 1);
        assert_eq!(
            store.cached_photo(&a(0), PhotoSize::List).expect("read"),
            Some(CachedPhoto {
                bytes: b"small".to_vec()
            })
        );

        // 1 gets a new URL: pending again, attempts reset. 0 loses its photo: row and
        // files go. A late answer for 0's old URL records nothing.
        store
            .import_snapshot(&with_photos(&[(0, None), (1, Some("https://h/1b.png"))]))
            .expect("import");
        let r = store.reconcile_photos().expect("reconcile");
        assert_eq!((r.queued, r.removed), (1, 1));
        let rec1 = store.photo_record(&a(1)).expect("read").expect("row");
        assert_eq!((rec1.state, rec1.attempts), (PhotoState::Pending, 0));
        assert!(store.photo_record(&a(0)).expect("read").is_none());
        assert!(!folder.join(&file).exists());
        assert!(!folder.join(small_file_name(&file)).exists());
        assert!(!store.photo_fetched(job0, &file, &got).expect("late answer"));
        assert_eq!(
            store.cached_photo(&a(0), PhotoSize::Door).expect("read"),
            None
        );
    }

    #[test]
    fn stale_temp_files_are_swept_and_fresh_ones_left_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join(format!("{TEMP_PREFIX}a.jpg-1")), b"x").expect("temp");
        std::fs::write(dir.path().join("kept.jpg"), b"x").expect("file");
        assert_eq!(
            sweep_temp_files(dir.path(), std::time::Duration::from_secs(60)),
            0
        );
        assert_eq!(sweep_temp_files(dir.path(), std::time::Duration::ZERO), 1);
        assert!(dir.path().join("kept.jpg").exists());
    }
}
