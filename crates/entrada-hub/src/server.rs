//! Starting and stopping the hub.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entrada_domain::snapshot::Snapshot;
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::auth::sha256_hex;
use crate::error::HubError;
use crate::routes;
use crate::state::AppState;
use crate::storage::HubStorage;
use crate::storage::sqlite::SqliteStorage;
use entrada_webhook::DispatchConfig;

/// Demo credentials used when none are given (printed at start; see `docs/hub.md`).
pub const DEMO_CLIENT_ID: &str = "demo";
pub const DEMO_CLIENT_SECRET: &str = "demo-secret";

/// How to run a hub.
#[derive(Debug, Clone)]
pub struct HubConfig {
    pub db: PathBuf,
    /// Port 0 picks a free port; [`RunningHub::addr`] tells which.
    pub listen: SocketAddr,
    /// A snapshot file to import at start (never wipes readings).
    pub import: Option<PathBuf>,
    /// A snapshot to import at start, for tests that build one in code.
    pub snapshot: Option<Snapshot>,
    pub client_id: String,
    pub client_secret: String,
    pub token_ttl: Duration,
    /// The Access API only: no extensions, `GET /capabilities` is 404.
    pub plain: bool,
    /// The URL clients reach the hub at (photo and QR URLs); default `http://<listen addr>`.
    pub public_url: Option<String>,
    /// Fire `checkpoint_reading_created` for readings uploaded by devices too. Off by
    /// default: the device that made a reading fires it (`docs/webhooks.md`); turn it on
    /// when the devices set `webhooks.fire_on_device` to `off`.
    pub fire_uploaded_readings: bool,
}

impl HubConfig {
    /// Loopback on a free port, demo credentials, one-hour tokens, extensions on.
    pub fn new(db: impl Into<PathBuf>) -> Self {
        Self {
            db: db.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            import: None,
            snapshot: None,
            client_id: DEMO_CLIENT_ID.to_owned(),
            client_secret: DEMO_CLIENT_SECRET.to_owned(),
            token_ttl: Duration::from_secs(3600),
            plain: false,
            public_url: None,
            fire_uploaded_readings: false,
        }
    }
}

/// A hub accepting connections.
pub struct RunningHub {
    pub addr: SocketAddr,
    pub base_url: String,
    stop: watch::Sender<bool>,
    server: JoinHandle<std::io::Result<()>>,
    dispatcher: JoinHandle<()>,
    storage: Arc<SqliteStorage>,
}

impl RunningHub {
    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A handle for setting attendee photos from code while the hub runs.
    pub fn photos(&self) -> HubPhotos {
        HubPhotos {
            storage: self.storage.clone(),
            base_url: self.base_url.clone(),
        }
    }

    /// Stops accepting, lets requests in flight finish, stops the webhook dispatcher and
    /// the database writer (after its queued work).
    pub async fn shutdown(self) -> Result<(), HubError> {
        let _ = self.stop.send(true);
        let served = self
            .server
            .await
            .map_err(|e| HubError::Join(e.to_string()))?;
        let _ = self.dispatcher.await;
        let storage = self.storage.clone();
        let _ = tokio::task::spawn_blocking(move || storage.close()).await;
        Ok(served?)
    }
}

/// Sets attendee photos of a running hub from code (see [`RunningHub::photos`]).
#[derive(Clone)]
pub struct HubPhotos {
    storage: Arc<SqliteStorage>,
    base_url: String,
}

