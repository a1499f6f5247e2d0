//! The rolling back-test (issue 20): a model back-tested as of a date every N days, and the
//! timeliness of its routings.
//!
//! Each date is measured exactly as `backtest --as-of DATE` measures it (the caller reads the
//! log as of that date: only events before it, the outcome within the window after it), so no
//! row can see its future. Across the dates, each contact's first date in each tier (or a
//! hotter one) is its routing date for that tier, the "MQL date" of lead scoring; set against
//! the contact's conversion (its first outcome event on or after the first date it was
//! scored), it says how early the model hands contacts over: the share of those who converted
//! that a tier held before they did, and by how many days (the median). Routings are seen only
//! at the rolling dates: with `--every 30d` a routing is dated up to 29 days late, never early.

use super::Format;
use super::backtest::{Backtest, Group, pct, times};
use crate::contacts::Table;
use crate::engine::Scored;
use crate::engine::condition::NONE;
use crate::model::{Date, Model};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write;

/// One date of the rolling back-test.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RollingRow {
    pub as_of: Date,
    /// Contacts scored at the date, with a known outcome, and how many had the outcome.
    pub contacts: usize,
    pub known: usize,
    pub converted: usize,
    pub base_rate: Option<f64>,
    /// The AUC of the measured journey.
    pub auc: Option<f64>,
    /// The hottest tier: its contacts, how many converted, the rate and the lift.
    pub hot: Option<Group>,
    /// Why the date has no measures (nobody, or everybody, converted after it).
    pub note: Option<String>,
}

/// How early one tier held the contacts who converted.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Routing {
    pub tier: String,
    pub at_least: f64,
    /// Contacts who converted, the same for every tier.
    pub converters: usize,
    /// Of them: in this tier or a hotter one at a date on or before their conversion day.
    pub routed_before: usize,
    pub share_before: Option<f64>,
    /// The median of (conversion day - routing date) over those routed before.
    pub median_days_ahead: Option<f64>,
    /// In the tier only at a date after they converted, and never in it.
    pub routed_after: usize,
    pub never: usize,
}

/// A whole rolling back-test.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Rolling {
    pub model: String,
    pub source: String,
    pub outcome: String,
    pub outcome_says: String,
    /// The journey whose AUC each row gives, and the hottest tier's name.
    pub journey: Option<String>,
    pub hot_tier: Option<String>,
    pub every_days: u32,
    pub window_days: u32,
    pub rows: Vec<RollingRow>,
    /// Contacts scored at one date at least, and those who converted: a `conversion_event`
    /// on or after the first date they were scored and before `conversions_until` (the last
    /// date plus the window).
    pub contacts: usize,
    pub converters: usize,
    pub conversion_event: String,
    pub conversions_until: Option<Date>,
    pub routings: Vec<Routing>,
}

/// The dates from `from` to `to` (both included when `to` falls on one), `every` days apart.
pub fn dates(from: Date, to: Date, every: u32) -> Vec<Date> {
    let step = every.max(1) as i32;
    (0..)
        .map(|k| Date(from.0 + k * step))
        .take_while(|d| *d <= to)
        .collect()
}

/// A contact's dates across the rolling back-test.
#[derive(Clone, Debug)]
struct Seen {
    first_scored: Date,
    /// Per tier level: the first date it was in that level or a hotter one.
    routed: Vec<Option<Date>>,
}

/// Follows contacts across the dates, one date at a time, oldest first.
#[derive(Debug, Default)]
pub struct Tracker {
    seen: HashMap<String, Seen>,
    levels: usize,
}

impl Tracker {
    pub fn new(model: &Model) -> Tracker {
        Tracker {
            seen: HashMap::new(),
            levels: model.tiers.as_ref().map_or(0, |t| t.levels.len()),
        }
    }

