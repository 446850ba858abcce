-- Webhooks: subscriptions, the durable outbox of deliveries, and the attempt log.
-- The secret is sealed with crate::secret::SecretBox; the replica never holds it in clear.
CREATE TABLE webhook_subscriptions (
    id                   TEXT PRIMARY KEY,
    url                  TEXT NOT NULL,
    topics               TEXT NOT NULL,            -- JSON array of webhook_names
    enabled              INTEGER NOT NULL DEFAULT 1,
    secret               BLOB NOT NULL,
    created_at           TEXT NOT NULL,
    disabled_reason      TEXT,                     -- NULL, 'manual' or why it was auto-disabled
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failing_since_ts     INTEGER                   -- µs; first failure of the current streak
);

-- One row per (event, subscription): id is both webhook_identifier and webhook-id, and
-- body is the exact byte string signed and sent on every attempt.
CREATE TABLE webhook_deliveries (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    id              TEXT NOT NULL UNIQUE,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions(id) ON DELETE CASCADE,
    topic           TEXT NOT NULL,
    body            TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    created_ts      INTEGER NOT NULL,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    retry_from      INTEGER NOT NULL DEFAULT 0,   -- attempts already made when (re)queued
    next_attempt_ts INTEGER,                      -- µs; due time while pending
    last_status     INTEGER,
    last_error      TEXT,
    delivered_at    TEXT
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(subscription_id, next_attempt_ts)
    WHERE state = 'pending';

-- The delivery log: every attempt, kept.
CREATE TABLE webhook_attempts (
    id              INTEGER PRIMARY KEY,
    delivery_id     TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt         INTEGER NOT NULL,
    started_at      TEXT NOT NULL,
    status          INTEGER,                      -- HTTP status, NULL when none came back
    error           TEXT,                         -- connect error, timeout, redirect refused...
    latency_us      INTEGER NOT NULL,
    response_head   TEXT,                         -- first bytes of the response body
    outcome         TEXT NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed'))
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id, attempt);
