//! Frame sources: where luma frames come from.
//!
//! The live scanner only knows this trait, so everything but the physical camera is
//! exercised in tests with real images: a folder of frames replayed at camera speed stands
//! in for a webcam.

mod camera;
mod files;

pub use camera::{
    CameraConfig, CameraDescription, CameraSource, choose_format, list_cameras, mjpeg_to_luma,
    raw_to_luma,
};
pub use files::{FolderSource, ImageFileSource, load_luma};
pub use nokhwa::utils::{CameraFormat, FrameFormat};

use crate::{Frame, SourceError};

/// A stream of luma frames.
pub trait FrameSource {
    /// Human-readable name for logs and the UI ("camera 0 (HD Webcam) 1280x720 MJPEG").
    fn describe(&self) -> String;

    /// Opens, or re-opens after an error, the underlying device. The scanner calls it before
    /// the first frame and, with backoff, after any error, so a camera that was unplugged
    /// and plugged back in recovers without a restart.
    fn open(&mut self) -> Result<(), SourceError>;

    /// Blocks until the next frame. `Ok(None)` means the source is finished (files); a
    /// camera never finishes.
    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError>;

    /// Releases the device (also done on drop).
    fn close(&mut self) {}
}
