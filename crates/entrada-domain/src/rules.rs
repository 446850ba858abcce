//! The rules engine: pure functions from facts to a [`Verdict`].
//!
//! The order of checks is part of the contract (the same scan must give the same verdict
//! on every door and on the hub):
//!
//! 1. `checkpoint_inactive`  – the checkpoint does not accept accesses;
//! 2. `hosting_expired`      – the reading time is later than the event's `validity_date`;
//! 3. `unknown_badge`        – the payload resolves to no attendee;
//! 4. `not_attending`        – the attendee has no attendance for the checkpoint's event;
//! 5. `attendee_inactive`;
//! 6. `attendance_rejected`;
//! 7. `tag_not_allowed`      – allow-list `tags` (one must match), then `excluded_tags`;
//! 8. `max_readings_reached` – accepted, not undone readings of the attendee here;
//! 9. `already_in_room`      – `in` checkpoints with a room only;
//! 10. `room_full`           – `in` checkpoints with a room of limited capacity only;
//!
//! else `accepted`. An `out` checkpoint lets a valid attendee leave and is never refused for
//! room reasons. Checkpoint-level checks come first because they hold for every badge:
//! a closed door is closed whoever knocks.

use chrono::{DateTime, FixedOffset};

use crate::verdict::Verdict;
use crate::{Checkpoint, Direction, TagId};

/// What the rules need to know about the attendee behind a badge.
#[derive(Debug, Clone, Copy)]
pub struct AttendeeFacts<'a> {
    pub active: bool,
    pub tags: &'a [TagId],
    /// `None`: no attendance for the checkpoint's event.
    pub attendance: Option<AttendanceFacts>,
}

#[derive(Debug, Clone, Copy)]
pub struct AttendanceFacts {
    pub rejected: bool,
}

/// Reading history that matters for this attendee at this checkpoint.
#[derive(Debug, Clone, Copy, Default)]
pub struct History {
    /// Accepted, not undone readings of this attendee at this checkpoint.
    pub accepted_here: u32,
    /// Is the attendee inside the checkpoint's room right now?
    pub inside_room: bool,
    /// People inside the checkpoint's room right now.
    pub room_occupancy: u32,
}

/// The checkpoint's rules, flattened so the hub and the devices feed the same shape.
#[derive(Debug, Clone, Copy)]
pub struct CheckpointRules<'a> {
    pub active: bool,
    pub allowed_tags: &'a [TagId],
    pub excluded_tags: &'a [TagId],
    pub max_readings: Option<u32>,
    pub direction: Direction,
    /// `Some(capacity)` when the checkpoint leads to a room; the inner `None` is unlimited.
    pub room: Option<Option<u32>>,
}

/// Everything a verdict depends on.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub checkpoint: CheckpointRules<'a>,
    pub event_validity: Option<DateTime<FixedOffset>>,
    pub attendee: Option<AttendeeFacts<'a>>,
    pub history: History,
    pub at: DateTime<FixedOffset>,
}

/// Judges one scan. Pure: same facts, same verdict, on any machine.
pub fn judge(f: &Facts<'_>) -> Verdict {
    let cp = &f.checkpoint;
    if !cp.active {
        return Verdict::CheckpointInactive;
    }
    if f.event_validity
        .is_some_and(|valid_until| f.at > valid_until)
    {
        return Verdict::HostingExpired;
    }
    let Some(attendee) = f.attendee else {
        return Verdict::UnknownBadge;
    };
    let Some(attendance) = attendee.attendance else {
        return Verdict::NotAttending;
    };
    if !attendee.active {
        return Verdict::AttendeeInactive;
    }
    if attendance.rejected {
        return Verdict::AttendanceRejected;
    }
    let has = |t: &TagId| attendee.tags.contains(t);
    if (!cp.allowed_tags.is_empty() && !cp.allowed_tags.iter().any(has))
        || cp.excluded_tags.iter().any(has)
    {
        return Verdict::TagNotAllowed;
    }
    if cp
        .max_readings
        .is_some_and(|max| f.history.accepted_here >= max)
    {
        return Verdict::MaxReadingsReached;
    }
    if cp.direction == Direction::In
        && let Some(capacity) = cp.room
    {
        if f.history.inside_room {
            return Verdict::AlreadyInRoom;
        }
        if capacity.is_some_and(|c| f.history.room_occupancy >= c) {
            return Verdict::RoomFull;
        }
    }
    Verdict::Accepted
}

impl Checkpoint {
    /// Tag ids of the allow-list and deny-list, for [`CheckpointRules`].
    pub fn tag_ids(&self) -> (Vec<TagId>, Vec<TagId>) {
        (
            self.tags.iter().map(|t| t.id.clone()).collect(),
            self.excluded_tags.iter().map(|t| t.id.clone()).collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap_or_default()
    }

    fn base<'a>(tags: &'a [TagId], allowed: &'a [TagId], excluded: &'a [TagId]) -> Facts<'a> {
        Facts {
            checkpoint: CheckpointRules {
                active: true,
                allowed_tags: allowed,
                excluded_tags: excluded,
                max_readings: Some(1),
                direction: Direction::In,
                room: Some(Some(1)),
            },
            event_validity: Some(at("2030-01-01T00:00:00+00:00")),
            attendee: Some(AttendeeFacts {
                active: true,
                tags,
                attendance: Some(AttendanceFacts { rejected: false }),
            }),
            history: History::default(),
            at: at("2029-06-01T10:00:00+02:00"),
        }
    }

    #[test]
    fn a_clean_attendee_is_accepted() {
        let vip = [TagId::from("vip")];
        assert_eq!(judge(&base(&vip, &vip, &[])), Verdict::Accepted);
    }

    #[test]
    fn exits_ignore_room_rules_but_not_attendee_rules() {
        let mut f = base(&[], &[], &[]);
        f.checkpoint.direction = Direction::Out;
        f.history.room_occupancy = 99;
        f.history.inside_room = false;
        assert_eq!(judge(&f), Verdict::Accepted);
        f.attendee = None;
        assert_eq!(judge(&f), Verdict::UnknownBadge);
    }

    #[test]
    fn excluded_tag_denies_even_with_an_allowed_tag() {
        let tags = [TagId::from("vip"), TagId::from("banned")];
        let allowed = [TagId::from("vip")];
        let excluded = [TagId::from("banned")];
        assert_eq!(
            judge(&base(&tags, &allowed, &excluded)),
            Verdict::TagNotAllowed
        );
    }

    #[test]
    fn validity_is_compared_across_offsets() {
        let mut f = base(&[], &[], &[]);
        f.event_validity = Some(at("2029-06-01T09:00:00+00:00"));
        f.at = at("2029-06-01T10:59:59+02:00");
        assert_eq!(judge(&f), Verdict::Accepted);
        f.at = at("2029-06-01T11:00:01+02:00");
        assert_eq!(judge(&f), Verdict::HostingExpired);
    }
}
