//! What the organizer's dashboard and its CSV exports read: readings over time, counts per
//! checkpoint, the recent feed, conflicts, devices seen, webhook health. Rows only; the app
//! shapes them for the screen.

use rusqlite::params;

use crate::{Result, Store};

/// Counts of one (checkpoint, accepted, voided, verdict) group of scans.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerdictCount {
    pub checkpoint_id: String,
    pub accepted: bool,
    pub voided: bool,
    pub verdict: String,
    pub count: u32,
}

/// One scan of the recent feed, with names resolved where the replica knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecentReading {
    pub id: String,
    pub reading_date: String,
    pub attendee_name: Option<String>,
    pub checkpoint_name: String,
    pub device_name: String,
    pub verdict: String,
    pub accepted: bool,
    pub voided: bool,
}

/// A reading the upstream answered with a conflict or a refusal, and its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictedReading {
    pub id: String,
    pub reading_date: String,
    pub attendee_name: Option<String>,
    pub checkpoint_name: String,
    pub device_name: String,
    pub upstream_status: u16,
    pub upstream_body: String,
    pub upstream_verdict: Option<String>,
}

/// A device as its readings show it: the last one it made and how many still wait to go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceSeen {
    pub id: String,
    pub name: String,
    pub last_reading_ts: i64,
    pub last_reading_date: String,
    pub pending: u64,
}

/// Deliveries of one webhook subscription by state, and its last attempted one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookCounts {
    pub delivered: u64,
    pub failed: u64,
    pub pending: u64,
    pub last_status: Option<u16>,
    pub last_delivery_at: Option<String>,
}

/// Column names of [`Store::readings_table`].
pub const READINGS_TABLE_COLUMNS: [&str; 14] = [
    "reading_id",
    "reading_date",
    "attendee_id",
    "attendee_name",
    "checkpoint_id",
    "checkpoint_name",
    "direction",
    "device_name",
    "kind",
    "verdict",
    "accepted",
    "voided",
    "undoes",
    "sync_state",
];

