//! Many clients at once: the group-committed writer must judge them as if one at a time.

mod common;

use common::*;
use reqwest::{Method, StatusCode};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn max_readings_one_gives_exactly_one_201() {
    let h = start().await;
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let (http, url, token) = (
            h.http.clone(),
            h.url("/checkpoint/cp-once/accesses"),
            h.token.clone(),
        );
        tasks.push(tokio::spawn(async move {
            http.post(url)
                .bearer_auth(token)
                .form(&[("attendee_id", BOB)])
                .send()
                .await
                .map(|r| r.status())
        }));
    }
    let mut created = 0;
    let mut refused = 0;
    for t in tasks {
        match t.await.expect("task").expect("request") {
            StatusCode::CREATED => created += 1,
            StatusCode::UNPROCESSABLE_ENTITY => refused += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!((created, refused), (1, 63));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_room_never_admits_more_than_its_capacity() {
    let h = start().await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (http, url, token) = (
            h.http.clone(),
            h.url("/checkpoint/cp-small-in/accesses"),
            h.token.clone(),
        );
        let who = format!("a-crowd{i:02}");
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .form(&[("attendee_id", who.as_str())])
                .send()
                .await
                .expect("request");
            let status = r.status();
            let body: serde_json::Value = r.json().await.unwrap_or_default();
            (status, body)
        }));
    }
    let mut created = 0;
    for t in tasks {
        let (status, body) = t.await.expect("task");
        match status {
            StatusCode::CREATED => created += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert_eq!(body["errors"][0]["code"], "room_capacity_exceeded")
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 3, "capacity is 3");
    let (_, rooms) = h.get(&format!("/event/{EVENT}/rooms")).await;
    let small = rooms
        .as_array()
        .and_then(|r| r.iter().find(|r| r["id"] == "room-small"))
        .expect("room");
    assert_eq!(small["occupancy"], 3);
}

/// Another writer on the same file (a second process, a maintenance script) holds the write
/// lock for a moment: a change through the API waits its turn and lands, instead of failing
/// with "database is locked" because its transaction read before it asked to write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_waits_for_another_writer_on_the_file() {
    let h = start().await;
    let other = rusqlite::Connection::open(h.dir.path().join("hub.db")).expect("second connection");
    other
        .execute_batch(
            "BEGIN IMMEDIATE;
             INSERT INTO meta(key, value) VALUES ('test.other-writer', '1')
               ON CONFLICT(key) DO UPDATE SET value = excluded.value;",
        )
        .expect("the other writer takes the lock");
    let patch = tokio::spawn({
        let rb = h
            .req(Method::PATCH, &format!("/attendee/{BOB}"))
            .form(&[("name", "Robert Baker")]);
        async move { rb.send().await }
    });
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    other
        .execute_batch("COMMIT")
        .expect("the other writer commits");
    let response = patch.await.expect("task").expect("request");
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, attendee) = h.get(&format!("/attendee/{BOB}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(attendee["name"], "Robert Baker");
}
