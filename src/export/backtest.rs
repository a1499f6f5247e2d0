//! Back-test: how a model's scores would have sorted contacts whose outcome is known (converted,
//! churned, expanded), so that a team can judge the model and set its handover threshold
//! against history before switching it on.
//!
//! Per journey: AUC (Mann-Whitney), conversion rate and lift per decile, the share of all
//! conversions that the top 10/20/30% hold, and a threshold table (for each candidate threshold:
//! how many contacts would be handed over, and how many of those converted). Per tier, grade and
//! matrix cell: conversion rate and lift. Rates count only contacts whose outcome is known;
//! "lift" is a group's rate over the rate of all contacts with a known outcome. Ranking breaks
//! ties between equal scores by file order, so deciles and top shares are repeatable.

use super::Format;
use crate::contacts::Table;
use crate::engine::insight::{self, Outcome};
use crate::engine::{Scored, metrics, score_table};
use crate::model::{Capacity, Model, Period};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write;

pub mod accounts;

/// Why a back-test cannot run.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum BacktestError {
    #[error("{source_name} has no outcome column '{column}'{hint}")]
    NoColumn {
        source_name: String,
        column: String,
        hint: String,
    },
    #[error("{source_name}: {message}; an outcome column holds 0/1, yes/no or true/false")]
    NotBinary {
        source_name: String,
        message: String,
    },
    #[error(
        "{source_name}: outcome column '{column}' has {positives} yes and {negatives} no: a back-test needs both"
    )]
    OneClass {
        source_name: String,
        column: String,
        positives: usize,
        negatives: usize,
    },
    /// The account level cannot be scored (`engine::accounts::TooManyAccounts`).
    #[error("{0}")]
    Accounts(String),
}

/// How much sales can take: `capacity` contacts per period, over the periods the contacts span.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapacityAsk {
    pub capacity: usize,
    /// `day`, `week`, `month`, or `file` (the whole file is one period).
    pub per: String,
    /// How many periods the contacts span (a fraction for a part period).
    pub periods: f64,
    /// The first and last date read, when the periods come from a date column.
    pub first: Option<String>,
    pub last: Option<String>,
    /// Rows whose date column was blank or unreadable: still scored and counted, but they do
    /// not stretch the span.
    pub undated: usize,
}

/// Why the periods of a capacity cannot be counted.
#[derive(Clone, Debug, thiserror::Error, PartialEq)]
pub enum PeriodError {
    #[error("{source_name} has no date column '{column}'{hint}")]
    NoColumn {
        source_name: String,
        column: String,
        hint: String,
    },
    #[error(
        "{source_name}: date column '{column}' holds no readable date (e.g. '{example}'); write dates as 2026-11-01"
    )]
    NoDates {
        source_name: String,
        column: String,
        example: String,
    },
    #[error("unknown period '{0}': use day, week or month")]
    Period(String),
}

impl CapacityAsk {
    /// The whole file as one period.
    pub fn per_file(capacity: usize) -> CapacityAsk {
        CapacityAsk {
            capacity,
            per: "file".into(),
            periods: 1.0,
            first: None,
            last: None,
            undated: 0,
        }
    }

    /// The ask a tier's `capacity:` makes of these contacts (per file when it names no date,
    /// which `check` reports), its date column's span read from `spans`.
    pub fn of_tier(
        table: &Table,
        spans: &mut DateSpans,
        cap: &Capacity,
    ) -> Result<CapacityAsk, PeriodError> {
        match (cap.per, &cap.date) {
            (Period::Day | Period::Week | Period::Month, Some(d)) => {
                let days = period_days(cap.per.name())?;
                let span = spans.get(table, d)?;
                Ok(CapacityAsk::of_span(
                    &span,
                    cap.per.name(),
                    days,
                    cap.contacts,
                ))
            }
            (Period::File, _) | (_, None) => Ok(CapacityAsk::per_file(cap.contacts)),
        }
    }

    /// Periods of `per` (day, week or month) spanned by the dates in `column`, first to last
    /// inclusive: contacts from 2026-01-05 to 2026-01-18 span 14 days, two weeks.
    pub fn from_dates(
        table: &Table,
        column: &str,
        per: &str,
        capacity: usize,
    ) -> Result<CapacityAsk, PeriodError> {
        let days = period_days(per)?;
        let span = DateSpan::of(table, column)?;
        Ok(CapacityAsk::of_span(&span, per, days, capacity))
    }

    fn of_span(span: &DateSpan, per: &str, days: f64, capacity: usize) -> CapacityAsk {
        CapacityAsk {
            capacity,
            per: per.into(),
            periods: f64::from(span.last - span.first + 1) / days,
            first: Some(crate::model::Date(span.first).to_string()),
            last: Some(crate::model::Date(span.last).to_string()),
            undated: span.undated,
        }
    }
}

/// The days of a period by its name.
fn period_days(per: &str) -> Result<f64, PeriodError> {
    match per {
        "day" => Ok(1.0),
        "week" => Ok(7.0),
        // The mean Gregorian month.
        "month" => Ok(365.2425 / 12.0),
        other => Err(PeriodError::Period(other.into())),
    }
}

/// The first and last date of a column (day numbers) and how many rows had none.
#[derive(Clone, Debug, PartialEq)]
pub struct DateSpan {
    pub first: i32,
    pub last: i32,
    pub undated: usize,
}

