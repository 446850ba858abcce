//! The webcam, through nokhwa (V4L2 on Linux, Media Foundation on Windows, AVFoundation on
//! macOS).
//!
//! The format choice favours cheap luma: GRAY and NV12 carry a luma plane as is, YUYV has
//! every other byte as luma, MJPEG is decoded to its Y component only (no chroma upsampling,
//! no colour conversion). An RGB detour would cost more than the QR decode of a frame.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender};
use std::thread;
use std::time::Duration;

use nokhwa::Camera;
use nokhwa::pixel_format::LumaFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
};
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

use super::FrameSource;
use crate::{Frame, LumaImage, SourceError};

/// Which camera and what resolution to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CameraConfig {
    pub index: u32,
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

impl Default for CameraConfig {
    /// 1280x720 at 30 fps: enough pixels for a badge at arm's length, and every webcam of
    /// the last decade delivers it at full rate (as MJPEG at least).
    fn default() -> Self {
        Self {
            index: 0,
            width: 1280,
            height: 720,
            fps: 30,
        }
    }
}

/// A camera as the system lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CameraDescription {
    pub index: u32,
    pub name: String,
    pub description: String,
}

/// Lists cameras; `Err(NoCamera)` when there are none, so callers print one clear message.
pub fn list_cameras() -> Result<Vec<CameraDescription>, SourceError> {
    let infos =
        nokhwa::query(ApiBackend::Auto).map_err(|e| SourceError::NoCamera(e.to_string()))?;
    let cams: Vec<CameraDescription> = infos
        .iter()
        .enumerate()
        .map(|(i, info)| CameraDescription {
            index: match info.index() {
                CameraIndex::Index(n) => *n,
                CameraIndex::String(_) => i as u32,
            },
            name: info.human_name(),
            description: info.description().to_string(),
        })
        .collect();
    if cams.is_empty() {
        return Err(SourceError::NoCamera(no_camera_hint()));
    }
    Ok(cams)
}

fn no_camera_hint() -> String {
    if cfg!(target_os = "linux") {
        "no video device (/dev/video*) on this machine; plug in a webcam or check its permissions"
            .into()
    } else {
        "the system lists no video device; plug in a webcam or allow camera access".into()
    }
}

/// Lower is better: formats whose luma is cheapest to get.
fn format_rank(f: FrameFormat) -> Option<u8> {
    match f {
        FrameFormat::GRAY => Some(0),
        FrameFormat::NV12 => Some(1),
        FrameFormat::YUYV => Some(2),
        FrameFormat::MJPEG => Some(3),
        FrameFormat::RAWRGB | FrameFormat::RAWBGR => Some(4),
    }
}

/// Picks the camera format for a request: closest resolution first, then one that keeps
/// the asked frame rate (1080p YUYV is often 5 fps on USB 2, MJPEG 30), then the cheapest
/// luma, then the higher frame rate.
pub fn choose_format(formats: &[CameraFormat], want: &CameraConfig) -> Option<CameraFormat> {
    let area = |w: u32, h: u32| w as i64 * h as i64;
    let want_area = area(want.width, want.height);
    formats
        .iter()
        .filter_map(|f| format_rank(f.format()).map(|rank| (f, rank)))
        .min_by_key(|(f, rank)| {
            (
                (area(f.width(), f.height()) - want_area).abs(),
                f.frame_rate() < want.fps,
                *rank,
                std::cmp::Reverse(f.frame_rate()),
            )
        })
        .map(|(f, _)| *f)
}

/// A webcam frame source. Nothing is opened until [`FrameSource::open`].
///
/// nokhwa's camera handle is not `Send` (and on some platforms must stay on the thread
/// that created it), so the camera lives on its own thread: it is created, read and
/// closed there, and frames, already converted to luma, come over a small channel. The
/// conversion (MJPEG decoding) thus runs in parallel with QR decoding.
pub struct CameraSource {
    config: CameraConfig,
    worker: Option<CameraWorker>,
    format: Option<CameraFormat>,
    seq: u64,
    /// A camera that delivers nothing for this long is treated as failed (and re-opened).
    pub frame_timeout: Duration,
}

