//! The offline-first extensions: discovery, admin creation, the change feed, the readings
//! feed and the idempotent batch upload (see docs/sync-protocol.md).

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn capabilities_and_openapi() {
    let h = start().await;
    let (s, v) = h.send(h.http.get(h.url("/capabilities"))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["api"], "entrada-hub");
    for ext in [
        "changes",
        "readings_feed",
        "readings_upload",
        "admin",
        "webhooks",
    ] {
        assert!(
            v["extensions"]
                .as_array()
                .is_some_and(|e| e.contains(&json!(ext))),
            "{ext}"
        );
    }
    // The largest change-feed page, for devices' first pulls.
    assert_eq!(v["limits"]["changes"], 50_000);
    let (s, doc) = h.send(h.http.get(h.url("/openapi.json"))).await;
    assert_eq!(s, StatusCode::OK);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.")));
    assert_eq!(doc["servers"][0]["url"], h.url(""));
    assert!(doc["paths"]["/event/{id}/changes"].is_object());
    assert!(doc["paths"]["/checkpoint/{id}/accesses"]["post"].is_object());
}

#[tokio::test]
async fn plain_mode_switches_the_extensions_off() {
    let h = start_with(|c| c.plain = true).await;
    assert_eq!(
        h.send(h.http.get(h.url("/capabilities"))).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.get(&format!("/event/{EVENT}/changes")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.post_json("/event", &json!({"name": "x"})).await.0,
        StatusCode::METHOD_NOT_ALLOWED
    );
    assert_eq!(h.access("cp-main", ALICE).await.0, StatusCode::CREATED);
    let (_, doc) = h.send(h.http.get(h.url("/openapi.json"))).await;
    assert!(doc["paths"].get("/event/{id}/changes").is_none());
}

#[tokio::test]
async fn admin_creates_events_rooms_and_checkpoints() {
    let h = start().await;
    let (s, e) = h
        .post_json("/event", &json!({"name": "Second", "slug": "second"}))
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let ev = e["id"].as_str().expect("id").to_owned();
    let (s, _) = h
        .post_json(
            &format!("/event/{ev}/rooms"),
            &json!({"id": "r1", "name": "Hall", "capacity": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, cp) = h
        .post_json(
            &format!("/event/{ev}/checkpoints"),
            &json!({
                "id": "c1", "name": "Hall door", "room_id": "r1", "direction": "in",
                "tags": ["t-vip"], "excluded_tags": [{"id": "t-banned"}], "max_readings": 5
            }),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{cp}");
    assert_eq!(cp["tags"][0]["name"], "VIP");
    assert_eq!(cp["event"]["id"], ev.as_str());
    // Unknown references are refused.
    let (s, v) = h
        .post_json(
            &format!("/event/{ev}/checkpoints"),
            &json!({"name": "x", "room_id": "nowhere"}),
        )
        .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation("room_id", "missing", None)
        )
    );
    let (s, v) = h
        .post_json(
            &format!("/event/{ev}/checkpoints"),
            &json!({"name": "x", "tags": ["t-none"]}),
        )
        .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation("tags", "missing", None)
        )
    );
    assert_eq!(
        h.post_json("/event/none/rooms", &json!({"name": "x"}))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    // The new checkpoint judges with its rules.
    assert_eq!(
        h.put(&format!("/event/{ev}/attendance/{ALICE}/attend"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.put(&format!("/event/{ev}/attendance/{BOB}/attend"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.access("c1", BOB).await.1["errors"][0]["message"],
        "The attendee can not access this checkpoint"
    );
    assert_eq!(h.access("c1", ALICE).await.0, StatusCode::CREATED);
    // PATCH closes it.
    let (s, v) = h
        .send(
            h.req(reqwest::Method::PATCH, "/checkpoint/c1")
                .json(&json!({"active": false})),
        )
        .await;
    assert_eq!((s, v["active"].clone()), (StatusCode::OK, json!(false)));
    assert_eq!(
        h.access("c1", ALICE).await.1["errors"][0]["message"],
        "The checkpoint is not active"
    );
}

async fn all_changes(h: &Hub, since: &str) -> (Vec<Value>, String) {
    let mut out = Vec::new();
    let mut cursor = since.to_owned();
    loop {
        let (s, page) = h
            .get(&format!("/event/{EVENT}/changes?since={cursor}&limit=7"))
            .await;
        assert_eq!(s, StatusCode::OK);
        out.extend(page["changes"].as_array().cloned().unwrap_or_default());
        cursor = page["next"].as_str().expect("next").to_owned();
        if page["more"] != true {
            assert_eq!(page["remaining"], 0);
            return (out, cursor);
        }
    }
}

#[tokio::test]
async fn change_feed_is_incremental_and_compacted() {
    let h = start().await;
    let (first, cursor) = all_changes(&h, "0").await;
    let count = |kind: &str| first.iter().filter(|c| c["entity"] == kind).count();
    assert_eq!(count("event"), 1);
    assert_eq!(count("tag"), 2);
    assert_eq!(count("room"), 2);
    assert_eq!(count("checkpoint"), 7);
    assert_eq!(count("attendee"), 47);
    assert_eq!(count("attendance"), 46);
    // Nothing changed: nothing to pull.
    assert!(all_changes(&h, &cursor).await.0.is_empty());
    // Two edits of one attendee are one entry with the latest state; a leave is a tombstone.
    h.patch_form(&format!("/attendee/{BOB}"), &[("position", "One")])
        .await;
    h.patch_form(&format!("/attendee/{BOB}"), &[("position", "Two")])
        .await;
    h.put(&format!("/event/{EVENT}/attendance/{ERIN}/leave"))
        .await;
    let (delta, _) = all_changes(&h, &cursor).await;
    let bob: Vec<&Value> = delta
        .iter()
        .filter(|c| c["entity"] == "attendee" && c["id"] == BOB)
        .collect();
    assert_eq!(bob.len(), 1);
    assert_eq!(bob[0]["data"]["position"], "Two");
    let erin = delta
        .iter()
        .find(|c| c["entity"] == "attendance" && c["id"] == ERIN)
        .expect("tombstone");
    assert_eq!(
        (erin["op"].clone(), erin["data"].clone()),
        (json!("delete"), Value::Null)
    );
    // Accesses do not touch the feed (occupancy lives in the readings feed).
    let (_, cursor) = all_changes(&h, "0").await;
    h.access("cp-small-in", ALICE).await;
    assert!(all_changes(&h, &cursor).await.0.is_empty());
    assert_eq!(
        h.get(&format!("/event/{EVENT}/changes?since=abc")).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(h.get("/event/none/changes").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn change_feed_pages_nest_the_current_attendee_and_honour_large_limits() {
    let h = start().await;
    h.patch_form(&format!("/attendee/{BOB}"), &[("position", "Three")])
        .await;
    // A limit above the hub's largest page is served as that page, here the whole feed.
    let (s, page) = h
        .get(&format!("/event/{EVENT}/changes?since=0&limit=1000000"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (page["more"].clone(), page["remaining"].clone()),
        (json!(false), json!(0))
    );
    let changes = page["changes"].as_array().cloned().unwrap_or_default();
    let (paged, _) = all_changes(&h, "0").await;
    assert_eq!(changes, paged);
    let entry = |entity: &str| {
        changes
            .iter()
            .find(|c| c["entity"] == entity && c["id"] == BOB)
            .cloned()
            .unwrap_or(Value::Null)
    };
    // The attendance entry carries the attendee as it is now, like GET .../attendance.
    let attendee = entry("attendee");
    let attendance = entry("attendance");
    assert_eq!(attendee["data"]["position"], "Three");
    assert_eq!(attendance["data"]["attendee"], attendee["data"]);
    let (_, listed) = h.get(&format!("/event/{EVENT}/attendance")).await;
    let bob = listed
        .as_array()
        .and_then(|l| l.iter().find(|a| a["attendee"]["id"] == BOB))
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(bob["attendee"]["position"], "Three");
    assert_eq!(bob["confirmed"], attendance["data"]["confirmed"]);
}

fn reading(id: &str, cp: &str, who: &str, date: &str, accepted: bool) -> Value {
    json!({"id": id, "checkpoint_id": cp, "attendee_id": who, "reading_date": date,
           "verdict": if accepted { "accepted" } else { "tag_not_allowed" },
           "accepted": accepted, "kind": "scan"})
}

#[tokio::test]
async fn upload_is_idempotent_and_keeps_conflicts() {
    let h = start().await;
    let path = format!("/event/{EVENT}/readings");
    let batch = json!({"device": {"id": "dev-1", "name": "door-1"}, "readings": [
        reading("r-late", "cp-once", BOB, "2026-11-22T10:05:00+01:00", true),
        reading("r-early", "cp-once", BOB, "2026-11-22T10:00:00+01:00", true),
        reading("r-refused", "cp-vip", BOB, "2026-11-22T10:01:00+01:00", false),
        reading("r-rejected", "cp-nowhere", BOB, "2026-11-22T10:02:00+01:00", true),
        reading("r-closed", "cp-closed", ALICE, "2026-11-22T10:03:00+01:00", true),
    ]});
    let (s, v) = h.post_json(&path, &batch).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let status: Vec<&str> = v["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["status"].as_str())
        .collect();
    // r-late was stored before r-early arrived; the answer is given per reading as filed.
    assert_eq!(
        status,
        vec!["stored", "stored", "audit", "rejected", "conflict"]
    );
    assert_eq!(v["results"][4]["hub_verdict"], "checkpoint_inactive");
    // The same batch again: stored once, flagged duplicate, with the current word on each:
    // the later reading in time is the max-readings conflict, whatever the upload order.
    let (_, again) = h.post_json(&path, &batch).await;
    assert_eq!(again["results"][0]["duplicate"], true);
    assert_eq!(again["results"][0]["status"], "conflict");
    assert_eq!(again["results"][0]["hub_verdict"], "max_readings_reached");
    assert_eq!(again["results"][1]["status"], "stored");
    // The readings feed shows accepted readings (conflicts included, flagged), not audits.
    let (s, feed) = h.get(&format!("/event/{EVENT}/readings?since=0")).await;
    assert_eq!(s, StatusCode::OK);
    let ids: Vec<&str> = feed["readings"]
        .as_array()
        .expect("readings")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.contains(&"r-late") && ids.contains(&"r-early") && ids.contains(&"r-closed"));
    let late = feed["readings"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["id"] == "r-late"))
        .expect("late");
    assert_eq!(late["conflict"], true);
    assert_eq!(late["device"], "door-1");
    assert_eq!(late["reading_date"], "2026-11-22T10:05:00+01:00");
    // The hub's own rules count the uploaded fact: BOB's swag is gone.
    assert_eq!(
        h.access("cp-once", BOB).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    // Cursor: nothing new after `next`, the hub's own reading appears after it.
    let next = feed["next"].as_str().expect("next").to_owned();
    assert_eq!(
        h.get(&format!("/event/{EVENT}/readings?since={next}"))
            .await
            .1["readings"],
        json!([])
    );
    assert_eq!(h.access("cp-main", ALICE).await.0, StatusCode::CREATED);
    let (_, newer) = h
        .get(&format!("/event/{EVENT}/readings?since={next}"))
        .await;
    assert_eq!(newer["readings"][0]["attendee_id"], ALICE);
    assert_eq!(newer["readings"][0]["checkpoint_id"], "cp-main");
}

#[tokio::test]
async fn upload_refuses_bad_batches() {
    let h = start().await;
    let path = format!("/event/{EVENT}/readings");
    let too_many: Vec<Value> = (0..1001)
        .map(|i| {
            reading(
                &format!("r{i}"),
                "cp-main",
                BOB,
                "2026-11-22T10:00:00+01:00",
                true,
            )
        })
        .collect();
    let (s, v) = h
        .post_json(&path, &json!({"device": {"id": "d"}, "readings": too_many}))
        .await;
    assert_eq!(
        (s, v["errors"][0]["field"].clone()),
        (StatusCode::UNPROCESSABLE_ENTITY, json!("readings"))
    );
    let (s, _) = h.post_json(&path, &json!({"readings": []})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = h
        .post_json(
            "/event/none/readings",
            &json!({"device": {"id": "d"}, "readings": []}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn reimport_never_wipes_readings() {
    let mut h = start().await;
    assert_eq!(h.access("cp-main", ALICE).await.0, StatusCode::CREATED);
    let db = h.dir.path().join("hub.db");
    h.stop().await;
    // Restart on the same database with the same snapshot imported again.
    let mut config = entrada_hub::HubConfig::new(&db);
    config.snapshot = Some(snapshot());
    let hub = entrada_hub::serve(config).await.expect("restart");
    h.hub = Some(hub);
    h.token = h.token_for("event_admin").await;
    let (_, feed) = h.get(&format!("/event/{EVENT}/readings")).await;
    assert_eq!(feed["readings"].as_array().map(Vec::len), Some(1));
    // And the replica still judges with it: Alice is already counted at cp-main's event.
    assert_eq!(
        h.put(&format!("/event/{EVENT}/attendance/{ALICE}/reject"))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    h.stop().await;
}

#[tokio::test]
async fn restarting_with_other_credentials_revokes_the_demo_client() {
    let mut h = start().await;
    let old_token = h.token.clone();
    let db = h.dir.path().join("hub.db");
    h.stop().await;
    let mut config = entrada_hub::HubConfig::new(&db);
    config.client_id = "venue".into();
    config.client_secret = "s3cret".into();
    h.hub = Some(entrada_hub::serve(config).await.expect("restart"));
    let (s, v) = h
        .send(h.http.post(h.url("/oauth/v2/token")).form(&[
            ("client_id", "demo"),
            ("client_secret", "demo-secret"),
            ("grant_type", "client_credentials"),
        ]))
        .await;
    assert_eq!(
        (s, v["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalid_client"))
    );
    let r = h
        .http
        .get(h.url("/event"))
        .bearer_auth(&old_token)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (s, _) = h
        .send(h.http.post(h.url("/oauth/v2/token")).form(&[
            ("client_id", "venue"),
            ("client_secret", "s3cret"),
            ("grant_type", "client_credentials"),
            ("scope", "event_admin"),
        ]))
        .await;
    assert_eq!(s, StatusCode::OK);
    h.stop().await;
}
