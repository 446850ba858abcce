//! The OpenAPI 3 document the hub serves at `GET /openapi.json`: the Access API as
//! documented, plus the extensions (marked `x-entrada-extension`, dropped with `--plain`).

use serde_json::Value;

const DOCUMENT: &str = include_str!("openapi.json");

/// The document with `servers` pointing at this hub.
pub fn document(base_url: &str, plain: bool) -> String {
    let Ok(mut doc) = serde_json::from_str::<Value>(DOCUMENT) else {
        return DOCUMENT.to_owned();
    };
    doc["servers"] = serde_json::json!([{ "url": base_url }]);
    if plain && let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            if let Some(ops) = item.as_object_mut() {
                ops.retain(|_, op| op.get("x-entrada-extension") != Some(&Value::Bool(true)));
            }
        }
        paths.retain(|_, item| item.as_object().is_some_and(|o| !o.is_empty()));
    }
    doc.to_string()
}
