//! The hot path: resolve a badge, judge it and write the reading in one transaction.
//!
//! Every derived fact (presence, room occupancy, voided readings) is maintained by
//! [`insert_reading`], the one door through which readings enter the log – local scans,
//! undos and readings learnt from other devices alike.

use chrono::{DateTime, FixedOffset};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::Store;
use crate::error::{Error, Result};
use entrada_domain::badge::{self, BadgeKey};
use entrada_domain::rules::{
    self, AttendanceFacts, AttendeeFacts, CheckpointRules, Facts, History,
};
use entrada_domain::time;
use entrada_domain::verdict::Verdict;
use entrada_domain::{
    AttendeeId, CheckpointId, DeviceId, Direction, ReadingId, ReadingKind, RoomId, ScanOutcome,
    SyncState, TagId,
};

/// Who is being checked in: a raw badge payload or, for manual check-in and the Access
/// API's `attendee_id` parameter, an attendee id.
#[derive(Debug, Clone, Copy)]
pub enum Subject<'a> {
    Payload(&'a [u8]),
    Attendee(&'a AttendeeId),
}

#[derive(Debug, Clone, Copy)]
pub struct ScanRequest<'a> {
    pub checkpoint: &'a CheckpointId,
    pub subject: Subject<'a>,
    /// Reading time; `None` is now.
    pub at: Option<DateTime<FixedOffset>>,
    /// Overrides the device's name on this reading (e.g. a kiosk's position).
    pub device_name: Option<&'a str>,
}

/// A checkpoint row with what its rules need, read once per scan.
#[derive(Debug, Clone)]
pub(crate) struct CheckpointRow {
    pub id: CheckpointId,
    pub event_id: String,
    pub active: bool,
    pub max_readings: Option<u32>,
    pub room_id: Option<RoomId>,
    pub direction: Direction,
    pub allowed: Vec<TagId>,
    pub excluded: Vec<TagId>,
    pub validity: Option<DateTime<FixedOffset>>,
    pub room_capacity: Option<u32>,
    pub room_occupancy: u32,
}

/// The result of judging, before anything is written.
#[derive(Debug, Clone)]
pub(crate) struct Evaluation {
    pub verdict: Verdict,
    pub attendee_id: Option<AttendeeId>,
    pub checkpoint: CheckpointRow,
}

/// A reading about to enter the log.
#[derive(Debug, Clone)]
pub(crate) struct NewReading<'a> {
    pub id: &'a ReadingId,
    pub device_id: &'a DeviceId,
    pub device_name: &'a str,
    /// `None`: next in this device's sequence.
    pub device_seq: Option<i64>,
    pub event_id: &'a str,
    pub checkpoint_id: &'a CheckpointId,
    pub attendee_id: Option<&'a AttendeeId>,
    pub payload: Option<&'a [u8]>,
    pub verdict: Verdict,
    pub accepted: bool,
    pub kind: ReadingKind,
    pub undoes: Option<&'a ReadingId>,
    pub direction: Direction,
    pub room_id: Option<&'a RoomId>,
    pub reading_date: &'a str,
    pub reading_ts: i64,
    pub sync_state: SyncState,
    pub upstream_verdict: Option<&'a str>,
}

impl Store {
    /// Judges one scan and records it durably. Returns only after the commit is on disk:
    /// a verdict on screen is a reading in the log.
    pub fn scan(&mut self, req: &ScanRequest<'_>) -> Result<ScanOutcome> {
        let at = req.at.unwrap_or_else(|| time::now().fixed_offset());
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let outcome = record_scan(&tx, &self.device, req, at)?;
        tx.commit()?;
        Ok(outcome)
    }

