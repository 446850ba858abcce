//! Read-side queries: occupancy, the reading log, attendee lookups and manual search.

use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::Store;
use crate::error::{Error, Result};
use entrada_domain::verdict::Verdict;
use entrada_domain::{
    Attendee, AttendeeId, Checkpoint, CheckpointId, DeviceId, Direction, Event, EventId, Reading,
    ReadingId, ReadingKind, RoomId, SyncState,
};

/// One room's occupancy: who is inside, against capacity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RoomOccupancy {
    pub room_id: RoomId,
    pub name: String,
    pub capacity: Option<u32>,
    pub inside: u32,
    pub attendees: Vec<AttendeeId>,
}

/// Which readings to list.
#[derive(Debug, Clone, Default)]
pub struct ReadingFilter {
    pub sync_state: Option<SyncState>,
    pub checkpoint: Option<CheckpointId>,
    /// Newest first and at most this many (all, oldest first, when `None`).
    pub latest: Option<u32>,
}

/// A manual-search hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttendeeMatch {
    pub id: AttendeeId,
    pub name: String,
    pub email: Option<String>,
    pub company: Option<String>,
    pub qr_data: String,
    pub active: bool,
}

const READING_COLUMNS: &str = "id, device_id, device_name, device_seq, checkpoint_id, attendee_id,
    verdict, accepted, kind, undoes, voided, direction, room_id, reading_date, sync_state,
    upstream_status, upstream_body, upstream_verdict";

pub(crate) fn reading_from_row(r: &Row<'_>) -> rusqlite::Result<Reading> {
    let bad = |i: usize, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("bad {what}").into(),
        )
    };
    let verdict: String = r.get(6)?;
    let kind: String = r.get(8)?;
    let direction: String = r.get(11)?;
    let sync: String = r.get(14)?;
    Ok(Reading {
        id: ReadingId(r.get(0)?),
        device_id: DeviceId(r.get(1)?),
        device_name: r.get(2)?,
        device_seq: r.get(3)?,
        checkpoint_id: CheckpointId(r.get(4)?),
        attendee_id: r.get::<_, Option<String>>(5)?.map(AttendeeId),
        verdict: Verdict::from_code(&verdict).ok_or_else(|| bad(6, "verdict"))?,
        accepted: r.get(7)?,
        kind: ReadingKind::parse(&kind).ok_or_else(|| bad(8, "kind"))?,
        undoes: r.get::<_, Option<String>>(9)?.map(ReadingId),
        voided: r.get(10)?,
        direction: Direction::parse(&direction).ok_or_else(|| bad(11, "direction"))?,
        room_id: r.get::<_, Option<String>>(12)?.map(RoomId),
        reading_date: r.get(13)?,
        sync_state: SyncState::parse(&sync).ok_or_else(|| bad(14, "sync_state"))?,
        upstream_status: r.get(15)?,
        upstream_body: r.get(16)?,
        upstream_verdict: r.get(17)?,
    })
}

