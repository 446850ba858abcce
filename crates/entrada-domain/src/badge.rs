//! Turning a raw badge payload into something the replica can look up.
//!
//! Payloads come from cameras and keyboard-wedge scanners: they can be empty, binary,
//! huge or hostile. Resolution never panics; anything unusable becomes `Unreadable`,
//! which the rules judge as `unknown_badge`.

/// Longest payload we try to resolve. Real badges are well under 200 bytes.
pub const MAX_PAYLOAD_BYTES: usize = 2048;

/// What to look up for a payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BadgeKey<'a> {
    /// Match attendee `qr_data` exactly (case-sensitive); if the payload is an attendee QR
    /// URL (`.../attendee/<uuid>/qr`), `url_attendee_id` holds the id to fall back to.
    QrData {
        qr_data: &'a str,
        url_attendee_id: Option<&'a str>,
    },
    /// Empty, too long or not UTF-8.
    Unreadable,
}

/// Classifies a payload without touching the database.
pub fn classify(payload: &[u8]) -> BadgeKey<'_> {
    if payload.is_empty() || payload.len() > MAX_PAYLOAD_BYTES {
        return BadgeKey::Unreadable;
    }
    let Ok(text) = std::str::from_utf8(payload) else {
        return BadgeKey::Unreadable;
    };
    if text.is_empty() {
        return BadgeKey::Unreadable;
    }
    BadgeKey::QrData {
        qr_data: text,
        url_attendee_id: attendee_id_from_url(text),
    }
}

/// Extracts `<uuid>` from a payload ending in `/attendee/<uuid>/qr` (the Access API's `qr`
/// URL), tolerating one trailing slash. Only a well-formed UUID is accepted, so a crafted
/// URL cannot smuggle arbitrary text into a lookup.
pub fn attendee_id_from_url(text: &str) -> Option<&str> {
    let trimmed = text.trim_end_matches('/');
    let rest = trimmed.strip_suffix("/qr")?;
    let (before, id) = rest.rsplit_once('/')?;
    if !before.ends_with("/attendee") && before != "attendee" {
        return None;
    }
    uuid::Uuid::parse_str(id).ok().map(|_| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_payloads_resolve_to_the_uuid() {
        let url = "https://web.eventwoaccess.com/test-event/attendee/b913de52-d1c7-4f3a-a6a9-ab741513ee1a/qr";
        assert_eq!(
            attendee_id_from_url(url),
            Some("b913de52-d1c7-4f3a-a6a9-ab741513ee1a")
        );
        assert_eq!(
            attendee_id_from_url("https://x/attendee/not-a-uuid/qr"),
            None
        );
        assert_eq!(
            attendee_id_from_url("https://x/people/b913de52-d1c7-4f3a-a6a9-ab741513ee1a/qr"),
            None
        );
        assert_eq!(
            attendee_id_from_url("b913de52-d1c7-4f3a-a6a9-ab741513ee1a"),
            None
        );
    }

    #[test]
    fn hostile_payloads_are_unreadable() {
        assert_eq!(classify(b""), BadgeKey::Unreadable);
        assert_eq!(classify(&[0xff, 0xfe, 0x00]), BadgeKey::Unreadable);
        assert_eq!(
            classify(&vec![b'a'; MAX_PAYLOAD_BYTES + 1]),
            BadgeKey::Unreadable
        );
        assert!(matches!(
            classify("' OR 1=1; --".as_bytes()),
            BadgeKey::QrData { .. }
        ));
    }
}
