//! Wire shapes of the Access API and the hub's extensions (`docs/sync-protocol.md`),
//! written once: the hub serialises them and the devices parse them, so a renamed field
//! fails to compile instead of failing at run time.
//!
//! Everything a device reads here comes from the network and is parsed defensively:
//! unknown fields are ignored, a change-feed entry the device cannot read is skipped with
//! a warning (and counted) rather than wedging the cursor forever.

mod changes;
mod discovery;
mod readings;

pub use changes::{ChangesPage, Cursor, EntityChange, EntityKind, RawChange};
pub use discovery::{Capabilities, Limits, TokenAnswer, extension};
pub use readings::{
    AccessAnswer, DeviceRef, IngestResult, IngestStatus, ReadingsPage, RemoteReading, UploadAnswer,
    UploadRequest, UploadedReading,
};
