//! The durable SQLite replica: event data, the reading log and derived occupancy, the
//! outboxes of readings and webhook events, and every SQL statement over that schema (the
//! sync client, the webhook dispatcher and the app call typed methods, never SQL).
//!
//! Durability choice: WAL with `synchronous = FULL`. In WAL mode `NORMAL` only syncs at
//! checkpoints, so a power cut can roll back the last commits – a reading the screen already
//! greeted. `FULL` syncs the WAL on every commit, which makes a scan's commit the moment it
//! is safe; the benchmark (`docs/benchmarks.md`) shows what that costs against a bare
//! insert+commit with the same settings.

pub mod admin;
mod apply;
mod batch;
mod dashboard;
mod device;
mod import;
mod ingest;
pub mod kiosk;
mod outbox;
pub mod photos;
mod query;
mod scan;
mod schema;
pub mod webhooks;

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension};

pub use apply::ApplyReport;
pub use dashboard::{
    ConflictedReading, DeviceSeen, READINGS_TABLE_COLUMNS, RecentReading, VerdictCount,
    WebhookCounts,
};
pub use device::DeviceInfo;
pub use import::ImportReport;
pub use outbox::{OutboxCounts, PendingReading, PushOutcome};
pub use photos::{CachedPhoto, PhotoCounts, PhotoRecord, PhotoSize, PhotoState};
pub use query::{AttendeeMatch, ReadingFilter, RoomOccupancy};
pub use scan::{ScanRequest, Subject};

mod error;

pub use error::{Error, Result};

/// One open replica. Not `Sync`: callers that share it across threads wrap it in a mutex,
/// which also serialises scans the way the rules need (one verdict at a time per replica).
pub struct Store {
    conn: Connection,
    device: DeviceInfo,
}

impl Store {
    /// Opens (creating if needed) the replica at `path` and brings its schema forward.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let mut conn = Connection::open(path).map_err(|source| Error::Open {
            path: path.to_owned(),
            source,
        })?;
        configure(&conn)?;
        schema::migrate(&mut conn)?;
        let device = device::load_or_create(&conn)?;
        Ok(Self { conn, device })
    }

    /// This replica's identity, sent with every reading.
    pub fn device(&self) -> &DeviceInfo {
        &self.device
    }

    /// Renames this device (the id never changes).
    pub fn set_device_name(&mut self, name: &str) -> Result<()> {
        device::set_name(&self.conn, name)?;
        self.device.name = name.to_owned();
        Ok(())
    }

    /// Reads a setting from the replica's key/value table.
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Writes a setting to the replica's key/value table (durably, like everything else).
    pub fn set_meta(&self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES (?1, ?2)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// Gives this connection a 64 MB page cache. A first pull upserts hundreds of thousands
    /// of rows keyed by random UUIDs in one transaction; with SQLite's default 2 MB cache
    /// nearly every insert re-reads index pages from the WAL.
    pub fn use_bulk_cache(&self) -> Result<()> {
        self.conn.pragma_update(None, "cache_size", -65_536)?;
        Ok(())
    }

    /// Writes the sync settings in one transaction. With `forget_feed_cursors` the feed
    /// cursors go too: a cursor means nothing to another upstream or another event.
    pub fn save_sync_settings(
        &self,
        pairs: &[(&str, &str)],
        forget_feed_cursors: bool,
    ) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        for (k, v) in pairs {
            tx.execute(
                "INSERT INTO meta(key, value) VALUES (?1, ?2)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [k, v],
            )?;
        }
        if forget_feed_cursors {
            tx.execute(
                "DELETE FROM meta WHERE key LIKE 'sync.changes_cursor:%'
                    OR key LIKE 'sync.readings_cursor:%'",
                [],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The raw connection, for the hub's SQLite backend (which keeps its own tables in the
    /// same file) and for the webhook outbox functions that run inside a caller's
    /// transaction. Everything else uses the typed methods.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// Pragmas every connection to a replica must use; shared with benchmarks so the floor
/// they measure is taken with the same settings.
pub fn configure(conn: &Connection) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(())
}
