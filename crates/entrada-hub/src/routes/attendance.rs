//! `/event/<id>/attendance`: list (with `confirmed` and `emails` filters), get, and the
//! attend / confirm / reject / leave transitions.

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use entrada_store::admin::Refusal;
use serde_json::Value;

use super::db;
use crate::body;
use crate::error::ApiError;
use crate::present;
use crate::state::Shared;
use crate::storage::{AttendanceFilter, AttendanceOp, StorageError};

const INACTIVE: &str = "The attendee is not active";
const NOT_ATTENDING: &str = "The attendee does not attend to the event.";
const ACCESSED: &str = "The attendance can not be rejected when the attendee has already accessed";

pub async fn list(
    State(state): State<Shared>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Vec<Value>>, ApiError> {
    let q = body::query(raw.as_deref());
    let confirmed = match q.get("confirmed").map(|v| v.trim()) {
        None | Some("") => None,
        Some("1" | "true") => Some(true),
        Some("0" | "false") => Some(false),
        Some(_) => return Err(ApiError::field("confirmed", "invalid", None)),
    };
    let emails = q
        .get("emails")
        .map(|e| {
            e.split(',')
                .map(|x| x.trim().to_lowercase())
                .filter(|x| !x.is_empty())
                .collect::<Vec<_>>()
        })
        .filter(|e| !e.is_empty());
    let filter = AttendanceFilter { confirmed, emails };
    let list = db(&state, move |s| {
        if s.event(&id)?.is_none() {
            return Ok(None);
        }
        Ok(Some(s.attendance_list(&id, &filter)?))
    })
    .await?
    .ok_or_else(ApiError::not_found)?;
    Ok(Json(
        list.iter()
            .map(|a| present::attendance(a, &state.base_url))
            .collect(),
    ))
}

/// 404 when the event or the attendee does not exist; 204 when the attendee exists but
/// does not attend (the API's "Attendee does attend to event: 204").
pub async fn get(
    State(state): State<Shared>,
    Path((event, attendee)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let found = db(&state, move |s| {
        if s.event(&event)?.is_none() || s.attendee(&attendee)?.is_none() {
            return Ok(Err(()));
        }
        Ok(Ok(s.attendance(&event, &attendee)?))
    })
    .await?;
    match found {
        Err(()) => Err(ApiError::not_found()),
        Ok(None) => Ok(StatusCode::NO_CONTENT.into_response()),
        Ok(Some(att)) => Ok(Json(present::attendance(&att, &state.base_url)).into_response()),
    }
}

async fn change(
    state: Shared,
    event: String,
    attendee: String,
    op: AttendanceOp,
) -> Result<StatusCode, ApiError> {
    let storage = state.storage.clone();
    let result =
        tokio::task::spawn_blocking(move || storage.change_attendance(&event, &attendee, op))
            .await
            .map_err(|e| ApiError::Internal(format!("storage task: {e}")))?;
    match result {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(StorageError::Refused(r)) => Err(match r {
            Refusal::EventNotFound | Refusal::AttendeeNotFound => ApiError::not_found(),
            Refusal::AttendeeInactive => ApiError::field("attendee_id", "invalid", Some(INACTIVE)),
            Refusal::NotAttending => ApiError::field("attendee_id", "invalid", Some(NOT_ATTENDING)),
            Refusal::AlreadyAccessed => ApiError::field("attendee_id", "invalid", Some(ACCESSED)),
            other => ApiError::Internal(format!("unexpected refusal {other:?}")),
        }),
        Err(e) => Err(e.into()),
    }
}

pub async fn attend(
    State(state): State<Shared>,
    Path((event, attendee)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    change(state, event, attendee, AttendanceOp::Attend).await
}

pub async fn confirm(
    State(state): State<Shared>,
    Path((event, attendee)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    change(state, event, attendee, AttendanceOp::Confirm).await
}

pub async fn reject(
    State(state): State<Shared>,
    Path((event, attendee)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    change(state, event, attendee, AttendanceOp::Reject).await
}

pub async fn leave(
    State(state): State<Shared>,
    Path((event, attendee)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    change(state, event, attendee, AttendanceOp::Leave).await
}