impl DateSpan {
    /// Reads every cell of `column` as a date.
    pub fn of(table: &Table, column: &str) -> Result<DateSpan, PeriodError> {
        let Some(col) = table.column(column) else {
            let known: Vec<&str> = table.headers.iter().map(String::as_str).collect();
            let hint = crate::model::yaml::nearest(column, &known)
                .map(|n| format!(" (did you mean '{n}'?)"))
                .unwrap_or_default();
            return Err(PeriodError::NoColumn {
                source_name: table.source.clone(),
                column: column.into(),
                hint,
            });
        };
        let (mut lo, mut hi, mut undated) = (i32::MAX, i32::MIN, 0);
        let mut example = String::new();
        for v in col.iter() {
            match crate::model::Date::parse(v.trim()) {
                Some(d) => {
                    lo = lo.min(d.0);
                    hi = hi.max(d.0);
                }
                None => {
                    undated += 1;
                    if example.is_empty() && !v.trim().is_empty() {
                        example = v.trim().to_string();
                    }
                }
            }
        }
        if lo > hi {
            return Err(PeriodError::NoDates {
                source_name: table.source.clone(),
                column: column.into(),
                example,
            });
        }
        Ok(DateSpan {
            first: lo,
            last: hi,
            undated,
        })
    }
}

/// The date spans of one contacts table's columns, each read once: kept beside the table's
/// other per-load columns (the preview's scorer), because the preview proposes each tier's
/// capacity threshold on every edit and a date column does not change between edits (it
/// parsed every date of the column each time).
#[derive(Debug, Default)]
pub struct DateSpans {
    spans: HashMap<String, Result<DateSpan, PeriodError>>,
    reads: usize,
}

impl DateSpans {
    /// The span of `column` of `table`, read the first time it is asked for. Every call
    /// must pass the same table (a new table needs a new `DateSpans`).
    pub fn get(&mut self, table: &Table, column: &str) -> Result<DateSpan, PeriodError> {
        if let Some(known) = self.spans.get(column) {
            return known.clone();
        }
        self.reads += 1;
        let span = DateSpan::of(table, column);
        self.spans.insert(column.to_string(), span.clone());
        span
    }

    /// How many columns have been read (not answered from what was read before).
    pub fn reads(&self) -> usize {
        self.reads
    }
}

/// The threshold that hands sales about as many contacts as it can take, and what it captures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CapacityProposal {
    #[serde(flatten)]
    pub ask: CapacityAsk,
    /// `capacity x periods`, rounded down.
    pub budget: usize,
    /// The lowest score (on a grid of 0.1) whose hand-over stays within the budget.
    pub at_least: f64,
    pub handed_over: usize,
    pub per_period: f64,
    pub known: usize,
    pub converted: usize,
    pub rate: Option<f64>,
    pub share_of_conversions: f64,
}

/// Contacts in one group with their conversions.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Group {
    pub label: String,
    /// All contacts in the group.
    pub contacts: usize,
    /// Those with a known outcome, and how many of them converted.
    pub known: usize,
    pub converted: usize,
    /// `converted / known`; `None` when no outcome is known.
    pub rate: Option<f64>,
    /// `rate / base rate`.
    pub lift: Option<f64>,
}

/// A decile of contacts by score, highest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Decile {
    /// 1 is the top 10%.
    pub decile: usize,
    pub min_score: f64,
    pub max_score: f64,
    #[serde(flatten)]
    pub group: Group,
}

/// What the top share of contacts by score holds.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Capture {
    pub top_percent: usize,
    pub contacts: usize,
    pub converted: usize,
    /// The share of all conversions they hold.
    pub share: f64,
}

/// Contacts at or above one candidate threshold.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Threshold {
    pub at_least: f64,
    /// Contacts that would be handed over.
    pub handed_over: usize,
    pub known: usize,
    pub converted: usize,
    pub rate: Option<f64>,
    /// The share of all conversions they hold.
    pub share_of_conversions: f64,
}

/// What a score means: the contacts whose score falls in one band of ten points, with the
/// observed rate and its 95% Wilson interval.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CalibrationBand {
    /// The band holds scores from `from` up to, not including, `to` (the top band includes 100).
    pub from: f64,
    pub to: f64,
    #[serde(flatten)]
    pub group: Group,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct JourneyBacktest {
    pub id: String,
    pub name: String,
    pub auc: Option<f64>,
    pub deciles: Vec<Decile>,
    pub captured: Vec<Capture>,
    pub thresholds: Vec<Threshold>,
    /// Score bands of ten points, highest first; empty bands left out.
    pub calibration: Vec<CalibrationBand>,
    /// With a capacity: the threshold that fits it.
    pub capacity: Option<CapacityProposal>,
    /// The Brier score when each contact's chance is read off the calibration table (its
    /// band's observed rate), and when everyone is given the base rate: the table is worth
    /// what it takes off the second.
    pub brier: Option<f64>,
    pub brier_base: Option<f64>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GradeBacktest {
    pub id: String,
    pub journey: String,
    /// Per band, highest first, then "(none)" when some contacts reach no band.
    pub bands: Vec<Group>,
}

/// A whole back-test.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Backtest {
    pub model: String,
    pub source: String,
    pub outcome: String,
    /// What a contact whose outcome is "yes" did, in the model's words: "converted", "left",
    /// "expanded", or the model's `outcome.says`. The JSON keys stay `converted` and the like.
    pub outcome_says: String,
    /// The journey ending those words come from (`conversion`, `attrition`, `expansion`),
    /// when they come from one.
    pub ending: Option<&'static str>,
    pub contacts: usize,
    /// Contacts with a known outcome, and how many converted.
    pub known: usize,
    pub converted: usize,
    pub base_rate: f64,
    pub journeys: Vec<JourneyBacktest>,
    /// Per tier, hottest first, then "(none)" when some contacts reach no tier.
    pub tiers: Vec<Group>,
    pub tier_journey: Option<String>,
    pub grades: Vec<GradeBacktest>,
    /// Per matrix cell, rows first.
    pub matrix: Vec<Group>,
    /// For a model with accounts: the account model's back-test on the accounts' outcome.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<Box<accounts::AccountBacktest>>,
}

/// Scores the contacts and measures the scores against the outcome column.
pub fn backtest(
    model: &Model,
    table: &Table,
    outcome_column: &str,
) -> Result<Backtest, BacktestError> {
    backtest_scored(model, table, outcome_column).map(|(b, _)| b)
}

