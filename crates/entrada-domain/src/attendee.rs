use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{AttendeeId, TagId};

/// A tag as embedded in attendees and checkpoints (`{"id", "name", "created_at"}`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    pub id: TagId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

fn yes() -> bool {
    true
}

/// An attendee as `GET /attendee/<id>` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attendee {
    pub id: AttendeeId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    /// What the badge QR encodes. The API defaults it to the attendee id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr_data: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qr: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub photo: Option<String>,
    #[serde(default)]
    pub tags: Vec<Tag>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Attendee {
    /// The badge payload that identifies this attendee.
    pub fn effective_qr_data(&self) -> &str {
        self.qr_data.as_deref().unwrap_or(self.id.as_str())
    }

    /// What a kiosk may show: the first word of the name, nothing else.
    pub fn first_name(&self) -> &str {
        self.name.split_whitespace().next().unwrap_or("")
    }
}

/// One attendee's relation to one event (`GET /event/<id>/attendance` items, plus `rejected`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attendance {
    pub attendee: Attendee,
    #[serde(default)]
    pub confirmed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_date: Option<String>,
    #[serde(default)]
    pub invited: bool,
    #[serde(default)]
    pub rejected: bool,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
