//! Isolation of decoders from the scanner: panics are contained, runaway decodes abandoned.
//!
//! rqrr asserts on some real photos and rxing's try-harder can spin for seconds. A door
//! scanner that dies or freezes on one odd frame is worse than one that skips the frame, so
//! every decode the scanner runs goes through here.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread;
use std::time::Duration;

use super::{Decoder, Detection};
use crate::DecodeError;
use crate::frame::LumaImage;

/// Runs one decoder, turning a panic into an error.
pub fn decode_guarded(
    decoder: &dyn Decoder,
    image: &LumaImage,
) -> Result<Vec<Detection>, DecodeError> {
    catch_unwind(AssertUnwindSafe(|| decoder.decode(image))).map_err(|p| DecodeError::Panicked {
        decoder: decoder.name(),
        message: panic_message(p.as_ref()),
    })
}

pub(crate) fn panic_message(p: &(dyn Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Decoding state that runs on a worker thread: a [`FrameDecoder`](super::FrameDecoder)
/// (with its tracked region) or a [`FileDecoder`](super::FileDecoder).
pub trait DecodeState: Send + 'static {
    fn decode_image(&mut self, image: &LumaImage) -> Vec<Detection>;
}

type Reply = Result<Vec<Detection>, DecodeError>;

struct Worker {
    jobs: Sender<Arc<LumaImage>>,
    replies: Receiver<Reply>,
}

/// A decode state on its own worker thread, with a time limit per image.
///
/// When a decode runs past the limit the caller gets [`DecodeError::TimedOut`] at once; the
/// worker is abandoned (it finishes in the background and its answer is dropped) and a fresh
/// worker with fresh state takes over for the next image. A panic is answered with
/// [`DecodeError::Panicked`] and the state is rebuilt on the same worker.
pub struct IsolatedDecoder<S: DecodeState> {
    make: Arc<dyn Fn() -> S + Send + Sync>,
    worker: Option<Worker>,
    timeout: Duration,
    abandoned: u64,
}

impl<S: DecodeState> IsolatedDecoder<S> {
    /// `make` builds the state; it is called again whenever a worker is replaced.
    pub fn new(make: impl Fn() -> S + Send + Sync + 'static, timeout: Duration) -> Self {
        Self {
            make: Arc::new(make),
            worker: None,
            timeout,
            abandoned: 0,
        }
    }

    /// How many workers were abandoned after a timeout so far.
    pub fn abandoned_workers(&self) -> u64 {
        self.abandoned
    }

    fn spawn(&self) -> Result<Worker, DecodeError> {
        let (jobs, job_rx) = mpsc::channel::<Arc<LumaImage>>();
        let (reply_tx, replies) = mpsc::channel::<Reply>();
        let make = Arc::clone(&self.make);
        thread::Builder::new()
            .name("entrada-decode".into())
            .spawn(move || {
                let mut state = make();
                while let Ok(image) = job_rx.recv() {
                    let reply = catch_unwind(AssertUnwindSafe(|| state.decode_image(&image)))
                        .map_err(|p| DecodeError::Panicked {
                            decoder: "ladder",
                            message: panic_message(p.as_ref()),
                        });
                    if reply.is_err() {
                        // The state may be half-updated; start clean.
                        state = make();
                    }
                    if reply_tx.send(reply).is_err() {
                        break; // abandoned
                    }
                }
            })
            .map_err(|e| DecodeError::Worker(e.to_string()))?;
        Ok(Worker { jobs, replies })
    }

    /// Decodes one image within the time limit.
    pub fn decode(&mut self, image: Arc<LumaImage>) -> Result<Vec<Detection>, DecodeError> {
        let worker = match self.worker.take() {
            Some(w) => w,
            None => self.spawn()?,
        };
        if worker.jobs.send(image).is_err() {
            return Err(DecodeError::Worker("decode worker exited".into()));
        }
        match worker.replies.recv_timeout(self.timeout) {
            Ok(reply) => {
                self.worker = Some(worker);
                if let Err(e) = &reply {
                    tracing::warn!(error = %e, "decode panicked; state rebuilt");
                }
                reply
            }
            Err(RecvTimeoutError::Timeout) => {
                self.abandoned += 1;
                tracing::warn!(
                    timeout_ms = self.timeout.as_millis() as u64,
                    abandoned = self.abandoned,
                    "decode ran past its limit; worker abandoned"
                );
                Err(DecodeError::TimedOut {
                    millis: self.timeout.as_millis() as u64,
                })
            }
            Err(RecvTimeoutError::Disconnected) => {
                Err(DecodeError::Worker("decode worker exited".into()))
            }
        }
    }
}
