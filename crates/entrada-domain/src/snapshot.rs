//! The replica snapshot: one event with everything a door needs to judge offline.
//!
//! Shapes follow the Access API (`GET /event`, `/event/<id>/checkpoints`,
//! `/event/<id>/attendance`) plus the fields the rules need that the API does not list.
//! A malformed snapshot is refused with the JSON path of the first problem, before
//! anything is written.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::{Attendance, Attendee, Checkpoint, Event, Room, Tag};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub event: Event,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default)]
    pub rooms: Vec<Room>,
    #[serde(default)]
    pub checkpoints: Vec<Checkpoint>,
    #[serde(default)]
    pub attendance: Vec<Attendance>,
    /// Attendees known to the platform but not attending this event (so their badges
    /// give `not_attending`, not `unknown_badge`).
    #[serde(default)]
    pub attendees: Vec<Attendee>,
}

impl Snapshot {
    /// Parses and validates a snapshot from JSON text.
    pub fn from_json(text: &str) -> Result<Self> {
        let de = &mut serde_json::Deserializer::from_str(text);
        let snapshot: Snapshot = serde_path_to_error::deserialize(de).map_err(|e| {
            let path = e.path().to_string();
            Error::Snapshot {
                path: if path.is_empty() || path == "." {
                    "$".to_owned()
                } else {
                    format!("$.{path}")
                },
                message: e.into_inner().to_string(),
            }
        })?;
        snapshot.validate()?;
        Ok(snapshot)
    }

    /// Checks what serde cannot: references between objects and uniqueness of ids and
    /// badge payloads (two attendees with one `qr_data` would make a badge ambiguous).
    pub fn validate(&self) -> Result<()> {
        let bad = |path: String, message: String| Err(Error::Snapshot { path, message });
        if self.event.id.as_str().is_empty() {
            return bad("$.event.id".into(), "empty id".into());
        }
        let rooms: HashSet<&str> = self.rooms.iter().map(|r| r.id.as_str()).collect();
        if rooms.len() != self.rooms.len() {
            return bad("$.rooms".into(), "duplicate room id".into());
        }
        let mut seen = HashSet::new();
        for (i, cp) in self.checkpoints.iter().enumerate() {
            if !seen.insert(cp.id.as_str()) {
                return bad(
                    format!("$.checkpoints[{i}].id"),
                    format!("duplicate checkpoint id {}", cp.id),
                );
            }
            if let Some(room) = &cp.room_id
                && !rooms.contains(room.as_str())
            {
                return bad(
                    format!("$.checkpoints[{i}].room_id"),
                    format!("unknown room {room}"),
                );
            }
        }
        let mut ids = HashSet::new();
        let mut qr = HashSet::new();
        let people = self
            .attendance
            .iter()
            .enumerate()
            .map(|(i, a)| (format!("$.attendance[{i}].attendee"), &a.attendee))
            .chain(
                self.attendees
                    .iter()
                    .enumerate()
                    .map(|(i, a)| (format!("$.attendees[{i}]"), a)),
            );
        for (path, a) in people {
            if a.id.as_str().is_empty() {
                return bad(format!("{path}.id"), "empty id".into());
            }
            if !ids.insert(a.id.as_str()) {
                return bad(format!("{path}.id"), format!("duplicate attendee {}", a.id));
            }
            if !qr.insert(a.effective_qr_data()) {
                return bad(
                    format!("{path}.qr_data"),
                    format!(
                        "qr_data {:?} is used by another attendee",
                        a.effective_qr_data()
                    ),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_carry_the_json_path() {
        let text = r#"{"event":{"id":"e","name":"E"},"checkpoints":[{"id":"c","name":"C","max_readings":"one"}]}"#;
        match Snapshot::from_json(text) {
            Err(Error::Snapshot { path, .. }) => assert_eq!(path, "$.checkpoints[0].max_readings"),
            other => panic!("expected a snapshot error, got {other:?}"),
        }
    }

    #[test]
    fn dangling_room_is_refused() {
        let text = r#"{"event":{"id":"e","name":"E"},"checkpoints":[{"id":"c","name":"C","room_id":"nowhere"}]}"#;
        match Snapshot::from_json(text) {
            Err(Error::Snapshot { path, .. }) => assert_eq!(path, "$.checkpoints[0].room_id"),
            other => panic!("expected a snapshot error, got {other:?}"),
        }
    }
}
