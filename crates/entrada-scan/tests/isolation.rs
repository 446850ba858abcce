//! Decoders that panic or spin never take the scanner down.
use std::sync::Arc;
use std::time::Duration;

use entrada_scan::decode::guard::DecodeState;
use entrada_scan::decode::{IsolatedDecoder, decode_guarded};
use entrada_scan::{DecodeError, Decoder, Detection, LumaImage};

struct Panics;

impl Decoder for Panics {
    fn name(&self) -> &'static str {
        "panics"
    }
    fn decode(&self, _: &LumaImage) -> Vec<Detection> {
        panic!("assertion failed in geometry")
    }
}

#[test]
fn a_panicking_decoder_is_an_error_not_a_crash() {
    let img = LumaImage::filled(64, 64, 255);
    match decode_guarded(&Panics, &img) {
        Err(DecodeError::Panicked { decoder, message }) => {
            assert_eq!(decoder, "panics");
            assert!(message.contains("geometry"));
        }
        other => panic!("expected a contained panic, got {other:?}"),
    }
}

/// Panics on a black image, spins on a grey one, answers on anything else.
struct Moody;

impl DecodeState for Moody {
    fn decode_image(&mut self, image: &LumaImage) -> Vec<Detection> {
        match image.data()[0] {
            0 => panic!("bad frame"),
            128 => loop {
                std::thread::sleep(Duration::from_millis(50));
            },
            _ => Vec::new(),
        }
    }
}

#[test]
fn isolated_decoder_survives_panics_and_runaway_decodes() {
    // Generous: printing a panic backtrace in a debug build can take a while.
    let mut d = IsolatedDecoder::new(|| Moody, Duration::from_secs(3));
    let white = Arc::new(LumaImage::filled(8, 8, 255));
    assert_eq!(d.decode(Arc::clone(&white)), Ok(Vec::new()));
    assert!(matches!(
        d.decode(Arc::new(LumaImage::filled(8, 8, 0))),
        Err(DecodeError::Panicked { .. })
    ));
    assert_eq!(
        d.decode(Arc::clone(&white)),
        Ok(Vec::new()),
        "works again after a panic"
    );
    assert!(matches!(
        d.decode(Arc::new(LumaImage::filled(8, 8, 128))),
        Err(DecodeError::TimedOut { .. })
    ));
    assert_eq!(d.abandoned_workers(), 1);
    assert_eq!(
        d.decode(white),
        Ok(Vec::new()),
        "a fresh worker takes over after a timeout"
    );
}

#[test]
fn real_engines_survive_degenerate_images() {
    // Tiny, flat and striped images: nothing to read, nothing must break.
    let decoder = entrada_scan::FileDecoder::default();
    let stripes: Vec<u8> = (0..64 * 64)
        .map(|i| if (i / 3) % 2 == 0 { 0 } else { 255 })
        .collect();
    for img in [
        LumaImage::filled(1, 1, 0),
        LumaImage::filled(3, 200, 255),
        LumaImage::filled(64, 64, 0),
        LumaImage::new(64, 64, stripes).expect("valid image"),
    ] {
        assert!(decoder.decode(&img).is_empty());
    }
}
