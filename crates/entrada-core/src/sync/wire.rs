//! Wire shapes of the Access API and the hub's extensions (`docs/sync-protocol.md`).
//!
//! Everything here comes from the network and is parsed defensively: unknown fields are
//! ignored, a change-feed entry the device cannot read is skipped with a warning (and
//! counted) rather than wedging the cursor forever.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::domain::{Attendance, Attendee, Checkpoint, Event, Room, Tag};
use crate::store::{EntityChange, EntityKind, IngestResult, RemoteReading, UploadedReading};

#[derive(Debug, Deserialize)]
pub struct TokenAnswer {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<u64>,
}

/// `GET /capabilities`; the default (no extensions) is what a plain Access API gets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    #[serde(default)]
    pub api: Option<String>,
    #[serde(default)]
    pub version: Option<u32>,
    #[serde(default)]
    pub extensions: Vec<String>,
    /// Absent on hubs that predate it: they serve the protocol's original page sizes.
    #[serde(default)]
    pub limits: Limits,
}

/// Page sizes a hub advertises beyond the protocol's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The largest change-feed `limit` served.
    #[serde(default)]
    pub changes: Option<u32>,
}

impl Capabilities {
    pub fn has(&self, extension: &str) -> bool {
        self.extensions.iter().any(|e| e == extension)
    }
}

/// One raw change-feed entry. `data` stays unparsed text until [`RawChange::typed`] reads
/// it straight into its entity (no `serde_json::Value` in between, which cost as much as
/// the rest of the parse), and an entry that does not parse is skipped, not the page.
#[derive(Debug, Deserialize)]
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
#[derive(Debug, Clone, Deserialize)]
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

#[derive(Debug, Deserialize)]
pub struct ChangesPage {
    pub changes: Vec<RawChange>,
    pub next: Option<Cursor>,
    #[serde(default)]
    pub more: bool,
    #[serde(default)]
    pub remaining: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct ReadingsPage {
    pub readings: Vec<RemoteReading>,
    pub next: Option<Cursor>,
    #[serde(default)]
    pub more: bool,
}

#[derive(Debug, Serialize)]
pub struct DeviceRef<'a> {
    pub id: &'a str,
    pub name: &'a str,
}

/// `POST /event/<id>/readings` body.
#[derive(Debug, Serialize)]
pub struct UploadRequest<'a> {
    pub device: DeviceRef<'a>,
    pub readings: Vec<UploadedReading>,
}

#[derive(Debug, Deserialize)]
pub struct UploadAnswer {
    pub results: Vec<IngestResult>,
}

/// A plain Access API's answer to one access: status and (cut) body.
#[derive(Debug, Clone)]
pub struct AccessAnswer {
    pub status: u16,
    pub body: String,
}