/// `backtest`, with the scores it measured (the rolling back-test reads each contact's tier).
pub fn backtest_scored(
    model: &Model,
    table: &Table,
    outcome_column: &str,
) -> Result<(Backtest, Scored), BacktestError> {
    let source_name = table.source.clone();
    let outcome = read_outcome(table, outcome_column)?;
    let positives = outcome.positives();
    let negatives = outcome.known() - positives;
    if positives == 0 || negatives == 0 {
        return Err(BacktestError::OneClass {
            source_name,
            column: outcome_column.into(),
            positives,
            negatives,
        });
    }
    let scored = score_table(model, table);
    let b = measure(model, &scored, &outcome, &source_name);
    Ok((b, scored))
}

/// An outcome column of `table`, read as yes/no: an error names the nearest column when it is
/// not there, and the cells that are not yes/no when too many are not.
pub fn read_outcome(table: &Table, column: &str) -> Result<Outcome, BacktestError> {
    let source_name = table.source.clone();
    let Some(outcome) = insight::outcome(table, column) else {
        let known: Vec<&str> = table.headers.iter().map(String::as_str).collect();
        let hint = crate::model::yaml::nearest(column, &known)
            .map(|n| format!(" (did you mean '{n}'?)"))
            .unwrap_or_default();
        return Err(BacktestError::NoColumn {
            source_name,
            column: column.into(),
            hint,
        });
    };
    match outcome.problem() {
        Some(message) => Err(BacktestError::NotBinary {
            source_name,
            message,
        }),
        None => Ok(outcome),
    }
}

/// A back-test with, for each journey, the threshold that fits sales' capacity.
pub fn backtest_with_capacity(
    model: &Model,
    table: &Table,
    outcome_column: &str,
    ask: &CapacityAsk,
) -> Result<Backtest, BacktestError> {
    let mut b = backtest(model, table, outcome_column)?;
    let scored = score_table(model, table);
    let values = insight::outcome(table, outcome_column)
        .map(|o| o.values)
        .unwrap_or_default();
    for (j, scores) in b.journeys.iter_mut().zip(&scored.scores) {
        j.capacity = Some(propose(scores, &values, ask, b.converted));
    }
    Ok(b)
}

/// For each tier with a `capacity:` (by its index in the levels), the threshold on the tiers'
/// journey that fits it, or why its periods cannot be counted. `values` may be empty (no
/// outcome known): the conversions are then 0 of 0.
pub fn tier_capacities(
    model: &Model,
    scored: &Scored,
    table: &Table,
    spans: &mut DateSpans,
    values: &[Option<bool>],
) -> Vec<(usize, Result<CapacityProposal, String>)> {
    // The preview asks on every edit: a model without a capacity costs nothing.
    let Some(tiers) = model
        .tiers
        .as_ref()
        .filter(|t| t.levels.iter().any(|l| l.capacity.is_some()))
    else {
        return Vec::new();
    };
    let Some(scores) = model
        .journeys
        .iter()
        .position(|j| j.id == tiers.journey)
        .and_then(|j| scored.scores.get(j))
    else {
        return Vec::new();
    };
    let converted = values.iter().flatten().filter(|v| **v).count();
    tiers
        .levels
        .iter()
        .enumerate()
        .filter_map(|(i, l)| Some((i, l.capacity.as_ref()?)))
        .map(|(i, cap)| {
            let proposal = CapacityAsk::of_tier(table, spans, cap)
                .map(|ask| propose(scores, values, &ask, converted))
                .map_err(|e| e.to_string());
            (i, proposal)
        })
        .collect()
}

/// The lowest threshold on a grid of 0.1 points that hands over at most `capacity x periods`
/// contacts. Scores 90, 80, 70 with room for two: the first contact left out scores 70, so
/// the threshold is 70.1 and 90 and 80 are handed over.
pub fn propose(
    scores: &[f64],
    values: &[Option<bool>],
    ask: &CapacityAsk,
    all_converted: usize,
) -> CapacityProposal {
    let budget = (ask.capacity as f64 * ask.periods).floor() as usize;
    let mut sorted: Vec<f64> = scores.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let at_least = match sorted.get(budget) {
        // Everyone fits.
        None => 0.0,
        Some(&left_out) => ((left_out * 10.0).floor() + 1.0) / 10.0,
    };
    let (mut handed_over, mut known, mut converted) = (0, 0, 0);
    for (i, &s) in scores.iter().enumerate() {
        if s >= at_least {
            handed_over += 1;
            if let Some(Some(v)) = values.get(i) {
                known += 1;
                converted += usize::from(*v);
            }
        }
    }
    CapacityProposal {
        ask: ask.clone(),
        budget,
        at_least,
        handed_over,
        per_period: handed_over as f64 / ask.periods.max(f64::MIN_POSITIVE),
        known,
        converted,
        rate: (known > 0).then(|| converted as f64 / known as f64),
        share_of_conversions: if all_converted > 0 {
            converted as f64 / all_converted as f64
        } else {
            0.0
        },
    }
}

