//! Fitting attainments and adjustment points to history, with the weights held.
//!
//! With the weights held, a journey's score is linear in every attainment of a `match` or
//! `bands` rule (each row takes the value of its category or band, times its decay) and in
//! every adjustment's points, so the best logistic curve over the score is a logistic
//! regression in those numbers. It is fitted by cyclic coordinate Newton steps, each number
//! kept in its box (0 to 1 for an attainment, narrowed by the model's `tuning` limits), and
//! pulled towards the hand value by a Gaussian prior worth `prior` contacts: a value seen on
//! n contacts moves about n / (n + prior) of the way from the hand value to what those
//! contacts say. That is empirical-Bayes shrinkage with the workshop's value as the prior
//! mean, the same as adding `prior` pseudo-contacts who behave as the hand value expects; a
//! category with a dozen leads keeps most of the room's judgement, one with a thousand follows
//! the data.
//!
//! A `scale` or `log_scale` rule's end points are not linear in the score: they are searched
//! over the column's deciles (and the hand values), and move only when the log-likelihood
//! gain pays the Akaike price of one per end point moved.
//!
//! A signal that gives a missing value its own attainment (`missing:` on the signal or in its
//! rule) has one more linear number, fitted like a category's: its rows are those where the
//! field is missing (`Shape::Missing` around the rule's own shape). A signal without one keeps
//! 0 there: tuning changes numbers the model states, it does not add new ones.
//!
//! Every `match` here is exhaustive over the rule kinds and the typed columns, so a new rule
//! kind does not compile until it says how it is tuned.

use super::super::attain;
use crate::contacts::Typed;
use crate::contacts::typed::{CODE_MISSING, category_key};
use crate::model::{MatchRule, Rule, Signal, TuneLimit};
use std::sync::Arc;

/// A row that takes no fitted value (missing, or below every band): attainment 0.
pub(super) const NO_BIN: u32 = u32::MAX;

/// How a leaf's attainment column follows from the fitted numbers.
pub(super) enum Shape {
    /// Each row takes the value of its bin, times `mult` (its decay, else 1). Bin `b` is the
    /// parameter `first + b`.
    Binned {
        bins: Vec<u32>,
        mult: Vec<f64>,
        first: usize,
    },
    /// `scale` (or `log_scale` when `log`) over a number column, end points at parameters
    /// `from` and `to`.
    Scale {
        x: Vec<f64>,
        mult: Vec<f64>,
        from: usize,
        to: usize,
        log: bool,
    },
    /// Nothing to fit (`flag`, `present`, `recency`): the column as scored.
    Fixed(Arc<Vec<f64>>),
    /// The rows where the field is missing take parameter `param` times `mult`; the others
    /// follow `inner`.
    Missing {
        inner: Box<Shape>,
        rows: Vec<bool>,
        mult: Vec<f64>,
        param: usize,
    },
}

