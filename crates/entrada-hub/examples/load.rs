//! Load generator for `POST /checkpoint/<id>/accesses`: N concurrent keep-alive clients on
//! loopback against a hub started in-process on the demo event, readings durable
//! (WAL, synchronous = FULL). Prints accepted accesses per second and latency percentiles.
//!
//!   cargo run --release -p entrada-hub --example load -- [CLIENTS] [SECONDS] [ATTENDEES]
//!
//! With `--url http://HOST:PORT` it loads an already running hub (demo import, demo client)
//! instead of starting one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use entrada_demo as demo;
use entrada_hub::HubConfig;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let url = match args.iter().position(|a| a == "--url") {
        Some(i) if i + 1 < args.len() => {
            let u = args.remove(i + 1);
            args.remove(i);
            Some(u)
        }
        _ => None,
    };
    let clients: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(32);
    let seconds: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let attendees: u32 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(20_000);

    let snapshot = demo::snapshot(attendees);
    let ids: Arc<Vec<String>> = Arc::new(
        snapshot
            .attendance
            .iter()
            .filter(|a| !a.rejected && a.attendee.active)
            .map(|a| a.attendee.id.to_string())
            .collect(),
    );
    let dir = tempfile::tempdir()?;
    let (base, hub) = match url {
        Some(u) => (u, None),
        None => {
            let mut config = HubConfig::new(dir.path().join("hub.db"));
            config.snapshot = Some(snapshot);
            let hub = entrada_hub::serve(config).await?;
            (hub.base_url.clone(), Some(hub))
        }
    };
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let token: serde_json::Value = http
        .post(format!("{base}/oauth/v2/token"))
        .form(&[
            ("client_id", "demo"),
            ("client_secret", "demo-secret"),
            ("grant_type", "client_credentials"),
            ("scope", "event_admin"),
        ])
        .send()
        .await?
        .json()
        .await?;
    let token = token["access_token"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let target = format!("{base}/checkpoint/{}/accesses", demo::MAIN_ENTRANCE);

    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (http, target, token, ids, stop) = (
            http.clone(),
            target.clone(),
            token.clone(),
            ids.clone(),
            stop.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let (mut accepted, mut refused, mut failed) = (0u64, 0u64, 0u64);
            let mut i = c;
            while !stop.load(Ordering::Relaxed) {
                let who = &ids[i % ids.len()];
                i += clients;
                let t = Instant::now();
                match http
                    .post(&target)
                    .bearer_auth(&token)
                    .form(&[("attendee_id", who.as_str())])
                    .send()
                    .await
                {
                    Ok(r) => {
                        let s = r.status().as_u16();
                        let _ = r.bytes().await;
                        match s {
                            201 => accepted += 1,
                            422 => refused += 1,
                            _ => failed += 1,
                        }
                    }
                    Err(_) => failed += 1,
                }
                lat.push(t.elapsed());
            }
            (lat, accepted, refused, failed)
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut lat = Vec::new();
    let (mut accepted, mut refused, mut failed) = (0, 0, 0);
    for t in tasks {
        let (l, a, r, f) = t.await?;
        lat.extend(l);
        accepted += a;
        refused += r;
        failed += f;
    }
    let elapsed = started.elapsed().as_secs_f64();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .map(|d| d.as_secs_f64() * 1000.0)
            .unwrap_or(0.0)
    };
    println!(
        "clients={clients} seconds={elapsed:.1} requests={} accepted={accepted} refused={refused} failed={failed}",
        lat.len()
    );
    println!(
        "accepted/s={:.0} requests/s={:.0} p50={:.2}ms p99={:.2}ms max={:.2}ms",
        accepted as f64 / elapsed,
        lat.len() as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        pct(1.0)
    );
    if let Some(hub) = hub {
        hub.shutdown().await?;
    }
    Ok(())
}