impl HubPhotos {
    /// Makes `bytes` the photo of attendee `attendee_id`, as an upload through
    /// `PATCH /attendee/<id>` would (same validation, same public URL, same change-feed
    /// entry and `attendee_updated` webhook), for seeding a hub from code: the built-in
    /// demo's portraits. The token is derived from the attendee and the bytes, so seeding
    /// the same photo again (each demo start) changes nothing but a new port in the URL.
    /// Blocks on the hub's database: call it from a thread that may block. Returns the
    /// photo's URL.
    pub fn set(&self, attendee_id: &str, bytes: Vec<u8>) -> Result<String, HubError> {
        let upload = crate::body::Upload {
            content_type: None,
            bytes: bytes.into(),
        };
        let Some(mime) = crate::photo::validate(&upload) else {
            return Err(HubError::InvalidPhoto(attendee_id.to_owned()));
        };
        let mut seed = attendee_id.as_bytes().to_vec();
        seed.extend_from_slice(&upload.bytes);
        let token: String = Sha256::digest(&seed)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let url = format!("{}/attendee/photo/{token}", self.base_url);
        let Some(current) = self.storage.attendee(attendee_id)? else {
            return Err(HubError::Storage(crate::storage::StorageError::Refused(
                entrada_store::admin::Refusal::AttendeeNotFound,
            )));
        };
        if current.photo.as_deref() != Some(url.as_str()) {
            self.storage.save_photo(&token, mime, &upload.bytes)?;
            self.storage.update_attendee(
                attendee_id,
                crate::storage::AttendeePatch {
                    photo: Some(url.clone()),
                    ..Default::default()
                },
            )?;
        }
        Ok(url)
    }
}

/// Opens the database, imports the snapshot if any, registers the client and starts
/// serving. Returns once the listener is bound (connections are accepted from then on).
pub async fn serve(config: HubConfig) -> Result<RunningHub, HubError> {
    let snapshot = match (&config.snapshot, &config.import) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(path)) => {
            let text = tokio::task::spawn_blocking({
                let p = path.clone();
                move || std::fs::read_to_string(p)
            })
            .await
            .map_err(|e| HubError::Join(e.to_string()))?
            .map_err(|source| HubError::ReadSnapshot {
                path: path.clone(),
                source,
            })?;
            Some(Snapshot::from_json(&text)?)
        }
        (None, None) => None,
    };
    let db = config.db.clone();
    let fire_uploaded = config.fire_uploaded_readings;
    let (id, secret_hash) = (config.client_id.clone(), sha256_hex(&config.client_secret));
    let storage = tokio::task::spawn_blocking(move || -> Result<SqliteStorage, HubError> {
        let storage = SqliteStorage::open(&db)?;
        if let Some(s) = snapshot {
            let report = storage.import_snapshot(s)?;
            tracing::info!(?report, "snapshot imported");
        }
        storage.upsert_client(&id, &secret_hash)?;
        storage.set_fire_uploaded_readings(fire_uploaded);
        Ok(storage)
    })
    .await
    .map_err(|e| HubError::Join(e.to_string()))??;
    let storage = Arc::new(storage);

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|source| HubError::Bind {
            addr: config.listen,
            source,
        })?;
    let addr = listener.local_addr()?;
    let base_url = config
        .public_url
        .clone()
        .map(|u| u.trim_end_matches('/').to_owned())
        .unwrap_or_else(|| format!("http://{addr}"));
    let state = Arc::new(AppState {
        storage: storage.clone() as Arc<dyn HubStorage>,
        base_url: base_url.clone(),
        token_ttl: config.token_ttl,
        plain: config.plain,
        tokens: Mutex::new(Default::default()),
    });
    let app = routes::router(state);
    let (stop, stopped) = watch::channel(false);
    let mut server_stop = stopped.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = server_stop.wait_for(|s| *s).await;
            })
            .await
    });
    let dispatcher = match storage.dispatcher(DispatchConfig::default()) {
        Ok(d) => {
            let mut stop_rx = stopped;
            tokio::spawn(async move {
                d.watch(async move {
                    let _ = stop_rx.wait_for(|s| *s).await;
                })
                .await;
            })
        }
        Err(e) => {
            // Another process delivers for this database; webhooks stay queued for it.
            tracing::warn!(error = %e, "webhook dispatcher not started");
            tokio::spawn(async {})
        }
    };
    Ok(RunningHub {
        addr,
        base_url,
        stop,
        server,
        dispatcher,
        storage,
    })
}

/// For the `entrada hub` binary: runs on its own runtime until SIGINT or SIGTERM, calling
/// `ready` once connections are accepted.
pub fn run_until_signal(
    config: HubConfig,
    ready: impl FnOnce(&RunningHub),
) -> Result<(), HubError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let hub = serve(config).await?;
        ready(&hub);
        wait_for_signal().await?;
        tracing::info!("shutting down");
        hub.shutdown().await
    })
}

async fn wait_for_signal() -> Result<(), HubError> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await?;
        Ok(())
    }
}
