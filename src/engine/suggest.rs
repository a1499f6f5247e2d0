//! Suggested signals: the columns of the data a model does not use, ranked by what they would
//! add, each with a proposed field, rule and touchpoint, and a warning for those that look
//! like they leak the outcome.
//!
//! For each unused column a rule is proposed from the data: a `match` from per-value rates for
//! a category, `bands` at the quintiles for a number. Rates are shrunk towards the base rate
//! with `PRIOR` pseudo-contacts (a value seen on 12 contacts, 10 of whom converted, does not
//! get 0.83), then spread over 0 to 1. Everything is measured with the same stratified folds
//! as `tune`: the rule is fitted on the training folds, and measured on the held-out one, both
//! alone (the univariate AUC) and added to the journey as a new touchpoint of the weight that
//! did best on the training folds (the gain over the journey's AUC now). A column is flagged as
//! leaking when its values nearly decide the outcome: a held-out AUC of 0.9 or more alone, or
//! a value held by 5% of the contacts or more whose rate is 3% or less, or 95% or more, with a
//! held-out AUC of 0.75 or more. Such columns are usually filled in after the outcome (a sales
//! rep's tag, a quality grade given after the call) and must not be scored.

use super::insight::Outcome;
use super::metrics;
use crate::contacts::Table;
use crate::contacts::typed::category_key;
use crate::model::{
    Band, Ending, Field, FieldKind, MatchRule, Model, Rule, Signal, Touchpoint, TouchpointKind,
    Weight, unique_id,
};
use serde::Serialize;

/// Pseudo-contacts at the base rate added to every value's rate.
pub const PRIOR: f64 = 20.0;
/// Placeholders that mean "no value" in CRM exports.
const PLACEHOLDERS: [&str; 6] = ["select", "n/a", "na", "-", "null", "none"];

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Proposal {
    /// Category values to attainments, and the default for the rest.
    Match {
        values: Vec<(String, f64)>,
        default: f64,
    },
    /// `at_least` to attainment.
    Bands(Vec<(f64, f64)>),
}

