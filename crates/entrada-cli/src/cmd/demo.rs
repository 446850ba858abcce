use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use entrada_demo as demo;

use crate::output;

#[derive(clap::Args)]
pub struct Args {
    #[arg(long)]
    db: PathBuf,
    /// Attending people in the demo event.
    #[arg(long, default_value_t = 300)]
    attendees: u32,
    /// Write each attendee's badge QR as a PNG into this folder.
    #[arg(long)]
    badges: Option<PathBuf>,
    /// Also write the snapshot JSON here (e.g. to feed `entrada hub --import`).
    #[arg(long)]
    snapshot: Option<PathBuf>,
}

/// Renders a payload as a QR PNG with a quiet zone, 8 pixels per module.
pub fn write_badge(payload: &str, path: &Path) -> Result<()> {
    let code = qrcode::QrCode::with_error_correction_level(payload, qrcode::EcLevel::M)
        .with_context(|| format!("cannot encode {payload:?} as QR"))?;
    let width = code.width();
    let colors = code.to_colors();
    let (scale, quiet) = (8u32, 4u32);
    let side = (width as u32 + 2 * quiet) * scale;
    let img = image::GrayImage::from_fn(side, side, |x, y| {
        let (mx, my) = (x / scale, y / scale);
        let dark = mx >= quiet
            && my >= quiet
            && mx < quiet + width as u32
            && my < quiet + width as u32
            && colors[((my - quiet) as usize) * width + (mx - quiet) as usize]
                == qrcode::Color::Dark;
        image::Luma([if dark { 0 } else { 255 }])
    });
    img.save(path)
        .with_context(|| format!("cannot write {}", path.display()))
}

pub fn run(args: Args) -> Result<()> {
    let snapshot = demo::snapshot(args.attendees);
    if let Some(path) = &args.snapshot {
        std::fs::write(path, serde_json::to_vec_pretty(&snapshot)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut store = super::open(&args.db)?;
    let report = store.import_snapshot(&snapshot)?;
    let mut badges = 0usize;
    if let Some(dir) = &args.badges {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let people = snapshot
            .attendance
            .iter()
            .map(|a| &a.attendee)
            .chain(snapshot.attendees.iter());
        for person in people {
            write_badge(
                person.effective_qr_data(),
                &dir.join(format!("{}.png", person.id)),
            )?;
            badges += 1;
        }
    }
    output::line(&serde_json::json!({
        "event_id": snapshot.event.id,
        "attendees": snapshot.attendance.len(),
        "checkpoints": snapshot.checkpoints.iter().map(|c| &c.id).collect::<Vec<_>>(),
        "inserted": report.inserted,
        "updated": report.updated,
        "badges": badges,
        "device_id": store.device().id,
    }))
}
