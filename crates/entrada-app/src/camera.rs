//! The door's camera: one live scanner (entrada-scan's capture + decode threads with
//! debounce) and one forwarding thread that turns its output into the contract's events:
//! each new payload is judged (`scan-result`), preview JPEGs become `camera-frame`, source
//! states become `camera-state`.
//!
//! The scanner re-opens a failing camera by itself with backoff, so a kiosk whose USB
//! camera drops comes back without anyone touching it; the UI sees `recovering` meanwhile.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine as _;
use entrada_scan::source::{CameraConfig, CameraSource, list_cameras};
use entrada_scan::{FrameSource, PreviewConfig, Scanner, ScannerConfig, ScannerEvent, SourceState};

use crate::error::{AppError, ErrorCode};
use crate::frames::{FramesConfig, WatchedFolder};
use crate::types::{Camera, CameraFrame, CameraState, CameraStateKind};
use crate::{App, AppEvent, Result};

/// Preview frames for the eye: 4 per second, 640 px wide, JPEG quality 70 (the contract).
const PREVIEW: PreviewConfig = PreviewConfig {
    interval: Duration::from_millis(250),
    max_width: 640,
    quality: 70,
};

pub(crate) struct CameraManager {
    frames: Option<FramesConfig>,
    inner: Mutex<Inner>,
}

struct Inner {
    state: CameraState,
    running: Option<Running>,
    /// The newest preview, sent again when the page asks for the camera state, so a page
    /// that has just loaded shows the picture at once instead of at the next frame.
    latest: Option<CameraFrame>,
}

