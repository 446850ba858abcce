//! The dispatcher's side of the outbox: which endpoints have due work, claiming their
//! deliveries in order, and recording each attempt with what it does to the delivery and
//! its endpoint (retry, give up, auto-disable), in one transaction.
//!
//! The decisions that need no database (whether an answer counts as delivered, when to
//! retry) are `entrada-webhook`'s; this module stores their result.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::now_us;
use crate::{Error, Result, Store};
use entrada_domain::time;
use entrada_domain::webhook::PING;

/// An enabled subscription with deliveries due now; its secret still sealed.
#[derive(Debug, Clone)]
pub struct DueEndpoint {
    pub id: String,
    pub url: String,
    pub sealed_secret: Vec<u8>,
}

/// A pending delivery taken for sending.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: String,
    pub topic: String,
    pub body: String,
    pub attempts: u32,
    /// The attempt count the current retry schedule started from (a resend restarts it).
    pub retry_from: u32,
}

/// What came back from one POST, as the delivery log keeps it.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub started_at: String,
    pub status: Option<u16>,
    pub error: Option<String>,
    pub latency_us: i64,
    pub head: Option<String>,
}

/// Where a delivery goes after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    Delivered,
    /// Pending again, due at this many µs since the epoch.
    Retry(i64),
    Failed,
}

/// When a failing endpoint is switched off.
#[derive(Debug, Clone, Copy)]
pub struct DisablePolicy {
    /// After this many consecutive failed attempts…
    pub after_failures: u32,
    /// …spanning at least this many µs (and always when a delivery exhausts its schedule).
    pub after_us: i64,
}

/// A connection opened for webhook work, beside the scanning one (WAL lets both work).
pub struct DeliveryDb {
    conn: Connection,
}

impl DeliveryDb {
    /// Opens the replica at `db` (bringing its schema forward) with the store's pragmas.
    pub fn open(db: &Path) -> Result<Self> {
        drop(Store::open(db)?);
        let conn = Connection::open(db).map_err(|source| Error::Open {
            path: db.to_owned(),
            source,
        })?;
        crate::configure(&conn)?;
        Ok(Self { conn })
    }

    /// Writes with `synchronous = NORMAL`: losing the last "delivered" marks in a power cut
    /// only causes re-sends, which at-least-once allows, and the outbox rows themselves were
    /// committed with `FULL` by the scan.
    pub fn relax_sync(&self) -> Result<()> {
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        Ok(())
    }

