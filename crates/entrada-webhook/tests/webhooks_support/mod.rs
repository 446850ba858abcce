//! Shared by the `webhooks_*` tests: a demo replica and a real HTTP receiver on 127.0.0.1.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use entrada_demo as demo;
use entrada_domain::{CheckpointId, ScanOutcome};
use entrada_store::Store;
use entrada_store::{ScanRequest, Subject};

pub const KEY: [u8; 32] = [42; 32];

/// A demo replica with `n` attendees.
pub fn demo_store(dir: &std::path::Path, n: u32) -> (std::path::PathBuf, Store) {
    let path = dir.join("replica.db");
    let mut store = Store::open(&path).unwrap();
    store.import_snapshot(&demo::snapshot(n)).unwrap();
    (path, store)
}

/// Scans every demo attendee's badge once at the main entrance.
pub fn scan_all(store: &mut Store, n: u32) -> Vec<ScanOutcome> {
    let snapshot = demo::snapshot(n);
    let cp = CheckpointId::from(demo::MAIN_ENTRANCE);
    snapshot
        .attendance
        .iter()
        .map(|a| {
            store
                .scan(&ScanRequest {
                    checkpoint: &cp,
                    subject: Subject::Payload(a.attendee.effective_qr_data().as_bytes()),
                    at: None,
                    device_name: None,
                })
                .unwrap()
        })
        .collect()
}

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// What the receiver answered (0 = it never answered, e.g. slow mode).
    pub answered: u16,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

pub const OK: u8 = 0;
pub const FAIL_500: u8 = 1;
pub const SLOW: u8 = 2;
pub const REDIRECT: u8 = 3;

#[derive(Clone)]
pub struct Receiver {
    pub log: Arc<Mutex<Vec<Received>>>,
    pub mode: Arc<AtomicU8>,
    pub slow: Duration,
    pub delay: Duration,
}

impl Receiver {
    pub fn new() -> Self {
        Self {
            log: Arc::default(),
            mode: Arc::new(AtomicU8::new(OK)),
            slow: Duration::from_secs(2),
            delay: Duration::ZERO,
        }
    }
    pub fn set_mode(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }
    pub fn received(&self) -> Vec<Received> {
        self.log.lock().unwrap().clone()
    }

    /// Serves on `port` (0: any) on 127.0.0.1; returns the bound port.
    pub async fn serve(&self, port: u16) -> u16 {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(self.clone());
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        port
    }
}

async fn handle(
    State(rx): State<Receiver>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    let mode = rx.mode.load(Ordering::SeqCst);
    let index = {
        let mut log = rx.log.lock().unwrap();
        log.push(Received {
            path: uri.path().to_owned(),
            headers,
            body,
            answered: 0,
        });
        log.len() - 1
    };
    if !rx.delay.is_zero() {
        tokio::time::sleep(rx.delay).await;
    }
    let (status, resp) = match mode {
        FAIL_500 => (
            500,
            (StatusCode::INTERNAL_SERVER_ERROR, "boom: receiver broken").into_response(),
        ),
        SLOW => {
            tokio::time::sleep(rx.slow).await;
            (200, (StatusCode::OK, "too late").into_response())
        }
        REDIRECT => (
            302,
            (
                StatusCode::FOUND,
                [("location", "http://127.0.0.1:9/elsewhere")],
                "moved",
            )
                .into_response(),
        ),
        _ => (200, (StatusCode::OK, "ok thanks").into_response()),
    };
    rx.log.lock().unwrap()[index].answered = status;
    resp
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
