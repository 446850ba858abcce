//! Entrada desktop: the Tauri shell over `entrada-app`.
//!
//! This file wires the command line, the application API, the event broadcaster and the
//! command list; it holds no check-in logic (that is the library crates, composed by
//! entrada-app). See docs/desktop.md.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod broadcaster;
mod commands;
#[cfg(target_os = "linux")]
mod renderer;
mod startup;
#[cfg(target_os = "linux")]
mod webkit;

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser;
use entrada_app::frames::FramesConfig;
use entrada_app::types::AppMode;
use entrada_app::{App, AppConfig};
use tauri::{Manager, WebviewUrl, WebviewWindowBuilder};

pub const MAIN_WINDOW: &str = "main";

/// Entrada: offline-first event check-in.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Where the replica lives (default: $XDG_DATA_HOME/entrada).
    #[arg(long, env = "ENTRADA_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Open the built-in demo event if this device has no event yet.
    #[arg(long)]
    demo: bool,
    /// Attendees in the demo event.
    #[arg(long, default_value_t = 2000)]
    demo_attendees: u32,
    /// Feed the scanner from image files in DIR instead of a camera: files present at start
    /// play once in name order, files added later are shown as badges held to the camera.
    #[arg(long, env = "ENTRADA_FRAMES", value_name = "DIR")]
    frames: Option<PathBuf>,
    /// Frame rate of --frames.
    #[arg(long, default_value_t = 10.0)]
    fps: f64,
    /// Start in kiosk mode (full screen, PIN to leave) on --checkpoint.
    #[arg(long, requires = "checkpoint")]
    kiosk: bool,
    /// The checkpoint for --kiosk (or to switch the door to at start).
    #[arg(long, value_name = "ID")]
    checkpoint: Option<String>,
    /// Write CSV exports here (default: the Downloads folder).
    #[arg(long, value_name = "DIR")]
    export_dir: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    #[cfg(target_os = "linux")]
    let painter = renderer::choose();
    startup::mark("main");
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tao=warn,wry=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut config = AppConfig::new(
        args.data_dir
            .clone()
            .unwrap_or_else(entrada_app::default_data_dir),
    );
    config.frames = args
        .frames
        .clone()
        .map(|dir| FramesConfig::new(dir, args.fps));
    config.demo_attendees = args.demo_attendees;
    config.latency_log = std::env::var_os("ENTRADA_LATENCY_LOG").map(PathBuf::from);
    if let Some(dir) = &args.export_dir {
        config.export_dir = dir.clone();
    }
    tracing::info!(data_dir = %config.data_dir.display(), "starting Entrada");
    #[cfg(target_os = "linux")]
    tracing::info!(?painter, "WebKit painter");

    tauri::Builder::default()
        .setup(move |tauri_app| {
            startup::mark("setup");
            let shell = Arc::new(broadcaster::Broadcaster::new(tauri_app.handle().clone()));
            let app = App::open(config, shell).context("cannot open the replica")?;
            startup::mark("replica-open");
            let kiosk = args.kiosk || app.app_state()?.mode == AppMode::Kiosk;
            tauri_app.manage(Arc::clone(&app));
            // The window first: WebKit starts its processes and loads the page while the
            // demo is imported below. The window is built here rather than in
            // tauri.conf.json so a kiosk opens full screen without window controls from its
            // first frame.
            let window = WebviewWindowBuilder::new(tauri_app, MAIN_WINDOW, WebviewUrl::default())
                .title("Entrada")
                .inner_size(1280.0, 800.0)
                .min_inner_size(1024.0, 700.0)
                .center()
                .fullscreen(kiosk)
                .decorations(!kiosk)
                .build()?;
            startup::mark("window-built");
            #[cfg(target_os = "linux")]
            webkit::tune(&window);
            #[cfg(not(target_os = "linux"))]
            let _ = window;
            prepare(&app, &args)?;
            startup::mark("prepared");
            release_startup_memory();
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_state,
            commands::open_demo,
            commands::connect_upstream,
            commands::list_events,
            commands::list_checkpoints,
            commands::choose_checkpoint,
            commands::start_pull,
            commands::list_cameras,
            commands::camera_state,
            commands::start_camera,
            commands::stop_camera,
            commands::scan_payload,
            commands::check_in_attendee,
            commands::search_attendees,
            commands::recent_scans,
            commands::undo_reading,
            commands::sync_status,
            commands::set_forced_mode,
            commands::sync_now,
            commands::dashboard,
            commands::export_csv,
            commands::webhooks_list,
            commands::webhooks_add,
            commands::webhooks_remove,
            commands::webhooks_set_enabled,
            commands::webhooks_ping,
            commands::webhooks_deliveries,
            commands::webhooks_resend,
            commands::settings_get,
            commands::settings_set,
            commands::kiosk_enter,
            commands::kiosk_unlock,
            commands::set_kiosk_pin,
        ])
        .build(tauri::generate_context!())
        .context("cannot build the Tauri app")?
        .run(|handle, event| {
            if let tauri::RunEvent::Exit = event
                && let Some(app) = handle.try_state::<Arc<App>>()
            {
                app.stop_camera();
            }
        });
    Ok(())
}

/// The start (demo import, the embedded hub's import and first sync, the first page load)
/// allocates and frees tens of megabytes on several threads; glibc keeps freed memory in
/// its arenas. Once the start is over, hand it back to the system, so an idle door holds
/// only what it uses.
fn release_startup_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let spawned = std::thread::Builder::new()
            .name("entrada-trim".into())
            .spawn(|| {
                std::thread::sleep(std::time::Duration::from_secs(5));
                // SAFETY: malloc_trim only walks glibc's own arenas; it takes no pointers.
                unsafe { libc::malloc_trim(0) };
            });
        if let Err(e) = spawned {
            tracing::debug!(error = %e, "no memory trim after start");
        }
    }
}

/// Applies the start-up flags (`--demo`, `--checkpoint`, `--kiosk`), then starts the camera
/// of a door or kiosk, so it is running by the time the page has loaded. The page keeps it
/// if it is the camera it remembers (index 0 unless the user picked another).
fn prepare(app: &Arc<App>, args: &Args) -> anyhow::Result<()> {
    if args.demo && app.app_state()?.mode == AppMode::Setup {
        app.open_demo_door_first()?;
    }
    if let Some(cp) = &args.checkpoint {
        if args.kiosk {
            app.kiosk_enter(cp)
                .with_context(|| format!("cannot start the kiosk on checkpoint {cp}"))?;
        } else {
            app.choose_checkpoint(cp)?;
        }
    }
    if matches!(app.app_state()?.mode, AppMode::Door | AppMode::Kiosk)
        && !app.list_cameras().is_empty()
        && let Err(e) = app.start_camera(0)
    {
        tracing::info!(error = %e, "camera not started at launch; the page will retry");
    }
    Ok(())
}