/// The back-test of an already scored table.
pub fn measure(model: &Model, scored: &Scored, outcome: &Outcome, source: &str) -> Backtest {
    let words = model.outcome_words();
    let values = &outcome.values;
    let known = outcome.known();
    let converted = outcome.positives();
    let base_rate = if known > 0 {
        converted as f64 / known as f64
    } else {
        0.0
    };
    let group = |label: String, rows: &mut dyn Iterator<Item = usize>| -> Group {
        count_group(values, base_rate, label, rows)
    };

    let journeys = model
        .journeys
        .iter()
        .enumerate()
        .map(|(ji, j)| {
            let scores = &scored.scores[ji];
            // Rows by score, highest first, ties in file order.
            let mut order: Vec<usize> = (0..scored.rows).collect();
            order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
            let n = order.len();
            let deciles = (0..10)
                .filter_map(|d| {
                    let part = &order[d * n / 10..(d + 1) * n / 10];
                    let (first, last) = (part.first()?, part.last()?);
                    Some(Decile {
                        decile: d + 1,
                        max_score: scores[*first],
                        min_score: scores[*last],
                        group: group(format!("{}", d + 1), &mut part.iter().copied()),
                    })
                })
                .collect();
            let captured = [10, 20, 30]
                .into_iter()
                .map(|p| {
                    let top = (n * p).div_ceil(100);
                    let hit = order[..top]
                        .iter()
                        .filter(|&&i| values.get(i) == Some(&Some(true)))
                        .count();
                    Capture {
                        top_percent: p,
                        contacts: top,
                        converted: hit,
                        share: if converted > 0 {
                            hit as f64 / converted as f64
                        } else {
                            0.0
                        },
                    }
                })
                .collect();
            let mut candidates: Vec<f64> = (0..10).map(|k| f64::from(k * 10)).collect();
            if let Some(t) = model.tiers.as_ref().filter(|t| t.journey == j.id) {
                candidates.extend(t.levels.iter().map(|l| l.at_least));
            }
            for g in model.grades.iter().filter(|g| g.journey == j.id) {
                candidates.extend(g.bands.values().copied());
            }
            candidates.retain(|c| c.is_finite());
            candidates.sort_by(|a, b| b.total_cmp(a));
            candidates.dedup();
            let thresholds = candidates
                .into_iter()
                .map(|t| {
                    let g = group(
                        String::new(),
                        &mut (0..scored.rows).filter(|&i| scores[i] >= t),
                    );
                    Threshold {
                        at_least: t,
                        handed_over: g.contacts,
                        known: g.known,
                        converted: g.converted,
                        rate: g.rate,
                        share_of_conversions: if converted > 0 {
                            g.converted as f64 / converted as f64
                        } else {
                            0.0
                        },
                    }
                })
                .collect();
            let (calibration, rate) = calibrate(scores, values);
            let brier = brier(scores, values, &rate);
            JourneyBacktest {
                id: j.id.clone(),
                name: j.title().to_string(),
                auc: metrics::auc(scores, values),
                deciles,
                captured,
                thresholds,
                calibration,
                capacity: None,
                brier,
                brier_base: metrics::brier(&vec![base_rate; values.len()], values),
            }
        })
        .collect();

    let none = crate::engine::condition::NONE;
    let tiers = match &model.tiers {
        Some(t) => {
            let mut out: Vec<Group> = t
                .levels
                .iter()
                .enumerate()
                .map(|(li, l)| {
                    group(
                        l.name.clone(),
                        &mut (0..scored.rows).filter(|&i| scored.tiers[i] as usize == li),
                    )
                })
                .collect();
            let rest = group(
                "(none)".into(),
                &mut (0..scored.rows).filter(|&i| scored.tiers[i] == none),
            );
            if rest.contacts > 0 {
                out.push(rest);
            }
            out
        }
        None => Vec::new(),
    };
    let grades = model
        .grades
        .iter()
        .enumerate()
        .map(|(gi, g)| {
            let col = &scored.grades[gi];
            let mut bands: Vec<Group> = g
                .bands
                .keys()
                .enumerate()
                .map(|(bi, label)| {
                    group(
                        label.clone(),
                        &mut (0..scored.rows).filter(|&i| col[i] as usize == bi),
                    )
                })
                .collect();
            let rest = group(
                "(none)".into(),
                &mut (0..scored.rows).filter(|&i| col[i] == none),
            );
            if rest.contacts > 0 {
                bands.push(rest);
            }
            GradeBacktest {
                id: g.id.clone(),
                journey: g.journey.clone(),
                bands,
            }
        })
        .collect();
    let matrix = insight::matrix(model, scored, Some(outcome))
        .into_iter()
        .flatten()
        .map(|c| {
            let rate = c.rate();
            Group {
                label: c.rating,
                contacts: c.count,
                known: c.known,
                converted: c.converted,
                rate,
                lift: rate.filter(|_| base_rate > 0.0).map(|r| r / base_rate),
            }
        })
        .collect();
    Backtest {
        model: model.name.clone(),
        source: source.to_string(),
        outcome: outcome.column.clone(),
        outcome_says: words.did,
        ending: words.ending.map(|e| e.name()),
        contacts: scored.rows,
        known,
        converted,
        base_rate,
        journeys,
        tiers,
        tier_journey: model.tiers.as_ref().map(|t| t.journey.clone()),
        grades,
        matrix,
        accounts: None,
    }
}

/// The contacts of `rows` with their conversions, and their lift over `base_rate`.
fn count_group(
    values: &[Option<bool>],
    base_rate: f64,
    label: String,
    rows: &mut dyn Iterator<Item = usize>,
) -> Group {
    let (mut contacts, mut known, mut converted) = (0, 0, 0);
    for i in rows {
        contacts += 1;
        if let Some(Some(v)) = values.get(i) {
            known += 1;
            converted += usize::from(*v);
        }
    }
    counted(label, contacts, known, converted, base_rate)
}

/// A group from its counts: its conversion rate and its lift over `base_rate`.
fn counted(
    label: String,
    contacts: usize,
    known: usize,
    converted: usize,
    base_rate: f64,
) -> Group {
    let rate = (known > 0).then(|| converted as f64 / known as f64);
    Group {
        label,
        contacts,
        known,
        converted,
        rate,
        lift: rate.filter(|_| base_rate > 0.0).map(|r| r / base_rate),
    }
}

/// The calibration table of one journey's scores against an outcome: what the designer's
/// preview reads "leads scoring like this converted 64% of the time" from.
pub fn calibration(scores: &[f64], values: &[Option<bool>]) -> Vec<CalibrationBand> {
    calibrate(scores, values).0
}

/// Band 9 holds 90 to 100 inclusive; a score outside 0..100 cannot happen after the clamp.
fn band_of(s: f64) -> usize {
    ((s / 10.0).floor().max(0.0) as usize).min(9)
}

