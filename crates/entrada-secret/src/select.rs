//! Choosing where the sealing key lives, moving it into the OS keyring when that becomes
//! possible, and saying (through `tracing`) which store a process uses.
//!
//! The choice is made once per process: a process that sealed with one key must not open
//! with another a minute later because the keyring got unlocked in between.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::key_file::{self, FileState};
use super::keyring::{KEYRING_ACCOUNT, KEYRING_SERVICE, OsKeyring, Unusable, Vault};
use super::{
    KEY_ENV, KEY_FILE_ENV, STORE_ENV, SecretBox, SecretError, decode_key, default_key_path,
    random_key,
};

/// Which store holds the sealing key (`ENTRADA_SECRET_STORE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SecretStore {
    /// The OS keyring when it answers, else the key file.
    #[default]
    Auto,
    /// The OS keyring or an error: a desktop that must not leave a key on disk.
    Keyring,
    /// The key file only, never D-Bus: a headless kiosk.
    File,
}

impl std::str::FromStr for SecretStore {
    type Err = SecretError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" | "auto" => Ok(Self::Auto),
            "keyring" => Ok(Self::Keyring),
            "file" => Ok(Self::File),
            _ => Err(SecretError::BadStoreChoice {
                value: s.to_owned(),
            }),
        }
    }
}

/// Where a [`SecretBox`]'s key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// Handed to [`SecretBox::from_key`] by the caller.
    Given,
    /// `ENTRADA_SECRET_KEY`.
    Environment,
    /// The OS keyring entry `entrada`/`secret-key`.
    Keyring,
    /// A 0600 key file.
    File(PathBuf),
}

impl std::fmt::Display for KeySource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Given => f.write_str("a key given by the caller"),
            Self::Environment => write!(f, "{KEY_ENV}"),
            Self::Keyring => write!(
                f,
                "the OS keyring (service {KEYRING_SERVICE}, account {KEYRING_ACCOUNT})"
            ),
            Self::File(path) => write!(f, "key file {}", path.display()),
        }
    }
}

/// The environment as far as the choice is concerned.
#[derive(Debug, Default)]
pub(crate) struct Inputs {
    pub env_key: Option<String>,
    pub store: Option<String>,
    /// `ENTRADA_SECRET_KEY_FILE` is set: an explicit file, which `auto` honours.
    pub explicit_file: bool,
    pub key_path: Option<PathBuf>,
}

impl Inputs {
    fn from_env() -> Self {
        Self {
            env_key: std::env::var(KEY_ENV).ok(),
            store: std::env::var(STORE_ENV).ok(),
            explicit_file: std::env::var_os(KEY_FILE_ENV).is_some(),
            key_path: default_key_path(),
        }
    }
}

static CHOSEN: Mutex<Option<SecretBox>> = Mutex::new(None);

/// The process's box: chosen on first success, then reused.
pub(crate) fn open_default() -> Result<SecretBox, SecretError> {
    let mut chosen = CHOSEN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(b) = chosen.as_ref() {
        return Ok(b.clone());
    }
    let b = select(&Inputs::from_env(), &OsKeyring)?;
    *chosen = Some(b.clone());
    Ok(b)
}

pub(crate) fn select(inputs: &Inputs, vault: &dyn Vault) -> Result<SecretBox, SecretError> {
    if let Some(value) = &inputs.env_key {
        let key = decode_key(value.trim()).ok_or(SecretError::BadEnvKey)?;
        tracing::info!("secret key: from {KEY_ENV}");
        return Ok(SecretBox::with_source(key, KeySource::Environment));
    }
    let store = match &inputs.store {
        Some(s) => s.parse()?,
        None if inputs.explicit_file => SecretStore::File,
        None => SecretStore::Auto,
    };
    let path = inputs.key_path.as_deref();
    // Held until the choice is made (and any key made or moved).
    let _lock = path.map(key_file::lock).transpose()?;
    match store {
        SecretStore::File => {
            let path = path.ok_or(SecretError::NoKeyLocation)?;
            let b = SecretBox::open_key_file(path)?;
            tracing::info!("secret key: key file {} ({STORE_ENV}=file)", path.display());
            Ok(b)
        }
        SecretStore::Keyring => from_keyring(vault, path)?
            .map_err(|why| SecretError::KeyringUnavailable { reason: why.reason }),
        SecretStore::Auto => match from_keyring(vault, path)? {
            Ok(b) => Ok(b),
            Err(why) => {
                let path = path.ok_or(SecretError::NoKeyLocation)?;
                if key_file::read(path)? == FileState::Marker {
                    return Err(SecretError::KeyInKeyring {
                        path: path.to_owned(),
                        reason: why.reason,
                    });
                }
                let b = SecretBox::open_key_file(path)?;
                let (reason, path) = (&why.reason, path.display());
                // Headless is what the key file is for; a keyring that is there but
                // fails is worth a warning on a desktop.
                if why.headless {
                    tracing::info!(
                        "secret key: the OS keyring cannot be used ({reason}); using key \
                         file {path}"
                    );
                } else {
                    tracing::warn!(
                        "secret key: the OS keyring cannot be used ({reason}); using key \
                         file {path} (set {STORE_ENV}=file on kiosks to say this is intended)"
                    );
                }
                Ok(b)
            }
        },
    }
}

