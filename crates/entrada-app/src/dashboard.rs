//! The organizer dashboard (one coarse snapshot, polled by the UI) and the CSV exports.
//!
//! Everything is read from the replica, which holds this device's readings and, once
//! synced, the readings of every other door (the remote-readings feed): so the numbers are
//! the event's, not just this door's.

use std::collections::BTreeMap;
use std::io::Write as _;

use chrono::{DateTime, Duration as ChronoDuration, SecondsFormat, TimeZone, Utc};
use entrada_core::Store;
use rusqlite::params;

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
            writeln!(out, "{}", entrada_core::csv::row(row)).map_err(io)?;
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
    let mut stmt = store.connection().prepare(
        "SELECT reading_ts, direction FROM readings
         WHERE event_id = ?1 AND accepted = 1 AND voided = 0 AND kind != 'undo'
           AND reading_ts >= ?2",
    )?;
    let rows = stmt.query_map(params![event, first], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (ts, direction) = row?;
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
    {
        let mut stmt = store.connection().prepare(
            "SELECT checkpoint_id, accepted, voided, verdict, count(*) FROM readings
             WHERE event_id = ?1 AND kind != 'undo'
             GROUP BY checkpoint_id, accepted, voided, verdict",
        )?;
        let rows = stmt.query_map([event], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, bool>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, u32>(4)?,
            ))
        })?;
        for row in rows {
            let (cp, accepted, voided, verdict, n) = row?;
            let entry = counts.entry(cp).or_default();
            if accepted && !voided {
                entry.0 += n;
            } else if !accepted {
                entry.1 += n;
                *entry.2.entry(verdict).or_default() += n;
            }
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
    let mut stmt = store.connection().prepare(
        "SELECT r.id, r.reading_date, a.name, coalesce(c.name, r.checkpoint_id), r.device_name,
                r.verdict, r.accepted, r.voided
         FROM readings r
         LEFT JOIN attendees a ON a.id = r.attendee_id
         LEFT JOIN checkpoints c ON c.id = r.checkpoint_id
         WHERE r.event_id = ?1 AND r.kind != 'undo'
         ORDER BY r.reading_ts DESC, r.id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![event, limit], |r| {
        Ok(FeedReading {
            reading_id: r.get(0)?,
            at: r.get(1)?,
            attendee_name: r.get(2)?,
            checkpoint_name: r.get(3)?,
            device_name: r.get(4)?,
            verdict: r.get(5)?,
            accepted: r.get(6)?,
            undone: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

fn conflicts(store: &Store, event: &str) -> Result<Vec<Conflict>> {
    let mut stmt = store.connection().prepare(
        "SELECT r.id, r.reading_date, a.name, coalesce(c.name, r.checkpoint_id), r.device_name,
                coalesce(r.upstream_status, 0), coalesce(r.upstream_body, ''), r.upstream_verdict
         FROM readings r
         LEFT JOIN attendees a ON a.id = r.attendee_id
         LEFT JOIN checkpoints c ON c.id = r.checkpoint_id
         WHERE r.event_id = ?1 AND r.sync_state IN ('conflict', 'refused')
         ORDER BY r.reading_ts DESC LIMIT 200",
    )?;
    let rows = stmt.query_map([event], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, u16>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, Option<String>>(7)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, at, name, checkpoint, device, status, body, verdict) = row?;
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
            reading_id: id,
            at,
            attendee_name: name,
            checkpoint_name: checkpoint,
            device_name: device,
            upstream_status: status,
            upstream_code: field("code").unwrap_or_default(),
            upstream_message: field("message").unwrap_or(body),
            verdict,
        });
    }
    Ok(out)
}

fn devices(store: &Store, this_online: bool, now: DateTime<Utc>) -> Result<Vec<DeviceRow>> {
    let me = store.device().clone();
    let mut stmt = store.connection().prepare(
        "SELECT device_id, device_name, max(reading_ts), max(reading_date),
                sum(sync_state = 'pending')
         FROM readings GROUP BY device_id ORDER BY device_name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, i64>(4)?,
        ))
    })?;
    let recent_us = now.timestamp_micros() - DEVICE_ONLINE_MINUTES * 60 * 1_000_000;
    let mut out = Vec::new();
    let mut seen_me = false;
    for row in rows {
        let (id, name, ts, date, pending) = row?;
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
            backlog: pending.max(0) as u64,
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
    let subs = entrada_core::webhook::subscriptions(store.connection())?;
    let mut out = Vec::with_capacity(subs.len());
    for s in subs {
        let (delivered, failed, pending): (i64, i64, i64) = store.connection().query_row(
            "SELECT coalesce(sum(state = 'delivered'), 0), coalesce(sum(state = 'failed'), 0),
                    coalesce(sum(state = 'pending'), 0)
             FROM webhook_deliveries WHERE subscription_id = ?1",
            [&s.id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let last: Option<(Option<u16>, Option<String>)> = store
            .connection()
            .query_row(
                "SELECT last_status, coalesce(delivered_at, created_at) FROM webhook_deliveries
                 WHERE subscription_id = ?1 AND attempts > 0 ORDER BY seq DESC LIMIT 1",
                [&s.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        let (last_status, last_delivery_at) = last.unwrap_or((None, None));
        out.push(WebhookHealth {
            id: s.id,
            url: s.url,
            enabled: s.enabled,
            delivered: delivered.max(0) as u64,
            failed: failed.max(0) as u64,
            pending: pending.max(0) as u64,
            last_status,
            last_delivery_at,
        });
    }
    Ok(out)
}

type Table = (Vec<&'static str>, Vec<Vec<String>>);

fn readings_csv(store: &Store, event: &str) -> Result<Table> {
    let header = vec![
        "reading_id",
        "reading_date",
        "attendee_id",
        "attendee_name",
        "checkpoint_id",
        "checkpoint_name",
        "direction",
        "device_name",
        "kind",
        "verdict",
        "accepted",
        "voided",
        "undoes",
        "sync_state",
    ];
    let mut stmt = store.connection().prepare(
        "SELECT r.id, r.reading_date, coalesce(r.attendee_id, ''), coalesce(a.name, ''),
                r.checkpoint_id, coalesce(c.name, ''), r.direction, r.device_name, r.kind,
                r.verdict, r.accepted, r.voided, coalesce(r.undoes, ''), r.sync_state
         FROM readings r
         LEFT JOIN attendees a ON a.id = r.attendee_id
         LEFT JOIN checkpoints c ON c.id = r.checkpoint_id
         WHERE r.event_id = ?1 ORDER BY r.reading_ts, r.id",
    )?;
    let rows = stmt.query_map([event], |r| {
        let mut row = Vec::with_capacity(14);
        for i in 0..14 {
            let v = match i {
                10 | 11 => r.get::<_, bool>(i)?.to_string(),
                _ => r.get::<_, String>(i)?,
            };
            row.push(v);
        }
        Ok(row)
    })?;
    Ok((header, rows.collect::<rusqlite::Result<Vec<_>>>()?))
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