/// The calibration table of one journey's scores (bands of ten points, highest first, empty
/// ones left out), counted in one pass (the designer's preview asks for it on every edit),
/// and each band's conversion rate, the chance it gives.
fn calibrate(scores: &[f64], values: &[Option<bool>]) -> (Vec<CalibrationBand>, [Option<f64>; 10]) {
    let (mut contacts, mut known, mut converted) = ([0usize; 10], [0usize; 10], [0usize; 10]);
    for (i, &s) in scores.iter().enumerate() {
        let b = band_of(s);
        contacts[b] += 1;
        if let Some(Some(v)) = values.get(i) {
            known[b] += 1;
            converted[b] += usize::from(*v);
        }
    }
    let (all_known, all_yes): (usize, usize) = (known.iter().sum(), converted.iter().sum());
    let base_rate = if all_known > 0 {
        all_yes as f64 / all_known as f64
    } else {
        0.0
    };
    let mut bands = Vec::new();
    let mut rate = [None; 10];
    for b in (0..10).rev() {
        if contacts[b] == 0 {
            continue;
        }
        let label = format!("{}-{}", b * 10, b * 10 + 10);
        let g = counted(label, contacts[b], known[b], converted[b], base_rate);
        rate[b] = g.rate;
        let ci = metrics::wilson(g.converted, g.known, 1.96);
        bands.push(CalibrationBand {
            from: b as f64 * 10.0,
            to: b as f64 * 10.0 + 10.0,
            low: ci.map(|c| c.0),
            high: ci.map(|c| c.1),
            group: g,
        });
    }
    (bands, rate)
}

/// The Brier score of the chances the calibration bands give.
fn brier(scores: &[f64], values: &[Option<bool>], rate: &[Option<f64>; 10]) -> Option<f64> {
    let predicted: Vec<f64> = scores
        .iter()
        .map(|&s| rate[band_of(s)].unwrap_or(0.0))
        .collect();
    metrics::brier(&predicted, values)
}

/// The back-test as text for a terminal, JSON for tools, or CSV (one row per measured group).
pub fn render(b: &Backtest, format: Format) -> String {
    match format {
        Format::Text => {
            let mut o = text(b, "contacts");
            if let Some(a) = &b.accounts {
                o.push('\n');
                o.push_str(&accounts::text(a));
            }
            o
        }
        Format::Json => serde_json::to_string_pretty(b).unwrap_or_default() + "\n",
        Format::Csv => csv(b),
    }
}

pub(crate) fn pct(v: Option<f64>) -> String {
    v.map(|r| format!("{:.1}%", r * 100.0))
        .unwrap_or_else(|| "-".into())
}

pub(crate) fn times(v: Option<f64>) -> String {
    v.map(|l| format!("{l:.2}x")).unwrap_or_else(|| "-".into())
}

pub(crate) fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// The back-test as text; `unit` names what was scored (`contacts`, `accounts`).
fn text(b: &Backtest, unit: &str) -> String {
    let did = b.outcome_says.as_str();
    // The column that counts the outcome is as wide as its words ("left", "left the bank").
    let w = did.chars().count().max(9);
    let of_those = format!("of all who {did}");
    let wo = of_those.chars().count().max(14);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Back-test of '{}' on {} against '{}'",
        b.model, b.source, b.outcome
    );
    let _ = writeln!(
        o,
        "{} {unit}, {} with a known outcome, {} {did}: base rate {}",
        b.contacts,
        b.known,
        b.converted,
        pct(Some(b.base_rate))
    );
    let groups = |o: &mut String, title: &str, groups: &[Group]| {
        if groups.is_empty() {
            return;
        }
        let _ = writeln!(o, "\n{title}");
        let _ = writeln!(
            o,
            "  {:<16} {:>9} {:>w$} {:>8} {:>7}",
            "", unit, did, "rate", "lift"
        );
        for g in groups {
            let _ = writeln!(
                o,
                "  {:<16} {:>9} {:>w$} {:>8} {:>7}",
                g.label,
                g.contacts,
                g.converted,
                pct(g.rate),
                times(g.lift)
            );
        }
    };
    for j in &b.journeys {
        let _ = writeln!(o, "\nJourney {} ({})", j.id, j.name);
        let _ = writeln!(
            o,
            "  AUC {}",
            j.auc
                .map(|a| format!("{a:.4}"))
                .unwrap_or_else(|| "-".into())
        );
        let caps: Vec<String> = j
            .captured
            .iter()
            .map(|c| format!("top {}%: {} {of_those}", c.top_percent, pct(Some(c.share))))
            .collect();
        let _ = writeln!(o, "  {}", caps.join("; "));
        let _ = writeln!(
            o,
            "  {:<8} {:>13} {:>9} {:>w$} {:>8} {:>7}",
            "decile", "scores", unit, did, "rate", "lift"
        );
        for d in &j.deciles {
            let _ = writeln!(
                o,
                "  {:<8} {:>13} {:>9} {:>w$} {:>8} {:>7}",
                d.decile,
                format!("{}-{}", num(d.min_score), num(d.max_score)),
                d.group.contacts,
                d.group.converted,
                pct(d.group.rate),
                times(d.group.lift)
            );
        }
        let _ = writeln!(
            o,
            "  {:<10} {:>11} {:>w$} {:>8} {:>wo$}",
            "at least", unit, did, "rate", of_those
        );
        for t in &j.thresholds {
            let _ = writeln!(
                o,
                "  {:<10} {:>11} {:>w$} {:>8} {:>wo$}",
                num(t.at_least),
                t.handed_over,
                t.converted,
                pct(t.rate),
                pct(Some(t.share_of_conversions))
            );
        }
        calibration_text(&mut o, j, did, w, unit);
        if let Some(c) = &j.capacity {
            capacity_text(&mut o, c, did);
        }
    }
    if let Some(tj) = &b.tier_journey {
        groups(&mut o, &format!("Tiers (on {tj})"), &b.tiers);
    }
    for g in &b.grades {
        groups(
            &mut o,
            &format!("Grade {} (on {})", g.id, g.journey),
            &g.bands,
        );
    }
    groups(&mut o, "Matrix", &b.matrix);
    o
}

