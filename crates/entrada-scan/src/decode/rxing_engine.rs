//! rxing (pure-Rust port of ZXing) behind the [`Decoder`] trait.

use std::collections::HashSet;

use rxing::common::{GlobalHistogramBinarizer, HybridBinarizer};
use rxing::multi::MultipleBarcodeReader;
use rxing::qrcode::QRCodeReader;
use rxing::qrcode::cpp_port::QrReader;
use rxing::{BarcodeFormat, BinaryBitmap, DecodeHints, Luma8Source, RXingResult, Reader};

use super::{Decoder, Detection, merge};
use crate::frame::{LumaImage, Region};

/// How rxing turns grey into black and white.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binarizer {
    /// Local thresholds per 8x8 block: copes with shadows and glare gradients.
    Hybrid,
    /// One threshold per row from a histogram: better on low-contrast, blurred codes where
    /// local thresholds break modules apart.
    GlobalHistogram,
}

/// rxing's two QR readers (the port of zxing-cpp's detector, which reads several codes per
/// image, then the port of the Java detector, which reads a few photos the first misses).
#[derive(Debug, Clone, Copy)]
pub struct RxingDecoder {
    pub binarizer: Binarizer,
    /// rxing's try-harder: denser finder-pattern search. Several times slower and known to
    /// run long on some images, so the ladder only uses it on small or cropped images.
    pub try_harder: bool,
    /// Also run the Java-port reader when the cpp-port reader finds nothing.
    pub java_fallback: bool,
}

impl RxingDecoder {
    /// The fast default: hybrid binarizer, no try-harder.
    pub fn fast() -> Self {
        Self {
            binarizer: Binarizer::Hybrid,
            try_harder: false,
            java_fallback: true,
        }
    }

    fn hints(&self) -> DecodeHints {
        DecodeHints {
            PossibleFormats: Some(HashSet::from([BarcodeFormat::QR_CODE])),
            TryHarder: Some(self.try_harder),
            ..Default::default()
        }
    }

    fn run<B: rxing::Binarizer>(
        &self,
        bitmap: &mut BinaryBitmap<B>,
        img: &LumaImage,
    ) -> Vec<Detection> {
        let hints = self.hints();
        let mut found = Vec::new();
        if let Ok(results) = QrReader.decode_multiple_with_hints(bitmap, &hints) {
            merge(
                &mut found,
                results
                    .iter()
                    .filter_map(|r| to_detection(r, img, "rxing"))
                    .collect(),
            );
        }
        if found.is_empty()
            && self.java_fallback
            && let Ok(r) = QRCodeReader.decode_with_hints(bitmap, &hints)
        {
            merge(
                &mut found,
                to_detection(&r, img, "rxing-java").into_iter().collect(),
            );
        }
        found
    }
}

fn to_detection(r: &RXingResult, img: &LumaImage, via: &'static str) -> Option<Detection> {
    let text = r.getText().to_string();
    if text.is_empty() {
        return None;
    }
    let pts: Vec<(f32, f32)> = r.getPoints().iter().map(|p| (p.x, p.y)).collect();
    let region = Region::bounding(&pts, img.width(), img.height()).unwrap_or_default();
    Some(Detection::new(text, region, via))
}

impl Decoder for RxingDecoder {
    fn name(&self) -> &'static str {
        "rxing"
    }

    fn decode(&self, image: &LumaImage) -> Vec<Detection> {
        let Ok(source) = Luma8Source::new_with_slice(image.data(), image.width(), image.height())
        else {
            return Vec::new();
        };
        match self.binarizer {
            Binarizer::Hybrid => {
                self.run(&mut BinaryBitmap::new(HybridBinarizer::new(source)), image)
            }
            Binarizer::GlobalHistogram => self.run(
                &mut BinaryBitmap::new(GlobalHistogramBinarizer::new(source)),
                image,
            ),
        }
    }
}
