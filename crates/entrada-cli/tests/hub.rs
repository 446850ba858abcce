//! `entrada hub` as a process: prints `listening on http://ADDR` once it accepts
//! connections, answers the Access API, and exits cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

fn http(addr: &str, request: &str) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.write_all(request.as_bytes()).expect("write");
    let mut out = String::new();
    s.read_to_string(&mut out).expect("read");
    out
}

#[test]
fn hub_binary_listens_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bin = env!("CARGO_BIN_EXE_entrada");
    let snapshot = dir.path().join("demo.json");
    let ok = Command::new(bin)
        .args(["demo", "--attendees", "20", "--db"])
        .arg(dir.path().join("demo.db"))
        .arg("--snapshot")
        .arg(&snapshot)
        .stdout(Stdio::null())
        .status()
        .expect("demo runs");
    assert!(ok.success());

    let mut hub = Command::new(bin)
        .args(["hub", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.path().join("hub.db"))
        .arg("--import")
        .arg(&snapshot)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("hub starts");
    let stdout = hub.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).expect("a line");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();

    let body =
        "client_id=demo&client_secret=demo-secret&grant_type=client_credentials&scope=event_admin";
    let answer = http(
        &addr,
        &format!(
            "POST /oauth/v2/token HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"access_token\""));
    let answer = http(
        &addr,
        &format!("GET /event HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    );
    assert!(answer.starts_with("HTTP/1.1 401"), "{answer}");

    let killed = Command::new("kill")
        .args(["-TERM", &hub.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let status = hub.wait().expect("wait");
    assert!(status.success(), "exit status {status:?}");
}