    /// Notes each contact's tier at `as_of`. Contacts are matched by their trimmed id; a row
    /// without one is not followed.
    pub fn add(&mut self, as_of: Date, table: &Table, id_column: &str, scored: &Scored) {
        for row in 0..table.rows() {
            let id = crate::engine::output::id_cell(table, row, id_column);
            let id = id.trim();
            if id.is_empty() {
                continue;
            }
            let levels = self.levels;
            // Looked up before inserting: most contacts were seen at an earlier date, and their
            // id need not be copied again.
            if !self.seen.contains_key(id) {
                let first = Seen {
                    first_scored: as_of,
                    routed: vec![None; levels],
                };
                self.seen.insert(id.to_string(), first);
            }
            let Some(seen) = self.seen.get_mut(id) else {
                continue;
            };
            let tier = scored.tiers.get(row).copied().unwrap_or(NONE);
            if tier == NONE {
                continue;
            }
            for level in usize::from(tier)..levels {
                seen.routed[level].get_or_insert(as_of);
            }
        }
    }

    /// The date each contact was first scored: the day from which its conversion is looked
    /// for.
    pub fn first_scored(&self, id: &str) -> Option<Date> {
        self.seen.get(id).map(|s| s.first_scored)
    }

    pub fn contacts(&self) -> usize {
        self.seen.len()
    }

    /// Per tier level (but one that everybody reaches, `at_least` 0 or less), how early it
    /// held the contacts who converted, given each converter's conversion day.
    pub fn routings(&self, model: &Model, converted: &HashMap<String, Date>) -> Vec<Routing> {
        let Some(tiers) = &model.tiers else {
            return Vec::new();
        };
        let converters: Vec<(&Seen, Date)> = self
            .seen
            .iter()
            .filter_map(|(id, s)| Some((s, *converted.get(id)?)))
            .collect();
        tiers
            .levels
            .iter()
            .enumerate()
            .filter(|(_, l)| l.at_least > 0.0)
            .map(|(k, level)| {
                let mut ahead = Vec::new();
                let (mut after, mut never) = (0, 0);
                for (s, day) in &converters {
                    match s.routed.get(k).copied().flatten() {
                        Some(r) if r <= *day => ahead.push(day.0 - r.0),
                        Some(_) => after += 1,
                        None => never += 1,
                    }
                }
                let n = converters.len();
                Routing {
                    tier: level.name.clone(),
                    at_least: level.at_least,
                    converters: n,
                    routed_before: ahead.len(),
                    share_before: (n > 0).then(|| ahead.len() as f64 / n as f64),
                    median_days_ahead: median(&mut ahead),
                    routed_after: after,
                    never,
                }
            })
            .collect()
    }
}

/// The median of whole days: the middle one, or the mean of the two middle ones.
fn median(v: &mut [i32]) -> Option<f64> {
    v.sort_unstable();
    let n = v.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(f64::from(v[n / 2])),
        _ => Some((f64::from(v[n / 2 - 1]) + f64::from(v[n / 2])) / 2.0),
    }
}

/// One row from the back-test at its date: the journey's AUC and the hottest tier.
pub fn row(as_of: Date, b: &Backtest, journey: Option<&str>) -> RollingRow {
    let j = match journey {
        Some(id) => b.journeys.iter().find(|j| j.id == id),
        None => b.journeys.first(),
    };
    RollingRow {
        as_of,
        contacts: b.contacts,
        known: b.known,
        converted: b.converted,
        base_rate: (b.known > 0).then_some(b.base_rate),
        auc: j.and_then(|j| j.auc),
        hot: b.tiers.first().filter(|t| t.label != "(none)").cloned(),
        note: None,
    }
}

pub fn render(r: &Rolling, format: Format) -> String {
    match format {
        Format::Text => text(r),
        Format::Json => serde_json::to_string_pretty(r).unwrap_or_default() + "\n",
        Format::Csv => csv(r),
    }
}

