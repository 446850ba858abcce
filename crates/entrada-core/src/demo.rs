//! A deterministic demo event: the same seed gives the same event, byte for byte, so
//! demos, tests and benchmarks can name attendees and expect verdicts.
//!
//! It exercises every rule: rooms with capacities and entry/exit checkpoints, tag
//! allow-lists and exclusions, max readings, an inactive checkpoint, and rejected,
//! inactive, unconfirmed and non-attending people.

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, json};

use crate::domain::{
    Attendance, Attendee, AttendeeId, Checkpoint, CheckpointId, Direction, Event, EventId,
    ReadingConfirmation, Room, RoomId, Tag, TagId,
};
use crate::snapshot::Snapshot;

pub const EVENT_ID: &str = "7b0c6f1e-2d4a-4e59-9c1b-5a3f8e2d1c00";
pub const MAIN_ENTRANCE: &str = "cp-main-entrance";
pub const HALL_IN: &str = "cp-hall-in";
pub const HALL_OUT: &str = "cp-hall-out";
pub const WORKSHOP_IN: &str = "cp-workshop-in";
pub const WORKSHOP_OUT: &str = "cp-workshop-out";
pub const VIP_LOUNGE: &str = "cp-vip-lounge";
pub const SWAG_DESK: &str = "cp-swag-desk";
pub const PRESS_ROOM: &str = "cp-press-room";
pub const HALL: &str = "room-main-hall";
pub const WORKSHOP: &str = "room-workshop";
pub const LOUNGE: &str = "room-vip-lounge";

/// splitmix64: tiny, good enough to shuffle names, and stable forever.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const FIRST: &[&str] = &[
    "Ana",
    "Lucía",
    "Marta",
    "Sofía",
    "Elena",
    "Carmen",
    "Paula",
    "Laura",
    "Irene",
    "Nora",
    "Hugo",
    "Pablo",
    "Mateo",
    "Javier",
    "Diego",
    "Álvaro",
    "Daniel",
    "Adrián",
    "Marcos",
    "Leo",
    "Grace",
    "Ada",
    "Alan",
    "Linus",
    "Margaret",
    "Katherine",
    "Dennis",
    "Barbara",
    "Ken",
    "Radia",
    "Yuki",
    "Amara",
    "Chen",
    "Priya",
    "Olu",
    "Fatima",
    "Mikko",
    "Ingrid",
    "Tomás",
    "Zoë",
];
const LAST: &[&str] = &[
    "García",
    "Martínez",
    "López",
    "Sánchez",
    "Pérez",
    "Gómez",
    "Fernández",
    "Ruiz",
    "Díaz",
    "Moreno",
    "Hopper",
    "Lovelace",
    "Turing",
    "Torvalds",
    "Hamilton",
    "Johnson",
    "Ritchie",
    "Liskov",
    "Thompson",
    "Perlman",
    "Tanaka",
    "Okafor",
    "Wei",
    "Sharma",
    "Adeyemi",
    "Haddad",
    "Virtanen",
    "Larsen",
    "Silva",
    "Novak",
];
const COMPANIES: &[&str] = &[
    "Acme Corp",
    "Globex",
    "Initech",
    "Umbrella Labs",
    "Stark Industries",
    "Wayne Enterprises",
    "Hooli",
    "Pied Piper",
    "Vandelay Industries",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
];
const POSITIONS: &[&str] = &[
    "CEO",
    "CTO",
    "Engineer",
    "Designer",
    "Student",
    "Researcher",
    "Manager",
];

fn at(s: &str) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(s).ok()
}

fn tag(id: &str, name: &str) -> Tag {
    Tag {
        id: TagId::from(id),
        name: name.to_owned(),
        created_at: Some("2026-01-10T09:00:00+00:00".to_owned()),
    }
}

fn checkpoint(id: &str, name: &str) -> Checkpoint {
    Checkpoint {
        id: CheckpointId::from(id),
        name: name.to_owned(),
        created_at: Some("2026-01-10T09:00:00+00:00".to_owned()),
        tags: vec![],
        excluded_tags: vec![],
        active: true,
        max_readings: None,
        room_id: None,
        direction: Direction::In,
        reading_confirmation: None,
        extra: Map::new(),
    }
}

/// Deterministic attendee id for demo index `i`.
pub fn attendee_id(i: u32) -> AttendeeId {
    let mut rng = Rng(0xE17A_DA00 ^ u64::from(i));
    let hi = rng.next();
    let lo = rng.next();
    let bytes = ((u128::from(hi) << 64) | u128::from(lo)).to_be_bytes();
    AttendeeId(
        uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .to_string(),
    )
}

