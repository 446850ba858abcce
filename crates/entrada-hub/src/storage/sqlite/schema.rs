//! The hub-only schema, applied after `Store::open` has brought the core replica schema
//! forward. Versioned by its own `meta` key so it evolves independently of the devices'.

use entrada_store::Store;

use crate::storage::StorageResult;

const VERSION_KEY: &str = "hub_schema_version";
const MIGRATIONS: &[&str] = &[include_str!("hub_schema.sql")];

pub(super) fn migrate(store: &mut Store) -> StorageResult<()> {
    let current: usize = store
        .meta(VERSION_KEY)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if current >= MIGRATIONS.len() {
        return Ok(());
    }
    let tx = store.connection_mut().transaction()?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        tracing::info!(migration = i + 1, "applying hub migration");
        tx.execute_batch(sql)?;
    }
    tx.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [VERSION_KEY, &MIGRATIONS.len().to_string()],
    )?;
    tx.commit()?;
    Ok(())
}
