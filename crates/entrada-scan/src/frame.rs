//! Luma frames and the few image operations the decode ladder needs.
//!
//! Everything in the scanner works on 8-bit luma: QR codes carry no colour information,
//! and one byte per pixel keeps copies, crops and downscales cheap enough for a 30 fps loop.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crate::SourceError;

/// An 8-bit greyscale image, row-major, no padding.
#[derive(Clone, PartialEq, Eq)]
pub struct LumaImage {
    width: u32,
    height: u32,
    data: Vec<u8>,
}

impl std::fmt::Debug for LumaImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LumaImage({}x{})", self.width, self.height)
    }
}

/// An axis-aligned rectangle in pixel coordinates of the frame it was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Region {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
}

impl Region {
    /// The bounding box of a set of points, clamped to an image of `width` x `height`.
    pub fn bounding(points: &[(f32, f32)], width: u32, height: u32) -> Option<Region> {
        let mut it = points
            .iter()
            .filter(|(x, y)| x.is_finite() && y.is_finite());
        let &(x0, y0) = it.next()?;
        let (mut minx, mut miny, mut maxx, mut maxy) = (x0, y0, x0, y0);
        for &(x, y) in it {
            minx = minx.min(x);
            miny = miny.min(y);
            maxx = maxx.max(x);
            maxy = maxy.max(y);
        }
        let clamp = |v: f32, hi: u32| v.max(0.0).min(hi as f32) as u32;
        let (x, y) = (clamp(minx, width), clamp(miny, height));
        let (x1, y1) = (clamp(maxx.ceil(), width), clamp(maxy.ceil(), height));
        Some(Region {
            x,
            y,
            width: x1.saturating_sub(x).max(1),
            height: y1.saturating_sub(y).max(1),
        })
    }

    /// This region scaled by `factor` (used to map a hit in a downscaled image back).
    pub fn scaled(self, factor: f32) -> Region {
        let s = |v: u32| (v as f32 * factor).round() as u32;
        Region {
            x: s(self.x),
            y: s(self.y),
            width: s(self.width),
            height: s(self.height),
        }
    }

    /// This region moved by an offset (used to map a hit in a crop back).
    pub fn offset(self, dx: u32, dy: u32) -> Region {
        Region {
            x: self.x + dx,
            y: self.y + dy,
            ..self
        }
    }

    /// Grows the region by `margin` times its size on each side, clamped to the image.
    pub fn expanded(self, margin: f32, width: u32, height: u32) -> Region {
        let mx = (self.width as f32 * margin) as u32;
        let my = (self.height as f32 * margin) as u32;
        let x = self.x.saturating_sub(mx);
        let y = self.y.saturating_sub(my);
        let x1 = (self.x + self.width + mx).min(width);
        let y1 = (self.y + self.height + my).min(height);
        Region {
            x,
            y,
            width: x1.saturating_sub(x),
            height: y1.saturating_sub(y),
        }
    }

    /// The centre point, for telling two codes in one frame apart.
    pub fn center(self) -> (u32, u32) {
        (self.x + self.width / 2, self.y + self.height / 2)
    }
}

