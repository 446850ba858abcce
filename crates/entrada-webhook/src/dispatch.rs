//! The dispatcher: takes due deliveries from the outbox and POSTs them, signed.
//!
//! * **At least once.** A delivery is marked only after its response; a crash between
//!   the two re-sends it (same `webhook_identifier`, receivers de-duplicate). At most one
//!   request per endpoint is in flight, so a crash duplicates at most one per endpoint.
//! * **Concurrent across endpoints, ordered within one.** Each endpoint with due work gets
//!   its own task; within it deliveries go oldest first, and a failure pauses the endpoint
//!   until the failed delivery's next attempt, so a dead receiver costs one request per
//!   backoff step, not one per queued event.
//! * **One dispatcher per replica.** An exclusive lock on `<db>.webhooks.lock` (released by
//!   the kernel if the process dies) keeps the CLI's `run --watch`, the desktop's sync loop
//!   and the hub from sending the same delivery twice at once.
//! * **No redirects, a timeout per attempt.** A 3xx is a failure: following it would send
//!   signed personal data to a URL nobody subscribed.
//!
//! The dispatcher's connection writes with `synchronous = NORMAL`
//! ([`DeliveryDb::relax_sync`]); the statements are `entrada_store::webhooks`'s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use entrada_domain::time;
use entrada_domain::webhook::PING;
use entrada_secret::SecretBox;
use entrada_store::webhooks::{
    Attempt, AttemptRecord, ClaimedDelivery, DeliveryDb, DeliveryOutcome, DisablePolicy, now_us,
};
use rand::Rng;
use serde::Serialize;

use crate::schedule::RetrySchedule;
use crate::signature::{self, EVENTWO_HEADER, ID_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::{Error, Result};

/// Knobs of the dispatcher. `Default` is production; tests shorten the schedule.
#[derive(Debug, Clone)]
pub struct DispatchConfig {
    /// Whole-request limit per attempt (connect, send, response head and first bytes).
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub schedule: RetrySchedule,
    /// Auto-disable an endpoint after this many consecutive failed attempts…
    pub disable_after_failures: u32,
    /// …spanning at least this long (and always when a delivery exhausts its schedule).
    pub disable_after: Duration,
    /// How much of a response body the delivery log keeps.
    pub response_head_bytes: usize,
    /// How often `watch` looks for new work.
    pub poll: Duration,
    /// Deliveries claimed per endpoint per database read.
    pub batch: usize,
}

impl DispatchConfig {
    fn disable_policy(&self) -> DisablePolicy {
        DisablePolicy {
            after_failures: self.disable_after_failures,
            after_us: i64::try_from(self.disable_after.as_micros()).unwrap_or(i64::MAX),
        }
    }
}

impl Default for DispatchConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            schedule: RetrySchedule::default(),
            disable_after_failures: 10,
            disable_after: Duration::from_secs(24 * 3600),
            response_head_bytes: 512,
            poll: Duration::from_millis(50),
            batch: 64,
        }
    }
}

/// What one call delivered.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PassReport {
    pub attempted: u64,
    pub delivered: u64,
    pub retrying: u64,
    pub failed: u64,
    /// Subscriptions auto-disabled by this call.
    pub disabled: Vec<String>,
    /// Endpoints skipped because their secret could not be opened (wrong key).
    pub errors: Vec<String>,
}

impl PassReport {
    fn merge(&mut self, o: PassReport) {
        self.attempted += o.attempted;
        self.delivered += o.delivered;
        self.retrying += o.retrying;
        self.failed += o.failed;
        self.disabled.extend(o.disabled);
        self.errors.extend(o.errors);
    }
}

/// Delivers webhooks from one replica. Cheap to clone; clones share the lock.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    db: Mutex<DeliveryDb>,
    sender: Sender,
    secrets: SecretBox,
    /// Endpoint -> µs before which it is not tried again (after a failure).
    paused: Mutex<HashMap<String, i64>>,
    _lock: std::fs::File,
}

struct Endpoint {
    id: String,
    url: String,
    secret: String,
}

/// What came back from one POST.
type Sent = AttemptRecord;

