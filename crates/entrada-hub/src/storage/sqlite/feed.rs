//! The sync extensions' read side: the compacted change feed and the readings feed.

use rusqlite::{Connection, params};
use serde_json::value::RawValue;

use entrada_domain::wire::{ChangesPage, Cursor, RawChange, ReadingsPage, RemoteReading};
use entrada_domain::{AttendeeId, CheckpointId, DeviceId, ReadingId, ReadingKind, Verdict};

use crate::storage::{StorageError, StorageResult};

/// One page of the feed in one statement: each entry's current state comes straight from
/// its row's canonical `raw` JSON. An attendance entry nests the attendee's current record
/// (like `GET /event/<id>/attendance`), spliced in by SQLite's `json_set`; when the
/// attendee row is gone, the attendance keeps the copy it was written with.
const PAGE_SQL: &str = "
    SELECT c.seq, c.entity, c.id,
        CASE WHEN c.op = 'upsert' THEN CASE c.entity
            WHEN 'attendee' THEN (SELECT raw FROM attendees WHERE id = c.id)
            WHEN 'attendance' THEN (
                SELECT CASE WHEN p.raw IS NULL THEN t.raw
                            ELSE json_set(t.raw, '$.attendee', json(p.raw)) END
                FROM attendance t LEFT JOIN attendees p ON p.id = t.attendee_id
                WHERE t.event_id = ?1 AND t.attendee_id = c.id)
            WHEN 'checkpoint' THEN (SELECT raw FROM checkpoints WHERE id = c.id)
            WHEN 'room' THEN (SELECT raw FROM rooms WHERE id = c.id)
            WHEN 'tag' THEN (SELECT raw FROM tags WHERE id = c.id)
            WHEN 'event' THEN (SELECT raw FROM events WHERE id = c.id)
        END END
    FROM hub_changes c
    WHERE c.seq > ?2 AND c.scope IN (?1, '')
    ORDER BY c.seq LIMIT ?3";

/// The feed reads its pages through a memory map of the database file: a page of 20,000
/// entries looks up about as many rows at random, and with reads through SQLite's small
/// page cache each miss was a system call, which made up a large part of the hub's time.
/// The map is address space, not memory: what is read stays in the OS page cache.
const FEED_MMAP_BYTES: i64 = 1 << 30;

pub(super) fn changes(
    conn: &Connection,
    event: &str,
    since: i64,
    limit: u32,
) -> StorageResult<ChangesPage> {
    conn.pragma_update(None, "mmap_size", FEED_MMAP_BYTES)?;
    let mut stmt = conn.prepare_cached(PAGE_SQL)?;
    let mut rows = stmt.query(params![event, since, i64::from(limit) + 1])?;
    let mut changes = Vec::with_capacity((limit as usize).min(8192));
    let mut more = false;
    while let Some(row) = rows.next()? {
        if changes.len() == limit as usize {
            more = true;
            break;
        }
        let data: Option<String> = row.get(3)?;
        let data = data.map(RawValue::from_string).transpose()?;
        // An upsert whose row vanished meanwhile is reported as what it now is: gone.
        let op = if data.is_some() { "upsert" } else { "delete" };
        changes.push(RawChange {
            seq: Some(row.get(0)?),
            entity: row.get(1)?,
            id: row.get(2)?,
            op: op.to_owned(),
            data,
        });
    }
    drop(rows);
    let last = changes.last().and_then(|c| c.seq).unwrap_or(since);
    let remaining: i64 = conn
        .prepare_cached("SELECT count(*) FROM hub_changes WHERE seq > ?2 AND scope IN (?1, '')")?
        .query_row(params![event, last], |r| r.get(0))?;
    Ok(ChangesPage {
        changes,
        next: Some(Cursor::Text(last.to_string())),
        more,
        remaining: Some(u64::try_from(remaining).unwrap_or(0)),
    })
}

pub(super) fn readings(
    conn: &Connection,
    event: &str,
    since: i64,
    limit: u32,
) -> StorageResult<ReadingsPage> {
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
            let kind: String = r.get(6)?;
            let conflict = state == "conflict";
            let hub_verdict = match (conflict, verdict) {
                (true, Some(v)) => v,
                _ => "accepted".to_owned(),
            };
            Ok((
                RawFeedRow {
                    id: r.get(0)?,
                    attendee_id: r.get(1)?,
                    checkpoint_id: r.get(2)?,
                    reading_date: r.get(3)?,
                    device: r.get(4)?,
                    device_id: r.get(5)?,
                    kind,
                    undoes: r.get(7)?,
                    conflict,
                    hub_verdict,
                },
                r.get::<_, i64>(10)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let more = rows.len() > limit as usize;
    let rows: Vec<_> = rows.into_iter().take(limit as usize).collect();
    let next = rows.last().map(|(_, seq)| *seq).unwrap_or(since);
    Ok(ReadingsPage {
        readings: rows
            .into_iter()
            .map(|(r, _)| r.typed())
            .collect::<StorageResult<_>>()?,
        next: Some(Cursor::Text(next.to_string())),
        more,
    })
}

/// A readings-feed row as stored, before its codes are read into the wire type.
struct RawFeedRow {
    id: String,
    attendee_id: Option<String>,
    checkpoint_id: String,
    reading_date: String,
    device: String,
    device_id: String,
    kind: String,
    undoes: Option<String>,
    conflict: bool,
    hub_verdict: String,
}

impl RawFeedRow {
    /// The hub wrote these codes itself; one it cannot read back is a damaged row.
    fn typed(self) -> StorageResult<RemoteReading> {
        let corrupt = |what: &str, value: &str| {
            StorageError::Core(entrada_store::Error::Corrupt(format!(
                "reading {}: unknown {what} {value:?}",
                self.id
            )))
        };
        let kind = ReadingKind::parse(&self.kind).ok_or_else(|| corrupt("kind", &self.kind))?;
        let hub_verdict = Verdict::from_code(&self.hub_verdict)
            .ok_or_else(|| corrupt("verdict", &self.hub_verdict))?;
        Ok(RemoteReading {
            id: ReadingId(self.id),
            attendee_id: self.attendee_id.map(AttendeeId),
            checkpoint_id: CheckpointId(self.checkpoint_id),
            reading_date: self.reading_date,
            device: self.device,
            device_id: Some(DeviceId(self.device_id)),
            kind,
            undoes: self.undoes.map(ReadingId),
            conflict: self.conflict,
            hub_verdict: Some(hub_verdict),
        })
    }
}
