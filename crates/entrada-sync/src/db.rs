//! The replica as the sync tasks share it: one connection behind a mutex, every call on
//! tokio's blocking pool, so a large apply never stalls the async runtime.

use std::sync::{Arc, Mutex};

use entrada_store::Store;
use tokio::sync::mpsc;

use crate::SyncError;
use crate::progress::{ProgressFn, PullProgress};

/// A shared replica connection whose calls run on the blocking pool.
#[derive(Clone)]
pub(crate) struct Db(pub(crate) Arc<Mutex<Store>>);

impl Db {
    pub(crate) async fn run<R, F>(&self, f: F) -> Result<R, SyncError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store) -> entrada_store::Result<R> + Send + 'static,
    {
        let store = self.0.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = store
                .lock()
                .map_err(|_| SyncError::Internal("replica lock poisoned".into()))?;
            f(&mut guard).map_err(SyncError::from)
        })
        .await
        .map_err(|e| SyncError::Internal(format!("database task failed: {e}")))?
    }

    /// Like [`Db::run`], forwarding progress reports from the blocking task to `progress`
    /// on the calling task as they happen.
    pub(crate) async fn run_with_progress<R, F>(
        &self,
        progress: ProgressFn<'_>,
        f: F,
    ) -> Result<R, SyncError>
    where
        R: Send + 'static,
        F: FnOnce(&mut Store, &dyn Fn(PullProgress)) -> entrada_store::Result<R> + Send + 'static,
    {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let job = self.run(move |s| {
            let report = |p: PullProgress| {
                let _ = tx.send(p);
            };
            f(s, &report)
        });
        tokio::pin!(job);
        loop {
            tokio::select! {
                Some(p) = rx.recv() => progress(p),
                result = &mut job => {
                    while let Ok(p) = rx.try_recv() {
                        progress(p);
                    }
                    return result;
                }
            }
        }
    }
}
