//! The live scanner: a capture thread, a decode thread, and events over a channel.
//!
//! ```text
//! FrameSource ──capture thread──> [latest-frame slot] ──decode thread──> debounce ──> events
//!                     └──> preview (downscaled JPEG, a few per second)
//! ```
//!
//! The slot holds one frame: when the decoder is busy, a newer frame replaces the waiting
//! one (counted as dropped). Decoding therefore always works on the freshest picture and
//! capture never waits for decoding, which is what keeps the door fast: a queue would make
//! the verdict lag further behind the badge with every slow frame.
//!
//! The capture thread survives a failing source: it closes it, reports
//! [`SourceState::Recovering`] (or [`SourceState::NoCamera`]) and re-opens it with
//! exponential backoff, so a kiosk whose USB camera drops out comes back by itself.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender, TrySendError};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime};

use crate::decode::{FrameDecoder, FrameDecoderConfig, IsolatedDecoder};
use crate::{Debouncer, Frame, FrameSource, LumaImage, Region, SourceError};

/// Tuning of the live scanner.
#[derive(Debug, Clone)]
pub struct ScannerConfig {
    /// The same payload seen again within this window is not a new scan.
    pub debounce: Duration,
    /// Per-frame decode budget and ladder.
    pub decoder: FrameDecoderConfig,
    /// A decode running longer than this is abandoned and its worker replaced.
    pub decode_timeout: Duration,
    /// Preview frames for the UI; `None` for headless use.
    pub preview: Option<PreviewConfig>,
    /// First and longest wait between attempts to re-open a failing source.
    pub reopen_backoff: (Duration, Duration),
}

impl Default for ScannerConfig {
    fn default() -> Self {
        Self {
            debounce: crate::debounce::DEFAULT_WINDOW,
            decoder: FrameDecoderConfig::default(),
            decode_timeout: Duration::from_secs(2),
            preview: None,
            reopen_backoff: (Duration::from_millis(250), Duration::from_secs(5)),
        }
    }
}

/// How often and how large preview frames are.
#[derive(Debug, Clone, Copy)]
pub struct PreviewConfig {
    pub interval: Duration,
    /// The preview is downscaled by an integer factor until it is at most this wide.
    pub max_width: u32,
    /// JPEG quality, 1-100.
    pub quality: u8,
}

impl Default for PreviewConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_millis(200),
            max_width: 640,
            quality: 70,
        }
    }
}

/// A greyscale JPEG of a recent frame.
#[derive(Debug, Clone)]
pub struct Preview {
    pub width: u32,
    pub height: u32,
    pub jpeg: Vec<u8>,
    pub frame_seq: u64,
}

/// What the frame source is doing, for the status line of the door screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceState {
    Starting,
    Running {
        source: String,
    },
    /// No camera is there; the scanner keeps looking (one may be plugged in).
    NoCamera {
        message: String,
    },
    /// The source failed; the scanner is re-opening it with backoff.
    Recovering {
        message: String,
    },
    /// A finite source (files, a folder) has delivered all its frames.
    Finished,
    Stopped,
}

/// A new scan: a payload not seen within the debounce window.
#[derive(Debug, Clone)]
pub struct Scan {
    /// The bytes handed to the check-in core.
    pub payload: Vec<u8>,
    pub text: String,
    /// Where the badge was, in frame pixels (for an overlay).
    pub region: Region,
    pub captured_at: Instant,
    pub wall_time: SystemTime,
    pub frame_seq: u64,
    /// Time spent decoding that frame.
    pub decode_ms: f64,
    /// The ladder rung that read it.
    pub via: &'static str,
}

/// Everything the scanner reports, in order.
#[derive(Debug, Clone)]
pub enum ScannerEvent {
    Scan(Scan),
    State(SourceState),
}

/// Counters for diagnostics and the benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScannerStats {
    pub frames_captured: u64,
    pub frames_decoded: u64,
    /// Frames replaced in the slot before the decoder got to them.
    pub frames_dropped: u64,
    pub decode_failures: u64,
}

#[derive(Default)]
struct Slot {
    frame: Option<Frame>,
    finished: bool,
}

