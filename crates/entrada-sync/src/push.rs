//! Pushing the outbox: idempotent batches to the hub, or one access per reading to a
//! plain Access API.
//!
//! Exactly-once against the hub comes from the client-generated reading id: a batch whose
//! answer is lost (dropped connection, cut response, crash before the answer is recorded)
//! stays pending and is sent again; the hub files each id once and answers a retry with
//! the original verdict (`duplicate: true`). Answers are recorded in one transaction per
//! batch, and only on readings still pending.
//!
//! A plain Access API has no idempotency key: if its answer to `POST .../accesses` is lost
//! after it committed, the retry creates a second access (or is refused with
//! `max_readings_reached`). We narrow the window by recording each answer the moment it
//! arrives; `docs/sync.md` states the limit.

use crate::SyncError;
use crate::client::Client;
use crate::db::Db;
use entrada_domain::verdict::Verdict;
use entrada_domain::wire::{DeviceRef, UploadRequest};
use entrada_domain::wire::{IngestStatus, UploadedReading};
use entrada_domain::{ReadingId, ReadingKind};
use entrada_store::{PendingReading, PushOutcome};

/// Readings per upload (the hub takes up to 1,000).
pub(crate) const BATCH: u32 = 1_000;

/// What a push did.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PushReport {
    pub pushed: u64,
    pub conflicts: u64,
    pub refused: u64,
}

impl PushReport {
    fn count(&mut self, outcome: &PushOutcome) {
        self.pushed += 1;
        match outcome {
            PushOutcome::Synced { .. } => {}
            PushOutcome::Conflict { .. } => self.conflicts += 1,
            PushOutcome::Refused { .. } => self.refused += 1,
        }
    }
}

/// Sends every pending reading to the hub in batches, until the outbox is empty.
pub(crate) async fn push_to_hub(client: &Client, db: &Db) -> Result<PushReport, SyncError> {
    let mut report = PushReport::default();
    let device = db.run(|s| Ok(s.device().clone())).await?;
    loop {
        let pending = db.run(|s| s.pending_readings(BATCH)).await?;
        if pending.is_empty() {
            return Ok(report);
        }
        // One upload per run of (event, device name): the name can differ per reading
        // (a kiosk's position), and the hub files a batch under one name.
        let mut start = 0;
        let mut marked_total = 0;
        while start < pending.len() {
            let first = &pending[start];
            let end = pending[start..]
                .iter()
                .position(|r| r.event_id != first.event_id || r.device_name != first.device_name)
                .map_or(pending.len(), |n| start + n);
            let group = &pending[start..end];
            let request = UploadRequest {
                device: DeviceRef {
                    id: device.id.to_string(),
                    name: Some(first.device_name.clone()),
                },
                readings: group.iter().map(uploaded).collect(),
            };
            let answer = client.upload(&first.event_id, &request).await?;
            let mut outcomes = Vec::with_capacity(answer.results.len());
            for result in answer.results {
                let outcome = match result.status {
                    IngestStatus::Stored | IngestStatus::Audit => {
                        PushOutcome::Synced { status: Some(200) }
                    }
                    IngestStatus::Conflict => PushOutcome::Conflict {
                        verdict: result.hub_verdict.map(|v| v.code().to_owned()),
                    },
                    IngestStatus::Rejected => PushOutcome::Refused {
                        status: Some(200),
                        body: result
                            .error
                            .unwrap_or_else(|| "rejected by the hub".to_owned()),
                        verdict: None,
                    },
                };
                report.count(&outcome);
                outcomes.push((result.id, outcome));
            }
            let marked = db.run(move |s| s.mark_pushed(&outcomes)).await?;
            marked_total += marked;
            start = end;
        }
        if marked_total == 0 {
            // The hub answered but filed none of them: looping would resend forever.
            return Err(SyncError::Protocol(
                "the hub's upload answer acknowledged none of the readings sent".into(),
            ));
        }
    }
}

