//! Live re-scoring as the designer does it: a table of contacts loaded once, a `Scorer` kept
//! warm, then one edit and one `Scorer::score` per iteration.
//!
//! - `weight_edit`: two signal weights of one touchpoint move (60/40 <-> 50/50), as a drag of a
//!   weight gauge does. Every attainment column is reused; only the sums and what follows
//!   (adjustments, grades, tier, segment) are computed.
//! - `rule_edit`: one `scale` rule's upper bound moves (3 <-> 4): one attainment column is
//!   computed again, then the sums.
//! - `first_score`: a cold scorer: typed columns, every attainment column, the sums.
//!
//! Throughput is the bytes of columns a weight edit must read and write (see `bytes_per_row`),
//! so criterion's GB/s is comparable with the machine's memory bandwidth. The rule edit is
//! reported against the same bytes, though it also reads a typed column and writes an
//! attainment column.

mod common;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use scorewright::engine::Scorer;
use scorewright::model::{Model, Rule, Weight};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

/// Bytes per contact that a weight edit of the `website` touchpoint must read and write: the
/// saved sum of the terms before it and the attainment columns from it on (f64), the journey's
/// adjustment masks (bool), its score column (f64), its grade columns and the tier (u8), and
/// the segment column (u16). The other journey's columns are reused as they are.
fn bytes_per_row(model: &Model, scored: &scorewright::engine::Scored) -> u64 {
    let (ji, ti) = website_at(model);
    let terms: Vec<_> = scored.signals.iter().filter(|s| s.journey == ji).collect();
    let from = terms
        .iter()
        .position(|s| s.touchpoints[0] == ti)
        .unwrap_or(0);
    let grades = model
        .grades
        .iter()
        .filter(|g| g.journey == model.journeys[ji].id)
        .count();
    let adjustments = model.journeys[ji].adjustments.len();
    (8 + 8 * (terms.len() - from) + adjustments + 8 + grades + 1 + 2) as u64
}

/// Where the `website` touchpoint is: (journey, touchpoint).
fn website_at(model: &Model) -> (usize, usize) {
    let j = model
        .journeys
        .iter()
        .position(|j| j.id == "activity")
        .unwrap_or(1);
    let t = model.journeys[j]
        .touchpoints
        .iter()
        .position(|t| t.id == "website")
        .unwrap_or(3);
    (j, t)
}

fn website(model: &mut Model) -> &mut scorewright::model::Touchpoint {
    let (j, t) = website_at(model);
    &mut model.journeys[j].touchpoints[t]
}

fn set_weights(model: &mut Model, a: i64) {
    let t = website(model);
    t.signals[0].weight = Weight(a);
    t.signals[1].weight = Weight(10_000 - a);
}

fn set_pricing_scale(model: &mut Model, to: f64) {
    let j = model
        .journeys
        .iter()
        .position(|j| j.id == "activity")
        .unwrap_or(1);
    let t = &mut model.journeys[j].touchpoints[0];
    for s in &mut t.signals {
        if s.field == "pricing_views_30d" {
            s.rule = Rule::Scale { from: 0.0, to };
        }
    }
}

fn rescore(c: &mut Criterion) {
    let base = common::lead_model();
    let mut g = c.benchmark_group("rescore");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for &n in &common::SIZES {
        let table = Arc::new(common::read_table(common::contacts_csv(&base, n, 7)));
        // As the designer's preview holds it: columns coded, an edit's new column dense.
        let mut scorer = Scorer::new(table).coded();
        let mut model = base.clone();
        let per_row = bytes_per_row(&model, &scorer.score(&model));
        g.throughput(Throughput::Bytes(per_row * n as u64));
        // As the designer does: the result on screen stays until the new one replaces it,
        // then goes back to the scorer for its columns.
        let mut shown = scorer.score(&model);
        let mut flip = false;
        g.bench_function(BenchmarkId::new("weight_edit", n), |b| {
            b.iter(|| {
                flip = !flip;
                set_weights(&mut model, if flip { 5000 } else { 6000 });
                let old = std::mem::replace(&mut shown, scorer.score(&model));
                scorer.recycle(old);
            })
        });
        g.bench_function(BenchmarkId::new("rule_edit", n), |b| {
            b.iter(|| {
                flip = !flip;
                set_pricing_scale(&mut model, if flip { 4.0 } else { 3.0 });
                let old = std::mem::replace(&mut shown, scorer.score(&model));
                scorer.recycle(old);
            })
        });
        // Without handing results back: every output column is fresh memory.
        g.bench_function(BenchmarkId::new("weight_edit_unrecycled", n), |b| {
            b.iter(|| {
                flip = !flip;
                set_weights(&mut model, if flip { 5000 } else { 6000 });
                black_box(scorer.score(&model))
            })
        });
        black_box(&shown);
    }
    g.finish();

    let mut g = c.benchmark_group("first_score");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for &n in &common::SIZES {
        let table = Arc::new(common::read_table(common::contacts_csv(&base, n, 7)));
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| black_box(Scorer::new(table.clone()).score(&base)))
        });
    }
    g.finish();
}

