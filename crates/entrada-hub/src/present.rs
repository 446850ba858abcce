//! The Access API's response shapes, built from domain objects.

use entrada_domain::{Attendance, Attendee, Checkpoint, Event, ScanOutcome};
use serde_json::{Value, json};

/// An attendee as `GET /attendee/<id>` returns it: always with `qr` and `qr_data`.
pub fn attendee(a: &Attendee, base: &str) -> Value {
    let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        if a.qr.is_none() {
            m.insert("qr".into(), json!(format!("{base}/attendee/{}/qr", a.id)));
        }
        m.insert("qr_data".into(), json!(a.effective_qr_data()));
    }
    v
}

pub fn event(e: &Event) -> Value {
    serde_json::to_value(e).unwrap_or(Value::Null)
}

/// A checkpoint as `GET /event/<id>/checkpoints` lists it, with its event embedded (plus the
/// rule fields the hub's extensions add).
pub fn checkpoint(cp: &Checkpoint, e: &Event) -> Value {
    let mut v = serde_json::to_value(cp).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("event".into(), event(e));
    }
    v
}

pub fn attendance(att: &Attendance, base: &str) -> Value {
    let mut v = serde_json::to_value(att).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("attendee".into(), attendee(&att.attendee, base));
    }
    v
}

/// The 201 body of `POST /checkpoint/<id>/accesses`.
pub fn access(o: &ScanOutcome, a: &Attendee, cp: &Checkpoint, e: &Event, base: &str) -> Value {
    let mut body = json!({
        "attendee": attendee(a, base),
        "check_point": {
            "id": cp.id,
            "event": event(e),
            "name": cp.name,
            "created_at": cp.created_at,
            "tags": cp.tags,
        },
        "created_at": o.reading_date,
        "id": o.reading_id,
        "reading_date": o.reading_date,
        "type": "attendee",
    });
    if let (Some(rc), Value::Object(m)) = (&cp.reading_confirmation, &mut body) {
        m.insert("reading_confirmation".into(), json!(rc));
    }
    body
}