fn delivered(sent: &Sent) -> bool {
    sent.error.is_none() && sent.status.is_some_and(|s| (200..300).contains(&s))
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves SQLite consistent (the transaction rolls
    // back on drop), so the poisoned guard is safe to reuse.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Dispatcher {
    /// Opens the replica at `db` for delivery, taking the per-replica dispatcher lock.
    /// Fails with [`Error::Busy`] when another process is already delivering for it.
    pub fn open(db: &Path, secrets: SecretBox, config: DispatchConfig) -> Result<Self> {
        let lock_path = lock_path(db);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(entrada_store::Error::from)?;
        match fs4::FileExt::try_lock(&file) {
            Ok(()) => {}
            Err(fs4::TryLockError::WouldBlock) => {
                return Err(Error::Busy(lock_path.display().to_string()));
            }
            Err(fs4::TryLockError::Error(e)) => return Err(entrada_store::Error::from(e).into()),
        }
        let conn = DeliveryDb::open(db)?;
        conn.relax_sync()?;
        Ok(Self {
            inner: Arc::new(Inner {
                db: Mutex::new(conn),
                sender: Sender::new(config)?,
                secrets,
                paused: Mutex::new(HashMap::new()),
                _lock: file,
            }),
        })
    }

    /// Delivers everything that is due now and returns: endpoints that fail are left
    /// for their next scheduled attempt. What the CLI's `webhooks run` and each cycle of
    /// the sync loop call.
    pub async fn deliver_due(&self) -> Result<PassReport> {
        let mut total = PassReport::default();
        loop {
            let pass = self.pass().await?;
            let idle = pass.attempted == 0;
            total.merge(pass);
            if idle {
                return Ok(total);
            }
        }
    }

    /// Delivers continuously until `stop` completes, polling the outbox every
    /// `config.poll`. Database errors are logged and retried, so a busy replica does not
    /// stop deliveries.
    pub async fn watch(&self, stop: impl std::future::Future<Output = ()>) -> PassReport {
        tokio::pin!(stop);
        let mut total = PassReport::default();
        loop {
            match self.deliver_due().await {
                Ok(r) => total.merge(r),
                Err(e) => tracing::error!(error = %e, "webhook delivery pass failed"),
            }
            tokio::select! {
                _ = &mut stop => return total,
                _ = tokio::time::sleep(self.inner.sender.config.poll) => {}
            }
        }
    }

    /// One round: every endpoint with due work, concurrently.
    async fn pass(&self) -> Result<PassReport> {
        let now = now_us();
        let endpoints = lock(&self.inner.db).due_endpoints(now)?;
        let mut report = PassReport::default();
        let mut tasks = tokio::task::JoinSet::new();
        {
            let mut paused = lock(&self.inner.paused);
            paused.retain(|_, until| *until > now);
            for due in endpoints {
                let id = due.id;
                if paused.contains_key(&id) {
                    continue;
                }
                let url = due.url;
                let secret = match self.inner.secrets.open(&due.sealed_secret) {
                    Ok(s) => s,
                    Err(e) => {
                        // Wrong or lost key: nothing to sign with. Retry in a minute rather
                        // than on every poll, so the log is not flooded.
                        tracing::error!(subscription = %id, error = %e, "cannot open webhook secret");
                        report.errors.push(format!("{id}: {e}"));
                        paused.insert(id, now + 60_000_000);
                        continue;
                    }
                };
                let inner = self.inner.clone();
                tasks.spawn(async move { inner.endpoint(Endpoint { id, url, secret }).await });
            }
        }
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(Ok(r)) => report.merge(r),
                Ok(Err(e)) => return Err(e),
                Err(e) => report.errors.push(format!("delivery task failed: {e}")),
            }
        }
        Ok(report)
    }
}

impl Inner {
    /// Sends one endpoint's due deliveries in order until none is due or one fails.
    async fn endpoint(&self, ep: Endpoint) -> Result<PassReport> {
        let mut report = PassReport::default();
        loop {
            let batch = self.claim(&ep.id)?;
            if batch.is_empty() {
                return Ok(report);
            }
            for d in batch {
                let sent = self.sender.send(&ep.url, &ep.secret, &d.id, &d.body).await;
                report.attempted += 1;
                let (outcome, disabled) = self.record(&ep.id, &d, &sent)?;
                if let Some(reason) = disabled {
                    tracing::warn!(subscription = %ep.id, %reason, "webhook endpoint disabled");
                    report.disabled.push(ep.id.clone());
                }
                match outcome {
                    DeliveryOutcome::Delivered => report.delivered += 1,
                    DeliveryOutcome::Retry(next) => {
                        report.retrying += 1;
                        lock(&self.paused).insert(ep.id.clone(), next);
                        return Ok(report);
                    }
                    DeliveryOutcome::Failed => {
                        report.failed += 1;
                        lock(&self.paused).insert(ep.id.clone(), now_us() + 1_000_000);
                        return Ok(report);
                    }
                }
            }
        }
    }

    fn claim(&self, subscription: &str) -> Result<Vec<ClaimedDelivery>> {
        Ok(lock(&self.db).claim(subscription, self.sender.config.batch)?)
    }

    /// Writes the attempt to the log and moves the delivery and its endpoint on, in one
    /// transaction. Returns the outcome and, when this attempt disabled the endpoint, why.
    fn record(
        &self,
        subscription: &str,
        d: &ClaimedDelivery,
        sent: &Sent,
    ) -> Result<(DeliveryOutcome, Option<String>)> {
        let cfg = &self.sender.config;
        let outcome = decide(cfg, d, sent);
        let disabled =
            lock(&self.db).record(subscription, d, sent, outcome, cfg.disable_policy(), true)?;
        Ok((outcome, disabled))
    }
}

