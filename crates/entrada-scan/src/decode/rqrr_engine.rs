//! rqrr (a port of quirc) behind the [`Decoder`] trait.
//!
//! Slower than rxing and weaker on photos overall, but its capstone detector and
//! perspective fit read some skewed or damaged codes that ZXing's detector rejects, which
//! is why it is the last rungs of the ladder rather than gone.

use super::{Decoder, Detection};
use crate::frame::{LumaImage, Region};

/// rqrr on the image as given (its own adaptive threshold binarizes it).
#[derive(Debug, Clone, Copy, Default)]
pub struct RqrrDecoder;

impl Decoder for RqrrDecoder {
    fn name(&self) -> &'static str {
        "rqrr"
    }

    fn decode(&self, image: &LumaImage) -> Vec<Detection> {
        let (w, h) = (image.width() as usize, image.height() as usize);
        let data = image.data();
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| data[y * w + x]);
        let mut found: Vec<Detection> = Vec::new();
        for grid in prepared.detect_grids() {
            let Ok((_meta, text)) = grid.decode() else {
                continue;
            };
            if text.is_empty() || found.iter().any(|f| f.text == text) {
                continue;
            }
            let pts: Vec<(f32, f32)> = grid
                .bounds
                .iter()
                .map(|p| (p.x as f32, p.y as f32))
                .collect();
            let region = Region::bounding(&pts, image.width(), image.height()).unwrap_or_default();
            found.push(Detection::new(text, region, "rqrr"));
        }
        found
    }
}
