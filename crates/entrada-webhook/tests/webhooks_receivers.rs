//! Real receivers on 127.0.0.1 verify every request both ways: the Access API's PHP
//! snippet under php-cli's built-in server, and the `standardwebhooks` library from PyPI
//! in a Python server. Tampered bodies, wrong secrets and stale timestamps are refused.
//!
//! Needs `php` (Debian `php-cli`) and `python3 -m pip install standardwebhooks`.

mod webhooks_support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use entrada_secret::SecretBox;
use entrada_webhook::{
    self as webhook, DeliveryFilter, DispatchConfig, Dispatcher, RetrySchedule, Topic, signature,
};
use webhooks_support::*;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/webhooks")
}

/// Waits until the receiver listens; fails (instead of hanging) if it exits first, e.g.
/// when `standardwebhooks` is not installed.
async fn wait_listening(port: u16, child: &mut Killed) {
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if let Ok(Some(status)) = child.0.try_wait() {
            panic!(
                "receiver on port {port} exited with {status}: php-cli and \
                 `pip install standardwebhooks` are required"
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn start_php(port: u16, secret: &str, log: &Path) -> Killed {
    Killed(
        Command::new("php")
            .arg("-S")
            .arg(format!("127.0.0.1:{port}"))
            .arg(scripts().join("receiver.php"))
            .env("WEBHOOK_SECRET", secret)
            .env("WEBHOOK_LOG", log)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("php-cli is required: apt-get install -y php-cli"),
    )
}

fn start_python(port: u16, secret: &str, log: &Path) -> Killed {
    Killed(
        Command::new("python3")
            .arg(scripts().join("receiver.py"))
            .arg(port.to_string())
            .arg(secret)
            .arg(log)
            .stdout(Stdio::null())
            .spawn()
            .expect("python3 with standardwebhooks is required: pip install standardwebhooks"),
    )
}

fn read_log(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn php_snippet_and_standardwebhooks_verify_every_request_and_refuse_forgeries() {
    let dir = tempfile::tempdir().unwrap();
    let (db, mut store) = demo_store(dir.path(), 15);
    let secrets = SecretBox::from_key(KEY);
    let (php_port, py_port) = (free_port(), free_port());
    let topics = [Topic::CheckpointReadingCreated];
    let php_sub = webhook::add_subscription(
        store.connection(),
        &secrets,
        &format!("http://127.0.0.1:{php_port}/php"),
        &topics,
    )
    .unwrap();
    let py_sub = webhook::add_subscription(
        store.connection(),
        &secrets,
        &format!("http://127.0.0.1:{py_port}/py"),
        &topics,
    )
    .unwrap();
    let (php_log, py_log) = (dir.path().join("php.jsonl"), dir.path().join("py.jsonl"));
    let mut php = start_php(php_port, &php_sub.secret, &php_log);
    let mut py = start_python(py_port, &py_sub.secret, &py_log);
    wait_listening(php_port, &mut php).await;
    wait_listening(py_port, &mut py).await;

    let accepted = scan_all(&mut store, 15)
        .iter()
        .filter(|o| o.accepted)
        .count();
    let config = DispatchConfig {
        schedule: RetrySchedule {
            delays: vec![Duration::from_millis(50); 3],
            jitter: 0.0,
        },
        ..DispatchConfig::default()
    };
    let dispatcher = Dispatcher::open(&db, secrets.clone(), config).unwrap();
    let report = dispatcher.deliver_due().await.unwrap();
    assert_eq!(report.delivered as usize, 2 * accepted, "{report:?}");
    // A ping is signed the same way.
    drop(dispatcher);
    for sub in [&php_sub, &py_sub] {
        let a = webhook::ping(&db, &secrets, DispatchConfig::default(), &sub.id)
            .await
            .unwrap();
        assert_eq!(a.outcome, "delivered");
    }

    for (log, sub) in [(&php_log, &php_sub), (&py_log, &py_sub)] {
        let lines = read_log(log);
        assert_eq!(lines.len(), accepted + 1);
        for l in &lines {
            assert_eq!(l["eventwo_valid"], true, "{l}");
            assert_eq!(l["standard_valid"], true, "{l}");
            assert_eq!(l["webhook_id"], l["webhook_identifier"]);
        }
        let ids: std::collections::HashSet<String> = webhook::deliveries(
            store.connection(),
            &DeliveryFilter {
                subscription: Some(&sub.id),
                ..Default::default()
            },
        )
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
        let logged: std::collections::HashSet<String> = lines
            .iter()
            .map(|l| l["webhook_identifier"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(ids, logged);
    }

    // Forgeries, sent by hand: both receivers answer 401 and log them as invalid.
    let client = reqwest::Client::new();
    let body = br#"{"webhook_identifier":"f-1","webhook_name":"checkpoint_reading_created"}"#;
    for (port, secret, log) in [
        (php_port, &php_sub.secret, &php_log),
        (py_port, &py_sub.secret, &py_log),
    ] {
        let before = read_log(log).len();
        let now = entrada_domain::time::now().timestamp();
        let good = |id: &str, ts: i64, body: &[u8], key: &str| {
            (
                signature::eventwo_signature(key, body),
                signature::standard_signature(key, id, ts, body).unwrap(),
            )
        };
        let other = signature::generate_secret();
        let mut tampered = body.to_vec();
        tampered[20] ^= 1;
        // (name, body sent, (x-eventwo sig, webhook-signature), timestamp, expected validity)
        type Case<'a> = (&'a str, Vec<u8>, (String, String), i64, (bool, bool));
        let cases: Vec<Case> = vec![
            // Signed, then the body was changed in transit.
            (
                "tampered",
                tampered,
                good("f-1", now, body, secret),
                now,
                (false, false),
            ),
            // Signed with another subscription's secret.
            (
                "wrong-secret",
                body.to_vec(),
                good("f-1", now, body, &other),
                now,
                (false, false),
            ),
            // Correct signatures on an old timestamp: a replay.
            (
                "replay",
                body.to_vec(),
                good("f-1", now - 3600, body, secret),
                now - 3600,
                (true, false),
            ),
            // The untouched request passes (control).
            (
                "control",
                body.to_vec(),
                good("f-1", now, body, secret),
                now,
                (true, true),
            ),
        ];
        for (name, sent_body, (evt, std_sig), ts, (evt_ok, std_ok)) in cases {
            let resp = client
                .post(format!("http://127.0.0.1:{port}/"))
                .header(signature::EVENTWO_HEADER, evt)
                .header("webhook-id", "f-1")
                .header("webhook-timestamp", ts.to_string())
                .header("webhook-signature", std_sig)
                .body(sent_body)
                .send()
                .await
                .unwrap();
            let expect = if evt_ok && std_ok { 204 } else { 401 };
            assert_eq!(resp.status().as_u16(), expect, "{name} on port {port}");
            let last = read_log(log).pop().unwrap();
            assert_eq!(last["eventwo_valid"], evt_ok, "{name}: {last}");
            assert_eq!(last["standard_valid"], std_ok, "{name}: {last}");
        }
        assert_eq!(read_log(log).len(), before + 4);
    }
}

#[test]
fn verification_helper_refuses_tampering_and_wrong_secrets() {
    let secret = signature::generate_secret();
    let body = br#"{"webhook_identifier":"x","webhook_name":"ping"}"#;
    let sig = signature::eventwo_signature(&secret, body);
    assert!(webhook::verify_eventwo(&secret, body, &sig).is_ok());
    let mut tampered = body.to_vec();
    tampered[5] ^= 0x20;
    assert_eq!(
        webhook::verify_eventwo(&secret, &tampered, &sig),
        Err(webhook::VerifyError::Mismatch)
    );
    assert_eq!(
        webhook::verify_eventwo(&signature::generate_secret(), body, &sig),
        Err(webhook::VerifyError::Mismatch)
    );
    assert_eq!(
        webhook::verify_eventwo(&secret, body, ""),
        Err(webhook::VerifyError::Missing)
    );
    // A truncated signature is a mismatch, not a prefix match.
    assert!(webhook::verify_eventwo(&secret, body, &sig[..20]).is_err());
    let now = 1_700_000_000;
    let std_sig = signature::standard_signature(&secret, "x", now, body).unwrap();
    let multi = format!("v1,bm90IGl0 {std_sig}");
    assert!(
        webhook::verify_standard(&secret, "x", &now.to_string(), &multi, body, now, 300).is_ok()
    );
    assert!(
        webhook::verify_standard(&secret, "y", &now.to_string(), &std_sig, body, now, 300).is_err()
    );
    assert!(
        webhook::verify_standard(
            &secret,
            "x",
            &now.to_string(),
            &std_sig,
            &tampered,
            now,
            300
        )
        .is_err()
    );
    assert!(webhook::verify_standard(&secret, "x", "soon", &std_sig, body, now, 300).is_err());
}
