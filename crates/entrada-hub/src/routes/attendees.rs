//! `/attendee`: list, create (with photo), get, update, delete, tags, (de)activation, and
//! the photos the `photo` field points to.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use entrada_domain::Attendee;
use entrada_store::admin::Refusal;
use serde_json::Value;

use super::db;
use crate::body::Fields;
use crate::error::{ApiError, FieldError};
use crate::photo;
use crate::present;
use crate::state::Shared;
use crate::storage::{AttendeePatch, StorageError};

const BLANK: &str = "This value should not be blank.";
const BAD_EMAIL: &str = "This value is not a valid email address.";
const BAD_IMAGE: &str = "This file is not a valid image.";
const DUP_QR: &str = "There is already another contact with the same QR code";
const DUP_EMAIL: &str = "An attendee with the same email already exists";

/// A plausible address: one `@`, a non-empty local part, a dotted domain, no spaces.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn map_storage(e: StorageError) -> ApiError {
    match e {
        StorageError::Refused(Refusal::AttendeeNotFound) => ApiError::not_found(),
        StorageError::Refused(Refusal::DuplicateQr) => {
            ApiError::field("qrData", "invalid", Some(DUP_QR))
        }
        StorageError::Refused(Refusal::DuplicateEmail) => ApiError::ValidationObject(
            StatusCode::CONFLICT,
            FieldError::new("email", "invalid", Some(DUP_EMAIL)),
        ),
        StorageError::Refused(Refusal::TagNotFound) => ApiError::field("tag_id", "missing", None),
        other => ApiError::from(other),
    }
}

/// Runs a storage call whose refusals are attendee refusals.
async fn run<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce(&dyn crate::storage::HubStorage) -> crate::storage::StorageResult<T> + Send + 'static,
) -> Result<T, ApiError> {
    let storage = state.storage.clone();
    tokio::task::spawn_blocking(move || f(storage.as_ref()))
        .await
        .map_err(|e| ApiError::Internal(format!("storage task: {e}")))?
        .map_err(map_storage)
}

/// Validates and stores an uploaded photo; returns its URL.
async fn take_photo(state: &Shared, fields: &Fields) -> Result<Option<String>, ApiError> {
    let upload = match fields.file("photo") {
        Some(u) => u.clone(),
        None if fields.non_blank("photo").is_some() => {
            // A text field is not a file.
            return Err(ApiError::field("photo", "invalid", Some(BAD_IMAGE)));
        }
        None => return Ok(None),
    };
    let Some(mime) = photo::validate(&upload) else {
        return Err(ApiError::field("photo", "invalid", Some(BAD_IMAGE)));
    };
    let token = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    let url = format!("{}/attendee/photo/{token}", state.base_url);
    db(state, move |s| s.save_photo(&token, mime, &upload.bytes)).await?;
    Ok(Some(url))
}

pub async fn list(State(state): State<Shared>) -> Result<Json<Vec<Value>>, ApiError> {
    let all = db(&state, |s| s.attendees()).await?;
    Ok(Json(
        all.iter()
            .map(|a| present::attendee(a, &state.base_url))
            .collect(),
    ))
}

pub async fn get(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    match db(&state, move |s| s.attendee(&id)).await? {
        Some(a) => Ok(Json(present::attendee(&a, &state.base_url))),
        None => Err(ApiError::not_found()),
    }
}

pub async fn create(State(state): State<Shared>, fields: Fields) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let name = fields.non_blank("name");
    if name.is_none() {
        errors.push(FieldError::new("name", "missing_field", Some(BLANK)));
    }
    let email = fields.non_blank("email");
    match email {
        None => errors.push(FieldError::new("email", "missing_field", Some(BLANK))),
        Some(e) if !valid_email(e) => {
            errors.push(FieldError::new("email", "invalid", Some(BAD_EMAIL)))
        }
        Some(_) => {}
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let photo = take_photo(&state, &fields).await?;
    let id = uuid::Uuid::new_v4().to_string();
    let text = |k: &str| fields.non_blank(k).map(str::to_owned);
    let attendee = Attendee {
        id: id.as_str().into(),
        name: name.unwrap_or_default().to_owned(),
        email: email.map(str::to_owned),
        position: text("position"),
        company: text("company"),
        phone_number: text("phone_number"),
        active: true,
        qr_data: Some(text("qr_data").unwrap_or_else(|| id.clone())),
        qr: Some(format!("{}/attendee/{id}/qr", state.base_url)),
        photo,
        tags: Vec::new(),
        created_at: Some(entrada_domain::time::format(&entrada_domain::time::now())),
        extra: Default::default(),
    };
    let a = attendee.clone();
    run(&state, move |s| s.create_attendee(a)).await?;
    Ok((
        StatusCode::CREATED,
        Json(present::attendee(&attendee, &state.base_url)),
    )
        .into_response())
}

pub async fn update(
    State(state): State<Shared>,
    Path(id): Path<String>,
    fields: Fields,
) -> Result<StatusCode, ApiError> {
    let id2 = id.clone();
    if db(&state, move |s| s.attendee(&id2)).await?.is_none() {
        return Err(ApiError::not_found());
    }
    let mut errors = Vec::new();
    if fields.has("name") && fields.non_blank("name").is_none() && fields.get("name").is_some() {
        errors.push(FieldError::new("name", "missing_field", Some(BLANK)));
    }
    if let Some(e) = fields.get("email")
        && !valid_email(e.trim())
    {
        errors.push(FieldError::new("email", "invalid", Some(BAD_EMAIL)));
    }
    if !errors.is_empty() {
        return Err(ApiError::invalid(errors));
    }
    let photo = take_photo(&state, &fields).await?;
    let text = |k: &str| fields.get(k).map(|v| v.trim().to_owned());
    let patch = AttendeePatch {
        name: fields.non_blank("name").map(str::to_owned),
        email: text("email"),
        position: text("position"),
        company: text("company"),
        phone_number: text("phone_number"),
        qr_data: text("qr_data"),
        photo,
    };
    run(&state, move |s| s.update_attendee(&id, patch)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    run(&state, move |s| s.delete_attendee(&id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn tag(
    state: Shared,
    id: String,
    tag: String,
    present: bool,
) -> Result<StatusCode, ApiError> {
    run(&state, move |s| s.set_attendee_tag(&id, &tag, present)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn add_tag(
    State(state): State<Shared>,
    Path((id, tag_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    tag(state, id, tag_id, true).await
}

pub async fn remove_tag(
    State(state): State<Shared>,
    Path((id, tag_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    tag(state, id, tag_id, false).await
}

pub async fn activate(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    run(&state, move |s| s.set_attendee_active(&id, true)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn deactivate(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    run(&state, move |s| s.set_attendee_active(&id, false)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /attendee/photo/<token>`: public like the upstream's photo URLs; the token is
/// unguessable (256 random bits).
pub async fn photo(
    State(state): State<Shared>,
    Path(token): Path<String>,
) -> Result<Response, ApiError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::not_found());
    }
    match db(&state, move |s| s.photo(&token)).await? {
        Some((ct, bytes)) => Ok((
            [
                (header::CONTENT_TYPE, ct),
                (
                    header::CACHE_CONTROL,
                    "public, max-age=31536000, immutable".to_owned(),
                ),
            ],
            bytes,
        )
            .into_response()),
        None => Err(ApiError::not_found()),
    }
}