/// Builds the demo snapshot with `attendees` people attending (plus a few who do not).
pub fn snapshot(attendees: u32) -> Snapshot {
    let mut rng = Rng(0x5EED_0001);
    let speaker = tag("tag-speaker", "Speaker");
    let vip = tag("tag-vip", "VIP");
    let staff = tag("tag-staff", "Staff");
    let press = tag("tag-press", "Press");
    let workshop = tag("tag-workshop", "Workshop");
    let banned = tag("tag-banned", "Banned");
    let tags = vec![
        speaker.clone(),
        vip.clone(),
        staff.clone(),
        press.clone(),
        workshop.clone(),
        banned.clone(),
    ];
    let scale = attendees.max(10);
    let rooms = vec![
        Room {
            id: RoomId::from(HALL),
            name: "Main Hall".into(),
            capacity: Some((scale * 6 / 10).max(5)),
        },
        Room {
            id: RoomId::from(WORKSHOP),
            name: "Workshop A".into(),
            capacity: Some((scale / 15).max(3)),
        },
        Room {
            id: RoomId::from(LOUNGE),
            name: "VIP Lounge".into(),
            capacity: Some((scale / 30).max(2)),
        },
    ];
    let mut main = checkpoint(MAIN_ENTRANCE, "Main entrance");
    main.excluded_tags = vec![banned.clone()];
    main.reading_confirmation = Some(ReadingConfirmation {
        kind: "html".into(),
        language: Some("en".into()),
        message: "<p>Welcome to Entrada Demo Conf! Pick up your lanyard at the desk.</p>".into(),
    });
    let mut hall_in = checkpoint(HALL_IN, "Main Hall – entry");
    hall_in.room_id = Some(RoomId::from(HALL));
    hall_in.excluded_tags = vec![banned.clone()];
    let mut hall_out = checkpoint(HALL_OUT, "Main Hall – exit");
    hall_out.room_id = Some(RoomId::from(HALL));
    hall_out.direction = Direction::Out;
    let mut ws_in = checkpoint(WORKSHOP_IN, "Workshop A – entry");
    ws_in.room_id = Some(RoomId::from(WORKSHOP));
    ws_in.tags = vec![workshop.clone(), speaker.clone(), staff.clone()];
    let mut ws_out = checkpoint(WORKSHOP_OUT, "Workshop A – exit");
    ws_out.room_id = Some(RoomId::from(WORKSHOP));
    ws_out.direction = Direction::Out;
    let mut lounge = checkpoint(VIP_LOUNGE, "VIP Lounge");
    lounge.room_id = Some(RoomId::from(LOUNGE));
    lounge.tags = vec![vip.clone(), speaker.clone()];
    lounge.excluded_tags = vec![banned.clone()];
    let mut swag = checkpoint(SWAG_DESK, "Swag desk");
    swag.max_readings = Some(1);
    let mut press_room = checkpoint(PRESS_ROOM, "Press room");
    press_room.active = false;
    press_room.tags = vec![press.clone()];
    let checkpoints = vec![
        main, hall_in, hall_out, ws_in, ws_out, lounge, swag, press_room,
    ];

    let extra_people = (attendees / 50).max(2);
    let mut attendance = Vec::with_capacity(attendees as usize);
    let mut outsiders = Vec::new();
    for i in 0..attendees + extra_people {
        let first = rng.pick(FIRST);
        let last = rng.pick(LAST);
        let company = rng.pick(COMPANIES);
        let id = attendee_id(i);
        let mut person_tags = Vec::new();
        // The first few people are fixed so docs and tests can name them.
        let role = match i {
            0 => Some(&speaker),
            1 => Some(&vip),
            2 => Some(&staff),
            3 => Some(&banned),
            _ if rng.chance(4) => Some(&speaker),
            _ if rng.chance(5) => Some(&vip),
            _ if rng.chance(3) => Some(&press),
            _ if rng.chance(2) => Some(&banned),
            _ => None,
        };
        person_tags.extend(role.cloned());
        if i > 3 && rng.chance(20) {
            person_tags.push(workshop.clone());
        }
        let slug = format!("{}.{}", first, last)
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '.')
            .collect::<String>();
        let custom_qr = i % 3 == 1;
        let person = Attendee {
            id: id.clone(),
            name: format!("{first} {last}"),
            email: Some(format!("{slug}.{i}@example.com")),
            position: Some(rng.pick(POSITIONS).to_owned()),
            company: Some(company.to_owned()),
            phone_number: None,
            active: !(i == 5 || (i > 12 && rng.chance(2))),
            qr_data: Some(if custom_qr {
                format!("ENT-{i:06}")
            } else {
                id.to_string()
            }),
            qr: Some(format!(
                "https://demo.entrada.invalid/demo-conf/attendee/{id}/qr"
            )),
            photo: None,
            tags: person_tags,
            created_at: Some("2026-02-01T10:00:00+00:00".to_owned()),
            extra: Map::new(),
        };
        if i >= attendees {
            outsiders.push(person);
            continue;
        }
        let rejected = i == 4 || (i > 12 && rng.chance(3));
        let confirmed = !rejected && (i == 0 || !rng.chance(15));
        attendance.push(Attendance {
            attendee: person,
            confirmed,
            confirmation_date: confirmed.then(|| "2026-03-01T12:00:00+00:00".to_owned()),
            invited: rng.chance(10),
            rejected,
            extra: Map::new(),
        });
    }
    let mut extra = Map::new();
    extra.insert("created_at".into(), json!("2026-01-10T09:00:00+00:00"));
    extra.insert("date_from".into(), json!("2026-01-01T08:00:00+00:00"));
    extra.insert("date_to".into(), json!("2099-12-31T20:00:00+00:00"));
    extra.insert("default_language".into(), json!("en"));
    extra.insert("languages".into(), json!(["en", "es"]));
    extra.insert("features".into(), json!([]));
    extra.insert(
        "beta_features".into(),
        json!(["checkpoint_reading_confirmation"]),
    );
    Snapshot {
        event: Event {
            id: EventId::from(EVENT_ID),
            name: "Entrada Demo Conf".to_owned(),
            slug: Some("demo-conf".to_owned()),
            timezone: Some("Europe/Madrid".to_owned()),
            validity_date: at("2099-12-31T23:59:59+00:00"),
            extra,
        },
        tags,
        rooms,
        checkpoints,
        attendance,
        attendees: outsiders,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_deterministic_and_valid() {
        let a = snapshot(300);
        let b = snapshot(300);
        assert_eq!(a, b);
        assert!(a.validate().is_ok());
        assert_eq!(a.attendance.len(), 300);
        assert!(!a.attendees.is_empty());
        assert!(a.attendance.iter().any(|x| x.rejected));
        assert!(a.attendance.iter().any(|x| !x.attendee.active));
        assert!(a.attendance.iter().any(|x| !x.confirmed && !x.rejected));
    }
}
