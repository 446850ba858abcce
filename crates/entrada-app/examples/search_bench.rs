//! Manual search latency over a large demo event, through the same `App::search_attendees`
//! the desktop's search box calls (docs/benchmarks.md, "Desktop").
//!
//! `cargo run --release -p entrada-app --example search_bench -- 100000`

use std::sync::Arc;
use std::time::Instant;

use entrada_app::{App, AppConfig, AppEvent, Shell};

struct Quiet;

impl Shell for Quiet {
    fn emit(&self, _: AppEvent) {}
    fn set_fullscreen(&self, _: bool) {}
}

fn main() -> anyhow::Result<()> {
    let attendees: u32 = std::env::args()
        .nth(1)
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(100_000);
    let dir = tempfile::tempdir()?;
    let mut config = AppConfig::new(dir.path());
    config.demo_attendees = attendees;
    let app = App::open(config, Arc::new(Quiet))?;
    let t = Instant::now();
    app.open_demo()?;
    println!(
        "demo with {attendees} attendees opened in {:?}",
        t.elapsed()
    );
    // What a person types, letter by letter, and a few whole queries.
    let queries = [
        "a",
        "an",
        "ana",
        "ana g",
        "ana ga",
        "garc",
        "garcía",
        "lumen",
        "example.com",
        "zz",
        "ENT-000001",
        "chen",
        "virtanen",
        "o",
        "ol",
        "olu",
    ];
    let mut times = Vec::new();
    for round in 0..5 {
        for q in queries {
            let t = Instant::now();
            let r = app.search_attendees(q, 50)?;
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            if round == 0 {
                println!(
                    "{q:>12}: {:>6} matches, {:>3} shown, {ms:7.2} ms",
                    r.total,
                    r.hits.len()
                );
            }
            times.push(ms);
        }
    }
    times.sort_by(f64::total_cmp);
    let q = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "{} searches: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        times.len(),
        q(0.5),
        q(0.95),
        times[times.len() - 1]
    );
    Ok(())
}
