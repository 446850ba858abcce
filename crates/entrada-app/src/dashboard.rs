//! The organizer dashboard (one coarse snapshot, polled by the UI) and the CSV exports.
//!
//! Everything is read from the replica, which holds this device's readings and, once
//! synced, the readings of every other door (the remote-readings feed): so the numbers are
//! the event's, not just this door's.

use std::collections::BTreeMap;
use std::io::Write as _;

use chrono::{DateTime, Duration as ChronoDuration, SecondsFormat, TimeZone, Utc};
use entrada_store::Store;

use crate::error::{AppError, ErrorCode};
use crate::types::*;
use crate::{App, Result, meta};

/// The flow chart covers this much history.
const FLOW_WINDOW_HOURS: i64 = 3;
/// Another device counts as online when it was seen this recently.
const DEVICE_ONLINE_MINUTES: i64 = 5;

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, false)
}

impl App {
    /// `dashboard`.
    pub fn dashboard(&self, flow_bucket_minutes: u32, recent_limit: u32) -> Result<Dashboard> {
        let store = self.store();
        let m = meta::load(&store)?;
        let Some(event) = m.event.clone() else {
            return Err(AppError::not_configured());
        };
        let now = Utc::now();
        let this_online = self.sync_status_online(&m);
        Ok(Dashboard {
            generated_at: rfc3339(now),
            rooms: rooms(&store)?,
            flow: flow(&store, &event, flow_bucket_minutes.clamp(1, 180), now)?,
            checkpoints: checkpoint_stats(&store, &event)?,
            recent: recent(&store, &event, recent_limit.clamp(1, 500))?,
            conflicts: conflicts(&store, &event)?,
            devices: devices(&store, this_online, now)?,
            webhooks: webhook_health(&store)?,
        })
    }

    fn sync_status_online(&self, m: &meta::Meta) -> bool {
        self.online(m)
    }

    /// `export_csv`: writes `entrada-<kind>-<event>-<date>.csv` into the export folder.
    pub fn export_csv(&self, kind: &str) -> Result<ExportResult> {
        let store = self.store();
        let m = meta::load(&store)?;
        let Some(event) = m.event.clone() else {
            return Err(AppError::not_configured());
        };
        let (header, rows) = match kind {
            "readings" => readings_csv(&store, &event)?,
            "occupancy" => occupancy_csv(&store)?,
            other => return Err(AppError::invalid(format!("unknown export kind: {other}"))),
        };
        let dir = &self.config.export_dir;
        let io =
            |e: std::io::Error| AppError::new(ErrorCode::Io, format!("{}: {e}", dir.display()));
        std::fs::create_dir_all(dir).map_err(io)?;
        let slug: String = event
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .take(40)
            .collect();
        let path = dir.join(format!(
            "entrada-{kind}-{slug}-{}.csv",
            Utc::now().format("%Y-%m-%d-%H%M%S")
        ));
        let mut out = std::io::BufWriter::new(std::fs::File::create(&path).map_err(io)?);
        writeln!(out, "{}", header.join(",")).map_err(io)?;
        for row in &rows {
            writeln!(out, "{}", entrada_domain::csv::row(row)).map_err(io)?;
        }
        out.flush().map_err(io)?;
        Ok(ExportResult {
            path: path.display().to_string(),
            rows: rows.len() as u64,
        })
    }
}

fn rooms(store: &Store) -> Result<Vec<RoomLoad>> {
    Ok(store
        .occupancy()?
        .into_iter()
        .map(|r| RoomLoad {
            id: r.room_id.to_string(),
            name: r.name,
            inside: r.inside,
            capacity: r.capacity,
        })
        .collect())
}

fn flow(store: &Store, event: &str, bucket_minutes: u32, now: DateTime<Utc>) -> Result<Flow> {
    let bucket_us = i64::from(bucket_minutes) * 60 * 1_000_000;
    let start = now - ChronoDuration::hours(FLOW_WINDOW_HOURS);
    let first = start.timestamp_micros().div_euclid(bucket_us) * bucket_us;
    let count = ((now.timestamp_micros() - first) / bucket_us + 1).max(1) as usize;
    let mut buckets: Vec<FlowBucket> = (0..count)
        .map(|i| FlowBucket {
            at: rfc3339(
                Utc.timestamp_micros(first + i as i64 * bucket_us)
                    .single()
                    .unwrap_or(now),
            ),
            entries: 0,
            exits: 0,
        })
        .collect();
    for (ts, direction) in store.movements_since(event, first)? {
        let i = ((ts - first) / bucket_us) as usize;
        if let Some(b) = buckets.get_mut(i) {
            if direction == "out" {
                b.exits += 1;
            } else {
                b.entries += 1;
            }
        }
    }
    Ok(Flow {
        bucket_minutes,
        buckets,
    })
}

