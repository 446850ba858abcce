//! Administrative mutations of the replica: what the Access API lets an organizer change
//! (attendees, tags, attendance) and what the hub's admin extension adds (events, rooms,
//! checkpoints).
//!
//! The functions take a `&Connection` – usually a transaction the caller opened – so the hub
//! can enqueue a webhook in the same transaction as the change it reports. Every row keeps
//! its canonical JSON in `raw` exactly as [`super::import`] writes it, so a replica pulled
//! from the hub and one imported from a snapshot look alike, and the change feed (triggers
//! on these tables) sees every change once.
//!
//! Refusals the API documents (unknown ids, duplicates, inactive attendees, ...) come back as
//! [`Refusal`] values, not errors: they are answers, not failures.

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};
use entrada_domain::time;
use entrada_domain::{
    Attendance, Attendee, Checkpoint, CheckpointId, Event, EventId, Room, Tag, TagId,
};

/// Why an administrative change was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    EventNotFound,
    AttendeeNotFound,
    TagNotFound,
    RoomNotFound,
    CheckpointNotFound,
    /// Another attendee already has this badge payload.
    DuplicateQr,
    /// Another attendee already has this email.
    DuplicateEmail,
    /// Another tag already has this name.
    DuplicateTagName,
    /// An object with this id already exists.
    DuplicateId,
    AttendeeInactive,
    /// The attendee does not attend the event.
    NotAttending,
    /// Rejection is refused once the attendee has an accepted reading at the event.
    AlreadyAccessed,
}

/// The answer of an administrative change: done (with a value) or refused.
pub type Outcome<T> = std::result::Result<T, Refusal>;

fn exists(conn: &Connection, sql: &str, key: &str) -> Result<bool> {
    Ok(conn.prepare_cached(sql)?.exists([key])?)
}

fn now() -> String {
    time::format(&time::now())
}

fn raw_of<T: serde::de::DeserializeOwned>(
    conn: &Connection,
    sql: &str,
    key: &str,
) -> Result<Option<T>> {
    let raw: Option<String> = conn
        .prepare_cached(sql)?
        .query_row([key], |r| r.get(0))
        .optional()?;
    raw.map(|raw| serde_json::from_str(&raw).map_err(Error::from))
        .transpose()
}

pub fn event_exists(conn: &Connection, id: &str) -> Result<bool> {
    exists(conn, "SELECT 1 FROM events WHERE id = ?1", id)
}

pub fn load_event(conn: &Connection, id: &str) -> Result<Option<Event>> {
    raw_of(conn, "SELECT raw FROM events WHERE id = ?1", id)
}

pub fn load_attendee(conn: &Connection, id: &str) -> Result<Option<Attendee>> {
    raw_of(conn, "SELECT raw FROM attendees WHERE id = ?1", id)
}

pub fn load_tag(conn: &Connection, id: &str) -> Result<Option<Tag>> {
    raw_of(conn, "SELECT raw FROM tags WHERE id = ?1", id)
}

pub fn load_checkpoint(conn: &Connection, id: &str) -> Result<Option<Checkpoint>> {
    raw_of(conn, "SELECT raw FROM checkpoints WHERE id = ?1", id)
}

/// One attendee's attendance of one event, with the attendee's current data.
pub fn load_attendance(
    conn: &Connection,
    event: &str,
    attendee: &str,
) -> Result<Option<Attendance>> {
    let raw: Option<String> = conn
        .prepare_cached("SELECT raw FROM attendance WHERE event_id = ?1 AND attendee_id = ?2")?
        .query_row([event, attendee], |r| r.get(0))
        .optional()?;
    let Some(raw) = raw else { return Ok(None) };
    let mut att: Attendance = serde_json::from_str(&raw)?;
    if let Some(current) = load_attendee(conn, attendee)? {
        att.attendee = current;
    }
    Ok(Some(att))
}

/// Writes an attendee row exactly as the snapshot import does.
fn upsert_attendee(conn: &Connection, a: &Attendee) -> Result<(usize, bool)> {
    super::import::upsert_attendee(conn, a)
}

fn email_taken(conn: &Connection, email: &str, except: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM attendees
             WHERE lower(json_extract(raw, '$.email')) = lower(?1) AND id <> ?2",
        )?
        .exists([email, except])?)
}

fn qr_taken(conn: &Connection, qr: &str, except: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM attendees WHERE qr_data = ?1 AND id <> ?2")?
        .exists([qr, except])?)
}

