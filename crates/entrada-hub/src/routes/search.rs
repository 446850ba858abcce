//! `/search/attendee` and `/search/event`.

use axum::Json;
use axum::extract::{RawQuery, State};
use serde_json::Value;

use super::db;
use crate::body;
use crate::error::ApiError;
use crate::present;
use crate::state::Shared;

pub async fn attendees(
    State(state): State<Shared>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<Value>>, ApiError> {
    let q = body::query(raw.as_deref());
    let Some(text) = param(&q, "q") else {
        return Err(ApiError::field("q", "missing_field", None));
    };
    let event = param(&q, "event_id");
    let found = db(&state, move |s| {
        if let Some(e) = &event
            && s.event(e)?.is_none()
        {
            return Ok(None);
        }
        Ok(Some(s.search_attendees(&text, event.as_deref())?))
    })
    .await?;
    let Some(found) = found else {
        return Err(ApiError::field("event_id", "missing", None));
    };
    Ok(Json(
        found
            .iter()
            .map(|a| present::attendee(a, &state.base_url))
            .collect(),
    ))
}

/// Matches every word of `q` against the event's name, slug and id; `code` narrows to the
/// event whose `code` (or slug) is exactly that.
pub async fn events(
    State(state): State<Shared>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<Value>>, ApiError> {
    let q = body::query(raw.as_deref());
    let Some(text) = param(&q, "q").map(|t| t.to_lowercase()) else {
        return Err(ApiError::field("q", "missing_field", None));
    };
    let code = param(&q, "code");
    let events = db(&state, |s| s.events()).await?;
    Ok(Json(
        events
            .iter()
            .filter(|e| {
                let hay = format!("{} {} {}", e.name, e.slug.as_deref().unwrap_or(""), e.id)
                    .to_lowercase();
                text.split_whitespace().all(|w| hay.contains(w))
            })
            .filter(|e| {
                code.as_deref().is_none_or(|c| {
                    e.extra.get("code").and_then(Value::as_str) == Some(c)
                        || e.slug.as_deref() == Some(c)
                })
            })
            .map(present::event)
            .collect(),
    ))
}

/// A query parameter, trimmed; absent or blank is `None` (the API treats both as missing).
fn param(q: &std::collections::HashMap<String, String>, name: &str) -> Option<String> {
    q.get(name)
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}
