//! The kiosk's PIN, kept in the replica's `meta` table as an Argon2id hash
//! ([`entrada_secret::pin`]), never in plain text.

use crate::{Result, Store};

/// The `meta` key holding the PIN hash.
pub const PIN_KEY: &str = "kiosk.pin_hash";

impl Store {
    /// Hashes and stores `pin` (the CLI's `entrada kiosk-pin` and the settings screen).
    pub fn set_kiosk_pin(&self, pin: &str) -> Result<()> {
        let hash = entrada_secret::pin::hash(pin)?;
        self.set_meta(PIN_KEY, &hash)
    }

    /// Whether a PIN has been set on this replica.
    pub fn kiosk_pin_is_set(&self) -> Result<bool> {
        Ok(self.meta(PIN_KEY)?.is_some_and(|h| !h.is_empty()))
    }

    /// Whether `pin` is the stored PIN; false when none is set.
    pub fn verify_kiosk_pin(&self, pin: &str) -> Result<bool> {
        match self.meta(PIN_KEY)? {
            Some(stored) => Ok(entrada_secret::pin::verify(pin, &stored)?),
            None => Ok(false),
        }
    }
}