struct Shared {
    slot: Mutex<Slot>,
    ready: Condvar,
    stop: AtomicBool,
    state: Mutex<SourceState>,
    captured: AtomicU64,
    decoded: AtomicU64,
    dropped: AtomicU64,
    failures: AtomicU64,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding these locks cannot leave them inconsistent (plain stores).
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A running scanner. Dropping it stops both threads.
pub struct Scanner {
    shared: Arc<Shared>,
    events: Receiver<ScannerEvent>,
    previews: Receiver<Preview>,
    threads: Vec<JoinHandle<()>>,
}

impl Scanner {
    /// Starts capture and decode threads over `source`.
    pub fn start(
        source: Box<dyn FrameSource + Send>,
        config: ScannerConfig,
    ) -> Result<Scanner, SourceError> {
        let shared = Arc::new(Shared {
            slot: Mutex::new(Slot::default()),
            ready: Condvar::new(),
            stop: AtomicBool::new(false),
            state: Mutex::new(SourceState::Starting),
            captured: AtomicU64::new(0),
            decoded: AtomicU64::new(0),
            dropped: AtomicU64::new(0),
            failures: AtomicU64::new(0),
        });
        let (event_tx, events) = mpsc::channel();
        // Previews are best effort: two waiting is plenty, more are dropped.
        let (preview_tx, previews) = mpsc::sync_channel(2);
        let spawn_err = |e: std::io::Error| SourceError::Camera {
            index: 0,
            detail: format!("cannot start scanner thread: {e}"),
        };

        let capture = {
            let shared = Arc::clone(&shared);
            let events = event_tx.clone();
            let config = config.clone();
            thread::Builder::new()
                .name("entrada-capture".into())
                .spawn(move || capture_loop(source, &shared, &events, &preview_tx, &config))
                .map_err(spawn_err)?
        };
        let decode = {
            let shared = Arc::clone(&shared);
            thread::Builder::new()
                .name("entrada-scan".into())
                .spawn(move || decode_loop(&shared, &event_tx, &config))
                .map_err(spawn_err)?
        };
        Ok(Scanner {
            shared,
            events,
            previews,
            threads: vec![capture, decode],
        })
    }

    /// Scan and state events. The channel closes when the scanner has stopped or a finite
    /// source has been fully decoded.
    pub fn events(&self) -> &Receiver<ScannerEvent> {
        &self.events
    }

    /// Preview frames, if configured (best effort: old ones are dropped, never queued).
    pub fn previews(&self) -> &Receiver<Preview> {
        &self.previews
    }

    pub fn state(&self) -> SourceState {
        lock(&self.shared.state).clone()
    }

    pub fn stats(&self) -> ScannerStats {
        ScannerStats {
            frames_captured: self.shared.captured.load(Ordering::Relaxed),
            frames_decoded: self.shared.decoded.load(Ordering::Relaxed),
            frames_dropped: self.shared.dropped.load(Ordering::Relaxed),
            decode_failures: self.shared.failures.load(Ordering::Relaxed),
        }
    }

    /// Stops both threads and waits for them (capture returns after at most one frame).
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        self.shared.ready.notify_all();
        for t in self.threads.drain(..) {
            if t.join().is_err() {
                tracing::error!("scanner thread panicked");
            }
        }
    }
}