    /// Enabled subscriptions with a pending delivery due at `now_us`.
    pub fn due_endpoints(&self, now_us: i64) -> Result<Vec<DueEndpoint>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.id, s.url, s.secret FROM webhook_subscriptions s
             WHERE s.enabled = 1 AND EXISTS (
               SELECT 1 FROM webhook_deliveries d
               WHERE d.subscription_id = s.id AND d.state = 'pending'
                 AND d.next_attempt_ts <= ?1)",
        )?;
        let rows = stmt
            .query_map([now_us], |r| {
                Ok(DueEndpoint {
                    id: r.get(0)?,
                    url: r.get(1)?,
                    sealed_secret: r.get(2)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }

    /// Up to `limit` due deliveries of one subscription, oldest first; none when the
    /// subscription was disabled or removed meanwhile.
    pub fn claim(&self, subscription: &str, limit: usize) -> Result<Vec<ClaimedDelivery>> {
        let enabled: Option<bool> = self
            .conn
            .prepare_cached("SELECT enabled FROM webhook_subscriptions WHERE id = ?1")?
            .query_row([subscription], |r| r.get(0))
            .optional()?;
        if enabled != Some(true) {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, topic, body, attempts, retry_from FROM webhook_deliveries
             WHERE subscription_id = ?1 AND state = 'pending' AND next_attempt_ts <= ?2
             ORDER BY seq LIMIT ?3",
        )?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = stmt
            .query_map(params![subscription, now_us(), limit], |r| {
                Ok(ClaimedDelivery {
                    id: r.get(0)?,
                    topic: r.get(1)?,
                    body: r.get(2)?,
                    attempts: r.get(3)?,
                    retry_from: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The target of a queued ping: URL, sealed secret and frozen body.
    pub fn ping_target(&self, delivery_id: &str) -> Result<(String, Vec<u8>, String)> {
        Ok(self.conn.query_row(
            "SELECT s.url, s.secret, d.body FROM webhook_deliveries d
             JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE d.id = ?1",
            [delivery_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?)
    }

    /// Queues a test ping (see [`super::queue_ping`]).
    pub fn queue_ping(&self, subscription_id: &str) -> Result<String> {
        super::queue_ping(&self.conn, subscription_id)
    }

    /// The delivery log of one delivery (see [`super::attempts`]).
    pub fn attempts(&self, delivery_id: &str) -> Result<Vec<super::Attempt>> {
        super::attempts(&self.conn, delivery_id)
    }

    /// Writes the attempt to the log and moves the delivery and its endpoint on, in one
    /// transaction. Returns why the endpoint was disabled, when this attempt disabled it.
    /// `counts_for_endpoint` is false for a ping sent by hand.
    pub fn record(
        &mut self,
        subscription: &str,
        d: &ClaimedDelivery,
        sent: &AttemptRecord,
        outcome: DeliveryOutcome,
        policy: DisablePolicy,
        counts_for_endpoint: bool,
    ) -> Result<Option<String>> {
        // IMMEDIATE: a deferred transaction that reads first cannot upgrade to a write
        // after another process (a scan) committed, and would fail with SQLITE_BUSY at once
        // instead of waiting – leaving a delivered webhook unmarked, to be sent again.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let disabled = record_in(
            &tx,
            subscription,
            d,
            sent,
            outcome,
            policy,
            counts_for_endpoint,
        )?;
        tx.commit()?;
        Ok(disabled)
    }
}

fn record_in(
    tx: &Connection,
    subscription: &str,
    d: &ClaimedDelivery,
    sent: &AttemptRecord,
    outcome: DeliveryOutcome,
    policy: DisablePolicy,
    counts_for_endpoint: bool,
) -> Result<Option<String>> {
    let now = now_us();
    let attempt = d.attempts.saturating_add(1);
    let exists = tx
        .prepare_cached("SELECT 1 FROM webhook_deliveries WHERE id = ?1")?
        .exists([&d.id])?;
    if !exists {
        // Removed with its subscription while in flight: nothing left to record.
        return Ok(None);
    }
    let (state, next, word) = match outcome {
        DeliveryOutcome::Delivered => ("delivered", None, "delivered"),
        DeliveryOutcome::Retry(t) => ("pending", Some(t), "retry"),
        DeliveryOutcome::Failed => ("failed", None, "failed"),
    };
    tx.prepare_cached(
        "INSERT INTO webhook_attempts(delivery_id, attempt, started_at, status, error, latency_us,
             response_head, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        d.id,
        attempt,
        sent.started_at,
        sent.status,
        sent.error,
        sent.latency_us,
        sent.head,
        word
    ])?;
    tx.prepare_cached(
        "UPDATE webhook_deliveries SET state = ?2, attempts = ?3, next_attempt_ts = ?4,
             last_status = ?5, last_error = ?6,
             delivered_at = CASE WHEN ?2 = 'delivered' THEN ?7 ELSE delivered_at END
         WHERE id = ?1",
    )?
    .execute(params![
        d.id,
        state,
        attempt,
        next,
        sent.status,
        sent.error,
        time::format(&time::now())
    ])?;
    if !counts_for_endpoint || d.topic == PING {
        return Ok(None);
    }
    if outcome == DeliveryOutcome::Delivered {
        tx.prepare_cached(
            "UPDATE webhook_subscriptions SET consecutive_failures = 0, failing_since_ts = NULL
             WHERE id = ?1 AND consecutive_failures > 0",
        )?
        .execute([subscription])?;
        return Ok(None);
    }
    tx.prepare_cached(
        "UPDATE webhook_subscriptions SET consecutive_failures = consecutive_failures + 1,
             failing_since_ts = coalesce(failing_since_ts, ?2)
         WHERE id = ?1",
    )?
    .execute(params![subscription, now])?;
    let streak: Option<(u32, Option<i64>)> = tx
        .prepare_cached(
            "SELECT consecutive_failures, failing_since_ts FROM webhook_subscriptions WHERE id = ?1",
        )?
        .query_row([subscription], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((fails, since)) = streak else {
        return Ok(None);
    };
    let span_us = now.saturating_sub(since.unwrap_or(now));
    let reason = if outcome == DeliveryOutcome::Failed {
        Some(format!("delivery {} failed after {attempt} attempts", d.id))
    } else if fails >= policy.after_failures && span_us >= policy.after_us {
        Some(format!(
            "{fails} consecutive failures over {} s",
            span_us / 1_000_000
        ))
    } else {
        None
    };
    if let Some(reason) = &reason {
        tx.prepare_cached(
            "UPDATE webhook_subscriptions SET enabled = 0, disabled_reason = ?2 WHERE id = ?1",
        )?
        .execute(params![subscription, reason])?;
    }
    Ok(reason)
}
