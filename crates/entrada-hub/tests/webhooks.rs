//! Webhooks end to end: a receiver on 127.0.0.1 subscribes to every event type the hub
//! fires, the hub's API makes each happen, and the receiver checks each signature.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

type Inbox = Arc<Mutex<Vec<(Option<String>, Bytes)>>>;

async fn receive(State(inbox): State<Inbox>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let sig = headers
        .get("x-eventwo-access-signature")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Ok(mut v) = inbox.lock() {
        v.push((sig, body));
    }
    StatusCode::OK
}

async fn receiver() -> (String, Inbox) {
    let inbox: Inbox = Arc::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(inbox.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}/hook"), inbox)
}

/// Waits (bounded) until the receiver holds a webhook named `name` for `attendee`.
async fn wait_for(inbox: &Inbox, name: &str, attendee: &str) -> (Option<String>, Bytes, Value) {
    for _ in 0..200 {
        let found = inbox.lock().ok().and_then(|v| {
            v.iter().find_map(|(sig, body)| {
                let json: Value = serde_json::from_slice(body).ok()?;
                (json["webhook_name"] == name && json["attendee"]["id"] == attendee)
                    .then(|| (sig.clone(), body.clone(), json))
            })
        });
        if let Some(found) = found {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no {name} webhook for {attendee} arrived");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fired_event_type_arrives_signed() {
    let (url, inbox) = receiver().await;
    let mut h = start().await;
    let topics = [
        "attendee_added_to_event",
        "attendee_attendance_confirmed",
        "attendee_attendance_rejected",
        "checkpoint_reading_created",
        "attendee_removed_from_event",
        "attendee_updated",
    ];
    let (s, sub) = h
        .post_json("/webhooks", &json!({"url": url, "event_types": topics}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{sub}");
    let secret = sub["secret"]
        .as_str()
        .expect("secret shown at creation")
        .to_owned();
    assert!(
        h.get("/webhooks").await.1[0].get("secret").is_none(),
        "never listed again"
    );

    // Make each event happen through the Access API.
    let att = |who: &str, what: &str| format!("/event/{EVENT}/attendance/{who}/{what}");
    assert_eq!(h.put(&att(ZED, "attend")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(h.put(&att(ERIN, "confirm")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(h.put(&att(BOB, "reject")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(h.access("cp-main", ALICE).await.0, StatusCode::CREATED);
    assert_eq!(h.put(&att(ZED, "leave")).await.0, StatusCode::NO_CONTENT);
    assert_eq!(
        h.patch_form(&format!("/attendee/{ERIN}"), &[("position", "CTO")])
            .await
            .0,
        StatusCode::NO_CONTENT
    );

    let expect = [
        ("attendee_added_to_event", ZED),
        ("attendee_attendance_confirmed", ERIN),
        ("attendee_attendance_rejected", BOB),
        ("checkpoint_reading_created", ALICE),
        ("attendee_removed_from_event", ZED),
        ("attendee_updated", ERIN),
    ];
    for (name, who) in expect {
        let (sig, body, json) = wait_for(&inbox, name, who).await;
        let sig = sig.unwrap_or_else(|| panic!("{name}: no signature header"));
        assert!(
            entrada_webhook::verify_eventwo(&secret, &body, &sig).is_ok(),
            "{name}: bad signature"
        );
        // The PHP check of the documentation, spelled out: base64(HMAC-SHA256(secret, body)).
        assert_eq!(
            sig,
            entrada_webhook::signature::eventwo_signature(&secret, &body)
        );
        assert!(json["webhook_identifier"].is_string());
        assert_eq!(json["event"]["id"], EVENT, "{name}");
    }
    let (_, _, reading) = wait_for(&inbox, "checkpoint_reading_created", ALICE).await;
    assert_eq!(reading["checkpoint"]["id"], "cp-main");
    assert_eq!(reading["checkpoint"]["direction"], "in");
    assert!(reading["reading_date"].is_string());
    let (_, _, confirmed) = wait_for(&inbox, "attendee_attendance_confirmed", ERIN).await;
    assert_eq!(confirmed["confirmed"], true);
    let (_, _, updated) = wait_for(&inbox, "attendee_updated", ERIN).await;
    assert_eq!(updated["attendee"]["position"], "CTO");

    // The delivery log shows them delivered.
    let id = sub["id"].as_str().expect("id");
    let mut delivered = 0;
    for _ in 0..100 {
        let (_, log) = h.get(&format!("/webhooks/{id}/deliveries")).await;
        delivered = log
            .as_array()
            .map(|l| l.iter().filter(|d| d["state"] == "delivered").count())
            .unwrap_or(0);
        if delivered >= expect.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(delivered >= expect.len());
    h.stop().await;
}

#[tokio::test]
async fn subscription_management() {
    let h = start().await;
    let (s, v) = h
        .post_json(
            "/webhooks",
            &json!({"url": "ftp://example.com/x", "event_types": ["attendee_updated"]}),
        )
        .await;
    assert_eq!(
        (s, v["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("url"))
    );
    let (s, v) = h
        .post_json(
            "/webhooks",
            &json!({"url": "https://example.com/x", "event_types": ["nope"]}),
        )
        .await;
    assert_eq!(
        (s, v["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("event_types"))
    );
    let (s, sub) = h
        .post_json(
            "/webhooks",
            &json!({"url": "https://example.com/x", "event_types": ["attendee_updated"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let id = sub["id"].as_str().expect("id");
    assert_eq!(
        h.put(&format!("/webhooks/{id}/disable")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(h.get(&format!("/webhooks/{id}")).await.1["enabled"], false);
    assert_eq!(
        h.put(&format!("/webhooks/{id}/enable")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(h.get(&format!("/webhooks/{id}")).await.1["enabled"], true);
    assert_eq!(
        h.delete(&format!("/webhooks/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.get(&format!("/webhooks/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.delete(&format!("/webhooks/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploaded_readings_fire_when_the_hub_fires_for_the_fleet() {
    let (url, inbox) = receiver().await;
    let mut h = start_with(|c| c.fire_uploaded_readings = true).await;
    let (s, sub) = h
        .post_json(
            "/webhooks",
            &json!({"url": url, "event_types": ["checkpoint_reading_created"]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let secret = sub["secret"].as_str().expect("secret").to_owned();
    let batch = json!({"device": {"id": "dev-9", "name": "door-9"}, "readings": [
        {"id": "up-1", "checkpoint_id": "cp-main", "attendee_id": ALICE,
         "reading_date": "2026-11-22T10:00:00+01:00", "verdict": "accepted",
         "accepted": true, "kind": "scan"}]});
    let (s, _) = h
        .post_json(&format!("/event/{EVENT}/readings"), &batch)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (sig, body, json) = wait_for(&inbox, "checkpoint_reading_created", ALICE).await;
    assert!(entrada_webhook::verify_eventwo(&secret, &body, &sig.unwrap_or_default()).is_ok());
    assert_eq!(json["reading_date"], "2026-11-22T10:00:00+01:00");
    h.stop().await;
}
