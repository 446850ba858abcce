//! `POST /checkpoint/<id>/accesses`: the rules engine of `entrada-domain` judges, the verdict
//! table answers (201 with the reading, or the documented 422 for the refusal).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use entrada_domain::CheckpointId;

use super::db;
use crate::body::Fields;
use crate::error::{ApiError, FieldError};
use crate::present;
use crate::state::Shared;
use crate::storage::StorageError;

/// The API's catch-all refusal.
fn generic() -> ApiError {
    ApiError::message(StatusCode::UNPROCESSABLE_ENTITY, "Could not create access")
}

pub async fn create(
    State(state): State<Shared>,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<Response, ApiError> {
    let Some(attendee) = fields.non_blank("attendee_id").map(str::to_owned) else {
        let cp = id.clone();
        if db(&state, move |s| s.checkpoint(&cp)).await?.is_none() {
            return Err(ApiError::not_found());
        }
        return Err(ApiError::field("attendee_id", "missing_field", None));
    };
    let storage = state.storage.clone();
    let (cp, who) = (CheckpointId(id.clone()), attendee.clone());
    let outcome = tokio::task::spawn_blocking(move || storage.create_access(cp, who))
        .await
        .map_err(|e| ApiError::Internal(format!("storage task: {e}")))?;
    let outcome = match outcome {
        Ok(o) => o,
        Err(StorageError::Core(entrada_store::Error::NoSuchCheckpoint(_))) => {
            return Err(ApiError::not_found());
        }
        Err(e) => {
            tracing::error!(error = %e, "access failed");
            return Err(generic());
        }
    };
    if let Some(err) = outcome.verdict.upstream_error() {
        return Err(ApiError::invalid(vec![FieldError::new(
            err.field,
            err.code,
            err.message,
        )]));
    }
    let context = db(&state, move |s| s.access_context(&id, &attendee)).await?;
    let Some((a, cp, e)) = context else {
        // Accepted and durable, but deleted in the meantime: still a 201, minimal body.
        return Ok((
            StatusCode::CREATED,
            Json(serde_json::json!({
                "id": outcome.reading_id,
                "reading_date": outcome.reading_date,
                "created_at": outcome.reading_date,
                "type": "attendee",
            })),
        )
            .into_response());
    };
    Ok((
        StatusCode::CREATED,
        Json(present::access(&outcome, &a, &cp, &e, &state.base_url)),
    )
        .into_response())
}