struct CameraWorker {
    frames: Receiver<Result<LumaImage, SourceError>>,
    stop: Arc<AtomicBool>,
}

impl CameraSource {
    pub fn new(config: CameraConfig) -> Self {
        Self {
            config,
            worker: None,
            format: None,
            seq: 0,
            frame_timeout: Duration::from_secs(5),
        }
    }

    /// The format in use once open.
    pub fn format(&self) -> Option<CameraFormat> {
        self.format
    }
}

fn classify(index: u32, err: nokhwa::NokhwaError) -> SourceError {
    let detail = err.to_string();
    let lower = detail.to_ascii_lowercase();
    if lower.contains("busy") || lower.contains("os error 16") {
        SourceError::CameraBusy { index, detail }
    } else if lower.contains("no such file")
        || lower.contains("os error 2)")
        || lower.contains("no such device")
    {
        SourceError::NoCamera(format!("camera {index} is gone ({detail})"))
    } else {
        SourceError::Camera { index, detail }
    }
}

fn open_camera(config: &CameraConfig) -> Result<Camera, SourceError> {
    let cams = list_cameras()?;
    if !cams.iter().any(|c| c.index == config.index) {
        let present: Vec<String> = cams
            .iter()
            .map(|c| format!("{} ({})", c.index, c.name))
            .collect();
        return Err(SourceError::NoCamera(format!(
            "camera {} is not present; cameras: {}",
            config.index,
            present.join(", ")
        )));
    }
    let index = config.index;
    let first = CameraFormat::new_from(config.width, config.height, FrameFormat::MJPEG, config.fps);
    let mut camera = Camera::new(
        CameraIndex::Index(index),
        RequestedFormat::new::<LumaFormat>(RequestedFormatType::Closest(first)),
    )
    .map_err(|e| classify(index, e))?;
    let formats = camera
        .compatible_camera_formats()
        .map_err(|e| classify(index, e))?;
    if let Some(best) = choose_format(&formats, config) {
        let wanted = [best.format()];
        let req = RequestedFormat::with_formats(RequestedFormatType::Exact(best), &wanted);
        if let Err(e) = camera.set_camera_requset(req) {
            tracing::warn!(error = %e, format = %best, "could not switch camera format; keeping the driver's");
        }
    }
    camera.open_stream().map_err(|e| classify(index, e))?;
    Ok(camera)
}

