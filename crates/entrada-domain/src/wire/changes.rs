//! The change feed: typed entity changes and the raw entries a page carries.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::{Attendance, Attendee, Checkpoint, Event, Room, Tag};

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
    Event(Event),
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

/// One raw change-feed entry. `data` stays unparsed text until [`RawChange::typed`] reads
/// it straight into its entity (no `serde_json::Value` in between, which cost as much as
/// the rest of the parse), and an entry that does not parse is skipped, not the page.
#[derive(Debug, Serialize, Deserialize)]
pub struct RawChange {
    pub seq: Option<i64>,
    pub entity: String,
    pub op: String,
    pub id: String,
    #[serde(default)]
    pub data: Option<Box<RawValue>>,
}

impl RawChange {
    /// The typed change, or why it cannot be applied.
    pub fn typed(self) -> Result<EntityChange, String> {
        let kind = EntityKind::parse(&self.entity)
            .ok_or_else(|| format!("unknown entity {:?}", self.entity))?;
        match self.op.as_str() {
            "delete" => return Ok(EntityChange::Delete { kind, id: self.id }),
            "upsert" => {}
            other => return Err(format!("unknown op {other:?}")),
        }
        let data = self.data.ok_or("upsert without data")?;
        let data = data.get();
        fn de<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
            serde_json::from_str(text).map_err(|e| e.to_string())
        }
        Ok(match kind {
            EntityKind::Event => EntityChange::Event(de::<Event>(data)?),
            EntityKind::Tag => EntityChange::Tag(de::<Tag>(data)?),
            EntityKind::Room => EntityChange::Room(de::<Room>(data)?),
            EntityKind::Checkpoint => EntityChange::Checkpoint(de::<Checkpoint>(data)?),
            EntityKind::Attendee => EntityChange::Attendee(de::<Attendee>(data)?),
            EntityKind::Attendance => EntityChange::Attendance(de::<Attendance>(data)?),
        })
    }
}

/// A cursor travels as a string (the doc's `"next": "42"`), but accept a number too.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Cursor {
    Text(String),
    Number(i64),
}

impl Cursor {
    pub fn into_string(self) -> String {
        match self {
            Cursor::Text(s) => s,
            Cursor::Number(n) => n.to_string(),
        }
    }
}

/// `GET /event/<id>/changes`: the hub serves it, devices read it.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChangesPage {
    pub changes: Vec<RawChange>,
    pub next: Option<Cursor>,
    #[serde(default)]
    pub more: bool,
    #[serde(default)]
    pub remaining: Option<u64>,
}