impl LumaImage {
    /// Wraps raw luma bytes; fails when the length does not match the dimensions.
    pub fn new(width: u32, height: u32, data: Vec<u8>) -> Result<Self, SourceError> {
        let expected = width as usize * height as usize;
        if width == 0 || height == 0 || data.len() != expected {
            return Err(SourceError::BadFrame(format!(
                "{width}x{height} needs {expected} bytes, got {}",
                data.len()
            )));
        }
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// A uniform image, handy as a canvas.
    pub fn filled(width: u32, height: u32, value: u8) -> Self {
        Self {
            width,
            height,
            data: vec![value; width as usize * height as usize],
        }
    }

    /// Converts any decoded image to luma (ITU-R BT.601 weights, as the `image` crate does).
    pub fn from_dynamic(img: &image::DynamicImage) -> Self {
        let g = img.to_luma8();
        let (width, height) = g.dimensions();
        Self {
            width,
            height,
            data: g.into_raw(),
        }
    }

    /// Luma from packed YUYV 4:2:2 (Y0 U Y1 V): the Y bytes are the luma plane, no maths.
    pub fn from_yuyv(width: u32, height: u32, yuyv: &[u8]) -> Result<Self, SourceError> {
        let n = width as usize * height as usize;
        if yuyv.len() < n * 2 {
            return Err(SourceError::BadFrame(format!(
                "YUYV {width}x{height} needs {} bytes, got {}",
                n * 2,
                yuyv.len()
            )));
        }
        let data = yuyv[..n * 2].iter().step_by(2).copied().collect();
        Self::new(width, height, data)
    }

    /// Luma from packed RGB24.
    pub fn from_rgb(width: u32, height: u32, rgb: &[u8]) -> Result<Self, SourceError> {
        let n = width as usize * height as usize;
        if rgb.len() < n * 3 {
            return Err(SourceError::BadFrame(format!(
                "RGB {width}x{height} needs {} bytes, got {}",
                n * 3,
                rgb.len()
            )));
        }
        let data = rgb[..n * 3]
            .chunks_exact(3)
            .map(|p| ((p[0] as u32 * 77 + p[1] as u32 * 150 + p[2] as u32 * 29) >> 8) as u8)
            .collect();
        Self::new(width, height, data)
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }

    pub fn data(&self) -> &[u8] {
        &self.data
    }

    pub fn data_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    pub fn into_data(self) -> Vec<u8> {
        self.data
    }

    /// Pixel value, or 255 (paper white) outside the image.
    pub fn get(&self, x: u32, y: u32) -> u8 {
        if x < self.width && y < self.height {
            self.data[y as usize * self.width as usize + x as usize]
        } else {
            255
        }
    }

    /// Averages `factor` x `factor` blocks. Averaging (not skipping) keeps thin modules
    /// and smooths sensor noise and screen moiré, which is why a downscaled frame often
    /// decodes better than the original.
    pub fn downscale(&self, factor: u32) -> LumaImage {
        if factor <= 1 {
            return self.clone();
        }
        let (w, h) = (self.width / factor, self.height / factor);
        if w == 0 || h == 0 {
            return self.clone();
        }
        let sw = self.width as usize;
        let f = factor as usize;
        let area = (f * f) as u32;
        let mut out = vec![0u8; w as usize * h as usize];
        let mut acc = vec![0u32; w as usize];
        for oy in 0..h as usize {
            acc.iter_mut().for_each(|a| *a = 0);
            for row in 0..f {
                let src = &self.data[(oy * f + row) * sw..][..w as usize * f];
                for (a, chunk) in acc.iter_mut().zip(src.chunks_exact(f)) {
                    *a += chunk.iter().map(|&v| v as u32).sum::<u32>();
                }
            }
            for (o, a) in out[oy * w as usize..][..w as usize].iter_mut().zip(&acc) {
                *o = (*a / area) as u8;
            }
        }
        LumaImage {
            width: w,
            height: h,
            data: out,
        }
    }

    /// Nearest-neighbour enlargement, for tiny images whose modules are one or two pixels.
    pub fn upscale(&self, factor: u32) -> LumaImage {
        if factor <= 1 {
            return self.clone();
        }
        let (w, h) = (self.width * factor, self.height * factor);
        let mut data = Vec::with_capacity(w as usize * h as usize);
        for y in 0..h {
            let row =
                &self.data[(y / factor) as usize * self.width as usize..][..self.width as usize];
            for &v in row {
                data.extend(std::iter::repeat_n(v, factor as usize));
            }
        }
        LumaImage {
            width: w,
            height: h,
            data,
        }
    }

    /// A copy of a rectangle (clamped to the image).
    pub fn crop(&self, r: Region) -> LumaImage {
        let x = r.x.min(self.width.saturating_sub(1));
        let y = r.y.min(self.height.saturating_sub(1));
        let w = r.width.min(self.width - x).max(1);
        let h = r.height.min(self.height - y).max(1);
        let mut data = Vec::with_capacity(w as usize * h as usize);
        for row in y..y + h {
            let start = row as usize * self.width as usize + x as usize;
            data.extend_from_slice(&self.data[start..start + w as usize]);
        }
        LumaImage {
            width: w,
            height: h,
            data,
        }
    }

    /// Light-on-dark becomes dark-on-light (dark-mode phone screens show inverted codes).
    pub fn inverted(&self) -> LumaImage {
        LumaImage {
            width: self.width,
            height: self.height,
            data: self.data.iter().map(|v| 255 - v).collect(),
        }
    }

    /// A global threshold at Otsu's level, as a black/white luma image. Helps decoders whose
    /// own binarizer is fooled by glare gradients across a glossy badge.
    pub fn otsu_binarized(&self) -> LumaImage {
        let mut hist = [0u64; 256];
        for &v in &self.data {
            hist[v as usize] += 1;
        }
        let total = self.data.len() as f64;
        let sum_all: f64 = hist
            .iter()
            .enumerate()
            .map(|(i, &c)| i as f64 * c as f64)
            .sum();
        let (mut w_b, mut sum_b, mut best, mut level) = (0f64, 0f64, 0f64, 128u8);
        for (i, &c) in hist.iter().enumerate() {
            w_b += c as f64;
            if w_b == 0.0 {
                continue;
            }
            let w_f = total - w_b;
            if w_f == 0.0 {
                break;
            }
            sum_b += i as f64 * c as f64;
            let m_b = sum_b / w_b;
            let m_f = (sum_all - sum_b) / w_f;
            let between = w_b * w_f * (m_b - m_f) * (m_b - m_f);
            if between > best {
                best = between;
                level = i as u8;
            }
        }
        LumaImage {
            width: self.width,
            height: self.height,
            data: self
                .data
                .iter()
                .map(|&v| if v > level { 255 } else { 0 })
                .collect(),
        }
    }

    /// A 3x3 box blur: removes salt-and-pepper noise and halftone dots before binarizing.
    pub fn box_blurred(&self) -> LumaImage {
        let (w, h) = (self.width as usize, self.height as usize);
        if w < 3 || h < 3 {
            return self.clone();
        }
        let mut out = self.data.clone();
        for y in 1..h - 1 {
            for x in 1..w - 1 {
                let mut s = 0u32;
                for dy in 0..3 {
                    let row = &self.data[(y + dy - 1) * w + x - 1..][..3];
                    s += row.iter().map(|&v| v as u32).sum::<u32>();
                }
                out[y * w + x] = (s / 9) as u8;
            }
        }
        LumaImage {
            width: self.width,
            height: self.height,
            data: out,
        }
    }
}

/// One captured frame: luma plus when it was taken.
///
/// The image sits behind an `Arc` so the capture thread can hand the same frame to the
/// decoder and to the preview encoder without copying two megabytes per frame.
#[derive(Debug, Clone)]
pub struct Frame {
    pub image: Arc<LumaImage>,
    /// Monotonic capture time: debounce windows are measured on this clock, so a replayed
    /// sequence debounces the same however fast the machine decodes it.
    pub captured_at: Instant,
    /// Wall-clock capture time, for events shown to people and stored with readings.
    pub wall_time: SystemTime,
    /// Frame number within the source, from 0.
    pub seq: u64,
}

impl Frame {
    /// A frame captured now.
    pub fn now(image: LumaImage, seq: u64) -> Self {
        Self {
            image: Arc::new(image),
            captured_at: Instant::now(),
            wall_time: SystemTime::now(),
            seq,
        }
    }
}
