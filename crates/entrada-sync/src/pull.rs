//! Pulling the upstream into the replica: the event data (incrementally through the hub's
//! change feed, or in full from a plain Access API) and the readings made at other doors.

use std::collections::HashSet;

use crate::SyncError;
use crate::client::Client;
use crate::db::Db;
use crate::progress::{ProgressFn, PullPhase, PullProgress};
use crate::settings::{changes_cursor_key, readings_cursor_key};
use entrada_domain::snapshot::Snapshot;
use entrada_domain::wire::EntityChange;
use entrada_domain::{EventId, Room, RoomId};

/// Page size of the first change-feed request of every pull, and of every page from a hub
/// that advertises no larger one (the protocol's original maximum).
const PAGE: u32 = 5_000;

/// Largest change-feed page asked for once a pull turns out large, when the hub's
/// `/capabilities` offers it (`limits.changes`).
const LARGE_PAGE: u32 = 20_000;

/// Pages downloaded ahead of a streaming apply: bounds memory while the network and the
/// database work side by side.
const PAGES_AHEAD: usize = 2;

/// One change-feed page, read into typed entries.
struct Page {
    changes: Vec<EntityChange>,
    /// Entries on the page, including any that could not be read.
    entries: u64,
    /// The cursor after this page.
    next: Option<String>,
    more: bool,
    remaining: Option<u64>,
}

/// Fetches and reads one page. An entry the device cannot read is skipped with a warning
/// rather than wedging the cursor forever.
async fn fetch_page(
    client: &Client,
    event: &EventId,
    cursor: &str,
    limit: u32,
) -> Result<Page, SyncError> {
    let page = match client.changes(event, cursor, limit).await {
        Err(SyncError::Http { status: 404, .. }) => {
            return Err(SyncError::NoSuchEvent(event.to_string()));
        }
        other => other?,
    };
    let entries = page.changes.len() as u64;
    let mut changes = Vec::with_capacity(page.changes.len());
    let mut skipped = 0u64;
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
    if skipped > 0 {
        tracing::warn!(skipped, "change-feed entries could not be read");
    }
    Ok(Page {
        changes,
        entries,
        next: page.next.map(|c| c.into_string()),
        more: page.more,
        remaining: page.remaining,
    })
}

/// Follows the feed page after page from a cursor.
struct FeedReader<'a> {
    client: &'a Client,
    event: &'a EventId,
    cursor: String,
    limit: u32,
    /// Entries seen so far, for progress.
    seen: u64,
    ended: bool,
}

impl FeedReader<'_> {
    /// Takes in a page just fetched: moves the cursor, counts, and notes the feed's end.
    fn advance(&mut self, page: &Page) {
        self.seen += page.entries;
        if let Some(next) = &page.next {
            self.cursor = next.clone();
        }
        self.ended = page.next.is_none() || !page.more || page.entries == 0;
    }

    /// The next page, or `None` at the end of the feed.
    async fn next(&mut self) -> Result<Option<Page>, SyncError> {
        if self.ended {
            return Ok(None);
        }
        let page = fetch_page(self.client, self.event, &self.cursor, self.limit).await?;
        self.advance(&page);
        Ok(Some(page))
    }

    /// Items done / total for a progress bar: the total is what has been seen plus what
    /// the hub says remains (it may grow while the pull runs).
    fn total(&self, page: &Page) -> Option<u64> {
        page.remaining.map(|r| self.seen + r)
    }
}

/// Pulls the change feed from the stored cursor to its end and applies it in one
/// transaction together with the new cursor, so the replica is always at some feed
/// position: a failed or killed pull leaves it as it was. Returns the rows that changed.
///
/// The first page is small. When the feed has more, the pull is large: it continues with
/// the larger pages the hub advertises, and
/// - into a replica that holds nothing of the event yet (a first pull), pages are applied
///   inside the one open transaction as they arrive ([`stream_pull`]): download and apply
///   overlap, and nothing scans against the event meanwhile, so holding the write lock
///   across network waits stalls no door;
/// - otherwise, pages are gathered first and applied afterwards, so a door scanning
///   against the replica never waits on the network for the write lock.
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
    let mut reader = FeedReader {
        client,
        event,
        cursor: start.clone(),
        limit: PAGE,
        seen: 0,
        ended: false,
    };
    let Some(first) = reader.next().await? else {
        return Ok(0);
    };
    progress(PullProgress {
        phase: PullPhase::Download,
        done: reader.seen,
        total: reader.total(&first),
    });
    if !reader.ended {
        reader.limit = large_page(client).await;
        let event = event.clone();
        let empty = db.run(move |s| s.holds_no_attendance(&event)).await?;
        if empty {
            return stream_pull(db, reader, first, key, progress).await;
        }
    }
    let mut changes = first.changes;
    while let Some(page) = reader.next().await? {
        progress(PullProgress {
            phase: PullPhase::Download,
            done: reader.seen,
            total: reader.total(&page),
        });
        changes.extend(page.changes);
    }
    let cursor = reader.cursor;
    if cursor == start && changes.is_empty() {
        return Ok(0);
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
    log_applied(&report);
    Ok(report.changed())
}

