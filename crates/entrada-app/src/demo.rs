//! The built-in demo: the core's deterministic demo event, plus a few hours of traffic at
//! other doors so the dashboard (flow, rooms, devices, readings across doors) has something
//! to show from the first click.
//!
//! The traffic enters through the same path as real readings from other devices
//! (`Store::apply_remote`, the remote-readings feed), with fixed ids, so opening the demo
//! twice adds nothing the second time.

use std::sync::{Arc, Weak};

use chrono::{Duration, Utc};
use entrada_demo as demo;
use entrada_domain::snapshot::Snapshot;
use entrada_domain::wire::RemoteReading;
use entrada_domain::{CheckpointId, DeviceId, ReadingId, ReadingKind};
use entrada_store::Store;

use crate::{App, Result};

/// Other doors of the demo and where they stand.
const DOORS: [(&str, &str, &str); 3] = [
    ("demo-door-2", "Door 2 · Hall", demo::HALL_IN),
    ("demo-door-3", "Door 3 · Hall exit", demo::HALL_OUT),
    ("demo-tablet", "Workshop tablet", demo::WORKSHOP_IN),
];

/// Imports the demo event and its background traffic.
pub(crate) fn load(store: &mut Store, attendees: u32) -> Result<Snapshot> {
    let snapshot = snapshot_keeping_photos(store, attendees)?;
    store.import_snapshot(&snapshot)?;
    let traffic = traffic(&snapshot);
    let added = store.apply_remote(&traffic)?;
    tracing::info!(added, "demo traffic from other doors");
    Ok(snapshot)
}

/// The demo event with the photo URLs the replica already knows for its attendees.
///
/// The generated event names no photos: its portraits are seeded on the embedded hub once
/// it listens (the URL holds its port). Importing the bare event again at each start, into
/// the replica or the hub, would say "no photo" for a moment, and the door would drop its
/// cached faces only to fetch them again a second later. Carrying the known URLs over
/// keeps them; the new port's URLs then replace them like any changed photo.
pub(crate) fn snapshot_keeping_photos(store: &Store, attendees: u32) -> Result<Snapshot> {
    let mut snapshot = demo::snapshot(attendees);
    let known = store.photo_urls()?;
    let people = snapshot
        .attendance
        .iter_mut()
        .map(|a| &mut a.attendee)
        .chain(snapshot.attendees.iter_mut());
    for person in people {
        if let Some(url) = known.get(person.id.as_str()) {
            person.photo = Some(url.clone());
        }
    }
    Ok(snapshot)
}

/// Entries into the main hall spread over the last three hours, some exits, workshop
/// entries for people with the workshop tag. Only people the rules would let in.
fn traffic(snapshot: &Snapshot) -> Vec<RemoteReading> {
    let now = Utc::now();
    let welcome: Vec<_> = snapshot
        .attendance
        .iter()
        .filter(|a| a.confirmed && !a.rejected && a.attendee.active)
        .filter(|a| !a.attendee.tags.iter().any(|t| t.name == "Banned"))
        .map(|a| &a.attendee)
        .skip(8) // the fixed people stay free for the door and kiosk demos
        .take(160)
        .collect();
    let mut out = Vec::new();
    let reading = |i: usize, door: usize, attendee: &entrada_domain::Attendee, minutes_ago: i64| {
        let (device_id, device, checkpoint) = DOORS[door];
        RemoteReading {
            id: ReadingId(format!("demo-{device_id}-{i:04}")),
            attendee_id: Some(attendee.id.clone()),
            checkpoint_id: CheckpointId::new(checkpoint),
            reading_date: (now - Duration::minutes(minutes_ago)).to_rfc3339(),
            device: device.to_owned(),
            device_id: Some(DeviceId(device_id.to_owned())),
            kind: ReadingKind::Scan,
            undoes: None,
            conflict: false,
            hub_verdict: None,
        }
    };
    let n = welcome.len().max(1);
    // The workshop room holds 20: stay under it, as the rules at its door would.
    let mut in_workshop = 0;
    for (i, a) in welcome.iter().enumerate() {
        // Arrivals peak in the first hour, like a morning keynote.
        let t = (i * i * 170 / (n * n)) as i64;
        let minutes_ago = 175 - t;
        out.push(reading(i, 0, a, minutes_ago));
        if i % 5 == 0 && minutes_ago > 20 {
            out.push(reading(i, 1, a, minutes_ago - 15 - (i % 7) as i64));
        }
        let workshop = a
            .tags
            .iter()
            .any(|t| t.name == "Workshop" || t.name == "Speaker");
        if workshop && minutes_ago > 40 && in_workshop < 14 {
            in_workshop += 1;
            out.push(reading(i, 2, a, minutes_ago - 30));
        }
    }
    out.sort_by(|a, b| a.reading_date.cmp(&b.reading_date));
    out
}

/// The fixed people of the demo (door and kiosk demos, docs, tests) get their faces first.
const FIXED_PEOPLE: usize = 8;

/// Gives the demo's first attendees placeholder portraits on the embedded hub, on a
/// thread of its own so the window never waits for them. The faces then travel the real
/// path: hub photo URL → change feed → the sync engine's photo pass → the cache beside
/// the replica → the door. A sync follows the fixed people and then the rest.
pub(crate) fn seed_portraits(app: &Arc<App>, photos: entrada_hub::HubPhotos) {
    let count = (app.config().demo_attendees as usize).min(demo::PORTRAITS);
    let weak: Weak<App> = Arc::downgrade(app);
    let spawned = std::thread::Builder::new()
        .name("demo-portraits".into())
        .spawn(move || {
            crate::background::lower_this_thread();
            let sync = |weak: &Weak<App>| {
                if let Some(app) = weak.upgrade()
                    && let Err(e) = app.sync_cycle_now()
                {
                    tracing::warn!(error = %e, "demo sync after portraits not started");
                }
            };
            for i in 0..count {
                // The app closed (or restarted on the same files): its hub is gone, and
                // URLs for its port would only overwrite the next hub's.
                if weak.strong_count() == 0 {
                    tracing::debug!(seeded = i, "demo portraits stopped: the app closed");
                    return;
                }
                let id = demo::attendee_id(i as u32);
                if let Err(e) = photos.set(id.as_str(), demo::portrait(i)) {
                    tracing::warn!(attendee = %id, error = %e, "demo portrait not stored");
                }
                if i + 1 == FIXED_PEOPLE.min(count) {
                    sync(&weak);
                }
            }
            sync(&weak);
            tracing::info!(count, "demo portraits on the hub");
        });
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "demo portraits not started; the demo shows initials");
    }
}
