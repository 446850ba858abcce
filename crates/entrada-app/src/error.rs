//! The one error type of the application API, serialised as the contract's
//! `IpcError { code, message }`: `code` is stable (the UI turns it into plain en/es words),
//! `message` is the technical detail shown underneath.

use serde::Serialize;

/// The stable codes of `docs/ipc.md`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    InvalidUrl,
    Unreachable,
    Tls,
    Timeout,
    Unauthorized,
    Forbidden,
    NotFound,
    NotConfigured,
    InvalidInput,
    Camera,
    Io,
    Internal,
}

#[derive(Debug, Clone, thiserror::Error, Serialize)]
#[error("{code:?}: {message}")]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn not_configured() -> Self {
        Self::new(
            ErrorCode::NotConfigured,
            "this device has no event and checkpoint yet",
        )
    }

    pub fn internal(message: impl std::fmt::Display) -> Self {
        Self::new(ErrorCode::Internal, message.to_string())
    }
}

impl From<entrada_store::Error> for AppError {
    fn from(e: entrada_store::Error) -> Self {
        use entrada_store::Error as E;
        match &e {
            E::NoSuchReading(_) | E::NoSuchCheckpoint(_) => Self::not_found(e.to_string()),
            E::CannotUndo(..) | E::Pin(entrada_secret::pin::PinError::Format) => {
                Self::invalid(e.to_string())
            }
            E::InvalidUrl(_) => Self::new(ErrorCode::InvalidUrl, e.to_string()),
            E::NoTopics | E::Topic(_) => Self::invalid(e.to_string()),
            E::NoSuchSubscription(_) | E::NoSuchDelivery(_) => Self::not_found(e.to_string()),
            _ => Self::internal(e),
        }
    }
}

impl From<entrada_webhook::Error> for AppError {
    fn from(e: entrada_webhook::Error) -> Self {
        match e {
            entrada_webhook::Error::Store(e) => e.into(),
            e => Self::internal(e),
        }
    }
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
