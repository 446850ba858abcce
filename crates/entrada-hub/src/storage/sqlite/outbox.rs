//! The hub's webhook events, queued with `entrada_webhook::enqueue` inside the
//! caller's transaction, so a change and the webhook reporting it commit together.
//! Readings fire from the core's scan path (`Store::scan_many`); uploaded readings are
//! fired by the device that made them (see `docs/hub.md`).

use entrada_domain::webhook::{Topic, payload};
use entrada_domain::{Attendee, Event};
use entrada_store::admin;
use entrada_store::webhooks;
use rusqlite::Connection;

use crate::storage::StorageResult;

/// An attendance webhook (`attendee_added_to_event`, `..._confirmed`, `..._rejected`,
/// `attendee_updated`).
pub(super) fn fire_attendance(
    conn: &Connection,
    topic: Topic,
    event: &str,
    attendee: &str,
) -> StorageResult<()> {
    let (Some(att), Some(e)) = (
        admin::load_attendance(conn, event, attendee)?,
        admin::load_event(conn, event)?,
    ) else {
        return Ok(());
    };
    webhooks::enqueue(conn, topic, &payload::attendance(&att, &e))?;
    Ok(())
}

/// `attendee_updated`: one request per event the attendee attends (the payload carries the
/// attendance). An attendee of no event has no event to report, so nothing fires.
pub(super) fn fire_attendee_updated(conn: &Connection, attendee: &str) -> StorageResult<()> {
    for event in admin::attended_events(conn, attendee)? {
        fire_attendance(conn, Topic::AttendeeUpdated, event.as_str(), attendee)?;
    }
    Ok(())
}

/// `attendee_removed_from_event`, built from the attendee as it was before the removal.
pub(super) fn fire_removed(
    conn: &Connection,
    attendee: &Attendee,
    event: &str,
) -> StorageResult<()> {
    let Some(e): Option<Event> = admin::load_event(conn, event)? else {
        return Ok(());
    };
    webhooks::enqueue(
        conn,
        Topic::AttendeeRemovedFromEvent,
        &payload::attendee_removed(attendee, &e),
    )?;
    Ok(())
}
