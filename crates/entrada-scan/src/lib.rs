//! Entrada's scanner: camera and file frames in, badge payloads out.
//!
//! - [`source`]: where frames come from (camera via nokhwa, image files, frame folders),
//!   all converted to 8-bit luma as cheaply as the pixel format allows.
//! - [`decode`]: QR engines behind a small trait and the ladder that chains them.
//! - [`debounce`]: the same badge held up for seconds is one scan.
//! - [`pipeline`]: the live [`Scanner`]: capture thread, decode thread with a latest-frame
//!   slot (stale frames are dropped, never queued), events over a channel.

pub mod debounce;
pub mod decode;
mod error;
pub mod frame;
pub mod pipeline;
pub mod source;

pub use debounce::Debouncer;
pub use decode::{Decoder, Detection, FileDecoder, FrameDecoder};
pub use error::{DecodeError, SourceError};
pub use frame::{Frame, LumaImage, Region};
pub use pipeline::{
    Preview, PreviewConfig, Scan, Scanner, ScannerConfig, ScannerEvent, ScannerStats, SourceState,
};
pub use source::FrameSource;
