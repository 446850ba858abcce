//! The SQLite backend: `entrada-store`'s replica (same schema as the devices, so one rules
//! engine and one ingest path) plus the hub-only tables of `hub_schema.sql`.
//!
//! Over 600 lines on purpose: this file is the one `impl HubStorage for SqliteStorage`
//! block, which Rust keeps in one place, with each method a few lines into the pool; the
//! parts that are more than that live beside it (`feed`, `outbox`, `pool`, `schema`).

mod feed;
mod outbox;
mod pool;
mod schema;

use std::path::{Path, PathBuf};

use entrada_domain::snapshot::Snapshot;
use entrada_domain::wire::{IngestResult, IngestStatus, UploadedReading};
use entrada_domain::{
    Attendance, Attendee, AttendeeId, Checkpoint, CheckpointId, DeviceId, Event, EventId,
    ReadingKind, Room, ScanOutcome, Tag,
};
use entrada_store::ImportReport;
use entrada_store::Store;
use entrada_store::admin::{self, Refusal};
use rusqlite::{OptionalExtension, params};

use entrada_domain::wire::{ChangesPage, DeviceRef, ReadingsPage};
use entrada_secret::SecretBox;
use entrada_store::webhooks;
use entrada_webhook::{
    CreatedSubscription, Delivery, DispatchConfig, Dispatcher, Subscription, Topic,
};

use super::{
    AttendanceFilter, AttendanceOp, AttendeePatch, HubStorage, RoomState, StorageError,
    StorageResult, TokenRecord, refused,
};
use pool::Pool;

pub struct SqliteStorage {
    pool: Pool,
    path: PathBuf,
    photos: PathBuf,
    /// Seals webhook secrets at rest (key file `<db>.key`, created on first use).
    secrets: SecretBox,
    /// Fire `checkpoint_reading_created` for uploaded readings too (for fleets whose
    /// devices set `webhooks.fire_on_device` to `off`).
    fire_uploaded: std::sync::atomic::AtomicBool,
}

/// Parses `raw` JSON columns.
fn parse_all<T: serde::de::DeserializeOwned>(raws: Vec<String>) -> StorageResult<Vec<T>> {
    raws.iter()
        .map(|r| serde_json::from_str(r).map_err(StorageError::from))
        .collect()
}

