//! Scanner benchmark: corpus decode rate and per-frame latency.
//!
//! `cargo bench -p entrada-scan --bench scan` (or `scripts/bench-scan-reference.sh`, which
//! also runs zxing-cpp and zbar on the same images). It writes the frames it measures to
//! `target/scan-bench/` so the reference decoders see exactly the same pixels, then prints
//! Markdown table rows. Single-threaded: one core, decoder called directly.
#[path = "../tests/support/corpus.rs"]
mod corpus;
#[path = "../tests/support/render.rs"]
mod render;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use entrada_scan::decode::ladder::FILE_LADDER;
use entrada_scan::decode::{FileDecoder, FrameDecoder, RqrrDecoder, decode_guarded};
use entrada_scan::source::load_luma;
use entrada_scan::{Decoder, LumaImage};
use render::{Lcg, Placement};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        // `cargo test --all-targets` runs bench targets without --bench: stay quick there.
        println!("scan bench: run with `cargo bench -p entrada-scan --bench scan`");
        return;
    }
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/scan-bench");
    if let Err(e) = std::fs::create_dir_all(&out) {
        eprintln!("cannot create {}: {e}", out.display());
        std::process::exit(1);
    }
    bench_corpus(&out);
    for (w, h) in [(1280u32, 720u32), (1920, 1080)] {
        let dir = out.join(format!("frames-{h}"));
        let manifest = write_frames(&dir, w, h);
        bench_frames(&dir, &manifest, w, h);
    }
}

/// CPU time of this thread in ms: what the decode costs on one core, whatever else the
/// (shared) machine is doing. Wall time is reported beside it.
fn cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return f64::NAN;
    }
    ts.tv_sec as f64 * 1000.0 + ts.tv_nsec as f64 / 1e6
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    v.sort_by(|a, b| a.total_cmp(b));
    v
}