/// The box over the keyring's key, making or moving one there when missing. The outer
/// error is a real failure; the inner one says the keyring cannot be used (the caller
/// decides whether the key file may stand in).
fn from_keyring(
    vault: &dyn Vault,
    path: Option<&Path>,
) -> Result<Result<SecretBox, Unusable>, SecretError> {
    let stored = match vault.load() {
        Ok(stored) => stored,
        Err(why) => return Ok(Err(why)),
    };
    let file = match path {
        Some(p) => key_file::read(p)?,
        None => FileState::Missing,
    };
    if let Some(text) = stored {
        let key = decode_key(text.trim()).ok_or(SecretError::BadKeyringEntry)?;
        let mut b = SecretBox::with_source(key, KeySource::Keyring);
        match (file, path) {
            (FileState::Key(old), Some(p)) if old != key => {
                tracing::warn!(
                    "secret key: key file {} holds another key than the OS keyring; the \
                     keyring's key seals, both open; delete the file once its secrets \
                     have been given again",
                    p.display()
                );
                b = b.also_opening(old);
            }
            // A move interrupted after the keyring took the key: finish it.
            (FileState::Key(_) | FileState::Missing, Some(p)) => leave_marker(p),
            _ => {}
        }
        tracing::info!("secret key: {}", KeySource::Keyring);
        return Ok(Ok(b));
    }
    let key = match file {
        FileState::Key(old) => old,
        FileState::Missing => random_key(),
        FileState::Marker => {
            tracing::warn!(
                "secret key: the key file says the key is in the OS keyring, but this \
                 keyring has no entry {KEYRING_SERVICE}/{KEYRING_ACCOUNT}; a new key is \
                 made there and secrets stored so far must be given again"
            );
            random_key()
        }
    };
    let encoded = B64.encode(key);
    if let Err(why) = vault.store(&encoded) {
        return Ok(Err(why));
    }
    match vault.load() {
        Ok(Some(back)) if back.trim() == encoded => {}
        Ok(_) => {
            return Ok(Err(Unusable::because(
                "the keyring did not give back the key it was given",
            )));
        }
        Err(why) => return Ok(Err(why)),
    }
    if let Some(p) = path {
        if file != FileState::Marker {
            leave_marker(p);
        }
        if matches!(file, FileState::Key(_)) {
            tracing::info!(
                "secret key: moved from key file {} into {}",
                p.display(),
                KeySource::Keyring
            );
        }
    }
    tracing::info!("secret key: {}", KeySource::Keyring);
    Ok(Ok(SecretBox::with_source(key, KeySource::Keyring)))
}

