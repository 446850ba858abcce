//! Delivery over real HTTP to a receiver on 127.0.0.1: retries, the delivery log, resend,
//! ping, redirects, auto-disable, concurrency across endpoints.

mod webhooks_support;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use entrada_secret::SecretBox;
use entrada_webhook::{
    self as webhook, DeliveryFilter, DispatchConfig, Dispatcher, RetrySchedule, Topic, signature,
};
use webhooks_support::*;

fn config(delay_ms: u64, timeout_ms: u64) -> DispatchConfig {
    DispatchConfig {
        timeout: Duration::from_millis(timeout_ms),
        connect_timeout: Duration::from_millis(timeout_ms),
        schedule: RetrySchedule {
            delays: vec![Duration::from_millis(delay_ms); 12],
            jitter: 0.0,
        },
        disable_after_failures: 1000,
        disable_after: Duration::from_secs(3600),
        poll: Duration::from_millis(20),
        ..DispatchConfig::default()
    }
}

/// Calls `deliver_due` until it attempts something (the endpoint's backoff has passed).
async fn next_attempt(d: &Dispatcher) -> webhook::PassReport {
    loop {
        let r = d.deliver_due().await.unwrap();
        if r.attempted > 0 {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn verify(r: &Received, secret: &str) {
    let now = entrada_domain::time::now().timestamp();
    webhook::verify_eventwo(secret, &r.body, r.header(signature::EVENTWO_HEADER)).unwrap();
    webhook::verify_standard(
        secret,
        r.header("webhook-id"),
        r.header("webhook-timestamp"),
        r.header("webhook-signature"),
        &r.body,
        now,
        300,
    )
    .unwrap();
    assert_eq!(r.json()["webhook_identifier"], r.header("webhook-id"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn down_then_500_then_slow_then_up_delivers_everything_with_stable_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (db, mut store) = demo_store(dir.path(), 12);
    let secrets = SecretBox::from_key(KEY);
    let port = free_port();
    let sub = webhook::add_subscription(
        store.connection(),
        &secrets,
        &format!("http://127.0.0.1:{port}/hooks"),
        &[Topic::CheckpointReadingCreated],
    )
    .unwrap();
    let accepted = scan_all(&mut store, 12)
        .iter()
        .filter(|o| o.accepted)
        .count();
    let dispatcher = Dispatcher::open(&db, secrets.clone(), config(100, 300)).unwrap();

    // Down: nothing listens.
    for _ in 0..2 {
        let r = next_attempt(&dispatcher).await;
        assert_eq!(
            (r.attempted, r.retrying),
            (1, 1),
            "one try per backoff, not one per event"
        );
    }
    // Up, but broken.
    let rx = Receiver {
        slow: Duration::from_millis(1500),
        ..Receiver::new()
    };
    rx.set_mode(FAIL_500);
    rx.serve(port).await;
    assert_eq!(next_attempt(&dispatcher).await.retrying, 1);
    // Slower than the per-attempt timeout.
    rx.set_mode(SLOW);
    assert_eq!(next_attempt(&dispatcher).await.retrying, 1);
    // Healthy: the head and then the whole backlog.
    rx.set_mode(OK);
    let r = next_attempt(&dispatcher).await;
    assert_eq!(r.delivered as usize, accepted);

    let conn = store.connection();
    let all = webhook::deliveries(conn, &DeliveryFilter::default()).unwrap();
    assert_eq!(all.len(), accepted);
    assert!(all.iter().all(|d| d.state == "delivered"));

    // Every event arrived with a 2xx, each request verifies, ids are stable across retries.
    let got = rx.received();
    let delivered: HashSet<_> = got
        .iter()
        .filter(|r| r.answered == 200)
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    let expected: HashSet<_> = all.iter().map(|d| d.id.clone()).collect();
    assert_eq!(delivered, expected);
    for r in &got {
        verify(r, &sub.secret);
    }
    let first = all.last().unwrap(); // oldest: the one that met every failure
    let tries: Vec<_> = got
        .iter()
        .filter(|r| r.header("webhook-id") == first.id)
        .collect();
    assert_eq!(tries.len(), 3, "500, slow, ok reached the receiver");
    assert!(
        tries.iter().all(|r| r.body == tries[0].body),
        "same body on every attempt"
    );

    // The delivery log tells the story.
    let log = webhook::attempts(conn, &first.id).unwrap();
    let story: Vec<_> = log
        .iter()
        .map(|a| (a.attempt, a.status, a.outcome.as_str()))
        .collect();
    assert_eq!(
        story,
        vec![
            (1, None, "retry"),
            (2, None, "retry"),
            (3, Some(500), "retry"),
            (4, None, "retry"),
            (5, Some(200), "delivered")
        ]
    );
    assert!(
        log[0]
            .error
            .as_deref()
            .unwrap()
            .starts_with("connect failed")
    );
    assert_eq!(
        log[2].response_head.as_deref(),
        Some("boom: receiver broken")
    );
    assert!(log[3].error.as_deref().unwrap().starts_with("timeout"));
    assert_eq!(log[4].response_head.as_deref(), Some("ok thanks"));
    assert_eq!(first.attempts, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_are_independent_and_ordered_and_resend_keeps_the_identifier() {
    let dir = tempfile::tempdir().unwrap();
    let (db, mut store) = demo_store(dir.path(), 20);
    let secrets = SecretBox::from_key(KEY);
    let rx = Receiver {
        delay: Duration::from_millis(2),
        ..Receiver::new()
    };
    let port = rx.serve(0).await;
    let dead = free_port();
    let mut subs = Vec::new();
    for path in ["a", "b", "c"] {
        subs.push(
            webhook::add_subscription(
                store.connection(),
                &secrets,
                &format!("http://127.0.0.1:{port}/{path}"),
                &[Topic::CheckpointReadingCreated],
            )
            .unwrap(),
        );
    }
    let dead_sub = webhook::add_subscription(
        store.connection(),
        &secrets,
        &format!("http://127.0.0.1:{dead}/dead"),
        &[Topic::CheckpointReadingCreated],
    )
    .unwrap();
    let accepted = scan_all(&mut store, 20)
        .iter()
        .filter(|o| o.accepted)
        .count();
    let dispatcher = Dispatcher::open(&db, secrets.clone(), config(60_000, 500)).unwrap();
    // A second dispatcher on the same replica is refused.
    assert!(matches!(
        Dispatcher::open(&db, secrets.clone(), config(1, 1)),
        Err(webhook::Error::Busy(_))
    ));
    let r = dispatcher.deliver_due().await.unwrap();
    assert_eq!(
        r.delivered as usize,
        3 * accepted,
        "a dead endpoint blocks nobody else"
    );
    assert_eq!(r.retrying, 1);

    let got = rx.received();
    let secrets_by_path: HashMap<_, _> = subs
        .iter()
        .zip(["/a", "/b", "/c"])
        .map(|(s, p)| (p, s.secret.clone()))
        .collect();
    for r in &got {
        verify(r, &secrets_by_path[r.path.as_str()]);
    }
    // In order per endpoint: reading dates never go backwards.
    for p in ["/a", "/b", "/c"] {
        let dates: Vec<String> = got
            .iter()
            .filter(|r| r.path == p)
            .map(|r| r.json()["reading_date"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(dates.len(), accepted);
        let mut sorted = dates.clone();
        sorted.sort();
        assert_eq!(dates, sorted, "{p} in order");
    }

    // Resend a delivered one: same identifier, same body, a new attempt in the log.
    let conn = store.connection();
    let one = webhook::deliveries(
        conn,
        &DeliveryFilter {
            subscription: Some(&subs[0].id),
            limit: Some(1),
            ..Default::default()
        },
    )
    .unwrap()
    .pop()
    .unwrap();
    let before = got
        .iter()
        .find(|r| r.header("webhook-id") == one.id)
        .unwrap()
        .clone();
    let re = webhook::resend(conn, &one.id).unwrap();
    assert_eq!(re.state, "pending");
    assert_eq!(dispatcher.deliver_due().await.unwrap().delivered, 1);
    let again: Vec<_> = rx
        .received()
        .into_iter()
        .filter(|r| r.header("webhook-id") == one.id)
        .collect();
    assert_eq!(again.len(), 2);
    assert_eq!(again[1].body, before.body);
    assert_eq!(
        again[1].header(signature::EVENTWO_HEADER),
        before.header(signature::EVENTWO_HEADER)
    );
    let log = webhook::attempts(conn, &one.id).unwrap();
    assert_eq!(
        log.iter().map(|a| a.attempt).collect::<Vec<_>>(),
        vec![1, 2]
    );

    // Ping: delivered now, logged, not retried; to the dead one it fails once.
    drop(dispatcher);
    let ok = webhook::ping(&db, &secrets, config(1, 500), &subs[1].id)
        .await
        .unwrap();
    assert_eq!((ok.status, ok.outcome.as_str()), (Some(200), "delivered"));
    let ping = rx.received().into_iter().last().unwrap();
    assert_eq!(ping.json()["webhook_name"], "ping");
    assert_eq!(ping.json()["subscription_id"], subs[1].id.as_str());
    verify(&ping, &subs[1].secret);
    let bad = webhook::ping(&db, &secrets, config(1, 500), &dead_sub.id)
        .await
        .unwrap();
    assert_eq!(bad.outcome, "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_not_followed_and_sustained_failure_disables_until_enabled() {
    let dir = tempfile::tempdir().unwrap();
    let (db, mut store) = demo_store(dir.path(), 6);
    let secrets = SecretBox::from_key(KEY);
    let rx = Receiver::new();
    rx.set_mode(REDIRECT);
    let port = rx.serve(0).await;
    let sub = webhook::add_subscription(
        store.connection(),
        &secrets,
        &format!("http://127.0.0.1:{port}/r"),
        &[Topic::CheckpointReadingCreated],
    )
    .unwrap();
    scan_all(&mut store, 6);
    let mut cfg = config(10, 500);
    cfg.disable_after_failures = 3;
    cfg.disable_after = Duration::ZERO;
    let dispatcher = Dispatcher::open(&db, secrets.clone(), cfg).unwrap();
    let mut disabled = Vec::new();
    while disabled.is_empty() {
        disabled = next_attempt(&dispatcher).await.disabled;
    }
    assert_eq!(disabled, vec![sub.id.clone()]);
    let s = webhook::subscription(store.connection(), &sub.id).unwrap();
    assert!(!s.enabled);
    assert!(
        s.disabled_reason
            .unwrap()
            .contains("3 consecutive failures")
    );
    let log = webhook::attempts(
        store.connection(),
        &webhook::deliveries(store.connection(), &DeliveryFilter::default())
            .unwrap()
            .last()
            .unwrap()
            .id,
    )
    .unwrap();
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|a| a.status == Some(302)));
    assert!(
        log[0]
            .error
            .as_deref()
            .unwrap()
            .contains("redirect not followed")
    );
    assert!(
        rx.received().iter().all(|r| r.path == "/r"),
        "never went to Location"
    );

    // Disabled: nothing is sent; enabled by hand: the backlog goes at once.
    tokio::time::sleep(Duration::from_millis(30)).await;
    assert_eq!(dispatcher.deliver_due().await.unwrap().attempted, 0);
    rx.set_mode(OK);
    let s = webhook::set_enabled(store.connection(), &sub.id, true).unwrap();
    assert_eq!((s.enabled, s.consecutive_failures), (true, 0));
    let r = next_attempt(&dispatcher).await;
    assert!(r.delivered > 0);
    assert!(
        webhook::deliveries(store.connection(), &DeliveryFilter::default())
            .unwrap()
            .iter()
            .all(|d| d.state == "delivered")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_schedule_fails_the_delivery_and_resend_revives_it() {
    let dir = tempfile::tempdir().unwrap();
    let (db, mut store) = demo_store(dir.path(), 3);
    let secrets = SecretBox::from_key(KEY);
    let rx = Receiver::new();
    rx.set_mode(FAIL_500);
    let port = rx.serve(0).await;
    webhook::add_subscription(
        store.connection(),
        &secrets,
        &format!("http://127.0.0.1:{port}/x"),
        &[Topic::CheckpointReadingCreated],
    )
    .unwrap();
    let cp = entrada_domain::CheckpointId::from(entrada_demo::MAIN_ENTRANCE);
    let who = entrada_demo::snapshot(3).attendance[0].attendee.id.clone();
    let o = store
        .scan(&entrada_store::ScanRequest {
            checkpoint: &cp,
            subject: entrada_store::Subject::Attendee(&who),
            at: None,
            device_name: None,
        })
        .unwrap();
    assert!(o.accepted, "manual check-in fires too");
    let mut cfg = config(10, 500);
    cfg.schedule.delays.truncate(2);
    let dispatcher = Dispatcher::open(&db, secrets, cfg).unwrap();
    let mut failed = 0;
    while failed == 0 {
        failed = next_attempt(&dispatcher).await.failed;
    }
    let d = webhook::deliveries(store.connection(), &DeliveryFilter::default())
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!((d.state.as_str(), d.attempts), ("failed", 3));
    let s = webhook::subscriptions(store.connection())
        .unwrap()
        .pop()
        .unwrap();
    assert!(
        !s.enabled,
        "a delivery that exhausted its schedule disables the endpoint"
    );
    webhook::set_enabled(store.connection(), &s.id, true).unwrap();
    rx.set_mode(OK);
    webhook::resend(store.connection(), &d.id).unwrap();
    assert_eq!(next_attempt(&dispatcher).await.delivered, 1);
    let ids: HashSet<_> = rx
        .received()
        .iter()
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    assert_eq!(ids, HashSet::from([d.id.clone()]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_key_is_reported_and_nothing_is_sent_unsigned() {
    let dir = tempfile::tempdir().unwrap();
    let (db, mut store) = demo_store(dir.path(), 5);
    let rx = Receiver::new();
    let port = rx.serve(0).await;
    webhook::add_subscription(
        store.connection(),
        &SecretBox::from_key(KEY),
        &format!("http://127.0.0.1:{port}/k"),
        &[Topic::CheckpointReadingCreated],
    )
    .unwrap();
    scan_all(&mut store, 5);
    let other = SecretBox::from_key([3; 32]);
    let dispatcher = Dispatcher::open(&db, other, config(10, 500)).unwrap();
    let r = dispatcher.deliver_due().await.unwrap();
    assert_eq!(r.attempted, 0);
    assert_eq!(r.errors.len(), 1, "{r:?}");
    assert!(rx.received().is_empty());
    assert!(
        webhook::deliveries(store.connection(), &DeliveryFilter::default())
            .unwrap()
            .iter()
            .all(|d| d.state == "pending" && d.attempts == 0)
    );
}
