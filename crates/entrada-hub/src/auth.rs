//! OAuth2 client credentials: issuing bearer tokens and checking them on every request.
//!
//! Two scopes, as the Access API's Authentication section says: `event_admin` (everything)
//! and the `basic` scope granted when none is asked for, which the hub makes read-only.
//! Tokens are random, stored by their SHA-256 and expire (`expires_in`).

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::body::Fields;
use crate::error::ApiError;
use crate::state::Shared;
use crate::state::db;
use crate::storage::TokenRecord;
use entrada_domain::wire::TokenAnswer;

pub const ADMIN_SCOPE: &str = "event_admin";
pub const BASIC_SCOPE: &str = "basic";

pub fn sha256_hex(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn now() -> i64 {
    entrada_domain::time::now().timestamp()
}

/// `POST /oauth/v2/token`.
pub async fn token(State(state): State<Shared>, fields: Fields) -> Result<Response, ApiError> {
    let bad = |e, d| ApiError::OAuth(StatusCode::BAD_REQUEST, e, d);
    match fields.non_blank("grant_type") {
        None => {
            return Err(bad(
                "invalid_request",
                "Invalid grant_type parameter or parameter missing",
            ));
        }
        Some("client_credentials") => {}
        Some(_) => {
            return Err(bad(
                "unsupported_grant_type",
                "The grant type is not supported by this server",
            ));
        }
    }
    let invalid_client = || bad("invalid_client", "The client credentials are invalid");
    let (Some(id), Some(secret)) = (fields.get("client_id"), fields.get("client_secret")) else {
        return Err(invalid_client());
    };
    let scope = match fields.non_blank("scope") {
        None => BASIC_SCOPE.to_owned(),
        Some(s) => {
            let words: Vec<&str> = s.split_whitespace().collect();
            if words.iter().any(|w| *w != ADMIN_SCOPE && *w != BASIC_SCOPE) {
                return Err(bad("invalid_scope", "An unsupported scope was requested."));
            }
            if words.contains(&ADMIN_SCOPE) {
                ADMIN_SCOPE.to_owned()
            } else {
                BASIC_SCOPE.to_owned()
            }
        }
    };
    let id_owned = id.to_owned();
    let stored = db(&state, move |s| s.client_secret_hash(&id_owned)).await?;
    let given = sha256_hex(secret);
    let ok = stored.is_some_and(|h| bool::from(h.as_bytes().ct_eq(given.as_bytes())));
    if !ok {
        return Err(invalid_client());
    }
    let token = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let ttl = state.token_ttl.as_secs().max(1) as i64;
    let record = TokenRecord {
        hash: sha256_hex(&token),
        client_id: id.to_owned(),
        scope: scope.clone(),
        expires_at: now() + ttl,
    };
    let rec = record.clone();
    db(&state, move |s| s.store_token(&rec)).await?;
    if let Ok(mut cache) = state.tokens.lock() {
        if cache.len() > 10_000 {
            let t = now();
            cache.retain(|_, (_, exp)| *exp > t);
        }
        cache.insert(record.hash, (scope.clone(), record.expires_at));
    }
    Ok(axum::Json(TokenAnswer {
        access_token: token,
        expires_in: Some(ttl.unsigned_abs()),
        scope: Some(scope),
        token_type: Some("bearer".to_owned()),
    })
    .into_response())
}

/// Middleware on every protected route: a valid bearer token (401 otherwise) whose scope
/// allows the method (403 otherwise: `basic` may only read).
pub async fn require_token(
    State(state): State<Shared>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return Err(ApiError::Unauthorized(
            "Authentication required: send Authorization: Bearer <token>",
        ));
    };
    let hash = sha256_hex(token);
    let cached = state.tokens.lock().ok().and_then(|c| c.get(&hash).cloned());
    let found = match cached {
        Some(found) => Some(found),
        None => {
            let h = hash.clone();
            let rec = db(&state, move |s| s.token(&h)).await?;
            rec.map(|r| (r.scope, r.expires_at))
        }
    };
    let Some((scope, expires_at)) = found else {
        return Err(ApiError::Unauthorized(
            "The access token provided is invalid.",
        ));
    };
    if expires_at <= now() {
        return Err(ApiError::Unauthorized(
            "The access token provided has expired.",
        ));
    }
    if let Ok(mut cache) = state.tokens.lock() {
        cache.insert(hash, (scope.clone(), expires_at));
    }
    let reading = matches!(*req.method(), Method::GET | Method::HEAD);
    if !reading && scope != ADMIN_SCOPE {
        return Err(ApiError::message(
            StatusCode::FORBIDDEN,
            "The access token's scope does not allow this action: it needs event_admin",
        ));
    }
    Ok(next.run(req).await)
}
