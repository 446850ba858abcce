//! Webhook subscription management, an extension (the upstream does this in its admin
//! interface): URL, event types, enabled flag, and a secret generated at creation and shown
//! only in that answer. Subscriptions, the durable outbox, signing
//! (`x-eventwo-access-signature`) and delivery are `entrada_webhook`'s; the hub runs
//! its dispatcher in the background.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use entrada_webhook::{Delivery, Subscription, Topic};
use serde::Deserialize;
use serde_json::json;

use super::db;
use crate::body;
use crate::error::ApiError;
use crate::state::Shared;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSubscription {
    url: String,
    event_types: Vec<String>,
    #[serde(default = "yes")]
    enabled: bool,
}

fn yes() -> bool {
    true
}

pub async fn create(State(state): State<Shared>, bytes: Bytes) -> Result<Response, ApiError> {
    let b: NewSubscription = body::json(&bytes)?;
    if b.event_types.is_empty() {
        return Err(ApiError::field("event_types", "missing_field", None));
    }
    let mut topics = Vec::new();
    for t in &b.event_types {
        match Topic::parse(t) {
            Ok(topic) => topics.push(topic),
            Err(e) => {
                return Err(ApiError::field(
                    "event_types",
                    "invalid",
                    Some(&e.to_string()),
                ));
            }
        }
    }
    if let Err(e) = entrada_store::webhooks::validate_url(&b.url) {
        return Err(ApiError::field("url", "invalid", Some(&e.to_string())));
    }
    let url = b.url.clone();
    let created = db(&state, move |s| s.create_webhook(&url, topics)).await?;
    if !b.enabled {
        let id = created.id.clone();
        db(&state, move |s| s.set_webhook_enabled(&id, false)).await?;
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "id": created.id,
            "url": created.url,
            "event_types": created.topics,
            "enabled": b.enabled,
            "secret": created.secret,
        })),
    )
        .into_response())
}

fn shown(s: &Subscription) -> serde_json::Value {
    json!({
        "id": s.id,
        "url": s.url,
        "event_types": s.topics,
        "enabled": s.enabled,
        "created_at": s.created_at,
        "disabled_reason": s.disabled_reason,
        "consecutive_failures": s.consecutive_failures,
    })
}

pub async fn list(State(state): State<Shared>) -> Result<Json<Vec<serde_json::Value>>, ApiError> {
    Ok(Json(
        db(&state, |s| s.webhooks())
            .await?
            .iter()
            .map(shown)
            .collect(),
    ))
}

pub async fn get(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    db(&state, move |s| s.webhook(&id))
        .await?
        .map(|s| Json(shown(&s)))
        .ok_or_else(ApiError::not_found)
}

pub async fn delete(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    match db(&state, move |s| s.delete_webhook(&id)).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::not_found()),
    }
}

async fn set_enabled(state: Shared, id: String, enabled: bool) -> Result<StatusCode, ApiError> {
    match db(&state, move |s| s.set_webhook_enabled(&id, enabled)).await? {
        true => Ok(StatusCode::NO_CONTENT),
        false => Err(ApiError::not_found()),
    }
}

pub async fn enable(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_enabled(state, id, true).await
}

pub async fn disable(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    set_enabled(state, id, false).await
}

/// The delivery log of one subscription, newest first.
pub async fn deliveries(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Delivery>>, ApiError> {
    let storage = state.storage.clone();
    let result = tokio::task::spawn_blocking(move || {
        if storage.webhook(&id)?.is_none() {
            return Ok(None);
        }
        storage.deliveries(&id, 200).map(Some)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("storage task: {e}")))?;
    match result {
        Ok(Some(d)) => Ok(Json(d)),
        Ok(None) => Err(ApiError::not_found()),
        Err(e) => Err(e.into()),
    }
}
