//! The decode ladder: cheap attempts first, harder ones only when the cheap ones fail.
//!
//! Two users with different needs share the rungs:
//! - [`FileDecoder`] (still images, `entrada decode`) climbs the whole ladder: a photo is
//!   decoded once, so spending tens of milliseconds on a hard one is fine.
//! - [`FrameDecoder`] (live camera) has a per-frame budget: a badge stays in view for many
//!   frames, so each frame gets the cheap attempts plus *one* hard rung, and the hard rungs
//!   rotate from frame to frame. It also remembers where the last code was and tries that
//!   crop first, so a steady badge is re-read for a fraction of a full pass.

use std::time::{Duration, Instant};

use super::{
    Binarizer, Decoder, Detection, RqrrDecoder, RxingDecoder, decode_guarded, guard::DecodeState,
};
use crate::frame::{LumaImage, Region};

/// An image preparation applied before a rung's engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prep {
    /// Downscale by the smallest integer factor that brings the long side to at most this.
    Fit(u32),
    /// Upscale by an integer factor when the long side is below this (tiny codes).
    Grow(u32),
    /// Swap dark and light (dark-mode phone screens).
    Invert,
    /// Global Otsu threshold.
    Otsu,
    /// 3x3 box blur.
    Blur,
    /// Keep the central part: this many percent of the width and of the height. Badges
    /// are held up near the middle of the picture, so this is where a full-resolution
    /// retry is worth its cost.
    Center(u32),
}

/// Maps coordinates of a prepared image back to the input: `input = offset + prepared * scale`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mapping {
    pub scale: f32,
    pub offset: (f32, f32),
}

impl Mapping {
    pub fn region(&self, r: Region) -> Region {
        let s = r.scaled(self.scale);
        Region {
            x: s.x + self.offset.0 as u32,
            y: s.y + self.offset.1 as u32,
            ..s
        }
    }
}

/// Which engine a rung runs.
#[derive(Debug, Clone, Copy)]
pub enum Engine {
    Rxing(RxingDecoder),
    Rqrr,
}

/// One attempt: preparations, then an engine.
#[derive(Debug, Clone, Copy)]
pub struct Rung {
    pub name: &'static str,
    pub prep: &'static [Prep],
    pub engine: Engine,
}

const FAST: Engine = Engine::Rxing(RxingDecoder {
    binarizer: Binarizer::Hybrid,
    try_harder: false,
    java_fallback: true,
});
const GLOBAL: Engine = Engine::Rxing(RxingDecoder {
    binarizer: Binarizer::GlobalHistogram,
    try_harder: false,
    java_fallback: true,
});
const HARDER: Engine = Engine::Rxing(RxingDecoder {
    binarizer: Binarizer::Hybrid,
    try_harder: true,
    java_fallback: true,
});
const GLOBAL_HARDER: Engine = Engine::Rxing(RxingDecoder {
    binarizer: Binarizer::GlobalHistogram,
    try_harder: true,
    java_fallback: true,
});

/// The long side above which a frame is downscaled before the first attempt: 1080p and 720p
/// webcam frames become 960x540 / 640x360, four times fewer pixels, and badges held at a
/// door are large enough to survive it. (Measured: a full-resolution first pass at 720p
/// read no more badges and fewer real photos, at twice the cost.)
pub const FIRST_PASS_LONG_SIDE: u32 = 960;