/// Puts the marker where the key file is (or would be). A failure only costs the clear
/// error of a later run without keyring, so it is logged, not returned.
fn leave_marker(path: &Path) {
    if let Err(e) = key_file::write_marker(path) {
        tracing::warn!("secret key: cannot leave the keyring marker: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// A keyring in memory; `None` = unreachable.
    struct FakeVault(RefCell<Option<Option<String>>>);

    impl FakeVault {
        fn up(value: Option<&str>) -> Self {
            Self(RefCell::new(Some(value.map(str::to_owned))))
        }
        fn down() -> Self {
            Self(RefCell::new(None))
        }
        fn value(&self) -> Option<String> {
            self.0.borrow().clone().flatten()
        }
    }

    impl Vault for FakeVault {
        fn load(&self) -> Result<Option<String>, Unusable> {
            self.0
                .borrow()
                .clone()
                .ok_or_else(|| Unusable::because("bus gone"))
        }
        fn store(&self, value: &str) -> Result<(), Unusable> {
            let mut slot = self.0.borrow_mut();
            match slot.as_mut() {
                Some(v) => {
                    *v = Some(value.to_owned());
                    Ok(())
                }
                None => Err(Unusable::because("bus gone")),
            }
        }
    }

    fn inputs(dir: &Path, store: Option<&str>) -> Inputs {
        Inputs {
            env_key: None,
            store: store.map(str::to_owned),
            explicit_file: false,
            key_path: Some(dir.join("entrada").join("secret.key")),
        }
    }

    #[test]
    fn environment_key_wins_and_touches_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let vault = FakeVault::up(None);
        let mut i = inputs(dir.path(), Some("keyring"));
        i.env_key = Some(B64.encode([5u8; 32]));
        let b = select(&i, &vault).unwrap();
        assert_eq!(b.source(), &KeySource::Environment);
        assert_eq!(vault.value(), None);
        assert!(!dir.path().join("entrada").exists());
        i.env_key = Some("short".into());
        assert!(matches!(select(&i, &vault), Err(SecretError::BadEnvKey)));
    }

    #[test]
    fn auto_makes_the_key_in_the_keyring_and_leaves_only_a_marker() {
        let dir = tempfile::tempdir().unwrap();
        let vault = FakeVault::up(None);
        let i = inputs(dir.path(), None);
        let b = select(&i, &vault).unwrap();
        assert_eq!(b.source(), &KeySource::Keyring);
        let key = decode_key(&vault.value().unwrap()).unwrap();
        let sealed = b.seal("s3cret");
        assert_eq!(SecretBox::from_key(key).open(&sealed).unwrap(), "s3cret");
        let path = i.key_path.as_ref().unwrap();
        assert_eq!(key_file::read(path).unwrap(), FileState::Marker);
        // The same key next time.
        let again = select(&i, &vault).unwrap();
        assert_eq!(again.open(&sealed).unwrap(), "s3cret");
    }

    #[test]
    fn a_key_file_moves_into_the_keyring_and_old_secrets_still_open() {
        let dir = tempfile::tempdir().unwrap();
        let i = inputs(dir.path(), None);
        let path = i.key_path.clone().unwrap();
        let old = SecretBox::open_key_file(&path).unwrap();
        let sealed = old.seal("sealed by the file key");
        let FileState::Key(file_key) = key_file::read(&path).unwrap() else {
            panic!("a key file");
        };
        let vault = FakeVault::up(None);
        let b = select(&i, &vault).unwrap();
        assert_eq!(b.source(), &KeySource::Keyring);
        assert_eq!(b.open(&sealed).unwrap(), "sealed by the file key");
        assert_eq!(vault.value(), Some(B64.encode(file_key)));
        assert_eq!(key_file::read(&path).unwrap(), FileState::Marker);
    }

    #[test]
    fn auto_without_keyring_uses_the_file_unless_the_key_moved() {
        let dir = tempfile::tempdir().unwrap();
        let i = inputs(dir.path(), None);
        let path = i.key_path.clone().unwrap();
        let b = select(&i, &FakeVault::down()).unwrap();
        assert_eq!(b.source(), &KeySource::File(path.clone()));
        assert!(matches!(key_file::read(&path).unwrap(), FileState::Key(_)));

        let moved = tempfile::tempdir().unwrap();
        let i = inputs(moved.path(), None);
        select(&i, &FakeVault::up(None)).unwrap();
        let err = select(&i, &FakeVault::down()).unwrap_err();
        assert!(matches!(err, SecretError::KeyInKeyring { .. }), "{err}");
        assert!(err.to_string().contains("bus gone"), "{err}");
        // Nothing new was made beside the marker.
        let path = i.key_path.unwrap();
        assert_eq!(key_file::read(&path).unwrap(), FileState::Marker);
    }

    #[test]
    fn pinned_stores() {
        let dir = tempfile::tempdir().unwrap();
        let err = select(&inputs(dir.path(), Some("keyring")), &FakeVault::down()).unwrap_err();
        assert!(
            matches!(err, SecretError::KeyringUnavailable { .. }),
            "{err}"
        );
        assert!(!dir.path().join("entrada").join("secret.key").exists());

        let vault = FakeVault::up(None);
        let b = select(&inputs(dir.path(), Some("file")), &vault).unwrap();
        assert!(matches!(b.source(), KeySource::File(_)));
        assert_eq!(
            vault.value(),
            None,
            "the file store never touches the keyring"
        );

        let mut explicit = inputs(dir.path(), None);
        explicit.explicit_file = true;
        let b = select(&explicit, &vault).unwrap();
        assert!(matches!(b.source(), KeySource::File(_)));
        assert_eq!(vault.value(), None);

        assert!(matches!(
            select(&inputs(dir.path(), Some("vault")), &vault),
            Err(SecretError::BadStoreChoice { .. })
        ));
    }

    #[test]
    fn a_file_key_that_disagrees_with_the_keyring_still_opens() {
        let dir = tempfile::tempdir().unwrap();
        let i = inputs(dir.path(), None);
        let path = i.key_path.clone().unwrap();
        let sealed = SecretBox::open_key_file(&path).unwrap().seal("old");
        let vault = FakeVault::up(Some(&B64.encode([9u8; 32])));
        let b = select(&i, &vault).unwrap();
        assert_eq!(b.open(&sealed).unwrap(), "old");
        assert!(SecretBox::from_key([9; 32]).open(&b.seal("new")).is_ok());
        assert!(
            matches!(key_file::read(&path).unwrap(), FileState::Key(_)),
            "a key the keyring does not hold is never deleted"
        );
        let bad = FakeVault::up(Some("not a key"));
        assert!(matches!(
            select(&inputs(dir.path(), Some("keyring")), &bad),
            Err(SecretError::BadKeyringEntry)
        ));
    }
}
