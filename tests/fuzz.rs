//! Fuzzing in the normal test run: the targets of `fuzz/harness.rs` fed by proptest with
//! arbitrary bytes, token soup, and mutations of the corpus in `fuzz/corpus/<target>/` and of
//! the shipped examples. Every corpus file is replayed first, so a finding kept there stays
//! fixed.
//!
//! `cargo test --test fuzz` runs a few dozen cases per target. A long run:
//! `SCOREWRIGHT_FUZZ_SECS=600 cargo test --release --test fuzz -- --nocapture model_loader`
//! keeps generating cases for that many seconds per target. A failure is shrunk, written to
//! `target/fuzz-findings/`, and named in the panic message: fix it, then move it into the
//! corpus.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../fuzz/harness.rs"]
mod harness;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestError, TestRunner};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The corpus of a target, and the shipped examples whose names end with `ext`.
fn seeds(target: &str, ext: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in [
        root().join("fuzz/corpus").join(target),
        root().join("examples"),
    ] {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            let in_corpus = !dir.ends_with("examples");
            if p.is_file() && (in_corpus || p.to_string_lossy().ends_with(ext)) {
                files.push(p);
            }
        }
    }
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// A seed changed in a few places: a byte flipped, inserted or deleted, a token inserted, a
/// stretch repeated.
fn mutated(seeds: Vec<Vec<u8>>, tokens: &'static [&'static str]) -> BoxedStrategy<Vec<u8>> {
    (
        prop::sample::select(seeds),
        prop::collection::vec(
            (
                0u8..5,
                any::<prop::sample::Index>(),
                any::<u8>(),
                0usize..64,
            ),
            1..8,
        ),
    )
        .prop_map(move |(mut s, muts)| {
            for (op, at, byte, n) in muts {
                let i = if s.is_empty() {
                    0
                } else {
                    at.index(s.len() + 1)
                };
                match op {
                    0 if i < s.len() => s[i] ^= byte | 1,
                    1 => s.insert(i, byte),
                    2 => {
                        let end = (i + n).min(s.len());
                        s.drain(i..end);
                    }
                    3 => {
                        let t = tokens[n % tokens.len()].as_bytes();
                        s.splice(i..i, t.iter().copied());
                    }
                    _ => {
                        let end = (i + n).min(s.len());
                        let stretch = s[i..end].to_vec();
                        for _ in 0..(byte % 8) {
                            s.splice(end..end, stretch.iter().copied());
                        }
                    }
                }
            }
            s
        })
        .boxed()
}

fn soup(tokens: &'static [&'static str]) -> BoxedStrategy<Vec<u8>> {
    prop::collection::vec(prop::sample::select(tokens), 0..80)
        .prop_map(|ts| ts.concat().into_bytes())
        .boxed()
}

const YAML_TOKENS: &[&str] = &[
    "name: x\n",
    "journeys:\n",
    "  - id: j\n",
    "    touchpoints:\n",
    "      - id: t\n",
    "        weight: ",
    "signals: [",
    "{ field: f, weight: 100, rule: flag }",
    "fields:\n",
    "  - { id: f, kind: number }\n",
    "samples:\n",
    "personas:\n",
    "&a ",
    "*a",
    "<<: *a\n",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    "\n",
    "  ",
    "'",
    "\"",
    "!!str ",
    "!!binary ",
    "~",
    "null",
    "1e999",
    "-0",
    ".nan",
    ".inf",
    "0x1F",
    "12.345",
    "-5",
    "? ",
    "|\n",
    ">-\n",
    "#",
    "\t",
    "\u{feff}",
    "é",
    "\0",
    "---\n",
    "...\n",
    "%YAML 1.2\n",
    "as_of: ",
    "2026-02-30",
    "9999-12-31",
    "rule: { scale: { from: 1, to: 1 } }",
    "bands: [",
    "{ at_least: .nan, value: 2 }",
    "half_life_days: 0",
    "decay: { since: f, half_life_days: -1 }",
    "when: { ",
    "tier: hot",
    "at_least: ",
    "matrix: { rows: fit, columns: activity }",
    "grades:\n",
    "tiers:\n",
    "segments:\n",
    "levels: []",
    "journey: j",
    "points: 1e308",
    "match: { a: 1, A: 1 }",
];

