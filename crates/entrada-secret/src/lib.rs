//! Secrets at rest: a small authenticated-encryption box for values the device must be
//! able to read back (webhook signing secrets, the upstream OAuth client secret).
//!
//! DESIGN.md asks that secrets never sit in plain text next to the replica. A signing
//! secret cannot be hashed (the dispatcher needs it to sign), so it is sealed with
//! ChaCha20-Poly1305 under one 32-byte *sealing key* that lives elsewhere. The OS keyring
//! holds that key rather than each secret: one keyring entry per user covers the client
//! secret of every replica and every webhook secret, and a replica never needs a keyring
//! round trip per secret. Where the key comes from ([`select`], `docs/sync.md`):
//!
//! 1. `ENTRADA_SECRET_KEY` (base64 of 32 bytes) when set – CI, containers, kiosks that
//!    inject secrets through the environment;
//! 2. `ENTRADA_SECRET_STORE=keyring|file|auto` pins the store (default `auto`);
//!    `ENTRADA_SECRET_KEY_FILE` alone pins the file store at that path;
//! 3. `auto`: the OS keyring (Secret Service over D-Bus on Linux) when it answers, else the
//!    0600 key file `$XDG_CONFIG_HOME/entrada/secret.key` – the headless kiosk fallback.
//!
//! When the keyring first becomes usable, an existing key file's key is *moved* into it
//! (so replicas sealed under it keep opening) and the file is replaced by a marker, so a
//! later run that cannot reach the keyring fails clearly instead of silently making a
//! second key.
//!
//! Sealed format: `0x01 || nonce (12 bytes) || ciphertext+tag`, whatever store holds the
//! key: moving the key between stores never rewrites sealed rows.

mod key_file;
mod keyring;
pub mod pin;
mod select;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use std::path::{Path, PathBuf};

pub use key_file::default_key_path;
pub use keyring::{KEYRING_ACCOUNT, KEYRING_SERVICE};
pub use select::{KeySource, SecretStore};

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// Environment variable holding the key (base64 of 32 bytes).
pub const KEY_ENV: &str = "ENTRADA_SECRET_KEY";
/// Environment variable naming the key file.
pub const KEY_FILE_ENV: &str = "ENTRADA_SECRET_KEY_FILE";
/// Environment variable pinning the store of the key: `auto`, `keyring` or `file`.
pub const STORE_ENV: &str = "ENTRADA_SECRET_STORE";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("{KEY_ENV} must be the base64 encoding of exactly 32 bytes")]
    BadEnvKey,
    #[error("{STORE_ENV} must be `auto`, `keyring` or `file`, not {value:?}")]
    BadStoreChoice { value: String },
    #[error("secret key file {path} is not the base64 encoding of 32 bytes")]
    BadKeyFile { path: PathBuf },
    #[error("cannot use secret key file {path}: {source}")]
    KeyFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no place for the secret key: set {KEY_ENV}, {KEY_FILE_ENV} or HOME")]
    NoKeyLocation,
    #[error(
        "the OS keyring cannot hold the secret key: {reason}; unlock it (or start the \
         desktop session's Secret Service), or set {STORE_ENV}=file to keep the key in a \
         0600 key file instead"
    )]
    KeyringUnavailable { reason: String },
    #[error(
        "the secret key was moved into the OS keyring ({path} says so), but the keyring \
         cannot be used here: {reason}; unlock the keyring or run inside the desktop \
         session, or delete {path} to start a new key file (secrets stored so far must \
         then be given again)"
    )]
    KeyInKeyring { path: PathBuf, reason: String },
    #[error(
        "the OS keyring entry {KEYRING_SERVICE}/{KEYRING_ACCOUNT} is not the base64 \
         encoding of 32 bytes"
    )]
    BadKeyringEntry,
    #[error("sealed secret is damaged or was sealed with another key")]
    Open,
}

