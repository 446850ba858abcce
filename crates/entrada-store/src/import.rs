//! Applying a snapshot to the replica in one transaction.
//!
//! Every row keeps its canonical JSON in `raw`; a row is rewritten only when that text
//! changes, so re-importing the same snapshot changes nothing (and a change feed built on
//! the tables sees no spurious updates). Readings are never touched by an import.

use rusqlite::{Connection, Transaction, params};
use serde::Serialize;

use super::Store;
use crate::error::Result;
use entrada_domain::snapshot::Snapshot;
use entrada_domain::{Attendance, Attendee, Checkpoint, Event, Room, Tag, TagId};

/// What an import did, per kind of row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Attendance and checkpoints of the event that the snapshot no longer lists.
    pub removed: u64,
}

impl ImportReport {
    fn count(&mut self, changed: usize, existed: bool) {
        match (changed, existed) {
            (0, _) => self.unchanged += 1,
            (_, true) => self.updated += 1,
            (_, false) => self.inserted += 1,
        }
    }
}

impl Store {
    /// Creates or updates the replica from a validated snapshot. The snapshot is the
    /// authority for its event: checkpoints and attendance it no longer lists are removed
    /// (attendees, tags and readings stay).
    pub fn import_snapshot(&mut self, snapshot: &Snapshot) -> Result<ImportReport> {
        snapshot.validate()?;
        // Immediate: the import reads before it writes, and another writer on the file
        // would otherwise make the upgrade fail at once rather than wait its turn.
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let report = apply(&tx, snapshot)?;
        tx.commit()?;
        Ok(report)
    }
}

fn exists(tx: &Connection, sql: &str, key: &[&str]) -> Result<bool> {
    let mut stmt = tx.prepare_cached(sql)?;
    Ok(stmt.exists(rusqlite::params_from_iter(key))?)
}

fn tag_ids_json(ids: impl Iterator<Item = TagId>) -> Result<String> {
    Ok(serde_json::to_string(&ids.collect::<Vec<_>>())?)
}

/// Lower-cased haystack for manual search (name, email, company, QR data).
pub(crate) fn search_text(a: &Attendee) -> String {
    [
        a.name.as_str(),
        a.email.as_deref().unwrap_or(""),
        a.company.as_deref().unwrap_or(""),
        a.effective_qr_data(),
    ]
    .join("\u{1f}")
    .to_lowercase()
}

pub(crate) fn upsert_attendee(tx: &Connection, a: &Attendee) -> Result<(usize, bool)> {
    let existed = exists(
        tx,
        "SELECT 1 FROM attendees WHERE id = ?1",
        &[a.id.as_str()],
    )?;
    let raw = serde_json::to_string(a)?;
    let tags = tag_ids_json(a.tags.iter().map(|t| t.id.clone()))?;
    let changed = tx
        .prepare_cached(
            "INSERT INTO attendees(id, qr_data, name, active, tag_ids, search, raw)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(id) DO UPDATE SET qr_data = excluded.qr_data, name = excluded.name,
             active = excluded.active, tag_ids = excluded.tag_ids, search = excluded.search,
             raw = excluded.raw
         WHERE raw IS NOT excluded.raw",
        )?
        .execute(params![
            a.id.as_str(),
            a.effective_qr_data(),
            a.name,
            a.active,
            tags,
            search_text(a),
            raw
        ])?;
    Ok((changed, existed))
}

fn apply(tx: &Transaction<'_>, s: &Snapshot) -> Result<ImportReport> {
    let mut report = ImportReport::default();
    let event_id = s.event.id.as_str();

    let (changed, existed) = upsert_event(tx, &s.event)?;
    report.count(changed, existed);
    for tag in &s.tags {
        let (changed, existed) = upsert_tag(tx, tag)?;
        report.count(changed, existed);
    }
    for room in &s.rooms {
        let (changed, existed) = upsert_room(tx, event_id, room)?;
        report.count(changed, existed);
    }
    for cp in &s.checkpoints {
        let (changed, existed) = upsert_checkpoint(tx, event_id, cp)?;
        report.count(changed, existed);
    }
    let listed: Vec<&str> = s.checkpoints.iter().map(|c| c.id.as_str()).collect();
    report.removed += remove_unlisted(tx, "checkpoints", "id", event_id, &listed)?;

    for a in &s.attendees {
        let (changed, existed) = upsert_attendee(tx, a)?;
        report.count(changed, existed);
    }
    for att in &s.attendance {
        let (changed, existed) = upsert_attendee(tx, &att.attendee)?;
        report.count(changed, existed);
        let (changed, existed) = upsert_attendance(tx, event_id, att)?;
        report.count(changed, existed);
    }
    let listed: Vec<&str> = s
        .attendance
        .iter()
        .map(|a| a.attendee.id.as_str())
        .collect();
    report.removed += remove_unlisted(tx, "attendance", "attendee_id", event_id, &listed)?;
    Ok(report)
}

// The upserts below are shared with the change-feed applier (`store/apply.rs`): each
// returns (rows changed, row existed before), and rewrites a row only when its canonical
// `raw` text changes.

