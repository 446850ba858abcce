//! The client secret at rest, against a REAL Secret Service: each test starts its own
//! D-Bus session bus (`dbus-daemon`) and GNOME Keyring (`gnome-keyring-daemon`, unlocked
//! with a password on stdin), a real `entrada hub` on 127.0.0.1, and runs `entrada sync`
//! as a child process the way an operator would.
//!
//! Proved: the sealing key goes into the keyring (read back with `secret-tool`, a
//! different client than ours), the replica and the config directory hold neither the
//! client secret nor the key, a second run without `--client-secret` logs in with what
//! the keyring unlocks, a key file made before the keyring existed moves into it without
//! losing the secrets it sealed, and without the bus the documented fallback and errors
//! happen (the key-file store on a fresh kiosk; a clear error where the key moved into
//! the keyring; a clear error when the keyring store is insisted on).
//!
//! Needs the Debian packages `dbus-daemon`, `dbus-bin`, `gnome-keyring` and
//! `libsecret-tools` (scripts/install-deps.sh installs them); without them the tests fail
//! saying so, they are never skipped.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use entrada_demo as demo;

const CLIENT_ID: &str = "door-client";
/// A secret that cannot occur by chance in a database file.
const CLIENT_SECRET: &str = "kr-Secret-7f3a9c1e5b2d4f6a8c0e";
const PACKAGES: &str = "dbus-daemon dbus-bin gnome-keyring libsecret-tools";

/// Spawns `program`, failing the test with the package list when it is not installed.
fn spawn(cmd: &mut Command, program: &str) -> Child {
    match cmd.spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "{program} is not installed: this test needs a real Secret Service; install the \
             Debian packages {PACKAGES} (scripts/install-deps.sh does)"
        ),
        Err(e) => panic!("cannot start {program}: {e}"),
    }
}

fn output(cmd: &mut Command, program: &str) -> Output {
    let child = spawn(cmd.stdout(Stdio::piped()).stderr(Stdio::piped()), program);
    child.wait_with_output().expect("wait for child")
}

/// Kills a child this test started (by its handle) when dropped.
struct Owned(Child);

impl Drop for Owned {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A private session bus with an unlocked GNOME Keyring on it.
struct SecretService {
    address: String,
    runtime: PathBuf,
    keyring: Option<Owned>,
    bus: Option<Owned>,
}

impl SecretService {
    fn start(dir: &Path) -> Self {
        let runtime = dir.join("run");
        std::fs::create_dir_all(&runtime).expect("runtime dir");
        set_private(&runtime);
        let mut bus = Owned(spawn(
            Command::new("dbus-daemon")
                .args(["--session", "--print-address=1", "--nofork", "--nopidfile"])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
            "dbus-daemon",
        ));
        let stdout = bus.0.stdout.take().expect("bus stdout");
        let mut address = String::new();
        BufReader::new(stdout)
            .read_line(&mut address)
            .expect("bus address");
        let address = address.trim().to_owned();
        assert!(
            address.starts_with("unix:"),
            "dbus-daemon printed {address:?}"
        );

        let data = dir.join("keyring-data");
        std::fs::create_dir_all(&data).expect("keyring data dir");
        let mut keyring = Owned(spawn(
            Command::new("gnome-keyring-daemon")
                .args(["--foreground", "--unlock", "--components=secrets"])
                .env("DBUS_SESSION_BUS_ADDRESS", &address)
                .env("HOME", dir)
                .env("XDG_DATA_HOME", &data)
                .env("XDG_RUNTIME_DIR", &runtime)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
            "gnome-keyring-daemon",
        ));
        {
            let mut stdin = keyring.0.stdin.take().expect("keyring stdin");
            stdin
                .write_all(b"login keyring password")
                .expect("unlock password");
        }
        let service = Self {
            address,
            runtime,
            keyring: Some(keyring),
            bus: Some(bus),
        };
        service.wait_for_secrets();
        service
    }

