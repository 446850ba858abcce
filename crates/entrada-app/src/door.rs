//! Door mode: judge a scan (camera, keyboard wedge, manual code, search check-in), search
//! the attendee list, list and undo this device's recent readings.
//!
//! Every judged scan goes through [`App::judge`], which emits the one `scan-result` event
//! the UI renders from, whatever the source.

use entrada_domain::{AttendeeId, CheckpointId, ReadingId, ReadingKind, ScanOutcome};
use entrada_store::Store;
use entrada_store::{PhotoSize, ReadingFilter, ScanRequest, Subject};

use crate::error::AppError;
use crate::types::*;
use crate::{App, AppEvent, Result, meta};

/// A payload longer than this is not a badge (keyboard wedges sometimes send a whole
/// paragraph when a scanner misreads a document).
const MAX_TYPED_PAYLOAD: usize = 4096;

impl App {
    /// `scan_payload`: a badge typed by a keyboard-wedge scanner or by staff.
    pub fn scan_payload(&self, payload: &str, source: ScanSource) -> Result<ScanResult> {
        let payload = payload.trim();
        if payload.is_empty() {
            return Err(AppError::invalid("the badge code is empty"));
        }
        if payload.len() > MAX_TYPED_PAYLOAD {
            return Err(AppError::invalid("the badge code is too long"));
        }
        self.judge(Subject::Payload(payload.as_bytes()), source)
    }

    /// `check_in_attendee`: manual check-in from search, same rules.
    pub fn check_in_attendee(&self, attendee_id: &str) -> Result<ScanResult> {
        let id = AttendeeId::new(attendee_id);
        if self.store().attendee(&id)?.is_none() {
            return Err(AppError::not_found(format!(
                "no such attendee: {attendee_id}"
            )));
        }
        self.judge(Subject::Attendee(&id), ScanSource::Manual)
    }

    /// A payload decoded by the camera pipeline.
    pub(crate) fn scan_camera(&self, payload: &[u8]) -> Result<ScanResult> {
        self.judge(Subject::Payload(payload), ScanSource::Camera)
    }

    /// Judges, commits the reading, emits `scan-result` once and returns the same value.
    fn judge(&self, subject: Subject<'_>, source: ScanSource) -> Result<ScanResult> {
        let result = {
            let mut store = self.store();
            let m = meta::load(&store)?;
            let (Some(checkpoint), true) = (m.checkpoint.as_deref(), m.pulled) else {
                return Err(AppError::not_configured());
            };
            let checkpoint = CheckpointId::new(checkpoint);
            let outcome = store.scan(&ScanRequest {
                checkpoint: &checkpoint,
                subject,
                at: None,
                device_name: None,
            })?;
            scan_result(&store, &checkpoint, &outcome, source, PhotoSize::Door)?
        };
        tracing::info!(
            verdict = %result.verdict,
            reading = %result.reading_id,
            source = ?source,
            "scan judged"
        );
        self.emit(AppEvent::ScanResult(Box::new(result.clone())));
        self.upstream.nudge();
        if let Ok(status) = self.sync_status() {
            self.emit(AppEvent::SyncStatus(status));
        }
        Ok(result)
    }

    /// `search_attendees`: every word must match name, email, company or QR data.
    pub fn search_attendees(&self, query: &str, limit: u32) -> Result<SearchResult> {
        let query = query.trim();
        if query.is_empty() {
            return Ok(SearchResult {
                total: 0,
                hits: Vec::new(),
            });
        }
        let limit = limit.clamp(1, 200);
        let store = self.store();
        let (ids, total) = self.search_index().search(&store, query, limit as usize)?;
        let mut hits = Vec::with_capacity(ids.len());
        for id in ids {
            let Some(a) = store.attendee(&AttendeeId(id))? else {
                continue;
            };
            hits.push(AttendeeHit {
                photo: photo_of(&store, &a, PhotoSize::List),
                id: a.id.to_string(),
                email: a.email.clone(),
                company: a.company.clone(),
                qr_data: a.effective_qr_data().to_owned(),
                tags: tags_of(&a.tags),
                active: a.active,
                name: a.name,
            });
        }
        Ok(SearchResult { total, hits })
    }

