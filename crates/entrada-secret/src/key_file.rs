//! The 0600 key file: the store of headless kiosks, and the marker left behind when its
//! key moved into the OS keyring.
//!
//! The marker takes the key file's place (one atomic rename), so at any moment the path
//! holds either the key or a note saying where the key went, never neither: a process
//! that cannot reach the keyring then reports that, instead of creating a second key under
//! which nothing stored so far would open.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::keyring::{KEYRING_ACCOUNT, KEYRING_SERVICE};
use super::{KEY_FILE_ENV, SecretError, decode_key, random_key};

/// First line of a marker file.
const MARKER_PREFIX: &str = "keyring:";

/// What the key file path holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileState {
    Missing,
    Key([u8; 32]),
    /// The key was moved into the OS keyring.
    Marker,
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

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> SecretError + '_ {
    move |source| SecretError::KeyFile {
        path: path.to_owned(),
        source,
    }
}

pub(crate) fn read(path: &Path) -> Result<FileState, SecretError> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let text = text.trim();
            if text.starts_with(MARKER_PREFIX) {
                return Ok(FileState::Marker);
            }
            decode_key(text)
                .map(FileState::Key)
                .ok_or_else(|| SecretError::BadKeyFile {
                    path: path.to_owned(),
                })
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileState::Missing),
        Err(e) => Err(io_error(path)(e)),
    }
}

/// The key in the file at `path`, created (mode 0600, parents too) when missing.
pub(crate) fn open_or_create(path: &Path) -> Result<[u8; 32], SecretError> {
    match read(path)? {
        FileState::Key(key) => Ok(key),
        FileState::Marker => Err(SecretError::KeyInKeyring {
            path: path.to_owned(),
            reason: "the key file store is in use".into(),
        }),
        FileState::Missing => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).map_err(io_error(path))?;
            }
            let key = random_key();
            match create_private(path) {
                Ok(mut file) => {
                    file.write_all(B64.encode(key).as_bytes())
                        .map_err(io_error(path))?;
                    file.sync_all().map_err(io_error(path))?;
                    Ok(key)
                }
                // Another process created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => open_or_create(path),
                Err(e) => Err(io_error(path)(e)),
            }
        }
    }
}

/// Replaces whatever is at `path` by the marker, atomically and durably.
pub(crate) fn write_marker(path: &Path) -> Result<(), SecretError> {
    let io = io_error(path);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(&io)?;
    }
    let text = format!(
        "{MARKER_PREFIX}{KEYRING_SERVICE}/{KEYRING_ACCOUNT}\n\
         # Entrada moved its secret key into the OS keyring (service {KEYRING_SERVICE:?},\n\
         # account {KEYRING_ACCOUNT:?}). Delete this file only to start over with a new key\n\
         # file: secrets sealed so far would then have to be given again.\n"
    );
    let tmp = path.with_extension("key.tmp");
    let _ = std::fs::remove_file(&tmp);
    let mut file = create_private(&tmp).map_err(&io)?;
    file.write_all(text.as_bytes()).map_err(&io)?;
    file.sync_all().map_err(&io)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(&io)?;
    sync_dir(path);
    Ok(())
}

/// An exclusive lock held while the store is chosen, so two processes starting together
/// (the desktop and a CLI run) cannot both make or move a key.
pub(crate) fn lock(path: &Path) -> Result<std::fs::File, SecretError> {
    let io = io_error(path);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(&io)?;
    }
    let lock_path = path.with_extension("key.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(&io)?;
    fs4::FileExt::lock(&file).map_err(&io)?;
    Ok(file)
}

#[cfg(unix)]
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
}

#[cfg(not(unix))]
fn sync_dir(_: &Path) {}

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
    fn marker_replaces_the_key_and_is_recognised() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        assert_eq!(read(&path).unwrap(), FileState::Missing);
        let key = open_or_create(&path).unwrap();
        assert_eq!(read(&path).unwrap(), FileState::Key(key));
        write_marker(&path).unwrap();
        assert_eq!(read(&path).unwrap(), FileState::Marker);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains(&B64.encode(key)), "the marker holds no key");
        assert!(matches!(
            open_or_create(&path),
            Err(SecretError::KeyInKeyring { .. })
        ));
        std::fs::write(&path, "not a key").unwrap();
        assert!(matches!(read(&path), Err(SecretError::BadKeyFile { .. })));
    }
}