impl Store {
    /// Occupancy of every room, from the presence table derived from readings.
    pub fn occupancy(&self) -> Result<Vec<RoomOccupancy>> {
        let mut rooms = self
            .conn
            .prepare("SELECT id, name, capacity FROM rooms ORDER BY name, id")?
            .query_map([], |r| {
                Ok(RoomOccupancy {
                    room_id: RoomId(r.get(0)?),
                    name: r.get(1)?,
                    capacity: r.get(2)?,
                    inside: 0,
                    attendees: Vec::new(),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut stmt = self.conn.prepare(
            "SELECT attendee_id FROM presence WHERE room_id = ?1 AND inside = 1 ORDER BY attendee_id",
        )?;
        for room in &mut rooms {
            room.attendees = stmt
                .query_map([room.room_id.as_str()], |r| Ok(AttendeeId(r.get(0)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            room.inside = room.attendees.len() as u32;
        }
        Ok(rooms)
    }

    /// Readings matching `filter`.
    pub fn readings(&self, filter: &ReadingFilter) -> Result<Vec<Reading>> {
        let order = match filter.latest {
            Some(n) => format!("ORDER BY reading_ts DESC, id DESC LIMIT {n}"),
            None => "ORDER BY reading_ts, id".to_owned(),
        };
        let sql = format!(
            "SELECT {READING_COLUMNS} FROM readings
             WHERE (?1 IS NULL OR sync_state = ?1) AND (?2 IS NULL OR checkpoint_id = ?2)
             {order}"
        );
        let rows = self
            .conn
            .prepare(&sql)?
            .query_map(
                params![
                    filter.sync_state.map(|s| s.as_str()),
                    filter.checkpoint.as_ref().map(|c| c.as_str())
                ],
                reading_from_row,
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// One reading by id.
    pub fn reading(&self, id: &ReadingId) -> Result<Option<Reading>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {READING_COLUMNS} FROM readings WHERE id = ?1"),
                [id.as_str()],
                reading_from_row,
            )
            .optional()?)
    }

    /// The full attendee object as last imported or pulled.
    pub fn attendee(&self, id: &AttendeeId) -> Result<Option<Attendee>> {
        let raw: Option<String> = self
            .conn
            .query_row(
                "SELECT raw FROM attendees WHERE id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )
            .optional()?;
        raw.map(|raw| serde_json::from_str(&raw).map_err(Error::from))
            .transpose()
    }

    /// Checkpoints of the replica, optionally of one event.
    pub fn checkpoints(&self, event: Option<&str>) -> Result<Vec<Checkpoint>> {
        self.raw_rows(
            "SELECT raw FROM checkpoints WHERE (?1 IS NULL OR event_id = ?1) ORDER BY name, id",
            event,
        )
    }

    pub fn checkpoint(&self, id: &CheckpointId) -> Result<Option<Checkpoint>> {
        Ok(self
            .raw_rows(
                "SELECT raw FROM checkpoints WHERE id = ?1",
                Some(id.as_str()),
            )?
            .pop())
    }

    pub fn events(&self) -> Result<Vec<Event>> {
        self.raw_rows(
            "SELECT raw FROM events WHERE ?1 IS NULL ORDER BY name, id",
            None,
        )
    }

    fn raw_rows<T: serde::de::DeserializeOwned>(
        &self,
        sql: &str,
        key: Option<&str>,
    ) -> Result<Vec<T>> {
        let raws = self
            .conn
            .prepare(sql)?
            .query_map([key], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        raws.iter()
            .map(|raw| serde_json::from_str(raw).map_err(Error::from))
            .collect()
    }

    /// Manual search over name, email, company and QR data: every whitespace-separated word
    /// of `query` must appear (case-insensitive). Bounded by `limit`, so typing stays fast.
    pub fn search_attendees(&self, query: &str, limit: u32) -> Result<Vec<AttendeeMatch>> {
        let words: Vec<String> = query
            .split_whitespace()
            .take(8)
            .map(|w| w.to_lowercase())
            .collect();
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut sql = String::from(
            "SELECT id, name, json_extract(raw, '$.email'), json_extract(raw, '$.company'),
                    qr_data, active FROM attendees WHERE 1",
        );
        for i in 0..words.len() {
            sql.push_str(&format!(" AND instr(search, ?{}) > 0", i + 1));
        }
        sql.push_str(&format!(" ORDER BY name LIMIT {limit}"));
        let rows = self
            .conn
            .prepare_cached(&sql)?
            .query_map(rusqlite::params_from_iter(words.iter()), |r| {
                Ok(AttendeeMatch {
                    id: AttendeeId(r.get(0)?),
                    name: r.get(1)?,
                    email: r.get(2)?,
                    company: r.get(3)?,
                    qr_data: r.get(4)?,
                    active: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

impl Store {
    /// Every attendee's id and lowercase search text, in name order: what the door's
    /// in-memory search index holds.
    pub fn search_rows(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, search FROM attendees ORDER BY name, id")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// SQLite's `data_version`: changes when another connection committed to the file.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// The event a checkpoint belongs to, if the replica holds the checkpoint.
    pub fn checkpoint_event(&self, id: &CheckpointId) -> Result<Option<EventId>> {
        crate::admin::checkpoint_event(&self.conn, id)
    }

    /// Attendee id → photo URL, for attendees whose stored object names an http(s) photo.
    pub fn photo_urls(&self) -> Result<std::collections::HashMap<String, String>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, json_extract(raw, '$.photo') FROM attendees
             WHERE raw LIKE '%\"photo\":\"http%'",
        )?;
        let urls = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(urls)
    }
}
