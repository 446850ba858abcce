//! Where the start goes: named marks from process launch to the door being scan-ready, as
//! `debug` logs (target `entrada::startup`) and, for the desktop benchmark, as
//! `name,unix_ms` lines appended to `ENTRADA_STARTUP_LOG`. Only the first mark of each
//! name counts, so marks can sit on paths that run many times (the first preview frame).

use std::collections::HashSet;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

struct Marks {
    started: Instant,
    log: Option<PathBuf>,
    seen: Mutex<HashSet<&'static str>>,
}

static MARKS: OnceLock<Marks> = OnceLock::new();

fn marks() -> &'static Marks {
    MARKS.get_or_init(|| Marks {
        started: Instant::now(),
        log: std::env::var_os("ENTRADA_STARTUP_LOG").map(PathBuf::from),
        seen: Mutex::new(HashSet::new()),
    })
}

/// Records `what` the first time it happens.
pub fn mark(what: &'static str) {
    let m = marks();
    if !m
        .seen
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(what)
    {
        return;
    }
    let since_main = m.started.elapsed();
    tracing::debug!(target: "entrada::startup", ?since_main, "{what}");
    let Some(path) = &m.log else { return };
    let unix_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0);
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(format!("{what},{unix_ms:.3}\n").as_bytes()));
    if let Err(e) = written {
        tracing::warn!(error = %e, path = %path.display(), "startup mark not written");
    }
}