    /// Voids a mistaken accepted reading with a compensating `undo` reading. Nothing is
    /// deleted: the undo is synced like any reading, and occupancy and max-readings counts
    /// follow because they only count readings that are not voided.
    pub fn undo(
        &mut self,
        reading: &ReadingId,
        at: Option<DateTime<FixedOffset>>,
    ) -> Result<ReadingId> {
        let at = at.unwrap_or_else(|| time::now().fixed_offset());
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        type Row = (
            String,
            String,
            Option<String>,
            bool,
            String,
            bool,
            String,
            Option<String>,
        );
        let row: Option<Row> = tx
            .query_row(
                "SELECT event_id, checkpoint_id, attendee_id, accepted, kind, voided, direction, room_id
                 FROM readings WHERE id = ?1",
                [reading.as_str()],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                        r.get(7)?,
                    ))
                },
            )
            .optional()?;
        let Some((
            event_id,
            checkpoint_id,
            attendee_id,
            accepted,
            kind,
            voided,
            direction,
            room_id,
        )) = row
        else {
            return Err(Error::NoSuchReading(reading.to_string()));
        };
        if !accepted || kind == ReadingKind::Undo.as_str() {
            return Err(Error::CannotUndo(
                reading.to_string(),
                "only accepted readings can be undone",
            ));
        }
        if voided {
            return Err(Error::CannotUndo(
                reading.to_string(),
                "it was already undone",
            ));
        }
        let id = ReadingId(uuid::Uuid::now_v7().to_string());
        let attendee_id = attendee_id.map(AttendeeId);
        let room_id = room_id.map(RoomId);
        let reading_date = at.to_rfc3339();
        insert_reading(
            &tx,
            &NewReading {
                id: &id,
                device_id: &self.device.id,
                device_name: &self.device.name,
                device_seq: None,
                event_id: &event_id,
                checkpoint_id: &CheckpointId(checkpoint_id),
                attendee_id: attendee_id.as_ref(),
                payload: None,
                verdict: Verdict::Accepted,
                accepted: false,
                kind: ReadingKind::Undo,
                undoes: Some(reading),
                direction: Direction::parse(&direction).unwrap_or_default(),
                room_id: room_id.as_ref(),
                reading_date: &reading_date,
                reading_ts: time::micros(&at),
                sync_state: SyncState::Pending,
                upstream_verdict: None,
            },
        )?;
        crate::webhooks::reading_undone(&tx, &id, reading)?;
        tx.commit()?;
        Ok(id)
    }
}

/// Judges one scan and appends its reading inside the caller's transaction: the one body
/// behind [`Store::scan`] and the hub's group commit ([`Store::scan_many`]). An accepted
/// reading queues its `checkpoint_reading_created` webhook in the same transaction.
pub(crate) fn record_scan(
    conn: &Connection,
    device: &super::DeviceInfo,
    req: &ScanRequest<'_>,
    at: DateTime<FixedOffset>,
) -> Result<ScanOutcome> {
    let eval = evaluate(conn, req.checkpoint, req.subject, at)?;
    let id = ReadingId(uuid::Uuid::now_v7().to_string());
    let reading_date = at.to_rfc3339();
    let (payload, kind) = match req.subject {
        Subject::Payload(p) => (
            Some(&p[..p.len().min(badge::MAX_PAYLOAD_BYTES)]),
            ReadingKind::Scan,
        ),
        Subject::Attendee(_) => (None, ReadingKind::Manual),
    };
    let accepted = eval.verdict.is_accepted();
    insert_reading(
        conn,
        &NewReading {
            id: &id,
            device_id: &device.id,
            device_name: req.device_name.unwrap_or(&device.name),
            device_seq: None,
            event_id: &eval.checkpoint.event_id,
            checkpoint_id: &eval.checkpoint.id,
            attendee_id: eval.attendee_id.as_ref(),
            payload,
            verdict: eval.verdict,
            accepted,
            kind,
            undoes: None,
            direction: eval.checkpoint.direction,
            room_id: eval.checkpoint.room_id.as_ref(),
            reading_date: &reading_date,
            reading_ts: time::micros(&at),
            sync_state: SyncState::Pending,
            upstream_verdict: None,
        },
    )?;
    if accepted {
        crate::webhooks::reading_created(conn, &id)?;
    }
    Ok(ScanOutcome {
        verdict: eval.verdict,
        accepted,
        reading_id: id,
        attendee_id: eval.attendee_id,
        message: eval.verdict.message().to_owned(),
        reading_date,
    })
}

