//! Events enter the outbox with the reading that caused them, shaped like the Access API
//! webhook reference.

mod webhooks_support;

use entrada_demo as demo;
use entrada_domain::ReadingId;
use entrada_secret::SecretBox;
use entrada_webhook::{self as webhook, DeliveryFilter, Topic};
use webhooks_support::*;

fn bodies(store: &entrada_store::Store, sub: &str) -> Vec<serde_json::Value> {
    let conn = store.connection();
    let list = webhook::deliveries(
        conn,
        &DeliveryFilter {
            subscription: Some(sub),
            ..Default::default()
        },
    )
    .unwrap();
    list.iter()
        .map(|d| {
            let body: String = conn
                .query_row(
                    "SELECT body FROM webhook_deliveries WHERE id = ?1",
                    [&d.id],
                    |r| r.get(0),
                )
                .unwrap();
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(v["webhook_identifier"], d.id.as_str());
            v
        })
        .collect()
}

#[test]
fn accepted_readings_fan_out_to_matching_subscriptions_only() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut store) = demo_store(dir.path(), 30);
    let secrets = SecretBox::from_key(KEY);
    let conn = store.connection();
    let readings = webhook::add_subscription(
        conn,
        &secrets,
        "https://crm.example.com/hook",
        &[Topic::CheckpointReadingCreated],
    )
    .unwrap();
    let undos = webhook::add_subscription(
        conn,
        &secrets,
        "http://127.0.0.1:9/undo",
        &[Topic::CheckpointReadingUndone, Topic::AttendeeUpdated],
    )
    .unwrap();
    let off = webhook::add_subscription(
        conn,
        &secrets,
        "http://localhost:9/off",
        &[Topic::CheckpointReadingCreated],
    )
    .unwrap();
    webhook::set_enabled(conn, &off.id, false).unwrap();
    assert!(readings.secret.starts_with("whsec_"));

    let outcomes = scan_all(&mut store, 30);
    let accepted: Vec<_> = outcomes.iter().filter(|o| o.accepted).collect();
    assert!(accepted.len() > 5 && accepted.len() < outcomes.len());

    let created = bodies(&store, &readings.id);
    assert_eq!(
        created.len(),
        accepted.len(),
        "one event per accepted reading"
    );
    assert!(bodies(&store, &undos.id).is_empty());
    assert!(
        bodies(&store, &off.id).is_empty(),
        "disabled: nothing queued"
    );

    // Shape of the reference payload, plus direction and reading_id.
    let last = accepted.last().unwrap();
    let v = &created[0]; // newest first
    assert_eq!(v["webhook_name"], "checkpoint_reading_created");
    assert_eq!(v["reading_id"], last.reading_id.as_str());
    assert_eq!(
        v["attendee"]["id"],
        last.attendee_id.as_ref().unwrap().as_str()
    );
    for key in [
        "email",
        "name",
        "position",
        "company",
        "phone_number",
        "active",
        "language",
        "tags",
        "registration",
    ] {
        assert!(v["attendee"].get(key).is_some(), "attendee.{key}");
    }
    assert_eq!(v["event"]["id"], demo::EVENT_ID);
    for key in ["name", "slug", "timezone"] {
        assert!(v["event"].get(key).is_some(), "event.{key}");
    }
    assert_eq!(v["checkpoint"]["id"], demo::MAIN_ENTRANCE);
    assert_eq!(v["checkpoint"]["direction"], "in");
    for key in ["name", "primary", "active", "tags"] {
        assert!(v["checkpoint"].get(key).is_some(), "checkpoint.{key}");
    }
    assert_eq!(v["reading_date"], last.reading_date.as_str());
    let ids: std::collections::HashSet<_> = created
        .iter()
        .map(|v| v["webhook_identifier"].to_string())
        .collect();
    assert_eq!(ids.len(), created.len(), "identifiers are unique");

    // An undo fires the Entrada undo topic to its subscriber only.
    let undo = store.undo(&last.reading_id, None).unwrap();
    let undone = bodies(&store, &undos.id);
    assert_eq!(undone.len(), 1);
    assert_eq!(
        undone[0]["webhook_name"],
        "entrada_checkpoint_reading_undone"
    );
    assert_eq!(undone[0]["reading_id"], last.reading_id.as_str());
    assert_eq!(undone[0]["undone_by"]["reading_id"], undo.as_str());
    assert_eq!(bodies(&store, &readings.id).len(), accepted.len());
}

