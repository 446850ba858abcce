//! Applying the hub's change feed to the replica.
//!
//! The feed carries entities in the snapshot's shapes, one entry per entity (its latest
//! state or a tombstone). A pull applies a whole run of pages in one transaction together
//! with the feed cursor, so the replica is always at some consistent feed position: a
//! crash or a dropped connection mid-pull leaves it where it was, never half an event, and
//! the next pull resumes from the stored cursor. Upserts reuse the import's helpers, so a
//! row is rewritten only when its canonical `raw` text changes.

use rusqlite::{TransactionBehavior, params};
use serde::Serialize;

use super::Store;
use super::import::{
    upsert_attendance, upsert_attendee, upsert_checkpoint, upsert_event, upsert_room, upsert_tag,
};
use crate::domain::{Attendance, Attendee, Checkpoint, EventId, Room, Tag};
use crate::error::Result;

/// The kinds of entity the change feed carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntityKind {
    Event,
    Tag,
    Room,
    Checkpoint,
    Attendee,
    Attendance,
}

impl EntityKind {
    pub fn parse(value: &str) -> Option<Self> {
        Some(match value {
            "event" => EntityKind::Event,
            "tag" => EntityKind::Tag,
            "room" => EntityKind::Room,
            "checkpoint" => EntityKind::Checkpoint,
            "attendee" => EntityKind::Attendee,
            "attendance" => EntityKind::Attendance,
            _ => return None,
        })
    }
}

/// One typed change-feed entry, ready to apply.
#[derive(Debug, Clone, PartialEq)]
pub enum EntityChange {
    Event(crate::domain::Event),
    Tag(Tag),
    Room(Room),
    Checkpoint(Checkpoint),
    Attendee(Attendee),
    /// Upserts the attendee too (the feed nests it, like `GET /event/<id>/attendance`).
    Attendance(Attendance),
    /// A tombstone. For `attendance`, `id` is the attendee id.
    Delete {
        kind: EntityKind,
        id: String,
    },
}

/// What applying a run of changes did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApplyReport {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub deleted: u64,
}

impl ApplyReport {
    fn count(&mut self, (changed, existed): (usize, bool)) {
        match (changed, existed) {
            (0, _) => self.unchanged += 1,
            (_, true) => self.updated += 1,
            (_, false) => self.inserted += 1,
        }
    }

    /// Rows that actually changed.
    pub fn changed(&self) -> u64 {
        self.inserted + self.updated + self.deleted
    }
}

/// How often (in entries) the apply progress callback fires.
const PROGRESS_EVERY: usize = 2_000;

impl Store {
    /// Applies change-feed entries of `event` in one transaction and, in the same
    /// transaction, stores `cursor` as `(meta key, value)`. `progress` is called with the
    /// number of entries applied so far.
    pub fn apply_changes(
        &mut self,
        event: &EventId,
        changes: &[EntityChange],
        cursor: Option<(&str, &str)>,
        progress: &mut dyn FnMut(usize),
    ) -> Result<ApplyReport> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let event_id = event.as_str();
        let mut report = ApplyReport::default();
        for (i, change) in changes.iter().enumerate() {
            match change {
                EntityChange::Event(e) => report.count(upsert_event(&tx, e)?),
                EntityChange::Tag(t) => report.count(upsert_tag(&tx, t)?),
                EntityChange::Room(r) => report.count(upsert_room(&tx, event_id, r)?),
                EntityChange::Checkpoint(c) => report.count(upsert_checkpoint(&tx, event_id, c)?),
                EntityChange::Attendee(a) => report.count(upsert_attendee(&tx, a)?),
                EntityChange::Attendance(att) => {
                    // The feed carries the attendee as its own entity, which is the
                    // authority on it; the nested copy only fills a gap (an attendance
                    // whose attendee this replica has not seen), which halves the work
                    // of a first pull.
                    let known = tx
                        .prepare_cached("SELECT 1 FROM attendees WHERE id = ?1")?
                        .exists([att.attendee.id.as_str()])?;
                    if !known {
                        upsert_attendee(&tx, &att.attendee)?;
                    }
                    report.count(upsert_attendance(&tx, event_id, att)?);
                }
                EntityChange::Delete { kind, id } => {
                    report.deleted += delete(&tx, event_id, *kind, id)? as u64;
                }
            }
            if (i + 1) % PROGRESS_EVERY == 0 {
                progress(i + 1);
            }
        }
        if let Some((key, value)) = cursor {
            tx.execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )?;
        }
        tx.commit()?;
        progress(changes.len());
        Ok(report)
    }
}

/// Removes one entity. Readings are never touched: they keep the ids they were made with.
fn delete(
    tx: &rusqlite::Transaction<'_>,
    event_id: &str,
    kind: EntityKind,
    id: &str,
) -> Result<usize> {
    let n = match kind {
        EntityKind::Event => tx.execute("DELETE FROM events WHERE id = ?1", [id])?,
        EntityKind::Tag => tx.execute("DELETE FROM tags WHERE id = ?1", [id])?,
        EntityKind::Room => tx.execute("DELETE FROM rooms WHERE id = ?1", [id])?,
        EntityKind::Checkpoint => tx.execute("DELETE FROM checkpoints WHERE id = ?1", [id])?,
        EntityKind::Attendee => {
            // Its attendance goes with it, or the badge would still resolve to a person.
            tx.execute("DELETE FROM attendance WHERE attendee_id = ?1", [id])?;
            tx.execute("DELETE FROM attendees WHERE id = ?1", [id])?
        }
        EntityKind::Attendance => tx.execute(
            "DELETE FROM attendance WHERE event_id = ?1 AND attendee_id = ?2",
            params![event_id, id],
        )?,
    };
    Ok(n)
}

impl Store {
    /// The rooms of one event as last imported or pulled.
    pub fn rooms_of_event(&self, event: &EventId) -> Result<Vec<Room>> {
        let raws = self
            .conn
            .prepare("SELECT raw FROM rooms WHERE event_id = ?1 ORDER BY id")?
            .query_map([event.as_str()], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        raws.iter()
            .map(|raw| serde_json::from_str(raw).map_err(crate::Error::from))
            .collect()
    }
}
