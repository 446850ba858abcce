//! Domain types with the serde shapes of the Access API (`access-api.txt`).
//!
//! Fields the API documents but the rules do not need are kept in `extra` maps, so a
//! replica or the hub can hand an object back exactly as it received it.

mod attendee;
mod checkpoint;
mod event;
mod ids;
mod reading;

pub use attendee::{Attendance, Attendee, Tag};
pub use checkpoint::{Checkpoint, Direction, ReadingConfirmation, Room};
pub use event::Event;
pub use ids::{AttendeeId, CheckpointId, DeviceId, EventId, ReadingId, RoomId, TagId};
pub use reading::{Reading, ReadingKind, ScanOutcome, SyncState};
