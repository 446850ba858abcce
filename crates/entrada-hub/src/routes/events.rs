//! `/event`: the events with active hosting, and an event's checkpoints.

use axum::Json;
use axum::extract::{Path, State};
use serde_json::Value;

use super::db;
use crate::error::ApiError;
use crate::present;
use crate::state::Shared;

/// "Returns all the events with active hosting": those whose `validity_date` has not passed.
pub async fn list(State(state): State<Shared>) -> Result<Json<Vec<Value>>, ApiError> {
    let now = entrada_domain::time::now();
    let events = db(&state, |s| s.events()).await?;
    Ok(Json(
        events
            .iter()
            .filter(|e| e.validity_date.is_none_or(|v| v > now))
            .map(present::event)
            .collect(),
    ))
}

pub async fn checkpoints(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let found = db(&state, move |s| {
        let Some(event) = s.event(&id)? else {
            return Ok(None);
        };
        Ok(Some((s.checkpoints(&id)?, event)))
    })
    .await?;
    let Some((cps, event)) = found else {
        return Err(ApiError::not_found());
    };
    Ok(Json(
        cps.iter()
            .map(|cp| present::checkpoint(cp, &event))
            .collect(),
    ))
}
