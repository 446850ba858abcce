//! Secrets at rest: a small authenticated-encryption box for values the device must be
//! able to read back (webhook signing secrets, the upstream OAuth client secret).
//!
//! DESIGN.md asks that secrets never sit in plain text next to the replica. A signing
//! secret cannot be hashed (the dispatcher needs it to sign), so it is sealed with
//! ChaCha20-Poly1305 under a 32-byte key that lives *elsewhere*:
//!
//! 1. `ENTRADA_SECRET_KEY` (base64 of 32 bytes) when set – headless kiosks, CI, containers
//!    that inject secrets through the environment;
//! 2. otherwise a key file, `ENTRADA_SECRET_KEY_FILE` or `$XDG_CONFIG_HOME/entrada/secret.key`
//!    (`~/.config/entrada/secret.key`), created on first use with mode 0600.
//!
//! Copying the replica alone therefore reveals no secret; copying the replica *and* the
//! user's config directory does. The OS keyring is not used yet (see `docs/webhooks.md`):
//! on Linux kiosks it is usually absent or locked, and a key that cannot be read at boot
//! would stop deliveries.
//!
//! Sealed format: `0x01 || nonce (12 bytes) || ciphertext+tag`. The version byte lets a
//! later keyring-backed box coexist with old rows.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

/// Environment variable holding the key (base64 of 32 bytes).
pub const KEY_ENV: &str = "ENTRADA_SECRET_KEY";
/// Environment variable naming the key file.
pub const KEY_FILE_ENV: &str = "ENTRADA_SECRET_KEY_FILE";

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("{KEY_ENV} must be the base64 encoding of exactly 32 bytes")]
    BadEnvKey,
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
    #[error("sealed secret is damaged or was sealed with another key")]
    Open,
}

/// Seals and opens small secrets with one 32-byte key. Cheap to clone.
#[derive(Clone)]
pub struct SecretBox {
    cipher: ChaCha20Poly1305,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// A box over an explicit key (tests, or a key fetched from a keyring by the caller).
    pub fn from_key(key: [u8; 32]) -> Self {
        Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        }
    }

    /// The box every Entrada process uses: the environment key, else the key file
    /// (created on first use). See the module docs for the order.
    pub fn open_default() -> Result<Self, SecretError> {
        if let Ok(value) = std::env::var(KEY_ENV) {
            return decode_key(value.trim())
                .map(Self::from_key)
                .ok_or(SecretError::BadEnvKey);
        }
        let path = default_key_path().ok_or(SecretError::NoKeyLocation)?;
        Self::open_key_file(&path)
    }

    /// Reads the key at `path`, creating it (mode 0600, parents too) when missing.
    pub fn open_key_file(path: &Path) -> Result<Self, SecretError> {
        let io = |source| SecretError::KeyFile {
            path: path.to_owned(),
            source,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => {
                decode_key(text.trim())
                    .map(Self::from_key)
                    .ok_or_else(|| SecretError::BadKeyFile {
                        path: path.to_owned(),
                    })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(io)?;
                }
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                match create_private(path) {
                    Ok(mut file) => {
                        file.write_all(B64.encode(key).as_bytes()).map_err(io)?;
                        file.sync_all().map_err(io)?;
                        Ok(Self::from_key(key))
                    }
                    // Another process created it first: use theirs.
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        Self::open_key_file(path)
                    }
                    Err(e) => Err(io(e)),
                }
            }
            Err(e) => Err(io(e)),
        }
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
        let plain = self
            .cipher
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| SecretError::Open)?;
        String::from_utf8(plain).map_err(|_| SecretError::Open)
    }
}

/// Where the key file lives when `ENTRADA_SECRET_KEY_FILE` is not set.
pub fn default_key_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(KEY_FILE_ENV) {
        return Some(PathBuf::from(path));
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("entrada").join("secret.key"))
}

fn decode_key(text: &str) -> Option<[u8; 32]> {
    B64.decode(text).ok()?.try_into().ok()
}

#[cfg(unix)]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
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
    fn key_file_is_created_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("secret.key");
        let a = SecretBox::open_key_file(&path).unwrap();
        let b = SecretBox::open_key_file(&path).unwrap();
        assert_eq!(b.open(&a.seal("x")).unwrap(), "x");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
