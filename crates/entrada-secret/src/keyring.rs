//! The OS keyring as a place for the sealing key: the Secret Service over D-Bus on Linux
//! (GNOME Keyring, KWallet), the Keychain on macOS, the Credential Manager on Windows.
//!
//! A kiosk's keyring is often absent or locked, and a locked Secret Service may answer
//! only after a password prompt nobody will see; every call therefore runs on its own
//! thread and counts as "unusable" after [`ANSWER_WITHIN`]. On Linux, D-Bus is not even
//! tried without a session bus to talk to: libdbus would otherwise "autolaunch" a stray
//! bus daemon (and with it a keyring asking for a new password) on a headless machine.

use std::time::Duration;

/// Service name of the keyring entry (`secret-tool lookup service entrada username
/// secret-key` shows it on Linux).
pub const KEYRING_SERVICE: &str = "entrada";
/// Account name of the keyring entry.
pub const KEYRING_ACCOUNT: &str = "secret-key";

/// Longest wait for the keyring before it counts as unusable.
#[cfg_attr(not(feature = "os-keyring"), allow(dead_code))]
const ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// Why the keyring cannot be used right now (never contains a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unusable {
    pub reason: String,
    /// There is no desktop session at all (a headless machine), as opposed to a
    /// keyring that is there but failed: the first is what the key file is for.
    pub headless: bool,
}

impl Unusable {
    pub(crate) fn because(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            headless: false,
        }
    }
}

/// A place for one secret string: the OS keyring, or a stand-in in tests.
pub(crate) trait Vault {
    /// The stored value; `None` when there is no entry yet.
    fn load(&self) -> Result<Option<String>, Unusable>;
    fn store(&self, value: &str) -> Result<(), Unusable>;
}

/// The entry [`KEYRING_SERVICE`]/[`KEYRING_ACCOUNT`] of the user's OS keyring.
#[derive(Debug, Default)]
pub(crate) struct OsKeyring;

#[cfg(all(
    feature = "os-keyring",
    any(target_os = "linux", target_os = "macos", target_os = "windows")
))]
mod os {
    use super::{ANSWER_WITHIN, KEYRING_ACCOUNT, KEYRING_SERVICE, OsKeyring, Unusable, Vault};

    impl Vault for OsKeyring {
        fn load(&self) -> Result<Option<String>, Unusable> {
            call(|entry| match entry.get_password() {
                Ok(value) => Ok(Some(value)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(e),
            })
        }

        fn store(&self, value: &str) -> Result<(), Unusable> {
            let value = value.to_owned();
            call(move |entry| entry.set_password(&value))
        }
    }

    /// Runs `op` on the entry on a thread of its own, giving up after [`ANSWER_WITHIN`]
    /// (the thread is left to finish or hang alone).
    fn call<T: Send + 'static>(
        op: impl FnOnce(keyring::Entry) -> Result<T, keyring::Error> + Send + 'static,
    ) -> Result<T, Unusable> {
        session_bus()?;
        let entry =
            keyring::Entry::new(KEYRING_SERVICE, KEYRING_ACCOUNT).map_err(|e| describe(&e))?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("entrada-keyring".into())
            .spawn(move || {
                let _ = tx.send(op(entry));
            })
            .map_err(|e| Unusable::because(format!("cannot start the keyring thread: {e}")))?;
        match rx.recv_timeout(ANSWER_WITHIN) {
            Ok(result) => result.map_err(|e| describe(&e)),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Err(Unusable::because(format!(
                "no answer within {} s (a locked keyring waiting for a password?)",
                ANSWER_WITHIN.as_secs()
            ))),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                Err(Unusable::because("the keyring call failed"))
            }
        }
    }

    /// The keyring's error in words that carry no secret: `BadEncoding` holds the stored
    /// bytes and `Ambiguous` the matching credentials, so neither is printed.
    fn describe(e: &keyring::Error) -> Unusable {
        Unusable::because(match e {
            keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => {
                inner.to_string()
            }
            keyring::Error::NoEntry => "no entry".into(),
            keyring::Error::BadEncoding(_) => "the entry is not text".into(),
            keyring::Error::Ambiguous(items) => {
                format!(
                    "{} entries match {KEYRING_SERVICE}/{KEYRING_ACCOUNT}",
                    items.len()
                )
            }
            keyring::Error::TooLong(name, limit) => {
                format!("attribute {name} is longer than {limit}")
            }
            keyring::Error::Invalid(name, why) => format!("attribute {name}: {why}"),
            _ => "unknown keyring failure".into(),
        })
    }

    #[cfg(target_os = "linux")]
    fn session_bus() -> Result<(), Unusable> {
        let set = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty());
        let user_bus = std::env::var_os("XDG_RUNTIME_DIR")
            .is_some_and(|dir| std::path::Path::new(&dir).join("bus").exists());
        if set || user_bus {
            Ok(())
        } else {
            Err(Unusable {
                reason: "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)".into(),
                headless: true,
            })
        }
    }

    #[cfg(not(target_os = "linux"))]
    fn session_bus() -> Result<(), Unusable> {
        Ok(())
    }
}

/// Without the `os-keyring` feature (the hub) or on other platforms the keyring is simply
/// not there, which `auto` answers with the key file.
#[cfg(not(all(
    feature = "os-keyring",
    any(target_os = "linux", target_os = "macos", target_os = "windows")
)))]
impl Vault for OsKeyring {
    fn load(&self) -> Result<Option<String>, Unusable> {
        Err(Unusable {
            reason: "no OS keyring support in this build".into(),
            headless: true,
        })
    }

    fn store(&self, _: &str) -> Result<(), Unusable> {
        Err(Unusable {
            reason: "no OS keyring support in this build".into(),
            headless: true,
        })
    }
}
