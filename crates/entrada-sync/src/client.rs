//! The HTTP client of one upstream: OAuth2 client-credentials tokens, the plain Access API
//! calls a device needs, and the hub's extensions (`docs/sync-protocol.md`).
//!
//! Every request has a timeout; every answer is checked for status and parsed without
//! trusting it (a bad body is a [`SyncError::Protocol`], never a panic). Each request's
//! outcome and latency are reported to the [`Health`] tracker, which is what switches the
//! engine online and offline.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::SyncError;
use crate::health::Health;
use entrada_domain::wire::{
    AccessAnswer, Capabilities, ChangesPage, ReadingsPage, TokenAnswer, UploadAnswer, UploadRequest,
};
use entrada_domain::{Attendance, Checkpoint, CheckpointId, Event, EventId, Tag};

/// Refresh a token this long before the upstream says it expires (at most half its
/// lifetime), so a request never leaves with a token that dies on the way. The lifetime
/// is counted from when the token was *asked for*: the upstream's clock started no later.
const TOKEN_MARGIN: Duration = Duration::from_secs(60);

/// Bodies kept on a refused reading are cut to this many bytes.
const MAX_KEPT_BODY: usize = 4_096;

#[derive(Clone)]
struct Token {
    value: String,
    refresh_at: Instant,
}

/// Timeouts of one upstream connection.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    pub connect: Duration,
    /// Whole request, body included (a 5,000-entry feed page is a few megabytes).
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(5),
            request: Duration::from_secs(30),
        }
    }
}

