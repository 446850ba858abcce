//! Request bodies as the Access API takes them: form fields (`form_params`), multipart
//! (attendee photos) and – so modern clients work unchanged – JSON objects.

use std::collections::HashMap;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use bytes::Bytes;
use serde_json::Value;

use crate::error::ApiError;

/// A file part of a multipart body.
#[derive(Debug, Clone)]
pub struct Upload {
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

/// The fields of a request body, whatever its encoding.
#[derive(Debug, Default)]
pub struct Fields {
    values: HashMap<String, Option<String>>,
    files: HashMap<String, Upload>,
}

impl Fields {
    /// A field's text; `None` when absent or JSON `null`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).and_then(|v| v.as_deref())
    }

    /// A field's trimmed text, `None` when absent, null or blank.
    pub fn non_blank(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    pub fn has(&self, name: &str) -> bool {
        self.values.contains_key(name) || self.files.contains_key(name)
    }

    pub fn file(&self, name: &str) -> Option<&Upload> {
        self.files.get(name)
    }

    fn from_pairs(bytes: &[u8]) -> Self {
        let values = form_urlencoded::parse(bytes)
            .map(|(k, v)| (k.into_owned(), Some(v.into_owned())))
            .collect();
        Self {
            values,
            files: HashMap::new(),
        }
    }

    fn from_json(bytes: &[u8]) -> Result<Self, ApiError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        let value: Value = serde_json::from_slice(bytes)
            .map_err(|e| ApiError::bad_request(format!("Malformed JSON body: {e}")))?;
        let Value::Object(map) = value else {
            return Err(ApiError::bad_request("The JSON body must be an object"));
        };
        let values = map
            .into_iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::Null => None,
                    Value::String(s) => Some(s),
                    other => Some(other.to_string()),
                };
                (k, text)
            })
            .collect();
        Ok(Self {
            values,
            files: HashMap::new(),
        })
    }
}

fn too_large() -> ApiError {
    ApiError::message(
        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        "The request body is too large",
    )
}

impl<S: Send + Sync> FromRequest<S> for Fields {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let content_type = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.to_ascii_lowercase())
            .unwrap_or_default();
        if content_type.starts_with("multipart/form-data") {
            let mut multipart = Multipart::from_request(req, state)
                .await
                .map_err(|e| ApiError::bad_request(format!("Malformed multipart body: {e}")))?;
            let mut fields = Fields::default();
            loop {
                let field = match multipart.next_field().await {
                    Ok(Some(f)) => f,
                    Ok(None) => break,
                    Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                        return Err(too_large());
                    }
                    Err(e) => {
                        return Err(ApiError::bad_request(format!(
                            "Malformed multipart body: {e}"
                        )));
                    }
                };
                let name = field.name().unwrap_or("").to_owned();
                let is_file = field.file_name().is_some();
                let ct = field.content_type().map(str::to_owned);
                let data = field.bytes().await.map_err(|e| {
                    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        ApiError::bad_request(format!("Malformed multipart body: {e}"))
                    }
                })?;
                if is_file {
                    fields.files.insert(
                        name,
                        Upload {
                            content_type: ct,
                            bytes: data,
                        },
                    );
                } else {
                    let text = String::from_utf8(data.to_vec())
                        .map_err(|_| ApiError::bad_request("Multipart field is not UTF-8"))?;
                    fields.values.insert(name, Some(text));
                }
            }
            return Ok(fields);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                too_large()
            } else {
                ApiError::bad_request(format!("Cannot read the request body: {e}"))
            }
        })?;
        if content_type.starts_with("application/json") || content_type.contains("+json") {
            Self::from_json(&bytes)
        } else if content_type.starts_with("application/x-www-form-urlencoded")
            || content_type.is_empty()
            || content_type.starts_with("text/plain")
        {
            Ok(Self::from_pairs(&bytes))
        } else if bytes.is_empty() {
            Ok(Self::default())
        } else {
            Err(ApiError::message(
                axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Send form fields, multipart/form-data or JSON",
            ))
        }
    }
}

/// Query parameters (the API's `confirmed`, `emails`, `q`, ...); the last value wins.
pub fn query(raw: Option<&str>) -> HashMap<String, String> {
    raw.map(|q| {
        form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// Reads a JSON body for the extension endpoints: 400 when it is not JSON, 422 with the
/// offending path when it does not fit the shape.
pub fn json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("Malformed JSON body: {e}")))?;
    serde_json::from_value(value)
        .map_err(|e| ApiError::field("body", "invalid", Some(&e.to_string())))
}
