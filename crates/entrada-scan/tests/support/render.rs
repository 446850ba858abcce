//! Renders synthetic badge frames: a QR code (qrcode crate) placed in a camera-sized frame
//! with rotation, blur, noise, shadow and inversion, as door cameras see them.
#![allow(dead_code)]

use entrada_scan::LumaImage;
use qrcode::{Color, EcLevel, QrCode};

/// The QR modules of a payload, quiet zone included, as a boolean grid (true = dark).
pub fn modules(payload: &str) -> (usize, Vec<bool>) {
    let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
        .unwrap_or_else(|e| panic!("payload {payload:?} does not fit a QR code: {e}"));
    let w = code.width();
    let quiet = 4;
    let n = w + 2 * quiet;
    let colors = code.to_colors();
    let mut grid = vec![false; n * n];
    for y in 0..w {
        for x in 0..w {
            grid[(y + quiet) * n + x + quiet] = colors[y * w + x] == Color::Dark;
        }
    }
    (n, grid)
}

/// Where and how a badge is drawn into a frame.
#[derive(Clone, Copy, Debug)]
pub struct Placement {
    pub cx: f32,
    pub cy: f32,
    /// Module size in frame pixels.
    pub module: f32,
    pub angle_deg: f32,
    /// Light modules on dark ground (dark-mode phone screen).
    pub inverted: bool,
    pub dark: u8,
    pub light: u8,
}

impl Placement {
    pub fn new(cx: f32, cy: f32, module: f32, angle_deg: f32) -> Self {
        Self {
            cx,
            cy,
            module,
            angle_deg,
            inverted: false,
            dark: 30,
            light: 225,
        }
    }
}

/// A cluttered background: a lighting gradient plus a few flat "objects", so binarizers see
/// something other than a clean white page.
pub fn background(width: u32, height: u32, seed: u64) -> LumaImage {
    let mut img = LumaImage::filled(width, height, 0);
    let mut rng = Lcg(seed);
    let rects: Vec<(u32, u32, u32, u32, u8)> = (0..6)
        .map(|_| {
            let x = rng.below(width);
            let y = rng.below(height);
            (
                x,
                y,
                40 + rng.below(250),
                40 + rng.below(200),
                60 + rng.below(150) as u8,
            )
        })
        .collect();
    let w = width as usize;
    for y in 0..height {
        for x in 0..width {
            let mut v =
                110.0 + 60.0 * (x as f32 / width as f32) - 30.0 * (y as f32 / height as f32);
            for &(rx, ry, rw, rh, c) in &rects {
                if x >= rx && x < rx + rw && y >= ry && y < ry + rh {
                    v = c as f32;
                }
            }
            img.data_mut()[y as usize * w + x as usize] = v.clamp(0.0, 255.0) as u8;
        }
    }
    img
}

/// Draws the code with bilinear-ish anti-aliasing (4x supersampling per pixel).
pub fn draw(frame: &mut LumaImage, payload: &str, p: Placement) {
    let (n, grid) = modules(payload);
    let half = n as f32 * p.module / 2.0;
    let (s, c) = p.angle_deg.to_radians().sin_cos();
    let reach = half * std::f32::consts::SQRT_2 + 2.0;
    let (fw, fh) = (frame.width() as i64, frame.height() as i64);
    let x0 = ((p.cx - reach).floor() as i64).max(0);
    let x1 = ((p.cx + reach).ceil() as i64).min(fw - 1);
    let y0 = ((p.cy - reach).floor() as i64).max(0);
    let y1 = ((p.cy + reach).ceil() as i64).min(fh - 1);
    let (dark, light) = if p.inverted {
        (p.light, p.dark)
    } else {
        (p.dark, p.light)
    };
    let w = frame.width() as usize;
    for y in y0..=y1 {
        for x in x0..=x1 {
            let mut acc = 0.0f32;
            let mut inside = 0;
            for (sx, sy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                let dx = x as f32 + sx - p.cx;
                let dy = y as f32 + sy - p.cy;
                // Rotate back into code coordinates.
                let u = (c * dx + s * dy + half) / p.module;
                let v = (-s * dx + c * dy + half) / p.module;
                if u < 0.0 || v < 0.0 || u >= n as f32 || v >= n as f32 {
                    continue;
                }
                inside += 1;
                let is_dark = grid[v as usize * n + u as usize];
                acc += if is_dark { dark as f32 } else { light as f32 };
            }
            if inside > 0 {
                let idx = y as usize * w + x as usize;
                let bg = frame.data()[idx] as f32;
                let v = (acc + bg * (4 - inside) as f32) / 4.0;
                frame.data_mut()[idx] = v as u8;
            }
        }
    }
}