fn strings(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> StorageResult<Vec<String>> {
    Ok(conn
        .prepare_cached(sql)?
        .query_map(params, |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

impl SqliteStorage {
    /// Opens (creating if needed) the hub database at `path`; photos live in a folder
    /// beside it (`<db>.photos/`).
    pub fn open(path: &Path) -> StorageResult<Self> {
        let mut store = Store::open(path)?;
        schema::migrate(&mut store)?;
        if store.meta("device_name")?.is_none() {
            store.set_device_name("hub")?;
        }
        let mut photos = path.as_os_str().to_owned();
        photos.push(".photos");
        let photos = PathBuf::from(photos);
        std::fs::create_dir_all(&photos)?;
        let mut key = path.as_os_str().to_owned();
        key.push(".key");
        let secrets = SecretBox::open_key_file(Path::new(&key))
            .map_err(|e| StorageError::Webhook(e.into()))?;
        Ok(Self {
            pool: Pool::start(path, store)?,
            path: path.to_owned(),
            photos,
            secrets,
            fire_uploaded: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// See [`crate::HubConfig::fire_uploaded_readings`].
    pub fn set_fire_uploaded_readings(&self, on: bool) {
        self.fire_uploaded
            .store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// The core's webhook dispatcher over this database (one per database: a second hub
    /// on the same file gets `webhook::Error::Busy`).
    pub fn dispatcher(&self, config: DispatchConfig) -> StorageResult<Dispatcher> {
        Ok(Dispatcher::open(&self.path, self.secrets.clone(), config)?)
    }

    /// Stops the writer thread after the queued work (also done on drop).
    pub fn close(&self) {
        self.pool.close();
    }

    /// Runs a mutation in one transaction on the writer. The transaction takes the write
    /// lock up front: mutations read before they write, and a deferred transaction that
    /// upgrades after another connection (the webhook dispatcher, a second process on the
    /// same file) committed fails at once with "database is locked" instead of waiting.
    fn tx<T: Send + 'static>(
        &self,
        f: impl FnOnce(&rusqlite::Transaction<'_>) -> StorageResult<T> + Send + 'static,
    ) -> StorageResult<T> {
        self.pool.write(move |store| {
            let tx = store
                .connection_mut()
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
    }
}

impl HubStorage for SqliteStorage {
    fn upsert_client(&self, id: &str, secret_hash: &str) -> StorageResult<()> {
        let (id, hash) = (id.to_owned(), secret_hash.to_owned());
        self.tx(move |tx| {
            tx.execute("DELETE FROM hub_tokens WHERE client_id <> ?1", [&id])?;
            tx.execute("DELETE FROM hub_clients WHERE id <> ?1", [&id])?;
            tx.execute(
                "INSERT INTO hub_clients(id, secret_hash) VALUES (?1, ?2)
                 ON CONFLICT(id) DO UPDATE SET secret_hash = excluded.secret_hash",
                [&id, &hash],
            )?;
            Ok(())
        })
    }

    fn client_secret_hash(&self, id: &str) -> StorageResult<Option<String>> {
        self.pool.read(|s| {
            Ok(s.connection()
                .query_row(
                    "SELECT secret_hash FROM hub_clients WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?)
        })
    }

    fn store_token(&self, token: &TokenRecord) -> StorageResult<()> {
        let t = token.clone();
        self.tx(move |tx| {
            let now = entrada_domain::time::now().timestamp();
            tx.execute("DELETE FROM hub_tokens WHERE expires_at < ?1", [now])?;
            tx.execute(
                "INSERT INTO hub_tokens(hash, client_id, scope, expires_at) VALUES (?1, ?2, ?3, ?4)",
                params![t.hash, t.client_id, t.scope, t.expires_at],
            )?;
            Ok(())
        })
    }

    fn token(&self, hash: &str) -> StorageResult<Option<TokenRecord>> {
        self.pool.read(|s| {
            Ok(s.connection()
                .query_row(
                    "SELECT hash, client_id, scope, expires_at FROM hub_tokens WHERE hash = ?1",
                    [hash],
                    |r| {
                        Ok(TokenRecord {
                            hash: r.get(0)?,
                            client_id: r.get(1)?,
                            scope: r.get(2)?,
                            expires_at: r.get(3)?,
                        })
                    },
                )
                .optional()?)
        })
    }

    fn import_snapshot(&self, snapshot: Snapshot) -> StorageResult<ImportReport> {
        self.pool
            .write(move |store| Ok(store.import_snapshot(&snapshot)?))
    }

    fn attendees(&self) -> StorageResult<Vec<Attendee>> {
        self.pool.read(|s| {
            parse_all(strings(
                s.connection(),
                "SELECT raw FROM attendees ORDER BY name, id",
                [],
            )?)
        })
    }

    fn attendee(&self, id: &str) -> StorageResult<Option<Attendee>> {
        self.pool
            .read(|s| Ok(admin::load_attendee(s.connection(), id)?))
    }

    fn create_attendee(&self, attendee: Attendee) -> StorageResult<()> {
        self.tx(move |tx| refused(admin::create_attendee(tx, &attendee)?))
    }

    fn update_attendee(&self, id: &str, patch: AttendeePatch) -> StorageResult<()> {
        let id = id.to_owned();
        self.tx(move |tx| {
            let Some(mut a) = admin::load_attendee(tx, &id)? else {
                return Err(StorageError::Refused(Refusal::AttendeeNotFound));
            };
            let set = |field: &mut Option<String>, value: Option<String>| {
                if let Some(v) = value {
                    *field = Some(v);
                }
            };
            if let Some(name) = patch.name {
                a.name = name;
            }
            set(&mut a.email, patch.email);
            set(&mut a.position, patch.position);
            set(&mut a.company, patch.company);
            set(&mut a.phone_number, patch.phone_number);
            set(&mut a.photo, patch.photo);
            // "If empty or null, existing QR data is not modified."
            set(&mut a.qr_data, patch.qr_data.filter(|q| !q.is_empty()));
            if refused(admin::save_attendee(tx, &a)?)? {
                outbox::fire_attendee_updated(tx, &id)?;
            }
            Ok(())
        })
    }

    fn delete_attendee(&self, id: &str) -> StorageResult<()> {
        let id = id.to_owned();
        self.tx(move |tx| {
            let before = admin::load_attendee(tx, &id)?;
            let events = refused(admin::delete_attendee(tx, &id)?)?;
            if let Some(a) = before {
                for e in events {
                    outbox::fire_removed(tx, &a, e.as_str())?;
                }
            }
            Ok(())
        })
    }

    fn set_attendee_tag(&self, id: &str, tag: &str, present: bool) -> StorageResult<()> {
        let (id, tag) = (id.to_owned(), tag.to_owned());
        self.tx(move |tx| {
            if refused(admin::set_attendee_tag(tx, &id, &tag, present)?)? {
                outbox::fire_attendee_updated(tx, &id)?;
            }
            Ok(())
        })
    }

    fn set_attendee_active(&self, id: &str, active: bool) -> StorageResult<()> {
        let id = id.to_owned();
        self.tx(move |tx| {
            if refused(admin::set_attendee_active(tx, &id, active)?)? {
                outbox::fire_attendee_updated(tx, &id)?;
            }
            Ok(())
        })
    }

    fn search_attendees(&self, query: &str, event: Option<&str>) -> StorageResult<Vec<Attendee>> {
        let words: Vec<String> = query
            .split_whitespace()
            .take(8)
            .map(|w| w.to_lowercase())
            .collect();
        self.pool.read(|s| {
            let mut sql = String::from("SELECT a.raw FROM attendees a WHERE 1");
            let mut args: Vec<String> = Vec::new();
            if let Some(e) = event {
                args.push(e.to_owned());
                sql.push_str(
                    " AND EXISTS (SELECT 1 FROM attendance t WHERE t.event_id = ?1 AND t.attendee_id = a.id)",
                );
            }
            for w in words {
                args.push(w);
                sql.push_str(&format!(
                    " AND (instr(a.search, ?{n}) > 0 OR instr(lower(a.raw), ?{n}) > 0)",
                    n = args.len()
                ));
            }
            sql.push_str(" ORDER BY a.name, a.id LIMIT 100");
            parse_all(strings(
                s.connection(),
                &sql,
                rusqlite::params_from_iter(args.iter()),
            )?)
        })
    }

    fn save_photo(&self, token: &str, content_type: &str, bytes: &[u8]) -> StorageResult<()> {
        // Written before the row: a crash leaves an orphan file, never a dangling row.
        std::fs::write(self.photos.join(token), bytes)?;
        let (token, ct) = (token.to_owned(), content_type.to_owned());
        self.tx(move |tx| {
            tx.execute(
                "INSERT OR REPLACE INTO hub_photos(token, content_type) VALUES (?1, ?2)",
                [&token, &ct],
            )?;
            Ok(())
        })
    }

    fn photo(&self, token: &str) -> StorageResult<Option<(String, Vec<u8>)>> {
        let ct: Option<String> = self.pool.read(|s| {
            Ok(s.connection()
                .query_row(
                    "SELECT content_type FROM hub_photos WHERE token = ?1",
                    [token],
                    |r| r.get(0),
                )
                .optional()?)
        })?;
        match ct {
            None => Ok(None),
            Some(ct) => Ok(Some((ct, std::fs::read(self.photos.join(token))?))),
        }
    }

    fn tags(&self) -> StorageResult<Vec<Tag>> {
        self.pool.read(|s| {
            parse_all(strings(
                s.connection(),
                "SELECT raw FROM tags ORDER BY name, id",
                [],
            )?)
        })
    }

    fn tag(&self, id: &str) -> StorageResult<Option<Tag>> {
        self.pool.read(|s| Ok(admin::load_tag(s.connection(), id)?))
    }

    fn create_tag(&self, tag: Tag) -> StorageResult<()> {
        self.tx(move |tx| refused(admin::create_tag(tx, &tag)?))
    }

    fn rename_tag(&self, id: &str, name: &str) -> StorageResult<()> {
        let (id, name) = (id.to_owned(), name.to_owned());
        self.tx(move |tx| refused(admin::rename_tag(tx, &id, &name)?))
    }

    fn delete_tag(&self, id: &str) -> StorageResult<()> {
        let id = id.to_owned();
        self.tx(move |tx| refused(admin::delete_tag(tx, &id)?))
    }

    fn events(&self) -> StorageResult<Vec<Event>> {
        self.pool.read(|s| Ok(s.events()?))
    }

    fn event(&self, id: &str) -> StorageResult<Option<Event>> {
        self.pool
            .read(|s| Ok(admin::load_event(s.connection(), id)?))
    }

    fn checkpoints(&self, event: &str) -> StorageResult<Vec<Checkpoint>> {
        self.pool.read(|s| Ok(s.checkpoints(Some(event))?))
    }

    fn checkpoint(&self, id: &str) -> StorageResult<Option<(Checkpoint, EventId)>> {
        self.pool.read(|s| {
            let conn = s.connection();
            let cp = admin::load_checkpoint(conn, id)?;
            let event = admin::checkpoint_event(conn, &CheckpointId::from(id))?;
            Ok(cp.zip(event))
        })
    }

    fn rooms(&self, event: &str) -> StorageResult<Vec<RoomState>> {
        self.pool.read(|s| {
            let rows: Vec<(String, u32)> = s
                .connection()
                .prepare_cached(
                    "SELECT raw, occupancy FROM rooms WHERE event_id = ?1 ORDER BY name, id",
                )?
                .query_map([event], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<_>>()?;
            rows.into_iter()
                .map(|(raw, occupancy)| {
                    Ok(RoomState {
                        room: serde_json::from_str(&raw)?,
                        occupancy,
                    })
                })
                .collect()
        })
    }

    fn upsert_event(&self, event: Event) -> StorageResult<()> {
        self.tx(move |tx| Ok(admin::upsert_event(tx, &event)?))
    }

    fn upsert_room(&self, event: &str, room: Room) -> StorageResult<()> {
        let event = event.to_owned();
        self.tx(move |tx| refused(admin::upsert_room(tx, &event, &room)?))
    }

    fn upsert_checkpoint(&self, event: &str, checkpoint: Checkpoint) -> StorageResult<()> {
        let event = event.to_owned();
        self.tx(move |tx| refused(admin::upsert_checkpoint(tx, &event, &checkpoint)?))
    }

    fn attendance_list(
        &self,
        event: &str,
        filter: &AttendanceFilter,
    ) -> StorageResult<Vec<Attendance>> {
        self.pool.read(|s| {
            let rows: Vec<(String, String)> = s
                .connection()
                .prepare_cached(
                    "SELECT t.raw, a.raw FROM attendance t JOIN attendees a ON a.id = t.attendee_id
                     WHERE t.event_id = ?1 AND a.active = 1 AND (?2 IS NULL OR t.confirmed = ?2)
                     ORDER BY a.name, a.id",
                )?
                .query_map(params![event, filter.confirmed], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let mut out = Vec::with_capacity(rows.len());
            for (att, a) in rows {
                let mut att: Attendance = serde_json::from_str(&att)?;
                att.attendee = serde_json::from_str(&a)?;
                if let Some(emails) = &filter.emails {
                    let email = att.attendee.email.as_deref().unwrap_or("").to_lowercase();
                    if !emails.contains(&email) {
                        continue;
                    }
                }
                out.push(att);
            }
            Ok(out)
        })
    }

    fn attendance(&self, event: &str, attendee: &str) -> StorageResult<Option<Attendance>> {
        self.pool
            .read(|s| Ok(admin::load_attendance(s.connection(), event, attendee)?))
    }

    fn change_attendance(
        &self,
        event: &str,
        attendee: &str,
        op: AttendanceOp,
    ) -> StorageResult<()> {
        let (event, attendee) = (event.to_owned(), attendee.to_owned());
        self.tx(move |tx| {
            let (e, a) = (event.as_str(), attendee.as_str());
            let (changed, topic) = match op {
                AttendanceOp::Attend => (admin::attend(tx, e, a)?, Topic::AttendeeAddedToEvent),
                AttendanceOp::Confirm => (
                    admin::confirm(tx, e, a)?,
                    Topic::AttendeeAttendanceConfirmed,
                ),
                AttendanceOp::Reject => {
                    (admin::reject(tx, e, a)?, Topic::AttendeeAttendanceRejected)
                }
                AttendanceOp::Leave => {
                    let before = admin::load_attendee(tx, a)?;
                    let changed = refused(admin::leave(tx, e, a)?)?;
                    if let (true, Some(before)) = (changed, before) {
                        outbox::fire_removed(tx, &before, e)?;
                    }
                    return Ok(());
                }
            };
            if refused(changed)? {
                outbox::fire_attendance(tx, topic, e, a)?;
            }
            Ok(())
        })
    }

    fn create_access(
        &self,
        checkpoint: CheckpointId,
        attendee: String,
    ) -> StorageResult<ScanOutcome> {
        self.pool.access(checkpoint, AttendeeId(attendee))
    }

    fn access_context(
        &self,
        checkpoint: &str,
        attendee: &str,
    ) -> StorageResult<Option<(Attendee, Checkpoint, Event)>> {
        self.pool.read(|s| {
            let conn = s.connection();
            let Some(cp) = admin::load_checkpoint(conn, checkpoint)? else {
                return Ok(None);
            };
            let Some(event) = admin::checkpoint_event(conn, &cp.id)? else {
                return Ok(None);
            };
            let (Some(a), Some(e)) = (
                admin::load_attendee(conn, attendee)?,
                admin::load_event(conn, event.as_str())?,
            ) else {
                return Ok(None);
            };
            Ok(Some((a, cp, e)))
        })
    }

    fn changes(&self, event: &str, since: i64, limit: u32) -> StorageResult<ChangesPage> {
        self.pool
            .read(|s| feed::changes(s.connection(), event, since, limit))
    }

    fn readings(&self, event: &str, since: i64, limit: u32) -> StorageResult<ReadingsPage> {
        self.pool
            .read(|s| feed::readings(s.connection(), event, since, limit))
    }

    fn upload(
        &self,
        event: &str,
        device: DeviceRef,
        readings: Vec<UploadedReading>,
    ) -> StorageResult<Vec<IngestResult>> {
        let event = event.to_owned();
        let fire = self
            .fire_uploaded
            .load(std::sync::atomic::Ordering::Relaxed);
        self.pool.write(move |store| {
            if !admin::event_exists(store.connection(), &event)? {
                return Err(StorageError::Refused(Refusal::EventNotFound));
            }
            let name = device.name.clone().unwrap_or_else(|| device.id.clone());
            let results = store.ingest(&DeviceId(device.id.clone()), &name, &readings)?;
            // By default the device that made a reading fires its webhook, so the hub does
            // not fire it a second time. When the hub fires for the fleet, it does so in a
            // second transaction: the core's ingest commits on its own, so a crash in
            // between loses the webhook, never the reading.
            if fire {
                let tx = store
                    .connection_mut()
                    .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                for (r, res) in readings.iter().zip(&results) {
                    let new_fact = !res.duplicate
                        && matches!(res.status, IngestStatus::Stored | IngestStatus::Conflict)
                        && r.accepted
                        && r.kind != ReadingKind::Undo;
                    if new_fact {
                        webhooks::reading_created(&tx, &r.id)?;
                    }
                }
                tx.commit()?;
            }
            Ok(results)
        })
    }

    fn webhooks(&self) -> StorageResult<Vec<Subscription>> {
        self.pool
            .read(|s| Ok(webhooks::subscriptions(s.connection())?))
    }

    fn webhook(&self, id: &str) -> StorageResult<Option<Subscription>> {
        self.pool
            .read(|s| match webhooks::subscription(s.connection(), id) {
                Ok(sub) => Ok(Some(sub)),
                Err(entrada_store::Error::NoSuchSubscription(_)) => Ok(None),
                Err(e) => Err(e.into()),
            })
    }

    fn create_webhook(&self, url: &str, topics: Vec<Topic>) -> StorageResult<CreatedSubscription> {
        let (url, secrets) = (url.to_owned(), self.secrets.clone());
        self.pool.write(move |store| {
            Ok(webhooks::add_subscription(
                store.connection(),
                &secrets,
                &url,
                &topics,
            )?)
        })
    }

    fn delete_webhook(&self, id: &str) -> StorageResult<bool> {
        let id = id.to_owned();
        self.pool.write(
            move |store| match webhooks::remove_subscription(store.connection(), &id) {
                Ok(()) => Ok(true),
                Err(entrada_store::Error::NoSuchSubscription(_)) => Ok(false),
                Err(e) => Err(e.into()),
            },
        )
    }

    fn set_webhook_enabled(&self, id: &str, enabled: bool) -> StorageResult<bool> {
        let id = id.to_owned();
        self.pool.write(move |store| {
            match webhooks::set_enabled(store.connection(), &id, enabled) {
                Ok(_) => Ok(true),
                Err(entrada_store::Error::NoSuchSubscription(_)) => Ok(false),
                Err(e) => Err(e.into()),
            }
        })
    }

    fn deliveries(&self, id: &str, limit: u32) -> StorageResult<Vec<Delivery>> {
        self.pool.read(|s| {
            let filter = webhooks::DeliveryFilter {
                subscription: Some(id),
                ..Default::default()
            };
            let mut all = webhooks::deliveries(s.connection(), &filter)?;
            all.truncate(limit as usize);
            Ok(all)
        })
    }
}
