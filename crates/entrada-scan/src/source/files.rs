//! Image files and folders of frames as frame sources.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use super::FrameSource;
use crate::{Frame, LumaImage, SourceError};

/// Reads any image file the `image` crate understands (PNG, JPEG) as luma.
pub fn load_luma(path: &Path) -> Result<LumaImage, SourceError> {
    let img = image::ImageReader::open(path)
        .and_then(|r| r.with_guessed_format())
        .map_err(|e| SourceError::Image {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?
        .decode()
        .map_err(|e| SourceError::Image {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    Ok(LumaImage::from_dynamic(&img))
}

/// A list of image files, one frame each, delivered as fast as they are asked for.
#[derive(Debug)]
pub struct ImageFileSource {
    files: Vec<PathBuf>,
    next: usize,
}

impl ImageFileSource {
    pub fn new(files: Vec<PathBuf>) -> Self {
        Self { files, next: 0 }
    }
}

impl FrameSource for ImageFileSource {
    fn describe(&self) -> String {
        format!("{} image file(s)", self.files.len())
    }

    fn open(&mut self) -> Result<(), SourceError> {
        Ok(())
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        let Some(path) = self.files.get(self.next) else {
            return Ok(None);
        };
        let seq = self.next as u64;
        self.next += 1;
        Ok(Some(Frame::now(load_luma(path)?, seq)))
    }
}

/// A folder of frame images (sorted by name), replayed at a fixed frame rate like a camera.
///
/// Frame `i` is stamped `start + i / fps` and delivered no earlier than that, so a recorded
/// door sequence plays back in real time and debounces exactly as it would live.
#[derive(Debug)]
pub struct FolderSource {
    dir: PathBuf,
    fps: f64,
    files: Vec<PathBuf>,
    next: usize,
    start: Option<(Instant, SystemTime)>,
}

impl FolderSource {
    /// Lists the folder now, so a wrong path fails here rather than in the scanner thread.
    pub fn new(dir: impl Into<PathBuf>, fps: f64) -> Result<Self, SourceError> {
        let dir = dir.into();
        let folder_err = |detail: String| SourceError::Folder {
            path: dir.clone(),
            detail,
        };
        if !(fps.is_finite() && fps > 0.0) {
            return Err(folder_err(format!(
                "frame rate must be positive, got {fps}"
            )));
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| folder_err(e.to_string()))?
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
        if files.is_empty() {
            return Err(folder_err("no .png/.jpg frames in it".into()));
        }
        Ok(Self {
            dir,
            fps,
            files,
            next: 0,
            start: None,
        })
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

impl FrameSource for FolderSource {
    fn describe(&self) -> String {
        format!(
            "{} ({} frames at {} fps)",
            self.dir.display(),
            self.files.len(),
            self.fps
        )
    }

    fn open(&mut self) -> Result<(), SourceError> {
        Ok(())
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        let Some(path) = self.files.get(self.next) else {
            return Ok(None);
        };
        let (t0, wall0) = *self
            .start
            .get_or_insert_with(|| (Instant::now(), SystemTime::now()));
        let offset = Duration::from_secs_f64(self.next as f64 / self.fps);
        let due = t0 + offset;
        let image = load_luma(path)?;
        let now = Instant::now();
        if due > now {
            std::thread::sleep(due - now);
        }
        let frame = Frame {
            image: std::sync::Arc::new(image),
            captured_at: due,
            wall_time: wall0 + offset,
            seq: self.next as u64,
        };
        self.next += 1;
        Ok(Some(frame))
    }
}
