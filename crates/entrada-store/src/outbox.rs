//! The outbox: this device's readings the upstream has not acknowledged yet, and the
//! recording of what the upstream answered.
//!
//! The outbox is not a separate table: it is the `pending` readings of the log, so a
//! reading can never be "in the log but not queued" (one commit writes both). Marking is
//! guarded by `sync_state = 'pending'`, so a late or repeated answer never overwrites a
//! newer word learnt from the readings feed.

use rusqlite::{TransactionBehavior, params};
use serde::Serialize;

use super::Store;
use crate::error::{Error, Result};
use entrada_domain::verdict::Verdict;
use entrada_domain::{AttendeeId, CheckpointId, ReadingId, ReadingKind, SyncState};

/// A reading waiting to be pushed, with what the upload formats need.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PendingReading {
    pub id: ReadingId,
    pub event_id: String,
    pub checkpoint_id: CheckpointId,
    pub attendee_id: Option<AttendeeId>,
    pub reading_date: String,
    pub verdict: Verdict,
    pub accepted: bool,
    pub kind: ReadingKind,
    pub undoes: Option<ReadingId>,
    pub device_seq: i64,
    pub device_name: String,
}

/// What the upstream said about one pushed reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// Acknowledged (stored, or filed as an audit record).
    Synced { status: Option<u16> },
    /// Kept upstream, but its rules would have refused it (`verdict` is their code).
    Conflict { verdict: Option<String> },
    /// Not taken: a plain Access API's refusal, or a hub that cannot file it.
    Refused {
        status: Option<u16>,
        body: String,
        verdict: Option<String>,
    },
}

/// Counts for the status line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OutboxCounts {
    /// Readings waiting to be pushed.
    pub backlog: u64,
    /// Readings the upstream flagged as conflicts (only this device's own readings
    /// carry that state; other doors' readings are `remote`).
    pub conflicts: u64,
    /// This device's readings the upstream refused.
    pub refused: u64,
}

impl Store {
    /// The oldest `limit` pending readings, in this device's sequence order (so the
    /// upstream sees them in the order they were made, undos after what they void).
    pub fn pending_readings(&self, limit: u32) -> Result<Vec<PendingReading>> {
        let rows = self
            .conn
            .prepare_cached(
                "SELECT id, event_id, checkpoint_id, attendee_id, reading_date, verdict, accepted,
                        kind, undoes, device_seq, device_name
                 FROM readings WHERE sync_state = 'pending'
                 ORDER BY device_seq, reading_ts, id LIMIT ?1",
            )?
            .query_map([limit], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, bool>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, i64>(9)?,
                    r.get::<_, String>(10)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        rows.into_iter()
            .map(
                |(id, event, cp, att, date, verdict, accepted, kind, undoes, seq, name)| {
                    let corrupt = |what: &str| Error::Corrupt(format!("reading {id}: bad {what}"));
                    Ok(PendingReading {
                        verdict: Verdict::from_code(&verdict).ok_or_else(|| corrupt("verdict"))?,
                        kind: ReadingKind::parse(&kind).ok_or_else(|| corrupt("kind"))?,
                        id: ReadingId(id),
                        event_id: event,
                        checkpoint_id: CheckpointId(cp),
                        attendee_id: att.map(AttendeeId),
                        reading_date: date,
                        accepted,
                        undoes: undoes.map(ReadingId),
                        device_seq: seq,
                        device_name: name,
                    })
                },
            )
            .collect()
    }

    /// Records the upstream's answers in one transaction. Only readings still pending
    /// change; returns how many did.
    pub fn mark_pushed(&mut self, outcomes: &[(ReadingId, PushOutcome)]) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut changed = 0;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE readings SET sync_state = ?2, upstream_status = ?3, upstream_body = ?4,
                     upstream_verdict = ?5
                 WHERE id = ?1 AND sync_state = 'pending'",
            )?;
            for (id, outcome) in outcomes {
                let (state, status, body, verdict) = match outcome {
                    PushOutcome::Synced { status } => (SyncState::Synced, *status, None, None),
                    PushOutcome::Conflict { verdict } => {
                        (SyncState::Conflict, None, None, verdict.as_deref())
                    }
                    PushOutcome::Refused {
                        status,
                        body,
                        verdict,
                    } => (
                        SyncState::Refused,
                        *status,
                        Some(body.as_str()),
                        verdict.as_deref(),
                    ),
                };
                changed +=
                    stmt.execute(params![id.as_str(), state.as_str(), status, body, verdict])?;
            }
        }
        tx.commit()?;
        Ok(changed)
    }

    /// Backlog, conflicts and refusals of this device, for the status line.
    pub fn outbox_counts(&self) -> Result<OutboxCounts> {
        let backlog: i64 = self.conn.query_row(
            "SELECT count(*) FROM readings WHERE sync_state = 'pending'",
            [],
            |r| r.get(0),
        )?;
        let (conflicts, refused): (i64, i64) = self.conn.query_row(
            "SELECT coalesce(sum(sync_state = 'conflict'), 0), coalesce(sum(sync_state = 'refused'), 0)
             FROM readings WHERE sync_state IN ('conflict', 'refused')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(OutboxCounts {
            backlog: backlog.max(0) as u64,
            conflicts: conflicts.max(0) as u64,
            refused: refused.max(0) as u64,
        })
    }
}