#[derive(Clone, Debug, Serialize)]
pub struct Suggestion {
    pub column: String,
    /// The proposed field id (the column in snake case).
    pub field: String,
    /// `category` or `number`.
    pub kind: &'static str,
    /// Placeholders found in the column, proposed as the field's `missing`.
    pub missing: Vec<String>,
    pub rule: Proposal,
    /// The proposed touchpoint weight in the journey, percent (the others shrink to make room).
    pub weight: f64,
    /// Held-out AUC of the column's attainment alone, and the held-out gain of adding it.
    pub auc: f64,
    pub gain: f64,
    /// Why it looks like a leak, when it does.
    pub leak: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Skipped {
    pub column: String,
    pub why: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Suggestions {
    pub journey: String,
    /// The journey's held-out AUC as it is (mean over the folds).
    pub auc_now: f64,
    /// Non-leaking suggestions first, by gain, then the leaking ones.
    pub columns: Vec<Suggestion>,
    pub skipped: Vec<Skipped>,
}

/// One column read for a rule: a category code or a number per row, `None` when missing.
enum Read {
    Category {
        codes: Vec<Option<u32>>,
        labels: Vec<String>,
    },
    Number(Vec<Option<f64>>),
}

fn read(table: &Table, col: usize) -> (Read, Vec<String>) {
    let c = &table.columns[col];
    let mut placeholders = Vec::new();
    let missing = |v: &str, found: &mut Vec<String>| {
        let t = v.trim();
        if t.is_empty() {
            return true;
        }
        if PLACEHOLDERS.contains(&t.to_lowercase().as_str()) {
            if !found.iter().any(|f| f == t) {
                found.push(t.to_string());
            }
            return true;
        }
        false
    };
    let (mut filled, mut numeric) = (0usize, 0usize);
    for v in c.iter() {
        if !missing(v, &mut placeholders) {
            filled += 1;
            numeric += usize::from(v.trim().parse::<f64>().is_ok_and(f64::is_finite));
        }
    }
    let mut distinct = std::collections::HashSet::new();
    if filled > 0 && numeric * 100 >= filled * 95 {
        let nums = c
            .iter()
            .map(|v| {
                let v = v.trim();
                v.parse::<f64>().ok().filter(|x| x.is_finite())
            })
            .collect::<Vec<_>>();
        for x in nums.iter().flatten() {
            distinct.insert(x.to_bits());
        }
        if distinct.len() > 2 {
            return (Read::Number(nums), placeholders);
        }
    }
    let mut labels: Vec<String> = Vec::new();
    let mut index = std::collections::HashMap::new();
    let mut sink = Vec::new();
    let codes = c
        .iter()
        .map(|v| {
            if missing(v, &mut sink) {
                return None;
            }
            let key = category_key(v);
            Some(*index.entry(key).or_insert_with(|| {
                labels.push(v.trim().to_string());
                labels.len() as u32 - 1
            }))
        })
        .collect();
    (Read::Category { codes, labels }, placeholders)
}

/// A rule fitted on some rows: each row's bin (value or band), the attainment per bin, and the
/// proposal a person reads.
struct Fitted {
    att: Vec<f64>,
    proposal: Proposal,
    /// Per bin: contacts and rate (unshrunk), for the leak test.
    bins: Vec<(usize, f64)>,
}

/// Shrunk rates per bin, spread over 0..1; `bin_of` gives a row's bin.
fn fit_bins(
    bin_of: &[Option<usize>],
    bins: usize,
    rows: &[usize],
    y: &[Option<bool>],
    base: f64,
) -> (Vec<f64>, Vec<(usize, f64)>) {
    let mut n = vec![0usize; bins];
    let mut k = vec![0usize; bins];
    for &r in rows {
        if let (Some(b), Some(v)) = (bin_of[r], y[r]) {
            n[b] += 1;
            k[b] += usize::from(v);
        }
    }
    let rate: Vec<f64> = (0..bins)
        .map(|b| (k[b] as f64 + PRIOR * base) / (n[b] as f64 + PRIOR))
        .collect();
    let (lo, hi) = rate
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &r| {
            (a.min(r), b.max(r))
        });
    let spread = if hi > lo { hi - lo } else { 1.0 };
    let att = rate
        .iter()
        .map(|r| (((r - lo) / spread) * 100.0).round() / 100.0)
        .collect();
    let raw = (0..bins)
        .map(|b| {
            (
                n[b],
                if n[b] > 0 {
                    k[b] as f64 / n[b] as f64
                } else {
                    0.0
                },
            )
        })
        .collect();
    (att, raw)
}

fn fit(read: &Read, rows: &[usize], y: &[Option<bool>], base: f64) -> Fitted {
    match read {
        Read::Category { codes, labels } => {
            // Values held by 1% of the rows (and 30 contacts) get their own attainment; the
            // rest share the default.
            let mut count = vec![0usize; labels.len()];
            for &r in rows {
                if let Some(c) = codes[r] {
                    count[c as usize] += 1;
                }
            }
            let floor = (rows.len() / 100).max(30);
            let own: Vec<usize> = (0..labels.len()).filter(|&c| count[c] >= floor).collect();
            let rest = own.len();
            let bin_of: Vec<Option<usize>> = codes
                .iter()
                .map(|c| c.map(|c| own.iter().position(|&o| o == c as usize).unwrap_or(rest)))
                .collect();
            let (att_bin, bins) = fit_bins(&bin_of, rest + 1, rows, y, base);
            let att = bin_of
                .iter()
                .map(|b| b.map_or(0.0, |b| att_bin[b]))
                .collect();
            Fitted {
                att,
                proposal: Proposal::Match {
                    values: own
                        .iter()
                        .enumerate()
                        .map(|(i, &c)| (labels[c].clone(), att_bin[i]))
                        .collect(),
                    default: att_bin[rest],
                },
                bins,
            }
        }
        Read::Number(v) => {
            let mut seen: Vec<f64> = rows.iter().filter_map(|&r| v[r]).collect();
            seen.sort_by(f64::total_cmp);
            let mut cuts: Vec<f64> = vec![f64::NEG_INFINITY];
            if !seen.is_empty() {
                for q in 1..5 {
                    let c = seen[q * (seen.len() - 1) / 5];
                    if cuts.last().is_some_and(|&l| c > l) {
                        cuts.push(c);
                    }
                }
            }
            let bin_of: Vec<Option<usize>> = v
                .iter()
                .map(|x| x.map(|x| cuts.iter().rposition(|&c| x >= c).unwrap_or(0)))
                .collect();
            let (att_bin, bins) = fit_bins(&bin_of, cuts.len(), rows, y, base);
            let att = bin_of
                .iter()
                .map(|b| b.map_or(0.0, |b| att_bin[b]))
                .collect();
            let low = seen.first().copied().unwrap_or(0.0).min(0.0);
            Fitted {
                att,
                proposal: Proposal::Bands(
                    cuts.iter()
                        .zip(&att_bin)
                        .map(|(&c, &a)| (if c.is_finite() { c } else { low }, a))
                        .collect(),
                ),
                bins,
            }
        }
    }
}

fn snake(column: &str) -> String {
    let mut out = String::new();
    for ch in column.chars() {
        if ch.is_ascii_alphanumeric() {
            out.push(ch.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

const WEIGHTS: [f64; 10] = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5];

fn auc_on(scores: &[f64], y: &[Option<bool>], rows: &[usize]) -> f64 {
    let mut pairs: Vec<(f64, bool)> = rows
        .iter()
        .filter_map(|&r| y[r].map(|v| (scores[r], v)))
        .collect();
    metrics::auc_pairs(&mut pairs).unwrap_or(0.5)
}

fn mixed(score: &[f64], att: &[f64], w: f64) -> Vec<f64> {
    score
        .iter()
        .zip(att)
        .map(|(s, a)| (1.0 - w) * s + w * 100.0 * a)
        .collect()
}

/// Ranks the columns of `table` that `used` does not name (nor `skip`: the id and outcome).
/// `score` is the journey's score per row.
pub fn suggest(
    table: &Table,
    outcome: &Outcome,
    score: &[f64],
    journey: &str,
    used: &[String],
    folds: &[Vec<usize>],
) -> Suggestions {
    let y = &outcome.values;
    let base = outcome.positives() as f64 / outcome.known().max(1) as f64;
    let k = folds.len().max(1) as f64;
    let all: Vec<usize> = folds.iter().flatten().copied().collect();
    let trains: Vec<Vec<usize>> = (0..folds.len())
        .map(|f| super::tune::train_rows(folds, f))
        .collect();
    let auc_now = folds.iter().map(|t| auc_on(score, y, t)).sum::<f64>() / k;
    let mut columns = Vec::new();
    let mut skipped = Vec::new();
    for (ci, name) in table.headers.iter().enumerate() {
        if name == &outcome.column
            || used
                .iter()
                .any(|u| u.trim().eq_ignore_ascii_case(name.trim()))
        {
            continue;
        }
        let (read, missing) = read(table, ci);
        if let Read::Category { codes, labels } = &read {
            let filled = codes.iter().filter(|c| c.is_some()).count();
            if labels.len() <= 1 {
                skipped.push(Skipped {
                    column: name.clone(),
                    why: "one value only".into(),
                });
                continue;
            }
            if filled > 100 && labels.len() * 10 >= filled * 9 {
                skipped.push(Skipped {
                    column: name.clone(),
                    why: "an identifier: nearly every value differs".into(),
                });
                continue;
            }
        }
        let (mut alone, mut added) = (0.0, 0.0);
        for (f, test) in folds.iter().enumerate() {
            let fitted = fit(&read, &trains[f], y, base);
            alone += auc_on(&fitted.att, y, test);
            let w = best_weight(score, &fitted.att, y, &trains[f]);
            added += auc_on(&mixed(score, &fitted.att, w), y, test);
        }
        let (alone, added) = (alone / k, added / k);
        let fitted = fit(&read, &all, y, base);
        let weight = best_weight(score, &fitted.att, y, &all);
        let leak = leak(&fitted, alone, table.rows());
        columns.push(Suggestion {
            column: name.clone(),
            field: snake(name),
            kind: match read {
                Read::Category { .. } => "category",
                Read::Number(_) => "number",
            },
            missing,
            rule: fitted.proposal,
            weight: weight * 100.0,
            auc: alone,
            gain: added - auc_now,
            leak,
        });
    }
    columns.sort_by(|a, b| {
        a.leak
            .is_some()
            .cmp(&b.leak.is_some())
            .then(b.gain.total_cmp(&a.gain))
            .then(b.auc.total_cmp(&a.auc))
    });
    Suggestions {
        journey: journey.to_string(),
        auc_now,
        columns,
        skipped,
    }
}

/// The journey new signals are measured on and added to: the one asked for, else the tier
/// journey, else the first that has an ending, else the first.
pub fn journey_to_grow(model: &Model, asked: Option<&str>) -> Option<usize> {
    match asked {
        Some(id) => model.journeys.iter().position(|j| j.id == id),
        None => model
            .tiers
            .as_ref()
            .and_then(|t| model.journeys.iter().position(|j| j.id == t.journey))
            .or_else(|| {
                model
                    .journeys
                    .iter()
                    .position(|j| j.ending != Ending::Dimension)
            })
            .or(if model.journeys.is_empty() {
                None
            } else {
                Some(0)
            }),
    }
}

/// The suggestions for journey `ji` of `model`: the columns no signal reads (nor the id
/// column), measured with `tune`'s 5 stratified folds (seed 1). What `scorewright suggest`
/// prints and the designer's "Suggested signals" panel shows.
pub fn for_model(model: &Model, table: &Table, outcome: &Outcome, ji: usize) -> Suggestions {
    let mut used: Vec<String> = model
        .signals()
        .iter()
        .filter_map(|s| model.fields.iter().find(|f| f.id == s.field))
        .map(|f| f.column().to_string())
        .collect();
    used.extend(model.id_column.clone());
    let scored = super::score_table(model, table);
    let folds = super::tune::folds(&outcome.values, 5, 1);
    let journey = model.journeys.get(ji).map_or("", |j| j.id.as_str());
    let none = Vec::new();
    let score = scored.scores.get(ji).unwrap_or(&none);
    suggest(table, outcome, score, journey, &used, &folds)
}

impl Proposal {
    /// The proposal as a rule of the model.
    pub fn rule(&self) -> Rule {
        match self {
            Proposal::Match { values, default } => Rule::Match(MatchRule {
                values: values.clone(),
                default: *default,
                missing: None,
            }),
            Proposal::Bands(b) => Rule::Bands(
                b.iter()
                    .map(|&(at_least, value)| Band { at_least, value })
                    .collect(),
            ),
        }
    }
}

impl Suggestion {
    /// The proposed field, with an id none of `taken` has, labelled with its column.
    pub fn new_field(&self, taken: &[&str]) -> Field {
        let id = unique_id(&self.field, taken);
        let kind = match self.kind {
            "number" => FieldKind::Number,
            _ => FieldKind::Category,
        };
        let mut f = Field::new(&id, kind);
        f.label = Some(self.column.clone());
        f.column = (self.column != id).then(|| self.column.clone());
        f.missing = self.missing.clone();
        f
    }

    /// The proposed touchpoint (id none of `taken` has) with one signal on `field`, at the
    /// suggested weight (at least 5%, so that it shows).
    pub fn new_touchpoint(&self, field: &str, taken: &[&str]) -> Touchpoint {
        let percent = self.weight.max(5.0);
        let weight = Weight::from_percent(percent).unwrap_or(Weight(500));
        let mut t = Touchpoint::new(&unique_id(field, taken), weight);
        t.name = self.column.clone();
        t.kind = TouchpointKind::HandRaiser;
        t.signals.push(Signal {
            field: field.to_string(),
            weight: Weight::HUNDRED,
            rule: self.rule.rule(),
            decay: None,
            missing: None,
            note: None,
        });
        t
    }
}

fn best_weight(score: &[f64], att: &[f64], y: &[Option<bool>], rows: &[usize]) -> f64 {
    let mut best = (auc_on(score, y, rows), 0.0);
    for w in WEIGHTS {
        let a = auc_on(&mixed(score, att, w), y, rows);
        if a > best.0 + 1e-9 {
            best = (a, w);
        }
    }
    best.1
}

fn leak(f: &Fitted, auc: f64, rows: usize) -> Option<String> {
    if auc >= 0.9 {
        return Some(format!(
            "alone it separates the outcome almost perfectly (held-out AUC {auc:.3}): is it filled in after the outcome?"
        ));
    }
    let label = |i: usize| match &f.proposal {
        Proposal::Match { values, .. } => values
            .get(i)
            .map_or("(the other values)".to_string(), |v| format!("'{}'", v.0)),
        Proposal::Bands(b) => b.get(i).map_or(String::new(), |b| {
            format!("from {}", crate::model::check::fmt_limit(b.0))
        }),
    };
    let decisive = f
        .bins
        .iter()
        .enumerate()
        .filter(|(_, (n, r))| *n * 20 >= rows && (*r <= 0.03 || *r >= 0.95))
        .max_by_key(|(_, (n, _))| *n);
    match decisive {
        Some((i, (n, r))) if auc >= 0.75 => Some(format!(
            "{} decides the outcome for {n} contacts ({:.0}% yes), with a held-out AUC of {auc:.3}: is it filled in after the outcome?",
            label(i),
            r * 100.0
        )),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn shrunk_rates_by_hand() {
        // Two bins: 10 of 12 and 40 of 100, base 0.4: (10 + 8) / 32 = 0.5625 and
        // (40 + 8) / 120 = 0.4; spread over 0..1: 1 and 0.
        let mut bin_of = vec![Some(0); 12];
        bin_of.extend(vec![Some(1); 100]);
        let y: Vec<Option<bool>> = (0..12)
            .map(|i| Some(i < 10))
            .chain((0..100).map(|i| Some(i < 40)))
            .collect();
        let rows: Vec<usize> = (0..112).collect();
        let (att, raw) = fit_bins(&bin_of, 2, &rows, &y, 0.4);
        assert_eq!(att, vec![1.0, 0.0]);
        assert_eq!(raw[0].0, 12);
        assert!((raw[0].1 - 10.0 / 12.0).abs() < 1e-12);
        assert_eq!(
            snake("Total Time Spent on Website"),
            "total_time_spent_on_website"
        );
    }
}
