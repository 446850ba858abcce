//! Webhooks, the durable side: subscriptions, the outbox of deliveries and the attempt log,
//! all in the replica's SQLite file. Sending them is `entrada-webhook`'s job.
//!
//! Everything here takes a `&Connection` (a `Transaction` derefs to one), so events are
//! written in the caller's transaction: the reading and its webhooks commit together or
//! not at all.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde_json::Value;

use crate::{Error, Result};
use entrada_domain::webhook::payload;
use entrada_domain::webhook::{PING, SECRET_PREFIX, Topic};

mod delivery;

pub use delivery::{
    AttemptRecord, ClaimedDelivery, DeliveryDb, DeliveryOutcome, DisablePolicy, DueEndpoint,
};
use entrada_domain::time;
use entrada_domain::{Attendee, Checkpoint, Direction, Event, ReadingId};
use entrada_secret::SecretBox;

/// `meta` key: set to `off` to stop this device firing webhooks for its own readings
/// (e.g. when the hub fires them for everyone). Default: on.
pub const FIRE_ON_DEVICE_KEY: &str = "webhooks.fire_on_device";

/// A subscription as listed (the secret is never listed).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Subscription {
    pub id: String,
    pub url: String,
    pub topics: Vec<Topic>,
    pub enabled: bool,
    pub created_at: String,
    /// Why it is disabled: `manual`, or the failure streak that disabled it.
    pub disabled_reason: Option<String>,
    pub consecutive_failures: u32,
}

/// What `add` returns: the only time the secret is shown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreatedSubscription {
    pub id: String,
    pub secret: String,
    pub url: String,
    pub topics: Vec<Topic>,
}

/// One delivery (an event for one subscription) with its current state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Delivery {
    /// Also the payload's `webhook_identifier` and the `webhook-id` header.
    pub id: String,
    pub subscription_id: String,
    pub topic: String,
    pub state: String,
    pub attempts: u32,
    pub created_at: String,
    pub next_attempt_at: Option<String>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub delivered_at: Option<String>,
}

/// One line of the delivery log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attempt {
    pub delivery_id: String,
    pub attempt: u32,
    pub started_at: String,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub latency_ms: f64,
    pub response_head: Option<String>,
    /// `delivered`, `retry` (another attempt is scheduled) or `failed`.
    pub outcome: String,
}

/// Filter for [`deliveries`].
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter<'a> {
    pub subscription: Option<&'a str>,
    pub state: Option<&'a str>,
    pub id: Option<&'a str>,
    pub limit: Option<u32>,
}

/// Accepts `https://…` anywhere and `http://…` only for loopback hosts (tests, a receiver
/// on the same kiosk): a check-in leaks names and e-mails, so it never crosses a network
/// in clear.
pub fn validate_url(url: &str) -> Result<url::Url> {
    let parsed = url::Url::parse(url).map_err(|e| Error::InvalidUrl(format!("{url}: {e}")))?;
    match parsed.scheme() {
        "https" => {}
        "http" => {
            let loopback = match parsed.host() {
                Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            };
            if !loopback {
                return Err(Error::InvalidUrl(format!(
                    "{url}: plain http is only allowed for loopback receivers; use https"
                )));
            }
        }
        other => {
            return Err(Error::InvalidUrl(format!(
                "{url}: scheme {other:?} is not http(s)"
            )));
        }
    }
    if parsed.host().is_none() {
        return Err(Error::InvalidUrl(format!("{url}: no host")));
    }
    Ok(parsed)
}

/// A fresh signing secret: [`SECRET_PREFIX`] and 32 random bytes in base64.
pub fn generate_secret() -> String {
    use base64::Engine as _;
    let key = entrada_secret::random_key();
    format!(
        "{SECRET_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(key)
    )
}