fn text(r: &Rolling) -> String {
    let did = r.outcome_says.as_str();
    let mut o = String::new();
    let span = match (r.rows.first(), r.rows.last()) {
        (Some(a), Some(b)) => format!("from {} to {}", a.as_of, b.as_of),
        _ => String::new(),
    };
    let _ = writeln!(
        o,
        "Rolling back-test of {}, every {}d {span}, against '{}'\n\
         Each row is `backtest --as-of` its date: only events before it are read.",
        r.model, r.every_days, r.outcome
    );
    let hot = r.hot_tier.as_deref().unwrap_or("-");
    let _ = writeln!(
        o,
        "AUC of journey {}; the hot tier is '{hot}'.\n",
        r.journey.as_deref().unwrap_or("-")
    );
    let w = did.chars().count().max(9);
    let _ = writeln!(
        o,
        "  {:<10} {:>8} {:>w$} {:>9} {:>7}  {:>8} {:>w$} {:>8} {:>6}",
        "as of", "contacts", did, "base rate", "AUC", hot, did, "hot rate", "lift"
    );
    for row in &r.rows {
        let auc = row.auc.map_or("-".into(), |a| format!("{a:.4}"));
        let (hc, hk, hr, hl) = match &row.hot {
            Some(g) => (
                g.contacts.to_string(),
                g.converted.to_string(),
                pct(g.rate),
                times(g.lift),
            ),
            None => ("-".into(), "-".into(), "-".into(), "-".into()),
        };
        let _ = write!(
            o,
            "  {:<10} {:>8} {:>w$} {:>9} {:>7}  {:>8} {:>w$} {:>8} {:>6}",
            row.as_of.to_string(),
            row.contacts,
            row.converted,
            pct(row.base_rate),
            auc,
            hc,
            hk,
            hr,
            hl
        );
        if let Some(n) = &row.note {
            let _ = write!(o, "  ({n})");
        }
        o.push('\n');
    }
    if r.routings.is_empty() {
        return o;
    }
    let until = r
        .conversions_until
        .map_or(String::new(), |d| format!(" and before {d}"));
    let _ = writeln!(
        o,
        "\nTimeliness of routings: {} of {} contacts {did}: a '{}' on or after the first date \
         each was scored{until}.\n\
         A contact is routed to a tier at the first date it scores in that tier or a hotter one \
         (its MQL date);\n\
         \"before\" is on or before the day it {did} (a date's score reads only earlier events). \
         Routings are\n\
         seen at the dates above only: up to {} days late.\n",
        r.converters,
        r.contacts,
        r.conversion_event,
        r.every_days.saturating_sub(1)
    );
    let _ = writeln!(
        o,
        "  {:<10} {:>8} {:>14} {:>7} {:>17} {:>13} {:>12}",
        "tier",
        "at least",
        "routed before",
        "share",
        "median days ahead",
        "routed after",
        "never routed"
    );
    for t in &r.routings {
        let _ = writeln!(
            o,
            "  {:<10} {:>8} {:>14} {:>7} {:>17} {:>13} {:>12}",
            t.tier,
            super::backtest::num(t.at_least),
            t.routed_before,
            pct(t.share_before),
            t.median_days_ahead.map_or("-".into(), super::backtest::num),
            t.routed_after,
            t.never
        );
    }
    o
}

/// The rows as CSV, one per date, for a chart.
fn csv(r: &Rolling) -> String {
    let mut o = String::from(
        "as_of,contacts,known,converted,base_rate,auc,hot_contacts,hot_converted,hot_rate,hot_lift\n",
    );
    let f = |v: Option<f64>| v.map_or(String::new(), |v| format!("{v:.6}"));
    for row in &r.rows {
        let hot = row.hot.as_ref();
        let _ = writeln!(
            o,
            "{},{},{},{},{},{},{},{},{},{}",
            row.as_of,
            row.contacts,
            row.known,
            row.converted,
            f(row.base_rate),
            f(row.auc),
            hot.map_or(String::new(), |g| g.contacts.to_string()),
            hot.map_or(String::new(), |g| g.converted.to_string()),
            f(hot.and_then(|g| g.rate)),
            f(hot.and_then(|g| g.lift)),
        );
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_step_from_the_first_and_stop_at_the_last() {
        let d = |s: &str| Date::parse(s).unwrap();
        assert_eq!(
            dates(d("2026-01-01"), d("2026-03-02"), 30),
            vec![d("2026-01-01"), d("2026-01-31"), d("2026-03-02")]
        );
        assert_eq!(
            dates(d("2026-01-01"), d("2026-03-01"), 30),
            vec![d("2026-01-01"), d("2026-01-31")]
        );
        assert!(dates(d("2026-01-02"), d("2026-01-01"), 30).is_empty());
    }

    #[test]
    fn the_median_of_days_is_the_middle_or_the_mean_of_the_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [30, 0, 10]), Some(10.0));
        assert_eq!(median(&mut [40, 0, 10, 30]), Some(20.0));
    }
}
