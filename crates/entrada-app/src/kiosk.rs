//! Kiosk mode: unattended self check-in, full screen, settings behind a PIN.
//!
//! The PIN is stored in the replica's `meta` table as an Argon2id PHC string (salted, slow
//! to brute-force), never in plain text. Wrong attempts are rate-limited: after each
//! failure the next attempt is refused for a delay that doubles (1 s, 2 s, 4 s ... 60 s),
//! so guessing a 4-digit PIN at the screen takes days. [`set_pin`] is also what
//! `entrada kiosk-pin` calls for provisioning.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use entrada_domain::CheckpointId;
use entrada_store::Store;

use crate::error::AppError;
use crate::types::{AppMode, AppState};
use crate::{App, Result, meta};

pub use entrada_store::kiosk::PIN_KEY;

/// Checks the PIN format: 4 to 12 digits.
pub fn validate_pin(pin: &str) -> Result<()> {
    entrada_secret::pin::validate(pin).map_err(|e| AppError::invalid(e.to_string()))
}

/// Hashes and stores `pin` in the replica (the settings screen; the CLI's
/// `entrada kiosk-pin` calls the store directly).
pub fn set_pin(store: &Store, pin: &str) -> Result<()> {
    Ok(store.set_kiosk_pin(pin)?)
}

/// Whether a PIN has been set on this replica.
pub fn pin_is_set(store: &Store) -> Result<bool> {
    Ok(store.kiosk_pin_is_set()?)
}

/// Verifies `pin` against the stored hash (constant-time inside argon2).
pub fn verify_pin(store: &Store, pin: &str) -> Result<bool> {
    Ok(store.verify_kiosk_pin(pin)?)
}

/// The rate limit on wrong PINs.
#[derive(Debug, Default)]
pub(crate) struct KioskLock {
    inner: Mutex<Attempts>,
}

#[derive(Debug, Default)]
struct Attempts {
    failures: u32,
    not_before: Option<Instant>,
}

fn delay_after(failures: u32) -> Duration {
    Duration::from_secs(1u64 << failures.saturating_sub(1).min(6)).min(Duration::from_secs(60))
}

impl App {
    /// `kiosk_enter`: persisted, full screen. Needs a PIN, or nobody could leave.
    pub fn kiosk_enter(&self, checkpoint_id: &str) -> Result<AppState> {
        {
            let store = self.store();
            if !pin_is_set(&store)? {
                return Err(AppError::invalid("set a kiosk PIN first"));
            }
            if store
                .checkpoint(&CheckpointId::new(checkpoint_id))?
                .is_none()
            {
                return Err(AppError::not_found(format!(
                    "no such checkpoint: {checkpoint_id}"
                )));
            }
            let m = meta::load(&store)?;
            if !m.pulled {
                return Err(AppError::not_configured());
            }
        }
        self.choose_checkpoint(checkpoint_id)?;
        self.set_mode(AppMode::Kiosk)?;
        self.shell.set_fullscreen(true);
        tracing::info!(checkpoint = checkpoint_id, "kiosk mode");
        self.app_state()
    }

    /// `kiosk_unlock`: `true` leaves kiosk mode; `false` (wrong PIN, or too soon after a
    /// wrong one) changes nothing.
    pub fn kiosk_unlock(&self, pin: &str) -> Result<bool> {
        let mut attempts = self.kiosk.inner.lock().unwrap_or_else(|p| p.into_inner());
        if attempts.not_before.is_some_and(|t| Instant::now() < t) {
            return Ok(false);
        }
        let ok = verify_pin(&self.store(), pin)?;
        if !ok {
            attempts.failures = attempts.failures.saturating_add(1);
            attempts.not_before = Some(Instant::now() + delay_after(attempts.failures));
            tracing::warn!(failures = attempts.failures, "wrong kiosk PIN");
            return Ok(false);
        }
        *attempts = Attempts::default();
        drop(attempts);
        self.set_mode(AppMode::Door)?;
        self.shell.set_fullscreen(false);
        Ok(true)
    }

    /// `set_kiosk_pin`.
    pub fn set_kiosk_pin(&self, pin: &str) -> Result<()> {
        set_pin(&self.store(), pin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pin_is_stored_hashed_and_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("r.db")).unwrap();
        assert!(!pin_is_set(&store).unwrap());
        set_pin(&store, "4821").unwrap();
        let stored = store.meta(PIN_KEY).unwrap().unwrap();
        assert!(stored.starts_with("$argon2id$"), "{stored}");
        assert!(!stored.contains("4821"));
        assert!(verify_pin(&store, "4821").unwrap());
        assert!(!verify_pin(&store, "4822").unwrap());
    }

    #[test]
    fn pin_format_is_four_to_twelve_digits() {
        assert!(validate_pin("1234").is_ok());
        assert!(validate_pin("123456789012").is_ok());
        for bad in ["", "123", "1234567890123", "12a4", " 1234"] {
            assert!(validate_pin(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn wrong_pin_delay_doubles_and_caps() {
        assert_eq!(delay_after(1), Duration::from_secs(1));
        assert_eq!(delay_after(2), Duration::from_secs(2));
        assert_eq!(delay_after(3), Duration::from_secs(4));
        assert_eq!(delay_after(30), Duration::from_secs(60));
    }
}
