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
    let Some(text) = q
        .get("q")
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
    else {
        return Err(ApiError::field("q", "missing_field", None));
    };
    let event = q
        .get("event_id")
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty());
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
    let Some(text) = q
        .get("q")
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty())
    else {
        return Err(ApiError::field("q", "missing_field", None));
    };
    let code = q
        .get("code")
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
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