pub(crate) fn load_checkpoint(conn: &Connection, id: &CheckpointId) -> Result<CheckpointRow> {
    type Raw = (
        String,
        bool,
        Option<u32>,
        Option<String>,
        String,
        String,
        String,
        Option<String>,
        Option<u32>,
        Option<u32>,
    );
    let raw: Option<Raw> = conn
        .prepare_cached(
            "SELECT c.event_id, c.active, c.max_readings, c.room_id, c.direction,
                    c.allowed_tags, c.excluded_tags, e.validity_date, r.capacity, r.occupancy
             FROM checkpoints c
             LEFT JOIN events e ON e.id = c.event_id
             LEFT JOIN rooms r ON r.id = c.room_id
             WHERE c.id = ?1",
        )?
        .query_row([id.as_str()], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
            ))
        })
        .optional()?;
    let Some((
        event_id,
        active,
        max_readings,
        room_id,
        direction,
        allowed,
        excluded,
        validity,
        capacity,
        occupancy,
    )) = raw
    else {
        return Err(Error::NoSuchCheckpoint(id.to_string()));
    };
    let corrupt = |what: &str| Error::Corrupt(format!("checkpoint {id}: bad {what}"));
    Ok(CheckpointRow {
        id: id.clone(),
        event_id,
        active,
        max_readings,
        room_id: room_id.map(RoomId),
        direction: Direction::parse(&direction).ok_or_else(|| corrupt("direction"))?,
        allowed: serde_json::from_str(&allowed).map_err(|_| corrupt("tags"))?,
        excluded: serde_json::from_str(&excluded).map_err(|_| corrupt("excluded_tags"))?,
        validity: match validity {
            Some(v) => Some(time::parse(&v)?),
            None => None,
        },
        room_capacity: capacity,
        room_occupancy: occupancy.unwrap_or(0),
    })
}

struct AttendeeRow {
    id: AttendeeId,
    active: bool,
    tags: Vec<TagId>,
}

fn find_attendee(conn: &Connection, subject: Subject<'_>) -> Result<Option<AttendeeRow>> {
    let by = |sql: &str, key: &str| -> Result<Option<AttendeeRow>> {
        let row: Option<(String, bool, String)> = conn
            .prepare_cached(sql)?
            .query_row([key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()?;
        match row {
            None => Ok(None),
            Some((id, active, tags)) => Ok(Some(AttendeeRow {
                tags: serde_json::from_str(&tags)
                    .map_err(|_| Error::Corrupt(format!("attendee {id}: bad tags")))?,
                id: AttendeeId(id),
                active,
            })),
        }
    };
    const BY_QR: &str = "SELECT id, active, tag_ids FROM attendees WHERE qr_data = ?1";
    const BY_ID: &str = "SELECT id, active, tag_ids FROM attendees WHERE id = ?1";
    match subject {
        Subject::Attendee(id) => by(BY_ID, id.as_str()),
        Subject::Payload(payload) => match badge::classify(payload) {
            BadgeKey::Unreadable => Ok(None),
            BadgeKey::QrData {
                qr_data,
                url_attendee_id,
            } => match by(BY_QR, qr_data)? {
                Some(found) => Ok(Some(found)),
                None => match url_attendee_id {
                    Some(id) => by(BY_ID, id),
                    None => Ok(None),
                },
            },
        },
    }
}

/// Gathers the facts for one scan and judges it, without writing.
pub(crate) fn evaluate(
    conn: &Connection,
    checkpoint: &CheckpointId,
    subject: Subject<'_>,
    at: DateTime<FixedOffset>,
) -> Result<Evaluation> {
    let cp = load_checkpoint(conn, checkpoint)?;
    let attendee = find_attendee(conn, subject)?;
    let mut history = History {
        room_occupancy: cp.room_occupancy,
        ..History::default()
    };
    let mut attendance = None;
    if let Some(a) = &attendee {
        attendance = conn
            .prepare_cached(
                "SELECT rejected FROM attendance WHERE event_id = ?1 AND attendee_id = ?2",
            )?
            .query_row(params![cp.event_id, a.id.as_str()], |r| r.get::<_, bool>(0))
            .optional()?
            .map(|rejected| AttendanceFacts { rejected });
        history.accepted_here = conn
            .prepare_cached(
                "SELECT count(*) FROM readings
                 WHERE checkpoint_id = ?1 AND attendee_id = ?2 AND accepted = 1 AND voided = 0",
            )?
            .query_row(params![cp.id.as_str(), a.id.as_str()], |r| r.get(0))?;
        if let Some(room) = &cp.room_id {
            history.inside_room = is_inside(conn, room, &a.id)?;
        }
    }
    let verdict = rules::judge(&Facts {
        checkpoint: CheckpointRules {
            active: cp.active,
            allowed_tags: &cp.allowed,
            excluded_tags: &cp.excluded,
            max_readings: cp.max_readings,
            direction: cp.direction,
            room: cp.room_id.as_ref().map(|_| cp.room_capacity),
        },
        event_validity: cp.validity,
        attendee: attendee.as_ref().map(|a| AttendeeFacts {
            active: a.active,
            tags: &a.tags,
            attendance,
        }),
        history,
        at,
    });
    Ok(Evaluation {
        verdict,
        attendee_id: attendee.map(|a| a.id),
        checkpoint: cp,
    })
}

fn is_inside(conn: &Connection, room: &RoomId, attendee: &AttendeeId) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT inside FROM presence WHERE room_id = ?1 AND attendee_id = ?2")?
        .query_row([room.as_str(), attendee.as_str()], |r| r.get(0))
        .optional()?
        .unwrap_or(false))
}

