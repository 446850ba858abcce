//! Pulling the upstream into the replica: the event data (incrementally through the hub's
//! change feed, or in full from a plain Access API) and the readings made at other doors.

use std::collections::HashSet;

use serde::Serialize;

use super::SyncError;
use super::client::Client;
use super::engine::Db;
use super::settings::{changes_cursor_key, readings_cursor_key};
use crate::domain::{EventId, Room, RoomId};
use crate::snapshot::Snapshot;
use crate::store::EntityChange;

/// Largest page the hub serves (`docs/sync-protocol.md`).
const PAGE: u32 = 5_000;

/// Which part of a pull a progress report is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PullPhase {
    /// Fetching from the upstream.
    Download,
    /// Writing into the replica (one transaction).
    Apply,
    /// Downloading attendee photos into the cache, after the pull (`sync/photos.rs`).
    Photos,
}

/// Progress of a pull, for a progress bar: `done` of `total` items in `phase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PullProgress {
    pub phase: PullPhase,
    pub done: u64,
    /// Unknown until the upstream says (the first feed page, or a plain API's full lists).
    pub total: Option<u64>,
}

pub(crate) type ProgressFn<'a> = &'a (dyn Fn(PullProgress) + Send + Sync);

/// Pulls the change feed from the stored cursor to its end, then applies every page in
/// one transaction with the new cursor. Returns the rows that changed.
///
/// Pages are gathered before the write so the replica's write lock is never held across
/// network waits (a door keeps scanning during a large pull); the apply itself is a single
/// transaction so the replica never shows half an update.
pub(crate) async fn pull_changes(
    client: &Client,
    db: &Db,
    event: &EventId,
    progress: ProgressFn<'_>,
) -> Result<u64, SyncError> {
    let key = changes_cursor_key(event);
    let start = {
        let key = key.clone();
        db.run(move |s| s.meta(&key)).await?
    }
    .unwrap_or_else(|| "0".to_owned());
    let mut cursor = start.clone();
    let mut changes: Vec<EntityChange> = Vec::new();
    let mut seen = 0u64;
    let mut skipped = 0u64;
    loop {
        let page = match client.changes(event, &cursor, PAGE).await {
            Err(SyncError::Http { status: 404, .. }) => {
                return Err(SyncError::NoSuchEvent(event.to_string()));
            }
            other => other?,
        };
        let n = page.changes.len() as u64;
        seen += n;
        for raw in page.changes {
            let (entity, id) = (raw.entity.clone(), raw.id.clone());
            match raw.typed() {
                Ok(change) => changes.push(change),
                Err(why) => {
                    skipped += 1;
                    tracing::warn!(%entity, %id, %why, "change-feed entry skipped");
                }
            }
        }
        progress(PullProgress {
            phase: PullPhase::Download,
            done: seen,
            total: page.remaining.map(|r| seen + r),
        });
        match page.next {
            Some(next) => cursor = next.into_string(),
            None => break,
        }
        if !page.more || n == 0 {
            break;
        }
    }
    if cursor == start && changes.is_empty() {
        return Ok(0);
    }
    if skipped > 0 {
        tracing::warn!(skipped, "change-feed entries could not be read");
    }
    let total = changes.len() as u64;
    let event = event.clone();
    let report = db
        .run_with_progress(progress, move |s, report_progress| {
            s.apply_changes(
                &event,
                &changes,
                Some((key.as_str(), cursor.as_str())),
                &mut |done| {
                    report_progress(PullProgress {
                        phase: PullPhase::Apply,
                        done: done as u64,
                        total: Some(total),
                    })
                },
            )
        })
        .await?;
    tracing::info!(
        inserted = report.inserted,
        updated = report.updated,
        deleted = report.deleted,
        unchanged = report.unchanged,
        "change feed applied"
    );
    Ok(report.changed())
}

/// A full pull against a plain Access API: the event, its checkpoints, attendance and the
/// tags, imported as one snapshot (which also removes checkpoints and attendance the
/// upstream no longer lists – an attendee missing from the attendance has left).
pub(crate) async fn pull_full(
    client: &Client,
    db: &Db,
    event_id: &EventId,
    progress: ProgressFn<'_>,
) -> Result<u64, SyncError> {
    let step = |done| {
        progress(PullProgress {
            phase: PullPhase::Download,
            done,
            total: Some(4),
        })
    };
    step(0);
    let event = client
        .events()
        .await?
        .into_iter()
        .find(|e| &e.id == event_id)
        .ok_or_else(|| SyncError::NoSuchEvent(event_id.to_string()))?;
    step(1);
    let mut checkpoints = client.checkpoints(event_id).await?;
    step(2);
    let attendance = client.attendance(event_id).await?;
    step(3);
    let tags = client.tags().await?;
    step(4);
    for cp in &mut checkpoints {
        // The API nests the whole event in every checkpoint; the replica has it once.
        cp.extra.remove("event");
    }
    let event_for_rooms = event_id.clone();
    let known_rooms = db.run(move |s| s.rooms_of_event(&event_for_rooms)).await?;
    // A plain API has no rooms endpoint: keep the rooms the replica knows, and stand in
    // for any a checkpoint names that it does not (unlimited capacity), so the snapshot
    // stays self-consistent.
    let mut rooms: Vec<Room> = known_rooms;
    let have: HashSet<RoomId> = rooms.iter().map(|r| r.id.clone()).collect();
    let mut added = HashSet::new();
    for cp in &checkpoints {
        if let Some(room) = &cp.room_id
            && !have.contains(room)
            && added.insert(room.clone())
        {
            rooms.push(Room {
                id: room.clone(),
                name: room.to_string(),
                capacity: None,
            });
        }
    }
    let snapshot = Snapshot {
        event,
        tags,
        rooms,
        checkpoints,
        attendance,
        attendees: Vec::new(),
    };
    let total = (snapshot.attendance.len() + snapshot.checkpoints.len()) as u64;
    progress(PullProgress {
        phase: PullPhase::Apply,
        done: 0,
        total: Some(total),
    });
    let report = db.run(move |s| s.import_snapshot(&snapshot)).await?;
    progress(PullProgress {
        phase: PullPhase::Apply,
        done: total,
        total: Some(total),
    });
    Ok(report.inserted + report.updated + report.removed)
}

/// Pulls the readings feed from its cursor and applies each page (own readings coming
/// back update their conflict state). Each page commits with its cursor saved right
/// after; a crash between the two only re-fetches a page, which applies idempotently.
pub(crate) async fn pull_readings(
    client: &Client,
    db: &Db,
    event: &EventId,
) -> Result<u64, SyncError> {
    let key = readings_cursor_key(event);
    let mut cursor = {
        let key = key.clone();
        db.run(move |s| s.meta(&key)).await?
    }
    .unwrap_or_else(|| "0".to_owned());
    let mut added = 0u64;
    loop {
        let page = client.readings_feed(event, &cursor, PAGE).await?;
        let n = page.readings.len();
        let next = page.next.map(|c| c.into_string());
        let key = key.clone();
        let readings = page.readings;
        let next_for_db = next.clone();
        added += db
            .run(move |s| {
                let added = s.apply_remote(&readings)?;
                if let Some(next) = &next_for_db {
                    s.set_meta(&key, next)?;
                }
                Ok(added as u64)
            })
            .await?;
        match next {
            Some(next) => cursor = next,
            None => break,
        }
        if !page.more || n == 0 {
            break;
        }
    }
    Ok(added)
}
