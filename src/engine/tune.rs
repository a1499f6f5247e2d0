//! Tuning: weights and attainments suggested by history, on the structure the workshop agreed.
//!
//! The journeys, touchpoints, signals and rules stay as they are; only numbers move. Weights
//! move in hundredths of a percent and every group still sums to exactly 100.00%: the search
//! is a coordinate ascent that moves weight between two siblings at a time, in steps from 10%
//! down to 0.01%, keeping a move when it raises the objective (AUC, or the log-likelihood of a
//! logistic curve over the score). With `values`, the attainments of `match` and `bands` rules,
//! `scale` end points and adjustment points are fitted too (`values.rs`: a logistic
//! regression in those numbers, shrunk towards the hand values), alternating with the weights.
//! Stratified k-fold cross-validation reports what the tuned numbers do on contacts they were
//! not tuned on, so the gain is honest, and each change is credited with what undoing it alone
//! costs on the held-out folds. Fixed and bounded numbers (the model's `tuning` list) are
//! respected.

mod values;

use super::insight::Outcome;
use super::metrics;
use super::score::Scorer;
use crate::contacts::Table;
use crate::model::{Model, Touchpoint, Weight};
use serde::Serialize;
use std::sync::Arc;
use values::{Param, ParamKind, Shape};

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
    /// Fit attainments, `scale` end points and adjustment points as well as weights. Off by
    /// default: the designer's suggestion is accepted weight by weight.
    pub values: bool,
    /// How many contacts' worth of evidence a hand-set attainment counts as (the shrinkage
    /// towards it; see `values.rs`).
    pub prior: f64,
}

