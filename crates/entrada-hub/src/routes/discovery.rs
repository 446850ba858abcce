//! Discovery: `GET /capabilities` (absent with `--plain`, so a device falls back to the plain
//! API) and `GET /openapi.json`.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use entrada_domain::wire::{Capabilities, Limits, extension};

use crate::state::Shared;

pub const EXTENSIONS: &[&str] = &[
    extension::CHANGES,
    extension::READINGS_FEED,
    extension::READINGS_UPLOAD,
    extension::ADMIN,
    extension::WEBHOOKS,
];

/// `limits.changes`: the largest change-feed page this hub serves; devices that know it
/// ask for large pages on a first pull (`docs/sync-protocol.md`).
pub async fn capabilities() -> Json<Capabilities> {
    Json(Capabilities {
        api: Some("entrada-hub".to_owned()),
        version: Some(1),
        extensions: EXTENSIONS.iter().map(|e| (*e).to_owned()).collect(),
        limits: Limits {
            changes: Some(super::feeds::MAX_CHANGES_LIMIT),
        },
    })
}

pub async fn openapi(State(state): State<Shared>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::document(&state.base_url, state.plain),
    )
        .into_response()
}
