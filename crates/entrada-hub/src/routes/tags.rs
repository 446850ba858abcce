//! `/tag`: list, create, get, rename, delete.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use entrada_domain::Tag;
use entrada_store::admin::Refusal;

use crate::body::Fields;
use crate::error::ApiError;
use crate::state::Shared;
use crate::storage::StorageError;

const BLANK: &str = "This value should not be blank.";
const USED: &str = "This value is already used.";

async fn run<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce(&dyn crate::storage::HubStorage) -> crate::storage::StorageResult<T> + Send + 'static,
) -> Result<T, ApiError> {
    let storage = state.storage.clone();
    tokio::task::spawn_blocking(move || f(storage.as_ref()))
        .await
        .map_err(|e| ApiError::Internal(format!("storage task: {e}")))?
        .map_err(|e| match e {
            StorageError::Refused(Refusal::TagNotFound) => ApiError::not_found(),
            StorageError::Refused(Refusal::DuplicateTagName | Refusal::DuplicateId) => {
                ApiError::field("name", "invalid", Some(USED))
            }
            other => ApiError::from(other),
        })
}

pub async fn list(State(state): State<Shared>) -> Result<Json<Vec<Tag>>, ApiError> {
    Ok(Json(run(&state, |s| s.tags()).await?))
}

pub async fn get(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Tag>, ApiError> {
    run(&state, move |s| s.tag(&id))
        .await?
        .map(Json)
        .ok_or_else(ApiError::not_found)
}

pub async fn create(State(state): State<Shared>, fields: Fields) -> Result<Response, ApiError> {
    let Some(name) = fields.non_blank("name") else {
        return Err(ApiError::field("name", "missing_field", Some(BLANK)));
    };
    let tag = Tag {
        id: uuid::Uuid::new_v4().to_string().into(),
        name: name.to_owned(),
        created_at: Some(entrada_domain::time::format(&entrada_domain::time::now())),
    };
    let t = tag.clone();
    run(&state, move |s| s.create_tag(t)).await?;
    Ok((StatusCode::CREATED, Json(tag)).into_response())
}

pub async fn update(
    State(state): State<Shared>,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<StatusCode, ApiError> {
    let id2 = id.clone();
    if run(&state, move |s| s.tag(&id2)).await?.is_none() {
        return Err(ApiError::not_found());
    }
    match fields.get("name") {
        None => Ok(StatusCode::NO_CONTENT),
        Some(n) if n.trim().is_empty() => {
            Err(ApiError::field("name", "missing_field", Some(BLANK)))
        }
        Some(n) => {
            let name = n.trim().to_owned();
            run(&state, move |s| s.rename_tag(&id, &name)).await?;
            Ok(StatusCode::NO_CONTENT)
        }
    }
}

pub async fn delete(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    run(&state, move |s| s.delete_tag(&id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