impl Drop for Scanner {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn set_state(shared: &Shared, events: &Sender<ScannerEvent>, state: SourceState) {
    let mut cur = lock(&shared.state);
    if *cur != state {
        tracing::info!(?state, "scanner source state");
        *cur = state.clone();
        // The receiver may be gone (app shutting down); nothing to do then.
        let _ = events.send(ScannerEvent::State(state));
    }
}

/// Sleeps up to `d`, waking early when the scanner is stopped.
fn pause(shared: &Shared, d: Duration) {
    let deadline = Instant::now() + d;
    while !shared.stop.load(Ordering::SeqCst) {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        thread::sleep((deadline - now).min(Duration::from_millis(50)));
    }
}

fn capture_loop(
    mut source: Box<dyn FrameSource + Send>,
    shared: &Shared,
    events: &Sender<ScannerEvent>,
    previews: &SyncSender<Preview>,
    config: &ScannerConfig,
) {
    let (min_backoff, max_backoff) = config.reopen_backoff;
    let mut backoff = min_backoff;
    let mut open = false;
    let mut last_preview: Option<Instant> = None;
    while !shared.stop.load(Ordering::SeqCst) {
        if !open {
            match source.open() {
                Ok(()) => {
                    open = true;
                    backoff = min_backoff;
                    set_state(
                        shared,
                        events,
                        SourceState::Running {
                            source: source.describe(),
                        },
                    );
                }
                Err(e) => {
                    let message = e.to_string();
                    let state = match e {
                        SourceError::NoCamera(_) => SourceState::NoCamera { message },
                        _ => SourceState::Recovering { message },
                    };
                    set_state(shared, events, state);
                    pause(shared, backoff);
                    backoff = (backoff * 2).min(max_backoff);
                    continue;
                }
            }
        }
        match source.next_frame() {
            Ok(Some(frame)) => {
                shared.captured.fetch_add(1, Ordering::Relaxed);
                if let Some(pc) = &config.preview
                    && last_preview.is_none_or(|t| t.elapsed() >= pc.interval)
                {
                    last_preview = Some(Instant::now());
                    if let Some(p) = make_preview(&frame, pc)
                        && let Err(TrySendError::Disconnected(_)) = previews.try_send(p)
                    {
                        tracing::trace!("preview receiver gone");
                    }
                }
                let mut slot = lock(&shared.slot);
                if slot.frame.replace(frame).is_some() {
                    shared.dropped.fetch_add(1, Ordering::Relaxed);
                }
                drop(slot);
                shared.ready.notify_one();
            }
            Ok(None) => {
                lock(&shared.slot).finished = true;
                shared.ready.notify_all();
                set_state(shared, events, SourceState::Finished);
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, source = %source.describe(), "frame source failed; re-opening");
                source.close();
                open = false;
                let message = e.to_string();
                let state = match e {
                    SourceError::NoCamera(_) => SourceState::NoCamera { message },
                    _ => SourceState::Recovering { message },
                };
                set_state(shared, events, state);
                pause(shared, backoff);
                backoff = (backoff * 2).min(max_backoff);
            }
        }
    }
    source.close();
    set_state(shared, events, SourceState::Stopped);
    shared.ready.notify_all();
}

fn decode_loop(shared: &Shared, events: &Sender<ScannerEvent>, config: &ScannerConfig) {
    let decoder_config = config.decoder.clone();
    let mut decoder = IsolatedDecoder::new(
        move || FrameDecoder::new(decoder_config.clone()),
        config.decode_timeout,
    );
    let mut debouncer = Debouncer::new(config.debounce);
    loop {
        let frame = {
            let mut slot = lock(&shared.slot);
            loop {
                if shared.stop.load(Ordering::SeqCst) {
                    return;
                }
                if let Some(f) = slot.frame.take() {
                    break f;
                }
                if slot.finished {
                    return;
                }
                slot = shared.ready.wait(slot).unwrap_or_else(|p| p.into_inner());
            }
        };
        let started = Instant::now();
        let result = decoder.decode(Arc::clone(&frame.image));
        let decode_ms = started.elapsed().as_secs_f64() * 1000.0;
        shared.decoded.fetch_add(1, Ordering::Relaxed);
        let found = match result {
            Ok(found) => found,
            Err(e) => {
                shared.failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(error = %e, frame = frame.seq, "frame skipped");
                continue;
            }
        };
        for d in found {
            if !debouncer.accept(&d.payload, frame.captured_at) {
                continue;
            }
            tracing::debug!(frame = frame.seq, via = d.via, decode_ms, "new scan");
            let scan = Scan {
                payload: d.payload,
                text: d.text,
                region: d.region,
                captured_at: frame.captured_at,
                wall_time: frame.wall_time,
                frame_seq: frame.seq,
                decode_ms,
                via: d.via,
            };
            if events.send(ScannerEvent::Scan(scan)).is_err() {
                return; // nobody listens any more
            }
        }
    }
}

fn make_preview(frame: &Frame, pc: &PreviewConfig) -> Option<Preview> {
    let img: &LumaImage = &frame.image;
    let factor = img.width().div_ceil(pc.max_width.max(1)).max(1);
    let small = img.downscale(factor);
    let mut jpeg = Vec::new();
    let encoder =
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, pc.quality.clamp(1, 100));
    use image::ImageEncoder;
    match encoder.write_image(
        small.data(),
        small.width(),
        small.height(),
        image::ExtendedColorType::L8,
    ) {
        Ok(()) => Some(Preview {
            width: small.width(),
            height: small.height(),
            jpeg,
            frame_seq: frame.seq,
        }),
        Err(e) => {
            tracing::debug!(error = %e, "preview encoding failed");
            None
        }
    }
}
