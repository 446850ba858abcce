//! Identifier newtypes, so an attendee id can never be passed where a checkpoint id is due.

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }
    };
}

id_type!(
    /// Upstream attendee id (a UUID on the Access API, kept as text).
    AttendeeId
);
id_type!(CheckpointId);
id_type!(EventId);
id_type!(RoomId);
id_type!(TagId);
id_type!(
    /// Client-generated reading id: the idempotency key of every upload.
    ReadingId
);
id_type!(
    /// Stable id of one replica (one door laptop or kiosk).
    DeviceId
);