/// Writes an attendance row the way the snapshot import does: the attendee lives in its
/// own table, the attendance keeps only its own fields.
fn write_attendance(conn: &Connection, event: &str, att: &Attendance) -> Result<()> {
    super::import::upsert_attendance(conn, event, att).map(|_| ())
}

/// Creates an attendee (not attending any event yet). Email and badge payload are unique.
pub fn create_attendee(conn: &Connection, a: &Attendee) -> Result<Outcome<()>> {
    if exists(conn, "SELECT 1 FROM attendees WHERE id = ?1", a.id.as_str())? {
        return Ok(Err(Refusal::DuplicateId));
    }
    if qr_taken(conn, a.effective_qr_data(), a.id.as_str())? {
        return Ok(Err(Refusal::DuplicateQr));
    }
    if let Some(email) = &a.email
        && email_taken(conn, email, a.id.as_str())?
    {
        return Ok(Err(Refusal::DuplicateEmail));
    }
    upsert_attendee(conn, a)?;
    Ok(Ok(()))
}

/// Saves a changed attendee, refreshing the copies attendance rows keep of it.
/// Returns whether anything changed.
pub fn save_attendee(conn: &Connection, a: &Attendee) -> Result<Outcome<bool>> {
    if !exists(conn, "SELECT 1 FROM attendees WHERE id = ?1", a.id.as_str())? {
        return Ok(Err(Refusal::AttendeeNotFound));
    }
    if qr_taken(conn, a.effective_qr_data(), a.id.as_str())? {
        return Ok(Err(Refusal::DuplicateQr));
    }
    if let Some(email) = &a.email
        && email_taken(conn, email, a.id.as_str())?
    {
        return Ok(Err(Refusal::DuplicateEmail));
    }
    let (changed, _) = upsert_attendee(conn, a)?;
    if changed > 0 {
        for event in attended_events(conn, a.id.as_str())? {
            if let Some(mut att) = load_attendance(conn, event.as_str(), a.id.as_str())? {
                att.attendee = a.clone();
                write_attendance(conn, event.as_str(), &att)?;
            }
        }
    }
    Ok(Ok(changed > 0))
}