/// The page size for the rest of a large pull: the hub's advertised maximum, up to
/// [`LARGE_PAGE`]; the protocol's original [`PAGE`] when the hub advertises none (or
/// cannot say just now: the pull still works, in more requests).
async fn large_page(client: &Client) -> u32 {
    match client.capabilities().await {
        Ok(caps) => caps.limits.changes.unwrap_or(PAGE).clamp(1, LARGE_PAGE),
        Err(e) => {
            tracing::debug!(error = %e, "no capabilities for the page size; using the default");
            PAGE
        }
    }
}

/// What the download side hands the applying thread.
enum ToApply {
    Page {
        changes: Vec<EntityChange>,
        total: Option<u64>,
    },
    /// Everything arrived: store this cursor and commit.
    Commit(String),
}

/// A first pull that applies each page as it arrives, in one transaction: the download
/// runs here while a blocking thread writes, joined by a bounded channel. The transaction
/// commits only after the last page, with the cursor; a download that fails (or a pull
/// that is dropped) closes the channel before `Commit`, and the applier rolls back.
async fn stream_pull(
    db: &Db,
    mut reader: FeedReader<'_>,
    first: Page,
    key: String,
    progress: ProgressFn<'_>,
) -> Result<u64, SyncError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<ToApply>(PAGES_AHEAD);
    let event = reader.event.clone();
    let apply = db.run_with_progress(progress, move |s, report_progress| {
        let mut applier = s.begin_changes(&event)?;
        let mut total = None;
        while let Some(msg) = rx.blocking_recv() {
            match msg {
                ToApply::Page { changes, total: t } => {
                    total = t.or(total);
                    applier.apply(&changes, &mut |done| {
                        report_progress(PullProgress {
                            phase: PullPhase::Apply,
                            done: done as u64,
                            total: total.map(|t| t.max(done as u64)),
                        })
                    })?;
                }
                ToApply::Commit(cursor) => {
                    let done = applier.applied() as u64;
                    let report = applier.commit(Some((key.as_str(), cursor.as_str())))?;
                    report_progress(PullProgress {
                        phase: PullPhase::Apply,
                        done,
                        total: Some(done),
                    });
                    return Ok(Some(report));
                }
            }
        }
        // The download gave up: dropping the applier rolls the transaction back.
        Ok(None)
    });
    let download = async move {
        let gone = || SyncError::Internal("the replica stopped taking the pull".into());
        let total = reader.total(&first);
        tx.send(ToApply::Page {
            changes: first.changes,
            total,
        })
        .await
        .map_err(|_| gone())?;
        while let Some(page) = reader.next().await? {
            let total = reader.total(&page);
            tx.send(ToApply::Page {
                changes: page.changes,
                total,
            })
            .await
            .map_err(|_| gone())?;
        }
        tx.send(ToApply::Commit(reader.cursor))
            .await
            .map_err(|_| gone())
    };
    let (downloaded, applied) = tokio::join!(download, apply);
    // The applier's own failure explains a download that found it gone.
    let applied = applied?;
    downloaded?;
    let report = applied
        .ok_or_else(|| SyncError::Internal("the pull ended without its last page".into()))?;
    log_applied(&report);
    Ok(report.changed())
}

fn log_applied(report: &entrada_store::ApplyReport) {
    tracing::info!(
        inserted = report.inserted,
        updated = report.updated,
        deleted = report.deleted,
        unchanged = report.unchanged,
        "change feed applied"
    );
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