/// A connection to one upstream with its credentials. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    client_id: String,
    client_secret: String,
    token: Arc<Mutex<Option<Token>>>,
    /// Held while logging in, so requests that find the token stale together share one
    /// new token instead of each asking for its own.
    login: Arc<tokio::sync::Mutex<()>>,
    health: Health,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn new(
        base: &str,
        client_id: &str,
        client_secret: &str,
        timeouts: Timeouts,
        health: Health,
    ) -> Result<Self, SyncError> {
        let mut base = Url::parse(base.trim())
            .map_err(|e| SyncError::Config(format!("upstream URL {base:?}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(SyncError::Config(format!(
                "upstream URL {base} must be http(s)"
            )));
        }
        // Keep any path prefix (`https://host/api/`) and make joins append to it.
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.request)
            .user_agent(concat!("entrada/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyncError::Config(format!("http client: {e}")))?;
        Ok(Self {
            http,
            base,
            client_id: client_id.to_owned(),
            client_secret: client_secret.to_owned(),
            token: Arc::new(Mutex::new(None)),
            login: Arc::new(tokio::sync::Mutex::new(())),
            health,
        })
    }

    pub fn base(&self) -> &str {
        self.base.as_str()
    }

    fn url(&self, segments: &[&str]) -> Result<Url, SyncError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| SyncError::Config("upstream URL cannot take a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// Sends one request, timing it and reporting transport failures to the health
    /// tracker. HTTP error statuses are returned, not turned into errors, so callers can
    /// tell a refusal from an outage.
    async fn send(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<(StatusCode, bytes_body::Body), SyncError> {
        let started = Instant::now();
        let result = async {
            let resp = req.send().await?;
            let status = resp.status();
            let body = resp.bytes().await?;
            Ok::<_, reqwest::Error>((status, body))
        }
        .await;
        match result {
            Ok((status, body)) => {
                if status.is_server_error() {
                    self.health.failure();
                } else {
                    self.health.success(started.elapsed());
                }
                Ok((status, bytes_body::Body(body.to_vec())))
            }
            Err(e) => {
                self.health.failure();
                Err(SyncError::Unreachable(describe(&e)))
            }
        }
    }

    /// A valid bearer token, fetching a new one when none is held or it is about to expire.
    pub async fn token(&self) -> Result<String, SyncError> {
        if let Some(t) = self.fresh_token() {
            return Ok(t);
        }
        let _login = self.login.lock().await;
        if let Some(t) = self.fresh_token() {
            return Ok(t);
        }
        let asked = Instant::now();
        let url = self.url(&["oauth", "v2", "token"])?;
        let form = [
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.as_str()),
            ("grant_type", "client_credentials"),
            ("scope", "event_admin"),
        ];
        let (status, body) = self.send(self.http.post(url).form(&form)).await?;
        if status == StatusCode::BAD_REQUEST || status == StatusCode::UNAUTHORIZED {
            #[derive(Deserialize)]
            struct OAuthError {
                error: Option<String>,
                error_description: Option<String>,
            }
            let why = serde_json::from_slice::<OAuthError>(&body.0)
                .ok()
                .and_then(|e| e.error_description.or(e.error))
                .unwrap_or_else(|| format!("HTTP {status}"));
            return Err(SyncError::Auth(why));
        }
        let answer: TokenAnswer = parse_ok(status, &body, "token")?;
        let lifetime = Duration::from_secs(answer.expires_in.unwrap_or(3600));
        let refresh_at = asked + lifetime.saturating_sub(TOKEN_MARGIN.min(lifetime / 2));
        tracing::debug!(?lifetime, "new upstream token");
        if let Ok(mut slot) = self.token.lock() {
            *slot = Some(Token {
                value: answer.access_token.clone(),
                refresh_at,
            });
        }
        Ok(answer.access_token)
    }

    /// The held token while it is not due for refresh.
    fn fresh_token(&self) -> Option<String> {
        let slot = self.token.lock().ok()?;
        slot.as_ref()
            .filter(|t| Instant::now() < t.refresh_at)
            .map(|t| t.value.clone())
    }

    /// Drops `refused` if it is still the held token (a concurrent request may already
    /// have replaced it with a good one).
    fn forget_token(&self, refused: &str) {
        if let Ok(mut slot) = self.token.lock()
            && slot.as_ref().is_some_and(|t| t.value == refused)
        {
            *slot = None;
        }
    }

    /// An authenticated request; on 401 the token is dropped and the request sent once
    /// more with a fresh one (the upstream revoked it, or restarted and forgot it). A
    /// second 401 is returned as it is: the caller fails this cycle, and the next cycle
    /// (after the loop's backoff) logs in again – never a tight login loop.
    async fn authed(
        &self,
        method: Method,
        url: Url,
        body: Option<Body>,
    ) -> Result<(StatusCode, bytes_body::Body), SyncError> {
        for attempt in 0..2 {
            let token = self.token().await?;
            let mut req = self
                .http
                .request(method.clone(), url.clone())
                .bearer_auth(&token);
            req = match &body {
                Some(Body::Json(bytes)) => req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(bytes.clone()),
                Some(Body::Form(pairs)) => req.form(pairs),
                None => req,
            };
            let (status, resp) = self.send(req).await?;
            if status == StatusCode::UNAUTHORIZED && attempt == 0 {
                tracing::info!("upstream refused the token before its expiry; logging in again");
                self.forget_token(&token);
                continue;
            }
            return Ok((status, resp));
        }
        Err(SyncError::Auth("token refused twice".into()))
    }

    async fn get<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
        what: &str,
    ) -> Result<T, SyncError> {
        let mut url = self.url(segments)?;
        if !query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        let (status, body) = self.authed(Method::GET, url, None).await?;
        parse_ok(status, &body, what)
    }

    /// `GET /capabilities`; a plain Access API answers 404 (→ no extensions).
    pub async fn capabilities(&self) -> Result<Capabilities, SyncError> {
        let url = self.url(&["capabilities"])?;
        let (status, body) = self.authed(Method::GET, url, None).await?;
        if status == StatusCode::NOT_FOUND {
            return Ok(Capabilities::default());
        }
        parse_ok(status, &body, "capabilities")
    }

    /// `GET /event`: the events with active hosting.
    pub async fn events(&self) -> Result<Vec<Event>, SyncError> {
        self.get(&["event"], &[], "event list").await
    }

    /// `GET /event/<id>/checkpoints`.
    pub async fn checkpoints(&self, event: &EventId) -> Result<Vec<Checkpoint>, SyncError> {
        self.get(
            &["event", event.as_str(), "checkpoints"],
            &[],
            "checkpoints",
        )
        .await
    }

    /// `GET /event/<id>/attendance`: the active attendees of the event.
    pub async fn attendance(&self, event: &EventId) -> Result<Vec<Attendance>, SyncError> {
        self.get(&["event", event.as_str(), "attendance"], &[], "attendance")
            .await
    }

    /// `GET /tag`.
    pub async fn tags(&self) -> Result<Vec<Tag>, SyncError> {
        self.get(&["tag"], &[], "tags").await
    }

    /// `GET /event/<id>/changes` (hub extension).
    pub async fn changes(
        &self,
        event: &EventId,
        since: &str,
        limit: u32,
    ) -> Result<ChangesPage, SyncError> {
        self.get(
            &["event", event.as_str(), "changes"],
            &[("since", since.to_owned()), ("limit", limit.to_string())],
            "change feed",
        )
        .await
    }

    /// `GET /event/<id>/readings` (hub extension): readings made at every door.
    pub async fn readings_feed(
        &self,
        event: &EventId,
        since: &str,
        limit: u32,
    ) -> Result<ReadingsPage, SyncError> {
        self.get(
            &["event", event.as_str(), "readings"],
            &[("since", since.to_owned()), ("limit", limit.to_string())],
            "readings feed",
        )
        .await
    }

    /// `POST /event/<id>/readings` (hub extension): an idempotent batch upload.
    pub async fn upload(
        &self,
        event: &str,
        request: &UploadRequest,
    ) -> Result<UploadAnswer, SyncError> {
        let url = self.url(&["event", event, "readings"])?;
        let body = serde_json::to_vec(request)
            .map_err(|e| SyncError::Protocol(format!("cannot encode upload: {e}")))?;
        let (status, resp) = self
            .authed(Method::POST, url, Some(Body::Json(body)))
            .await?;
        parse_ok(status, &resp, "upload answer")
    }

    /// `POST /checkpoint/<id>/accesses` (plain Access API): one reading. Returns the
    /// status and body for 2xx and 4xx answers (a refusal is an answer, not an error);
    /// 5xx, 401 after a fresh token, 408 and 429 are errors, to be retried later.
    pub async fn create_access(
        &self,
        checkpoint: &CheckpointId,
        attendee: &str,
    ) -> Result<AccessAnswer, SyncError> {
        let url = self.url(&["checkpoint", checkpoint.as_str(), "accesses"])?;
        let form = vec![("attendee_id".to_owned(), attendee.to_owned())];
        let (status, body) = self
            .authed(Method::POST, url, Some(Body::Form(form)))
            .await?;
        if status.is_server_error()
            || matches!(
                status,
                StatusCode::UNAUTHORIZED
                    | StatusCode::FORBIDDEN
                    | StatusCode::REQUEST_TIMEOUT
                    | StatusCode::TOO_MANY_REQUESTS
            )
        {
            return Err(SyncError::Http {
                status: status.as_u16(),
                body: body.kept(),
            });
        }
        Ok(AccessAnswer {
            status: status.as_u16(),
            body: body.kept(),
        })
    }
}