/// The shipped examples, smallest first, for how cost grows with the model.
const MODELS: [(&str, &str); 4] = [
    (
        "b2c-hot-warm-cold",
        include_str!("../examples/b2c-hot-warm-cold.yaml"),
    ),
    ("x-education", include_str!("../examples/x-education.yaml")),
    (
        "b2b-customer",
        include_str!("../examples/b2b-customer.yaml"),
    ),
    ("lead-fit-activity", common::LEAD_MODEL),
];

/// A weight edit any model has: the first journey's first two touchpoints trade 1%.
fn nudge(model: &mut Model, up: bool) {
    let t = &mut model.journeys[0].touchpoints;
    if t.len() >= 2 {
        let d = if up { 100 } else { -100 };
        t[0].weight = Weight(t[0].weight.0 + d);
        t[1].weight = Weight(t[1].weight.0 - d);
    }
}

#[allow(clippy::unwrap_used)]
fn model_size(c: &mut Criterion) {
    let n = 100_000;
    let mut g = c.benchmark_group("model_size");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for (name, text) in MODELS {
        let base = scorewright::model::parse_model(text, "m.yaml").unwrap();
        let signals: usize = {
            fn count(t: &scorewright::model::Touchpoint) -> usize {
                t.signals.len() + t.touchpoints.iter().map(count).sum::<usize>()
            }
            base.journeys
                .iter()
                .flat_map(|j| &j.touchpoints)
                .map(count)
                .sum()
        };
        let label = format!(
            "{name}-{}j-{signals}s-{}seg",
            base.journeys.len(),
            base.segments.len()
        );
        let table = Arc::new(common::read_table(common::contacts_csv(&base, n, 7)));
        g.bench_function(BenchmarkId::new("first_score", &label), |b| {
            b.iter(|| black_box(Scorer::new(table.clone()).score(&base)))
        });
        let mut scorer = Scorer::new(table).coded();
        let mut model = base.clone();
        let mut shown = scorer.score(&model);
        let mut up = false;
        g.bench_function(BenchmarkId::new("weight_edit", &label), |b| {
            b.iter(|| {
                up = !up;
                nudge(&mut model, up);
                let old = std::mem::replace(&mut shown, scorer.score(&model));
                scorer.recycle(old);
            })
        });
    }
    g.finish();
}

/// What this machine's memory moves, for comparison with the re-score's GB/s: the triad
/// `out = a + w * b` over columns of 4M values (96 MB), split across the cores as the re-score
/// splits its rows.
fn bandwidth(c: &mut Criterion) {
    let n = 4_000_000;
    let a = vec![1.5f64; n];
    let b = vec![0.25f64; n];
    let mut out = vec![0.0f64; n];
    let threads = std::thread::available_parallelism().map_or(1, |p| p.get());
    let mut g = c.benchmark_group("bandwidth");
    g.sample_size(20).measurement_time(Duration::from_secs(3));
    g.throughput(Throughput::Bytes(24 * n as u64));
    g.bench_function("triad_4m", |bench| {
        bench.iter(|| {
            let part = n.div_ceil(threads);
            std::thread::scope(|sc| {
                for ((o, x), y) in out.chunks_mut(part).zip(a.chunks(part)).zip(b.chunks(part)) {
                    sc.spawn(move || {
                        for ((o, x), y) in o.iter_mut().zip(x).zip(y) {
                            *o = x + 3.0 * y;
                        }
                    });
                }
            });
            black_box(&out);
        })
    });
    g.finish();
}

criterion_group!(benches, rescore, model_size, bandwidth);
criterion_main!(benches);
