//! Applying the hub's change feed to the replica.
//!
//! The feed carries entities in the snapshot's shapes, one entry per entity (its latest
//! state or a tombstone). A pull applies a whole run of pages in one transaction together
//! with the feed cursor, so the replica is always at some consistent feed position: a
//! crash or a dropped connection mid-pull leaves it where it was, never half an event, and
//! the next pull resumes from the stored cursor. Upserts reuse the import's helpers, so a
//! row is rewritten only when its canonical `raw` text changes.

use std::collections::HashSet;

use rusqlite::{Connection, params};
use serde::Serialize;

use super::Store;
use super::import::{
    upsert_attendance, upsert_attendee, upsert_checkpoint, upsert_event, upsert_room, upsert_tag,
};
use crate::error::Result;
use entrada_domain::wire::{EntityChange, EntityKind};
use entrada_domain::{EventId, Room};

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
        let mut applier = self.begin_changes(event)?;
        applier.apply(changes, progress)?;
        let report = applier.commit(cursor)?;
        progress(changes.len());
        Ok(report)
    }

    /// Opens the one write transaction of a pull that arrives in pages: each page goes in
    /// with [`ChangeApplier::apply`] as it comes, and nothing is visible until
    /// [`ChangeApplier::commit`] stores the cursor with it. Dropping the applier (a
    /// failed download, a cancelled pull) rolls everything back, as does a crash.
    pub fn begin_changes(&mut self, event: &EventId) -> Result<ChangeApplier<'_>> {
        ChangeApplier::begin(&self.conn, event)
    }
}

/// Page cache of a connection while it applies a pull, in KiB. A first pull of 100,000
/// attendees writes about 100 MB of pages keyed by random UUIDs in one transaction; when
/// the dirty pages outgrow the cache, SQLite spills them to the WAL mid-transaction and
/// every later insert re-reads its index pages from there, which made the apply several
/// times slower towards its end. The cache only grows as pages are touched, and goes
/// back to the connection's own size when the transaction ends.
const APPLY_CACHE_KIB: i64 = 512 * 1024;

/// A pull's open transaction (see [`Store::begin_changes`]).
pub struct ChangeApplier<'a> {
    conn: &'a Connection,
    event: String,
    report: ApplyReport,
    applied: usize,
    /// Attendees written by this pull: an attendance entry whose attendee is among them
    /// needs no lookup to know it (a first pull has 100,000 of each).
    attendees_written: HashSet<String>,
    /// The connection's `cache_size` before, restored at the end.
    cache_before: i64,
    finished: bool,
}

impl<'a> ChangeApplier<'a> {
    fn begin(conn: &'a Connection, event: &EventId) -> Result<Self> {
        let cache_before: i64 = conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
        conn.pragma_update(None, "cache_size", -APPLY_CACHE_KIB)?;
        // Built before BEGIN so that any failure from here on is rolled back by `drop`.
        let applier = ChangeApplier {
            conn,
            event: event.as_str().to_owned(),
            report: ApplyReport::default(),
            applied: 0,
            attendees_written: HashSet::new(),
            cache_before,
            finished: false,
        };
        conn.execute_batch("BEGIN IMMEDIATE")?;
        Ok(applier)
    }

    /// Applies entries in order; `progress` gets the entries applied so far (across
    /// pages) every few thousand.
    pub fn apply(
        &mut self,
        changes: &[EntityChange],
        progress: &mut dyn FnMut(usize),
    ) -> Result<()> {
        let tx = self.conn;
        let event_id = self.event.as_str();
        let report = &mut self.report;
        for change in changes {
            match change {
                EntityChange::Event(e) => report.count(upsert_event(tx, e)?),
                EntityChange::Tag(t) => report.count(upsert_tag(tx, t)?),
                EntityChange::Room(r) => report.count(upsert_room(tx, event_id, r)?),
                EntityChange::Checkpoint(c) => report.count(upsert_checkpoint(tx, event_id, c)?),
                EntityChange::Attendee(a) => {
                    report.count(upsert_attendee(tx, a)?);
                    self.attendees_written.insert(a.id.as_str().to_owned());
                }
                EntityChange::Attendance(att) => {
                    // The feed carries the attendee as its own entity, which is the
                    // authority on it; the nested copy only fills a gap (an attendance
                    // whose attendee this replica has not seen), which halves the work
                    // of a first pull.
                    let id = att.attendee.id.as_str();
                    let known = self.attendees_written.contains(id)
                        || tx
                            .prepare_cached("SELECT 1 FROM attendees WHERE id = ?1")?
                            .exists([id])?;
                    if !known {
                        upsert_attendee(tx, &att.attendee)?;
                    }
                    report.count(upsert_attendance(tx, event_id, att)?);
                }
                EntityChange::Delete { kind, id } => {
                    if *kind == EntityKind::Attendee {
                        self.attendees_written.remove(id);
                    }
                    report.deleted += delete(tx, event_id, *kind, id)? as u64;
                }
            }
            self.applied += 1;
            if self.applied.is_multiple_of(PROGRESS_EVERY) {
                progress(self.applied);
            }
        }
        Ok(())
    }

    /// Entries applied so far.
    pub fn applied(&self) -> usize {
        self.applied
    }

    /// Stores `cursor` as `(meta key, value)` and commits everything applied.
    pub fn commit(mut self, cursor: Option<(&str, &str)>) -> Result<ApplyReport> {
        if let Some((key, value)) = cursor {
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [key, value],
            )?;
        }
        self.conn.execute_batch("COMMIT")?;
        self.finished = true;
        Ok(std::mem::take(&mut self.report))
    }
}

impl Drop for ChangeApplier<'_> {
    fn drop(&mut self) {
        // A failed COMMIT can leave the transaction open too: roll back whatever is left.
        if !self.finished
            && !self.conn.is_autocommit()
            && let Err(e) = self.conn.execute_batch("ROLLBACK")
        {
            tracing::warn!(error = %e, "rolling back an unfinished pull failed");
        }
        if let Err(e) = self
            .conn
            .pragma_update(None, "cache_size", self.cache_before)
        {
            tracing::warn!(error = %e, "cannot restore the page cache size");
        }
    }
}

/// Removes one entity. Readings are never touched: they keep the ids they were made with.
fn delete(tx: &Connection, event_id: &str, kind: EntityKind, id: &str) -> Result<usize> {
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
    /// Nothing can be scanned against `event` yet: the replica has no attendance of it
    /// (a first pull may then hold the write lock while its pages arrive).
    pub fn holds_no_attendance(&self, event: &EventId) -> Result<bool> {
        Ok(!self
            .conn
            .prepare_cached("SELECT 1 FROM attendance WHERE event_id = ?1 LIMIT 1")?
            .exists([event.as_str()])?)
    }

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
