//! Time handling shared by the store, the rules and the wire formats.
//!
//! The Access API speaks ISO 8601 with an offset (`2021-03-02T11:29:27+00:00`). We keep
//! the text a reading was made with (so the upstream sees the original reading time) and
//! a UTC microsecond timestamp for ordering in SQL.

use chrono::{DateTime, FixedOffset, SecondsFormat, Utc};

use crate::error::{Error, Result};

/// Parses an RFC 3339 / ISO 8601 timestamp with an offset.
pub fn parse(value: &str) -> Result<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(value.trim()).map_err(|_| Error::Time {
        value: value.to_owned(),
    })
}

/// Formats like the Access API does (`+00:00`, whole seconds unless sub-second precision exists).
pub fn format(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// Microseconds since the Unix epoch: the sortable key stored next to the text.
pub fn micros(t: &DateTime<FixedOffset>) -> i64 {
    t.timestamp_micros()
}

pub fn now() -> DateTime<Utc> {
    Utc::now()
}
