//! The preview's step per edit (`preview::compute`, the worker's part) for a model with an
//! `accounts:` block, beside the same model without it, at 100,000 and 1,000,000 contacts of
//! `abm-buying-group` in accounts of ten contacts each:
//!
//! - `with_accounts`: an account weight edit (two account touchpoints trade 1%): the contacts'
//!   step, then the account step (`tui::accounts::step`: the contact model with its roles
//!   scored through the same scorer, the book filled, the accounts scored, for the current
//!   model and the baseline, and compared).
//! - `without_accounts`: a contact weight edit on the model with its block removed: the step
//!   every model without accounts takes (the account step is one `Option` check).

mod common;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use scorewright::engine::Scorer;
use scorewright::model::{Model, Weight};
use scorewright::tui::preview::{Baseline, StepBuffers, compute};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

const ABM: &str = include_str!("../examples/abm-buying-group.yaml");

#[allow(clippy::unwrap_used)]
fn abm() -> Model {
    scorewright::model::parse_model(ABM, "abm-buying-group.yaml").unwrap()
}

/// Contacts for the model's fields with an `Account ID` column: contact `r` in account
/// `r mod (rows / 10)`, so every account has ten contacts.
fn contacts(model: &Model, rows: usize) -> Vec<u8> {
    let csv = common::contacts_csv(model, rows, 7);
    let accounts = (rows / 10).max(1);
    let mut out = Vec::with_capacity(csv.len() + rows * 9);
    for (r, line) in csv.split(|b| *b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        out.extend_from_slice(line);
        if r == 0 {
            out.extend_from_slice(b",Account ID\n");
        } else {
            out.extend_from_slice(format!(",A{}\n", (r - 1) % accounts).as_bytes());
        }
    }
    out
}

/// The model with two weights traded by `pct` points: the account journey's first two
/// touchpoints when it has accounts, else the activity journey's.
fn nudged(base: &Model, pct: i64) -> Model {
    let mut m = base.clone();
    let t = match m.accounts.as_mut() {
        Some(a) => &mut a.journeys[0].touchpoints,
        None => &mut m.journeys[1].touchpoints,
    };
    t[0].weight = Weight(t[0].weight.0 + 100 * pct);
    t[1].weight = Weight(t[1].weight.0 - 100 * pct);
    m
}

fn step(c: &mut Criterion) {
    let with = abm();
    let mut without = with.clone();
    without.accounts = None;
    let mut g = c.benchmark_group("preview_accounts");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for n in [100_000, 1_000_000] {
        let table = Arc::new(common::read_table(contacts(&with, n)));
        for (name, base) in [("with_accounts", &with), ("without_accounts", &without)] {
            let states = [nudged(base, 1), nudged(base, 2)];
            let mut scorer = Scorer::new(table.clone()).coded();
            let baseline = Arc::new(Baseline::new(
                base.clone(),
                Some(Arc::new(scorer.score(base))),
            ));
            let mut buffers = StepBuffers::default();
            let mut flip = false;
            let mut shown = None;
            g.bench_function(BenchmarkId::new(name, n), |b| {
                b.iter(|| {
                    flip = !flip;
                    let job = common::job(&states[usize::from(flip)], &baseline);
                    let out = compute(&mut scorer, &mut buffers, job, None);
                    let moved = out
                        .accounts
                        .as_ref()
                        .and_then(|a| a.comparison.as_ref())
                        .map(|c| c.changed);
                    common::hand_back(shown.replace(out), &mut scorer, &mut buffers);
                    black_box(moved)
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, step);
criterion_main!(benches);
