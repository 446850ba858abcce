//! Connections: one writer thread that owns the writing `Store` and group-commits accesses,
//! and a small pool of reading `Store`s (WAL lets readers run beside the writer).

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};

use chrono::Timelike;
use entrada_domain::{AttendeeId, CheckpointId, ScanOutcome};
use entrada_store::Store;
use entrada_store::{ScanRequest, Subject};

use crate::storage::{StorageError, StorageResult};

/// Most accesses judged in one transaction. Large enough to amortise the fsync under load,
/// small enough that the first request of a batch does not wait long for the last.
const MAX_BATCH: usize = 256;

type Work = Box<dyn FnOnce(&mut Store) + Send>;

pub(super) struct Access {
    pub checkpoint: CheckpointId,
    pub attendee: AttendeeId,
    pub reply: SyncSender<StorageResult<ScanOutcome>>,
}

pub(super) enum Job {
    Run(Work),
    Access(Access),
}

pub(super) struct Pool {
    path: PathBuf,
    readers: Mutex<Vec<Store>>,
    writer: Mutex<Option<SyncSender<Job>>>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Pool {
    pub fn start(path: &Path, store: Store) -> StorageResult<Self> {
        let (tx, rx) = sync_channel::<Job>(4096);
        let thread = std::thread::Builder::new()
            .name("hub-db-writer".into())
            .spawn(move || writer_loop(store, rx))?;
        Ok(Self {
            path: path.to_owned(),
            readers: Mutex::new(Vec::new()),
            writer: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Runs `f` on a reading connection.
    pub fn read<T>(&self, f: impl FnOnce(&Store) -> StorageResult<T>) -> StorageResult<T> {
        let taken = self.readers.lock().ok().and_then(|mut v| v.pop());
        let store = match taken {
            Some(s) => s,
            None => Store::open(&self.path)?,
        };
        let out = f(&store);
        if let Ok(mut v) = self.readers.lock()
            && v.len() < 16
        {
            v.push(store);
        }
        out
    }

    fn sender(&self) -> StorageResult<SyncSender<Job>> {
        self.writer
            .lock()
            .ok()
            .and_then(|w| w.clone())
            .ok_or(StorageError::Closed)
    }

    /// Runs `f` on the writer thread and waits for its result.
    pub fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Store) -> StorageResult<T> + Send + 'static,
    ) -> StorageResult<T> {
        let (tx, rx) = sync_channel(1);
        let job: Work = Box::new(move |store| {
            let _ = tx.send(f(store));
        });
        self.sender()?
            .send(Job::Run(job))
            .map_err(|_| StorageError::Closed)?;
        rx.recv().map_err(|_| StorageError::Closed)?
    }

    /// Queues an access for the next group commit and waits for its durable answer.
    pub fn access(
        &self,
        checkpoint: CheckpointId,
        attendee: AttendeeId,
    ) -> StorageResult<ScanOutcome> {
        let (tx, rx) = sync_channel(1);
        self.sender()?
            .send(Job::Access(Access {
                checkpoint,
                attendee,
                reply: tx,
            }))
            .map_err(|_| StorageError::Closed)?;
        rx.recv().map_err(|_| StorageError::Closed)?
    }

    /// Stops the writer after the jobs already queued, and waits for it.
    pub fn close(&self) {
        if let Ok(mut w) = self.writer.lock() {
            w.take();
        }
        if let Some(t) = self.thread.lock().ok().and_then(|mut t| t.take()) {
            let _ = t.join();
        }
    }
}

impl Drop for Pool {
    fn drop(&mut self) {
        self.close();
    }
}

fn writer_loop(mut store: Store, rx: Receiver<Job>) {
    while let Ok(job) = rx.recv() {
        match job {
            Job::Run(work) => work(&mut store),
            Job::Access(first) => {
                let mut batch = vec![first];
                let mut later = Vec::new();
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(Job::Access(a)) => batch.push(a),
                        Ok(Job::Run(work)) => later.push(work),
                        Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                    }
                }
                run_batch(&mut store, batch);
                for work in later {
                    work(&mut store);
                }
            }
        }
    }
    tracing::debug!("hub writer stopped");
}

/// Judges a batch in one transaction (see `Store::scan_many`) and answers every request
/// after the commit.
fn run_batch(store: &mut Store, batch: Vec<Access>) {
    // The Access API's date format has whole seconds; ties are ordered by the reading id.
    let now = entrada_domain::time::now().fixed_offset();
    let at = now.with_nanosecond(0).unwrap_or(now);
    let requests: Vec<ScanRequest<'_>> = batch
        .iter()
        .map(|a| ScanRequest {
            checkpoint: &a.checkpoint,
            subject: Subject::Attendee(&a.attendee),
            at: Some(at),
            device_name: None,
        })
        .collect();
    let results = store.scan_many(&requests);
    match results {
        Ok(results) => {
            for (a, r) in batch.into_iter().zip(results) {
                let _ = a.reply.send(r.map_err(StorageError::from));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "access batch failed");
            let msg = e.to_string();
            for a in batch {
                let _ = a.reply.send(Err(StorageError::Batch(msg.clone())));
            }
        }
    }
}
