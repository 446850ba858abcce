//! Readings that come from elsewhere: uploads from devices (on the hub) and the readings
//! feed of other doors (on a device).
//!
//! A reading a device accepted offline is a fact – the person walked in – so the hub stores
//! it even where its own rules would now refuse it, flagged as a conflict with the verdict
//! the hub would have given. Uploads are idempotent on the client-generated reading id: a
//! retry returns the answer the first upload got and changes nothing.

use rusqlite::{OptionalExtension, TransactionBehavior};

use super::Store;
use super::scan::{NewReading, evaluate, insert_reading};
use crate::Subject;
use crate::error::Result;
use entrada_domain::time;
use entrada_domain::verdict::Verdict;
use entrada_domain::wire::{IngestResult, IngestStatus, RemoteReading, UploadedReading};
use entrada_domain::{AttendeeId, CheckpointId, DeviceId, ReadingKind, SyncState};

impl Store {
    /// Files a batch of uploaded readings from `device` in one transaction.
    pub fn ingest(
        &mut self,
        device_id: &DeviceId,
        device_name: &str,
        batch: &[UploadedReading],
    ) -> Result<Vec<IngestResult>> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(batch.len());
        for r in batch {
            let known: Option<(String, bool, Option<String>)> = tx
                .prepare_cached(
                    "SELECT sync_state, accepted, upstream_verdict FROM readings WHERE id = ?1",
                )?
                .query_row([r.id.as_str()], |row| {
                    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                })
                .optional()?;
            if let Some((state, accepted, hub_verdict)) = known {
                let hub_verdict = hub_verdict.as_deref().and_then(Verdict::from_code);
                results.push(IngestResult {
                    id: r.id.clone(),
                    status: match (accepted, state.as_str()) {
                        (false, _) => IngestStatus::Audit,
                        (true, "conflict") => IngestStatus::Conflict,
                        _ => IngestStatus::Stored,
                    },
                    duplicate: true,
                    hub_verdict: hub_verdict.or(accepted.then_some(Verdict::Accepted)),
                    error: None,
                });
                continue;
            }
            let at = match time::parse(&r.reading_date) {
                Ok(at) => at,
                Err(e) => {
                    results.push(rejected(r, e.to_string()));
                    continue;
                }
            };
            let subject = match &r.attendee_id {
                Some(a) => Subject::Attendee(a),
                None => Subject::Payload(b""),
            };
            let eval = match evaluate(&tx, &r.checkpoint_id, subject, at) {
                Ok(eval) => eval,
                Err(crate::Error::NoSuchCheckpoint(c)) => {
                    results.push(rejected(r, format!("no such checkpoint: {c}")));
                    continue;
                }
                Err(e) => return Err(e),
            };
            let is_fact = r.accepted && r.kind != ReadingKind::Undo;
            let conflict = is_fact && !eval.verdict.is_accepted();
            let state = if conflict {
                SyncState::Conflict
            } else {
                SyncState::Synced
            };
            insert_reading(
                &tx,
                &NewReading {
                    id: &r.id,
                    device_id,
                    device_name,
                    device_seq: r.device_seq,
                    event_id: &eval.checkpoint.event_id,
                    checkpoint_id: &r.checkpoint_id,
                    attendee_id: r.attendee_id.as_ref(),
                    payload: None,
                    verdict: r.verdict,
                    accepted: is_fact,
                    kind: r.kind,
                    undoes: r.undoes.as_ref(),
                    direction: eval.checkpoint.direction,
                    room_id: eval.checkpoint.room_id.as_ref(),
                    reading_date: &r.reading_date,
                    reading_ts: time::micros(&at),
                    sync_state: state,
                    upstream_verdict: conflict.then(|| eval.verdict.code()),
                },
            )?;
            if let (true, Some(max), Some(attendee)) = (
                is_fact,
                eval.checkpoint.max_readings,
                r.attendee_id.as_ref(),
            ) {
                reflag_max_readings(&tx, &r.checkpoint_id, attendee, max)?;
            }
            // Read back: re-flagging may have moved the conflict to or from this reading.
            let (state, hub_verdict): (String, Option<String>) = tx
                .prepare_cached("SELECT sync_state, upstream_verdict FROM readings WHERE id = ?1")?
                .query_row([r.id.as_str()], |row| Ok((row.get(0)?, row.get(1)?)))?;
            let conflict = state == SyncState::Conflict.as_str();
            results.push(IngestResult {
                id: r.id.clone(),
                status: if conflict {
                    IngestStatus::Conflict
                } else if is_fact || r.kind == ReadingKind::Undo {
                    IngestStatus::Stored
                } else {
                    IngestStatus::Audit
                },
                duplicate: false,
                hub_verdict: match (is_fact, hub_verdict) {
                    (false, _) => None,
                    (true, Some(code)) => Verdict::from_code(&code),
                    (true, None) => Some(Verdict::Accepted),
                },
                error: None,
            });
        }
        tx.commit()?;
        Ok(results)
    }

    /// Applies readings made on other devices (accepted readings and undos) so that
    /// max-readings and occupancy hold across doors. Already-known ids are skipped.
    /// Returns how many were new.
    pub fn apply_remote(&mut self, batch: &[RemoteReading]) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut added = 0;
        for r in batch {
            if r.device_id.as_ref() == Some(&self.device.id) {
                // Our own reading coming back: learn the upstream's latest word on it.
                let (state, verdict) = match (r.conflict, r.hub_verdict) {
                    (true, v) => (SyncState::Conflict, v.map(|v| v.code())),
                    (false, _) => (SyncState::Synced, None),
                };
                tx.prepare_cached(
                    "UPDATE readings SET sync_state = ?2, upstream_verdict = ?3
                     WHERE id = ?1 AND sync_state IN ('synced', 'conflict')
                       AND (sync_state IS NOT ?2 OR upstream_verdict IS NOT ?3)",
                )?
                .execute(rusqlite::params![
                    r.id.as_str(),
                    state.as_str(),
                    verdict
                ])?;
                continue;
            }
            let Ok(at) = time::parse(&r.reading_date) else {
                tracing::warn!(reading = %r.id, "remote reading with a bad date skipped");
                continue;
            };
            let cp = match super::scan::load_checkpoint(&tx, &r.checkpoint_id) {
                Ok(cp) => cp,
                Err(crate::Error::NoSuchCheckpoint(_)) => {
                    tracing::warn!(reading = %r.id, "remote reading at an unknown checkpoint skipped");
                    continue;
                }
                Err(e) => return Err(e),
            };
            let device_id = r
                .device_id
                .clone()
                .unwrap_or_else(|| DeviceId(format!("remote:{}", r.device)));
            let is_undo = r.kind == ReadingKind::Undo;
            // Remote rows carry no local sequence: use a negative one derived from the
            // position so the (device_id, device_seq) uniqueness never collides with ours.
            let seq: i64 = tx
                .prepare_cached(
                    "SELECT coalesce(min(device_seq), 0) - 1 FROM readings WHERE device_id = ?1",
                )?
                .query_row([device_id.as_str()], |row| row.get(0))?;
            if insert_reading(
                &tx,
                &NewReading {
                    id: &r.id,
                    device_id: &device_id,
                    device_name: &r.device,
                    device_seq: Some(seq),
                    event_id: &cp.event_id,
                    checkpoint_id: &r.checkpoint_id,
                    attendee_id: r.attendee_id.as_ref(),
                    payload: None,
                    verdict: Verdict::Accepted,
                    accepted: !is_undo,
                    kind: r.kind,
                    undoes: r.undoes.as_ref(),
                    direction: cp.direction,
                    room_id: cp.room_id.as_ref(),
                    reading_date: &r.reading_date,
                    reading_ts: time::micros(&at),
                    sync_state: SyncState::Remote,
                    upstream_verdict: None,
                },
            )? {
                added += 1;
            }
        }
        tx.commit()?;
        Ok(added)
    }
}

