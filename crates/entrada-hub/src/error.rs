//! Errors: the library's own ([`HubError`]) and the HTTP answers of the Access API's
//! documented shapes ([`ApiError`]).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::json;

use crate::storage::StorageError;

/// What can stop the hub from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("storage: {0}")]
    Storage(#[from] StorageError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read snapshot {path}: {source}")]
    ReadSnapshot {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Core(#[from] entrada_store::Error),
    #[error(transparent)]
    Domain(#[from] entrada_domain::Error),
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    #[error("server task failed: {0}")]
    Join(String),
    #[error("the photo for attendee {0} is not a valid image")]
    InvalidPhoto(String),
}

/// One item of a 422 `errors` list (`message` is omitted where the API omits it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl FieldError {
    pub fn new(field: &str, code: &str, message: Option<&str>) -> Self {
        Self {
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.map(str::to_owned),
        }
    }
}

/// An HTTP error answer.
#[derive(Debug)]
pub enum ApiError {
    /// A bare status with a `{"message"}` body (the API documents 404s without a body).
    Status(StatusCode),
    /// `{"message": "Validation failed", "errors": [...]}`.
    Validation(StatusCode, Vec<FieldError>),
    /// The 409 shape, where `errors` is one object rather than a list.
    ValidationObject(StatusCode, FieldError),
    /// `{"message": "..."}`.
    Message(StatusCode, String),
    /// OAuth2 `{"error", "error_description"}`.
    OAuth(StatusCode, &'static str, &'static str),
    /// 401 with `WWW-Authenticate`.
    Unauthorized(&'static str),
    Internal(String),
}

impl ApiError {
    pub fn not_found() -> Self {
        ApiError::Status(StatusCode::NOT_FOUND)
    }

    pub fn invalid(errors: Vec<FieldError>) -> Self {
        ApiError::Validation(StatusCode::UNPROCESSABLE_ENTITY, errors)
    }

    pub fn field(field: &str, code: &str, message: Option<&str>) -> Self {
        Self::invalid(vec![FieldError::new(field, code, message)])
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        ApiError::Message(StatusCode::BAD_REQUEST, message.into())
    }

    pub fn message(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError::Message(status, message.into())
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, body) = match self {
            ApiError::Status(s) => (
                s,
                json!({"message": s.canonical_reason().unwrap_or("Error")}),
            ),
            ApiError::Validation(s, errors) => {
                (s, json!({"message": "Validation failed", "errors": errors}))
            }
            ApiError::ValidationObject(s, error) => {
                (s, json!({"message": "Validation failed", "errors": error}))
            }
            ApiError::Message(s, m) => (s, json!({"message": m})),
            ApiError::OAuth(s, error, description) => {
                (s, json!({"error": error, "error_description": description}))
            }
            ApiError::Unauthorized(m) => {
                let mut r =
                    (StatusCode::UNAUTHORIZED, axum::Json(json!({"message": m}))).into_response();
                r.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"entrada-hub\""),
                );
                return r;
            }
            ApiError::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    json!({"message": "Internal server error"}),
                )
            }
        };
        (status, axum::Json(body)).into_response()
    }
}
