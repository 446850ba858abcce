//! Errors of the scan library.
//!
//! Camera errors name their cause in words a door operator can act on ("no camera found",
//! "camera is busy"), because they end up on the screen and in kiosk logs.

use std::path::PathBuf;

/// Why a frame source could not deliver frames.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The machine has no camera, or not the one asked for.
    #[error("no camera found{}", detail_suffix(.0))]
    NoCamera(String),
    /// The camera exists but another program holds it.
    #[error("camera {index} is busy (another program is using it): {detail}")]
    CameraBusy { index: u32, detail: String },
    /// The camera driver failed in another way (unplugged mid-stream, permissions, ...).
    #[error("camera {index} failed: {detail}")]
    Camera { index: u32, detail: String },
    /// The camera delivered a pixel format we cannot turn into luma.
    #[error("unsupported camera pixel format {0}")]
    UnsupportedFormat(String),
    /// A frame file could not be read or decoded.
    #[error("cannot read image {path}: {detail}")]
    Image { path: PathBuf, detail: String },
    /// A folder of frames could not be listed or holds no images.
    #[error("cannot use frame folder {path}: {detail}")]
    Folder { path: PathBuf, detail: String },
    /// Raw pixel data does not match the stated dimensions.
    #[error("bad frame: {0}")]
    BadFrame(String),
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(": {detail}")
    }
}

/// Why a decode attempt produced no answer (as opposed to "no code in the image", which is
/// an empty result, not an error).
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// The decoder panicked; the panic was contained.
    #[error("decoder {decoder} panicked: {message}")]
    Panicked {
        decoder: &'static str,
        message: String,
    },
    /// The decode ran past its time limit and was abandoned.
    #[error("decode abandoned after {millis} ms")]
    TimedOut { millis: u64 },
    /// The decode worker could not be started.
    #[error("decode worker unavailable: {0}")]
    Worker(String),
}
