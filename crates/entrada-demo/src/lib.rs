//! A deterministic demo event: the same seed gives the same event, byte for byte, so
//! demos, tests and benchmarks can name attendees and expect verdicts.
//!
//! It exercises every rule: rooms with capacities and entry/exit checkpoints, tag
//! allow-lists and exclusions, max readings, an inactive checkpoint, and rejected,
//! inactive, unconfirmed and non-attending people.

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, json};

use entrada_domain::snapshot::Snapshot;
use entrada_domain::{
    Attendance, Attendee, AttendeeId, Checkpoint, CheckpointId, Direction, Event, EventId,
    ReadingConfirmation, Room, RoomId, Tag, TagId,
};

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

/// How many demo attendees (the first ones) have a portrait: enough for the door and
/// kiosk demos and the background traffic, few enough to make in a blink.
pub const PORTRAITS: usize = 96;

/// Side of a demo portrait in pixels (the door shows faces at 8rem).
const PORTRAIT_SIDE: u32 = 192;

/// A square RGB picture painted with anti-aliased shapes in unit coordinates (0..1),
/// each shape touching only the pixels of its bounding box (our crates build without
/// optimisation in debug, where a per-pixel pass over every shape is slow).
struct Canvas {
    img: image::RgbImage,
    side: f32,
}

impl Canvas {
    /// A soft vertical gradient of `bg`.
    fn new(side: u32, bg: [u8; 3]) -> Self {
        let mut img = image::RgbImage::new(side, side);
        for y in 0..side {
            let shade = 1.06 - 0.14 * (y as f32 + 0.5) / side as f32;
            let c = image::Rgb(bg.map(|k| (k as f32 * shade).min(255.0) as u8));
            for x in 0..side {
                img.put_pixel(x, y, c);
            }
        }
        Self {
            img,
            side: side as f32,
        }
    }

    /// Blends `colour` over the pixels of the box (unit coordinates) by the coverage
    /// `cover` gives from a pixel's centre, where `px` is the size of a pixel.
    fn paint(&mut self, colour: [u8; 3], bbox: [f32; 4], cover: impl Fn(f32, f32, f32) -> f32) {
        let n = self.side;
        let px = 1.0 / n;
        let range = |a: f32, b: f32| {
            let lo = ((a * n).floor().max(0.0)) as u32;
            let hi = ((b * n).ceil().min(n)) as u32;
            lo..hi
        };
        for y in range(bbox[1], bbox[3]) {
            for x in range(bbox[0], bbox[2]) {
                let (u, v) = ((x as f32 + 0.5) * px, (y as f32 + 0.5) * px);
                let a = cover(u, v, px);
                if a <= 0.0 {
                    continue;
                }
                let p = self.img.get_pixel_mut(x, y);
                for (k, to) in p.0.iter_mut().zip(colour) {
                    *k = (*k as f32 + (to as f32 - *k as f32) * a).round() as u8;
                }
            }
        }
    }

    /// An ellipse, optionally only above the line `v = cut` (a fringe).
    fn ellipse(&mut self, colour: [u8; 3], c: (f32, f32), r: (f32, f32), cut: Option<f32>) {
        let bottom = cut.map_or(c.1 + r.1, |cut| cut.min(c.1 + r.1)) + 0.01;
        let bbox = [c.0 - r.0 - 0.01, c.1 - r.1 - 0.01, c.0 + r.0 + 0.01, bottom];
        self.paint(colour, bbox, |u, v, px| {
            let (dx, dy) = ((u - c.0) / r.0, (v - c.1) / r.1);
            let d = ((dx * dx + dy * dy).sqrt() - 1.0) * r.0.min(r.1);
            let d = cut.map_or(d, |cut| d.max(v - cut));
            (0.5 - d / px).clamp(0.0, 1.0)
        });
    }

    /// A box centred on (`cx`, `cy`) with half sizes `hw`, `hh`.
    fn neck(&mut self, colour: [u8; 3], cx: f32, cy: f32, hw: f32, hh: f32) {
        let bbox = [
            cx - hw - 0.01,
            cy - hh - 0.01,
            cx + hw + 0.01,
            cy + hh + 0.01,
        ];
        self.paint(colour, bbox, |u, v, px| {
            let d = ((u - cx).abs() - hw).max((v - cy).abs() - hh);
            (0.5 - d / px).clamp(0.0, 1.0)
        });
    }
}