fn rejected(r: &UploadedReading, error: String) -> IngestResult {
    IngestResult {
        id: r.id.clone(),
        status: IngestStatus::Rejected,
        duplicate: false,
        hub_verdict: None,
        error: Some(error),
    }
}

/// Keeps max-readings conflicts on the readings that came later in time, whatever order
/// they were uploaded in: of an attendee's accepted readings at a checkpoint, the first
/// `max` by reading time stand, the rest are conflicts. A reading whose flag flips gets a
/// new feed position, so the device that made it learns the change from the readings feed.
fn reflag_max_readings(
    conn: &rusqlite::Connection,
    checkpoint: &CheckpointId,
    attendee: &AttendeeId,
    max: u32,
) -> Result<()> {
    let rows: Vec<(String, String, Option<String>)> = conn
        .prepare_cached(
            "SELECT id, sync_state, upstream_verdict FROM readings
             WHERE checkpoint_id = ?1 AND attendee_id = ?2 AND accepted = 1 AND voided = 0
             ORDER BY reading_ts, id",
        )?
        .query_map([checkpoint.as_str(), attendee.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let max_code = Verdict::MaxReadingsReached.code();
    for (i, (id, state, verdict)) in rows.iter().enumerate() {
        let over = i as u64 >= u64::from(max);
        let flagged_for_max =
            state == SyncState::Conflict.as_str() && verdict.as_deref() == Some(max_code);
        let (new_state, new_verdict) = match (over, flagged_for_max) {
            (true, false) if state != SyncState::Conflict.as_str() => {
                (SyncState::Conflict, Some(max_code))
            }
            (false, true) => (SyncState::Synced, None),
            _ => continue,
        };
        conn.prepare_cached(
            "UPDATE readings SET sync_state = ?2, upstream_verdict = ?3,
                 feed_seq = (SELECT max(feed_seq) + 1 FROM readings)
             WHERE id = ?1",
        )?
        .execute(rusqlite::params![id, new_state.as_str(), new_verdict])?;
    }
    Ok(())
}
