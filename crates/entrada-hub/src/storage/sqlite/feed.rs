//! The sync extensions' read side: the compacted change feed and the readings feed.

use entrada_core::store::admin;
use rusqlite::{Connection, params};
use serde_json::Value;

use crate::storage::{Change, ChangePage, FeedReading, ReadingPage, StorageResult};

fn raw(conn: &Connection, sql: &str, id: &str) -> StorageResult<Option<Value>> {
    use rusqlite::OptionalExtension;
    let text: Option<String> = conn
        .prepare_cached(sql)?
        .query_row([id], |r| r.get(0))
        .optional()?;
    Ok(text.map(|t| serde_json::from_str(&t)).transpose()?)
}

/// The entity's current state in the snapshot's shape (`None`: gone).
fn data(conn: &Connection, entity: &str, event: &str, id: &str) -> StorageResult<Option<Value>> {
    match entity {
        "event" => raw(conn, "SELECT raw FROM events WHERE id = ?1", id),
        "tag" => raw(conn, "SELECT raw FROM tags WHERE id = ?1", id),
        "room" => raw(conn, "SELECT raw FROM rooms WHERE id = ?1", id),
        "checkpoint" => raw(conn, "SELECT raw FROM checkpoints WHERE id = ?1", id),
        "attendee" => raw(conn, "SELECT raw FROM attendees WHERE id = ?1", id),
        "attendance" => Ok(admin::load_attendance(conn, event, id)?
            .map(serde_json::to_value)
            .transpose()?),
        _ => Ok(None),
    }
}

pub(super) fn changes(
    conn: &Connection,
    event: &str,
    since: i64,
    limit: u32,
) -> StorageResult<ChangePage> {
    let rows: Vec<(i64, String, String, String)> = conn
        .prepare_cached(
            "SELECT seq, entity, id, op FROM hub_changes
             WHERE seq > ?2 AND scope IN (?1, '') ORDER BY seq LIMIT ?3",
        )?
        .query_map(params![event, since, i64::from(limit) + 1], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let more = rows.len() > limit as usize;
    let mut changes = Vec::with_capacity(rows.len().min(limit as usize));
    for (seq, entity, id, op) in rows.into_iter().take(limit as usize) {
        let data = match op.as_str() {
            "upsert" => data(conn, &entity, event, &id)?,
            _ => None,
        };
        // An upsert whose row vanished meanwhile is reported as what it now is: gone.
        let op = if data.is_some() { "upsert" } else { "delete" };
        changes.push(Change {
            seq,
            entity,
            op: op.to_owned(),
            id,
            data,
        });
    }
    let last = changes.last().map(|c| c.seq).unwrap_or(since);
    let remaining: i64 = conn
        .prepare_cached("SELECT count(*) FROM hub_changes WHERE seq > ?2 AND scope IN (?1, '')")?
        .query_row(params![event, last], |r| r.get(0))?;
    Ok(ChangePage {
        changes,
        next: last.to_string(),
        more,
        remaining: remaining.max(0) as u64,
    })
}

pub(super) fn readings(
    conn: &Connection,
    event: &str,
    since: i64,
    limit: u32,
) -> StorageResult<ReadingPage> {
    let rows = conn
        .prepare_cached(
            "SELECT id, attendee_id, checkpoint_id, reading_date, device_name, device_id, kind,
                    undoes, sync_state, upstream_verdict, feed_seq
             FROM readings
             WHERE feed_seq > ?2 AND event_id = ?1 AND (accepted = 1 OR kind = 'undo')
             ORDER BY feed_seq LIMIT ?3",
        )?
        .query_map(params![event, since, i64::from(limit) + 1], |r| {
            let state: String = r.get(8)?;
            let verdict: Option<String> = r.get(9)?;
            let conflict = state == "conflict";
            Ok((
                FeedReading {
                    id: r.get(0)?,
                    attendee_id: r.get(1)?,
                    checkpoint_id: r.get(2)?,
                    reading_date: r.get(3)?,
                    device: r.get(4)?,
                    device_id: r.get(5)?,
                    kind: r.get(6)?,
                    undoes: r.get(7)?,
                    conflict,
                    hub_verdict: match (conflict, verdict) {
                        (true, Some(v)) => v,
                        _ => "accepted".to_owned(),
                    },
                },
                r.get::<_, i64>(10)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let more = rows.len() > limit as usize;
    let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let next = rows.last().map(|(_, seq)| *seq).unwrap_or(since);
    Ok(ReadingPage {
        readings: rows.into_iter().map(|(r, _)| r).collect(),
        next: next.to_string(),
        more,
    })
}