/// A placeholder portrait for demo attendee `index`: a head-and-shoulders silhouette on a
/// soft coloured background, as a JPEG. Deterministic, so the demo hub stores the same
/// bytes (and so the same photo URL) on every start. Faceless on purpose: it is a stand-in,
/// not a person.
pub fn portrait(index: usize) -> Vec<u8> {
    const BACKGROUNDS: [[u8; 3]; 8] = [
        [0x93, 0xc5, 0xfd],
        [0xf9, 0xa8, 0xd4],
        [0xa7, 0xf3, 0xd0],
        [0xfd, 0xe6, 0x8a],
        [0xc4, 0xb5, 0xfd],
        [0xfd, 0xba, 0x74],
        [0x99, 0xf6, 0xe4],
        [0xd9, 0xf9, 0x9d],
    ];
    const SKIN: [[u8; 3]; 6] = [
        [0xf6, 0xd5, 0xbd],
        [0xea, 0xbd, 0x96],
        [0xc9, 0x8e, 0x63],
        [0xa0, 0x6a, 0x47],
        [0x6f, 0x47, 0x2e],
        [0xff, 0xe2, 0xca],
    ];
    const HAIR: [[u8; 3]; 7] = [
        [0x2b, 0x1d, 0x14],
        [0x4a, 0x31, 0x23],
        [0x8d, 0x5a, 0x32],
        [0xd6, 0xb3, 0x70],
        [0x1c, 0x1c, 0x1c],
        [0xa0, 0x3b, 0x1e],
        [0x9e, 0x9e, 0x9e],
    ];
    const SHIRT: [[u8; 3]; 7] = [
        [0x33, 0x41, 0x55],
        [0x1e, 0x40, 0xaf],
        [0x9f, 0x12, 0x39],
        [0x06, 0x5f, 0x46],
        [0x57, 0x53, 0x4e],
        [0x7c, 0x2d, 0x12],
        [0x4c, 0x1d, 0x95],
    ];
    let mut rng = Rng(0x5eed_f00d ^ (index as u64).wrapping_mul(0x9E37_79B9));
    let mut pick = |n: usize| (rng.next() % n as u64) as usize;
    let bg = BACKGROUNDS[pick(BACKGROUNDS.len())];
    let skin = SKIN[pick(SKIN.len())];
    let hair = HAIR[pick(HAIR.len())];
    let shirt = SHIRT[pick(SHIRT.len())];
    let style = pick(4);
    let mut canvas = Canvas::new(PORTRAIT_SIDE, bg);
    if style == 1 {
        // Long hair, behind the head and over the shoulders.
        canvas.ellipse(hair, (0.5, 0.5), (0.225, 0.3), None);
    }
    canvas.ellipse(shirt, (0.5, 1.1), (0.42, 0.36), None);
    canvas.neck(
        skin.map(|k| (k as f32 * 0.86) as u8),
        0.5,
        0.66,
        0.065,
        0.13,
    );
    // A rim of hair around the head, then the face over it, then the hair on top.
    if style != 2 {
        canvas.ellipse(hair, (0.5, 0.405), (0.163, 0.2), None);
    }
    canvas.ellipse(skin, (0.5, 0.42), (0.152, 0.19), None);
    let (cap_y, fringe) = if style == 2 { (0.4, 0.27) } else { (0.37, 0.3) };
    canvas.ellipse(hair, (0.5, cap_y), (0.166, 0.175), Some(fringe));
    if style == 3 {
        canvas.ellipse(hair, (0.5, 0.205), (0.075, 0.065), None);
    }
    let img = canvas.img;
    let mut out = Vec::new();
    // Encoding an in-memory RGB image into a Vec cannot fail.
    if let Err(e) =
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 86).encode_image(&img)
    {
        tracing::error!(error = %e, "demo portrait not encoded");
    }
    out
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

    #[test]
    fn portraits_are_deterministic_jpegs_and_differ_between_people() {
        let a = portrait(0);
        assert_eq!(a, portrait(0));
        let img = image::load_from_memory_with_format(&a, image::ImageFormat::Jpeg).expect("jpeg");
        assert_eq!((img.width(), img.height()), (PORTRAIT_SIDE, PORTRAIT_SIDE));
        let distinct: std::collections::HashSet<_> = (0..20).map(portrait).collect();
        assert!(distinct.len() >= 18, "{} distinct of 20", distinct.len());
        assert!(a.len() < 20_000, "{} bytes", a.len());
    }
}