/// The full ladder for still images, in order. On the corpus (docs/benchmarks.md) the first
/// rung reads 132 of 145 photos, the global-histogram and Otsu rungs three more; the others
/// cover what the corpus lacks but doors see: dark-mode screens (inverted), noisy large
/// frames (half), tiny codes (grow), and rqrr's different detector as the last resort.
pub const FILE_LADDER: &[Rung] = &[
    Rung {
        name: "rxing",
        prep: &[Prep::Fit(1600)],
        engine: FAST,
    },
    Rung {
        name: "rxing/global",
        prep: &[Prep::Fit(1600)],
        engine: GLOBAL,
    },
    Rung {
        name: "rxing/otsu",
        prep: &[Prep::Fit(1000), Prep::Otsu],
        engine: FAST,
    },
    Rung {
        name: "rxing/inverted",
        prep: &[Prep::Fit(1600), Prep::Invert],
        engine: FAST,
    },
    Rung {
        name: "rxing/half",
        prep: &[Prep::Fit(800)],
        engine: FAST,
    },
    Rung {
        name: "rxing/harder",
        prep: &[Prep::Fit(1000)],
        engine: HARDER,
    },
    Rung {
        name: "rxing/global-harder",
        prep: &[Prep::Fit(1000)],
        engine: GLOBAL_HARDER,
    },
    Rung {
        name: "rxing/blur",
        prep: &[Prep::Fit(1000), Prep::Blur],
        engine: FAST,
    },
    Rung {
        name: "rxing/grow",
        prep: &[Prep::Grow(400)],
        engine: FAST,
    },
    Rung {
        name: "rqrr",
        prep: &[Prep::Fit(1000)],
        engine: Engine::Rqrr,
    },
    Rung {
        name: "rqrr/half",
        prep: &[Prep::Fit(500)],
        engine: Engine::Rqrr,
    },
    Rung {
        name: "rqrr/inverted",
        prep: &[Prep::Fit(1000), Prep::Invert],
        engine: Engine::Rqrr,
    },
];

/// Applies a rung's preparations; returns the image and how to map its coordinates back
/// to the input's.
pub fn prepare(image: &LumaImage, prep: &[Prep]) -> (LumaImage, Mapping) {
    let mut img: Option<LumaImage> = None;
    let mut map = Mapping {
        scale: 1.0,
        offset: (0.0, 0.0),
    };
    for p in prep {
        let cur = img.as_ref().unwrap_or(image);
        let long = cur.width().max(cur.height());
        let next = match *p {
            Prep::Fit(max) if long > max => {
                let f = long.div_ceil(max);
                map.scale *= f as f32;
                Some(cur.downscale(f))
            }
            Prep::Grow(min) if long < min => {
                let f = min.div_ceil(long.max(1)).min(8);
                map.scale /= f as f32;
                Some(cur.upscale(f))
            }
            Prep::Invert => Some(cur.inverted()),
            Prep::Otsu => Some(cur.otsu_binarized()),
            Prep::Blur => Some(cur.box_blurred()),
            Prep::Center(pct) if pct < 100 => {
                let w = (cur.width() * pct / 100).max(1);
                let h = (cur.height() * pct / 100).max(1);
                let (x, y) = ((cur.width() - w) / 2, (cur.height() - h) / 2);
                map.offset.0 += x as f32 * map.scale;
                map.offset.1 += y as f32 * map.scale;
                Some(cur.crop(Region {
                    x,
                    y,
                    width: w,
                    height: h,
                }))
            }
            _ => None,
        };
        if next.is_some() {
            img = next;
        }
    }
    (img.unwrap_or_else(|| image.clone()), map)
}

impl Rung {
    /// Runs this rung with panics contained; detections are in the input's coordinates.
    pub fn run(&self, image: &LumaImage) -> Vec<Detection> {
        run_rung(self.name, self.prep, &self.engine, image)
    }
}

/// Runs preparations and an engine with panics contained; detections are in the input's
/// coordinates.
pub fn run_rung(
    name: &'static str,
    prep: &[Prep],
    engine: &Engine,
    image: &LumaImage,
) -> Vec<Detection> {
    let (prepared, map) = prepare(image, prep);
    let result = match engine {
        Engine::Rxing(d) => decode_guarded(d, &prepared),
        Engine::Rqrr => decode_guarded(&RqrrDecoder, &prepared),
    };
    match result {
        Ok(found) => found
            .into_iter()
            .map(|mut d| {
                d.region = map.region(d.region);
                d.via = name;
                d
            })
            .collect(),
        Err(e) => {
            tracing::debug!(rung = name, error = %e, "decode rung failed");
            Vec::new()
        }
    }
}