/// Seals and opens small secrets with one 32-byte key. Cheap to clone.
#[derive(Clone)]
pub struct SecretBox {
    cipher: ChaCha20Poly1305,
    /// Keys that still open (never seal): a key file that disagrees with the keyring.
    older: Vec<ChaCha20Poly1305>,
    source: KeySource,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretBox({})", self.source)
    }
}

impl SecretBox {
    /// A box over an explicit key (tests, or a key the caller keeps itself).
    pub fn from_key(key: [u8; 32]) -> Self {
        Self::with_source(key, KeySource::Given)
    }

    fn with_source(key: [u8; 32], source: KeySource) -> Self {
        Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
            older: Vec::new(),
            source,
        }
    }

    /// Also opens what `key` sealed (it never seals with it).
    fn also_opening(mut self, key: [u8; 32]) -> Self {
        self.older
            .push(ChaCha20Poly1305::new(Key::from_slice(&key)));
        self
    }

    /// The box every Entrada process uses, chosen once per process (see the module docs
    /// for the order; the choice is logged).
    pub fn open_default() -> Result<Self, SecretError> {
        select::open_default()
    }

    /// Reads the key at `path`, creating it (mode 0600, parents too) when missing.
    pub fn open_key_file(path: &Path) -> Result<Self, SecretError> {
        key_file::open_or_create(path)
            .map(|key| Self::with_source(key, KeySource::File(path.to_owned())))
    }

    /// Where this box's key comes from (for logs and status screens; never the key).
    pub fn source(&self) -> &KeySource {
        &self.source
    }

    /// Encrypts `plaintext` with a fresh random nonce.
    pub fn seal(&self, plaintext: &str) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and an in-memory buffer has no failure mode in this
        // AEAD except exceeding its length limit (~256 GiB), far beyond any secret.
        let ciphertext = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext.as_bytes())
            .unwrap_or_default();
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    /// Decrypts what [`SecretBox::seal`] produced; fails on tampering or another key.
    pub fn open(&self, sealed: &[u8]) -> Result<String, SecretError> {
        if sealed.len() < 1 + NONCE_LEN || sealed[0] != VERSION {
            return Err(SecretError::Open);
        }
        let (nonce, ciphertext) = sealed[1..].split_at(NONCE_LEN);
        let plain = std::iter::once(&self.cipher)
            .chain(&self.older)
            .find_map(|c| c.decrypt(Nonce::from_slice(nonce), ciphertext).ok())
            .ok_or(SecretError::Open)?;
        String::from_utf8(plain).map_err(|_| SecretError::Open)
    }
}

fn decode_key(text: &str) -> Option<[u8; 32]> {
    B64.decode(text).ok()?.try_into().ok()
}

/// 32 bytes from the operating system's generator: sealing keys and signing secrets.
pub fn random_key() -> [u8; 32] {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_tamper() {
        let b = SecretBox::from_key([7; 32]);
        let sealed = b.seal("whsec_abc");
        assert_eq!(b.open(&sealed).ok().as_deref(), Some("whsec_abc"));
        let mut bad = sealed.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(b.open(&bad).is_err());
        assert!(SecretBox::from_key([8; 32]).open(&sealed).is_err());
    }

    #[test]
    fn an_older_key_opens_but_never_seals() {
        let old = SecretBox::from_key([1; 32]).seal("old secret");
        let b = SecretBox::from_key([2; 32]).also_opening([1; 32]);
        assert_eq!(b.open(&old).unwrap(), "old secret");
        let new = b.seal("new secret");
        assert!(SecretBox::from_key([1; 32]).open(&new).is_err());
        assert_eq!(
            SecretBox::from_key([2; 32]).open(&new).unwrap(),
            "new secret"
        );
    }

    #[test]
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("secret.key");
        let a = SecretBox::open_key_file(&path).unwrap();
        let b = SecretBox::open_key_file(&path).unwrap();
        assert_eq!(b.open(&a.seal("x")).unwrap(), "x");
        assert_eq!(a.source(), &KeySource::File(path.clone()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
