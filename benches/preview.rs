//! The live preview's whole step per edit, at 100,000 and 1,000,000 contacts of the lead model:
//! everything between a weight edit and the frame that shows its numbers.
//!
//! - `preview_step`: the edit (the activity journey's first two touchpoints trade 1%, between
//!   two states that both differ from the baseline, so every step scores), then
//!   `Preview::request` on an inline engine: the score (`Scorer::score`, results handed back
//!   for their columns), the what-if (deltas, rank moves, rank correlation, tier moves,
//!   sales handover, segment averages), the distributions, the matrix, the other journeys'
//!   changes, then the table's rows filtered and ordered again and the selected contact
//!   explained. The designer's worker thread runs the same `compute`; the input thread the
//!   same `accept`. Drawing the frame is `cargo bench --bench frame -- preview_frame_100k`.
//! - `worker_compute`: the worker's part alone (`preview::compute`).
//!
//! Target (issue 15): at most 10 ms at 100k and 50 ms at 1M, end to end.

mod common;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use scorewright::engine::Scorer;
use scorewright::model::{Model, Weight};
use scorewright::tui::preview::{Baseline, Job, Preview, compute};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

/// The activity journey's first touchpoint `pct` points above the baseline, its second as
/// many below (the journeys stay at 100%).
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

fn preview(c: &mut Criterion) {
    let base = common::lead_model();
    let states = [nudged(&base, 1), nudged(&base, 2)];
    let mut g = c.benchmark_group("preview");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for n in [100_000, 1_000_000] {
        let table = common::read_table(common::contacts_csv(&base, n, 7));

        // The worker's step: the baseline's scores are known (the first step scored them).
        let mut scorer = Scorer::new(Arc::new(table.clone())).coded();
        let baseline = Arc::new(Baseline::new(
            base.clone(),
            Some(Arc::new(scorer.score(&base))),
        ));
        let mut shown = None;
        let mut flip = false;
        let mut buffers = scorewright::tui::preview::StepBuffers::default();
        g.bench_function(BenchmarkId::new("worker_compute", n), |b| {
            b.iter(|| {
                flip = !flip;
                let job = Job {
                    journey: None,
                    generation: 1,
                    model: states[usize::from(flip)].clone(),
                    baseline: baseline.clone(),
                };
                let out = compute(&mut scorer, &mut buffers, job, None);
                let changed = out.comparison.changed;
                // As the designer does: the result no longer shown goes back, its scores to
                // the scorer and its comparison's columns to the step's buffers.
                if let Some(old) = shown.replace(out) {
                    if let Ok(scored) = Arc::try_unwrap(old.scored) {
                        scorer.recycle(scored);
                    }
                    buffers.keep(old.comparison);
                }
                black_box(changed)
            })
        });
        drop(shown);
        drop(scorer);

        // The whole step, as the designer's preview takes it (inline: no thread hop).
        let mut p = Preview::new("bench".into(), table, &base, base.clone(), usize::MAX);
        p.request(&base);
        g.bench_function(BenchmarkId::new("preview_step", n), |b| {
            b.iter(|| {
                flip = !flip;
                p.request(&states[usize::from(flip)]);
                black_box(p.result.as_ref().map(|r| r.comparison.changed))
            })
        });
    }
    g.finish();
}

/// The worker's step at 1,000,000 contacts taken apart, each part timed alone on the same
/// scores (a weight edit against the baseline), to say where the step's time goes:
/// `parts/score` (the weight edit, results handed back), `parts/rank` (the current scores'
/// counted ranks, in reused buffers, with Spearman's sum against the baseline's taken on the
/// way), `parts/compare` (deltas, tier, handover and segment counts, the correlation), `parts/histogram` (one side's distribution),
/// `parts/matrix`, `parts/other_journeys` (the fit journey's changed count and mean change,
/// as `compute` counts it) and `parts/reorder` (the input thread's table order).
fn parts(c: &mut Criterion) {
    use scorewright::engine::insight::{histogram, matrix};
    use scorewright::engine::metrics::{RankBuffers, Ranking};
    use scorewright::engine::whatif::compare_ranked;
    let base = common::lead_model();
    let edited = nudged(&base, 1);
    let n = 1_000_000;
    let table = common::read_table(common::contacts_csv(&base, n, 7));
    let mut scorer = Scorer::new(Arc::new(table.clone()));
    let before = scorer.score(&base);
    let after = scorer.score(&edited);
    let j = base
        .journeys
        .iter()
        .position(|j| j.id == "activity")
        .unwrap_or(0);
    let mut g = c.benchmark_group("parts");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    let mut flip = false;
    let states = [nudged(&base, 1), nudged(&base, 2)];
    let mut held = None;
    g.bench_function("score", |b| {
        b.iter(|| {
            flip = !flip;
            let s = scorer.score(&states[usize::from(flip)]);
            if let Some(old) = held.replace(s) {
                scorer.recycle(old);
            }
        })
    });
    let rb = Ranking::new(&before.scores[j]);
    let mut buffers = RankBuffers::default();
    g.bench_function("rank", |b| {
        b.iter(|| {
            // As the step ranks the current scores: against the baseline's ranking, whose
            // centred ranks it reads for Spearman's sum.
            let r = Ranking::new_against(&after.scores[j], &mut buffers, &rb);
            let first = r.rank[0];
            buffers.keep(r);
            black_box(first)
        })
    });
    let ra = Ranking::new_against(&after.scores[j], &mut buffers, &rb);
    let mut delta = Vec::new();
    g.bench_function("compare", |b| {
        b.iter(|| {
            let c = compare_ranked(
                &base,
                &before,
                &rb,
                &edited,
                &after,
                &ra,
                Some("activity"),
                std::mem::take(&mut delta),
            );
            let changed = c.changed;
            delta = c.delta;
            black_box(changed)
        })
    });
    g.bench_function("histogram", |b| {
        b.iter(|| black_box(histogram(&after.scores[j], 10)))
    });
    g.bench_function("matrix", |b| {
        b.iter(|| black_box(matrix(&edited, &after, None)))
    });
    g.bench_function("other_journeys", |b| {
        let other = 1 - j.min(1);
        b.iter(|| {
            let (mut changed, mut sum) = (0usize, 0.0);
            for (x, y) in after.scores[other].iter().zip(&before.scores[other]) {
                let d = x - y;
                changed += usize::from(d.abs() > 1e-9);
                sum += d;
            }
            black_box((changed, sum))
        })
    });
    let mut p = Preview::new("bench".into(), table, &base, base.clone(), usize::MAX);
    p.request(&edited);
    g.bench_function("reorder", |b| b.iter(|| p.reorder()));
    g.finish();
}

criterion_group!(benches, preview, parts);
criterion_main!(benches);