/// Creates a subscription with a fresh secret, sealed at rest. The returned secret is not
/// retrievable later (rotate by removing and adding).
pub fn add_subscription(
    conn: &Connection,
    secrets: &SecretBox,
    url: &str,
    topics: &[Topic],
) -> Result<CreatedSubscription> {
    let url = validate_url(url)?.to_string();
    if topics.is_empty() {
        return Err(Error::NoTopics);
    }
    let mut topics = topics.to_vec();
    topics.sort_by_key(|t| t.as_str());
    topics.dedup();
    let id = format!("wh_{}", uuid::Uuid::now_v7().simple());
    let secret = generate_secret();
    conn.execute(
        "INSERT INTO webhook_subscriptions(id, url, topics, enabled, secret, created_at)
         VALUES (?1, ?2, ?3, 1, ?4, ?5)",
        params![
            id,
            url,
            serde_json::to_string(&topics)?,
            secrets.seal(&secret),
            time::format(&time::now())
        ],
    )?;
    Ok(CreatedSubscription {
        id,
        secret,
        url,
        topics,
    })
}

pub fn subscriptions(conn: &Connection) -> Result<Vec<Subscription>> {
    let mut stmt = conn.prepare(
        "SELECT id, url, topics, enabled, created_at, disabled_reason, consecutive_failures
         FROM webhook_subscriptions ORDER BY created_at, id",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, bool>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, u32>(6)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter()
        .map(
            |(id, url, topics, enabled, created_at, disabled_reason, fails)| {
                let names: Vec<String> = serde_json::from_str(&topics)?;
                Ok(Subscription {
                    topics: names.iter().filter_map(|n| Topic::parse(n).ok()).collect(),
                    id,
                    url,
                    enabled,
                    created_at,
                    disabled_reason,
                    consecutive_failures: fails,
                })
            },
        )
        .collect()
}

pub fn subscription(conn: &Connection, id: &str) -> Result<Subscription> {
    subscriptions(conn)?
        .into_iter()
        .find(|s| s.id == id)
        .ok_or_else(|| Error::NoSuchSubscription(id.to_owned()))
}

/// Removes a subscription with its queued deliveries and their log.
pub fn remove_subscription(conn: &Connection, id: &str) -> Result<()> {
    let tx = conn.unchecked_transaction()?;
    tx.execute(
        "DELETE FROM webhook_attempts WHERE delivery_id IN
           (SELECT id FROM webhook_deliveries WHERE subscription_id = ?1)",
        [id],
    )?;
    tx.execute(
        "DELETE FROM webhook_deliveries WHERE subscription_id = ?1",
        [id],
    )?;
    let n = tx.execute("DELETE FROM webhook_subscriptions WHERE id = ?1", [id])?;
    if n == 0 {
        return Err(Error::NoSuchSubscription(id.to_owned()));
    }
    tx.commit()?;
    Ok(())
}

/// Enables or disables by hand. Enabling resets the failure streak and makes every
/// pending delivery due now, so a receiver that was fixed gets its backlog at once.
pub fn set_enabled(conn: &Connection, id: &str, enabled: bool) -> Result<Subscription> {
    let tx = conn.unchecked_transaction()?;
    let n = if enabled {
        tx.execute(
            "UPDATE webhook_deliveries SET next_attempt_ts = ?2
             WHERE subscription_id = ?1 AND state = 'pending'",
            params![id, now_us()],
        )?;
        tx.execute(
            "UPDATE webhook_subscriptions SET enabled = 1, disabled_reason = NULL,
                 consecutive_failures = 0, failing_since_ts = NULL
             WHERE id = ?1",
            [id],
        )?
    } else {
        tx.execute(
            "UPDATE webhook_subscriptions SET enabled = 0, disabled_reason = 'manual' WHERE id = ?1",
            [id],
        )?
    };
    if n == 0 {
        return Err(Error::NoSuchSubscription(id.to_owned()));
    }
    tx.commit()?;
    subscription(conn, id)
}

/// Queues `payload` (an object without `webhook_identifier`/`webhook_name`) for every
/// enabled subscription to `topic`, inside the caller's transaction. Returns the new
/// delivery ids (= `webhook_identifier`s), one per subscription; empty when nobody listens.
///
/// This is the function the hub calls when its API changes attendance or attendees, with
/// a payload from [`payload`].
pub fn enqueue(conn: &Connection, topic: Topic, payload: &Value) -> crate::Result<Vec<String>> {
    let subs = listeners(conn, topic)?;
    let mut ids = Vec::with_capacity(subs.len());
    for sub in subs {
        ids.push(insert_delivery(
            conn,
            &sub,
            topic.as_str(),
            payload,
            now_us(),
        )?);
    }
    Ok(ids)
}

/// Enabled subscriptions to `topic`. One indexed-free scan of a table of a handful of
/// rows: negligible next to the scan's fsync.
fn listeners(conn: &Connection, topic: Topic) -> crate::Result<Vec<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT s.id FROM webhook_subscriptions s
             WHERE s.enabled = 1 AND EXISTS (SELECT 1 FROM json_each(s.topics) WHERE value = ?1)",
        )?
        .query_map([topic.as_str()], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?)
}

