//! `--frames DIR`: feed the scanner from image files instead of a camera, so the whole app
//! runs end to end on a machine without one (tests, demos, CI).
//!
//! The files already in the folder at start are a recorded sequence and play once, one
//! frame each at `fps` (like entrada-scan's `FolderSource`). After that the folder is
//! watched: each new image dropped into it is shown as if a badge were held up to the
//! camera for `hold`, then stays in view at a slow rate until the next one arrives. A test
//! feeds a badge by copying a PNG into the folder.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use entrada_scan::source::load_luma;
use entrada_scan::{Frame, FrameSource, LumaImage, SourceError};

#[derive(Debug, Clone)]
pub struct FramesConfig {
    pub dir: PathBuf,
    pub fps: f64,
    /// How long a newly dropped image is "held up" at full frame rate.
    pub hold: Duration,
}

impl FramesConfig {
    pub fn new(dir: impl Into<PathBuf>, fps: f64) -> Self {
        Self {
            dir: dir.into(),
            fps,
            hold: Duration::from_millis(1500),
        }
    }
}

/// A folder of frames, replayed and then watched.
pub struct WatchedFolder {
    config: FramesConfig,
    seen: HashSet<PathBuf>,
    queue: Vec<PathBuf>,
    current: Option<(Arc<LumaImage>, Instant)>,
    next_at: Option<Instant>,
    seq: u64,
    opened: bool,
    empty: Arc<LumaImage>,
}

/// Idle frames: the last image stays in view at this interval (cheap, and the preview
/// keeps showing what the "camera" sees).
const IDLE_INTERVAL: Duration = Duration::from_millis(500);
/// How often the folder is listed for new files.
const POLL: Duration = Duration::from_millis(50);

impl WatchedFolder {
    pub fn new(config: FramesConfig) -> Result<Self, SourceError> {
        if !(config.fps.is_finite() && config.fps > 0.0) {
            return Err(SourceError::Folder {
                path: config.dir.clone(),
                detail: format!("frame rate must be positive, got {}", config.fps),
            });
        }
        Ok(Self {
            config,
            seen: HashSet::new(),
            queue: Vec::new(),
            current: None,
            next_at: None,
            seq: 0,
            opened: false,
            empty: Arc::new(LumaImage::filled(640, 480, 28)),
        })
    }

    fn list(dir: &Path) -> Result<Vec<PathBuf>, SourceError> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| SourceError::Folder {
                path: dir.to_owned(),
                detail: e.to_string(),
            })?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                    matches!(
                        e.to_ascii_lowercase().as_str(),
                        "png" | "jpg" | "jpeg" | "pgm"
                    )
                })
            })
            .collect();
        files.sort();
        Ok(files)
    }

    fn frame_interval(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.config.fps)
    }

    /// Waits until `at` (at most one frame interval: the scanner stops us between frames).
    fn sleep_until(at: Instant) {
        let now = Instant::now();
        if at > now {
            std::thread::sleep(at - now);
        }
    }

    fn load(&mut self, path: &Path) -> Option<Arc<LumaImage>> {
        match load_luma(path) {
            Ok(img) => Some(Arc::new(img)),
            // A file still being written fails to decode; it is retried on the next poll.
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "frame not readable yet");
                self.seen.remove(path);
                None
            }
        }
    }

    fn emit(&mut self, image: Arc<LumaImage>) -> Frame {
        self.seq += 1;
        Frame {
            image,
            captured_at: Instant::now(),
            wall_time: std::time::SystemTime::now(),
            seq: self.seq,
        }
    }
}

impl FrameSource for WatchedFolder {
    fn describe(&self) -> String {
        format!(
            "frames from {} at {} fps",
            self.config.dir.display(),
            self.config.fps
        )
    }

    fn open(&mut self) -> Result<(), SourceError> {
        let files = Self::list(&self.config.dir)?;
        if !self.opened {
            // The recorded sequence: played once, in name order.
            self.seen.extend(files.iter().cloned());
            self.queue = files;
            self.opened = true;
        }
        Ok(())
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        let interval = self.frame_interval();
        // 1. The recorded sequence, one frame per file.
        while !self.queue.is_empty() {
            let path = self.queue.remove(0);
            if let Some(at) = self.next_at {
                Self::sleep_until(at);
            }
            self.next_at = Some(Instant::now() + interval);
            if let Some(img) = self.load(&path) {
                self.current = Some((Arc::clone(&img), Instant::now()));
                return Ok(Some(self.emit(img)));
            }
        }
        // 2. New files, or the current image at full rate while "held", then idle.
        loop {
            for path in Self::list(&self.config.dir)? {
                if self.seen.insert(path.clone())
                    && let Some(img) = self.load(&path)
                {
                    tracing::info!(path = %path.display(), "new frame file");
                    self.current = Some((Arc::clone(&img), Instant::now()));
                    self.next_at = Some(Instant::now() + interval);
                    return Ok(Some(self.emit(img)));
                }
            }
            let due = self.next_at.unwrap_or_else(Instant::now);
            if Instant::now() >= due {
                let (img, step) = match self.current.clone() {
                    Some((img, since)) if since.elapsed() < self.config.hold => (img, interval),
                    Some((img, _)) => (img, IDLE_INTERVAL),
                    // Nothing dropped yet: an empty dark view, so the preview shows a live
                    // "camera" and the scanner can be stopped between frames.
                    None => (Arc::clone(&self.empty), IDLE_INTERVAL),
                };
                self.next_at = Some(Instant::now() + step);
                return Ok(Some(self.emit(img)));
            }
            std::thread::sleep(POLL);
        }
    }
}
