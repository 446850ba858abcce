//! The shared QR photo corpus (`shared/corpus/qr` beside the repository).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// One photo and the text it must decode to.
pub struct Case {
    pub set: String,
    pub path: PathBuf,
    pub expected: String,
}

/// `<workspace>/../shared/corpus/qr`, found from this crate's manifest directory.
pub fn corpus_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("ENTRADA_QR_CORPUS") {
        return PathBuf::from(dir);
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/qr")
}

/// All cases, sorted by set and number. Panics with a clear message when the corpus is
/// missing: the tests must not silently pass without it.
pub fn load() -> Vec<Case> {
    let dir = corpus_dir();
    let sets = std::fs::read_dir(&dir).unwrap_or_else(|e| {
        panic!(
            "QR corpus not found at {} ({e}); it lives in shared/corpus/qr next to the repository \
             (or set ENTRADA_QR_CORPUS)",
            dir.display()
        )
    });
    let mut cases = Vec::new();
    for set in sets.flatten() {
        let set_path = set.path();
        if !set_path.is_dir() {
            continue;
        }
        let set_name = set.file_name().to_string_lossy().into_owned();
        for f in std::fs::read_dir(&set_path).into_iter().flatten().flatten() {
            let p = f.path();
            if p.extension().and_then(|e| e.to_str()) != Some("png") {
                continue;
            }
            let txt = p.with_extension("txt");
            let Ok(bytes) = std::fs::read(&txt) else {
                continue;
            };
            let expected = String::from_utf8_lossy(&bytes).trim().to_string();
            cases.push(Case {
                set: set_name.clone(),
                path: p,
                expected,
            });
        }
    }
    cases.sort_by_key(|c| {
        let n: u32 = c
            .path
            .file_stem()
            .and_then(|s| s.to_str())
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (c.set.clone(), n)
    });
    assert!(
        !cases.is_empty(),
        "QR corpus at {} holds no cases",
        dir.display()
    );
    cases
}

/// Whether a decoded text matches the expected one (surrounding whitespace ignored, as the
/// corpus README says).
pub fn matches(decoded: &str, expected: &str) -> bool {
    decoded.trim() == expected
}
