//! Entrada's decisions, with no I/O: the Access API's entities and their ids, the verdict
//! table, the rules engine, badge resolution, time, the snapshot format, the shapes of the
//! webhook events, and the sync protocol's wire types.
//!
//! Devices, the hub and the relay all judge with this crate, so the same facts give the
//! same verdict wherever a scan happens (see `docs/architecture.md`). Everything here is a
//! pure function of its arguments; reading and writing them is `entrada-store`'s job, and
//! carrying them over the network `entrada-sync`'s and `entrada-hub`'s.

mod attendee;
pub mod badge;
mod checkpoint;
pub mod csv;
mod error;
mod event;
mod ids;
mod reading;
pub mod rules;
pub mod snapshot;
pub mod time;
pub mod verdict;
pub mod webhook;
pub mod wire;

pub use attendee::{Attendance, Attendee, Tag};
pub use checkpoint::{Checkpoint, Direction, ReadingConfirmation, Room};
pub use error::{Error, Result};
pub use event::Event;
pub use ids::{AttendeeId, CheckpointId, DeviceId, EventId, ReadingId, RoomId, TagId};
pub use reading::{Reading, ReadingKind, ScanOutcome, SyncState};
pub use verdict::Verdict;
