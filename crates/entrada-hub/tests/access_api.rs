//! One test per documented response of access-api.txt, over real HTTP on 127.0.0.1.
//!
//! One file on purpose, although long: its sections follow access-api.txt endpoint by
//! endpoint, so a reader holds the two side by side and sees at once which documented
//! answer has no test. The extensions have their own file (`extensions.rs`).

mod common;

use common::*;
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

// ---------------------------------------------------------------- Authentication

#[tokio::test]
async fn token_is_issued_with_the_documented_shape() {
    let h = start().await;
    let (s, v) = h
        .send(h.http.post(h.url("/oauth/v2/token")).form(&[
            ("client_id", "demo"),
            ("client_secret", "demo-secret"),
            ("grant_type", "client_credentials"),
            ("scope", "event_admin"),
        ]))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["expires_in"], 3600);
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["scope"], "event_admin");
    assert!(v["access_token"].as_str().is_some_and(|t| t.len() >= 32));
}

#[tokio::test]
async fn invalid_client_gets_the_documented_error() {
    let h = start().await;
    let (s, v) = h
        .send(h.http.post(h.url("/oauth/v2/token")).form(&[
            ("client_id", "demo"),
            ("client_secret", "wrong"),
            ("grant_type", "client_credentials"),
        ]))
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(
        v,
        json!({"error": "invalid_client", "error_description": "The client credentials are invalid"})
    );
}

#[tokio::test]
async fn no_scope_grants_basic_which_cannot_write() {
    let h = start().await;
    let (s, v) = h
        .send(h.http.post(h.url("/oauth/v2/token")).json(&json!({
            "client_id": "demo", "client_secret": "demo-secret", "grant_type": "client_credentials"
        })))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["scope"], "basic");
    let basic = v["access_token"].as_str().unwrap_or_default().to_owned();
    let r = h
        .http
        .get(h.url("/event"))
        .bearer_auth(&basic)
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::OK);
    let r = h
        .http
        .post(h.url("/tag"))
        .bearer_auth(&basic)
        .form(&[("name", "x")])
        .send()
        .await
        .expect("post");
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn missing_invalid_and_expired_tokens_are_401() {
    let mut h = start_with(|c| c.token_ttl = std::time::Duration::from_secs(1)).await;
    let r = h.http.get(h.url("/attendee")).send().await.expect("get");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().contains_key("www-authenticate"));
    let r = h
        .http
        .get(h.url("/attendee"))
        .bearer_auth("nope")
        .send()
        .await
        .expect("get");
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // Wait until the one-second token has certainly expired.
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let (s, v) = h.get("/attendee").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(v["message"], "The access token provided has expired.");
    h.stop().await;
}

#[tokio::test]
async fn bad_grant_and_scope_are_400() {
    let h = start().await;
    let (s, v) = h
        .send(h.http.post(h.url("/oauth/v2/token")).form(&[
            ("client_id", "demo"),
            ("client_secret", "demo-secret"),
            ("grant_type", "password"),
        ]))
        .await;
    assert_eq!(
        (s, v["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("unsupported_grant_type"))
    );
    let (s, v) = h
        .send(h.http.post(h.url("/oauth/v2/token")).form(&[
            ("client_id", "demo"),
            ("client_secret", "demo-secret"),
            ("grant_type", "client_credentials"),
            ("scope", "root"),
        ]))
        .await;
    assert_eq!(
        (s, v["error"].clone()),
        (StatusCode::BAD_REQUEST, json!("invalid_scope"))
    );
}

// ---------------------------------------------------------------- Attendees

#[tokio::test]
async fn list_attendees() {
    let h = start().await;
    let (s, v) = h.get("/attendee").await;
    assert_eq!(s, StatusCode::OK);
    let list = v.as_array().expect("array");
    assert_eq!(list.len(), 47);
    let alice = list.iter().find(|a| a["id"] == ALICE).expect("alice");
    assert_eq!(alice["tags"][0]["id"], "t-vip");
    assert!(
        alice["qr"]
            .as_str()
            .is_some_and(|q| q.ends_with(&format!("/attendee/{ALICE}/qr")))
    );
}

fn create_form(name: &str, email: &str) -> Form {
    Form::new()
        .text("name", name.to_owned())
        .text("email", email.to_owned())
        .text("position", "CEO")
        .text("company", "Access by evenTwo")
        .text("phone_number", "919999999")
}

#[tokio::test]
async fn create_attendee_with_photo() {
    let h = start().await;
    let form = create_form("Sample attendee", "sample@example.com")
        .text("qr_data", "CUSTOM-QR-12345")
        .part(
            "photo",
            Part::bytes(png(64, 48))
                .file_name("some-photo.png")
                .mime_str("image/png")
                .expect("mime"),
        );
    let (s, v) = h
        .send(h.req(Method::POST, "/attendee").multipart(form))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["name"], "Sample attendee");
    assert_eq!(v["qr_data"], "CUSTOM-QR-12345");
    assert_eq!(v["active"], true);
    assert_eq!(v["tags"], json!([]));
    let id = v["id"].as_str().expect("id");
    assert!(v["qr"].as_str().is_some_and(|q| q.contains(id)));
    let photo = v["photo"].as_str().expect("photo url");
    let r = h.http.get(photo).send().await.expect("photo");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.bytes().await.expect("bytes").to_vec(), png(64, 48));
    // The QR data finds the new attendee at a door.
    let (s, got) = h.get(&format!("/attendee/{id}")).await;
    assert_eq!(
        (s, got["email"].clone()),
        (StatusCode::OK, json!("sample@example.com"))
    );
}