fn uploaded(r: &PendingReading) -> UploadedReading {
    UploadedReading {
        id: r.id.clone(),
        checkpoint_id: r.checkpoint_id.clone(),
        attendee_id: r.attendee_id.clone(),
        reading_date: r.reading_date.clone(),
        verdict: r.verdict,
        accepted: r.accepted,
        kind: r.kind,
        undoes: r.undoes.clone(),
        device_seq: Some(r.device_seq),
    }
}

/// Sends pending readings to a plain Access API, one `POST /checkpoint/<id>/accesses`
/// per accepted reading, recording each answer at once.
pub(crate) async fn push_to_plain(client: &Client, db: &Db) -> Result<PushReport, SyncError> {
    let mut report = PushReport::default();
    loop {
        let pending = db.run(|s| s.pending_readings(200)).await?;
        if pending.is_empty() {
            return Ok(report);
        }
        for r in pending {
            let outcome = match (&r.kind, r.accepted, &r.attendee_id) {
                (ReadingKind::Undo, _, _) => PushOutcome::Refused {
                    status: None,
                    body: "a plain Access API cannot void an access; the undo is kept here"
                        .to_owned(),
                    verdict: None,
                },
                // Refused scans are audit records: the plain API has no place for them,
                // and they must never be sent as accesses.
                (_, false, _) => PushOutcome::Synced { status: None },
                (_, true, None) => PushOutcome::Refused {
                    status: None,
                    body: "accepted reading without an attendee".to_owned(),
                    verdict: None,
                },
                (_, true, Some(attendee)) => {
                    let answer = client
                        .create_access(&r.checkpoint_id, attendee.as_str())
                        .await?;
                    if (200..300).contains(&answer.status) {
                        PushOutcome::Synced {
                            status: Some(answer.status),
                        }
                    } else {
                        PushOutcome::Refused {
                            status: Some(answer.status),
                            verdict: verdict_of_refusal(answer.status, &answer.body)
                                .map(|v| v.code().to_owned()),
                            body: answer.body,
                        }
                    }
                }
            };
            report.count(&outcome);
            let id: ReadingId = r.id;
            db.run(move |s| s.mark_pushed(&[(id, outcome)])).await?;
        }
    }
}

/// Maps a plain Access API refusal back to our verdict vocabulary, by the `field`/`code`
/// (and `message`, where the table has one) of its 422 error item.
pub fn verdict_of_refusal(status: u16, body: &str) -> Option<Verdict> {
    #[derive(serde::Deserialize)]
    struct Item {
        field: Option<String>,
        code: Option<String>,
        message: Option<String>,
    }
    #[derive(serde::Deserialize)]
    struct Answer {
        #[serde(default)]
        errors: Vec<Item>,
    }
    if status != 422 {
        return None;
    }
    let answer: Answer = serde_json::from_str(body).ok()?;
    answer.errors.iter().find_map(|item| {
        Verdict::ALL.into_iter().find(|v| {
            v.upstream_error().is_some_and(|e| {
                Some(e.field) == item.field.as_deref()
                    && Some(e.code) == item.code.as_deref()
                    && e.message.is_none_or(|m| Some(m) == item.message.as_deref())
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_map_back_to_verdicts() {
        let body = r#"{"message":"Validation failed","errors":[{"field":"attendee_id","code":"invalid","message":"The attendee has reached the maximum readings for this checkpoint"}]}"#;
        assert_eq!(
            verdict_of_refusal(422, body),
            Some(Verdict::MaxReadingsReached)
        );
        let body = r#"{"message":"Validation failed","errors":[{"field":"id","code":"room_capacity_exceeded","message":"The room associated to the checkpoint is full"}]}"#;
        assert_eq!(verdict_of_refusal(422, body), Some(Verdict::RoomFull));
        let body = r#"{"message":"Validation failed","errors":[{"field":"attendee_id","code":"missing"}]}"#;
        assert_eq!(verdict_of_refusal(422, body), Some(Verdict::UnknownBadge));
        assert_eq!(
            verdict_of_refusal(422, r#"{"message":"Could not create access"}"#),
            None
        );
        assert_eq!(verdict_of_refusal(404, body), None);
        assert_eq!(verdict_of_refusal(422, "not json"), None);
    }
}
