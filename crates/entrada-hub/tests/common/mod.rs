//! Shared test support: a hub on 127.0.0.1 with a small fixture event, and an HTTP client
//! that speaks to it like any Access API client would.

#![allow(dead_code)]

use entrada_domain::snapshot::Snapshot;
use entrada_hub::{HubConfig, RunningHub};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const EVENT: &str = "ev-fixture";
pub const ALICE: &str = "a-alice"; // VIP, confirmed
pub const BOB: &str = "a-bob"; // confirmed
pub const CAROL: &str = "a-carol"; // rejected the attendance
pub const DAVE: &str = "a-dave"; // deactivated
pub const ERIN: &str = "a-erin"; // not confirmed
pub const BANNED: &str = "a-banned"; // carries the excluded tag
pub const ZED: &str = "a-zed"; // known, not attending

/// The fixture: one event exercising every verdict.
pub fn snapshot() -> Snapshot {
    let person = |id: &str, name: &str, tags: Value, active: bool| {
        json!({"id": id, "name": name, "email": format!("{}@example.com", &id[2..]),
               "active": active, "tags": tags, "created_at": "2026-01-01T10:00:00+00:00"})
    };
    let vip = json!({"id": "t-vip", "name": "VIP"});
    let banned = json!({"id": "t-banned", "name": "Banned"});
    let attendance = |a: Value, confirmed: bool, rejected: bool| json!({"attendee": a, "confirmed": confirmed, "rejected": rejected, "invited": false});
    let mut people = vec![
        attendance(
            person(ALICE, "Alice Archer", json!([vip]), true),
            true,
            false,
        ),
        attendance(person(BOB, "Bob Baker", json!([]), true), true, false),
        attendance(person(CAROL, "Carol Cole", json!([]), true), false, true),
        attendance(person(DAVE, "Dave Dunn", json!([]), false), true, false),
        attendance(person(ERIN, "Erin Eve", json!([]), true), false, false),
        attendance(
            person(BANNED, "Bart Banned", json!([banned]), true),
            true,
            false,
        ),
    ];
    for i in 0..40 {
        people.push(attendance(
            person(
                &format!("a-crowd{i:02}"),
                &format!("Crowd {i:02}"),
                json!([]),
                true,
            ),
            true,
            false,
        ));
    }
    let text = json!({
        "event": {"id": EVENT, "name": "Fixture Conf", "slug": "fixture-conf",
                  "timezone": "Europe/Madrid", "validity_date": "2099-12-31T23:59:59+00:00"},
        "tags": [vip, banned],
        "rooms": [{"id": "room-small", "name": "Small room", "capacity": 3},
                  {"id": "room-big", "name": "Big room", "capacity": 1000}],
        "checkpoints": [
            {"id": "cp-main", "name": "Main", "excluded_tags": [banned]},
            {"id": "cp-vip", "name": "VIP", "tags": [vip]},
            {"id": "cp-once", "name": "Swag", "max_readings": 1},
            {"id": "cp-closed", "name": "Closed", "active": false},
            {"id": "cp-small-in", "name": "Small in", "room_id": "room-small"},
            {"id": "cp-small-out", "name": "Small out", "room_id": "room-small", "direction": "out"},
            {"id": "cp-big-in", "name": "Big in", "room_id": "room-big",
             "reading_confirmation": {"type": "html", "language": "en", "message": "<p>Hi</p>"}}
        ],
        "attendance": people,
        "attendees": [person(ZED, "Zed Zulu", json!([]), true)]
    });
    match Snapshot::from_json(&text.to_string()) {
        Ok(s) => s,
        Err(e) => panic!("fixture snapshot: {e}"),
    }
}

pub struct Hub {
    pub hub: Option<RunningHub>,
    pub http: reqwest::Client,
    pub token: String,
    pub dir: tempfile::TempDir,
}

pub async fn start() -> Hub {
    start_with(|_| {}).await
}

pub async fn start_with(tweak: impl FnOnce(&mut HubConfig)) -> Hub {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = HubConfig::new(dir.path().join("hub.db"));
    config.snapshot = Some(snapshot());
    tweak(&mut config);
    let hub = entrada_hub::serve(config).await.expect("hub starts");
    let http = reqwest::Client::new();
    let mut h = Hub {
        hub: Some(hub),
        http,
        token: String::new(),
        dir,
    };
    h.token = h.token_for("event_admin").await;
    h
}

impl Hub {
    pub fn url(&self, path: &str) -> String {
        match &self.hub {
            Some(h) => h.url(path),
            None => panic!("hub stopped"),
        }
    }

    pub async fn token_for(&self, scope: &str) -> String {
        let r = self
            .http
            .post(self.url("/oauth/v2/token"))
            .form(&[
                ("client_id", "demo"),
                ("client_secret", "demo-secret"),
                ("grant_type", "client_credentials"),
                ("scope", scope),
            ])
            .send()
            .await
            .expect("token request");
        assert_eq!(r.status(), StatusCode::OK);
        let v: Value = r.json().await.expect("token json");
        v["access_token"].as_str().expect("access_token").to_owned()
    }

    pub fn req(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .bearer_auth(&self.token)
    }

    /// Sends and returns status and JSON body (`Null` when empty).
    pub async fn send(&self, rb: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let r = rb.send().await.expect("request");
        let status = r.status();
        let bytes = r.bytes().await.expect("body");
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        (status, body)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.req(Method::GET, path)).await
    }

    pub async fn put(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.req(Method::PUT, path)).await
    }

    pub async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.send(self.req(Method::DELETE, path)).await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        self.send(self.req(Method::POST, path).form(form)).await
    }

    pub async fn patch_form(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        self.send(self.req(Method::PATCH, path).form(form)).await
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(self.req(Method::POST, path).json(body)).await
    }

    pub async fn access(&self, checkpoint: &str, attendee: &str) -> (StatusCode, Value) {
        self.post_form(
            &format!("/checkpoint/{checkpoint}/accesses"),
            &[("attendee_id", attendee)],
        )
        .await
    }

    pub async fn stop(&mut self) {
        if let Some(h) = self.hub.take() {
            h.shutdown().await.expect("clean shutdown");
        }
    }
}

/// The documented 422 body with one error item.
pub fn validation(field: &str, code: &str, message: Option<&str>) -> Value {
    let mut item = json!({"field": field, "code": code});
    if let Some(m) = message {
        item["message"] = json!(m);
    }
    json!({"message": "Validation failed", "errors": [item]})
}

/// A tiny valid PNG of `w`x`h` pixels.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 30, 30]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("png");
    out.into_inner()
}
