//! Badges rendered by the test itself (qrcode crate) into 1280x720 frames: sizes,
//! rotations, blur, noise, shadow, inverted (dark-mode screens), two codes per frame.
mod support;

use entrada_scan::{FileDecoder, FrameDecoder, LumaImage};
use support::render::{self, Placement};

const PAYLOAD: &str = "https://access.example.org/attendee/4b1f9c2e-6d0a-4e7b-9a53-0c8f2d1e7a64/qr";

/// Live decoding gets a few frames, as a badge held up for a fraction of a second would.
fn live_reads(frame: &LumaImage, expected: &str) -> bool {
    let mut d = FrameDecoder::default();
    (0..10).any(|_| d.decode(frame).iter().any(|x| x.text == expected))
}

fn file_reads(frame: &LumaImage, expected: &str) -> bool {
    FileDecoder::default()
        .decode(frame)
        .iter()
        .any(|x| x.text == expected)
}

#[test]
fn sizes_and_rotations() {
    let mut failures = Vec::new();
    for (i, (module, angle)) in [
        (3.0, 0.0),
        (4.0, 20.0),
        (6.0, 45.0),
        (8.0, 90.0),
        (10.0, 170.0),
        (5.0, 300.0),
    ]
    .into_iter()
    .enumerate()
    {
        let p = Placement::new(640.0 + 80.0 * i as f32 - 200.0, 360.0, module, angle);
        let frame = render::badge_frame(PAYLOAD, p, 0, 3.0, i as u64);
        if !live_reads(&frame, PAYLOAD) {
            failures.push(format!("module {module}px angle {angle}"));
        }
    }
    assert!(failures.is_empty(), "not read: {failures:?}");
}

#[test]
fn blur_and_noise() {
    let mut failures = Vec::new();
    // (box blur radius, applied 3x ~ Gaussian sigma 1.4 / 2.4 / 3.5 px; noise sigma; module px)
    for (i, (blur, noise, module)) in [
        (1, 0.0, 6.0),
        (2, 4.0, 7.0),
        (0, 12.0, 5.0),
        (1, 10.0, 6.0),
        (3, 6.0, 10.0),
    ]
    .into_iter()
    .enumerate()
    {
        let p = Placement::new(600.0, 380.0, module, 12.0 * i as f32);
        let frame = render::badge_frame(PAYLOAD, p, blur, noise, 40 + i as u64);
        if !live_reads(&frame, PAYLOAD) {
            failures.push(format!("blur {blur} noise {noise}"));
        }
    }
    assert!(failures.is_empty(), "not read: {failures:?}");
}

#[test]
fn half_in_shadow_and_low_contrast() {
    let mut p = Placement::new(640.0, 360.0, 6.0, 8.0);
    let mut frame = render::background(1280, 720, 7);
    render::draw(&mut frame, PAYLOAD, p);
    render::shadow(&mut frame, 640, 0.45);
    assert!(live_reads(&frame, PAYLOAD), "badge half in shadow not read");

    p.dark = 90;
    p.light = 160;
    let frame = render::badge_frame(PAYLOAD, p, 1, 3.0, 8);
    assert!(live_reads(&frame, PAYLOAD), "low-contrast badge not read");
}

#[test]
fn inverted_codes_from_dark_mode_screens() {
    for (i, module) in [4.0f32, 7.0].into_iter().enumerate() {
        let mut p = Placement::new(640.0, 360.0, module, 10.0 + 30.0 * i as f32);
        p.inverted = true;
        let frame = render::badge_frame(PAYLOAD, p, 0, 3.0, 60 + i as u64);
        assert!(
            live_reads(&frame, PAYLOAD),
            "inverted badge (module {module}) not read live"
        );
        assert!(
            file_reads(&frame, PAYLOAD),
            "inverted badge (module {module}) not read from file"
        );
    }
}

#[test]
fn two_codes_in_one_frame() {
    let a = "ATTENDEE-0001";
    let b = "ATTENDEE-0002";
    let mut frame = render::background(1280, 720, 3);
    render::draw(&mut frame, a, Placement::new(330.0, 360.0, 8.0, 5.0));
    render::draw(&mut frame, b, Placement::new(950.0, 360.0, 8.0, -10.0));
    let found = FileDecoder::default().decode(&frame);
    let texts: Vec<&str> = found.iter().map(|d| d.text.as_str()).collect();
    assert!(texts.contains(&a) && texts.contains(&b), "found {texts:?}");
    // Each code's region is where it was drawn.
    for d in &found {
        let (cx, _) = d.region.center();
        let want = if d.text == a { 330 } else { 950 };
        assert!(
            (cx as i64 - want).abs() < 60,
            "{} at x={cx}, drawn at {want}",
            d.text
        );
    }
}

#[test]
fn empty_frames_read_nothing() {
    let mut d = FrameDecoder::default();
    for seed in 0..4 {
        let mut frame = render::background(1280, 720, seed);
        render::add_noise(&mut frame, 8.0, seed);
        assert!(d.decode(&frame).is_empty());
    }
    assert!(
        FileDecoder::default()
            .decode(&render::background(1280, 720, 9))
            .is_empty()
    );
}

#[test]
fn steady_badge_is_tracked() {
    let p = Placement::new(500.0, 300.0, 6.0, 15.0);
    let frame = render::badge_frame(PAYLOAD, p, 0, 3.0, 5);
    let mut d = FrameDecoder::default();
    let first = (0..10)
        .find_map(|_| d.decode(&frame).into_iter().next())
        .expect("badge read");
    let tracked = d.tracked_region().expect("region tracked after a read");
    let (cx, cy) = tracked.center();
    assert!(
        (cx as i64 - 500).abs() < 40 && (cy as i64 - 300).abs() < 40,
        "tracked {tracked:?}"
    );
    // The next frame is read from the tracked crop.
    let again = d.decode(&frame);
    assert_eq!(again.first().map(|x| x.via), Some("live/tracked"));
    assert_eq!(again[0].payload, first.payload);
}