/// Box blur of the given radius (repeated 3 times ~ Gaussian), as from a defocused lens.
pub fn blur(img: &LumaImage, radius: u32) -> LumaImage {
    let mut cur = img.clone();
    for _ in 0..3 {
        cur = box_pass(&cur, radius, true);
        cur = box_pass(&cur, radius, false);
    }
    cur
}

fn box_pass(img: &LumaImage, r: u32, horizontal: bool) -> LumaImage {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let r = r as i64;
    let src = img.data();
    let mut out = vec![0u8; src.len()];
    let (outer, inner) = if horizontal { (h, w) } else { (w, h) };
    for o in 0..outer {
        let at = |i: i64| -> u32 {
            let i = i.clamp(0, inner - 1);
            let idx = if horizontal { o * w + i } else { i * w + o };
            src[idx as usize] as u32
        };
        let mut sum: u32 = (-r..=r).map(at).sum();
        for i in 0..inner {
            let idx = if horizontal { o * w + i } else { i * w + o };
            out[idx as usize] = (sum / (2 * r as u32 + 1)) as u8;
            sum += at(i + r + 1);
            sum -= at(i - r);
        }
    }
    LumaImage::new(img.width(), img.height(), out).expect("same size")
}

/// Adds zero-mean noise of roughly the given standard deviation (sensor noise in a dim hall).
pub fn add_noise(img: &mut LumaImage, sigma: f32, seed: u64) {
    let mut rng = Lcg(seed);
    for v in img.data_mut() {
        // Sum of 4 uniforms ~ normal, variance 4/12.
        let g: f32 = (0..4).map(|_| rng.unit()).sum::<f32>() - 2.0;
        let n = g * sigma * (3.0f32).sqrt();
        *v = (*v as f32 + n).clamp(0.0, 255.0) as u8;
    }
}

/// Darkens the right part of the frame from `from_x` on (a badge half in shadow).
pub fn shadow(img: &mut LumaImage, from_x: u32, factor: f32) {
    let w = img.width();
    for (i, v) in img.data_mut().iter_mut().enumerate() {
        if (i as u32 % w) >= from_x {
            *v = (*v as f32 * factor) as u8;
        }
    }
}

/// A tiny deterministic generator: tests must render the same frames every run.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next_u32(&mut self) -> u32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) as u32
    }
    pub fn below(&mut self, n: u32) -> u32 {
        self.next_u32() % n.max(1)
    }
    pub fn unit(&mut self) -> f32 {
        self.next_u32() as f32 / (1u64 << 31) as f32
    }
}

/// One 1280x720 frame with one badge.
pub fn badge_frame(
    payload: &str,
    p: Placement,
    blur_radius: u32,
    noise: f32,
    seed: u64,
) -> LumaImage {
    let mut f = background(1280, 720, seed);
    draw(&mut f, payload, p);
    if blur_radius > 0 {
        f = blur(&f, blur_radius);
    }
    if noise > 0.0 {
        add_noise(&mut f, noise, seed ^ 0x9e37);
    }
    f
}

/// Saves a luma image as PNG (for replayed folders).
pub fn save_png(img: &LumaImage, path: &std::path::Path) {
    image::save_buffer(
        path,
        img.data(),
        img.width(),
        img.height(),
        image::ExtendedColorType::L8,
    )
    .unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
}
