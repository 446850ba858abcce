//! Webhook topics: the Access API's `webhook_name`s that Entrada fires.

use serde::{Deserialize, Serialize};

/// What a subscription can listen to. The names are the Access API's `webhook_name`s, so a
/// receiver written for the upstream platform works unchanged against a device or the hub.
///
/// `lead_*`, `ticketing_*` and `workshop_*` exist upstream but describe registration and
/// sales, which happen on the upstream platform and never on a door device: subscribing to
/// them here is refused with [`TopicError::UpstreamOnly`] rather than accepted and silently
/// never fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    AttendeeAddedToEvent,
    AttendeeAttendanceConfirmed,
    AttendeeAttendanceRejected,
    CheckpointReadingCreated,
    AttendeeRemovedFromEvent,
    AttendeeUpdated,
    /// Entrada extension: an accepted reading was voided by an undo at the door. Receivers
    /// that count entries from `checkpoint_reading_created` need it to stay correct.
    #[serde(rename = "entrada_checkpoint_reading_undone")]
    CheckpointReadingUndone,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TopicError {
    #[error(
        "topic {0:?} is fired by the upstream platform only (registration, sales, workshops); \
         subscribe to it there"
    )]
    UpstreamOnly(String),
    #[error("unknown topic {0:?}; known topics: {known}", known = Topic::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", "))]
    Unknown(String),
}

impl Topic {
    pub const ALL: [Topic; 7] = [
        Topic::AttendeeAddedToEvent,
        Topic::AttendeeAttendanceConfirmed,
        Topic::AttendeeAttendanceRejected,
        Topic::CheckpointReadingCreated,
        Topic::AttendeeRemovedFromEvent,
        Topic::AttendeeUpdated,
        Topic::CheckpointReadingUndone,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Topic::AttendeeAddedToEvent => "attendee_added_to_event",
            Topic::AttendeeAttendanceConfirmed => "attendee_attendance_confirmed",
            Topic::AttendeeAttendanceRejected => "attendee_attendance_rejected",
            Topic::CheckpointReadingCreated => "checkpoint_reading_created",
            Topic::AttendeeRemovedFromEvent => "attendee_removed_from_event",
            Topic::AttendeeUpdated => "attendee_updated",
            Topic::CheckpointReadingUndone => "entrada_checkpoint_reading_undone",
        }
    }

    pub fn parse(value: &str) -> Result<Self, TopicError> {
        let value = value.trim();
        if let Some(t) = Topic::ALL.into_iter().find(|t| t.as_str() == value) {
            return Ok(t);
        }
        if ["lead_", "ticketing_", "workshop_"]
            .iter()
            .any(|p| value.starts_with(p))
        {
            return Err(TopicError::UpstreamOnly(value.to_owned()));
        }
        Err(TopicError::Unknown(value.to_owned()))
    }
}

impl std::fmt::Display for Topic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The `webhook_name` of the test ping; not a subscribable topic, sent on request only.
pub const PING: &str = "ping";