/// Still-image decoding: climbs the whole ladder until a rung reads something.
#[derive(Debug, Clone)]
pub struct FileDecoder {
    pub rungs: Vec<Rung>,
}

impl Default for FileDecoder {
    fn default() -> Self {
        Self {
            rungs: FILE_LADDER.to_vec(),
        }
    }
}

impl FileDecoder {
    pub fn decode(&self, image: &LumaImage) -> Vec<Detection> {
        for rung in &self.rungs {
            let found = rung.run(image);
            if !found.is_empty() {
                return found;
            }
        }
        Vec::new()
    }
}

impl Decoder for FileDecoder {
    fn name(&self) -> &'static str {
        "ladder"
    }

    fn decode(&self, image: &LumaImage) -> Vec<Detection> {
        FileDecoder::decode(self, image)
    }
}

impl DecodeState for FileDecoder {
    fn decode_image(&mut self, image: &LumaImage) -> Vec<Detection> {
        FileDecoder::decode(self, image)
    }
}

/// Tuning of the live decoder.
#[derive(Debug, Clone)]
pub struct FrameDecoderConfig {
    /// Work budget per frame. A hard rung runs only when its measured cost fits in what the
    /// cheap passes left of it.
    pub budget: Duration,
    /// Long side of the first, downscaled pass (see [`FIRST_PASS_LONG_SIDE`]).
    pub first_pass_long_side: u32,
    /// How many frames a tracked region is tried before it is forgotten.
    pub track_frames: u32,
    /// Hard rungs, at most one per frame, in rotation.
    pub hard_rungs: Vec<Rung>,
}

const LIVE_FIRST: Engine = Engine::Rxing(RxingDecoder {
    binarizer: Binarizer::Hybrid,
    try_harder: false,
    java_fallback: false,
});
const LIVE_GLOBAL: Engine = Engine::Rxing(RxingDecoder {
    binarizer: Binarizer::GlobalHistogram,
    try_harder: false,
    java_fallback: false,
});
const LIVE_HARDER: Engine = Engine::Rxing(RxingDecoder {
    binarizer: Binarizer::Hybrid,
    try_harder: true,
    java_fallback: false,
});

/// Hard rungs for live frames, each bounded in pixels: full resolution only on the central
/// part of large frames, try-harder and rqrr only on downscaled ones.
pub const LIVE_HARD_RUNGS: &[Rung] = &[
    Rung {
        name: "live/center",
        prep: &[Prep::Center(55), Prep::Fit(1100)],
        engine: LIVE_FIRST,
    },
    Rung {
        name: "live/inverted",
        prep: &[Prep::Fit(FIRST_PASS_LONG_SIDE), Prep::Invert],
        engine: LIVE_FIRST,
    },
    Rung {
        name: "live/global",
        prep: &[Prep::Fit(FIRST_PASS_LONG_SIDE)],
        engine: LIVE_GLOBAL,
    },
    // Dark-mode phone screens are common at doors: a second, cheaper inverted attempt
    // makes sure one runs within a few frames even when the budget is tight.
    Rung {
        name: "live/inverted-small",
        prep: &[Prep::Fit(640), Prep::Invert],
        engine: LIVE_FIRST,
    },
    Rung {
        name: "live/center",
        prep: &[Prep::Center(55), Prep::Fit(1100)],
        engine: LIVE_FIRST,
    },
    Rung {
        name: "live/java",
        prep: &[Prep::Fit(FIRST_PASS_LONG_SIDE)],
        engine: FAST,
    },
    Rung {
        name: "live/harder",
        prep: &[Prep::Fit(640)],
        engine: LIVE_HARDER,
    },
    Rung {
        name: "live/rqrr",
        prep: &[Prep::Fit(400)],
        engine: Engine::Rqrr,
    },
];

