//! Signing and verifying webhook requests – both schemes, one secret.
//!
//! * `x-eventwo-access-signature: base64(HMAC-SHA256(secret, raw body))`, exactly what the
//!   Access API's PHP snippet computes (`hash_hmac('sha256', $data, $secret, true)`, the
//!   secret string used as the key as is).
//! * Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<b64>`),
//!   HMAC-SHA256 over `id.timestamp.body` with the base64-decoded part of the `whsec_`
//!   secret. The timestamp is the attempt's, so receivers can refuse replays; the body
//!   signature above stays identical across retries.
//!
//! Comparisons are constant-time (`subtle`), so a forger learns nothing from timing.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub const EVENTWO_HEADER: &str = "x-eventwo-access-signature";
pub const ID_HEADER: &str = "webhook-id";
pub const TIMESTAMP_HEADER: &str = "webhook-timestamp";
pub const SIGNATURE_HEADER: &str = "webhook-signature";
/// Prefix of secrets in the Standard Webhooks format.
pub use entrada_domain::webhook::SECRET_PREFIX;
/// How far a `webhook-timestamp` may be from the receiver's clock (Standard Webhooks: 5 min).
pub const DEFAULT_TOLERANCE_SECS: i64 = 5 * 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("signature does not match the body")]
    Mismatch,
    #[error("signature header is missing")]
    Missing,
    #[error("webhook-timestamp is not a number of seconds")]
    BadTimestamp,
    #[error("webhook-timestamp is {0} s away from now, outside the tolerance")]
    Stale(i64),
    #[error("secret is not in the whsec_<base64> format")]
    BadSecret,
}

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC accepts keys of any length; new_from_slice cannot fail for it.
    let mut mac = match HmacSha256::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return Vec::new(),
    };
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().to_vec()
}

fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    // Lengths are public (a base64 SHA-256 is always 44 chars); contents are compared
    // without early exit.
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The `x-eventwo-access-signature` value for `body`.
pub fn eventwo_signature(secret: &str, body: &[u8]) -> String {
    B64.encode(hmac(secret.as_bytes(), &[body]))
}

/// Checks an `x-eventwo-access-signature` header the way the PHP snippet does.
pub fn verify_eventwo(secret: &str, body: &[u8], header: &str) -> Result<(), VerifyError> {
    let header = header.trim();
    if header.is_empty() {
        return Err(VerifyError::Missing);
    }
    let expected = eventwo_signature(secret, body);
    if ct_eq(expected.as_bytes(), header.as_bytes()) {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

/// The HMAC key of a Standard Webhooks secret: base64 after `whsec_`.
pub fn standard_key(secret: &str) -> Result<Vec<u8>, VerifyError> {
    let b64 = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    B64.decode(b64).map_err(|_| VerifyError::BadSecret)
}

/// The `webhook-signature` value (`v1,<base64>`) for one attempt.
pub fn standard_signature(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> Result<String, VerifyError> {
    let key = standard_key(secret)?;
    let ts = timestamp.to_string();
    let mac = hmac(&key, &[id.as_bytes(), b".", ts.as_bytes(), b".", body]);
    Ok(format!("v1,{}", B64.encode(mac)))
}

/// Verifies Standard Webhooks headers: any of the space-separated `v1,` signatures must
/// match, and the timestamp must be within `tolerance_secs` of `now_secs`.
pub fn verify_standard(
    secret: &str,
    id: &str,
    timestamp: &str,
    signatures: &str,
    body: &[u8],
    now_secs: i64,
    tolerance_secs: i64,
) -> Result<(), VerifyError> {
    if id.is_empty() || signatures.trim().is_empty() {
        return Err(VerifyError::Missing);
    }
    let ts: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| VerifyError::BadTimestamp)?;
    let skew = now_secs.saturating_sub(ts);
    if skew.abs() > tolerance_secs {
        return Err(VerifyError::Stale(skew));
    }
    let expected = standard_signature(secret, id, ts, body)?;
    let mut ok = false;
    for candidate in signatures.split_whitespace() {
        // Evaluate every candidate, so timing does not reveal which one matched.
        ok |= ct_eq(expected.as_bytes(), candidate.as_bytes());
    }
    if ok {
        Ok(())
    } else {
        Err(VerifyError::Mismatch)
    }
}

/// A fresh secret: `whsec_` + base64 of 32 random bytes. Usable as is by both schemes.
pub use entrada_store::webhooks::generate_secret;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_webhooks_reference_vector() {
        // From the Standard Webhooks specification's reference test.
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let id = "msg_p5jXN8AQM9LWM0D4loKWxJek";
        let body = br#"{"test": 2432232314}"#;
        let sig = standard_signature(secret, id, 1614265330, body).unwrap();
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assert!(verify_standard(secret, id, "1614265330", &sig, body, 1614265330, 300).is_ok());
        assert_eq!(
            verify_standard(secret, id, "1614265330", &sig, body, 1614265330 + 301, 300),
            Err(VerifyError::Stale(301))
        );
    }

    #[test]
    fn eventwo_matches_php_hash_hmac() {
        // php -r 'echo base64_encode(hash_hmac("sha256", "{\"a\":1}", "the-webhook-secret", true));'
        let sig = eventwo_signature("the-webhook-secret", br#"{"a":1}"#);
        assert_eq!(sig, "oUYoU66CFEbTm3AbLN7CDd7e8rzzjPbsxR0w+sSInRM=");
        assert!(verify_eventwo("the-webhook-secret", br#"{"a":1}"#, &sig).is_ok());
        assert_eq!(
            verify_eventwo("the-webhook-secret", br#"{"a":2}"#, &sig),
            Err(VerifyError::Mismatch)
        );
    }
}