#[tokio::test]
async fn create_attendee_missing_name() {
    let h = start().await;
    let (s, v) = h
        .post_form("/attendee", &[("email", "x@example.com")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v,
        validation(
            "name",
            "missing_field",
            Some("This value should not be blank.")
        )
    );
}

#[tokio::test]
async fn create_attendee_invalid_email() {
    let h = start().await;
    let (s, v) = h
        .post_form("/attendee", &[("name", "X"), ("email", "not-an-email")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v,
        validation(
            "email",
            "invalid",
            Some("This value is not a valid email address.")
        )
    );
}

#[tokio::test]
async fn create_attendee_invalid_image() {
    let h = start().await;
    let bad = validation("photo", "invalid", Some("This file is not a valid image."));
    // Not an image at all.
    let form = create_form("X", "x1@example.com").part(
        "photo",
        Part::bytes(b"hello".to_vec())
            .file_name("a.jpg")
            .mime_str("image/jpeg")
            .expect("mime"),
    );
    let (s, v) = h
        .send(h.req(Method::POST, "/attendee").multipart(form))
        .await;
    assert_eq!((s, v), (StatusCode::UNPROCESSABLE_ENTITY, bad.clone()));
    // Too large in pixels.
    let form = create_form("X", "x2@example.com").part(
        "photo",
        Part::bytes(png(2049, 1))
            .file_name("a.png")
            .mime_str("image/png")
            .expect("mime"),
    );
    let (s, v) = h
        .send(h.req(Method::POST, "/attendee").multipart(form))
        .await;
    assert_eq!((s, v), (StatusCode::UNPROCESSABLE_ENTITY, bad.clone()));
    // A format the API does not accept (BMP header).
    let form = create_form("X", "x3@example.com").part(
        "photo",
        Part::bytes(b"BM\x1e\0\0\0\0\0\0\0\x1a\0\0\0".to_vec()).file_name("a.bmp"),
    );
    let (s, v) = h
        .send(h.req(Method::POST, "/attendee").multipart(form))
        .await;
    assert_eq!((s, v), (StatusCode::UNPROCESSABLE_ENTITY, bad));
    // Nothing was created.
    let (_, list) = h.get("/attendee").await;
    assert_eq!(list.as_array().map(Vec::len), Some(47));
}

#[tokio::test]
async fn create_attendee_existing_qr() {
    let h = start().await;
    let (s, v) = h
        .post_form(
            "/attendee",
            &[
                ("name", "X"),
                ("email", "new@example.com"),
                ("qr_data", ALICE),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        v,
        validation(
            "qrData",
            "invalid",
            Some("There is already another contact with the same QR code")
        )
    );
}

#[tokio::test]
async fn create_attendee_same_email_is_409() {
    let h = start().await;
    let (s, v) = h
        .post_form(
            "/attendee",
            &[("name", "X"), ("email", "alice@example.com")],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        v,
        json!({"message": "Validation failed", "errors": {"field": "email", "code": "invalid",
               "message": "An attendee with the same email already exists"}})
    );
}

#[tokio::test]
async fn get_attendee() {
    let h = start().await;
    let (s, v) = h.get(&format!("/attendee/{ALICE}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["id"], ALICE);
    assert_eq!(v["qr_data"], ALICE);
    assert_eq!(v["name"], "Alice Archer");
}

#[tokio::test]
async fn get_attendee_404() {
    let h = start().await;
    assert_eq!(h.get("/attendee/nobody").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn update_attendee_204() {
    let h = start().await;
    let form = Form::new()
        .text("name", "New name")
        .text("position", "New position")
        .text("qr_data", "CUSTOM-QR-BOB");
    let (s, _) = h
        .send(
            h.req(Method::PATCH, &format!("/attendee/{BOB}"))
                .multipart(form),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (_, v) = h.get(&format!("/attendee/{BOB}")).await;
    assert_eq!(
        (v["name"].clone(), v["position"].clone()),
        (json!("New name"), json!("New position"))
    );
    assert_eq!(v["qr_data"], "CUSTOM-QR-BOB");
    // Empty qr_data leaves it alone.
    let (s, _) = h
        .patch_form(&format!("/attendee/{BOB}"), &[("qr_data", "")])
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        h.get(&format!("/attendee/{BOB}")).await.1["qr_data"],
        "CUSTOM-QR-BOB"
    );
}

#[tokio::test]
async fn update_attendee_404() {
    let h = start().await;
    assert_eq!(
        h.patch_form("/attendee/nobody", &[("name", "x")]).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn update_attendee_invalid_email() {
    let h = start().await;
    let (s, v) = h
        .patch_form(&format!("/attendee/{BOB}"), &[("email", "nope")])
        .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation(
                "email",
                "invalid",
                Some("This value is not a valid email address.")
            )
        )
    );
}

#[tokio::test]
async fn update_attendee_invalid_image() {
    let h = start().await;
    let form = Form::new().part(
        "photo",
        Part::bytes(b"GIF89a-broken".to_vec())
            .file_name("x.gif")
            .mime_str("image/gif")
            .expect("mime"),
    );
    let (s, v) = h
        .send(
            h.req(Method::PATCH, &format!("/attendee/{BOB}"))
                .multipart(form),
        )
        .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation("photo", "invalid", Some("This file is not a valid image."))
        )
    );
}

#[tokio::test]
async fn update_attendee_existing_qr() {
    let h = start().await;
    let (s, v) = h
        .patch_form(&format!("/attendee/{BOB}"), &[("qr_data", ALICE)])
        .await;
    assert_eq!(
        (s, v),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation(
                "qrData",
                "invalid",
                Some("There is already another contact with the same QR code")
            )
        )
    );
}

#[tokio::test]
async fn update_attendee_same_email_is_409() {
    let h = start().await;
    let (s, v) = h
        .patch_form(
            &format!("/attendee/{BOB}"),
            &[("email", "ALICE@example.com")],
        )
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(
        v["errors"]["message"],
        "An attendee with the same email already exists"
    );
}

#[tokio::test]
async fn add_and_remove_tag() {
    let h = start().await;
    let path = format!("/attendee/{BOB}/tags/t-vip");
    assert_eq!(h.put(&path).await.0, StatusCode::NO_CONTENT);
    let (_, v) = h.get(&format!("/attendee/{BOB}")).await;
    assert_eq!(v["tags"][0]["name"], "VIP");
    // The new tag opens the VIP door.
    assert_eq!(h.access("cp-vip", BOB).await.0, StatusCode::CREATED);
    assert_eq!(h.delete(&path).await.0, StatusCode::NO_CONTENT);
    assert_eq!(
        h.get(&format!("/attendee/{BOB}")).await.1["tags"],
        json!([])
    );
}

#[tokio::test]
async fn tag_routes_answer_404_for_unknown_attendee() {
    let h = start().await;
    assert_eq!(
        h.put("/attendee/nobody/tags/t-vip").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.delete("/attendee/nobody/tags/t-vip").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn tag_routes_answer_422_for_unknown_tag() {
    let h = start().await;
    let want = validation("tag_id", "missing", None);
    assert_eq!(
        h.put(&format!("/attendee/{BOB}/tags/t-none")).await,
        (StatusCode::UNPROCESSABLE_ENTITY, want.clone())
    );
    assert_eq!(
        h.delete(&format!("/attendee/{BOB}/tags/t-none")).await,
        (StatusCode::UNPROCESSABLE_ENTITY, want)
    );
}

#[tokio::test]
async fn deactivate_and_activate() {
    let h = start().await;
    assert_eq!(
        h.put(&format!("/attendee/{BOB}/deactivate")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(h.get(&format!("/attendee/{BOB}")).await.1["active"], false);
    let (s, v) = h.access("cp-main", BOB).await;
    assert_eq!(
        (s, v),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation("attendee_id", "invalid", Some("The attendee is not active"))
        )
    );
    assert_eq!(
        h.put(&format!("/attendee/{BOB}/activate")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(h.access("cp-main", BOB).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn activation_404() {
    let h = start().await;
    assert_eq!(
        h.put("/attendee/nobody/activate").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.put("/attendee/nobody/deactivate").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn delete_attendee() {
    let h = start().await;
    assert_eq!(
        h.delete(&format!("/attendee/{ERIN}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.get(&format!("/attendee/{ERIN}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.delete(&format!("/attendee/{ERIN}")).await.0,
        StatusCode::NOT_FOUND
    );
}

// ---------------------------------------------------------------- Tags

#[tokio::test]
async fn tags_crud() {
    let h = start().await;
    let (s, v) = h.get("/tag").await;
    assert_eq!((s, v.as_array().map(Vec::len)), (StatusCode::OK, Some(2)));
    let (s, t) = h.post_form("/tag", &[("name", "New tag")]).await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(t["name"], "New tag");
    assert!(t["created_at"].is_string());
    let id = t["id"].as_str().expect("id").to_owned();
    assert_eq!(
        h.get(&format!("/tag/{id}")).await,
        (StatusCode::OK, t.clone())
    );
    assert_eq!(
        h.patch_form(&format!("/tag/{id}"), &[("name", "new tag name")])
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(h.get(&format!("/tag/{id}")).await.1["name"], "new tag name");
    assert_eq!(
        h.delete(&format!("/tag/{id}")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(h.get(&format!("/tag/{id}")).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn create_tag_missing_name() {
    let h = start().await;
    assert_eq!(
        h.post_form("/tag", &[]).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation(
                "name",
                "missing_field",
                Some("This value should not be blank.")
            )
        )
    );
}

#[tokio::test]
async fn create_and_rename_tag_with_existing_name() {
    let h = start().await;
    let want = validation("name", "invalid", Some("This value is already used."));
    assert_eq!(
        h.post_form("/tag", &[("name", "VIP")]).await,
        (StatusCode::UNPROCESSABLE_ENTITY, want.clone())
    );
    assert_eq!(
        h.patch_form("/tag/t-banned", &[("name", "VIP")]).await,
        (StatusCode::UNPROCESSABLE_ENTITY, want)
    );
}

#[tokio::test]
async fn tag_404s() {
    let h = start().await;
    assert_eq!(h.get("/tag/none").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        h.patch_form("/tag/none", &[("name", "x")]).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(h.delete("/tag/none").await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn renaming_a_tag_renames_it_on_attendees() {
    let h = start().await;
    assert_eq!(
        h.patch_form("/tag/t-vip", &[("name", "Gold")]).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.get(&format!("/attendee/{ALICE}")).await.1["tags"][0]["name"],
        "Gold"
    );
}

// ---------------------------------------------------------------- Accesses

#[tokio::test]
async fn access_201_with_the_documented_body() {
    let h = start().await;
    let (s, v) = h.access("cp-big-in", ALICE).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["attendee"]["id"], ALICE);
    assert_eq!(v["check_point"]["id"], "cp-big-in");
    assert_eq!(v["check_point"]["event"]["id"], EVENT);
    assert_eq!(v["type"], "attendee");
    assert_eq!(v["reading_confirmation"]["message"], "<p>Hi</p>");
    let date = v["reading_date"].as_str().expect("date");
    assert!(chrono::DateTime::parse_from_rfc3339(date).is_ok());
    assert_eq!(date.len(), "2023-08-22T13:44:33+02:00".len());
    assert!(v["id"].is_string());
    // JSON bodies work too.
    let (s, _) = h
        .post_json(
            "/checkpoint/cp-main/accesses",
            &json!({"attendee_id": ALICE}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
}

#[tokio::test]
async fn access_unknown_checkpoint_404() {
    let h = start().await;
    assert_eq!(h.access("cp-nowhere", ALICE).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        h.post_form("/checkpoint/cp-nowhere/accesses", &[]).await.0,
        StatusCode::NOT_FOUND
    );
}

async fn refused(checkpoint: &str, attendee: &str, want: Value) {
    let h = start().await;
    let (s, v) = h.access(checkpoint, attendee).await;
    assert_eq!((s, v), (StatusCode::UNPROCESSABLE_ENTITY, want));
}

#[tokio::test]
async fn access_missing_attendee_id() {
    let h = start().await;
    let (s, v) = h.post_form("/checkpoint/cp-main/accesses", &[]).await;
    assert_eq!(
        (s, v),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation("attendee_id", "missing_field", None)
        )
    );
}

#[tokio::test]
async fn access_missing_attendee() {
    refused(
        "cp-main",
        "nobody",
        validation("attendee_id", "missing", None),
    )
    .await;
}

#[tokio::test]
async fn access_not_attending() {
    refused(
        "cp-main",
        ZED,
        validation(
            "attendee_id",
            "invalid",
            Some("The attendee does not attend to the checkpoint event"),
        ),
    )
    .await;
}

#[tokio::test]
async fn access_rejected_attendance() {
    refused(
        "cp-main",
        CAROL,
        validation(
            "attendee_id",
            "invalid",
            Some("The attendee has rejected the attendance to the event"),
        ),
    )
    .await;
}

#[tokio::test]
async fn access_tag_not_allowed() {
    refused(
        "cp-vip",
        BOB,
        validation(
            "attendee_id",
            "invalid",
            Some("The attendee can not access this checkpoint"),
        ),
    )
    .await;
    refused(
        "cp-main",
        BANNED,
        validation(
            "attendee_id",
            "invalid",
            Some("The attendee can not access this checkpoint"),
        ),
    )
    .await;
}

#[tokio::test]
async fn access_max_readings() {
    let h = start().await;
    assert_eq!(h.access("cp-once", BOB).await.0, StatusCode::CREATED);
    assert_eq!(
        h.access("cp-once", BOB).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation(
                "attendee_id",
                "invalid",
                Some("The attendee has reached the maximum readings for this checkpoint")
            )
        )
    );
}

#[tokio::test]
async fn access_inactive_checkpoint() {
    refused(
        "cp-closed",
        ALICE,
        validation("id", "invalid", Some("The checkpoint is not active")),
    )
    .await;
}

#[tokio::test]
async fn access_hosting_expired() {
    let h = start().await;
    let (s, _) = h
        .post_json(
            "/event",
            &json!({"id": "ev-old", "name": "Old", "validity_date": "2020-01-01T00:00:00+00:00"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    let (s, _) = h
        .post_json(
            "/event/ev-old/checkpoints",
            &json!({"id": "cp-old", "name": "Old door"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED);
    assert_eq!(
        h.put(&format!("/event/ev-old/attendance/{ALICE}/attend"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.access("cp-old", ALICE).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation("id", "invalid", Some("The event hosting has expired"))
        )
    );
    // And the expired event is not listed among the events with active hosting.
    let (_, events) = h.get("/event").await;
    assert!(
        events
            .as_array()
            .is_some_and(|e| e.iter().all(|e| e["id"] != "ev-old"))
    );
}

#[tokio::test]
async fn access_already_in_room() {
    let h = start().await;
    assert_eq!(h.access("cp-small-in", ALICE).await.0, StatusCode::CREATED);
    assert_eq!(
        h.access("cp-small-in", ALICE).await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation(
                "attendee_id",
                "attendee_already_in_room",
                Some("The attendee is already in the room associated to the checkpoint")
            )
        )
    );
    // Leaving lets them in again.
    assert_eq!(h.access("cp-small-out", ALICE).await.0, StatusCode::CREATED);
    assert_eq!(h.access("cp-small-in", ALICE).await.0, StatusCode::CREATED);
}

#[tokio::test]
async fn access_room_full() {
    let h = start().await;
    for who in ["a-crowd00", "a-crowd01", "a-crowd02"] {
        assert_eq!(h.access("cp-small-in", who).await.0, StatusCode::CREATED);
    }
    assert_eq!(
        h.access("cp-small-in", "a-crowd03").await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation(
                "id",
                "room_capacity_exceeded",
                Some("The room associated to the checkpoint is full")
            )
        )
    );
}

// ---------------------------------------------------------------- Events

#[tokio::test]
async fn list_events() {
    let h = start().await;
    let (s, v) = h.get("/event").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v[0]["id"], EVENT);
    assert_eq!(v[0]["slug"], "fixture-conf");
}

#[tokio::test]
async fn list_checkpoints() {
    let h = start().await;
    let (s, v) = h.get(&format!("/event/{EVENT}/checkpoints")).await;
    assert_eq!(s, StatusCode::OK);
    let list = v.as_array().expect("array");
    assert_eq!(list.len(), 7);
    let main = list.iter().find(|c| c["id"] == "cp-main").expect("cp-main");
    assert_eq!(main["event"]["id"], EVENT);
    assert_eq!(main["excluded_tags"][0]["id"], "t-banned");
    assert_eq!(main["tags"], json!([]));
}

#[tokio::test]
async fn list_checkpoints_404() {
    let h = start().await;
    assert_eq!(
        h.get("/event/none/checkpoints").await.0,
        StatusCode::NOT_FOUND
    );
}

// ---------------------------------------------------------------- Attendance

#[tokio::test]
async fn list_attendance_with_filters() {
    let h = start().await;
    let (s, all) = h.get(&format!("/event/{EVENT}/attendance")).await;
    assert_eq!(s, StatusCode::OK);
    // Active attendees only: Dave is deactivated.
    assert_eq!(all.as_array().map(Vec::len), Some(45));
    let (_, confirmed) = h
        .get(&format!("/event/{EVENT}/attendance?confirmed=1"))
        .await;
    assert_eq!(confirmed.as_array().map(Vec::len), Some(43));
    let (_, unconfirmed) = h
        .get(&format!("/event/{EVENT}/attendance?confirmed=0"))
        .await;
    let ids: Vec<&str> = unconfirmed
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["attendee"]["id"].as_str())
        .collect();
    assert_eq!(ids, vec![CAROL, ERIN]);
    let (_, by_email) = h
        .get(&format!(
            "/event/{EVENT}/attendance?emails=alice@example.com,BOB@example.com"
        ))
        .await;
    let ids: Vec<&str> = by_email
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|a| a["attendee"]["id"].as_str())
        .collect();
    assert_eq!(ids, vec![ALICE, BOB]);
    assert_eq!(by_email[0]["confirmed"], true);
    assert_eq!(
        h.get(&format!("/event/{EVENT}/attendance?confirmed=maybe"))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        h.get("/event/none/attendance").await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn get_attendance() {
    let h = start().await;
    let (s, v) = h.get(&format!("/event/{EVENT}/attendance/{ALICE}")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["attendee"]["id"], ALICE);
    assert_eq!(v["attendee"]["qr_data"], ALICE);
    assert_eq!(v["confirmed"], true);
}

#[tokio::test]
async fn get_attendance_404s_and_204() {
    let h = start().await;
    assert_eq!(
        h.get(&format!("/event/none/attendance/{ALICE}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.get(&format!("/event/{EVENT}/attendance/nobody")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        h.get(&format!("/event/{EVENT}/attendance/{ZED}")).await,
        (StatusCode::NO_CONTENT, Value::Null)
    );
}

#[tokio::test]
async fn attend_confirm_and_leave() {
    let h = start().await;
    let base = format!("/event/{EVENT}/attendance/{ZED}");
    assert_eq!(
        h.put(&format!("{base}/attend")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(h.get(&base).await.1["confirmed"], false);
    assert_eq!(h.access("cp-main", ZED).await.0, StatusCode::CREATED);
    assert_eq!(
        h.put(&format!("{base}/confirm")).await.0,
        StatusCode::NO_CONTENT
    );
    let (_, v) = h.get(&base).await;
    assert_eq!(v["confirmed"], true);
    assert!(v["confirmation_date"].is_string());
    assert_eq!(
        h.put(&format!("{base}/leave")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(h.get(&base).await.0, StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn attendance_transitions_404() {
    let h = start().await;
    for action in ["attend", "confirm", "reject", "leave"] {
        assert_eq!(
            h.put(&format!("/event/none/attendance/{ALICE}/{action}"))
                .await
                .0,
            StatusCode::NOT_FOUND,
            "{action}"
        );
        assert_eq!(
            h.put(&format!("/event/{EVENT}/attendance/nobody/{action}"))
                .await
                .0,
            StatusCode::NOT_FOUND,
            "{action}"
        );
    }
}

#[tokio::test]
async fn attend_inactive_attendee() {
    let h = start().await;
    assert_eq!(
        h.put(&format!("/attendee/{ZED}/deactivate")).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.put(&format!("/event/{EVENT}/attendance/{ZED}/attend"))
            .await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation("attendee_id", "invalid", Some("The attendee is not active"))
        )
    );
}

#[tokio::test]
async fn confirm_and_reject_when_not_attending() {
    let h = start().await;
    let want = validation(
        "attendee_id",
        "invalid",
        Some("The attendee does not attend to the event."),
    );
    for action in ["confirm", "reject"] {
        assert_eq!(
            h.put(&format!("/event/{EVENT}/attendance/{ZED}/{action}"))
                .await,
            (StatusCode::UNPROCESSABLE_ENTITY, want.clone())
        );
    }
}

#[tokio::test]
async fn confirm_and_reject_inactive_attendee() {
    let h = start().await;
    let want = validation("attendee_id", "invalid", Some("The attendee is not active"));
    for action in ["confirm", "reject"] {
        assert_eq!(
            h.put(&format!("/event/{EVENT}/attendance/{DAVE}/{action}"))
                .await,
            (StatusCode::UNPROCESSABLE_ENTITY, want.clone())
        );
    }
}

#[tokio::test]
async fn reject_then_access_is_refused() {
    let h = start().await;
    assert_eq!(
        h.put(&format!("/event/{EVENT}/attendance/{ERIN}/reject"))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        h.get(&format!("/event/{EVENT}/attendance/{ERIN}")).await.1["rejected"],
        true
    );
    assert_eq!(
        h.access("cp-main", ERIN).await.1["errors"][0]["message"],
        "The attendee has rejected the attendance to the event"
    );
}

#[tokio::test]
async fn reject_after_access_is_refused() {
    let h = start().await;
    assert_eq!(h.access("cp-main", BOB).await.0, StatusCode::CREATED);
    assert_eq!(
        h.put(&format!("/event/{EVENT}/attendance/{BOB}/reject"))
            .await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation(
                "attendee_id",
                "invalid",
                Some("The attendance can not be rejected when the attendee has already accessed")
            )
        )
    );
}

// ---------------------------------------------------------------- Search

#[tokio::test]
async fn search_attendees() {
    let h = start().await;
    let (s, v) = h.get("/search/attendee?q=alice").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v.as_array().map(Vec::len), Some(1));
    assert_eq!(v[0]["id"], ALICE);
    // Restricted to an event: Zed exists but does not attend.
    assert_eq!(
        h.get("/search/attendee?q=zed")
            .await
            .1
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    assert_eq!(
        h.get(&format!("/search/attendee?q=zed&event_id={EVENT}"))
            .await
            .1,
        json!([])
    );
}

#[tokio::test]
async fn search_attendees_missing_query() {
    let h = start().await;
    assert_eq!(
        h.get("/search/attendee").await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation("q", "missing_field", None)
        )
    );
}

#[tokio::test]
async fn search_attendees_missing_event() {
    let h = start().await;
    assert_eq!(
        h.get("/search/attendee?q=a&event_id=none").await,
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation("event_id", "missing", None)
        )
    );
}

#[tokio::test]
async fn search_events() {
    let h = start().await;
    let (s, v) = h.get("/search/event?q=fixture").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v[0]["id"], EVENT);
    assert_eq!(h.get("/search/event?q=nothing-like-it").await.1, json!([]));
}

// ---------------------------------------------------------------- Bad input

#[tokio::test]
async fn unknown_routes_404_and_wrong_methods_405() {
    let h = start().await;
    assert_eq!(h.get("/no/such/route").await.0, StatusCode::NOT_FOUND);
    assert_eq!(h.delete("/event").await.0, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        h.get("/oauth/v2/token").await.0,
        StatusCode::METHOD_NOT_ALLOWED
    );
}

#[tokio::test]
async fn malformed_bodies_are_400() {
    let h = start().await;
    let (s, v) = h
        .send(
            h.req(Method::POST, "/tag")
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(v["message"].is_string());
    let (s, _) = h
        .send(
            h.req(Method::POST, "/attendee")
                .header("content-type", "multipart/form-data; boundary=x")
                .body("garbage"),
        )
        .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let h = start().await;
    let big = vec![b'a'; 7 * 1024 * 1024];
    let r = h
        .req(Method::POST, "/tag")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