    /// `recent_scans`: this device's scans, newest first, with their undo state.
    pub fn recent_scans(&self, limit: u32) -> Result<Vec<RecentScan>> {
        let store = self.store();
        let device = store.device().id.clone();
        let limit = limit.clamp(1, 500);
        // Undo rows are not scans; ask for a few more so the list stays full.
        let readings = store.readings(&ReadingFilter {
            latest: Some(limit * 2 + 10),
            ..ReadingFilter::default()
        })?;
        let mut out = Vec::new();
        for r in &readings {
            if r.device_id != device || r.kind == ReadingKind::Undo {
                continue;
            }
            let outcome = ScanOutcome {
                verdict: r.verdict,
                accepted: r.accepted,
                reading_id: r.id.clone(),
                attendee_id: r.attendee_id.clone(),
                message: r.verdict.message().to_owned(),
                reading_date: r.reading_date.clone(),
            };
            let source = match r.kind {
                ReadingKind::Manual => ScanSource::Manual,
                _ => ScanSource::Camera,
            };
            let scan = scan_result(&store, &r.checkpoint_id, &outcome, source, PhotoSize::List)?;
            out.push(RecentScan {
                scan,
                undone: r.voided,
            });
            if out.len() as u32 >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// `undo_reading`: a compensating undo reading; nothing is deleted.
    pub fn undo_reading(&self, reading_id: &str) -> Result<()> {
        {
            let mut store = self.store();
            store.undo(&ReadingId(reading_id.to_owned()), None)?;
        }
        if let Ok(status) = self.sync_status() {
            self.emit(AppEvent::SyncStatus(status));
        }
        Ok(())
    }
}

/// The full answer for the screen: who (with the face at `photo` size), where, which
/// rule, the reading confirmation.
fn scan_result(
    store: &Store,
    checkpoint: &CheckpointId,
    outcome: &ScanOutcome,
    source: ScanSource,
    photo: PhotoSize,
) -> Result<ScanResult> {
    let cp = store.checkpoint(checkpoint)?;
    let attendee = match &outcome.attendee_id {
        Some(id) => store.attendee(id)?,
        None => None,
    };
    let reading_confirmation = match (&cp, outcome.accepted) {
        (Some(cp), true) => cp
            .reading_confirmation
            .as_ref()
            .map(|rc| strip_html(&rc.message))
            .filter(|s| !s.is_empty()),
        _ => None,
    };
    Ok(ScanResult {
        reading_id: outcome.reading_id.to_string(),
        verdict: outcome.verdict.code().to_owned(),
        accepted: outcome.accepted,
        message: outcome.message.clone(),
        attendee: attendee.map(|a| ScanAttendee {
            id: a.id.to_string(),
            first_name: a.first_name().to_owned(),
            photo: photo_of(store, &a, photo),
            tags: tags_of(&a.tags),
            name: a.name,
        }),
        checkpoint: CheckpointRef {
            id: checkpoint.to_string(),
            name: cp.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            direction: cp
                .as_ref()
                .map(|c| c.direction.as_str())
                .unwrap_or("in")
                .to_owned(),
        },
        reading_confirmation,
        source,
        at: outcome.reading_date.clone(),
    })
}

/// The attendee's face as a `data:` URL (the web view's CSP allows no other image
/// source): the thumbnail cached beside the replica by the sync engine, or a `data:` URL
/// the attendee record carries itself. No photo is never an error: the door shows initials.
fn photo_of(store: &Store, attendee: &entrada_domain::Attendee, size: PhotoSize) -> Option<String> {
    match store.cached_photo(&attendee.id, size) {
        Ok(Some(photo)) => return Some(photo.data_url()),
        Ok(None) => {}
        Err(e) => tracing::warn!(attendee = %attendee.id, error = %e, "photo cache unreadable"),
    }
    attendee
        .photo
        .clone()
        .filter(|p| p.starts_with("data:image/"))
}

fn tags_of(tags: &[entrada_domain::Tag]) -> Vec<Tag> {
    tags.iter()
        .map(|t| Tag {
            id: t.id.to_string(),
            name: t.name.clone(),
        })
        .collect()
}

/// The upstream's reading confirmation is HTML; the screen shows plain text.
pub(crate) fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    let mut tag = String::new();
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let name = tag.trim_start_matches('/').to_ascii_lowercase();
                if ["br", "p", "div", "li"].iter().any(|t| name.starts_with(t)) {
                    out.push(' ');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    let out = out
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::strip_html;

    #[test]
    fn reading_confirmation_html_becomes_plain_text() {
        assert_eq!(
            strip_html("<p>Welcome to <b>Workshop A</b>.</p><p>Seats &amp; coffee inside.</p>"),
            "Welcome to Workshop A. Seats & coffee inside."
        );
    }
}
