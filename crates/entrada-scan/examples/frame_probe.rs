//! Cost and yield of candidate live rungs on benchmark frames (`target/scan-bench/frames-*`).
use entrada_scan::decode::ladder::{Engine, Prep, Rung};
use entrada_scan::decode::{Binarizer, RxingDecoder};
use entrada_scan::source::load_luma;
use std::time::Instant;

const FAST: Engine = Engine::Rxing(RxingDecoder {
    binarizer: Binarizer::Hybrid,
    try_harder: false,
    java_fallback: true,
});
const NOJAVA: Engine = Engine::Rxing(RxingDecoder {
    binarizer: Binarizer::Hybrid,
    try_harder: false,
    java_fallback: false,
});
const GLOBAL: Engine = Engine::Rxing(RxingDecoder {
    binarizer: Binarizer::GlobalHistogram,
    try_harder: false,
    java_fallback: false,
});
const HARDER: Engine = Engine::Rxing(RxingDecoder {
    binarizer: Binarizer::Hybrid,
    try_harder: true,
    java_fallback: false,
});

fn main() {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: frame_probe target/scan-bench/frames-1080");
        std::process::exit(2);
    };
    let manifest = match std::fs::read_to_string(format!("{dir}/manifest.tsv")) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("cannot read {dir}/manifest.tsv ({e}); run the scan bench first");
            std::process::exit(2);
        }
    };
    let frames: Vec<_> = manifest
        .lines()
        .filter_map(|l| {
            let mut it = l.split('\t');
            let p = it.next()?;
            let kind = it.next()?.to_string();
            Some((load_luma(std::path::Path::new(p)).ok()?, kind))
        })
        .collect();
    let rungs = [
        Rung {
            name: "fit960",
            prep: &[Prep::Fit(960)],
            engine: FAST,
        },
        Rung {
            name: "fit960-nojava",
            prep: &[Prep::Fit(960)],
            engine: NOJAVA,
        },
        Rung {
            name: "fit640",
            prep: &[Prep::Fit(640)],
            engine: FAST,
        },
        Rung {
            name: "full",
            prep: &[],
            engine: NOJAVA,
        },
        Rung {
            name: "fit960-global",
            prep: &[Prep::Fit(960)],
            engine: GLOBAL,
        },
        Rung {
            name: "fit960-inv",
            prep: &[Prep::Fit(960), Prep::Invert],
            engine: NOJAVA,
        },
        Rung {
            name: "fit640-harder",
            prep: &[Prep::Fit(640)],
            engine: HARDER,
        },
        Rung {
            name: "fit480-rqrr",
            prep: &[Prep::Fit(480)],
            engine: Engine::Rqrr,
        },
        Rung {
            name: "fit640-rqrr",
            prep: &[Prep::Fit(640)],
            engine: Engine::Rqrr,
        },
    ];
    for r in &rungs {
        for kind in ["empty", "badge", "photo"] {
            let mut t: Vec<f64> = Vec::new();
            let mut hits = 0;
            for (img, k) in frames.iter().filter(|(_, k)| k == kind) {
                let _ = k;
                let s = Instant::now();
                hits += !r.run(img).is_empty() as usize;
                t.push(s.elapsed().as_secs_f64() * 1000.0);
            }
            if t.is_empty() {
                continue;
            }
            t.sort_by(|a, b| a.total_cmp(b));
            let p = |q: f64| t[((t.len() - 1) as f64 * q) as usize];
            println!(
                "{:16} {:6} n={:3} hits={:3} med={:6.2} p95={:6.2}",
                r.name,
                kind,
                t.len(),
                hits,
                p(0.5),
                p(0.95)
            );
        }
    }
}