fn checkpoint_stats(store: &Store, event: &str) -> Result<Vec<CheckpointStats>> {
    let mut counts: BTreeMap<String, (u32, u32, BTreeMap<String, u32>)> = BTreeMap::new();
    for row in store.verdict_counts(event)? {
        let entry = counts.entry(row.checkpoint_id).or_default();
        if row.accepted && !row.voided {
            entry.0 += row.count;
        } else if !row.accepted {
            entry.1 += row.count;
            *entry.2.entry(row.verdict).or_default() += row.count;
        }
    }
    let mut out = Vec::new();
    for c in store.checkpoints(Some(event))? {
        let (accepted, refused, reasons) = counts.remove(c.id.as_str()).unwrap_or_default();
        let mut top: Vec<RefusalCount> = reasons
            .into_iter()
            .map(|(verdict, count)| RefusalCount { verdict, count })
            .collect();
        top.sort_by(|a, b| b.count.cmp(&a.count).then(a.verdict.cmp(&b.verdict)));
        top.truncate(3);
        out.push(CheckpointStats {
            id: c.id.to_string(),
            name: c.name,
            direction: c.direction.as_str().to_owned(),
            accepted,
            refused,
            top_refusals: top,
        });
    }
    Ok(out)
}

fn recent(store: &Store, event: &str, limit: u32) -> Result<Vec<FeedReading>> {
    Ok(store
        .recent_readings(event, limit)?
        .into_iter()
        .map(|r| FeedReading {
            reading_id: r.id,
            at: r.reading_date,
            attendee_name: r.attendee_name,
            checkpoint_name: r.checkpoint_name,
            device_name: r.device_name,
            verdict: r.verdict,
            accepted: r.accepted,
            undone: r.voided,
        })
        .collect())
}

fn conflicts(store: &Store, event: &str) -> Result<Vec<Conflict>> {
    let mut out = Vec::new();
    for row in store.conflicted_readings(event)? {
        let body = row.upstream_body;
        // The upstream's 422 body is `{"errors":[{"field","code","message"}]}` or similar;
        // take what is there and keep the raw text otherwise.
        let json: Option<serde_json::Value> = serde_json::from_str(&body).ok();
        let first = json.as_ref().and_then(|j| {
            j.get("errors")
                .and_then(|e| e.get(0))
                .cloned()
                .or_else(|| Some(j.clone()))
        });
        let field = |k: &str| {
            first
                .as_ref()
                .and_then(|f| f.get(k))
                .and_then(|v| v.as_str())
                .map(str::to_owned)
        };
        out.push(Conflict {
            reading_id: row.id,
            at: row.reading_date,
            attendee_name: row.attendee_name,
            checkpoint_name: row.checkpoint_name,
            device_name: row.device_name,
            upstream_status: row.upstream_status,
            upstream_code: field("code").unwrap_or_default(),
            upstream_message: field("message").unwrap_or(body),
            verdict: row.upstream_verdict,
        });
    }
    Ok(out)
}

fn devices(store: &Store, this_online: bool, now: DateTime<Utc>) -> Result<Vec<DeviceRow>> {
    let me = store.device().clone();
    let recent_us = now.timestamp_micros() - DEVICE_ONLINE_MINUTES * 60 * 1_000_000;
    let mut out = Vec::new();
    let mut seen_me = false;
    for seen in store.devices_seen()? {
        let (id, name, ts, date, pending) = (
            seen.id,
            seen.name,
            seen.last_reading_ts,
            seen.last_reading_date,
            seen.pending,
        );
        let this_device = id == me.id.as_str();
        seen_me |= this_device;
        out.push(DeviceRow {
            name: if this_device { me.name.clone() } else { name },
            this_device,
            online: if this_device {
                this_online
            } else {
                ts >= recent_us
            },
            last_seen_at: Some(if this_device { rfc3339(now) } else { date }),
            backlog: pending,
            id,
        });
    }
    if !seen_me {
        out.insert(
            0,
            DeviceRow {
                id: me.id.to_string(),
                name: me.name.clone(),
                this_device: true,
                online: this_online,
                last_seen_at: Some(rfc3339(now)),
                backlog: 0,
            },
        );
    }
    Ok(out)
}

fn webhook_health(store: &Store) -> Result<Vec<WebhookHealth>> {
    let subs = entrada_webhook::subscriptions(store.connection())?;
    let mut out = Vec::with_capacity(subs.len());
    for s in subs {
        let counts = store.webhook_counts(&s.id)?;
        out.push(WebhookHealth {
            id: s.id,
            url: s.url,
            enabled: s.enabled,
            delivered: counts.delivered,
            failed: counts.failed,
            pending: counts.pending,
            last_status: counts.last_status,
            last_delivery_at: counts.last_delivery_at,
        });
    }
    Ok(out)
}

type Table = (Vec<&'static str>, Vec<Vec<String>>);

fn readings_csv(store: &Store, event: &str) -> Result<Table> {
    Ok((
        entrada_store::READINGS_TABLE_COLUMNS.to_vec(),
        store.readings_table(event)?,
    ))
}

fn occupancy_csv(store: &Store) -> Result<Table> {
    let header = vec!["room_id", "room_name", "capacity", "inside", "attendee_id"];
    let mut rows = Vec::new();
    for r in store.occupancy()? {
        let capacity = r.capacity.map(|c| c.to_string()).unwrap_or_default();
        if r.attendees.is_empty() {
            rows.push(vec![
                r.room_id.to_string(),
                r.name.clone(),
                capacity.clone(),
                r.inside.to_string(),
                String::new(),
            ]);
        }
        for a in &r.attendees {
            rows.push(vec![
                r.room_id.to_string(),
                r.name.clone(),
                capacity.clone(),
                r.inside.to_string(),
                a.to_string(),
            ]);
        }
    }
    Ok((header, rows))
}
