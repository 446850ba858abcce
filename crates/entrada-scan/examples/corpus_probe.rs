//! Which ladder rung reads which corpus photo: guides the ladder's order.
#[path = "../tests/support/corpus.rs"]
mod corpus;

use entrada_scan::decode::ladder::FILE_LADDER;
use entrada_scan::source::load_luma;
use std::time::Instant;

fn main() {
    let cases = corpus::load();
    let mut per_rung = vec![0usize; FILE_LADDER.len()];
    let mut time_rung = vec![0f64; FILE_LADDER.len()];
    let mut any = 0;
    let mut only: Vec<Vec<String>> = vec![Vec::new(); FILE_LADDER.len()];
    for c in &cases {
        let Ok(img) = load_luma(&c.path) else {
            continue;
        };
        let mut hits = Vec::new();
        for (i, r) in FILE_LADDER.iter().enumerate() {
            let t = Instant::now();
            let found = r.run(&img);
            time_rung[i] += t.elapsed().as_secs_f64() * 1000.0;
            if found.iter().any(|d| corpus::matches(&d.text, &c.expected)) {
                per_rung[i] += 1;
                hits.push(i);
            } else if !found.is_empty() {
                eprintln!("WRONG {} {}: {:?}", c.set, c.path.display(), found[0].text);
            }
        }
        if !hits.is_empty() {
            any += 1;
        }
        if hits.len() == 1 {
            let name = c
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            only[hits[0]].push(format!("{}/{name}", c.set));
        }
        println!("{} {:?} {:?}", c.path.display(), img.width(), hits);
    }
    for (i, r) in FILE_LADDER.iter().enumerate() {
        println!(
            "{:24} {:4} {:8.1}ms only: {:?}",
            r.name, per_rung[i], time_rung[i], only[i]
        );
    }
    println!("any: {any}/{}", cases.len());
}