/// The camera thread: open, then read and convert frames until stopped or failed.
fn camera_thread(
    config: CameraConfig,
    ready: mpsc::Sender<Result<CameraFormat, SourceError>>,
    frames: SyncSender<Result<LumaImage, SourceError>>,
    stop: Arc<AtomicBool>,
) {
    let mut camera = match open_camera(&config) {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    if ready.send(Ok(camera.camera_format())).is_err() {
        return;
    }
    while !stop.load(Ordering::SeqCst) {
        let result = camera
            .frame()
            .map_err(|e| classify(config.index, e))
            .and_then(|buffer| {
                let res = buffer.resolution();
                raw_to_luma(
                    buffer.source_frame_format(),
                    res.width(),
                    res.height(),
                    buffer.buffer(),
                )
            });
        let failed = result.is_err();
        if frames.send(result).is_err() || failed {
            break;
        }
    }
    if let Err(e) = camera.stop_stream() {
        tracing::debug!(error = %e, "stopping camera stream");
    }
}

impl FrameSource for CameraSource {
    fn describe(&self) -> String {
        match self.format {
            Some(f) => format!(
                "camera {} {}x{} {} {} fps",
                self.config.index,
                f.width(),
                f.height(),
                f.format(),
                f.frame_rate()
            ),
            None => format!("camera {}", self.config.index),
        }
    }

    fn open(&mut self) -> Result<(), SourceError> {
        self.close();
        let (ready_tx, ready_rx) = mpsc::channel();
        // Two frames of slack: the capture loop drains quickly, and a deeper queue would
        // only hold stale pictures.
        let (frame_tx, frame_rx) = mpsc::sync_channel(2);
        let stop = Arc::new(AtomicBool::new(false));
        let config = self.config;
        let thread_stop = Arc::clone(&stop);
        let index = self.config.index;
        thread::Builder::new()
            .name("entrada-camera".into())
            .spawn(move || camera_thread(config, ready_tx, frame_tx, thread_stop))
            .map_err(|e| SourceError::Camera {
                index,
                detail: format!("cannot start camera thread: {e}"),
            })?;
        let format = match ready_rx.recv() {
            Ok(Ok(format)) => format,
            Ok(Err(e)) => return Err(e),
            Err(_) => {
                return Err(SourceError::Camera {
                    index,
                    detail: "camera thread ended while opening".into(),
                });
            }
        };
        tracing::info!(index, %format, "camera opened");
        self.format = Some(format);
        self.worker = Some(CameraWorker {
            frames: frame_rx,
            stop,
        });
        Ok(())
    }

    fn next_frame(&mut self) -> Result<Option<Frame>, SourceError> {
        let index = self.config.index;
        let Some(worker) = self.worker.as_ref() else {
            return Err(SourceError::Camera {
                index,
                detail: "not open".into(),
            });
        };
        let result = match worker.frames.recv_timeout(self.frame_timeout) {
            Ok(r) => r,
            Err(RecvTimeoutError::Timeout) => Err(SourceError::Camera {
                index,
                detail: format!("no frame for {} s", self.frame_timeout.as_secs()),
            }),
            Err(RecvTimeoutError::Disconnected) => Err(SourceError::Camera {
                index,
                detail: "camera thread ended".into(),
            }),
        };
        match result {
            Ok(image) => {
                let frame = Frame::now(image, self.seq);
                self.seq += 1;
                Ok(Some(frame))
            }
            Err(e) => {
                self.close();
                Err(e)
            }
        }
    }

    fn close(&mut self) {
        // The thread may be blocked in the driver; it sees the flag (or the closed channel)
        // after its current frame and releases the device. Not joined, so a hung driver
        // cannot hang the scanner.
        if let Some(worker) = self.worker.take() {
            worker.stop.store(true, Ordering::SeqCst);
        }
    }
}

impl Drop for CameraSource {
    fn drop(&mut self) {
        self.close();
    }
}

/// Converts one raw camera buffer to luma, taking the cheapest path per format.
pub fn raw_to_luma(
    format: FrameFormat,
    width: u32,
    height: u32,
    data: &[u8],
) -> Result<LumaImage, SourceError> {
    let n = width as usize * height as usize;
    match format {
        FrameFormat::GRAY | FrameFormat::NV12 => {
            let plane = data.get(..n).ok_or_else(|| {
                SourceError::BadFrame(format!("{format} {width}x{height}: {} bytes", data.len()))
            })?;
            LumaImage::new(width, height, plane.to_vec())
        }
        FrameFormat::YUYV => LumaImage::from_yuyv(width, height, data),
        FrameFormat::MJPEG => mjpeg_to_luma(data),
        FrameFormat::RAWRGB => LumaImage::from_rgb(width, height, data),
        FrameFormat::RAWBGR => {
            let rgb: Vec<u8> = data
                .chunks_exact(3)
                .flat_map(|p| [p[2], p[1], p[0]])
                .collect();
            LumaImage::from_rgb(width, height, &rgb)
        }
    }
}

/// Decodes only the Y component of a JPEG.
pub fn mjpeg_to_luma(data: &[u8]) -> Result<LumaImage, SourceError> {
    let options = DecoderOptions::default().jpeg_set_out_colorspace(ColorSpace::Luma);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(data), options);
    let pixels = decoder
        .decode()
        .map_err(|e| SourceError::BadFrame(format!("MJPEG: {e:?}")))?;
    let info = decoder
        .info()
        .ok_or_else(|| SourceError::BadFrame("MJPEG: no header".into()))?;
    LumaImage::new(info.width as u32, info.height as u32, pixels)
}