enum Body {
    Json(Vec<u8>),
    Form(Vec<(String, String)>),
}

mod bytes_body {
    /// A response body, kept as bytes until parsed.
    pub struct Body(pub Vec<u8>);

    impl Body {
        /// The body as text for storing on a refused reading, cut to a sane size.
        pub fn kept(&self) -> String {
            let text = String::from_utf8_lossy(&self.0);
            let mut end = text.len().min(super::MAX_KEPT_BODY);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text[..end].to_owned()
        }
    }
}

/// Parses a 2xx JSON answer; anything else is an error carrying status and body.
fn parse_ok<T: DeserializeOwned>(
    status: StatusCode,
    body: &bytes_body::Body,
    what: &str,
) -> Result<T, SyncError> {
    if !status.is_success() {
        return Err(SyncError::Http {
            status: status.as_u16(),
            body: body.kept(),
        });
    }
    serde_json::from_slice(&body.0)
        .map_err(|e| SyncError::Protocol(format!("bad {what} from upstream: {e}")))
}

/// One line for the status bar: what failed, without reqwest's nested chain.
fn describe(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "connection lost while reading the answer"
    } else {
        "request failed"
    };
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut root = None;
    while let Some(s) = source {
        root = Some(s.to_string());
        source = s.source();
    }
    match root {
        Some(root) => format!("{kind}: {root}"),
        None => format!("{kind}: {e}"),
    }
}