/// Appends a reading and maintains everything derived from the log. Idempotent on the
/// reading id: returns `false` (and changes nothing) when the reading is already there.
pub(crate) fn insert_reading(conn: &Connection, r: &NewReading<'_>) -> Result<bool> {
    let seq = match r.device_seq {
        Some(seq) => seq,
        None => conn
            .prepare_cached(
                "SELECT coalesce(max(device_seq), 0) + 1 FROM readings WHERE device_id = ?1",
            )?
            .query_row([r.device_id.as_str()], |row| row.get(0))?,
    };
    // A reading that arrives after the undo that voids it (possible when learnt from other
    // devices out of order) is voided on arrival.
    let voided_already: bool = match r.accepted {
        true => conn
            .prepare_cached("SELECT 1 FROM readings WHERE undoes = ?1 AND kind = 'undo'")?
            .exists([r.id.as_str()])?,
        false => false,
    };
    let inserted =
        conn.prepare_cached(
            "INSERT INTO readings(id, device_id, device_name, device_seq, event_id, checkpoint_id,
                 attendee_id, payload, verdict, accepted, kind, undoes, voided, direction, room_id,
                 reading_date, reading_ts, recorded_at, sync_state, upstream_verdict, feed_seq)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                 ?18, ?19, ?20, (SELECT coalesce(max(feed_seq), 0) + 1 FROM readings))
             ON CONFLICT(id) DO NOTHING",
        )?
        .execute(params![
            r.id.as_str(),
            r.device_id.as_str(),
            r.device_name,
            seq,
            r.event_id,
            r.checkpoint_id.as_str(),
            r.attendee_id.map(|a| a.as_str()),
            r.payload,
            r.verdict.code(),
            r.accepted,
            r.kind.as_str(),
            r.undoes.map(|u| u.as_str()),
            voided_already,
            r.direction.as_str(),
            r.room_id.map(|x| x.as_str()),
            r.reading_date,
            r.reading_ts,
            time::format(&time::now()),
            r.sync_state.as_str(),
            r.upstream_verdict,
        ])? > 0;
    if !inserted {
        return Ok(false);
    }
    if let Some(target) = r.undoes.filter(|_| r.kind == ReadingKind::Undo) {
        conn.prepare_cached("UPDATE readings SET voided = 1 WHERE id = ?1 AND accepted = 1")?
            .execute([target.as_str()])?;
    }
    let touches_room = r.accepted || r.kind == ReadingKind::Undo;
    if let (true, Some(room), Some(attendee)) = (touches_room, r.room_id, r.attendee_id) {
        refresh_presence(conn, room, attendee)?;
    }
    Ok(true)
}

/// Recomputes whether `attendee` is inside `room` from the latest accepted, not voided
/// reading at one of the room's checkpoints, and moves the room's counter accordingly.
/// Ordering by reading time (not arrival) keeps it right when readings arrive late.
pub(crate) fn refresh_presence(
    conn: &Connection,
    room: &RoomId,
    attendee: &AttendeeId,
) -> Result<()> {
    let latest: Option<String> = conn
        .prepare_cached(
            "SELECT direction FROM readings
             WHERE room_id = ?1 AND attendee_id = ?2 AND accepted = 1 AND voided = 0
             ORDER BY reading_ts DESC, id DESC LIMIT 1",
        )?
        .query_row([room.as_str(), attendee.as_str()], |r| r.get(0))
        .optional()?;
    let now_inside = latest.as_deref() == Some(Direction::In.as_str());
    let was_inside = is_inside(conn, room, attendee)?;
    if now_inside == was_inside {
        return Ok(());
    }
    conn.prepare_cached(
        "INSERT INTO presence(room_id, attendee_id, inside) VALUES (?1, ?2, ?3)
         ON CONFLICT(room_id, attendee_id) DO UPDATE SET inside = excluded.inside",
    )?
    .execute(params![room.as_str(), attendee.as_str(), now_inside])?;
    let delta: i64 = if now_inside { 1 } else { -1 };
    conn.prepare_cached("UPDATE rooms SET occupancy = max(occupancy + ?2, 0) WHERE id = ?1")?
        .execute(params![room.as_str(), delta])?;
    Ok(())
}
