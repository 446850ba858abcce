//! The live scanner end to end: recorded frame folders replayed at camera speed, and a
//! frame source that fails and comes back.
mod support;

use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

use entrada_scan::source::FolderSource;
use entrada_scan::{
    Frame, FrameSource, LumaImage, Scan, Scanner, ScannerConfig, ScannerEvent, SourceError,
    SourceState,
};
use support::render::{self, Placement};

const BADGE: &str = "https://access.example.org/attendee/0d9b6f1a-3c2e-4f5d-8a7b-91c2e3f4a5b6/qr";

/// A frame with the badge at a slightly different place each time (a hand is never still).
fn held_frame(i: u32, payload: &str) -> LumaImage {
    let jitter = (i % 5) as f32 * 3.0;
    let p = Placement::new(620.0 + jitter, 350.0 - jitter, 6.0, 8.0 + (i % 3) as f32);
    render::badge_frame(payload, p, 0, 4.0, 1000 + i as u64)
}

fn empty_frame(i: u32) -> LumaImage {
    let mut f = render::background(1280, 720, 1);
    render::add_noise(&mut f, 4.0, i as u64);
    f
}

fn write_sequence(dir: &Path, frames: &[LumaImage]) {
    for (i, f) in frames.iter().enumerate() {
        render::save_png(f, &dir.join(format!("{i:04}.png")));
    }
}

/// Runs a scanner to the end of a finite source; returns scans and states in order.
fn run_to_end(
    source: Box<dyn FrameSource + Send>,
    config: ScannerConfig,
) -> (Vec<Scan>, Vec<SourceState>) {
    let scanner = Scanner::start(source, config).expect("scanner starts");
    let (mut scans, mut states) = (Vec::new(), Vec::new());
    for event in scanner.events().iter() {
        match event {
            ScannerEvent::Scan(s) => scans.push(s),
            ScannerEvent::State(s) => states.push(s),
        }
    }
    (scans, states)
}

#[test]
fn badge_held_for_three_seconds_is_one_scan() {
    // 10 fps: 0.5 s empty, 3 s badge, 0.5 s empty.
    let mut frames: Vec<LumaImage> = (0..5).map(empty_frame).collect();
    frames.extend((0..30).map(|i| held_frame(i, BADGE)));
    frames.extend((5..10).map(empty_frame));
    let dir = tempfile::tempdir().expect("temp dir");
    write_sequence(dir.path(), &frames);

    let source = FolderSource::new(dir.path(), 10.0).expect("folder source");
    let (scans, states) = run_to_end(Box::new(source), ScannerConfig::default());
    assert_eq!(
        scans.len(),
        1,
        "scans: {:?}",
        scans
            .iter()
            .map(|s| (&s.text, s.frame_seq))
            .collect::<Vec<_>>()
    );
    assert_eq!(scans[0].payload, BADGE.as_bytes());
    assert!(
        (5..35).contains(&scans[0].frame_seq),
        "scan from frame {}",
        scans[0].frame_seq
    );
    let (cx, cy) = scans[0].region.center();
    assert!(
        (cx as i64 - 620).abs() < 60 && (cy as i64 - 350).abs() < 60,
        "region {:?}",
        scans[0].region
    );
    assert!(
        matches!(states.first(), Some(SourceState::Running { .. })),
        "states {states:?}"
    );
    assert_eq!(states.last(), Some(&SourceState::Finished));
}

#[test]
fn badge_shown_again_after_the_window_is_a_new_scan() {
    // 10 fps, window 0.5 s: A for 1 s, nothing for 1 s, A again for 1 s, then B.
    let mut frames: Vec<LumaImage> = (0..10).map(|i| held_frame(i, BADGE)).collect();
    frames.extend((0..10).map(empty_frame));
    frames.extend((10..20).map(|i| held_frame(i, BADGE)));
    frames.extend((0..8).map(|i| held_frame(i, "ATTENDEE-B")));
    let dir = tempfile::tempdir().expect("temp dir");
    write_sequence(dir.path(), &frames);

    let source = FolderSource::new(dir.path(), 10.0).expect("folder source");
    let config = ScannerConfig {
        debounce: Duration::from_millis(500),
        ..ScannerConfig::default()
    };
    let (scans, _) = run_to_end(Box::new(source), config);
    let texts: Vec<&str> = scans.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts, vec![BADGE, BADGE, "ATTENDEE-B"]);
}

/// A source that is missing at first, then works, then fails mid-stream, then works again:
/// a kiosk camera unplugged and plugged back in.
struct FlakySource {
    script: VecDeque<Step>,
    seq: u64,
    opens: u32,
}

