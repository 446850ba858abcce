use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{CheckpointId, RoomId, Tag};

/// Whether passing a checkpoint enters its room or leaves it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    In,
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "in" => Some(Direction::In),
            "out" => Some(Direction::Out),
            _ => None,
        }
    }
}

/// A room with a capacity; `None` means unlimited (occupancy is still counted).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Room {
    pub id: RoomId,
    pub name: String,
    #[serde(default)]
    pub capacity: Option<u32>,
}

/// The confirmation the upstream shows after an accepted reading (`reading_confirmation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadingConfirmation {
    #[serde(rename = "type", default = "html")]
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    pub message: String,
}

fn html() -> String {
    "html".to_owned()
}

fn yes() -> bool {
    true
}

/// A checkpoint as `GET /event/<id>/checkpoints` returns it, plus the rule fields the
/// Access API enforces but does not list (`active`, `max_readings`, `room_id`, `direction`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub id: CheckpointId,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// Allow-list: when non-empty, an attendee needs at least one of these tags.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Deny-list: any of these tags refuses the attendee.
    #[serde(default)]
    pub excluded_tags: Vec<Tag>,
    #[serde(default = "yes")]
    pub active: bool,
    /// Accepted readings allowed per attendee; `None` is unlimited.
    #[serde(default)]
    pub max_readings: Option<u32>,
    #[serde(default)]
    pub room_id: Option<RoomId>,
    #[serde(default)]
    pub direction: Direction,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading_confirmation: Option<ReadingConfirmation>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}