pub(crate) fn upsert_event(tx: &Connection, event: &Event) -> Result<(usize, bool)> {
    let event_id = event.id.as_str();
    let existed = exists(tx, "SELECT 1 FROM events WHERE id = ?1", &[event_id])?;
    let changed = tx
        .prepare_cached(
            "INSERT INTO events(id, name, validity_date, raw) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name,
             validity_date = excluded.validity_date, raw = excluded.raw
         WHERE raw IS NOT excluded.raw",
        )?
        .execute(params![
            event_id,
            event.name,
            event.validity_date.map(|d| d.to_rfc3339()),
            serde_json::to_string(event)?
        ])?;
    Ok((changed, existed))
}

pub(crate) fn upsert_tag(tx: &Connection, tag: &Tag) -> Result<(usize, bool)> {
    let existed = exists(tx, "SELECT 1 FROM tags WHERE id = ?1", &[tag.id.as_str()])?;
    let changed = tx
        .prepare_cached(
            "INSERT INTO tags(id, name, raw) VALUES (?1, ?2, ?3)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, raw = excluded.raw
             WHERE raw IS NOT excluded.raw",
        )?
        .execute(params![
            tag.id.as_str(),
            tag.name,
            serde_json::to_string(tag)?
        ])?;
    Ok((changed, existed))
}

pub(crate) fn upsert_room(tx: &Connection, event_id: &str, room: &Room) -> Result<(usize, bool)> {
    let existed = exists(tx, "SELECT 1 FROM rooms WHERE id = ?1", &[room.id.as_str()])?;
    let changed = tx
        .prepare_cached(
            "INSERT INTO rooms(id, event_id, name, capacity, raw) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(id) DO UPDATE SET event_id = excluded.event_id, name = excluded.name,
                 capacity = excluded.capacity, raw = excluded.raw
             WHERE raw IS NOT excluded.raw",
        )?
        .execute(params![
            room.id.as_str(),
            event_id,
            room.name,
            room.capacity,
            serde_json::to_string(room)?
        ])?;
    Ok((changed, existed))
}

pub(crate) fn upsert_checkpoint(
    tx: &Connection,
    event_id: &str,
    cp: &Checkpoint,
) -> Result<(usize, bool)> {
    let existed = exists(
        tx,
        "SELECT 1 FROM checkpoints WHERE id = ?1",
        &[cp.id.as_str()],
    )?;
    let (allowed, excluded) = cp.tag_ids();
    let changed = tx
        .prepare_cached(
            "INSERT INTO checkpoints(id, event_id, name, active, max_readings, room_id,
                 direction, allowed_tags, excluded_tags, raw)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT(id) DO UPDATE SET event_id = excluded.event_id, name = excluded.name,
                 active = excluded.active, max_readings = excluded.max_readings,
                 room_id = excluded.room_id, direction = excluded.direction,
                 allowed_tags = excluded.allowed_tags, excluded_tags = excluded.excluded_tags,
                 raw = excluded.raw
             WHERE raw IS NOT excluded.raw",
        )?
        .execute(params![
            cp.id.as_str(),
            event_id,
            cp.name,
            cp.active,
            cp.max_readings,
            cp.room_id.as_ref().map(|r| r.as_str()),
            cp.direction.as_str(),
            tag_ids_json(allowed.into_iter())?,
            tag_ids_json(excluded.into_iter())?,
            serde_json::to_string(cp)?
        ])?;
    Ok((changed, existed))
}

/// Upserts the attendance row only; the caller upserts `att.attendee` itself.
pub(crate) fn upsert_attendance(
    tx: &Connection,
    event_id: &str,
    att: &Attendance,
) -> Result<(usize, bool)> {
    let key = [event_id, att.attendee.id.as_str()];
    let existed = exists(
        tx,
        "SELECT 1 FROM attendance WHERE event_id = ?1 AND attendee_id = ?2",
        &key,
    )?;
    // The attendee lives in its own table; attendance keeps only its own fields.
    let mut own = att.clone();
    own.attendee.extra.clear();
    own.attendee.tags.clear();
    let changed = tx
        .prepare_cached(
            "INSERT INTO attendance(event_id, attendee_id, confirmed, rejected, raw)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(event_id, attendee_id) DO UPDATE SET confirmed = excluded.confirmed,
                 rejected = excluded.rejected, raw = excluded.raw
             WHERE raw IS NOT excluded.raw",
        )?
        .execute(params![
            event_id,
            att.attendee.id.as_str(),
            att.confirmed,
            att.rejected,
            serde_json::to_string(&own)?
        ])?;
    Ok((changed, existed))
}

/// Deletes rows of `table` for the event whose key is not in `keep`. Uses a temp table so
/// a 100,000-attendee snapshot does not build a 100,000-parameter statement.
fn remove_unlisted(
    tx: &Transaction<'_>,
    table: &str,
    key: &str,
    event_id: &str,
    keep: &[&str],
) -> Result<u64> {
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS import_keep(k TEXT PRIMARY KEY); DELETE FROM import_keep;",
    )?;
    {
        let mut ins = tx.prepare_cached("INSERT OR IGNORE INTO import_keep(k) VALUES (?1)")?;
        for k in keep {
            ins.execute([k])?;
        }
    }
    let removed = tx.execute(
        &format!(
            "DELETE FROM {table} WHERE event_id = ?1 AND {key} NOT IN (SELECT k FROM import_keep)"
        ),
        [event_id],
    )?;
    tx.execute_batch("DELETE FROM import_keep;")?;
    Ok(removed as u64)
}