enum Step {
    OpenFails(SourceError),
    Frame(LumaImage),
    Fail(SourceError),
}

impl FrameSource for FlakySource {
    fn describe(&self) -> String {
        "flaky test camera".into()
    }

    fn open(&mut self) -> Result<(), SourceError> {
        self.opens += 1;
        if matches!(self.script.front(), Some(Step::OpenFails(_)))
            && let Some(Step::OpenFails(e)) = self.script.pop_front()
        {
            return Err(e);
        }
        Ok(())
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        match self.script.pop_front() {
            None => Ok(None),
            Some(Step::Frame(img)) => {
                self.seq += 1;
                Ok(Some(Frame::now(img, self.seq)))
            }
            Some(Step::Fail(e)) => Err(e),
            Some(Step::OpenFails(e)) => Err(e),
        }
    }
}

#[test]
fn scanner_recovers_when_the_camera_drops_and_returns() {
    let mut script = VecDeque::new();
    script.push_back(Step::OpenFails(SourceError::NoCamera("unplugged".into())));
    script.push_back(Step::OpenFails(SourceError::CameraBusy {
        index: 0,
        detail: "EBUSY".into(),
    }));
    script.push_back(Step::Frame(held_frame(0, "FIRST")));
    script.push_back(Step::Fail(SourceError::Camera {
        index: 0,
        detail: "device disconnected".into(),
    }));
    script.push_back(Step::Frame(held_frame(1, "SECOND")));
    let source = FlakySource {
        script,
        seq: 0,
        opens: 0,
    };
    let config = ScannerConfig {
        reopen_backoff: (Duration::from_millis(5), Duration::from_millis(20)),
        ..ScannerConfig::default()
    };
    // The frames are delivered faster than they decode; the slot may drop one, so the
    // decoder sees the latest. Each badge is followed by a failure or the end, so both
    // must come through.
    let (scans, states) = run_to_end(Box::new(source), config);
    let texts: Vec<&str> = scans.iter().map(|s| s.text.as_str()).collect();
    assert!(texts.contains(&"SECOND"), "scans {texts:?}");
    let kinds: Vec<&str> = states
        .iter()
        .map(|s| match s {
            SourceState::Starting => "starting",
            SourceState::Running { .. } => "running",
            SourceState::NoCamera { .. } => "no-camera",
            SourceState::Recovering { .. } => "recovering",
            SourceState::Finished => "finished",
            SourceState::Stopped => "stopped",
        })
        .collect();
    assert_eq!(
        kinds,
        vec![
            "no-camera",
            "recovering",
            "running",
            "recovering",
            "running",
            "finished"
        ]
    );
    match &states[0] {
        SourceState::NoCamera { message } => {
            assert!(message.contains("no camera found"), "{message}")
        }
        s => panic!("unexpected first state {s:?}"),
    }
}

#[test]
fn stopping_a_live_scanner_returns() {
    // A source that never ends: stop must still return promptly (no hang on join).
    struct Endless;
    impl FrameSource for Endless {
        fn describe(&self) -> String {
            "endless".into()
        }
        fn open(&mut self) -> Result<(), SourceError> {
            Ok(())
        }
        fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
            std::thread::sleep(Duration::from_millis(5));
            Ok(Some(Frame::now(LumaImage::filled(320, 240, 200), 0)))
        }
    }
    let scanner = Scanner::start(Box::new(Endless), ScannerConfig::default()).expect("starts");
    // Wait for it to run, then stop.
    let first = scanner
        .events()
        .recv_timeout(Duration::from_secs(10))
        .expect("a state event");
    assert!(matches!(
        first,
        ScannerEvent::State(SourceState::Running { .. })
    ));
    scanner.stop();
}

#[test]
fn previews_are_small_jpegs() {
    let mut frames: Vec<LumaImage> = (0..4).map(empty_frame).collect();
    frames.push(held_frame(0, BADGE));
    let dir = tempfile::tempdir().expect("temp dir");
    write_sequence(dir.path(), &frames);
    let source = FolderSource::new(dir.path(), 20.0).expect("folder source");
    let config = ScannerConfig {
        preview: Some(entrada_scan::PreviewConfig {
            interval: Duration::ZERO,
            max_width: 320,
            quality: 60,
        }),
        ..ScannerConfig::default()
    };
    let scanner = Scanner::start(Box::new(source), config).expect("starts");
    for _ in scanner.events().iter() {}
    let preview = scanner.previews().try_recv().expect("a preview");
    assert_eq!((preview.width, preview.height), (320, 180));
    let decoded = image::load_from_memory(&preview.jpeg).expect("preview is a JPEG");
    assert_eq!((decoded.width(), decoded.height()), (320, 180));
}