impl Default for TuneOptions {
    fn default() -> Self {
        TuneOptions {
            objective: Objective::Auc,
            folds: 5,
            seed: 1,
            journeys: Vec::new(),
            steps: vec![1000, 500, 200, 100, 50, 20, 10, 5, 2, 1],
            values: false,
            prior: 20.0,
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

/// One attainment, end point or adjustment's points as tuning sees it.
#[derive(Clone, Debug, Serialize)]
pub struct ValueChange {
    /// The `tuning` path: the signal's path and the key (`fit.company.industry.Retail`).
    pub at: String,
    /// `attainment`, `end point` or `points`.
    pub kind: &'static str,
    pub before: f64,
    pub after: f64,
    pub fixed: bool,
}

/// One changed number with what it is worth: the mean over the folds of what setting it back
/// alone, in the fold's tuned model, costs the objective on the held-out contacts.
#[derive(Clone, Debug, Serialize)]
pub struct Change {
    pub at: String,
    pub before: String,
    pub after: String,
    pub effect: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct JourneyTuning {
    pub journey: String,
    pub weights: Vec<WeightChange>,
    /// Every attainment, end point and adjustment's points (empty unless values are tuned).
    pub values: Vec<ValueChange>,
    /// Every changed number, weights and values, the largest effect first.
    pub changes: Vec<Change>,
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
    /// Touchpoint indices from the journey down; the last is the slot's own touchpoint. In a
    /// composite journey: the index of the slot's part.
    touchpoints: Vec<usize>,
    signal: Option<usize>,
    min: i64,
    max: i64,
    fixed: bool,
}

struct Leaf {
    chain: Vec<usize>,
    shape: Shape,
}

struct Problem {
    slots: Vec<Slot>,
    groups: Vec<Vec<usize>>,
    leaves: Vec<Leaf>,
    /// The attainments, end points and adjustment points, in leaf order, then adjustments.
    params: Vec<Param>,
    /// Per adjustment: the rows it fires for.
    hits: Vec<Arc<Vec<bool>>>,
    rows: usize,
}

/// The numbers of one candidate model and the columns they give.
struct State {
    w: Vec<i64>,
    vals: Vec<f64>,
    atts: Vec<Arc<Vec<f64>>>,
    adjust: Vec<f64>,
}

impl Problem {
    fn state(&self, w: Vec<i64>, vals: Vec<f64>) -> State {
        let atts = self
            .leaves
            .iter()
            .map(|l| values::column(&l.shape, &vals))
            .collect();
        let mut adjust = vec![0.0; self.rows];
        for (p, v) in self.params.iter().zip(&vals) {
            if p.kind == ParamKind::Points {
                for (x, &hit) in adjust.iter_mut().zip(self.hits[p.owner].iter()) {
                    if hit {
                        *x += v;
                    }
                }
            }
        }
        State {
            w,
            vals,
            atts,
            adjust,
        }
    }

    fn shares(&self, w: &[i64]) -> Vec<f64> {
        self.leaves
            .iter()
            .map(|l| {
                l.chain
                    .iter()
                    .map(|&s| w[s] as f64 / 10_000.0)
                    .product::<f64>()
            })
            .collect()
    }

    fn scores(&self, st: &State, w: &[i64], rows: &[usize]) -> Vec<f64> {
        let shares = self.shares(w);
        rows.iter()
            .map(|&i| {
                let raw: f64 = st
                    .atts
                    .iter()
                    .zip(&shares)
                    .map(|(a, s)| 100.0 * s * a[i])
                    .sum();
                (raw + st.adjust[i]).clamp(0.0, 100.0)
            })
            .collect()
    }

    fn objective(
        &self,
        st: &State,
        w: &[i64],
        rows: &[usize],
        y: &[Option<bool>],
        obj: Objective,
    ) -> f64 {
        let s = self.scores(st, w, rows);
        let yy: Vec<Option<bool>> = rows.iter().map(|&i| y[i]).collect();
        match obj {
            Objective::Auc => metrics::auc(&s, &yy),
            Objective::LogLikelihood => metrics::log_likelihood(&s, &yy),
        }
        .unwrap_or(f64::NEG_INFINITY)
    }

    /// The weights, from the state's, that the coordinate ascent reaches on `rows`.
    fn optimise(
        &self,
        st: &State,
        rows: &[usize],
        y: &[Option<bool>],
        opts: &TuneOptions,
    ) -> Vec<i64> {
        let mut w = st.w.clone();
        let mut best = self.objective(st, &w, rows, y, opts.objective);
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
                            let v = self.objective(st, &w, rows, y, opts.objective);
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

    /// Tunes on `rows` from the hand-set numbers: weights, then (with `opts.values`) the
    /// values with the weights held and the weights again, twice. A round of values is kept
    /// only when it does not lower the objective on `rows`.
    fn fit(
        &self,
        start: &[i64],
        hand: &[f64],
        rows: &[usize],
        y: &[Option<bool>],
        opts: &TuneOptions,
    ) -> State {
        let mut st = self.state(start.to_vec(), hand.to_vec());
        st.w = self.optimise(&st, rows, y, opts);
        if !opts.values || self.params.iter().all(|p| p.fixed) {
            return st;
        }
        for _round in 0..2 {
            let before = self.objective(&st, &st.w, rows, y, opts.objective);
            let design = values::Design {
                shapes: self.leaves.iter().map(|l| &l.shape).collect(),
                shares: self.shares(&st.w),
                atts: &st.atts,
                hits: &self.hits,
                params: &self.params,
            };
            let vals = values::fit(&design, &st.vals, rows, y, opts.prior);
            let mut next = self.state(st.w.clone(), vals);
            next.w = self.optimise(&next, rows, y, opts);
            if self.objective(&next, &next.w, rows, y, opts.objective) < before {
                break;
            }
            st = next;
        }
        st
    }
}

/// The journey's tuning problem, its hand-set weights and its hand-set values.
fn build(model: &Model, ji: usize, scored: &super::score::Scored) -> (Problem, Vec<i64>, Vec<f64>) {
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
    // A composite's parts are one level of weights over its parts' scores as they are: the
    // parts' own weights are tuned as their own journeys, never here.
    let mut params = Vec::new();
    let mut leaves = Vec::new();
    if j.is_composite() {
        let mut level = Vec::new();
        for (k, p) in j.parts.iter().enumerate() {
            let at = format!("{}.{}", j.id, p.journey);
            let slot = push_slot(
                &mut slots,
                &mut weights,
                &at,
                vec![k],
                None,
                p.weight,
                limit(&at),
            );
            level.push(slot);
            let column = model
                .journeys
                .iter()
                .position(|o| o.id == p.journey)
                .map_or_else(
                    || vec![0.0; scored.rows],
                    |pi| {
                        (0..scored.rows)
                            .map(|r| scored.part_score(pi, r) / 100.0)
                            .collect()
                    },
                );
            leaves.push(Leaf {
                chain: vec![slot],
                shape: Shape::Fixed(Arc::new(column)),
            });
        }
        groups[0] = level;
    }
    // Each leaf's chain: the touchpoint slots down its path, then its own signal slot.
    for s in scored.signals.iter().filter(|s| s.journey == ji) {
        let mut chain = Vec::new();
        for depth in 1..=s.touchpoints.len() {
            if let Some(k) = slots
                .iter()
                .position(|x| x.signal.is_none() && x.touchpoints == s.touchpoints[..depth])
            {
                chain.push(k);
            }
        }
        let own = slots
            .iter()
            .position(|x| x.signal == Some(s.signal) && x.touchpoints == s.touchpoints);
        if let Some(k) = own {
            chain.push(k);
        }
        let signal =
            touchpoint_at(&j.touchpoints, &s.touchpoints).and_then(|t| t.signals.get(s.signal));
        let shape = match (signal, own) {
            (Some(sig), Some(k)) => {
                let typed = scored.fields.get(&sig.field).map(|c| c.as_ref());
                let mut mult = vec![1.0; scored.rows];
                if let Some(d) = &sig.decay {
                    let since = scored.fields.get(&d.since).map(|c| c.as_ref());
                    super::attain::apply_decay(&mut mult, d, since, scored.today.0);
                }
                values::shape_of(
                    sig,
                    &slots[k].at,
                    leaves.len(),
                    values::Columns {
                        typed,
                        today: scored.today.0,
                        mult,
                        att: Arc::new(s.attainment.to_vec()),
                    },
                    &mut params,
                    limits,
                )
            }
            _ => Shape::Fixed(Arc::new(s.attainment.to_vec())),
        };
        leaves.push(Leaf { chain, shape });
    }
    for (ai, a) in j.adjustments.iter().enumerate() {
        let at = format!("{}.adjustments.{}", j.id, a.name);
        let l = limit(&at);
        params.push(Param::new(at, ParamKind::Points, a.points, ai, l));
    }
    let hits = scored.adjustments.get(ji).cloned().unwrap_or_default();
    let hand = params.iter().map(|p| p.hand).collect();
    (
        Problem {
            slots,
            groups,
            leaves,
            params,
            hits,
            rows: scored.rows,
        },
        weights,
        hand,
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
    // `check` holds a weight's limits to a weight's form; anything else is read as percent.
    let hundredths = |v: f64| (v * 100.0).round().clamp(0.0, 10_000.0) as i64;
    let min = limit.and_then(|l| l.min).map_or(0, hundredths).min(w.0);
    let max = limit
        .and_then(|l| l.max)
        .map_or(10_000, hundredths)
        .max(w.0);
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

fn apply(model: &mut Model, ji: usize, problem: &Problem, st: &State) {
    if model.journeys[ji].is_composite() {
        for (slot, &wt) in problem.slots.iter().zip(&st.w) {
            if let Some(p) = slot
                .touchpoints
                .first()
                .and_then(|&k| model.journeys[ji].parts.get_mut(k))
            {
                p.weight = Weight(wt);
            }
        }
    }
    for (slot, &wt) in problem.slots.iter().zip(&st.w) {
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
    for leaf in &problem.leaves {
        let Some(&own) = leaf.chain.last() else {
            continue;
        };
        let slot = &problem.slots[own];
        let Some(si) = slot.signal else { continue };
        if let Some(s) = touchpoint_mut(&mut model.journeys[ji].touchpoints, &slot.touchpoints)
            .and_then(|t| t.signals.get_mut(si))
        {
            values::write_signal(s, &leaf.shape, &st.vals);
        }
    }
    for (p, &v) in problem.params.iter().zip(&st.vals) {
        if p.kind == ParamKind::Points
            && let Some(a) = model.journeys[ji].adjustments.get_mut(p.owner)
        {
            a.points = v;
        }
    }
}

fn touchpoint_at<'a>(list: &'a [Touchpoint], path: &[usize]) -> Option<&'a Touchpoint> {
    let (first, rest) = path.split_first()?;
    let t = list.get(*first)?;
    if rest.is_empty() {
        Some(t)
    } else {
        touchpoint_at(&t.touchpoints, rest)
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

/// The rows of every fold but `f`: what fold `f` is measured against.
pub(crate) fn train_rows(folds: &[Vec<usize>], f: usize) -> Vec<usize> {
    folds
        .iter()
        .enumerate()
        .filter(|(g, _)| *g != f)
        .flat_map(|(_, r)| r.iter().copied())
        .collect()
}

/// Stratified folds: positives and negatives shuffled apart, then dealt out in turn.
pub(crate) fn folds(y: &[Option<bool>], k: usize, seed: u64) -> Vec<Vec<usize>> {
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

/// Every number the final fit changed, with what setting it back alone costs in each fold's
/// tuned model on that fold's held-out contacts (the mean over folds), the largest first.
#[allow(clippy::too_many_arguments)]
fn effects(
    problem: &Problem,
    start: &[i64],
    hand: &[f64],
    best: &State,
    per_fold: &[State],
    fold_rows: &[Vec<usize>],
    y: &[Option<bool>],
    opts: &TuneOptions,
) -> Vec<Change> {
    let k = per_fold.len().max(1) as f64;
    let mut out = Vec::new();
    for (i, slot) in problem.slots.iter().enumerate() {
        if best.w[i] == start[i] {
            continue;
        }
        let mut effect = 0.0;
        for (st, test) in per_fold.iter().zip(fold_rows) {
            let mut w = st.w.clone();
            w[i] = start[i];
            effect += problem.objective(st, &st.w, test, y, opts.objective)
                - problem.objective(st, &w, test, y, opts.objective);
        }
        out.push(Change {
            at: slot.at.clone(),
            before: format!("{}%", Weight(start[i])),
            after: format!("{}%", Weight(best.w[i])),
            effect: effect / k,
        });
    }
    for (i, p) in problem.params.iter().enumerate() {
        if best.vals[i] == hand[i] {
            continue;
        }
        let mut effect = 0.0;
        for (st, test) in per_fold.iter().zip(fold_rows) {
            let mut vals = st.vals.clone();
            vals[i] = hand[i];
            let back = problem.state(st.w.clone(), vals);
            effect += problem.objective(st, &st.w, test, y, opts.objective)
                - problem.objective(&back, &st.w, test, y, opts.objective);
        }
        out.push(Change {
            at: p.at.clone(),
            before: crate::model::check::fmt_limit(hand[i]),
            after: crate::model::check::fmt_limit(best.vals[i]),
            effect: effect / k,
        });
    }
    out.sort_by(|a, b| b.effect.total_cmp(&a.effect));
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
        let (problem, start, hand) = build(model, ji, &scored);
        let hand_state = problem.state(start.clone(), hand.clone());
        let (mut cv_before, mut cv_after) = (0.0, 0.0);
        let mut per_fold = Vec::new();
        for f in 0..k {
            let test = &fold_rows[f];
            let train = train_rows(&fold_rows, f);
            let st = problem.fit(&start, &hand, &train, y, opts);
            cv_before += problem.objective(&hand_state, &start, test, y, opts.objective);
            cv_after += problem.objective(&st, &st.w, test, y, opts.objective);
            per_fold.push(st);
        }
        let best = problem.fit(&start, &hand, &all, y, opts);
        apply(&mut tuned, ji, &problem, &best);
        let changes = effects(
            &problem, &start, &hand, &best, &per_fold, &fold_rows, y, opts,
        );
        journeys.push(JourneyTuning {
            journey: j.id.clone(),
            weights: problem
                .slots
                .iter()
                .zip(start.iter().zip(&best.w))
                .map(|(s, (&b, &a))| WeightChange {
                    at: s.at.clone(),
                    before: Weight(b),
                    after: Weight(a),
                    fixed: s.fixed,
                })
                .collect(),
            values: if opts.values {
                problem
                    .params
                    .iter()
                    .zip(&best.vals)
                    .map(|(p, &after)| ValueChange {
                        at: p.at.clone(),
                        kind: match p.kind {
                            ParamKind::Value => "attainment",
                            ParamKind::EndPoint => "end point",
                            ParamKind::Points => "points",
                        },
                        before: p.hand,
                        after,
                        fixed: p.fixed,
                    })
                    .collect()
            } else {
                Vec::new()
            },
            changes,
            cv_before: cv_before / k as f64,
            cv_after: cv_after / k as f64,
            fit_before: problem.objective(&hand_state, &start, &all, y, opts.objective),
            fit_after: problem.objective(&best, &best.w, &all, y, opts.objective),
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

    /// Issue 14: a composite of two journeys, each a copy-free part. Tuning moves the
    /// composite's two weights as one level (towards `fit`, which the outcome follows) and
    /// leaves the parts' own weights as they are, so a signal is never tuned apart from
    /// itself in a copy.
    #[test]
    fn a_composite_tunes_its_part_weights_as_one_level() {
        let (_, table, o) = synthetic(3000, 17);
        let yaml = r#"
name: t
fields:
  - { id: a, kind: number }
  - { id: b, kind: number }
  - { id: c, kind: number }
journeys:
  - id: lead
    parts: [ { journey: fit, weight: 50 }, { journey: activity, weight: 50 } ]
  - id: fit
    touchpoints:
      - { id: t, weight: 100, signals: [ { field: a, weight: 50, rule: { scale: { from: 0, to: 1 } } }, { field: b, weight: 50, rule: { scale: { from: 0, to: 1 } } } ] }
  - id: activity
    touchpoints:
      - { id: t, weight: 100, signals: [ { field: c, weight: 100, rule: { scale: { from: 0, to: 1 } } } ] }
"#;
        let model = crate::model::parse_model(yaml, "t.yaml").unwrap();
        let opts = TuneOptions {
            folds: 3,
            steps: vec![1000, 500, 200, 100],
            journeys: vec!["lead".into()],
            ..TuneOptions::default()
        };
        let r = tune(&model, &table, &o, &opts).unwrap();
        let lead = &r.journeys[0];
        let at: Vec<&str> = lead.weights.iter().map(|w| w.at.as_str()).collect();
        assert_eq!(at, ["lead.fit", "lead.activity"]);
        let w: Vec<i64> = r.model.journeys[0]
            .parts
            .iter()
            .map(|p| p.weight.0)
            .collect();
        assert_eq!(w.iter().sum::<i64>(), 10_000);
        assert!(w[0] > w[1], "fit carries 90% of the outcome: {w:?}");
        assert!(lead.cv_after > lead.cv_before);
        // The parts keep their own weights: nothing of fit or activity moved.
        assert_eq!(r.model.journeys[1], model.journeys[1]);
        assert_eq!(r.model.journeys[2], model.journeys[2]);
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
                min: Some(20.0),
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

    const CATEGORIES: &str = r#"
name: c
fields:
  - { id: plan, kind: category }
  - { id: x, kind: number }
  - { id: unsub, kind: boolean }
journeys:
  - id: j
    touchpoints:
      - id: t
        weight: 100
        pillars: [empathy]
        signals:
          - { field: plan, weight: 50, rule: { match: { A: 0.5, B: 0.5, C: 0.5, D: 0.3, default: 0.5 } } }
          - { field: x, weight: 50, rule: { scale: { from: 0, to: 1 } } }
    adjustments:
      - { name: Unsubscribed, when: { field: unsub, equals: true }, points: -5 }
tuning:
  - { at: j.t.plan, fixed: true }
  - { at: j.t.x, fixed: true }
  - { at: j.t.x.from, fixed: true }
  - { at: j.t.x.to, fixed: true }
"#;

    /// Plans A, B, C with true attainments 0.9, 0.5 and 0.1 (and x on 0..1 at the other
    /// half); the outcome follows a logistic curve over that score, 8 x score/100 - 4, and
    /// unsubscribing takes 10 points. Plan D has only 12 contacts, 10 of whom converted.
    fn categories(n: usize, seed: u64) -> (Model, Table, Outcome) {
        let model = crate::model::parse_model(CATEGORIES, "c.yaml").unwrap();
        let mut rng = Rng::new(seed);
        let mut cols: Vec<crate::contacts::TextColumn> =
            (0..4).map(|_| crate::contacts::TextColumn::new()).collect();
        for i in 0..n + 12 {
            let (plan, att) = match (i >= n, rng.below(3)) {
                (true, _) => ("D", 0.0),
                (false, 0) => ("A", 0.9),
                (false, 1) => ("B", 0.5),
                _ => ("C", 0.1),
            };
            let x = rng.unit();
            let unsub = rng.unit() < 0.2;
            let score = 50.0 * att + 50.0 * x - if unsub { 10.0 } else { 0.0 };
            let z = 8.0 * score / 100.0 - 4.0;
            let y = if i >= n {
                i - n < 10
            } else {
                rng.unit() < 1.0 / (1.0 + (-z).exp())
            };
            cols[0].push(plan);
            cols[1].push(&x.to_string());
            cols[2].push(if unsub { "yes" } else { "no" });
            cols[3].push(if y { "1" } else { "0" });
        }
        let table = Table {
            source: "gen".into(),
            headers: vec!["plan".into(), "x".into(), "unsub".into(), "y".into()],
            columns: cols,
            lines: (2..(n + 12) as u64 + 2).collect(),
            ..Table::default()
        };
        let o = crate::engine::insight::outcome(&table, "y").unwrap();
        (model, table, o)
    }

    fn plan_values(m: &Model) -> Vec<f64> {
        match &m.journeys[0].touchpoints[0].signals[0].rule {
            crate::model::Rule::Match(r) => r.values.iter().map(|v| v.1).collect(),
            other => panic!("{other:?}"),
        }
    }

    fn values_opts() -> TuneOptions {
        TuneOptions {
            folds: 3,
            steps: vec![1000, 100],
            values: true,
            ..TuneOptions::default()
        }
    }

    #[test]
    fn recovers_known_attainments_and_shrinks_thin_ones() {
        let (model, table, o) = categories(6000, 7);
        let r = tune(&model, &table, &o, &values_opts()).unwrap();
        let v = plan_values(&r.model);
        // About 2,000 contacts each: A, B and C land near 0.9, 0.5 and 0.1.
        for (got, want) in v.iter().zip([0.9, 0.5, 0.1]) {
            assert!((got - want).abs() <= 0.1, "{v:?}");
        }
        // D: 10 of 12 converted, which alone would say about 0.9; the prior of 20 contacts
        // at the hand value 0.3 keeps it about a third of the way there (0.3 + 0.6 x 12 x
        // 0.19 / (12 x 0.19 + 20 x 0.25) is about 0.49).
        assert!(v[3] > 0.3 && v[3] < 0.7, "{v:?}");
        // The adjustment's true cost is 10 points; it stays a penalty.
        let points = r.model.journeys[0].adjustments[0].points;
        assert!((-14.0..=-6.0).contains(&points), "{points}");
        // Fixed weights and end points held; the held-out AUC rose; every change is listed,
        // the largest effect first.
        let s = &r.model.journeys[0].touchpoints[0].signals;
        assert_eq!((s[0].weight, s[1].weight), (Weight(5000), Weight(5000)));
        assert_eq!(s[1].rule, crate::model::Rule::Scale { from: 0.0, to: 1.0 });
        let j = &r.journeys[0];
        assert!(j.cv_after > j.cv_before, "{} {}", j.cv_before, j.cv_after);
        assert!(j.changes.windows(2).all(|w| w[0].effect >= w[1].effect));
        assert_eq!(j.changes[0].at, "j.t.plan.C");
    }

    #[test]
    fn attainment_limits_hold_and_groups_stay_whole() {
        let (mut model, table, o) = categories(3000, 9);
        model.tuning = vec![
            crate::model::TuneLimit {
                at: "j.t.plan.A".into(),
                max: Some(0.6),
                ..Default::default()
            },
            crate::model::TuneLimit {
                at: "j.t.plan.C".into(),
                fixed: true,
                ..Default::default()
            },
            crate::model::TuneLimit {
                at: "j.adjustments.Unsubscribed".into(),
                min: Some(-3.0),
                ..Default::default()
            },
        ];
        let r = tune(&model, &table, &o, &values_opts()).unwrap();
        let v = plan_values(&r.model);
        assert!(v[0] <= 0.6, "{v:?}");
        assert_eq!(v[2], 0.5);
        assert!(v.iter().all(|x| (0.0..=1.0).contains(x)), "{v:?}");
        let points = r.model.journeys[0].adjustments[0].points;
        assert!((-3.0..=0.0).contains(&points), "{points}");
        let sum: i64 = r.model.journeys[0].touchpoints[0]
            .signals
            .iter()
            .map(|s| s.weight.0)
            .sum();
        assert_eq!(sum, 10_000);
        assert_eq!(r.model.journeys[0].touchpoints[0].weight, Weight(10_000));
        // Only numbers changed: the same fields, signals, rules' keys and adjustments.
        assert_eq!(r.model.fields, model.fields);
        assert_eq!(r.journeys[0].values.len(), 5 + 2 + 1);
    }

    const LANGUAGE: &str = r#"
name: l
fields:
  - { id: calls, kind: number }
  - { id: job, kind: category }
  - { id: revenue, kind: number }
journeys:
  - id: j
    touchpoints:
      - id: t
        weight: 100
        pillars: [empathy]
        signals:
          - { field: calls, weight: 34, rule: { match: { 1: 0.5, 2: 0.5, default: 0.5 } } }
          - { field: job, weight: 33, rule: { match: { A: 0.5, B: 0.5, missing: 0.5 } } }
          - { field: revenue, weight: 33, rule: { log_scale: { from: 1, to: 100000 } } }
tuning:
  - { at: j.t.calls, fixed: true }
  - { at: j.t.job, fixed: true }
  - { at: j.t.revenue, fixed: true }
"#;

    /// Issue 14, item 4: `match` on numbers, a missing value's own attainment and a log
    /// scale's ends are fitted like the rest. True values: 1 call 0.9, 2 calls 0.4, more 0.1;
    /// job A 0.8, B 0.2, blank (three in ten) 0.9; revenue (1 to 100,000, even on a log scale)
    /// on a log scale from 10 to 10,000. The outcome follows 8 x score/100 - 4.
    fn language(n: usize, seed: u64) -> (Model, Table, Outcome) {
        let model = crate::model::parse_model(LANGUAGE, "l.yaml").unwrap();
        let mut rng = Rng::new(seed);
        let mut cols: Vec<crate::contacts::TextColumn> =
            (0..4).map(|_| crate::contacts::TextColumn::new()).collect();
        for _ in 0..n {
            let (calls, a_calls) = [("1", 0.9), ("2", 0.4), ("3", 0.1)][rng.below(3)];
            let (job, a_job) = match rng.below(10) {
                0..=2 => ("", 0.9),
                3..=6 => ("A", 0.8),
                _ => ("B", 0.2),
            };
            let revenue = 10f64.powf(5.0 * rng.unit());
            let a_rev = super::super::attain::log_scale(revenue, 10.0, 10_000.0);
            let score = 34.0 * a_calls + 33.0 * a_job + 33.0 * a_rev;
            let z = 8.0 * score / 100.0 - 4.0;
            let y = rng.unit() < 1.0 / (1.0 + (-z).exp());
            cols[0].push(calls);
            cols[1].push(job);
            cols[2].push(&revenue.to_string());
            cols[3].push(if y { "1" } else { "0" });
        }
        let table = Table {
            source: "gen".into(),
            headers: vec!["calls".into(), "job".into(), "revenue".into(), "y".into()],
            columns: cols,
            lines: (2..n as u64 + 2).collect(),
            ..Table::default()
        };
        let o = crate::engine::insight::outcome(&table, "y").unwrap();
        (model, table, o)
    }

    #[test]
    fn recovers_number_matches_missing_attainments_and_log_ends() {
        let (model, table, o) = language(6000, 11);
        let r = tune(&model, &table, &o, &values_opts()).unwrap();
        let s = &r.model.journeys[0].touchpoints[0].signals;
        let crate::model::Rule::Match(calls) = &s[0].rule else {
            panic!("{:?}", s[0].rule)
        };
        let got: Vec<f64> = calls.values.iter().map(|v| v.1).collect();
        // 2,000 contacts each: 1 call near 0.9, 2 near 0.4, the default (3 calls) near 0.1.
        for (g, want) in got.iter().chain([&calls.default]).zip([0.9, 0.4, 0.1]) {
            assert!((g - want).abs() <= 0.12, "{calls:?}");
        }
        let crate::model::Rule::Match(job) = &s[1].rule else {
            panic!("{:?}", s[1].rule)
        };
        // The blank jobs (1,800 contacts) the best answer, 0.7 above B (0.9 against 0.2) and
        // 0.1 above A; a logistic curve over the score reads differences, so the values are
        // held to those (the fit lands 0.64, 0.12 and 0.74 on this seed). Written where the
        // model said it: in the rule's `missing` entry, not on the signal.
        let m = job.missing.unwrap_or(f64::NAN);
        let (a, b) = (job.values[0].1, job.values[1].1);
        assert!((m - b - 0.7).abs() <= 0.12 && m > a, "{job:?}");
        assert_eq!(s[1].missing, None);
        // The log scale's low end moved from 1 to near the true 10 (9.88 on this seed, a
        // decile of the column); the high end moves only when it pays its Akaike price of one
        // unit of log-likelihood, which 10,000 against 100,000 does not here.
        let crate::model::Rule::LogScale { from, to } = s[2].rule else {
            panic!("{:?}", s[2].rule)
        };
        assert!((5.0..=20.0).contains(&from), "{from} {to}");
        assert!((2500.0..=100_000.0).contains(&to), "{from} {to}");
        let j = &r.journeys[0];
        assert!(j.cv_after > j.cv_before, "{} {}", j.cv_before, j.cv_after);
        assert!(j.changes.iter().any(|c| c.at == "j.t.job.missing"));
    }

    /// Issue 14 (leftover): a `bands` rule's `missing` entry is tuned like its bands and
    /// written back where the model states it, in the rule's entry. True values: fewer than 5
    /// visits 0.1, 5 or more 0.8, blank (three in ten) 0.9; the outcome follows
    /// 8 x score/100 - 4 with the other half of the score fixed.
    #[test]
    fn tunes_a_bands_missing_entry_where_the_model_states_it() {
        let model = crate::model::parse_model(
            r#"
name: b
fields:
  - { id: visits, kind: number }
  - { id: job, kind: category }
journeys:
  - id: j
    touchpoints:
      - id: t
        weight: 100
        pillars: [empathy]
        signals:
          - { field: visits, weight: 50, rule: { bands: [ { at_least: 0, value: 0.5 }, { at_least: 5, value: 0.5 }, { missing: 0.5 } ] } }
          - { field: job, weight: 50, rule: { match: { A: 1, default: 0 } } }
tuning:
  - { at: j.t.visits, fixed: true }
  - { at: j.t.job, fixed: true }
  - { at: j.t.job.A, fixed: true }
  - { at: j.t.job.default, fixed: true }
"#,
            "b.yaml",
        )
        .unwrap();
        let mut rng = Rng::new(5);
        let mut cols: Vec<crate::contacts::TextColumn> =
            (0..3).map(|_| crate::contacts::TextColumn::new()).collect();
        let n = 6000;
        for _ in 0..n {
            let (visits, a) = match rng.below(10) {
                0..=2 => (String::new(), 0.9),
                3..=6 => (format!("{}", rng.below(5)), 0.1),
                _ => (format!("{}", 5 + rng.below(20)), 0.8),
            };
            let (job, b) = if rng.unit() < 0.5 {
                ("A", 1.0)
            } else {
                ("B", 0.0)
            };
            let z: f64 = 8.0 * (50.0 * a + 50.0 * b) / 100.0 - 4.0;
            let y = rng.unit() < 1.0 / (1.0 + (-z).exp());
            cols[0].push(&visits);
            cols[1].push(job);
            cols[2].push(if y { "1" } else { "0" });
        }
        let table = Table {
            source: "gen".into(),
            headers: vec!["visits".into(), "job".into(), "y".into()],
            columns: cols,
            lines: (2..n as u64 + 2).collect(),
            ..Table::default()
        };
        let o = crate::engine::insight::outcome(&table, "y").unwrap();
        let r = tune(&model, &table, &o, &values_opts()).unwrap();
        let s = &r.model.journeys[0].touchpoints[0].signals[0];
        let crate::model::Rule::Bands(b) = &s.rule else {
            panic!("{:?}", s.rule)
        };
        let m = b.missing.unwrap_or(f64::NAN);
        let (low, high) = (b.bands[0].value, b.bands[1].value);
        // The blanks the best, the low band the worst, as the data were made; 0.8 and 0.1
        // apart from the low band, held to 0.15 (the fixed job half anchors the scale).
        assert!(m > high && high > low, "{b:?}");
        assert!((m - low - 0.8).abs() <= 0.15, "{b:?}");
        assert!((high - low - 0.7).abs() <= 0.15, "{b:?}");
        assert_eq!(s.missing, None);
        assert!(
            r.journeys[0]
                .changes
                .iter()
                .any(|c| c.at == "j.t.visits.missing")
        );
    }

    /// A property over seeds: whatever the data, tuned attainments stay in 0..1 and every
    /// group at exactly 100%.
    #[test]
    fn tuned_numbers_stay_legal_over_seeds() {
        for seed in 1..4 {
            let (model, table, o) = categories(600, seed);
            let mut model = model;
            model.tuning.clear();
            let r = tune(&model, &table, &o, &values_opts()).unwrap();
            let t = &r.model.journeys[0].touchpoints[0];
            assert_eq!(t.signals.iter().map(|s| s.weight.0).sum::<i64>(), 10_000);
            assert!(
                plan_values(&r.model)
                    .iter()
                    .all(|x| (0.0..=1.0).contains(x))
            );
            assert!(r.model.journeys[0].adjustments[0].points <= 0.0);
        }
    }
}