impl Default for FrameDecoderConfig {
    fn default() -> Self {
        Self {
            budget: Duration::from_millis(12),
            first_pass_long_side: FIRST_PASS_LONG_SIDE,
            track_frames: 15,
            hard_rungs: LIVE_HARD_RUNGS.to_vec(),
        }
    }
}

/// Live-frame decoding with region tracking and a rotating, cost-aware hard rung.
#[derive(Debug, Clone)]
pub struct FrameDecoder {
    config: FrameDecoderConfig,
    tracked: Option<(Region, u32)>,
    next_hard: usize,
    /// Moving average of each hard rung's cost in ms (0 = not measured yet).
    cost_ms: Vec<f64>,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        Self::new(FrameDecoderConfig::default())
    }
}

impl FrameDecoder {
    pub fn new(config: FrameDecoderConfig) -> Self {
        let n = config.hard_rungs.len();
        Self {
            config,
            tracked: None,
            next_hard: 0,
            cost_ms: vec![0.0; n],
        }
    }

    /// The region of the last code read, if still being tracked.
    pub fn tracked_region(&self) -> Option<Region> {
        self.tracked.map(|(r, _)| r)
    }

    /// Decodes one frame within (roughly) the configured budget.
    pub fn decode(&mut self, image: &LumaImage) -> Vec<Detection> {
        let start = Instant::now();
        let found = self.decode_inner(image, start);
        match found.first() {
            Some(d) => self.tracked = Some((d.region, self.config.track_frames)),
            None => {
                self.tracked = match self.tracked {
                    Some((r, n)) if n > 1 => Some((r, n - 1)),
                    _ => None,
                }
            }
        }
        found
    }

    fn decode_inner(&mut self, image: &LumaImage, start: Instant) -> Vec<Detection> {
        // 1. Where the code was last time: a small crop at full resolution.
        if let Some((region, _)) = self.tracked {
            let area = region.expanded(0.5, image.width(), image.height());
            let crop = image.crop(area);
            let rung = Rung {
                name: "live/tracked",
                prep: &[Prep::Fit(800)],
                engine: LIVE_FIRST,
            };
            let found = rung.run(&crop);
            if !found.is_empty() {
                return found
                    .into_iter()
                    .map(|mut d| {
                        d.region = d.region.offset(area.x, area.y);
                        d
                    })
                    .collect();
            }
        }
        // 2. The whole frame, downscaled.
        let fit = [Prep::Fit(self.config.first_pass_long_side)];
        let found = run_rung("live/fast", &fit, &LIVE_FIRST, image);
        if !found.is_empty() {
            return found;
        }
        // 3. One hard rung, in rotation, the first whose cost fits the remaining budget.
        let n = self.config.hard_rungs.len();
        let remaining = self
            .config
            .budget
            .saturating_sub(start.elapsed())
            .as_secs_f64()
            * 1000.0;
        for k in 0..n {
            let i = (self.next_hard + k) % n;
            if self.cost_ms[i] > remaining {
                // Let the estimate fade so a rung that was slow once (a busy machine) is
                // tried again later.
                self.cost_ms[i] *= 0.9;
                continue;
            }
            self.next_hard = i + 1;
            let t = Instant::now();
            let found = self.config.hard_rungs[i].run(image);
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            self.cost_ms[i] = if self.cost_ms[i] == 0.0 {
                ms
            } else {
                0.7 * self.cost_ms[i] + 0.3 * ms
            };
            return found;
        }
        Vec::new()
    }
}

impl DecodeState for FrameDecoder {
    fn decode_image(&mut self, image: &LumaImage) -> Vec<Detection> {
        FrameDecoder::decode(self, image)
    }
}