impl Shape {
    /// The shape without its missing rows' parameter.
    fn rule_shape(&self) -> &Shape {
        match self {
            Shape::Missing { inner, .. } => inner.rule_shape(),
            Shape::Binned { .. } | Shape::Scale { .. } | Shape::Fixed(_) => self,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum ParamKind {
    /// An attainment, 0 to 1.
    Value,
    /// A `scale` end point.
    EndPoint,
    /// An adjustment's points.
    Points,
}

/// One number tuning may change besides the weights.
pub(super) struct Param {
    /// The `tuning` path that names it.
    pub at: String,
    pub kind: ParamKind,
    pub hand: f64,
    pub lo: f64,
    pub hi: f64,
    pub fixed: bool,
    /// The leaf (for values and end points) or the adjustment (for points) it belongs to.
    pub owner: usize,
}

impl Param {
    pub(super) fn new(
        at: String,
        kind: ParamKind,
        hand: f64,
        owner: usize,
        limit: Option<&TuneLimit>,
    ) -> Self {
        let (lo, hi) = match kind {
            ParamKind::Value => (0.0, 1.0),
            ParamKind::EndPoint => (f64::NEG_INFINITY, f64::INFINITY),
            // A penalty stays a penalty and a bonus a bonus.
            ParamKind::Points if hand < 0.0 => (-100.0, 0.0),
            ParamKind::Points if hand > 0.0 => (0.0, 100.0),
            ParamKind::Points => (-100.0, 100.0),
        };
        // As for weights, a hand value outside its limits widens them rather than moving.
        let lo = limit
            .and_then(|l| l.min)
            .map_or(lo, |m| m.max(lo))
            .min(hand);
        let hi = limit
            .and_then(|l| l.max)
            .map_or(hi, |m| m.min(hi))
            .max(hand);
        Param {
            at,
            kind,
            hand,
            lo,
            hi,
            fixed: limit.is_some_and(|l| l.fixed),
            owner,
        }
    }
}

/// What the data holds for one signal: its field's typed column, its decay factor per row
/// (ones without decay) and its attainment column as scored.
pub(super) struct Columns<'a> {
    pub typed: Option<&'a Typed>,
    /// The day number ages count from (bands on a date read its age).
    pub today: i32,
    pub mult: Vec<f64>,
    pub att: Arc<Vec<f64>>,
}

/// The shape of one signal's attainment, its parameters appended to `params`; `at` is the
/// signal's tuning path and `leaf` its index.
pub(super) fn shape_of(
    signal: &Signal,
    at: &str,
    leaf: usize,
    data: Columns,
    params: &mut Vec<Param>,
    limits: &[TuneLimit],
) -> Shape {
    let Columns {
        typed,
        today,
        mult,
        att,
    } = data;
    let limit = |key: &str| {
        let path = format!("{at}.{key}");
        let l = limits.iter().find(|l| l.at == path);
        (path, l)
    };
    let first = params.len();
    let keys = crate::model::check::attainment_keys(&signal.rule);
    let fixed = || Shape::Fixed(att.clone());
    let scale = |from: f64, to: f64, log: bool, params: &mut Vec<Param>| match typed {
        Some(Typed::Number(v)) => {
            for (key, hand) in [("from", from), ("to", to)] {
                let (path, l) = limit(key);
                params.push(Param::new(path, ParamKind::EndPoint, hand, leaf, l));
            }
            Shape::Scale {
                x: v.clone(),
                mult: mult.clone(),
                from: first,
                to: first + 1,
                log,
            }
        }
        Some(Typed::Bool(_) | Typed::Date(_) | Typed::Category { .. }) | None => fixed(),
    };
    let shape = match &signal.rule {
        Rule::Match(m) => match typed.map(|t| match_bins(m, t)) {
            Some(Some(bins)) => {
                push_values(
                    m.values.iter().map(|v| v.1).chain([m.default]),
                    &keys,
                    leaf,
                    params,
                    &limit,
                );
                Shape::Binned {
                    bins,
                    mult: mult.clone(),
                    first,
                }
            }
            Some(None) | None => fixed(),
        },
        // A number's value or a date's age, as `attain::attainment` reads them.
        Rule::Bands(b) => match typed.and_then(|t| attain::ages(t, today)) {
            Some(v) => {
                // The last band in the list the number reaches, as `attain::bands` reads them.
                let bins = v
                    .iter()
                    .map(|x| {
                        let mut bin = NO_BIN;
                        if let Some(x) = *x {
                            for (i, band) in b.bands.iter().enumerate() {
                                if x >= band.at_least {
                                    bin = i as u32;
                                }
                            }
                        }
                        bin
                    })
                    .collect();
                push_values(b.bands.iter().map(|b| b.value), &keys, leaf, params, &limit);
                Shape::Binned {
                    bins,
                    mult: mult.clone(),
                    first,
                }
            }
            None => fixed(),
        },
        Rule::Scale { from, to } => scale(*from, *to, false, params),
        Rule::LogScale { from, to } => scale(*from, *to, true, params),
        Rule::Flag | Rule::NotFlag | Rule::Present | Rule::Recency { .. } => fixed(),
    };
    let declared = signal.missing.or(signal.rule.missing_entry());
    match (declared, typed) {
        (Some(hand), Some(t)) => {
            let (path, l) = limit("missing");
            params.push(Param::new(path, ParamKind::Value, hand, leaf, l));
            Shape::Missing {
                inner: Box::new(shape),
                rows: (0..t.len()).map(|i| t.is_missing(i)).collect(),
                mult,
                param: params.len() - 1,
            }
        }
        (Some(_), None) | (None, _) => shape,
    }
}

/// Each row's bin under a `match` rule: the index of the value it matches, the default after
/// the values, `NO_BIN` when missing; `None` for a column it cannot read (a date).
fn match_bins(m: &MatchRule, typed: &Typed) -> Option<Vec<u32>> {
    let other = m.values.len() as u32;
    match typed {
        Typed::Category {
            codes,
            keys: labels,
            ..
        } => {
            let by_code: Vec<u32> = labels
                .iter()
                .map(|k| {
                    m.values
                        .iter()
                        .position(|(name, _)| category_key(name) == *k)
                        .map_or(other, |p| p as u32)
                })
                .collect();
            let bins = codes
                .iter()
                .map(|&c| {
                    if c == CODE_MISSING {
                        NO_BIN
                    } else {
                        by_code[c as usize]
                    }
                })
                .collect();
            Some(bins)
        }
        Typed::Bool(v) => {
            let find = |b: bool| {
                m.values
                    .iter()
                    .position(|(name, _)| crate::contacts::parse_bool(name) == Some(b))
                    .map_or(other, |p| p as u32)
            };
            let (t, f) = (find(true), find(false));
            let bins = v
                .iter()
                .map(|&x| match x {
                    1 => t,
                    0 => f,
                    2.. => NO_BIN,
                })
                .collect();
            Some(bins)
        }
        // Compared as numbers, the first listing first, as `attain::attainment` does.
        Typed::Number(v) => {
            let keys: Vec<Option<f64>> = m
                .values
                .iter()
                .map(|(k, _)| k.trim().parse::<f64>().ok().filter(|x| x.is_finite()))
                .collect();
            let bins = v
                .iter()
                .map(|&x| {
                    if x.is_nan() {
                        NO_BIN
                    } else {
                        keys.iter()
                            .position(|k| *k == Some(x))
                            .map_or(other, |p| p as u32)
                    }
                })
                .collect();
            Some(bins)
        }
        Typed::Date(_) => None,
    }
}

fn push_values<'a>(
    hands: impl Iterator<Item = f64>,
    keys: &[String],
    leaf: usize,
    params: &mut Vec<Param>,
    limit: &impl Fn(&str) -> (String, Option<&'a TuneLimit>),
) {
    for (hand, key) in hands.zip(keys) {
        let (path, l) = limit(key);
        params.push(Param::new(path, ParamKind::Value, hand, leaf, l));
    }
}

/// A leaf's attainment column under the numbers `vals`.
pub(super) fn column(shape: &Shape, vals: &[f64]) -> Arc<Vec<f64>> {
    match shape {
        Shape::Binned { bins, mult, first } => Arc::new(
            bins.iter()
                .zip(mult)
                .map(|(&b, &m)| {
                    if b == NO_BIN {
                        0.0
                    } else {
                        vals[first + b as usize] * m
                    }
                })
                .collect(),
        ),
        Shape::Scale {
            x,
            mult,
            from,
            to,
            log,
        } => Arc::new(
            x.iter()
                .zip(mult)
                .map(|(&v, &m)| ends_kernel(*log, v, vals[*from], vals[*to]) * m)
                .collect(),
        ),
        Shape::Fixed(att) => att.clone(),
        Shape::Missing {
            inner,
            rows,
            mult,
            param,
        } => {
            let mut col = column(inner, vals).as_ref().clone();
            for ((a, &gone), &m) in col.iter_mut().zip(rows).zip(mult) {
                if gone {
                    *a = vals[*param] * m;
                }
            }
            Arc::new(col)
        }
    }
}

/// One value's attainment under a `scale` (or `log_scale`) with these ends; 0 when missing.
fn ends_kernel(log: bool, v: f64, from: f64, to: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else if log {
        attain::log_scale(v, from, to)
    } else {
        attain::scale(v, from, to)
    }
}

/// Writes the fitted numbers of one leaf back into its signal's rule (and its `missing`).
pub(super) fn write_signal(signal: &mut Signal, shape: &Shape, vals: &[f64]) {
    if let Shape::Missing { param, .. } = shape {
        // Where the model states it: on the signal, else in the rule's entry.
        let v = vals[*param];
        match (&mut signal.missing, &mut signal.rule) {
            (Some(m), _) => *m = v,
            (None, Rule::Match(m)) => m.missing = Some(v),
            (None, Rule::Bands(b)) => b.missing = Some(v),
            (
                None,
                Rule::Scale { .. }
                | Rule::Flag
                | Rule::NotFlag
                | Rule::Present
                | Rule::Recency { .. }
                | Rule::LogScale { .. },
            ) => signal.missing = Some(v),
        }
    }
    let shape = shape.rule_shape();
    match (&mut signal.rule, shape) {
        (Rule::Match(m), Shape::Binned { first, .. }) => {
            for (k, v) in m.values.iter_mut().enumerate() {
                v.1 = vals[first + k];
            }
            m.default = vals[first + m.values.len()];
        }
        (Rule::Bands(b), Shape::Binned { first, .. }) => {
            for (k, band) in b.bands.iter_mut().enumerate() {
                band.value = vals[first + k];
            }
        }
        (
            Rule::Scale { from, to } | Rule::LogScale { from, to },
            Shape::Scale { from: f, to: t, .. },
        ) => {
            *from = vals[*f];
            *to = vals[*t];
        }
        // The shapes `shape_of` never gives a rule: nothing of it was fitted.
        (
            Rule::Match(_) | Rule::Bands(_),
            Shape::Scale { .. } | Shape::Fixed(_) | Shape::Missing { .. },
        )
        | (
            Rule::Scale { .. } | Rule::LogScale { .. },
            Shape::Binned { .. } | Shape::Fixed(_) | Shape::Missing { .. },
        )
        | (Rule::Flag | Rule::NotFlag | Rule::Present | Rule::Recency { .. }, _) => {}
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

use super::super::metrics::logistic_fit as logit_fit;

/// What the fit reads: each leaf's shape, share of the journey (0 to 1) and current column,
/// each adjustment's rows, and the journey's raw score plus adjustments per row.
pub(super) struct Design<'a> {
    pub shapes: Vec<&'a Shape>,
    pub shares: Vec<f64>,
    pub atts: &'a [Arc<Vec<f64>>],
    pub hits: &'a [Arc<Vec<bool>>],
    pub params: &'a [Param],
}

/// Fits the numbers on `rows`, starting from `vals`; returns them rounded to the precision a
/// person writes (attainments to 0.01, points to 0.1, end points to 0.01).
pub(super) fn fit(
    d: &Design,
    vals: &[f64],
    rows: &[usize],
    y: &[Option<bool>],
    prior: f64,
) -> Vec<f64> {
    let mut vals = vals.to_vec();
    let yv: Vec<f64> = rows
        .iter()
        .map(|&r| f64::from(u8::from(y[r] == Some(true))))
        .collect();
    let n = rows.len() as f64;
    let ybar = yv.iter().sum::<f64>() / n.max(1.0);
    let wbar = (ybar * (1.0 - ybar)).max(1e-6);
    // Each row's score before the clamp, in points.
    let mut s: Vec<f64> = rows
        .iter()
        .map(|&r| {
            let raw: f64 = d
                .atts
                .iter()
                .zip(&d.shares)
                .map(|(a, sh)| 100.0 * sh * a[r])
                .sum();
            let adj: f64 = d
                .params
                .iter()
                .enumerate()
                .filter(|(_, p)| p.kind == ParamKind::Points && d.hits[p.owner][r])
                .map(|(i, _)| vals[i])
                .sum();
            raw + adj
        })
        .collect();
    // Who each linear number touches, with the row's multiplier, and its points per unit.
    let mut members: Vec<Vec<(usize, f64)>> = vec![Vec::new(); d.params.len()];
    let mut unit = vec![0.0; d.params.len()];
    for shape in &d.shapes {
        if let Shape::Missing {
            rows: gone,
            mult,
            param,
            ..
        } = shape
        {
            for (pos, &r) in rows.iter().enumerate() {
                if gone[r] {
                    members[*param].push((pos, mult[r]));
                }
            }
        }
        if let Shape::Binned { bins, mult, first } = shape.rule_shape() {
            for (pos, &r) in rows.iter().enumerate() {
                if bins[r] != NO_BIN {
                    members[first + bins[r] as usize].push((pos, mult[r]));
                }
            }
        }
    }
    for (i, p) in d.params.iter().enumerate() {
        if p.kind == ParamKind::Value {
            unit[i] = 100.0 * d.shares[p.owner];
        }
        if p.kind == ParamKind::Points {
            unit[i] = 1.0;
            members[i] = rows
                .iter()
                .enumerate()
                .filter(|(_, r)| d.hits[p.owner][**r])
                .map(|(pos, _)| (pos, 1.0))
                .collect();
        }
    }
    let (mut a, mut c, _) = logit_fit(&s, &yv, 0.0, 0.0);
    if c.is_nan() || c <= 0.0 {
        // The score does not rank the outcome upwards: no attainment can be read from it.
        return vals;
    }
    for _sweep in 0..100 {
        let mut moved: f64 = 0.0;
        for (i, p) in d.params.iter().enumerate() {
            if p.fixed || p.kind == ParamKind::EndPoint || unit[i] == 0.0 {
                continue;
            }
            let u = c * unit[i];
            let (mut g, mut h) = (0.0, 0.0);
            for &(pos, m) in &members[i] {
                let pr = sigmoid(a + c * s[pos]);
                let f = u * m;
                g += (yv[pos] - pr) * f;
                h += pr * (1.0 - pr) * f * f;
            }
            let pen = prior * wbar * u * u;
            g -= pen * (vals[i] - p.hand);
            h += pen;
            if h <= 0.0 || !g.is_finite() {
                continue;
            }
            let new = (vals[i] + g / h).clamp(p.lo, p.hi);
            let step = new - vals[i];
            if step != 0.0 {
                for &(pos, m) in &members[i] {
                    s[pos] += unit[i] * m * step;
                }
                vals[i] = new;
                moved = moved.max(step.abs());
            }
        }
        let (na, nc, _) = logit_fit(&s, &yv, a, c);
        if nc.is_nan() || nc <= 0.0 {
            break;
        }
        (a, c) = (na, nc);
        if moved < 1e-6 {
            break;
        }
    }
    for (l, shape) in d.shapes.iter().enumerate() {
        if let Shape::Scale {
            x,
            mult,
            from,
            to,
            log,
        } = shape.rule_shape()
        {
            let ends = Ends {
                x,
                mult,
                from: *from,
                to: *to,
                log: *log,
            };
            search_ends(d, l, ends, rows, &yv, &mut s, &mut vals);
        }
    }
    for (v, p) in vals.iter_mut().zip(d.params) {
        let grain = if p.kind == ParamKind::Points {
            10.0
        } else {
            100.0
        };
        if *v != p.hand {
            let rounded = ((*v * grain).round() / grain).clamp(p.lo, p.hi);
            // A small positive end (a log scale's) stays positive rather than round to 0.
            if !(p.kind == ParamKind::EndPoint && *v > 0.0 && rounded <= 0.0) {
                *v = rounded;
            }
        }
    }
    vals
}

/// A `scale` or `log_scale` leaf's column, multipliers and end point parameters.
struct Ends<'a> {
    x: &'a [f64],
    mult: &'a [f64],
    from: usize,
    to: usize,
    log: bool,
}

/// Tries a `scale` or `log_scale` leaf's end points over the deciles of its column; keeps the
/// best pair when it beats the current one by more than one unit of log-likelihood per end
/// point moved. A log scale's ends stay above 0, as its logarithm needs.
fn search_ends(
    d: &Design,
    leaf: usize,
    ends: Ends,
    rows: &[usize],
    yv: &[f64],
    s: &mut [f64],
    vals: &mut [f64],
) {
    let Ends {
        x,
        mult,
        from,
        to,
        log,
    } = ends;
    let (pf, pt) = (&d.params[from], &d.params[to]);
    if pf.fixed && pt.fixed {
        return;
    }
    let mut seen: Vec<f64> = rows.iter().map(|&r| x[r]).filter(|v| !v.is_nan()).collect();
    if seen.len() < 10 {
        return;
    }
    seen.sort_by(f64::total_cmp);
    let mut cands: Vec<f64> = (0..=10)
        .map(|q| seen[(q * (seen.len() - 1)) / 10])
        .collect();
    let unit = 100.0 * d.shares[leaf];
    let current: Vec<f64> = rows
        .iter()
        .map(|&r| ends_kernel(log, x[r], vals[from], vals[to]) * mult[r])
        .collect();
    let (_, _, base) = logit_fit(s, yv, 0.0, 0.0);
    let upward = pt.hand > pf.hand;
    cands.extend([pf.hand, pt.hand, vals[from], vals[to]]);
    if log {
        cands.retain(|c| *c > 0.0);
    }
    cands.sort_by(f64::total_cmp);
    cands.dedup();
    let pick = |p: &Param, v: f64, now: f64| if p.fixed { now } else { v.clamp(p.lo, p.hi) };
    let mut best: Option<(f64, f64, f64)> = None;
    let mut trial = s.to_vec();
    for &f in &cands {
        for &t in &cands {
            let (f, t) = (pick(pf, f, vals[from]), pick(pt, t, vals[to]));
            if f == t
                || (t > f) != upward
                || (f == vals[from] && t == vals[to])
                || (log && (f <= 0.0 || t <= 0.0))
            {
                continue;
            }
            for (pos, &r) in rows.iter().enumerate() {
                let a = ends_kernel(log, x[r], f, t) * mult[r];
                trial[pos] = s[pos] + unit * (a - current[pos]);
            }
            let (_, _, ll) = logit_fit(&trial, yv, 0.0, 0.0);
            let moved = f64::from(u8::from(f != vals[from])) + f64::from(u8::from(t != vals[to]));
            let gain = ll - base - moved;
            if gain > 0.0 && best.is_none_or(|b| gain > b.2) {
                best = Some((f, t, gain));
            }
        }
    }
    if let Some((f, t, _)) = best {
        for (pos, &r) in rows.iter().enumerate() {
            let a = ends_kernel(log, x[r], f, t) * mult[r];
            s[pos] += unit * (a - current[pos]);
        }
        vals[from] = f;
        vals[to] = t;
    }
}
