//! The built-in demo: the core's deterministic demo event, plus a few hours of traffic at
//! other doors so the dashboard (flow, rooms, devices, readings across doors) has something
//! to show from the first click.
//!
//! The traffic enters through the same path as real readings from other devices
//! (`Store::apply_remote`, the remote-readings feed), with fixed ids, so opening the demo
//! twice adds nothing the second time.

use chrono::{Duration, Utc};
use entrada_demo as demo;
use entrada_domain::snapshot::Snapshot;
use entrada_domain::wire::RemoteReading;
use entrada_domain::{CheckpointId, DeviceId, ReadingId, ReadingKind};
use entrada_store::Store;

use crate::Result;

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
