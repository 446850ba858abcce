//! The settings screen's "send a test ping", called the way the Tauri shell calls commands:
//! from a worker of an async runtime. A blocking call that starts a runtime of its own
//! panics there ("Cannot start a runtime from within a runtime"), which no plain-thread
//! test would notice.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::mpsc;

use entrada_app::{App, AppConfig, AppEvent, Shell};

struct Quiet;

impl Shell for Quiet {
    fn emit(&self, _event: AppEvent) {}
    fn set_fullscreen(&self, _on: bool) {}
}

/// A receiver on 127.0.0.1 that answers 204 to one request and hands over its headers.
fn receiver() -> (String, mpsc::Receiver<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut headers = Vec::new();
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            let line = line.trim_end().to_owned();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            headers.push(line);
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let mut stream = stream;
        stream
            .write_all(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
            .unwrap();
        tx.send(headers).unwrap();
    });
    (url, rx)
}

#[test]
fn a_test_ping_from_a_runtime_worker_is_signed_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = AppConfig::new(dir.path());
    config.export_dir = dir.path().join("exports");
    let app = App::open(config, Arc::new(Quiet)).unwrap();
    let (url, headers) = receiver();
    let created = app
        .webhooks_add(&url, &["checkpoint_reading_created".to_owned()])
        .unwrap();

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let (a, id) = (app.clone(), created.id.clone());
    let delivery = rt
        .block_on(async move { tokio::spawn(async move { a.webhooks_ping(&id) }).await })
        .unwrap()
        .unwrap();

    assert_eq!(delivery.subscription_id, created.id);
    assert_eq!(delivery.response_code, Some(204), "{delivery:?}");
    assert_eq!(delivery.attempts, 1);
    let headers = headers.recv().unwrap();
    assert!(
        headers.iter().any(|h| h
            .to_ascii_lowercase()
            .starts_with("x-eventwo-access-signature:")),
        "{headers:?}"
    );
}