/// What a score means: per band of ten points, the observed rate with its 95% interval, and
/// the Brier score of those rates against the base rate's.
fn calibration_text(o: &mut String, j: &JourneyBacktest, did: &str, w: usize, unit: &str) {
    let _ = writeln!(
        o,
        "  what a score means: {unit} scoring like this {did} this often (95% interval)"
    );
    let _ = writeln!(
        o,
        "  {:<10} {:>11} {:>w$} {:>8} {:>17}",
        "scores", unit, did, "rate", "interval"
    );
    for c in &j.calibration {
        let interval = match (c.low, c.high) {
            (Some(lo), Some(hi)) => format!("{} to {}", pct(Some(lo)), pct(Some(hi))),
            _ => "-".into(),
        };
        let _ = writeln!(
            o,
            "  {:<10} {:>11} {:>w$} {:>8} {:>17}",
            c.group.label,
            c.group.contacts,
            c.group.converted,
            pct(c.group.rate),
            interval
        );
    }
    if let (Some(b), Some(base)) = (j.brier, j.brier_base) {
        let _ = writeln!(
            o,
            "  Brier score {b:.4} with these rates, {base:.4} with the base rate for everyone (lower is better)"
        );
    }
}

fn capacity_text(o: &mut String, c: &CapacityProposal, did: &str) {
    let a = &c.ask;
    let span = match (&a.first, &a.last) {
        (Some(f), Some(l)) => format!(" over {} {}s ({f} to {l})", num(a.periods), a.per),
        _ => " from this file".into(),
    };
    let per = if a.per == "file" {
        String::new()
    } else {
        format!(" a {}", a.per)
    };
    let _ = writeln!(
        o,
        "  capacity: {}{per}{span}: room for {} contacts",
        a.capacity, c.budget
    );
    if a.undated > 0 {
        let _ = writeln!(
            o,
            "  ({} rows without a readable date are handed over too but do not stretch the span)",
            a.undated
        );
    }
    let _ = writeln!(
        o,
        "  proposed threshold {}: {} handed over ({}{per}), {} {did} ({}), {} of all who {did}",
        num(c.at_least),
        c.handed_over,
        num(c.per_period),
        c.converted,
        pct(c.rate),
        pct(Some(c.share_of_conversions))
    );
}

fn csv(b: &Backtest) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "section",
        "journey",
        "label",
        "min_score",
        "max_score",
        "contacts",
        "known",
        "converted",
        "rate",
        "lift",
        "share",
    ]);
    csv_rows(&mut w, b, "");
    if let Some(a) = &b.accounts {
        csv_rows(&mut w, &a.backtest, "account_");
    }
    w.into_inner()
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .unwrap_or_default()
}