struct Running {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl CameraManager {
    pub(crate) fn new(frames: Option<FramesConfig>) -> Self {
        Self {
            frames,
            inner: Mutex::new(Inner {
                state: stopped(),
                running: None,
                latest: None,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn stopped() -> CameraState {
    CameraState {
        state: CameraStateKind::Stopped,
        camera_index: None,
        message: None,
    }
}

impl App {
    /// `list_cameras`: an empty list means no camera (the UI shows manual entry).
    pub fn list_cameras(&self) -> Vec<Camera> {
        if let Some(f) = &self.camera.frames {
            return vec![Camera {
                index: 0,
                name: format!(
                    "Image frames: {}",
                    f.dir
                        .file_name()
                        .unwrap_or(f.dir.as_os_str())
                        .to_string_lossy()
                ),
            }];
        }
        match list_cameras() {
            Ok(cams) => cams
                .into_iter()
                .map(|c| Camera {
                    index: c.index,
                    name: c.name,
                })
                .collect(),
            Err(e) => {
                tracing::info!(error = %e, "no cameras");
                Vec::new()
            }
        }
    }

    /// `camera_state`; while a camera runs, its newest preview frame follows as a
    /// `camera-frame` event.
    pub fn camera_state(&self) -> CameraState {
        let (state, latest) = {
            let inner = self.camera.lock();
            (inner.state.clone(), inner.latest.clone())
        };
        if let Some(frame) = latest {
            self.emit(AppEvent::CameraFrame(frame));
        }
        state
    }

    /// `start_camera`: starts or switches to camera `index` (with `--frames`, the folder).
    pub fn start_camera(self: &Arc<Self>, index: u32) -> Result<()> {
        self.stop_camera();
        let source: Box<dyn FrameSource + Send> = match &self.camera.frames {
            Some(f) => Box::new(
                WatchedFolder::new(f.clone())
                    .map_err(|e| AppError::new(ErrorCode::Camera, e.to_string()))?,
            ),
            None => Box::new(CameraSource::new(CameraConfig {
                index,
                ..CameraConfig::default()
            })),
        };
        let scanner = Scanner::start(
            source,
            ScannerConfig {
                preview: Some(PREVIEW),
                ..ScannerConfig::default()
            },
        )
        .map_err(|e| AppError::new(ErrorCode::Camera, e.to_string()))?;
        let stop = Arc::new(AtomicBool::new(false));
        let app = Arc::downgrade(self);
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("entrada-camera-events".into())
                .spawn(move || forward(scanner, app, index, &stop))
                .map_err(|e| AppError::new(ErrorCode::Camera, e.to_string()))?
        };
        let mut inner = self.camera.lock();
        inner.running = Some(Running { stop, thread });
        Ok(())
    }

    /// `stop_camera`.
    pub fn stop_camera(&self) {
        let running = {
            let mut inner = self.camera.lock();
            inner.latest = None;
            inner.running.take()
        };
        if let Some(r) = running {
            r.stop.store(true, Ordering::SeqCst);
            if r.thread.join().is_err() {
                tracing::error!("camera event thread panicked");
            }
        }
        self.set_camera_state(stopped());
    }

    fn set_camera_state(&self, state: CameraState) {
        {
            let mut inner = self.camera.lock();
            if inner.state == state {
                return;
            }
            if state.state != CameraStateKind::Running {
                inner.latest = None;
            }
            inner.state = state.clone();
        }
        self.emit(AppEvent::CameraState(state));
    }
}

/// After a verdict, preview frames pause this long: the page then spends its time on the
/// banner, not on decoding and painting a camera picture nobody looks at in that instant.
const QUIET_AFTER_VERDICT: Duration = Duration::from_millis(400);

/// The forwarding loop. Holds only a weak reference to the app, so closing the app is
/// never kept waiting by a camera. Verdicts go first; of the preview frames waiting, only
/// the newest is sent.
fn forward(scanner: Scanner, app: Weak<App>, index: u32, stop: &AtomicBool) {
    let mut quiet_until: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        let Some(app) = app.upgrade() else { break };
        match scanner.events().recv_timeout(Duration::from_millis(40)) {
            Ok(ScannerEvent::Scan(scan)) => match app.scan_camera(&scan.payload) {
                Ok(result) => {
                    quiet_until = Some(Instant::now() + QUIET_AFTER_VERDICT);
                    let ms = scan.captured_at.elapsed().as_secs_f64() * 1000.0;
                    tracing::info!(
                        target: "entrada_app::latency",
                        frame_to_event_ms = ms,
                        decode_ms = scan.decode_ms,
                        verdict = %result.verdict,
                        "camera scan judged"
                    );
                    if let Some(path) = &app.config.latency_log {
                        log_latency(path, &result.reading_id, scan.wall_time);
                    }
                }
                Err(e) => tracing::warn!(error = %e, "camera scan not judged"),
            },
            Ok(ScannerEvent::State(state)) => app.set_camera_state(camera_state(&state, index)),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        let newest = scanner.previews().try_iter().last();
        if quiet_until.is_some_and(|t| Instant::now() < t) {
            continue;
        }
        if let Some(p) = newest {
            let data = base64::engine::general_purpose::STANDARD.encode(&p.jpeg);
            let frame = CameraFrame {
                data_url: format!("data:image/jpeg;base64,{data}"),
                width: p.width,
                height: p.height,
            };
            app.camera.lock().latest = Some(frame.clone());
            app.emit(AppEvent::CameraFrame(frame));
        }
    }
    scanner.stop();
}

fn camera_state(state: &SourceState, index: u32) -> CameraState {
    let (kind, message) = match state {
        SourceState::Starting => (CameraStateKind::Running, None),
        SourceState::Running { .. } => (CameraStateKind::Running, None),
        SourceState::NoCamera { message } => (CameraStateKind::NoCamera, Some(message.clone())),
        SourceState::Recovering { message } => (CameraStateKind::Recovering, Some(message.clone())),
        SourceState::Finished | SourceState::Stopped => (CameraStateKind::Stopped, None),
    };
    CameraState {
        camera_index: (kind != CameraStateKind::NoCamera).then_some(index),
        state: kind,
        message,
    }
}

/// One line per scan for the benchmark: which reading, when its frame was captured and
/// when its event left for the UI (wall clock, so the UI side can be joined by reading id).
fn log_latency(path: &std::path::Path, reading: &str, captured: std::time::SystemTime) {
    use std::io::Write as _;
    let ms = |t: std::time::SystemTime| {
        t.duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    let line = format!(
        "{reading},{:.3},{:.3}\n",
        ms(captured),
        ms(std::time::SystemTime::now())
    );
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(line.as_bytes()));
    if let Err(e) = written {
        tracing::warn!(error = %e, path = %path.display(), "latency log not written");
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use crate::frames::FramesConfig;
    use crate::test_shell::Recorder;
    use crate::types::CameraStateKind;
    use crate::{App, AppConfig, AppEvent};

    impl Recorder {
        fn frames(&self) -> usize {
            let events = self.0.lock().unwrap();
            events
                .iter()
                .filter(|e| matches!(e, AppEvent::CameraFrame(_)))
                .count()
        }
    }

    #[test]
    fn asking_for_the_camera_state_resends_the_newest_preview_while_it_runs() {
        let dir = tempfile::tempdir().unwrap();
        let frames = dir.path().join("frames");
        std::fs::create_dir_all(&frames).unwrap();
        let shell = Arc::new(Recorder::default());
        let mut config = AppConfig::new(dir.path().join("data"));
        config.frames = Some(FramesConfig::new(&frames, 10.0));
        let app = App::open(config, shell.clone()).unwrap();
        assert_eq!(app.camera_state().state, CameraStateKind::Stopped);
        assert_eq!(shell.frames(), 0, "no camera, no picture");

        app.start_camera(0).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while shell.frames() == 0 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let before = shell.frames();
        assert!(before > 0, "the folder source shows an idle picture");
        assert_eq!(app.camera_state().state, CameraStateKind::Running);
        assert!(
            shell.frames() > before,
            "the newest preview follows the state"
        );

        app.stop_camera();
        let stopped = shell.frames();
        assert_eq!(app.camera_state().state, CameraStateKind::Stopped);
        assert_eq!(
            shell.frames(),
            stopped,
            "a stopped camera's picture is not sent"
        );
    }
}