/// Where an attempt leaves its delivery: delivered on a 2xx, else the next retry of the
/// schedule (with jitter), else failed. A ping is never retried.
fn decide(cfg: &DispatchConfig, d: &ClaimedDelivery, sent: &Sent) -> DeliveryOutcome {
    let attempt = d.attempts.saturating_add(1);
    if delivered(sent) {
        DeliveryOutcome::Delivered
    } else if d.topic == PING {
        DeliveryOutcome::Failed
    } else {
        let unit: f64 = rand::rng().random();
        match cfg
            .schedule
            .delay_after(attempt.saturating_sub(d.retry_from), unit)
        {
            Some(delay) => DeliveryOutcome::Retry(
                now_us().saturating_add(i64::try_from(delay.as_micros()).unwrap_or(i64::MAX)),
            ),
            None => DeliveryOutcome::Failed,
        }
    }
}

/// Sends a test ping to one subscription now, once (no retries), and returns its log
/// line. Works on a disabled subscription and without the dispatcher lock, so it can be
/// used while `run --watch` is delivering.
pub async fn ping(
    db: &Path,
    secrets: &SecretBox,
    config: DispatchConfig,
    subscription: &str,
) -> Result<Attempt> {
    let mut conn = DeliveryDb::open(db)?;
    let id = conn.queue_ping(subscription)?;
    let (url, sealed, body) = conn.ping_target(&id)?;
    let secret = secrets.open(&sealed)?;
    let sender = Sender::new(config)?;
    let sent = sender.send(&url, &secret, &id, &body).await;
    let claimed = ClaimedDelivery {
        id: id.clone(),
        topic: PING.to_owned(),
        body,
        attempts: 0,
        retry_from: 0,
    };
    let outcome = decide(&sender.config, &claimed, &sent);
    let policy = sender.config.disable_policy();
    conn.record(subscription, &claimed, &sent, outcome, policy, false)?;
    conn.attempts(&id)?
        .pop()
        .ok_or_else(|| entrada_store::Error::NoSuchDelivery(id).into())
}

fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".webhooks.lock");
    PathBuf::from(name)
}

/// The HTTP side: one keep-alive client shared by all endpoints.
struct Sender {
    client: reqwest::Client,
    config: DispatchConfig,
}

impl Sender {
    fn new(config: DispatchConfig) -> Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .user_agent(concat!("Entrada-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Http(e.to_string()))?;
        Ok(Self { client, config })
    }

    /// One signed POST. Never fails: every problem becomes the attempt's `error`.
    async fn send(&self, url: &str, secret: &str, id: &str, body: &str) -> Sent {
        let started_at = time::format(&time::now());
        let ts = time::now().timestamp();
        let start = Instant::now();
        let standard = signature::standard_signature(secret, id, ts, body.as_bytes());
        let mut req = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header(
                EVENTWO_HEADER,
                signature::eventwo_signature(secret, body.as_bytes()),
            )
            .header(ID_HEADER, id)
            .header(TIMESTAMP_HEADER, ts.to_string());
        if let Ok(sig) = standard {
            req = req.header(SIGNATURE_HEADER, sig);
        }
        let result = req.body(body.to_owned()).send().await;
        let (status, error, head) = match result {
            Err(e) => (
                e.status().map(|s| s.as_u16()),
                Some(describe(&e, self.config.timeout)),
                None,
            ),
            Ok(mut resp) => {
                let status = resp.status();
                let location = resp
                    .headers()
                    .get("location")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                let mut head = Vec::new();
                let mut read_error = None;
                while head.len() < self.config.response_head_bytes {
                    match resp.chunk().await {
                        Ok(Some(chunk)) => head.extend_from_slice(&chunk),
                        Ok(None) => break,
                        Err(e) => {
                            read_error = Some(describe(&e, self.config.timeout));
                            break;
                        }
                    }
                }
                head.truncate(self.config.response_head_bytes);
                let error = if status.is_redirection() {
                    Some(format!(
                        "redirect not followed (Location: {})",
                        location.as_deref().unwrap_or("-")
                    ))
                } else if status.is_success() {
                    // The status is the receiver's answer; a body cut short does not undo it.
                    None
                } else {
                    read_error.or_else(|| Some(format!("HTTP {}", status.as_u16())))
                };
                let head = (!head.is_empty()).then(|| String::from_utf8_lossy(&head).into_owned());
                (Some(status.as_u16()), error, head)
            }
        };
        Sent {
            started_at,
            status,
            error,
            latency_us: i64::try_from(start.elapsed().as_micros()).unwrap_or(i64::MAX),
            head,
        }
    }
}

fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        format!("timeout after {} ms", timeout.as_millis())
    } else if e.is_connect() {
        let mut msg = String::from("connect failed");
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            msg = format!("connect failed: {s}");
            source = s.source();
        }
        msg
    } else {
        e.without_url_ref().to_string()
    }
}

trait WithoutUrlRef {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrlRef for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut msg = self.to_string();
        if let Some(url) = self.url() {
            msg = msg.replace(&format!(" ({url})"), "");
        }
        msg
    }
}
