//! Payload builders: the Access API webhook reference shapes, from core domain types.
//!
//! Each builder returns the payload *without* `webhook_identifier` and `webhook_name`;
//! `entrada_store::webhooks::enqueue` adds both (one identifier per delivery) and freezes the bytes.
//! Entrada additions, all documented in `docs/webhooks.md`: `checkpoint.direction`
//! (DESIGN.md: tell entries from exits) and `reading_id` on reading payloads (lets a
//! receiver join a webhook to the reading log and to an undo).

use serde_json::{Map, Value, json};

use crate::{Attendance, Attendee, Checkpoint, Direction, Event, ReadingId};

fn extra_or(extra: &Map<String, Value>, key: &str, default: Value) -> Value {
    extra.get(key).cloned().unwrap_or(default)
}

/// The `attendee` object: id, email, name, position, company, phone_number, active,
/// language, tags (`{id, name}`), registration.
pub fn attendee(a: &Attendee) -> Value {
    json!({
        "id": a.id,
        "email": a.email,
        "name": a.name,
        "position": a.position,
        "company": a.company,
        "phone_number": a.phone_number,
        "active": a.active,
        "language": extra_or(&a.extra, "language", Value::Null),
        "tags": a.tags.iter().map(|t| json!({"id": t.id, "name": t.name})).collect::<Vec<_>>(),
        "registration": extra_or(&a.extra, "registration", json!({})),
    })
}

/// The `event` object: id, name, slug, timezone.
pub fn event(e: &Event) -> Value {
    json!({
        "id": e.id,
        "name": e.name,
        "slug": e.slug,
        "timezone": e.timezone,
    })
}

/// The `checkpoint` object: id, name, primary, active, tags, plus Entrada's `direction`.
pub fn checkpoint(c: &Checkpoint) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "primary": extra_or(&c.extra, "primary", Value::Bool(false)),
        "active": c.active,
        "tags": c.tags.iter().map(|t| json!({"id": t.id, "name": t.name})).collect::<Vec<_>>(),
        "direction": c.direction,
    })
}

/// `checkpoint_reading_created`: attendee, event, checkpoint, reading_date (+ reading_id).
/// `direction` is the reading's (normally the checkpoint's).
pub fn reading_created(
    attendee_: &Attendee,
    event_: &Event,
    checkpoint_: &Checkpoint,
    direction: Direction,
    reading_date: &str,
    reading_id: &ReadingId,
) -> Value {
    let mut cp = checkpoint(checkpoint_);
    cp["direction"] = json!(direction);
    json!({
        "attendee": attendee(attendee_),
        "event": event(event_),
        "checkpoint": cp,
        "reading_date": reading_date,
        "reading_id": reading_id,
    })
}

/// `entrada_checkpoint_reading_undone`: the `checkpoint_reading_created` shape of the
/// voided reading, plus the undo's own id and time.
pub fn reading_undone(created: Value, undo_id: &ReadingId, undo_date: &str) -> Value {
    let mut v = created;
    v["undone_by"] = json!({ "reading_id": undo_id, "reading_date": undo_date });
    v
}

/// The attendance payload shared by `attendee_added_to_event`,
/// `attendee_attendance_confirmed`, `attendee_attendance_rejected` and `attendee_updated`:
/// attendee, event and the invitation/confirmation/rejection fields. Fields the domain type
/// does not model are taken from its `extra` map, else `null`/`false`.
pub fn attendance(a: &Attendance, event_: &Event) -> Value {
    let x = &a.extra;
    json!({
        "attendee": attendee(&a.attendee),
        "event": event(event_),
        "invited": a.invited,
        "invitation_date": extra_or(x, "invitation_date", Value::Null),
        "confirmed": a.confirmed,
        "confirmation_date": a.confirmation_date,
        "confirmation_email_sent": extra_or(x, "confirmation_email_sent", Value::Bool(false)),
        "rejected": a.rejected,
        "rejection_date": extra_or(x, "rejection_date", Value::Null),
        "rejection_email_sent_date": extra_or(x, "rejection_email_sent_date", Value::Null),
    })
}

/// `attendee_removed_from_event`: attendee and event only.
pub fn attendee_removed(a: &Attendee, event_: &Event) -> Value {
    json!({ "attendee": attendee(a), "event": event(event_) })
}

/// The test ping (`webhook_name: "ping"`): which subscription, when, and a human line.
pub fn ping(subscription_id: &str, sent_at: &str) -> Value {
    json!({
        "subscription_id": subscription_id,
        "sent_at": sent_at,
        "message": "Test ping from Entrada: if you can read this, your endpoint is reachable.",
    })
}

/// The exact body sent: `webhook_identifier` and `webhook_name` first (as in the
/// reference), then the payload's fields. Non-object payloads are nested under `data`.
pub fn body(identifier: &str, name: &str, payload: &Value) -> String {
    let head = json!({ "webhook_identifier": identifier, "webhook_name": name }).to_string();
    let rest = match payload {
        Value::Object(map) if map.is_empty() => String::new(),
        Value::Object(map) => {
            let mut map = map.clone();
            map.remove("webhook_identifier");
            map.remove("webhook_name");
            let s = Value::Object(map).to_string();
            s[1..s.len() - 1].to_owned()
        }
        other => format!("\"data\":{other}"),
    };
    if rest.is_empty() {
        head
    } else {
        format!("{},{}}}", &head[..head.len() - 1], rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_puts_identifier_first_and_stays_json() {
        let b = body("id-1", "ping", &json!({"z": 1, "a": [1, 2]}));
        assert!(b.starts_with(r#"{"webhook_identifier":"id-1","webhook_name":"ping","#));
        let v: Value = serde_json::from_str(&b).unwrap();
        assert_eq!(v["z"], 1);
        assert_eq!(v["a"][1], 2);
        let empty: Value = serde_json::from_str(&body("i", "n", &json!({}))).unwrap();
        assert_eq!(empty["webhook_name"], "n");
    }
}
