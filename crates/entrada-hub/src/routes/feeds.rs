//! The sync extensions (see `docs/sync-protocol.md`): the compacted change feed, the
//! readings feed and the idempotent batch upload of readings made offline.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use bytes::Bytes;
use entrada_domain::wire::{ChangesPage, ReadingsPage, UploadAnswer, UploadRequest};
use entrada_store::admin::Refusal;

use super::db;
use crate::body;
use crate::error::ApiError;
use crate::state::Shared;
use crate::storage::StorageError;

pub const MAX_UPLOAD: usize = 1000;
const DEFAULT_LIMIT: u32 = 1000;
/// Largest readings-feed page.
const MAX_READINGS_LIMIT: u32 = 5000;
/// Largest change-feed page, advertised in `/capabilities` (`limits.changes`). A first pull
/// of 100,000 attendees is about 200,000 entries: large pages keep the per-request work
/// (a query, a `remaining` count, a round trip) down to a handful, while each page stays
/// a few tens of megabytes.
pub const MAX_CHANGES_LIMIT: u32 = 50_000;

/// `since` (a cursor from `next`; absent or `0` = from the start) and `limit` (at most
/// `max`; a larger one is served as `max`, so a device asking too much still progresses).
fn page(raw: Option<&str>, max: u32) -> Result<(i64, u32), ApiError> {
    let q = body::query(raw);
    let since = match q.get("since").map(|s| s.trim()) {
        None | Some("") => 0,
        Some(s) => s.parse::<i64>().ok().filter(|v| *v >= 0).ok_or_else(|| {
            ApiError::field("since", "invalid", Some("Expected a cursor from `next`"))
        })?,
    };
    let limit = match q.get("limit").map(|s| s.trim()) {
        None | Some("") => DEFAULT_LIMIT,
        Some(s) => s
            .parse::<u32>()
            .ok()
            .filter(|v| *v >= 1)
            .ok_or_else(|| {
                ApiError::field("limit", "invalid", Some("Expected a positive integer"))
            })?
            .min(max),
    };
    Ok((since, limit))
}

pub async fn changes(
    State(state): State<Shared>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<ChangesPage>, ApiError> {
    let (since, limit) = page(raw.as_deref(), MAX_CHANGES_LIMIT)?;
    db(&state, move |s| {
        if s.event(&id)?.is_none() {
            return Ok(None);
        }
        Ok(Some(s.changes(&id, since, limit)?))
    })
    .await?
    .map(Json)
    .ok_or_else(ApiError::not_found)
}

pub async fn readings(
    State(state): State<Shared>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<ReadingsPage>, ApiError> {
    let (since, limit) = page(raw.as_deref(), MAX_READINGS_LIMIT)?;
    db(&state, move |s| {
        if s.event(&id)?.is_none() {
            return Ok(None);
        }
        Ok(Some(s.readings(&id, since, limit)?))
    })
    .await?
    .map(Json)
    .ok_or_else(ApiError::not_found)
}

pub async fn upload(
    State(state): State<Shared>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> Result<Json<UploadAnswer>, ApiError> {
    let up: UploadRequest = body::json(&bytes)?;
    if up.readings.len() > MAX_UPLOAD {
        return Err(ApiError::field(
            "readings",
            "invalid",
            Some("At most 1000 readings per request"),
        ));
    }
    if up.device.id.trim().is_empty() {
        return Err(ApiError::field("device.id", "missing_field", None));
    }
    let storage = state.storage.clone();
    let result = tokio::task::spawn_blocking(move || storage.upload(&id, up.device, up.readings))
        .await
        .map_err(|e| ApiError::Internal(format!("storage task: {e}")))?;
    match result {
        Ok(results) => Ok(Json(UploadAnswer { results })),
        Err(StorageError::Refused(Refusal::EventNotFound)) => Err(ApiError::not_found()),
        Err(e) => Err(e.into()),
    }
}