#[test]
fn event_rolls_back_with_its_reading_and_device_firing_can_be_turned_off() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut store) = demo_store(dir.path(), 10);
    let secrets = SecretBox::from_key(KEY);
    let sub = webhook::add_subscription(
        store.connection(),
        &secrets,
        "https://x.example/h",
        &[Topic::CheckpointReadingCreated, Topic::AttendeeAddedToEvent],
    )
    .unwrap();

    // The hub's path: enqueue inside the caller's transaction; a rollback takes it away.
    let snapshot = demo::snapshot(10);
    let payload = webhook::payload::attendance(&snapshot.attendance[0], &snapshot.event);
    {
        let tx = store.connection_mut().transaction().unwrap();
        let ids = webhook::enqueue(&tx, Topic::AttendeeAddedToEvent, &payload).unwrap();
        assert_eq!(ids.len(), 1);
        tx.rollback().unwrap();
    }
    assert!(bodies(&store, &sub.id).is_empty());
    {
        let tx = store.connection_mut().transaction().unwrap();
        webhook::enqueue(&tx, Topic::AttendeeAddedToEvent, &payload).unwrap();
        tx.commit().unwrap();
    }
    let added = bodies(&store, &sub.id);
    assert_eq!(added.len(), 1);
    assert_eq!(added[0]["webhook_name"], "attendee_added_to_event");
    for key in [
        "attendee",
        "event",
        "invited",
        "invitation_date",
        "confirmed",
        "confirmation_date",
        "confirmation_email_sent",
        "rejected",
        "rejection_date",
        "rejection_email_sent_date",
    ] {
        assert!(added[0].get(key).is_some(), "{key}");
    }

    store.set_meta(webhook::FIRE_ON_DEVICE_KEY, "off").unwrap();
    scan_all(&mut store, 10);
    assert_eq!(bodies(&store, &sub.id).len(), 1, "device firing is off");
}

#[test]
fn subscriptions_validate_urls_and_topics_and_seal_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let (_, store) = demo_store(dir.path(), 3);
    let secrets = SecretBox::from_key(KEY);
    let conn = store.connection();
    let t = [Topic::CheckpointReadingCreated];
    assert!(webhook::add_subscription(conn, &secrets, "http://crm.example.com/h", &t).is_err());
    assert!(webhook::add_subscription(conn, &secrets, "ftp://127.0.0.1/h", &t).is_err());
    assert!(webhook::add_subscription(conn, &secrets, "https://crm.example.com/h", &[]).is_err());
    assert!(webhook::add_subscription(conn, &secrets, "http://[::1]:8080/h", &t).is_ok());
    assert!(matches!(
        Topic::parse("ticketing_sale_created"),
        Err(webhook::TopicError::UpstreamOnly(_))
    ));
    assert!(matches!(
        Topic::parse("nope"),
        Err(webhook::TopicError::Unknown(_))
    ));

    let created = webhook::add_subscription(conn, &secrets, "https://a.example/h", &t).unwrap();
    let sealed: Vec<u8> = conn
        .query_row(
            "SELECT secret FROM webhook_subscriptions WHERE id = ?1",
            [&created.id],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        !sealed
            .windows(10)
            .any(|w| created.secret.as_bytes().starts_with(w))
    );
    assert_eq!(secrets.open(&sealed).unwrap(), created.secret);
    assert!(SecretBox::from_key([1; 32]).open(&sealed).is_err());

    webhook::remove_subscription(conn, &created.id).unwrap();
    assert!(webhook::remove_subscription(conn, &created.id).is_err());
    assert!(webhook::resend(conn, "nope").is_err());
    let _ = ReadingId::new("unused");
}
