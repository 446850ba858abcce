//! Schema migrations, applied in order inside one transaction at open.
//!
//! Append new files; never edit one that has shipped. `PRAGMA user_version` records how
//! many have been applied, so an old replica is brought forward and a newer one refused.

use rusqlite::Connection;

use crate::error::{Error, Result};

const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_replica.sql"),
    include_str!("migrations/002_sync.sql"),
    include_str!("migrations/003_webhooks.sql"),
    include_str!("migrations/004_photos.sql"),
];

pub(crate) fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let supported = MIGRATIONS.len() as i64;
    if current > supported {
        return Err(Error::SchemaTooNew {
            found: current,
            supported,
        });
    }
    if current == supported {
        return Ok(());
    }
    let tx = conn.transaction()?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        tracing::info!(migration = i + 1, "applying replica migration");
        tx.execute_batch(sql)?;
    }
    tx.pragma_update(None, "user_version", supported)?;
    tx.commit()?;
    Ok(())
}