const CSV_TOKENS: &[&str] = &[
    ",",
    ";",
    "\t",
    "\"",
    "\"\"",
    "\n",
    "\r\n",
    "\r",
    "{",
    "}",
    "\u{feff}",
    "\u{ff}",
    "\0",
    "1e308",
    "-1e308",
    "NaN",
    "inf",
    "yes",
    "No",
    "2026-02-30",
    "2026-10-01",
    "N/A",
    "",
    " ",
    "id",
    "visits",
    "é",
    "{\"a\": 1, \"b\": \"x\"}\n",
    "{\"a\": [1, {\"c\": null}]}\n",
    "null",
    "{\"a\": 1e999}\n",
    "\\",
    "'",
    "0x10",
    "1,5",
    "99999999999999999999",
];

/// Runs `test` on `strategy`'s cases: `cases` of them, or, when `SCOREWRIGHT_FUZZ_SECS` is
/// set, as many as fit in that many seconds. A failure is shrunk and kept for the corpus.
fn fuzz(
    target: &str,
    strategy: BoxedStrategy<Vec<u8>>,
    cases: u32,
    test: impl Fn(&[u8]) -> Result<(), String>,
) {
    let budget = std::env::var("SCOREWRIGHT_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .map(Duration::from_secs);
    let start = Instant::now();
    let config = Config {
        cases: if budget.is_some() { 64 } else { cases },
        failure_persistence: None,
        max_shrink_iters: 2_000,
        ..Config::default()
    };
    let total = std::cell::Cell::new(0u64);
    loop {
        // A runner counts its successes and stops at `cases`: a fresh one (with a fresh
        // random seed) for every batch.
        let mut runner = TestRunner::new(config.clone());
        let result = runner.run(&strategy, |data| {
            total.set(total.get() + 1);
            test(&data).map_err(TestCaseError::fail)
        });
        match result {
            Ok(()) => {}
            Err(TestError::Fail(why, data)) => {
                let dir = root().join("target/fuzz-findings");
                let _ = std::fs::create_dir_all(&dir);
                let file = dir.join(format!("{target}-{:016x}", hash(&data)));
                let _ = std::fs::write(&file, &data);
                panic!(
                    "{target}: {why}\ninput ({} bytes) kept in {}:\n{}",
                    data.len(),
                    file.display(),
                    String::from_utf8_lossy(&data)
                );
            }
            Err(e) => panic!("{target}: {e}"),
        }
        if budget.is_none_or(|b| start.elapsed() >= b) {
            break;
        }
    }
    if budget.is_some() {
        eprintln!(
            "{target}: {} cases in {:.0?}, no finding",
            total.get(),
            start.elapsed()
        );
    }
}

fn hash(data: &[u8]) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    data.hash(&mut h);
    h.finish()
}

fn replay(target: &str, test: impl Fn(&[u8]) -> Result<(), String>) {
    let dir = root().join("fuzz/corpus").join(target);
    // The corpus is part of the repository: without it the replay would pass having run nothing.
    let rd = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: cannot read the fuzz corpus: {e}", dir.display()));
    for e in rd.flatten() {
        let data = std::fs::read(e.path()).unwrap();
        if let Err(why) = test(&data) {
            panic!("{}: {why}", e.path().display());
        }
    }
}

fn bytes(max: usize) -> BoxedStrategy<Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max).boxed()
}

#[test]
fn model_loader() {
    replay("model_loader", harness::model_loader);
    let strategy = prop_oneof![
        1 => any::<String>().prop_map(String::into_bytes),
        1 => bytes(200),
        3 => soup(YAML_TOKENS),
        5 => mutated(seeds("model_loader", ".yaml"), YAML_TOKENS),
    ]
    .boxed();
    fuzz("model_loader", strategy, 48, harness::model_loader);
}

#[test]
fn contacts_reader() {
    replay("contacts_reader", harness::contacts_reader);
    let strategy = prop_oneof![
        1 => bytes(400),
        3 => soup(CSV_TOKENS),
        5 => mutated(seeds("contacts_reader", ".csv"), CSV_TOKENS),
    ]
    .boxed();
    fuzz("contacts_reader", strategy, 64, harness::contacts_reader);
}

#[test]
fn designer() {
    let dir = tempfile::tempdir().unwrap();
    let test = |data: &[u8]| harness::designer_bytes(data, dir.path());
    replay("designer", test);
    let strategy = prop_oneof![
        3 => bytes(300),
        2 => mutated(seeds("designer", "\u{0}none"), &["\u{7}", "\u{1b}"]),
    ]
    .boxed();
    fuzz("designer", strategy, 24, test);
}

#[test]
fn corpus_is_small() {
    let mut total = 0u64;
    for e in walk(&root().join("fuzz/corpus")) {
        total += std::fs::metadata(&e).unwrap().len();
    }
    assert!(
        total < 512 * 1024,
        "the corpus holds {total} bytes: minimise it"
    );
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}
