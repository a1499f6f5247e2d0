//! The designer's memory, part by part (issue 15, item 4): not a timing. Loads a contacts file
//! as the designer does (`read_contacts`), scores the lead model over it, opens the preview (on
//! its worker thread, as the designer at this size) and makes three weight edits, and prints
//! what each part holds beside the process's resident memory (`VmRSS`, and the peak `VmHWM`,
//! from `/proc/self/status`) after each step.
//!
//! `cargo bench --bench memory -- FILE` reads FILE (the designer's 1M file:
//! `scorewright generate examples/lead-fit-activity.yaml -n 1000000 --seed 7 -o FILE`, as
//! `scripts/measure-preview-latency.sh` makes it); without one, 1,000,000 generated contacts
//! are written to a temporary file first.

mod common;

use scorewright::contacts::Typed;
use scorewright::engine::Scorer;
use scorewright::model::{Model, Weight};
use scorewright::tui::preview::Preview;
use std::collections::HashSet;
use std::sync::Arc;

/// A line of `/proc/self/status` in MB (`VmRSS`, `VmHWM`).
fn status_mb(key: &str) -> f64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb * 1024.0 / 1e6)
}

fn resident(step: &str) {
    println!(
        "{step:<44} VmRSS {:7.1} MB   VmHWM {:7.1} MB",
        status_mb("VmRSS:"),
        status_mb("VmHWM:")
    );
}

fn mb(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The activity journey's first touchpoint `pct` points above the model's, its second as
/// many below, as `benches/preview.rs` nudges it.
fn nudged(base: &Model, pct: i64) -> Model {
    let mut m = base.clone();
    let j = m
        .journeys
        .iter()
        .position(|j| j.id == "activity")
        .unwrap_or(0);
    let t = &mut m.journeys[j].touchpoints;
    t[0].weight = Weight(t[0].weight.0 + 100 * pct);
    t[1].weight = Weight(t[1].weight.0 - 100 * pct);
    m
}

#[allow(clippy::unwrap_used)]
fn main() {
    // `cargo bench` passes `--bench`; the file is the first argument that is not a flag.
    let file = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let model = common::lead_model();
    let dir = tempfile::tempdir().unwrap();
    let path = match file {
        Some(f) => std::path::PathBuf::from(f),
        None => {
            let p = dir.path().join("contacts.csv");
            std::fs::write(&p, common::contacts_csv(&model, 1_000_000, 7)).unwrap();
            p
        }
    };
    let size = std::fs::metadata(&path).unwrap().len() as usize;
    println!("contacts file {} ({})", path.display(), mb(size));
    resident("start");
    let table = scorewright::contacts::read_contacts(&path).unwrap();
    let rows = table.rows();
    println!("table: {rows} rows, cells {}", mb(table.bytes()));
    resident("after reading");

    // One scoring, to count the typed and attainment columns it keeps.
    let mut scorer = Scorer::new(Arc::new(table.clone())).coded();
    let scored = scorer.score(&model);
    let (mut numbers, mut bools, mut dates, mut codes, mut labels) = (0, 0, 0, 0, 0);
    for t in scored.fields.values() {
        match &**t {
            Typed::Number(v) => numbers += 8 * v.len(),
            Typed::Bool(v) => bools += v.len(),
            Typed::Date(v) => dates += 4 * v.len(),
            Typed::Category {
                codes: c,
                labels: l,
                keys,
            } => {
                codes += 4 * c.len();
                labels += l.iter().chain(keys).map(|s| s.len() + 24).sum::<usize>();
            }
        }
    }
    println!(
        "typed columns: numbers {}, booleans {}, dates {}, category codes {}, labels {}",
        mb(numbers),
        mb(bools),
        mb(dates),
        mb(codes),
        mb(labels)
    );
    let mut seen = HashSet::new();
    let (mut held, mut dense, mut columns) = (0, 0, 0);
    for s in &scored.signals {
        if seen.insert(Arc::as_ptr(&s.attainment)) {
            held += s.attainment.bytes();
            dense += 8 * s.attainment.len();
            columns += 1;
        }
    }
    println!(
        "attainment columns: {columns}, held {} (dense they would be {})",
        mb(held),
        mb(dense)
    );
    let results = 8 * rows * scored.scores.len()
        + rows * (scored.grades.len() + 1)
        + 2 * rows
        + scored
            .adjustments
            .iter()
            .flatten()
            .map(|m| m.len())
            .sum::<usize>();
    println!(
        "one result (scores, grades, tier, segment, adjustment masks): {}",
        mb(results)
    );
    resident("after one score (a scorer of its own)");
    drop(scored);
    drop(scorer);
    resident("after dropping it");

    // The designer's preview, on its worker thread as the designer runs it at this size: a
    // first request, then three edits, each waited for.
    let mut p = Preview::new("memory".into(), table, &model, model.clone(), 0);
    let wait = |p: &mut Preview| {
        let start = std::time::Instant::now();
        while p.pending || p.result.is_none() {
            p.poll();
            assert!(
                start.elapsed().as_secs() < 120,
                "the preview's worker never answered"
            );
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    };
    p.request(&model);
    wait(&mut p);
    resident("preview open");
    for pct in [1, 2, 1] {
        p.request(&nudged(&model, pct));
        wait(&mut p);
    }
    // The worker codes the last edit's columns after sending its numbers.
    std::thread::sleep(std::time::Duration::from_millis(200));
    resident("after three edits");
    println!(
        "peak {:.2}x the file",
        status_mb("VmHWM:") * 1e6 / size as f64
    );
}
