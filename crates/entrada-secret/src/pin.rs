//! Staff PINs (the kiosk's, a supervisor's): checked for shape, stored only as Argon2id PHC
//! strings (salted and slow, so a copied replica does not give a 4-digit PIN away in a
//! blink), verified in constant time inside argon2.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Why a PIN cannot be set or checked.
#[derive(Debug, thiserror::Error)]
pub enum PinError {
    #[error("the PIN must be 4 to 12 digits")]
    Format,
    #[error("cannot hash the PIN: {0}")]
    Hash(String),
    #[error("stored PIN hash is unreadable: {0}")]
    Stored(String),
}

/// Checks the PIN format: 4 to 12 digits.
pub fn validate(pin: &str) -> Result<(), PinError> {
    if (4..=12).contains(&pin.len()) && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(PinError::Format)
    }
}

/// The PHC string to store for `pin`, after checking its format.
pub fn hash(pin: &str) -> Result<String, PinError> {
    validate(pin)?;
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map_err(|e| PinError::Hash(e.to_string()))?
        .to_string())
}

/// Whether `pin` matches the stored PHC string.
pub fn verify(pin: &str, stored: &str) -> Result<bool, PinError> {
    let hash = PasswordHash::new(stored).map_err(|e| PinError::Stored(e.to_string()))?;
    Ok(Argon2::default()
        .verify_password(pin.as_bytes(), &hash)
        .is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_verifies_against_its_hash_only() {
        let stored = hash("2468").expect("hash");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("2468", &stored).expect("verify"));
        assert!(!verify("2469", &stored).expect("verify"));
        assert!(matches!(hash("12a4"), Err(PinError::Format)));
        assert!(matches!(hash("123"), Err(PinError::Format)));
    }
}