pub fn insert_delivery(
    conn: &Connection,
    subscription: &str,
    name: &str,
    payload: &Value,
    due_ts: i64,
) -> crate::Result<String> {
    let id = uuid::Uuid::new_v4().to_string();
    let body = payload::body(&id, name, payload);
    let now = time::now();
    conn.prepare_cached(
        "INSERT INTO webhook_deliveries(id, subscription_id, topic, body, created_at, created_ts,
             state, next_attempt_ts)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending', ?7)",
    )?
    .execute(params![
        id,
        subscription,
        name,
        body,
        time::format(&now),
        now.timestamp_micros(),
        due_ts
    ])?;
    Ok(id)
}

/// Whether this replica fires webhooks for its own readings ([`FIRE_ON_DEVICE_KEY`]).
pub fn fires_on_device(conn: &Connection) -> crate::Result<bool> {
    let v: Option<String> = conn
        .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
        .query_row([FIRE_ON_DEVICE_KEY], |r| r.get(0))
        .optional()?;
    Ok(!matches!(v.as_deref(), Some("off" | "false" | "0")))
}

/// Queues `checkpoint_reading_created` for the stored, accepted reading `reading`, inside
/// the caller's transaction. Called by [`crate::Store::scan`] (and the hub's batch scan)
/// for readings made here. Readings learnt from other devices never come through here:
/// the device that made a reading fires its webhook. A hub that should fire for readings
/// pushed by devices calls this in its ingest transaction (and devices set
/// [`FIRE_ON_DEVICE_KEY`] to `off`).
pub fn reading_created(conn: &Connection, reading: &ReadingId) -> crate::Result<()> {
    let topic = Topic::CheckpointReadingCreated;
    if listeners(conn, topic)?.is_empty() || !fires_on_device(conn)? {
        return Ok(());
    }
    if let Some(payload) = reading_payload(conn, reading)? {
        enqueue(conn, topic, &payload)?;
    }
    Ok(())
}

/// Queues `entrada_checkpoint_reading_undone` for the undo `undo` of `original`, inside
/// the caller's transaction; called by [`crate::Store::undo`].
pub fn reading_undone(
    conn: &Connection,
    undo: &ReadingId,
    original: &ReadingId,
) -> crate::Result<()> {
    let topic = Topic::CheckpointReadingUndone;
    if listeners(conn, topic)?.is_empty() || !fires_on_device(conn)? {
        return Ok(());
    }
    let undo_date: Option<String> = conn
        .prepare_cached("SELECT reading_date FROM readings WHERE id = ?1")?
        .query_row([undo.as_str()], |r| r.get(0))
        .optional()?;
    if let (Some(created), Some(date)) = (reading_payload(conn, original)?, undo_date) {
        enqueue(conn, topic, &payload::reading_undone(created, undo, &date))?;
    }
    Ok(())
}

