//! Device identity: a stable id generated once per replica and a human name.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;

use crate::error::Result;
use entrada_domain::DeviceId;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceInfo {
    pub id: DeviceId,
    pub name: String,
}

pub(super) fn load_or_create(conn: &Connection) -> Result<DeviceInfo> {
    let get = |key: &str| -> Result<Option<String>> {
        Ok(conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    };
    let id = match get("device_id")? {
        Some(id) => id,
        None => {
            let id = uuid::Uuid::new_v4().to_string();
            conn.execute(
                "INSERT OR IGNORE INTO meta(key, value) VALUES ('device_id', ?1)",
                [&id],
            )?;
            // Another process may have won the race: read back what is stored.
            get("device_id")?.unwrap_or(id)
        }
    };
    let name = match get("device_name")? {
        Some(name) => name,
        None => format!("door-{}", &id[..id.len().min(8)]),
    };
    Ok(DeviceInfo {
        id: DeviceId(id),
        name,
    })
}

pub(super) fn set_name(conn: &Connection, name: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('device_name', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [name],
    )?;
    Ok(())
}