    /// Until `org.freedesktop.secrets` has an owner on the bus (a hang guard, not a
    /// speed requirement).
    fn wait_for_secrets(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let out = output(
                Command::new("dbus-send")
                    .args([
                        "--session",
                        "--print-reply",
                        "--dest=org.freedesktop.DBus",
                        "/org/freedesktop/DBus",
                        "org.freedesktop.DBus.NameHasOwner",
                        "string:org.freedesktop.secrets",
                    ])
                    .env("DBUS_SESSION_BUS_ADDRESS", &self.address),
                "dbus-send",
            );
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "gnome-keyring-daemon never took org.freedesktop.secrets on the bus"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `secret-tool lookup service entrada username secret-key`: what our key entry holds.
    fn lookup_key(&self) -> Option<String> {
        let out = output(
            Command::new("secret-tool")
                .args(["lookup", "service", "entrada", "username", "secret-key"])
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address),
            "secret-tool",
        );
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// Every item of the service `entrada`, as `secret-tool search --all` prints them.
    fn entrada_items(&self) -> String {
        let out = output(
            Command::new("secret-tool")
                .args(["search", "--all", "--unlock", "service", "entrada"])
                .env("DBUS_SESSION_BUS_ADDRESS", &self.address),
            "secret-tool",
        );
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// Takes the keyring and the bus away (the session ended, the kiosk rebooted).
    fn stop(&mut self) {
        self.keyring.take();
        self.bus.take();
    }
}

#[cfg(unix)]
fn set_private(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).expect("chmod");
}

/// A real `entrada hub` process over a small demo event, with our own client.
struct Hub {
    url: String,
    _process: Owned,
}

impl Hub {
    fn start(dir: &Path) -> Self {
        let bin = env!("CARGO_BIN_EXE_entrada");
        let snapshot = dir.join("demo.json");
        let made = Command::new(bin)
            .args(["demo", "--attendees", "20", "--db"])
            .arg(dir.join("demo.db"))
            .arg("--snapshot")
            .arg(&snapshot)
            .stdout(Stdio::null())
            .status()
            .expect("entrada demo");
        assert!(made.success());
        let mut process = Owned(
            Command::new(bin)
                .args(["hub", "--listen", "127.0.0.1:0", "--db"])
                .arg(dir.join("hub.db"))
                .arg("--import")
                .arg(&snapshot)
                .args(["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET])
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .expect("entrada hub"),
        );
        let mut line = String::new();
        BufReader::new(process.0.stdout.take().expect("hub stdout"))
            .read_line(&mut line)
            .expect("hub line");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected hub line {line:?}"))
            .to_owned();
        Self {
            url: format!("http://{addr}"),
            _process: process,
        }
    }
}

/// One user's environment: a home (with its config directory) and maybe a session bus.
struct User {
    home: PathBuf,
    runtime: PathBuf,
    bus: Option<String>,
}

impl User {
    fn new(dir: &Path, name: &str) -> Self {
        let home = dir.join(name);
        let runtime = home.join("run");
        std::fs::create_dir_all(&runtime).expect("home");
        set_private(&runtime);
        Self {
            home,
            runtime,
            bus: None,
        }
    }

    fn in_session(mut self, service: &SecretService) -> Self {
        self.bus = Some(service.address.clone());
        self.runtime = service.runtime.clone();
        self
    }

    fn key_file(&self) -> PathBuf {
        self.home.join(".config").join("entrada").join("secret.key")
    }

    /// `entrada sync --db DB ARGS` as this user; only `extra_env` besides.
    fn sync(&self, db: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_entrada"));
        cmd.arg("sync")
            .arg("--db")
            .arg(db)
            .args(args)
            .env_remove("ENTRADA_SECRET_KEY")
            .env_remove("ENTRADA_SECRET_KEY_FILE")
            .env_remove("ENTRADA_SECRET_STORE")
            .env_remove("ENTRADA_CLIENT_SECRET")
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("HOME", &self.home)
            .env("XDG_RUNTIME_DIR", &self.runtime)
            .env("RUST_LOG", "entrada_secret=info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(bus) = &self.bus {
            cmd.env("DBUS_SESSION_BUS_ADDRESS", bus);
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        cmd.output().expect("run entrada sync")
    }
}

fn first_run_args(hub: &Hub) -> Vec<String> {
    [
        "--upstream",
        &hub.url,
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
        "--event",
        demo::EVENT_ID,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A one-shot sync that pulled the event: it logged in.
fn assert_synced(out: &Output) {
    assert!(out.status.success(), "{}", text(out));
    let summary: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("summary is not JSON ({e}): {}", text(out)));
    assert!(summary.get("pulled").is_some(), "{}", text(out));
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// No file of the replica (database, WAL, shared memory) holds `needle`.
fn assert_replica_lacks(db: &Path, needle: &str, what: &str) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let path = PathBuf::from(format!("{}{suffix}", db.display()));
        if let Ok(bytes) = std::fs::read(&path) {
            assert!(
                !contains(&bytes, needle.as_bytes()),
                "{} holds the {what} in plain text",
                path.display()
            );
        }
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn client_secret_is_sealed_by_a_key_in_the_keyring_and_outlives_the_bus_as_documented() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = Hub::start(dir.path());
    let mut service = SecretService::start(&dir.path().join("session"));
    let user = User::new(dir.path(), "desk").in_session(&service);
    let door = dir.path().join("door.db");

    // First run: the secret is given, the sealing key is made in the keyring.
    let args = first_run_args(&hub);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = user.sync(&door, &args, &[]);
    assert_synced(&out);
    assert!(
        stderr(&out).contains("secret key: the OS keyring"),
        "the store in use is logged: {}",
        text(&out)
    );
    assert!(
        !stderr(&out).contains(CLIENT_SECRET),
        "a log printed the secret"
    );

    let key = service.lookup_key().unwrap_or_else(|| {
        panic!(
            "no entrada/secret-key in the keyring: {}",
            service.entrada_items()
        )
    });
    assert_eq!(key.len(), 44, "base64 of 32 bytes");
    let items = service.entrada_items();
    assert_eq!(
        items.matches("attribute.username = secret-key").count(),
        1,
        "one keyring entry per user: {items}"
    );
    assert!(
        !items.contains(CLIENT_SECRET),
        "the keyring holds the key, not the secret"
    );
    assert!(!stderr(&out).contains(&key), "a log printed the key");

    // Neither the replica nor the config directory holds the secret or the key.
    assert_replica_lacks(&door, CLIENT_SECRET, "client secret");
    assert_replica_lacks(&door, &key, "sealing key");
    let marker = std::fs::read_to_string(user.key_file()).expect("the keyring marker");
    assert!(marker.starts_with("keyring:"), "marker: {marker}");
    assert!(!marker.contains(&key));

    // The key in the keyring is the one that sealed the stored secret: given through the
    // environment instead (no bus), it unseals it and the run logs in.
    let kiosk = User::new(dir.path(), "check");
    let out = kiosk.sync(&door, &[], &[("ENTRADA_SECRET_KEY", &key)]);
    assert_synced(&out);

    // Second run in the session, no --client-secret: the keyring's key unseals it.
    let out = user.sync(&door, &[], &[]);
    assert_synced(&out);
    assert!(!stderr(&out).contains("key file"), "{}", text(&out));

    // The session is gone (bus and keyring).
    service.stop();
    let before = std::fs::read(user.key_file()).expect("marker");

    // auto: the key moved into the keyring, so no new key is made; a clear error.
    let out = user.sync(&door, &[], &[]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("moved into the OS keyring") && err.contains("secret.key"),
        "{}",
        text(&out)
    );
    assert_eq!(
        std::fs::read(user.key_file()).expect("marker"),
        before,
        "no second key was made"
    );

    // keyring insisted on: a clear error naming the keyring and the way out.
    let out = user.sync(&door, &[], &[("ENTRADA_SECRET_STORE", "keyring")]);
    assert!(!out.status.success(), "{}", text(&out));
    let err = stderr(&out);
    assert!(
        err.contains("OS keyring cannot hold the secret key")
            && err.contains("ENTRADA_SECRET_STORE=file"),
        "{}",
        text(&out)
    );

    // The file store pinned where the key moved away: also refused, with the way out.
    let out = user.sync(&door, &[], &[("ENTRADA_SECRET_STORE", "file")]);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(stderr(&out).contains("delete"), "{}", text(&out));

    // A fresh headless kiosk (no bus at all): the 0600 key file, with a warning.
    let kiosk = User::new(dir.path(), "kiosk");
    let kiosk_door = dir.path().join("kiosk.db");
    let out = kiosk.sync(&kiosk_door, &args, &[]);
    assert_synced(&out);
    assert!(
        stderr(&out).contains("OS keyring cannot be used")
            && stderr(&out).contains("using key file"),
        "the fallback is logged: {}",
        text(&out)
    );
    assert_replica_lacks(&kiosk_door, CLIENT_SECRET, "client secret");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(kiosk.key_file())
            .expect("kiosk key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // Pinned to the file store: the same key, no warning.
    let out = kiosk.sync(&kiosk_door, &[], &[("ENTRADA_SECRET_STORE", "file")]);
    assert_synced(&out);
    assert!(!stderr(&out).contains("WARN"), "{}", text(&out));
    // A kiosk pinned to the keyring without one refuses to start.
    let out = kiosk.sync(&kiosk_door, &[], &[("ENTRADA_SECRET_STORE", "keyring")]);
    assert!(!out.status.success(), "{}", text(&out));
}

#[test]
fn a_key_file_made_before_the_keyring_moves_into_it_and_old_secrets_keep_opening() {
    let dir = tempfile::tempdir().expect("tempdir");
    let hub = Hub::start(dir.path());
    let door = dir.path().join("door.db");
    let args = first_run_args(&hub);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();

    // Before any keyring: the secret is sealed under a key file.
    let offline = User::new(dir.path(), "desk");
    assert_synced(&offline.sync(&door, &args, &[]));
    let file_key = std::fs::read_to_string(offline.key_file()).expect("key file");
    let file_key = file_key.trim().to_owned();
    assert_eq!(file_key.len(), 44);

    // The desktop session arrives: the next run, without the secret, moves the key.
    let service = SecretService::start(&dir.path().join("session"));
    let user = User::new(dir.path(), "desk").in_session(&service);
    let out = user.sync(&door, &[], &[]);
    assert_synced(&out);
    assert!(
        stderr(&out).contains("moved from key file"),
        "{}",
        text(&out)
    );
    assert_eq!(service.lookup_key().as_deref(), Some(file_key.as_str()));
    let marker = std::fs::read_to_string(user.key_file()).expect("marker");
    assert!(
        marker.starts_with("keyring:"),
        "the key left the disk: {marker}"
    );
    assert!(!marker.contains(&file_key));

    // And keeps working from the keyring.
    let out = user.sync(&door, &[], &[]);
    assert_synced(&out);
    assert!(
        !stderr(&out).contains("moved"),
        "moved once: {}",
        text(&out)
    );
}
