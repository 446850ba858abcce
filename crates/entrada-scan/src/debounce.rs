//! Debounce: the same badge seen again within a window is not a new scan.
//!
//! The window slides: every sighting of a payload pushes its expiry out again, so a badge
//! held up for ten seconds is one scan, and it scans again only after it has been out of
//! view for a whole window. Times come from frame capture timestamps, not from when the
//! decoder got to the frame, so a slow machine debounces exactly like a fast one.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The default window: long enough to cover a badge being waved in front of the camera,
/// short enough that someone who really wants to scan again (re-entry) is not kept waiting.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(3);

#[derive(Debug, Clone)]
pub struct Debouncer {
    window: Duration,
    last_seen: HashMap<Vec<u8>, Instant>,
}

impl Default for Debouncer {
    fn default() -> Self {
        Self::new(DEFAULT_WINDOW)
    }
}

impl Debouncer {
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            last_seen: HashMap::new(),
        }
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    /// Records a sighting at `at`; true when it is a new scan.
    pub fn accept(&mut self, payload: &[u8], at: Instant) -> bool {
        // Forget payloads out of view for longer than the window, so the map stays small
        // on a long-running kiosk.
        let window = self.window;
        self.last_seen
            .retain(|_, seen| at.saturating_duration_since(*seen) <= window);
        match self.last_seen.get_mut(payload) {
            Some(seen) => {
                // Out-of-order timestamps (two sources) never move the window backwards.
                if at > *seen {
                    *seen = at;
                }
                false
            }
            None => {
                self.last_seen.insert(payload.to_vec(), at);
                true
            }
        }
    }

    /// Forgets everything (e.g. when the operator switches checkpoint).
    pub fn clear(&mut self) {
        self.last_seen.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_payload_within_window_is_one_scan() {
        let t0 = Instant::now();
        let mut d = Debouncer::new(Duration::from_secs(3));
        assert!(d.accept(b"A", t0));
        // Held in view for 10 s at 10 fps: the window keeps sliding.
        for i in 1..100 {
            assert!(!d.accept(b"A", t0 + Duration::from_millis(100 * i)));
        }
        // Out of view for more than the window, then shown again: a new scan.
        assert!(d.accept(b"A", t0 + Duration::from_millis(9_900 + 3_100)));
    }

    #[test]
    fn different_payloads_are_independent() {
        let t0 = Instant::now();
        let mut d = Debouncer::default();
        assert!(d.accept(b"A", t0));
        assert!(d.accept(b"B", t0 + Duration::from_millis(10)));
        assert!(!d.accept(b"A", t0 + Duration::from_millis(20)));
        assert!(!d.accept(b"B", t0 + Duration::from_millis(2_900)));
    }

    #[test]
    fn configurable_window() {
        let t0 = Instant::now();
        let mut d = Debouncer::new(Duration::from_millis(500));
        assert!(d.accept(b"A", t0));
        assert!(!d.accept(b"A", t0 + Duration::from_millis(400)));
        assert!(d.accept(b"A", t0 + Duration::from_millis(1_000)));
    }
}
