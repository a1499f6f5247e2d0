//! Tuning: weights suggested by history, on the structure the workshop agreed.
//!
//! The journeys, touchpoints, signals and rules stay as they are; only weights move, always in
//! hundredths of a percent, and every group still sums to exactly 100.00%. The search is a
//! coordinate ascent that moves weight between two siblings at a time, in steps from 10% down
//! to 0.01%, keeping a move when it raises the objective (AUC, or the log-likelihood of a
//! logistic curve over the score). Stratified k-fold cross-validation reports what the tuned
//! weights do on contacts they were not tuned on, so the gain is honest. Fixed and bounded
//! weights (the model's `tuning` list) are respected.

use super::insight::Outcome;
use super::metrics;
use super::score::Scorer;
use crate::contacts::Table;
use crate::model::{Model, Touchpoint, Weight};
use serde::Serialize;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    Auc,
    LogLikelihood,
}

#[derive(Clone, Debug)]
pub struct TuneOptions {
    pub objective: Objective,
    pub folds: usize,
    pub seed: u64,
    /// Journeys to tune (default: all).
    pub journeys: Vec<String>,
    /// Step sizes in hundredths of a percent, largest first.
    pub steps: Vec<i64>,
}

impl Default for TuneOptions {
    fn default() -> Self {
        TuneOptions {
            objective: Objective::Auc,
            folds: 5,
            seed: 1,
            journeys: Vec::new(),
            steps: vec![1000, 500, 200, 100, 50, 20, 10, 5, 2, 1],
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TuneError {
    #[error("{0}")]
    Outcome(String),
    #[error("outcome column '{column}' has only one class ({which}): nothing to learn from")]
    SingleClass { column: String, which: &'static str },
    #[error(
        "too few contacts for {folds} folds: {positives} positive and {negatives} negative outcomes; each class needs at least {folds}"
    )]
    TooFew {
        folds: usize,
        positives: usize,
        negatives: usize,
    },
    #[error("no journey '{0}' in the model")]
    UnknownJourney(String),
}

/// One weight as tuning sees it.
#[derive(Clone, Debug, Serialize)]
pub struct WeightChange {
    /// `journey.touchpoint[.child][.field]`.
    pub at: String,
    pub before: Weight,
    pub after: Weight,
    pub fixed: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct JourneyTuning {
    pub journey: String,
    pub weights: Vec<WeightChange>,
    /// Cross-validated objective of the hand-set and the tuned weights (mean over folds).
    pub cv_before: f64,
    pub cv_after: f64,
    /// The objective on all contacts, hand-set and tuned.
    pub fit_before: f64,
    pub fit_after: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TuneReport {
    pub objective: Objective,
    pub folds: usize,
    pub rows: usize,
    pub positives: usize,
    pub journeys: Vec<JourneyTuning>,
    /// The model with the tuned weights (notes and everything else kept).
    #[serde(skip)]
    pub model: Model,
}

struct Slot {
    at: String,
    /// Touchpoint indices from the journey down; the last is the slot's own touchpoint.
    touchpoints: Vec<usize>,
    signal: Option<usize>,
    min: i64,
    max: i64,
    fixed: bool,
}

struct Leaf {
    chain: Vec<usize>,
    att: Arc<Vec<f64>>,
}

struct Problem {
    slots: Vec<Slot>,
    groups: Vec<Vec<usize>>,
    leaves: Vec<Leaf>,
    adjust: Vec<f64>,
}

impl Problem {
    fn scores(&self, w: &[i64], rows: &[usize]) -> Vec<f64> {
        let shares: Vec<f64> = self
            .leaves
            .iter()
            .map(|l| {
                l.chain
                    .iter()
                    .map(|&s| w[s] as f64 / 10_000.0)
                    .product::<f64>()
                    * 100.0
            })
            .collect();
        rows.iter()
            .map(|&i| {
                let raw: f64 = self
                    .leaves
                    .iter()
                    .zip(&shares)
                    .map(|(l, s)| s * l.att[i])
                    .sum();
                (raw + self.adjust[i]).clamp(0.0, 100.0)
            })
            .collect()
    }

    fn objective(&self, w: &[i64], rows: &[usize], y: &[Option<bool>], obj: Objective) -> f64 {
        let s = self.scores(w, rows);
        let yy: Vec<Option<bool>> = rows.iter().map(|&i| y[i]).collect();
        match obj {
            Objective::Auc => metrics::auc(&s, &yy),
            Objective::LogLikelihood => metrics::log_likelihood(&s, &yy),
        }
        .unwrap_or(f64::NEG_INFINITY)
    }

    fn optimise(
        &self,
        start: &[i64],
        rows: &[usize],
        y: &[Option<bool>],
        opts: &TuneOptions,
    ) -> Vec<i64> {
        let mut w = start.to_vec();
        let mut best = self.objective(&w, rows, y, opts.objective);
        for &step in &opts.steps {
            for _round in 0..40 {
                let mut improved = false;
                for g in &self.groups {
                    for &i in g {
                        for &j in g {
                            if i == j || self.slots[i].fixed || self.slots[j].fixed {
                                continue;
                            }
                            if w[i] + step > self.slots[i].max || w[j] - step < self.slots[j].min {
                                continue;
                            }
                            w[i] += step;
                            w[j] -= step;
                            let v = self.objective(&w, rows, y, opts.objective);
                            if v > best + 1e-12 {
                                best = v;
                                improved = true;
                            } else {
                                w[i] -= step;
                                w[j] += step;
                            }
                        }
                    }
                }
                if !improved {
                    break;
                }
            }
        }
        w
    }
}

fn build(model: &Model, ji: usize, scored: &super::score::Scored) -> (Problem, Vec<i64>) {
    let j = &model.journeys[ji];
    let mut slots = Vec::new();
    let mut groups = Vec::new();
    let mut weights = Vec::new();
    let limits = model.tuning.as_slice();
    let limit = |at: &str| limits.iter().find(|l| l.at == at);
    fn walk(
        t: &Touchpoint,
        path: Vec<usize>,
        label: String,
        slots: &mut Vec<Slot>,
        groups: &mut Vec<Vec<usize>>,
        weights: &mut Vec<i64>,
        limits: &[crate::model::TuneLimit],
    ) {
        let limit = |at: &str| limits.iter().find(|l| l.at == at);
        let mut kids = Vec::new();
        for (ci, c) in t.touchpoints.iter().enumerate() {
            let mut p = path.clone();
            p.push(ci);
            let at = format!("{label}.{}", c.id);
            kids.push(push_slot(
                slots,
                weights,
                &at,
                p.clone(),
                None,
                c.weight,
                limit(&at),
            ));
            walk(c, p, at, slots, groups, weights, limits);
        }
        if !kids.is_empty() {
            groups.push(kids);
        }
        let mut sigs = Vec::new();
        for (si, s) in t.signals.iter().enumerate() {
            let at = format!("{label}.{}", s.field);
            sigs.push(push_slot(
                slots,
                weights,
                &at,
                path.clone(),
                Some(si),
                s.weight,
                limit(&at),
            ));
        }
        if !sigs.is_empty() {
            groups.push(sigs);
        }
    }
    let mut top = Vec::new();
    for (ti, t) in j.touchpoints.iter().enumerate() {
        let at = format!("{}.{}", j.id, t.id);
        top.push(push_slot(
            &mut slots,
            &mut weights,
            &at,
            vec![ti],
            None,
            t.weight,
            limit(&at),
        ));
        walk(
            t,
            vec![ti],
            at,
            &mut slots,
            &mut groups,
            &mut weights,
            limits,
        );
    }
    groups.insert(0, top);
    // Each leaf's chain: the touchpoint slots down its path, then its own signal slot.
    let leaves = scored
        .signals
        .iter()
        .filter(|s| s.journey == ji)
        .map(|s| {
            let mut chain = Vec::new();
            for depth in 1..=s.touchpoints.len() {
                if let Some(k) = slots
                    .iter()
                    .position(|x| x.signal.is_none() && x.touchpoints == s.touchpoints[..depth])
                {
                    chain.push(k);
                }
            }
            if let Some(k) = slots
                .iter()
                .position(|x| x.signal == Some(s.signal) && x.touchpoints == s.touchpoints)
            {
                chain.push(k);
            }
            Leaf {
                chain,
                att: s.attainment.clone(),
            }
        })
        .collect();
    let mut adjust = vec![0.0; scored.rows];
    for (a, m) in j.adjustments.iter().zip(&scored.adjustments[ji]) {
        for (x, &hit) in adjust.iter_mut().zip(m.iter()) {
            if hit {
                *x += a.points;
            }
        }
    }
    (
        Problem {
            slots,
            groups,
            leaves,
            adjust,
        },
        weights,
    )
}

fn push_slot(
    slots: &mut Vec<Slot>,
    weights: &mut Vec<i64>,
    at: &str,
    touchpoints: Vec<usize>,
    signal: Option<usize>,
    w: Weight,
    limit: Option<&crate::model::TuneLimit>,
) -> usize {
    let fixed = limit.is_some_and(|l| l.fixed);
    let min = limit.and_then(|l| l.min).map_or(0, |x| x.0).min(w.0);
    let max = limit.and_then(|l| l.max).map_or(10_000, |x| x.0).max(w.0);
    slots.push(Slot {
        at: at.to_string(),
        touchpoints,
        signal,
        min,
        max,
        fixed,
    });
    weights.push(w.0);
    slots.len() - 1
}

fn apply(model: &mut Model, ji: usize, problem: &Problem, w: &[i64]) {
    for (slot, &wt) in problem.slots.iter().zip(w) {
        let Some(t) = touchpoint_mut(&mut model.journeys[ji].touchpoints, &slot.touchpoints) else {
            continue;
        };
        match slot.signal {
            Some(si) => {
                if let Some(s) = t.signals.get_mut(si) {
                    s.weight = Weight(wt);
                }
            }
            None => t.weight = Weight(wt),
        }
    }
}

fn touchpoint_mut<'a>(list: &'a mut [Touchpoint], path: &[usize]) -> Option<&'a mut Touchpoint> {
    let (first, rest) = path.split_first()?;
    let t = list.get_mut(*first)?;
    if rest.is_empty() {
        Some(t)
    } else {
        touchpoint_mut(&mut t.touchpoints, rest)
    }
}

/// Stratified folds: positives and negatives shuffled apart, then dealt out in turn.
fn folds(y: &[Option<bool>], k: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = crate::rng::Rng::new(seed);
    let mut out = vec![Vec::new(); k];
    for class in [true, false] {
        let mut idx: Vec<usize> = (0..y.len()).filter(|&i| y[i] == Some(class)).collect();
        for i in (1..idx.len()).rev() {
            let j = rng.below(i + 1);
            idx.swap(i, j);
        }
        for (n, i) in idx.into_iter().enumerate() {
            out[n % k].push(i);
        }
    }
    out
}

/// Tunes the model's weights against a historical outcome.
pub fn tune(
    model: &Model,
    table: &Table,
    outcome: &Outcome,
    opts: &TuneOptions,
) -> Result<TuneReport, TuneError> {
    if let Some(p) = outcome.problem() {
        return Err(TuneError::Outcome(p));
    }
    let y = &outcome.values;
    let positives = outcome.positives();
    let negatives = outcome.known() - positives;
    if positives == 0 || negatives == 0 {
        return Err(TuneError::SingleClass {
            column: outcome.column.clone(),
            which: if positives == 0 {
                "every outcome is no"
            } else {
                "every outcome is yes"
            },
        });
    }
    let k = opts.folds.max(2);
    if positives < k || negatives < k {
        return Err(TuneError::TooFew {
            folds: k,
            positives,
            negatives,
        });
    }
    for id in &opts.journeys {
        if !model.journeys.iter().any(|j| &j.id == id) {
            return Err(TuneError::UnknownJourney(id.clone()));
        }
    }
    let scored = Scorer::new(Arc::new(table.clone())).score(model);
    let fold_rows = folds(y, k, opts.seed);
    let all: Vec<usize> = (0..y.len()).filter(|&i| y[i].is_some()).collect();
    let mut tuned = model.clone();
    let mut journeys = Vec::new();
    for (ji, j) in model.journeys.iter().enumerate() {
        if !opts.journeys.is_empty() && !opts.journeys.contains(&j.id) {
            continue;
        }
        let (problem, start) = build(model, ji, &scored);
        let (mut cv_before, mut cv_after) = (0.0, 0.0);
        for f in 0..k {
            let test = &fold_rows[f];
            let train: Vec<usize> = fold_rows
                .iter()
                .enumerate()
                .filter(|(g, _)| *g != f)
                .flat_map(|(_, r)| r.iter().copied())
                .collect();
            let w = problem.optimise(&start, &train, y, opts);
            cv_before += problem.objective(&start, test, y, opts.objective);
            cv_after += problem.objective(&w, test, y, opts.objective);
        }
        let best = problem.optimise(&start, &all, y, opts);
        apply(&mut tuned, ji, &problem, &best);
        journeys.push(JourneyTuning {
            journey: j.id.clone(),
            weights: problem
                .slots
                .iter()
                .zip(start.iter().zip(&best))
                .map(|(s, (&b, &a))| WeightChange {
                    at: s.at.clone(),
                    before: Weight(b),
                    after: Weight(a),
                    fixed: s.fixed,
                })
                .collect(),
            cv_before: cv_before / k as f64,
            cv_after: cv_after / k as f64,
            fit_before: problem.objective(&start, &all, y, opts.objective),
            fit_after: problem.objective(&best, &all, y, opts.objective),
        });
    }
    Ok(TuneReport {
        objective: opts.objective,
        folds: k,
        rows: outcome.known(),
        positives,
        journeys,
        model: tuned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Rng;

    const SYNTHETIC: &str = r#"
name: t
fields:
  - { id: a, kind: number }
  - { id: b, kind: number }
  - { id: c, kind: number }
journeys:
  - id: j
    touchpoints:
      - id: t
        weight: 100
        pillars: [empathy]
        signals:
          - { field: a, weight: 33.34, rule: { scale: { from: 0, to: 1 } } }
          - { field: b, weight: 33.33, rule: { scale: { from: 0, to: 1 } } }
          - { field: c, weight: 33.33, rule: { scale: { from: 0, to: 1 } } }
"#;

    /// Three signals in [0, 1]; the outcome follows 60/30/10 of them.
    fn synthetic(n: usize, seed: u64) -> (Model, Table, Outcome) {
        let model = crate::model::parse_model(SYNTHETIC, "t.yaml").unwrap();
        let mut rng = Rng::new(seed);
        let mut cols = vec![
            crate::contacts::TextColumn::new(),
            crate::contacts::TextColumn::new(),
            crate::contacts::TextColumn::new(),
            crate::contacts::TextColumn::new(),
        ];
        for _ in 0..n {
            let (a, b, c) = (rng.unit(), rng.unit(), rng.unit());
            let z = 12.0 * (0.6 * a + 0.3 * b + 0.1 * c) - 6.0;
            let p = 1.0 / (1.0 + (-z).exp());
            let y = rng.unit() < p;
            cols[0].push(&a.to_string());
            cols[1].push(&b.to_string());
            cols[2].push(&c.to_string());
            cols[3].push(if y { "1" } else { "0" });
        }
        let table = Table {
            source: "gen".into(),
            headers: vec!["a".into(), "b".into(), "c".into(), "y".into()],
            columns: cols,
            lines: (2..n as u64 + 2).collect(),
            ..Table::default()
        };
        let o = crate::engine::insight::outcome(&table, "y").unwrap();
        (model, table, o)
    }

    #[test]
    fn recovers_a_known_weighting() {
        let (model, table, o) = synthetic(4000, 11);
        let opts = TuneOptions {
            folds: 3,
            steps: vec![1000, 500, 200, 100],
            ..TuneOptions::default()
        };
        let r = tune(&model, &table, &o, &opts).unwrap();
        let w: Vec<f64> = r.model.journeys[0].touchpoints[0]
            .signals
            .iter()
            .map(|s| s.weight.percent())
            .collect();
        assert!(
            (w[0] - 60.0).abs() <= 8.0 && (w[1] - 30.0).abs() <= 8.0 && (w[2] - 10.0).abs() <= 8.0,
            "{w:?}"
        );
        assert_eq!(
            r.model.journeys[0].touchpoints[0]
                .signals
                .iter()
                .map(|s| s.weight.0)
                .sum::<i64>(),
            10_000
        );
        assert!(r.journeys[0].cv_after > r.journeys[0].cv_before);
    }

    #[test]
    fn fixed_and_bounded_weights_hold() {
        let (mut model, table, o) = synthetic(2000, 5);
        model.tuning = vec![
            crate::model::TuneLimit {
                at: "j.t.a".into(),
                fixed: true,
                ..Default::default()
            },
            crate::model::TuneLimit {
                at: "j.t.c".into(),
                min: Some(Weight(2000)),
                ..Default::default()
            },
        ];
        let opts = TuneOptions {
            folds: 2,
            steps: vec![1000, 100],
            ..TuneOptions::default()
        };
        let r = tune(&model, &table, &o, &opts).unwrap();
        let s = &r.model.journeys[0].touchpoints[0].signals;
        assert_eq!(s[0].weight, Weight(3334));
        assert!(s[2].weight.0 >= 2000);
        assert_eq!(s.iter().map(|s| s.weight.0).sum::<i64>(), 10_000);
    }

    #[test]
    fn refuses_outcomes_it_cannot_learn_from() {
        let (model, table, mut o) = synthetic(50, 3);
        o.values.iter_mut().for_each(|v| *v = Some(true));
        let e = tune(&model, &table, &o, &TuneOptions::default()).unwrap_err();
        assert!(e.to_string().contains("only one class"), "{e}");
        let (model, table, mut o) = synthetic(50, 3);
        for (i, v) in o.values.iter_mut().enumerate() {
            *v = Some(i < 3);
        }
        let e = tune(&model, &table, &o, &TuneOptions::default()).unwrap_err();
        assert!(
            e.to_string().contains("too few contacts for 5 folds"),
            "{e}"
        );
    }
}
