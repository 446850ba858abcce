//! `entrada hub`: run the reference upstream (Access API + sync extensions) on a database.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result};
use entrada_hub::HubConfig;

#[derive(clap::Args)]
pub struct Args {
    /// The hub's SQLite database (created if missing; photos go to `<db>.photos/`).
    #[arg(long)]
    db: PathBuf,
    /// Address to listen on, e.g. 127.0.0.1:8080 (port 0 picks a free one).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Import this snapshot at start (readings already in the database are kept).
    #[arg(long)]
    import: Option<PathBuf>,
    /// OAuth2 client id to register (default: the demo client `demo`).
    #[arg(long, requires = "client_secret")]
    client_id: Option<String>,
    /// OAuth2 client secret for `--client-id` (default: `demo-secret`).
    #[arg(long, requires = "client_id")]
    client_secret: Option<String>,
    /// Lifetime of issued bearer tokens, in seconds.
    #[arg(long, default_value_t = 3600)]
    token_ttl: u64,
    /// Serve the plain Access API only (no extensions; /capabilities answers 404).
    #[arg(long)]
    plain: bool,
    /// The URL clients reach the hub at, for photo and QR URLs (default http://LISTEN).
    #[arg(long)]
    public_url: Option<String>,
    /// Also fire `checkpoint_reading_created` for readings uploaded by devices (when the
    /// devices do not fire their own: `webhooks.fire_on_device` = off).
    #[arg(long)]
    fire_uploaded_readings: bool,
}

pub fn run(args: Args) -> Result<()> {
    let mut config = HubConfig::new(&args.db);
    config.listen = args.listen;
    config.import = args.import;
    config.token_ttl = Duration::from_secs(args.token_ttl.max(1));
    config.plain = args.plain;
    config.public_url = args.public_url;
    config.fire_uploaded_readings = args.fire_uploaded_readings;
    let demo = args.client_id.is_none();
    if let (Some(id), Some(secret)) = (args.client_id, args.client_secret) {
        config.client_id = id;
        config.client_secret = secret;
    }
    let client_id = config.client_id.clone();
    entrada_hub::run_until_signal(config, |hub| {
        if demo {
            eprintln!(
                "demo credentials: client_id={} client_secret={}",
                entrada_hub::DEMO_CLIENT_ID,
                entrada_hub::DEMO_CLIENT_SECRET
            );
        } else {
            eprintln!("client_id={client_id}");
        }
        // Scripts and tests wait for this exact line.
        println!("listening on http://{}", hub.addr);
    })
    .with_context(|| format!("hub on {}", args.db.display()))
}