/// The rows of one level's back-test, each section named with `level` before it (`auc`,
/// `account_auc`): the account level's rows follow the contacts' under the same columns.
fn csv_rows(w: &mut csv::Writer<Vec<u8>>, b: &Backtest, level: &str) {
    let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
    for j in &b.journeys {
        let _ = w.write_record([
            format!("{level}auc").as_str(),
            &j.id,
            "",
            "",
            "",
            "",
            "",
            "",
            &opt(j.auc),
            "",
            "",
        ]);
        // A group of contacts between two scores: a decile, or a calibration band.
        let mut scored_group = |section: &str, label: String, lo: f64, hi: f64, g: &Group| {
            let _ = w.write_record([
                format!("{level}{section}"),
                j.id.clone(),
                label,
                lo.to_string(),
                hi.to_string(),
                g.contacts.to_string(),
                g.known.to_string(),
                g.converted.to_string(),
                opt(g.rate),
                opt(g.lift),
                String::new(),
            ]);
        };
        for d in &j.deciles {
            scored_group(
                "decile",
                d.decile.to_string(),
                d.min_score,
                d.max_score,
                &d.group,
            );
        }
        for c in &j.calibration {
            scored_group("calibration", c.group.label.clone(), c.from, c.to, &c.group);
        }
        for c in &j.captured {
            let _ = w.write_record([
                format!("{level}top"),
                j.id.clone(),
                format!("{}%", c.top_percent),
                String::new(),
                String::new(),
                c.contacts.to_string(),
                String::new(),
                c.converted.to_string(),
                String::new(),
                String::new(),
                c.share.to_string(),
            ]);
        }
        let _ = w.write_record([
            format!("{level}brier").as_str(),
            &j.id,
            "",
            "",
            "",
            "",
            "",
            "",
            &opt(j.brier),
            "",
            "",
        ]);
        for t in &j.thresholds {
            let _ = w.write_record([
                format!("{level}threshold"),
                j.id.clone(),
                t.at_least.to_string(),
                t.at_least.to_string(),
                String::new(),
                t.handed_over.to_string(),
                t.known.to_string(),
                t.converted.to_string(),
                opt(t.rate),
                String::new(),
                t.share_of_conversions.to_string(),
            ]);
        }
    }
    let mut groups = |section: &str, journey: &str, gs: &[Group]| {
        for g in gs {
            let _ = w.write_record([
                format!("{level}{section}"),
                journey.to_string(),
                g.label.clone(),
                String::new(),
                String::new(),
                g.contacts.to_string(),
                g.known.to_string(),
                g.converted.to_string(),
                opt(g.rate),
                opt(g.lift),
                String::new(),
            ]);
        }
    };
    groups("tier", b.tier_journey.as_deref().unwrap_or(""), &b.tiers);
    for g in &b.grades {
        groups(&format!("grade:{}", g.id), &g.journey, &g.bands);
    }
    groups("matrix", "", &b.matrix);
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::Scalar;
    use indexmap::IndexMap;

    fn table(rows: &[(&str, &str, &str)]) -> Table {
        let maps: Vec<IndexMap<String, Scalar>> = rows
            .iter()
            .map(|(id, v, y)| {
                let mut m = IndexMap::new();
                m.insert("id".to_string(), Scalar::Text(id.to_string()));
                m.insert("visits".to_string(), Scalar::Text(v.to_string()));
                m.insert("won".to_string(), Scalar::Text(y.to_string()));
                m
            })
            .collect();
        Table::from_maps("t.csv", &maps)
    }

    const MODEL: &str = "name: t\nas_of: 2026-11-01\nfields:\n  - { id: visits, kind: number }\njourneys:\n  - id: j\n    touchpoints:\n      - { id: t, weight: 100, signals: [ { field: visits, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }\ntiers:\n  journey: j\n  levels:\n    - { name: hot, at_least: 60, handover: sales }\n    - { name: cold, at_least: 0 }\n";

    #[test]
    fn by_hand() {
        // Scores 100, 80, 50, 30, 0 (visits x 10); converted: yes, no, yes, no, no.
        let t = table(&[
            ("a", "10", "1"),
            ("b", "8", "0"),
            ("c", "5", "yes"),
            ("d", "3", "no"),
            ("e", "0", "0"),
        ]);
        let m = crate::model::parse_model(MODEL, "t").unwrap();
        let b = backtest(&m, &t, "won").unwrap();
        assert_eq!((b.known, b.converted), (5, 2));
        assert!((b.base_rate - 0.4).abs() < 1e-12);
        let j = &b.journeys[0];
        // Pairs (positive above negative): a beats b, d, e (3); c beats d, e (2): 5 of 6.
        assert!((j.auc.unwrap() - 5.0 / 6.0).abs() < 1e-12);
        // Top 10% of 5 rounds up to one contact (a, converted): half of the conversions.
        assert_eq!((j.captured[0].contacts, j.captured[0].converted), (1, 1));
        assert!((j.captured[0].share - 0.5).abs() < 1e-12);
        // Threshold 50: a, b, c handed over, 2 converted.
        let t50 = j.thresholds.iter().find(|t| t.at_least == 50.0).unwrap();
        assert_eq!((t50.handed_over, t50.converted), (3, 2));
        // Hot (>= 60): a and b, one converted: rate 0.5, lift 1.25.
        assert_eq!(b.tiers[0].label, "hot");
        assert_eq!((b.tiers[0].contacts, b.tiers[0].converted), (2, 1));
        assert!((b.tiers[0].lift.unwrap() - 1.25).abs() < 1e-12);
        // Deciles of 5 rows: deciles 2, 4, 6, 8, 10 hold one row each.
        let sizes: Vec<usize> = j.deciles.iter().map(|d| d.group.contacts).collect();
        assert_eq!(sizes, vec![1, 1, 1, 1, 1]);
        assert_eq!(
            j.deciles.iter().map(|d| d.decile).collect::<Vec<_>>(),
            vec![2, 4, 6, 8, 10]
        );
        // Calibration: scores 100 and 80 in bands 90-100 and 80-90, 50 in 50-60, 30 in
        // 30-40, 0 in 0-10; each band's rate is its one contact's outcome, so the Brier score
        // of those rates is 0; the base rate's is 0.4 x 0.6 = 0.24.
        let labels: Vec<&str> = j
            .calibration
            .iter()
            .map(|c| c.group.label.as_str())
            .collect();
        assert_eq!(labels, ["90-100", "80-90", "50-60", "30-40", "0-10"]);
        assert_eq!(j.brier, Some(0.0));
        assert!((j.brier_base.unwrap() - 0.24).abs() < 1e-12);
        // One yes of one: Wilson 95% from 0.2065 to 1.
        let top = &j.calibration[0];
        assert!((top.low.unwrap() - 0.2065).abs() < 1e-4 && top.high == Some(1.0));
        let text = render(&b, Format::Text);
        assert!(text.contains("base rate 40.0%"), "{text}");
        assert!(
            text.contains("  90-100               1         1   100.0%   20.7% to 100.0%"),
            "{text}"
        );
        assert!(
            text.contains("Brier score 0.0000 with these rates, 0.2400 with the base rate"),
            "{text}"
        );
        assert!(render(&b, Format::Csv).starts_with("section,journey,label"));
        assert!(render(&b, Format::Json).contains("\"auc\": 0.8333"));
    }

    #[test]
    fn capacity_threshold_by_hand() {
        // Scores 90, 80, 70 with room for two: 70 is the first left out, so 70.1.
        let y = [Some(true), Some(false), Some(true)];
        let p = propose(&[80.0, 90.0, 70.0], &y, &CapacityAsk::per_file(2), 2);
        assert_eq!(
            (p.budget, p.at_least, p.handed_over, p.converted),
            (2, 70.1, 2, 1)
        );
        assert!((p.share_of_conversions - 0.5).abs() < 1e-12);
        // Room for everyone: threshold 0.
        let p = propose(&[80.0, 90.0, 70.0], &y, &CapacityAsk::per_file(5), 2);
        assert_eq!((p.at_least, p.handed_over), (0.0, 3));
        // Ties at the cut are all left out rather than overflow: 80, 80 with room for one.
        let p = propose(&[80.0, 80.0], &y[..2], &CapacityAsk::per_file(1), 1);
        assert_eq!((p.at_least, p.handed_over), (80.1, 0));
        // Dates 2026-01-05 to 2026-01-18 span two weeks; a blank date is counted, not dropped.
        let maps: Vec<IndexMap<String, Scalar>> = ["2026-01-05", "2026-01-18", ""]
            .iter()
            .map(|d| {
                let mut m = IndexMap::new();
                m.insert("created".to_string(), Scalar::Text(d.to_string()));
                m
            })
            .collect();
        let t = Table::from_maps("t.csv", &maps);
        let a = CapacityAsk::from_dates(&t, "created", "week", 400).unwrap();
        assert_eq!((a.periods, a.undated), (2.0, 1));
        let e = CapacityAsk::from_dates(&t, "Created2", "week", 400).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv has no date column 'Created2' (did you mean 'created'?)"
        );
    }

    /// Issue 14 (leftover): the preview proposes a tier's capacity threshold on every edit;
    /// the date column is read once per table, not on each edit, and the proposals are the
    /// ones a fresh read gives.
    #[test]
    fn a_capacitys_date_column_is_read_once_per_table() {
        let maps: Vec<IndexMap<String, Scalar>> = [
            ("10", "2026-01-05"),
            ("8", "2026-01-18"),
            ("5", ""),
            ("3", "2026-01-11"),
        ]
        .iter()
        .map(|(v, d)| {
            let mut m = IndexMap::new();
            m.insert("visits".to_string(), Scalar::Text(v.to_string()));
            m.insert("created".to_string(), Scalar::Text(d.to_string()));
            m
        })
        .collect();
        let t = Table::from_maps("t.csv", &maps);
        let text = MODEL.replace(
            "handover: sales }",
            "handover: sales, capacity: { contacts: 1, per: week, date: created } }",
        );
        let mut m = crate::model::parse_model(&text, "t").unwrap();
        let mut spans = DateSpans::default();
        // Two weeks (5 to 18 January) at one a week: room for two. Scores 100, 80, 50, 30:
        // the first left out scores 50, so 50.1.
        let first = tier_capacities(&m, &score_table(&m, &t), &t, &mut spans, &[]);
        let p = first[0].1.as_ref().unwrap();
        assert_eq!((p.budget, p.at_least, p.handed_over), (2, 50.1, 2));
        assert_eq!((p.ask.periods, p.ask.undated), (2.0, 1));
        // An edit (the scale to 20: scores 50, 40, 25, 15): a new threshold, no new read.
        m.journeys[0].touchpoints[0].signals[0].rule = crate::model::Rule::Scale {
            from: 0.0,
            to: 20.0,
        };
        let second = tier_capacities(&m, &score_table(&m, &t), &t, &mut spans, &[]);
        assert_eq!(second[0].1.as_ref().unwrap().at_least, 25.1);
        assert_eq!(spans.reads(), 1);
        // A column that is not there is an error, read once and said the same each time.
        for _ in 0..2 {
            let e = spans.get(&t, "Created2").unwrap_err();
            assert_eq!(
                e.to_string(),
                "t.csv has no date column 'Created2' (did you mean 'created'?)"
            );
        }
        assert_eq!(spans.reads(), 2);
    }

    #[test]
    fn bad_outcome_columns_say_which() {
        let m = crate::model::parse_model(MODEL, "t").unwrap();
        let t = table(&[("a", "1", "maybe"), ("b", "2", "perhaps")]);
        let e = backtest(&m, &t, "won").unwrap_err();
        assert!(
            e.to_string().contains("outcome column 'won' is not yes/no"),
            "{e}"
        );
        let e = backtest(&m, &t, "Won2").unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.csv has no outcome column 'Won2' (did you mean 'won'?)"
        );
        let t = table(&[("a", "1", "1"), ("b", "2", "yes")]);
        let e = backtest(&m, &t, "won").unwrap_err();
        assert!(e.to_string().contains("has 2 yes and 0 no"), "{e}");
    }

    /// On the real Leads.csv with the x-education model, against independent computations.
    #[test]
    fn leads_against_an_independent_computation() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let model = crate::model::read_model(&dir.join("examples/x-education.yaml"))
            .unwrap()
            .model;
        let table =
            crate::contacts::read_contacts(&dir.join("../shared/data/leads/Leads.csv")).unwrap();
        let b = backtest(&model, &table, "Converted").unwrap();
        assert_eq!((b.contacts, b.known, b.converted), (9240, 9240, 3561));
        // Scores and outcomes read straight from the engine and the file.
        let scores = &score_table(&model, &table).scores[0];
        let won: Vec<bool> = (0..table.rows())
            .map(|i| table.cell(i, "Converted").trim() == "1")
            .collect();
        // Mann-Whitney by counting every (positive, negative) pair; ties count half.
        let (pos, neg): (Vec<usize>, Vec<usize>) = (0..won.len()).partition(|&i| won[i]);
        let mut wins = 0.0;
        for &p in &pos {
            for &n in &neg {
                wins += if scores[p] > scores[n] {
                    1.0
                } else if scores[p] == scores[n] {
                    0.5
                } else {
                    0.0
                };
            }
        }
        let auc = wins / (pos.len() * neg.len()) as f64;
        let got = b.journeys[0].auc.unwrap();
        assert!((got - auc).abs() < 1e-12, "AUC {got} vs {auc}");
        // Every threshold row counts what a plain filter counts.
        for t in &b.journeys[0].thresholds {
            let over: Vec<usize> = (0..won.len())
                .filter(|&i| scores[i] >= t.at_least)
                .collect();
            assert_eq!(t.handed_over, over.len());
            assert_eq!(t.converted, over.iter().filter(|&&i| won[i]).count());
        }
        // Deciles cover everyone once, and the top 30% hold what the top 30% rows hold.
        assert_eq!(
            b.journeys[0]
                .deciles
                .iter()
                .map(|d| d.group.contacts)
                .sum::<usize>(),
            9240
        );
        let mut order: Vec<usize> = (0..won.len()).collect();
        order.sort_by(|&a, &c| scores[c].total_cmp(&scores[a]).then(a.cmp(&c)));
        let top30 = order[..2772].iter().filter(|&&i| won[i]).count();
        assert_eq!(b.journeys[0].captured[2].converted, top30);
        // Tiers partition the contacts.
        assert_eq!(b.tiers.iter().map(|g| g.contacts).sum::<usize>(), 9240);
    }
}
