//! `entrada webhooks …` end to end: real processes, a real receiver on 127.0.0.1, and
//! SIGKILL at random moments during delivery.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use entrada_demo as demo;
use rand::Rng;
use serde_json::Value;

/// 32 bytes of 7, base64: the replica's secrets are sealed with it.
const KEY: &str = "BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=";

fn entrada() -> Command {
    let mut c = Command::new(assert_cmd::cargo::cargo_bin("entrada"));
    c.env("ENTRADA_SECRET_KEY", KEY);
    c
}

fn ok(out: Output) -> Vec<Value> {
    assert!(
        out.status.success(),
        "entrada failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn run(db: &Path, args: &[&str]) -> Vec<Value> {
    ok(entrada().args(args).arg("--db").arg(db).output().unwrap())
}

/// One received request: path, webhook-id, x-eventwo-access-signature, body.
type Got = (String, String, String, Bytes);

#[derive(Clone, Default)]
struct Sink {
    got: Arc<Mutex<Vec<Got>>>,
}

async fn receive(State(s): State<Sink>, uri: Uri, h: HeaderMap, body: Bytes) -> &'static str {
    // Slow enough that a kill often lands while a request is in flight.
    tokio::time::sleep(Duration::from_millis(3)).await;
    let get = |k: &str| {
        h.get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    s.got.lock().unwrap().push((
        uri.path().to_owned(),
        get("webhook-id"),
        get("x-eventwo-access-signature"),
        body,
    ));
    "ok"
}

async fn serve(sink: Sink) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let app = axum::Router::new().fallback(receive).with_state(sink);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

fn scan(db: &Path, people: &[entrada_domain::Attendance]) {
    let mut cmd = entrada();
    cmd.args(["scan", "--checkpoint", demo::MAIN_ENTRANCE, "--db"])
        .arg(db);
    for p in people {
        cmd.arg("--qr").arg(p.attendee.effective_qr_data());
    }
    ok(cmd.output().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_delivery_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("replica.db");
    run(&db, &["demo", "--attendees", "120"]);
    let sink = Sink::default();
    let port = serve(sink.clone()).await;
    let mut secrets = HashMap::new();
    for path in ["/crm", "/chat"] {
        let url = format!("http://127.0.0.1:{port}{path}");
        let created = run(
            &db,
            &[
                "webhooks",
                "add",
                "--url",
                &url,
                "--topic",
                "checkpoint_reading_created",
            ],
        );
        secrets.insert(
            path.to_owned(),
            created[0]["secret"].as_str().unwrap().to_owned(),
        );
    }
    let people = demo::snapshot(120).attendance;
    let (first, second) = people.split_at(people.len() / 2);
    scan(&db, first);

    let mut rng = rand::rng();
    let kills = 6;
    for round in 0..kills {
        let mut child = entrada()
            .args(["webhooks", "run", "--watch", "--poll", "10ms", "--db"])
            .arg(&db)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if round == 2 {
            // New readings arrive while the dispatcher runs (another process, same file).
            scan(&db, second);
        }
        tokio::time::sleep(Duration::from_millis(rng.random_range(30..250))).await;
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
    }
    let report = run(&db, &["webhooks", "run"]);
    assert_eq!(report[0]["failed"], 0);

    let deliveries = run(&db, &["webhooks", "deliveries", "--limit", "100000"]);
    assert!(
        deliveries.iter().all(|d| d["state"] == "delivered"),
        "all delivered"
    );
    let expected: HashSet<(String, String)> = deliveries
        .iter()
        .map(|d| {
            (
                d["subscription_id"].to_string(),
                d["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let got = sink.got.lock().unwrap().clone();
    let unique: HashSet<(String, String)> =
        got.iter().map(|g| (g.0.clone(), g.1.clone())).collect();
    let unique_ids: HashSet<&str> = unique.iter().map(|(_, id)| id.as_str()).collect();
    let expected_ids: HashSet<&str> = expected.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(unique_ids, expected_ids, "every event arrived");
    assert!(expected.len() > 60, "{}", expected.len());
    // At least once: a kill can repeat only the request in flight, one per endpoint.
    let duplicates = got.len() - unique.len();
    eprintln!(
        "{} deliveries, {} requests received, {duplicates} duplicates after {kills} kills",
        expected.len(),
        got.len()
    );
    assert!(
        duplicates <= kills * 2,
        "{duplicates} duplicates after {kills} kills"
    );
    // Every received request, duplicates included, carries a valid signature.
    for (path, id, sig, body) in got.iter().take(5).chain(got.iter().rev().take(5)) {
        let v: Value = serde_json::from_slice(body).unwrap();
        assert_eq!(v["webhook_identifier"], id.as_str());
        let body_file = dir.path().join("body.json");
        std::fs::write(&body_file, body).unwrap();
        let out = entrada()
            .args([
                "webhooks",
                "verify",
                "--secret",
                &secrets[path],
                "--signature",
                sig,
                "--body",
            ])
            .arg(&body_file)
            .output()
            .unwrap();
        assert_eq!(ok(out)[0]["valid"], true);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscription_lifecycle_log_resend_ping_and_verify_print_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("replica.db");
    run(&db, &["demo", "--attendees", "10"]);
    let sink = Sink::default();
    let port = serve(sink.clone()).await;
    let url = format!("http://127.0.0.1:{port}/h");

    let refused = entrada()
        .args([
            "webhooks",
            "add",
            "--url",
            "http://example.com/h",
            "--topic",
            "checkpoint_reading_created",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("https"));
    let refused = entrada()
        .args([
            "webhooks",
            "add",
            "--url",
            &url,
            "--topic",
            "workshop_seat_created",
            "--db",
        ])
        .arg(&db)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&refused.stderr).contains("upstream platform"));

    let created = run(
        &db,
        &[
            "webhooks",
            "add",
            "--url",
            &url,
            "--topic",
            "checkpoint_reading_created",
            "--topic",
            "attendee_updated",
        ],
    );
    let id = created[0]["id"].as_str().unwrap().to_owned();
    let secret = created[0]["secret"].as_str().unwrap().to_owned();
    let listed = run(&db, &["webhooks", "list"]);
    assert_eq!(listed.len(), 1);
    assert!(listed[0].get("secret").is_none(), "secret shown once only");
    assert_eq!(listed[0]["topics"].as_array().unwrap().len(), 2);

    let pinged = run(&db, &["webhooks", "ping", "--id", &id]);
    assert_eq!(pinged[0]["status"], 200);
    assert_eq!(pinged[0]["outcome"], "delivered");

    let firing = run(&db, &["webhooks", "device-firing", "--set", "off"]);
    assert_eq!(firing[0]["device_firing"], "off");
    scan(&db, &demo::snapshot(10).attendance[..3]);
    assert_eq!(
        run(&db, &["webhooks", "deliveries", "--state", "pending"]).len(),
        0
    );
    let firing = run(&db, &["webhooks", "device-firing", "--set", "on"]);
    assert_eq!(firing[0]["device_firing"], "on");

    let disabled = run(&db, &["webhooks", "disable", "--id", &id]);
    assert_eq!(disabled[0]["enabled"], false);
    scan(&db, &demo::snapshot(10).attendance[..3]);
    assert_eq!(
        run(&db, &["webhooks", "deliveries", "--state", "pending"]).len(),
        0
    );
    run(&db, &["webhooks", "enable", "--id", &id]);
    scan(&db, &demo::snapshot(10).attendance);
    let report = run(&db, &["webhooks", "run"]);
    let delivered = report[0]["delivered"].as_u64().unwrap();
    assert!(delivered >= 1);

    let log = run(
        &db,
        &[
            "webhooks",
            "deliveries",
            "--attempts",
            "--state",
            "delivered",
        ],
    );
    let reading = log
        .iter()
        .find(|d| d["topic"] == "checkpoint_reading_created")
        .unwrap();
    let did = reading["id"].as_str().unwrap().to_owned();
    let attempt = &reading["attempt_log"][0];
    assert_eq!(attempt["status"], 200);
    assert_eq!(attempt["response_head"], "ok");
    assert!(attempt["latency_ms"].as_f64().unwrap() > 0.0);

    let resent = run(&db, &["webhooks", "resend", "--id", &did]);
    assert_eq!(resent[0]["state"], "pending");
    run(&db, &["webhooks", "run"]);
    let again = run(&db, &["webhooks", "deliveries", "--id", &did, "--attempts"]);
    assert_eq!(again[0]["attempts"], 2);
    let got = sink.got.lock().unwrap().clone();
    let copies: Vec<_> = got.iter().filter(|g| g.1 == did).collect();
    assert_eq!(copies.len(), 2);
    assert_eq!(copies[0].3, copies[1].3, "resend repeats the same body");

    // verify: the real request passes, a tampered body fails with a non-zero exit.
    let body_file = dir.path().join("b.json");
    std::fs::write(&body_file, &copies[0].3).unwrap();
    let v = run_verify(&secret, &copies[0].2, &body_file);
    assert!(v.status.success());
    let mut tampered = copies[0].3.to_vec();
    tampered[3] ^= 1;
    std::fs::write(&body_file, &tampered).unwrap();
    let v = run_verify(&secret, &copies[0].2, &body_file);
    assert!(!v.status.success());
    let line: Value = serde_json::from_slice(&v.stdout).unwrap();
    assert_eq!(line["valid"], false);

    run(&db, &["webhooks", "remove", "--id", &id]);
    assert!(run(&db, &["webhooks", "list"]).is_empty());
}

fn run_verify(secret: &str, sig: &str, body: &Path) -> Output {
    entrada()
        .args([
            "webhooks",
            "verify",
            "--secret",
            secret,
            "--signature",
            sig,
            "--body",
        ])
        .arg(body)
        .output()
        .unwrap()
}
