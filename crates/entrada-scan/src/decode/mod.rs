//! QR decoding: a small decoder trait, two engines behind it, and the ladder that chains
//! them.
//!
//! No single engine reads every real photo: rxing (a port of ZXing) is fast and reads most,
//! rqrr reads a few that rxing misses, and both have failure modes (rqrr asserts on some
//! geometry, rxing's try-harder can spin). The [`ladder`] combines them, [`guard`] keeps
//! panics and runaway decodes away from the scanner.

pub mod guard;
pub mod ladder;
pub mod rqrr_engine;
pub mod rxing_engine;

use crate::frame::{LumaImage, Region};

pub use guard::{IsolatedDecoder, decode_guarded};
pub use ladder::{FileDecoder, FrameDecoder, FrameDecoderConfig};
pub use rqrr_engine::RqrrDecoder;
pub use rxing_engine::{Binarizer, RxingDecoder};

/// One code read from an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// The payload handed to the check-in core: the code's text as UTF-8 bytes. Decoders
    /// already apply the code's character set (ECI, Shift-JIS, ...), so the same badge
    /// gives the same bytes whichever engine read it.
    pub payload: Vec<u8>,
    /// The payload as text.
    pub text: String,
    /// Where the code sits, in the coordinates of the image that was passed in.
    pub region: Region,
    /// Which engine and ladder step read it (for logs and the benchmark).
    pub via: &'static str,
}

impl Detection {
    pub(crate) fn new(text: String, region: Region, via: &'static str) -> Self {
        Self {
            payload: text.clone().into_bytes(),
            text,
            region,
            via,
        }
    }
}

/// A QR engine: finds and decodes every code it can in one luma image.
///
/// Implementations must not block on I/O; they may panic or run long on pathological
/// images, which is why callers go through [`decode_guarded`] or [`IsolatedDecoder`].
pub trait Decoder: Send + Sync {
    /// Short stable name, e.g. `"rxing"`.
    fn name(&self) -> &'static str;
    /// All codes found; empty when none.
    fn decode(&self, image: &LumaImage) -> Vec<Detection>;
}

/// Merges `new` into `found`, skipping payloads already present.
pub(crate) fn merge(found: &mut Vec<Detection>, new: Vec<Detection>) {
    for d in new {
        if !found.iter().any(|f| f.payload == d.payload) {
            found.push(d);
        }
    }
}
