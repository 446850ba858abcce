//! The verdict vocabulary: one table of code, upstream 422 triple and screen texts,
//! used by the device, the hub's HTTP answers and the UI alike.

use serde::{Deserialize, Serialize};

/// The outcome of judging one scan at one checkpoint.
///
/// Declaration order is the order the rules are checked in (see [`crate::rules`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Accepted,
    CheckpointInactive,
    HostingExpired,
    UnknownBadge,
    NotAttending,
    AttendeeInactive,
    AttendanceRejected,
    TagNotAllowed,
    MaxReadingsReached,
    AlreadyInRoom,
    RoomFull,
}

/// The Access API's 422 error item for a refusal (`{"field", "code", "message"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct UpstreamError {
    pub field: &'static str,
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<&'static str>,
}

struct Row {
    verdict: Verdict,
    code: &'static str,
    upstream: Option<UpstreamError>,
    en: &'static str,
    es: &'static str,
}

const fn err(
    field: &'static str,
    code: &'static str,
    message: Option<&'static str>,
) -> Option<UpstreamError> {
    Some(UpstreamError {
        field,
        code,
        message,
    })
}

/// The one place each verdict's facts live.
const TABLE: [Row; 11] = [
    Row {
        verdict: Verdict::Accepted,
        code: "accepted",
        upstream: None,
        en: "Welcome",
        es: "Bienvenido/a",
    },
    Row {
        verdict: Verdict::CheckpointInactive,
        code: "checkpoint_inactive",
        upstream: err("id", "invalid", Some("The checkpoint is not active")),
        en: "This checkpoint is closed",
        es: "Este punto de control está cerrado",
    },
    Row {
        verdict: Verdict::HostingExpired,
        code: "hosting_expired",
        upstream: err("id", "invalid", Some("The event hosting has expired")),
        en: "The event is no longer valid",
        es: "El evento ya no está vigente",
    },
    Row {
        verdict: Verdict::UnknownBadge,
        code: "unknown_badge",
        upstream: err("attendee_id", "missing", None),
        en: "Unknown badge",
        es: "Acreditación desconocida",
    },
    Row {
        verdict: Verdict::NotAttending,
        code: "not_attending",
        upstream: err(
            "attendee_id",
            "invalid",
            Some("The attendee does not attend to the checkpoint event"),
        ),
        en: "Not registered for this event",
        es: "No está inscrito/a en este evento",
    },
    Row {
        verdict: Verdict::AttendeeInactive,
        code: "attendee_inactive",
        upstream: err("attendee_id", "invalid", Some("The attendee is not active")),
        en: "Attendee deactivated",
        es: "Asistente desactivado/a",
    },
    Row {
        verdict: Verdict::AttendanceRejected,
        code: "attendance_rejected",
        upstream: err(
            "attendee_id",
            "invalid",
            Some("The attendee has rejected the attendance to the event"),
        ),
        en: "Attendance was declined",
        es: "Rechazó la asistencia",
    },
    Row {
        verdict: Verdict::TagNotAllowed,
        code: "tag_not_allowed",
        upstream: err(
            "attendee_id",
            "invalid",
            Some("The attendee can not access this checkpoint"),
        ),
        en: "No access to this area",
        es: "Sin acceso a esta zona",
    },
    Row {
        verdict: Verdict::MaxReadingsReached,
        code: "max_readings_reached",
        upstream: err(
            "attendee_id",
            "invalid",
            Some("The attendee has reached the maximum readings for this checkpoint"),
        ),
        en: "Already used here",
        es: "Ya utilizada aquí",
    },
    Row {
        verdict: Verdict::AlreadyInRoom,
        code: "already_in_room",
        upstream: err(
            "attendee_id",
            "attendee_already_in_room",
            Some("The attendee is already in the room associated to the checkpoint"),
        ),
        en: "Already inside",
        es: "Ya está dentro",
    },
    Row {
        verdict: Verdict::RoomFull,
        code: "room_full",
        upstream: err(
            "id",
            "room_capacity_exceeded",
            Some("The room associated to the checkpoint is full"),
        ),
        en: "Room is full",
        es: "La sala está llena",
    },
];

/// Screen languages the verdict texts exist in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    En,
    Es,
}

impl Verdict {
    /// Every verdict, in rule order.
    pub const ALL: [Verdict; 11] = [
        Verdict::Accepted,
        Verdict::CheckpointInactive,
        Verdict::HostingExpired,
        Verdict::UnknownBadge,
        Verdict::NotAttending,
        Verdict::AttendeeInactive,
        Verdict::AttendanceRejected,
        Verdict::TagNotAllowed,
        Verdict::MaxReadingsReached,
        Verdict::AlreadyInRoom,
        Verdict::RoomFull,
    ];

    fn row(self) -> &'static Row {
        // TABLE is declared in the enum's order; the test below keeps them aligned.
        &TABLE[self as usize]
    }

    /// Stable machine code (`accepted`, `room_full`, ...).
    pub fn code(self) -> &'static str {
        self.row().code
    }

    pub fn from_code(code: &str) -> Option<Self> {
        TABLE.iter().find(|r| r.code == code).map(|r| r.verdict)
    }

    pub fn is_accepted(self) -> bool {
        self == Verdict::Accepted
    }

    /// The upstream's 422 error item; `None` for `accepted`.
    pub fn upstream_error(self) -> Option<UpstreamError> {
        self.row().upstream
    }

    /// The English sentence an operator log or API client sees: the upstream message
    /// where the API has one, else the screen text.
    pub fn message(self) -> &'static str {
        match self.row().upstream {
            Some(UpstreamError {
                message: Some(m), ..
            }) => m,
            _ => self.row().en,
        }
    }

    /// Short text for the door screen.
    pub fn screen_text(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.row().en,
            Lang::Es => self.row().es,
        }
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_follows_enum_order_and_codes_round_trip() {
        for (i, v) in Verdict::ALL.iter().enumerate() {
            assert_eq!(TABLE[i].verdict, *v);
            assert_eq!(Verdict::from_code(v.code()), Some(*v));
            let json = serde_json::to_string(v).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", v.code()));
        }
    }

    #[test]
    fn upstream_triples_match_the_access_api() {
        let e = Verdict::RoomFull.upstream_error();
        assert_eq!(
            e.map(|e| (e.field, e.code)),
            Some(("id", "room_capacity_exceeded"))
        );
        let e = Verdict::UnknownBadge.upstream_error();
        assert_eq!(
            e.map(|e| (e.field, e.code, e.message)),
            Some(("attendee_id", "missing", None))
        );
        assert!(Verdict::Accepted.upstream_error().is_none());
    }
}
