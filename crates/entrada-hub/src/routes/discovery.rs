//! Discovery: `GET /capabilities` (absent with `--plain`, so a device falls back to the plain
//! API) and `GET /openapi.json`.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::state::Shared;

pub const EXTENSIONS: &[&str] = &[
    "changes",
    "readings_feed",
    "readings_upload",
    "admin",
    "webhooks",
];

/// `limits.changes`: the largest change-feed page this hub serves; devices that know it
/// ask for large pages on a first pull (`docs/sync-protocol.md`).
pub async fn capabilities() -> Json<Value> {
    Json(json!({
        "api": "entrada-hub",
        "version": 1,
        "extensions": EXTENSIONS,
        "limits": {"changes": super::feeds::MAX_CHANGES_LIMIT},
    }))
}

pub async fn openapi(State(state): State<Shared>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::document(&state.base_url, state.plain),
    )
        .into_response()
}