/// The events an attendee attends.
pub fn attended_events(conn: &Connection, attendee: &str) -> Result<Vec<EventId>> {
    let rows = conn
        .prepare_cached("SELECT event_id FROM attendance WHERE attendee_id = ?1 ORDER BY event_id")?
        .query_map([attendee], |r| Ok(EventId(r.get(0)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Deletes an attendee and its attendances. Readings stay: the log is append-only.
/// Returns the events the attendee was removed from.
pub fn delete_attendee(conn: &Connection, id: &str) -> Result<Outcome<Vec<EventId>>> {
    if !exists(conn, "SELECT 1 FROM attendees WHERE id = ?1", id)? {
        return Ok(Err(Refusal::AttendeeNotFound));
    }
    let events = attended_events(conn, id)?;
    conn.execute("DELETE FROM attendance WHERE attendee_id = ?1", [id])?;
    conn.execute("DELETE FROM attendees WHERE id = ?1", [id])?;
    Ok(Ok(events))
}

/// Adds (`present`) or removes a tag on an attendee. Returns whether anything changed.
pub fn set_attendee_tag(
    conn: &Connection,
    attendee: &str,
    tag: &str,
    present: bool,
) -> Result<Outcome<bool>> {
    let Some(mut a) = load_attendee(conn, attendee)? else {
        return Ok(Err(Refusal::AttendeeNotFound));
    };
    let Some(tag) = load_tag(conn, tag)? else {
        return Ok(Err(Refusal::TagNotFound));
    };
    let has = a.tags.iter().any(|t| t.id == tag.id);
    match (present, has) {
        (true, false) => a.tags.push(tag),
        (false, true) => a.tags.retain(|t| t.id != tag.id),
        _ => return Ok(Ok(false)),
    }
    save_attendee(conn, &a)
}

/// Activates or deactivates an attendee. Returns whether anything changed.
pub fn set_attendee_active(
    conn: &Connection,
    attendee: &str,
    active: bool,
) -> Result<Outcome<bool>> {
    let Some(mut a) = load_attendee(conn, attendee)? else {
        return Ok(Err(Refusal::AttendeeNotFound));
    };
    if a.active == active {
        return Ok(Ok(false));
    }
    a.active = active;
    save_attendee(conn, &a)
}

fn tag_name_taken(conn: &Connection, name: &str, except: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM tags WHERE name = ?1 AND id <> ?2")?
        .exists([name, except])?)
}

fn write_tag(conn: &Connection, tag: &Tag) -> Result<()> {
    super::import::upsert_tag(conn, tag).map(|_| ())
}

/// Creates a tag; names are unique.
pub fn create_tag(conn: &Connection, tag: &Tag) -> Result<Outcome<()>> {
    if exists(conn, "SELECT 1 FROM tags WHERE id = ?1", tag.id.as_str())? {
        return Ok(Err(Refusal::DuplicateId));
    }
    if tag_name_taken(conn, &tag.name, tag.id.as_str())? {
        return Ok(Err(Refusal::DuplicateTagName));
    }
    write_tag(conn, tag)?;
    Ok(Ok(()))
}

/// Renames a tag, and the copies attendees and checkpoints embed of it.
pub fn rename_tag(conn: &Connection, id: &str, name: &str) -> Result<Outcome<()>> {
    let Some(mut tag) = load_tag(conn, id)? else {
        return Ok(Err(Refusal::TagNotFound));
    };
    if tag_name_taken(conn, name, id)? {
        return Ok(Err(Refusal::DuplicateTagName));
    }
    if tag.name == name {
        return Ok(Ok(()));
    }
    tag.name = name.to_owned();
    write_tag(conn, &tag)?;
    rewrite_tag_users(conn, &tag.id, Some(&tag))?;
    Ok(Ok(()))
}

/// Deletes a tag and removes it from every attendee and checkpoint that carries it.
pub fn delete_tag(conn: &Connection, id: &str) -> Result<Outcome<()>> {
    if !exists(conn, "SELECT 1 FROM tags WHERE id = ?1", id)? {
        return Ok(Err(Refusal::TagNotFound));
    }
    conn.execute("DELETE FROM tags WHERE id = ?1", [id])?;
    rewrite_tag_users(conn, &TagId::from(id), None)?;
    Ok(Ok(()))
}

/// Replaces (`Some`) or removes (`None`) the embedded copies of a tag.
fn rewrite_tag_users(conn: &Connection, id: &TagId, tag: Option<&Tag>) -> Result<()> {
    let needle = serde_json::to_string(id)?;
    let patch = |tags: &mut Vec<Tag>| match tag {
        Some(t) => tags
            .iter_mut()
            .filter(|x| x.id == *id)
            .for_each(|x| *x = t.clone()),
        None => tags.retain(|x| x.id != *id),
    };
    let ids: Vec<String> = conn
        .prepare("SELECT id FROM attendees WHERE instr(tag_ids, ?1) > 0")?
        .query_map([&needle], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for aid in ids {
        if let Some(mut a) = load_attendee(conn, &aid)? {
            patch(&mut a.tags);
            // Renames and removals cannot create duplicates, so the outcome is always Ok.
            let _ = save_attendee(conn, &a)?;
        }
    }
    let cps: Vec<(String, String)> = conn
        .prepare(
            "SELECT id, event_id FROM checkpoints
             WHERE instr(allowed_tags, ?1) > 0 OR instr(excluded_tags, ?1) > 0",
        )?
        .query_map([&needle], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (cid, event) in cps {
        if let Some(mut cp) = load_checkpoint(conn, &cid)? {
            patch(&mut cp.tags);
            patch(&mut cp.excluded_tags);
            write_checkpoint(conn, &event, &cp)?;
        }
    }
    Ok(())
}

/// Adds an attendee to an event (unconfirmed). Returns whether it was new.
pub fn attend(conn: &Connection, event: &str, attendee: &str) -> Result<Outcome<bool>> {
    if !event_exists(conn, event)? {
        return Ok(Err(Refusal::EventNotFound));
    }
    let Some(a) = load_attendee(conn, attendee)? else {
        return Ok(Err(Refusal::AttendeeNotFound));
    };
    if !a.active {
        return Ok(Err(Refusal::AttendeeInactive));
    }
    if load_attendance(conn, event, attendee)?.is_some() {
        return Ok(Ok(false));
    }
    let att = Attendance {
        attendee: a,
        confirmed: false,
        confirmation_date: None,
        invited: false,
        rejected: false,
        extra: Default::default(),
    };
    write_attendance(conn, event, &att)?;
    Ok(Ok(true))
}

/// Loads what confirm and reject both check: the event, the attendee, its attendance and
/// that the attendee is active.
fn attendance_for_change(
    conn: &Connection,
    event: &str,
    attendee: &str,
) -> Result<Outcome<Attendance>> {
    if !event_exists(conn, event)? {
        return Ok(Err(Refusal::EventNotFound));
    }
    let Some(a) = load_attendee(conn, attendee)? else {
        return Ok(Err(Refusal::AttendeeNotFound));
    };
    let Some(att) = load_attendance(conn, event, attendee)? else {
        return Ok(Err(Refusal::NotAttending));
    };
    if !a.active {
        return Ok(Err(Refusal::AttendeeInactive));
    }
    Ok(Ok(att))
}

/// Confirms an attendance (and lifts a rejection). Returns whether anything changed.
pub fn confirm(conn: &Connection, event: &str, attendee: &str) -> Result<Outcome<bool>> {
    let mut att = match attendance_for_change(conn, event, attendee)? {
        Ok(att) => att,
        Err(r) => return Ok(Err(r)),
    };
    if att.confirmed && !att.rejected {
        return Ok(Ok(false));
    }
    att.confirmed = true;
    att.rejected = false;
    att.confirmation_date = Some(now());
    att.extra.remove("rejection_date");
    write_attendance(conn, event, &att)?;
    Ok(Ok(true))
}

/// Rejects an attendance, refused once the attendee has accessed the event.
pub fn reject(conn: &Connection, event: &str, attendee: &str) -> Result<Outcome<bool>> {
    let mut att = match attendance_for_change(conn, event, attendee)? {
        Ok(att) => att,
        Err(r) => return Ok(Err(r)),
    };
    let accessed = conn
        .prepare_cached(
            "SELECT 1 FROM readings WHERE event_id = ?1 AND attendee_id = ?2
               AND accepted = 1 AND voided = 0",
        )?
        .exists([event, attendee])?;
    if accessed {
        return Ok(Err(Refusal::AlreadyAccessed));
    }
    if att.rejected {
        return Ok(Ok(false));
    }
    att.rejected = true;
    att.confirmed = false;
    att.extra
        .insert("rejection_date".into(), serde_json::Value::String(now()));
    write_attendance(conn, event, &att)?;
    Ok(Ok(true))
}

/// Removes an attendee from an event. Returns whether it attended.
pub fn leave(conn: &Connection, event: &str, attendee: &str) -> Result<Outcome<bool>> {
    if !event_exists(conn, event)? {
        return Ok(Err(Refusal::EventNotFound));
    }
    if !exists(conn, "SELECT 1 FROM attendees WHERE id = ?1", attendee)? {
        return Ok(Err(Refusal::AttendeeNotFound));
    }
    let removed = conn.execute(
        "DELETE FROM attendance WHERE event_id = ?1 AND attendee_id = ?2",
        [event, attendee],
    )?;
    Ok(Ok(removed > 0))
}

/// Creates or replaces an event.
pub fn upsert_event(conn: &Connection, event: &Event) -> Result<()> {
    super::import::upsert_event(conn, event).map(|_| ())
}

/// Creates or replaces a room of an event.
pub fn upsert_room(conn: &Connection, event: &str, room: &Room) -> Result<Outcome<()>> {
    if !event_exists(conn, event)? {
        return Ok(Err(Refusal::EventNotFound));
    }
    super::import::upsert_room(conn, event, room)?;
    Ok(Ok(()))
}

fn write_checkpoint(conn: &Connection, event: &str, cp: &Checkpoint) -> Result<()> {
    super::import::upsert_checkpoint(conn, event, cp).map(|_| ())
}

/// Creates or replaces a checkpoint of an event. Its room must belong to the event and its
/// tags must exist (they are embedded with their current names).
pub fn upsert_checkpoint(conn: &Connection, event: &str, cp: &Checkpoint) -> Result<Outcome<()>> {
    if !event_exists(conn, event)? {
        return Ok(Err(Refusal::EventNotFound));
    }
    if let Some(room) = &cp.room_id {
        let same_event: Option<String> = conn
            .prepare_cached("SELECT event_id FROM rooms WHERE id = ?1")?
            .query_row([room.as_str()], |r| r.get(0))
            .optional()?;
        if same_event.as_deref() != Some(event) {
            return Ok(Err(Refusal::RoomNotFound));
        }
    }
    let mut cp = cp.clone();
    for list in [&mut cp.tags, &mut cp.excluded_tags] {
        for t in list.iter_mut() {
            match load_tag(conn, t.id.as_str())? {
                Some(found) => *t = found,
                None => return Ok(Err(Refusal::TagNotFound)),
            }
        }
    }
    write_checkpoint(conn, event, &cp)?;
    Ok(Ok(()))
}

/// The event a checkpoint belongs to.
pub fn checkpoint_event(conn: &Connection, id: &CheckpointId) -> Result<Option<EventId>> {
    Ok(conn
        .prepare_cached("SELECT event_id FROM checkpoints WHERE id = ?1")?
        .query_row([id.as_str()], |r| Ok(EventId(r.get(0)?)))
        .optional()?)
}