/// Builds `checkpoint_reading_created` for a stored reading from the replica's raw
/// objects. `None` (with a warning) when the attendee or event is unknown – a webhook
/// without them would break receivers written against the reference.
fn reading_payload(conn: &Connection, reading: &ReadingId) -> crate::Result<Option<Value>> {
    type Row = (Option<String>, String, String, String, String);
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT a.raw, e.raw, c.raw, r.direction, r.reading_date
             FROM readings r
             JOIN checkpoints c ON c.id = r.checkpoint_id
             JOIN events e ON e.id = r.event_id
             LEFT JOIN attendees a ON a.id = r.attendee_id
             WHERE r.id = ?1",
        )?
        .query_row([reading.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .optional()?;
    let Some((Some(attendee), event, checkpoint, direction, date)) = row else {
        tracing::warn!(%reading, "no webhook: reading has no known attendee or event");
        return Ok(None);
    };
    let attendee: Attendee = serde_json::from_str(&attendee)?;
    let event: Event = serde_json::from_str(&event)?;
    let checkpoint: Checkpoint = serde_json::from_str(&checkpoint)?;
    let direction = Direction::parse(&direction).unwrap_or(checkpoint.direction);
    Ok(Some(payload::reading_created(
        &attendee,
        &event,
        &checkpoint,
        direction,
        &date,
        reading,
    )))
}

/// Queues a test ping for one subscription (even a disabled one: the point is to check
/// the endpoint). Not due for the dispatcher: `entrada_webhook::ping` sends it once, directly.
pub fn queue_ping(conn: &Connection, subscription_id: &str) -> Result<String> {
    subscription(conn, subscription_id)?;
    let sent_at = time::format(&time::now());
    insert_delivery(
        conn,
        subscription_id,
        PING,
        &payload::ping(subscription_id, &sent_at),
        i64::MAX,
    )
}

/// Re-queues any past delivery – delivered, failed or pending – to be sent now, with the
/// same `webhook_identifier` and the same body, and a fresh retry schedule.
pub fn resend(conn: &Connection, delivery_id: &str) -> Result<Delivery> {
    let n = conn.execute(
        "UPDATE webhook_deliveries
         SET state = 'pending', retry_from = attempts, next_attempt_ts = ?2
         WHERE id = ?1",
        params![delivery_id, now_us()],
    )?;
    if n == 0 {
        return Err(Error::NoSuchDelivery(delivery_id.to_owned()));
    }
    deliveries(
        conn,
        &DeliveryFilter {
            id: Some(delivery_id),
            ..Default::default()
        },
    )?
    .pop()
    .ok_or_else(|| Error::NoSuchDelivery(delivery_id.to_owned()))
}

/// Deliveries, newest first.
pub fn deliveries(conn: &Connection, f: &DeliveryFilter<'_>) -> Result<Vec<Delivery>> {
    let mut stmt = conn.prepare(
        "SELECT id, subscription_id, topic, state, attempts, created_at, next_attempt_ts,
                last_status, last_error, delivered_at
         FROM webhook_deliveries
         WHERE (?1 IS NULL OR subscription_id = ?1) AND (?2 IS NULL OR state = ?2)
           AND (?3 IS NULL OR id = ?3)
         ORDER BY seq DESC LIMIT ?4",
    )?;
    let rows = stmt
        .query_map(
            params![f.subscription, f.state, f.id, f.limit.map_or(-1, i64::from)],
            |r| {
                let state: String = r.get(3)?;
                let next: Option<i64> = r.get(6)?;
                Ok(Delivery {
                    id: r.get(0)?,
                    subscription_id: r.get(1)?,
                    topic: r.get(2)?,
                    next_attempt_at: next
                        .filter(|&t| state == "pending" && t != i64::MAX)
                        .and_then(format_us),
                    state,
                    attempts: r.get(4)?,
                    created_at: r.get(5)?,
                    last_status: r.get(7)?,
                    last_error: r.get(8)?,
                    delivered_at: r.get(9)?,
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The delivery log of one delivery, oldest attempt first.
pub fn attempts(conn: &Connection, delivery_id: &str) -> Result<Vec<Attempt>> {
    let mut stmt = conn.prepare_cached(
        "SELECT delivery_id, attempt, started_at, status, error, latency_us, response_head, outcome
         FROM webhook_attempts WHERE delivery_id = ?1 ORDER BY attempt, id",
    )?;
    let rows = stmt
        .query_map([delivery_id], |r| {
            Ok(Attempt {
                delivery_id: r.get(0)?,
                attempt: r.get(1)?,
                started_at: r.get(2)?,
                status: r.get(3)?,
                error: r.get(4)?,
                latency_ms: r.get::<_, i64>(5)? as f64 / 1000.0,
                response_head: r.get(6)?,
                outcome: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

pub fn now_us() -> i64 {
    time::now().timestamp_micros()
}

pub fn format_us(us: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_micros(us).map(|t| time::format(&t))
}