impl Store {
    /// Accepted, not undone entries and exits of `event` since `from_ts` (µs): their time
    /// and direction (`in`/`out`).
    pub fn movements_since(&self, event: &str, from_ts: i64) -> Result<Vec<(i64, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT reading_ts, direction FROM readings
             WHERE event_id = ?1 AND accepted = 1 AND voided = 0 AND kind != 'undo'
               AND reading_ts >= ?2",
        )?;
        let rows = stmt
            .query_map(params![event, from_ts], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Scans of `event` (undo records aside) counted by checkpoint and outcome.
    pub fn verdict_counts(&self, event: &str) -> Result<Vec<VerdictCount>> {
        let mut stmt = self.conn.prepare(
            "SELECT checkpoint_id, accepted, voided, verdict, count(*) FROM readings
             WHERE event_id = ?1 AND kind != 'undo'
             GROUP BY checkpoint_id, accepted, voided, verdict",
        )?;
        let rows = stmt
            .query_map([event], |r| {
                Ok(VerdictCount {
                    checkpoint_id: r.get(0)?,
                    accepted: r.get(1)?,
                    voided: r.get(2)?,
                    verdict: r.get(3)?,
                    count: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The newest `limit` scans of `event` from every door, newest first.
    pub fn recent_readings(&self, event: &str, limit: u32) -> Result<Vec<RecentReading>> {
        let mut stmt = self.conn.prepare(
            "SELECT r.id, r.reading_date, a.name, coalesce(c.name, r.checkpoint_id), r.device_name,
                    r.verdict, r.accepted, r.voided
             FROM readings r
             LEFT JOIN attendees a ON a.id = r.attendee_id
             LEFT JOIN checkpoints c ON c.id = r.checkpoint_id
             WHERE r.event_id = ?1 AND r.kind != 'undo'
             ORDER BY r.reading_ts DESC, r.id DESC LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![event, limit], |r| {
                Ok(RecentReading {
                    id: r.get(0)?,
                    reading_date: r.get(1)?,
                    attendee_name: r.get(2)?,
                    checkpoint_name: r.get(3)?,
                    device_name: r.get(4)?,
                    verdict: r.get(5)?,
                    accepted: r.get(6)?,
                    voided: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Up to 200 readings of `event` the upstream flagged or refused, newest first.
    pub fn conflicted_readings(&self, event: &str) -> Result<Vec<ConflictedReading>> {
        let mut stmt = self.conn.prepare(
            "SELECT r.id, r.reading_date, a.name, coalesce(c.name, r.checkpoint_id), r.device_name,
                    coalesce(r.upstream_status, 0), coalesce(r.upstream_body, ''),
                    r.upstream_verdict
             FROM readings r
             LEFT JOIN attendees a ON a.id = r.attendee_id
             LEFT JOIN checkpoints c ON c.id = r.checkpoint_id
             WHERE r.event_id = ?1 AND r.sync_state IN ('conflict', 'refused')
             ORDER BY r.reading_ts DESC LIMIT 200",
        )?;
        let rows = stmt
            .query_map([event], |r| {
                Ok(ConflictedReading {
                    id: r.get(0)?,
                    reading_date: r.get(1)?,
                    attendee_name: r.get(2)?,
                    checkpoint_name: r.get(3)?,
                    device_name: r.get(4)?,
                    upstream_status: r.get(5)?,
                    upstream_body: r.get(6)?,
                    upstream_verdict: r.get(7)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Every device that made a reading this replica holds, by name.
    pub fn devices_seen(&self) -> Result<Vec<DeviceSeen>> {
        let mut stmt = self.conn.prepare(
            "SELECT device_id, device_name, max(reading_ts), max(reading_date),
                    sum(sync_state = 'pending')
             FROM readings GROUP BY device_id ORDER BY device_name",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok(DeviceSeen {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    last_reading_ts: r.get(2)?,
                    last_reading_date: r.get(3)?,
                    pending: u64::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Delivery counts and the last attempted delivery of one webhook subscription.
    pub fn webhook_counts(&self, subscription_id: &str) -> Result<WebhookCounts> {
        let (delivered, failed, pending): (i64, i64, i64) = self.conn.query_row(
            "SELECT coalesce(sum(state = 'delivered'), 0), coalesce(sum(state = 'failed'), 0),
                    coalesce(sum(state = 'pending'), 0)
             FROM webhook_deliveries WHERE subscription_id = ?1",
            [subscription_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let last: Option<(Option<u16>, Option<String>)> = self
            .conn
            .query_row(
                "SELECT last_status, coalesce(delivered_at, created_at) FROM webhook_deliveries
                 WHERE subscription_id = ?1 AND attempts > 0 ORDER BY seq DESC LIMIT 1",
                [subscription_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .ok();
        let (last_status, last_delivery_at) = last.unwrap_or((None, None));
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Ok(WebhookCounts {
            delivered: count(delivered),
            failed: count(failed),
            pending: count(pending),
            last_status,
            last_delivery_at,
        })
    }

    /// Every reading of `event` in time order as text cells, [`READINGS_TABLE_COLUMNS`]
    /// wide: the readings CSV export.
    pub fn readings_table(&self, event: &str) -> Result<Vec<Vec<String>>> {
        let mut stmt = self.conn.prepare(
            "SELECT r.id, r.reading_date, coalesce(r.attendee_id, ''), coalesce(a.name, ''),
                    r.checkpoint_id, coalesce(c.name, ''), r.direction, r.device_name, r.kind,
                    r.verdict, r.accepted, r.voided, coalesce(r.undoes, ''), r.sync_state
             FROM readings r
             LEFT JOIN attendees a ON a.id = r.attendee_id
             LEFT JOIN checkpoints c ON c.id = r.checkpoint_id
             WHERE r.event_id = ?1 ORDER BY r.reading_ts, r.id",
        )?;
        let rows = stmt
            .query_map([event], |r| {
                let mut row = Vec::with_capacity(READINGS_TABLE_COLUMNS.len());
                for i in 0..READINGS_TABLE_COLUMNS.len() {
                    let v = match i {
                        10 | 11 => r.get::<_, bool>(i)?.to_string(),
                        _ => r.get::<_, String>(i)?,
                    };
                    row.push(v);
                }
                Ok(row)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// How many attendees `event` has (its attendance rows).
    pub fn attendance_count(&self, event: &str) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM attendance WHERE event_id = ?1",
            [event],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// The name of a room, if the replica knows it.
    pub fn room_name(&self, room_id: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension as _;
        Ok(self
            .conn
            .query_row("SELECT name FROM rooms WHERE id = ?1", [room_id], |r| {
                r.get(0)
            })
            .optional()?)
    }
}