fn bench_corpus(out: &Path) {
    let cases = corpus::load();
    let ladder = FileDecoder::default();
    let first = FileDecoder {
        rungs: FILE_LADDER[..1].to_vec(),
    };
    let mut sets: Vec<String> = cases.iter().map(|c| c.set.clone()).collect();
    sets.dedup();
    let mut rows = Vec::new();
    let mut manifest = String::new();
    let (mut all_ok, mut all_first, mut all_rqrr, mut all_live) = (0, 0, 0, 0);
    let mut times = Vec::new();
    let mut first_times = Vec::new();
    for set in &sets {
        let (mut ok, mut ok_first, mut ok_rqrr, mut ok_live, mut n) = (0, 0, 0, 0, 0);
        for c in cases.iter().filter(|c| &c.set == set) {
            manifest.push_str(&format!(
                "{}\t{}\t{}\n",
                c.path.display(),
                c.set,
                hex(c.expected.as_bytes())
            ));
            let Ok(img) = load_luma(&c.path) else {
                eprintln!("cannot read {}", c.path.display());
                continue;
            };
            n += 1;
            let hit = |found: &[entrada_scan::Detection]| {
                found.iter().any(|d| corpus::matches(&d.text, &c.expected))
            };
            let t = cpu_ms();
            let found = ladder.decode(&img);
            times.push(cpu_ms() - t);
            ok += hit(&found) as usize;
            let t = cpu_ms();
            let found = first.decode(&img);
            first_times.push(cpu_ms() - t);
            ok_first += hit(&found) as usize;
            ok_rqrr += hit(&decode_guarded(&RqrrDecoder, &img).unwrap_or_default()) as usize;
            // Live mode: the same photo as 8 consecutive frames (a badge in view ~0.25 s).
            let mut live = FrameDecoder::default();
            ok_live += (0..8).any(|_| hit(&live.decode(&img))) as usize;
        }
        rows.push(format!(
            "| {set} | {n} | **{ok}** | {ok_first} | {ok_rqrr} | {ok_live} |"
        ));
        all_ok += ok;
        all_first += ok_first;
        all_rqrr += ok_rqrr;
        all_live += ok_live;
    }
    if let Err(e) = std::fs::write(out.join("corpus.tsv"), manifest) {
        eprintln!("cannot write corpus manifest: {e}");
    }
    println!("## corpus: entrada-scan");
    println!("| set | images | full ladder | rxing rung only | rqrr only | live (8 frames) |");
    println!("|---|---|---|---|---|---|");
    for r in rows {
        println!("{r}");
    }
    println!(
        "| all | {} | **{all_ok}** | {all_first} | {all_rqrr} | {all_live} |",
        cases.len()
    );
    let times = sorted(times);
    let first_times = sorted(first_times);
    println!(
        "corpus cpu ms/image: full ladder median {:.2} p95 {:.2} max {:.1}; first rung median {:.2} p95 {:.2}",
        pct(&times, 0.5),
        pct(&times, 0.95),
        pct(&times, 1.0),
        pct(&first_times, 0.5),
        pct(&first_times, 0.95)
    );
    println!();
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A door sequence: empty frames, badges held for 5 frames each (noise changes per frame),
/// and corpus photos pasted at 2x into the frame.
fn write_frames(dir: &Path, w: u32, h: u32) -> Vec<(PathBuf, String, String)> {
    if let Err(e) = std::fs::create_dir_all(dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        std::process::exit(1);
    }
    let mut manifest = Vec::new();
    let mut idx = 0usize;
    let mut push = |img: &LumaImage,
                    kind: &str,
                    expected: &str,
                    manifest: &mut Vec<(PathBuf, String, String)>| {
        let p = dir.join(format!("{idx:04}.png"));
        idx += 1;
        render::save_png(img, &p);
        manifest.push((p, kind.to_string(), expected.to_string()));
    };
    let mut rng = Lcg(w as u64 * 31 + h as u64);
    let scale = h as f32 / 720.0;
    // Empty scene: the common case at a door between attendees.
    for i in 0..40u64 {
        let mut f = render::background(w, h, i / 8);
        render::add_noise(&mut f, 6.0, i);
        push(&f, "empty", "", &mut manifest);
    }
    // Held badges.
    for b in 0..30u32 {
        let payload = format!(
            "https://access.example.org/attendee/{:08x}-4e1d-4c3a-9f0b-{:012x}/qr",
            rng.next_u32(),
            b
        );
        let mut p = Placement::new(
            (w / 2) as f32 + (rng.below(w / 3) as f32 - (w / 6) as f32),
            (h / 2) as f32 + (rng.below(h / 4) as f32 - (h / 8) as f32),
            (3.0 + rng.below(5) as f32) * scale,
            rng.below(360) as f32,
        );
        p.inverted = b % 7 == 3;
        let mut base = render::background(w, h, 100 + b as u64);
        render::draw(&mut base, &payload, p);
        if b % 3 == 1 {
            base = render::blur(&base, 1 + (scale as u32 / 2));
        }
        if b % 5 == 2 {
            render::shadow(&mut base, p.cx as u32, 0.55);
        }
        for k in 0..5u64 {
            let mut f = base.clone();
            render::add_noise(&mut f, 4.0 + (b % 3) as f32 * 3.0, 1000 + b as u64 * 10 + k);
            push(&f, "badge", &payload, &mut manifest);
        }
    }
    // Real photos inside a frame.
    for (i, c) in corpus::load().iter().enumerate() {
        let Ok(photo) = load_luma(&c.path) else {
            continue;
        };
        let factor = if photo.width() <= 320 { 2 } else { 1 };
        let photo = photo.upscale(factor);
        let photo = if photo.width() > w || photo.height() > h {
            photo.downscale(2)
        } else {
            photo
        };
        let mut f = render::background(w, h, 500 + i as u64);
        let x0 = rng.below(w - photo.width() + 1);
        let y0 = rng.below(h - photo.height() + 1);
        let fw = w as usize;
        for y in 0..photo.height() {
            let src = &photo.data()[(y * photo.width()) as usize..][..photo.width() as usize];
            let start = (y0 + y) as usize * fw + x0 as usize;
            f.data_mut()[start..start + src.len()].copy_from_slice(src);
        }
        push(&f, "photo", &c.expected, &mut manifest);
    }
    let tsv: String = manifest
        .iter()
        .map(|(p, k, e)| format!("{}\t{}\t{}\n", p.display(), k, hex(e.as_bytes())))
        .collect();
    if let Err(e) = std::fs::File::create(dir.join("manifest.tsv"))
        .and_then(|mut f| f.write_all(tsv.as_bytes()))
    {
        eprintln!("cannot write manifest: {e}");
    }
    manifest
}

/// Per frame kind: frames, frames read, wall ms, cpu ms.
#[derive(Default)]
struct KindStats(usize, usize, Vec<f64>, Vec<f64>);

fn bench_frames(dir: &Path, manifest: &[(PathBuf, String, String)], w: u32, h: u32) {
    let frames: Vec<(LumaImage, &str, &str)> = manifest
        .iter()
        .filter_map(|(p, k, e)| load_luma(p).ok().map(|img| (img, k.as_str(), e.as_str())))
        .collect();
    let mut live = FrameDecoder::default();
    let mut all = Vec::new();
    let mut all_cpu = Vec::new();
    let mut by_kind: std::collections::BTreeMap<&str, KindStats> = Default::default();
    let mut false_reads = 0;
    let mut holds: std::collections::BTreeMap<&str, bool> = Default::default();
    // Warm-up (page faults, allocator), not measured.
    for (img, _, _) in frames.iter().take(5) {
        live.decode(img);
    }
    let mut live = FrameDecoder::default();
    for (img, kind, expected) in &frames {
        let c = cpu_ms();
        let t = Instant::now();
        let found = live.decode(img);
        let ms = t.elapsed().as_secs_f64() * 1000.0;
        let cpu = cpu_ms() - c;
        all.push(ms);
        all_cpu.push(cpu);
        let e = by_kind.entry(kind).or_default();
        e.0 += 1;
        let read = !expected.is_empty() && found.iter().any(|d| corpus::matches(&d.text, expected));
        if read {
            e.1 += 1;
        }
        if *kind == "badge" {
            *holds.entry(expected).or_default() |= read;
        }
        if expected.is_empty() && !found.is_empty() {
            false_reads += 1;
        }
        e.2.push(ms);
        e.3.push(cpu);
    }
    let all = sorted(all);
    let all_cpu = sorted(all_cpu);
    println!(
        "## frames {w}x{h} ({}): entrada-scan live decoder",
        dir.display()
    );
    println!(
        "| frames | kind | read | median ms (cpu) | p95 ms (cpu) | max ms (cpu) | median ms (wall) | p95 ms (wall) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for (kind, KindStats(n, ok, times, cpu)) in by_kind {
        let t = sorted(times);
        let c = sorted(cpu);
        println!(
            "| {n} | {kind} | {ok} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} |",
            pct(&c, 0.5),
            pct(&c, 0.95),
            pct(&c, 1.0),
            pct(&t, 0.5),
            pct(&t, 0.95)
        );
    }
    println!(
        "| {} | all | - | **{:.2}** | **{:.2}** | {:.2} | {:.2} | {:.2} |",
        all.len(),
        pct(&all_cpu, 0.5),
        pct(&all_cpu, 0.95),
        pct(&all_cpu, 1.0),
        pct(&all, 0.5),
        pct(&all, 0.95)
    );
    println!("false reads on empty frames: {false_reads}");
    let missed: Vec<&str> = holds
        .iter()
        .filter(|(_, r)| !**r)
        .map(|(p, _)| &p[p.len() - 5..p.len() - 3])
        .collect();
    println!(
        "badges read within their 5-frame hold: {}/{} (missed holds, by number: {missed:?})",
        holds.values().filter(|r| **r).count(),
        holds.len()
    );
    println!();
    let _ = Decoder::name(&RqrrDecoder);
}
