//! A scanning process killed with SIGKILL at random moments loses no reading it reported.
//!
//! The child prints a verdict line only after `Store::scan` returned, i.e. after the commit;
//! so every reading id read from its stdout must be in the replica afterwards, and the
//! replica must open cleanly (integrity check) every time.

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

fn entrada() -> Command {
    Command::new(env!("CARGO_BIN_EXE_entrada"))
}

/// xorshift seeded from the clock: different kill moments every run, printed for replay.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn sigkill_during_scans_loses_nothing_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("replica.db");
    let status = entrada()
        .args(["demo", "--attendees", "200", "--db"])
        .arg(&db)
        .stdout(Stdio::null())
        .status()
        .expect("run entrada demo");
    assert!(status.success());

    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(42)
        | 1;
    eprintln!("kill schedule seed: {seed}");
    let mut rng = Rng(seed);
    let payloads: Vec<String> = (0..1500)
        .map(|i| format!("ENT-{:06}", (i * 3 + 1) % 200))
        .collect();
    let mut reported: HashSet<String> = HashSet::new();
    let mut kills = 0;
    for round in 0..24 {
        let mut child = entrada()
            .args([
                "scan",
                "--checkpoint",
                "cp-main-entrance",
                "--device",
                "durability",
                "--db",
            ])
            .arg(&db)
            .args(payloads.iter().flat_map(|p| ["--qr", p.as_str()]))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn scanner");
        let stdout = child.stdout.take().expect("piped stdout");
        // Read lines on a thread so the kill moment is independent of output.
        let reader = std::thread::spawn(move || {
            let mut ids = Vec::new();
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Ok(v) = serde_json::from_str::<serde_json::Value>(&line)
                    && let Some(id) = v["reading_id"].as_str()
                {
                    ids.push(id.to_owned());
                }
            }
            ids
        });
        let wait = Duration::from_millis(20 + rng.next() % 180);
        let started = Instant::now();
        while started.elapsed() < wait {
            if child.try_wait().ok().flatten().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if child.try_wait().ok().flatten().is_none() {
            child.kill().expect("SIGKILL the scanner");
            kills += 1;
        }
        let _ = child.wait();
        let ids = reader.join().expect("reader thread");
        eprintln!(
            "round {round}: {} readings reported before the kill",
            ids.len()
        );
        reported.extend(ids);

        let conn = rusqlite::Connection::open(&db).expect("replica opens after SIGKILL");
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("integrity check runs");
        assert_eq!(check, "ok");
        let mut stmt = conn
            .prepare("SELECT 1 FROM readings WHERE id = ?1")
            .expect("prepare");
        for id in &reported {
            assert!(
                stmt.exists([id]).expect("query"),
                "reported reading {id} was lost"
            );
        }
    }
    assert!(kills >= 20, "only {kills} kills landed mid-run");
    assert!(!reported.is_empty());
}
