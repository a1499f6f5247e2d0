//! What the preview shows beside the scores: the smallest single changes that would lift a
//! contact to the next tier, the distribution of scores, the Fit x Activity matrix with counts
//! and conversion rates, and outcome columns read as yes/no.

use super::score::Scored;
use super::whatif::main_journey;
use crate::contacts::Table;
use crate::model::{Model, Touchpoint};
use serde::Serialize;

/// One change that would raise a contact's score.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Move {
    /// "demo_request at yes", "TotalVisits at 10 or more", "no 'Unsubscribed' adjustment".
    pub change: String,
    /// Where in the model: the touchpoint's name, or the adjustment's.
    pub touchpoint: String,
    pub points: f64,
    /// The tier the contact would reach with this change alone, when it changes.
    pub reaches: Option<String>,
}

/// The single changes that would raise this contact on the main journey, the smallest that
/// reaches the next tier first, then the largest of the rest. At most `limit`.
pub fn moves(model: &Model, scored: &Scored, row: usize, limit: usize) -> Vec<Move> {
    match main_journey(model) {
        Some(ji) => moves_on(model, scored, row, limit, ji),
        None => Vec::new(),
    }
}

/// The single changes that would raise this contact on journey `ji` (by index), as `moves`.
pub fn moves_on(model: &Model, scored: &Scored, row: usize, limit: usize, ji: usize) -> Vec<Move> {
    let Some(journey) = model.journeys.get(ji) else {
        return Vec::new();
    };
    let score = scored.scores[ji][row];
    let unclamped = scored.raw(ji, row)
        + journey
            .adjustments
            .iter()
            .zip(&scored.adjustments[ji])
            .filter(|(_, m)| m[row])
            .map(|(a, _)| a.points)
            .sum::<f64>();
    let mut out: Vec<Move> = Vec::new();
    // Signals below full attainment.
    let mut names = std::collections::HashMap::new();
    fn walk<'a>(
        t: &'a Touchpoint,
        path: &mut Vec<usize>,
        out: &mut std::collections::HashMap<Vec<usize>, &'a Touchpoint>,
    ) {
        out.insert(path.clone(), t);
        for (i, c) in t.touchpoints.iter().enumerate() {
            path.push(i);
            walk(c, path, out);
            path.pop();
        }
    }
    for (i, t) in journey.touchpoints.iter().enumerate() {
        walk(t, &mut vec![i], &mut names);
    }
    for s in scored.signals.iter().filter(|s| s.journey == ji) {
        let gain = 100.0 * s.share * (1.0 - s.attainment[row]);
        if gain <= 1e-9 {
            continue;
        }
        let Some(tp) = names.get(&s.touchpoints) else {
            continue;
        };
        let Some(sig) = tp.signals.get(s.signal) else {
            continue;
        };
        out.push(Move {
            change: format!("{} at {}", sig.field, sig.rule.best_value()),
            touchpoint: tp.title().to_string(),
            points: gain,
            reaches: None,
        });
    }
    // Negative adjustments that fired.
    for (a, m) in journey.adjustments.iter().zip(&scored.adjustments[ji]) {
        if m[row] && a.points < 0.0 {
            out.push(Move {
                change: format!("without '{}'", a.name),
                touchpoint: a.name.clone(),
                points: -a.points,
                reaches: None,
            });
        }
    }
    // The new score of each change, through the clamp, and the tier it reaches.
    let tiers_here = model.tiers.as_ref().filter(|t| t.journey == journey.id);
    let current = tiers_here.and_then(|t| t.levels.iter().position(|l| score >= l.at_least));
    for m in &mut out {
        let new = (unclamped + m.points).clamp(0.0, 100.0);
        m.points = new - score;
        if let Some(t) = tiers_here {
            let reached = t.levels.iter().position(|l| new >= l.at_least);
            if reached.is_some() && (current.is_none() || reached < current) {
                m.reaches = reached.map(|r| t.levels[r].name.clone());
            }
        }
    }
    out.retain(|m| m.points > 1e-9);
    // Smallest change that lifts the tier first, then the biggest gains.
    out.sort_by(|a, b| match (&a.reaches, &b.reaches) {
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), Some(_)) => a.points.total_cmp(&b.points),
        (None, None) => b.points.total_cmp(&a.points),
    });
    out.truncate(limit);
    out
}

/// Counts of scores in `bins` equal bins over 0..100 (100 falls in the last).
pub fn histogram(scores: &[f64], bins: usize) -> Vec<usize> {
    let k = bins.max(1);
    // Truncation is the floor once clamped at 0 (and NaN casts to 0, as before); `floor`
    // itself is a library call per score, a third of the time at a million.
    let bin = |s: f64| ((s / 100.0) * k as f64).clamp(0.0, (k - 1) as f64) as usize;
    // Four tables counted in turn: neighbouring scores mostly fall in the same bin, and one
    // table made every count wait for the one before it to be stored.
    let mut four = vec![0usize; 4 * k];
    let mut quads = scores.chunks_exact(4);
    for q in &mut quads {
        four[bin(q[0])] += 1;
        four[k + bin(q[1])] += 1;
        four[2 * k + bin(q[2])] += 1;
        four[3 * k + bin(q[3])] += 1;
    }
    for &s in quads.remainder() {
        four[bin(s)] += 1;
    }
    (0..k)
        .map(|b| four[b] + four[k + b] + four[2 * k + b] + four[3 * k + b])
        .collect()
}

/// A historical outcome column read as yes/no.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Outcome {
    pub column: String,
    /// Per row: the outcome, or `None` when blank or unreadable.
    pub values: Vec<Option<bool>>,
    /// Cells that were neither blank nor 0/1, yes/no, true/false, and a few examples.
    pub unreadable: usize,
    pub examples: Vec<String>,
}

impl Outcome {
    pub fn positives(&self) -> usize {
        self.values.iter().filter(|v| **v == Some(true)).count()
    }
    pub fn known(&self) -> usize {
        self.values.iter().filter(|v| v.is_some()).count()
    }
    /// Whether enough of the column reads as yes/no to use it (at most 1% unreadable).
    pub fn usable(&self) -> bool {
        self.known() > 0 && self.unreadable * 100 <= self.values.len()
    }
    /// Why the column cannot be used, for a message.
    pub fn problem(&self) -> Option<String> {
        if self.usable() {
            return None;
        }
        if self.known() == 0 && self.unreadable == 0 {
            return Some(format!("outcome column '{}' is empty", self.column));
        }
        Some(format!(
            "outcome column '{}' is not yes/no: {} values are not 0/1, yes/no or true/false (such as {})",
            self.column,
            self.unreadable,
            self.examples
                .iter()
                .map(|e| format!("'{e}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// Reads an outcome column: 0/1, yes/no, y/n, true/false. `None` when the table lacks it.
pub fn outcome(table: &Table, column: &str) -> Option<Outcome> {
    let col = table.column(column)?;
    let mut o = Outcome {
        column: column.to_string(),
        values: Vec::with_capacity(col.len()),
        ..Outcome::default()
    };
    for v in col.iter() {
        if v.trim().is_empty() {
            o.values.push(None);
            continue;
        }
        match crate::contacts::parse_bool(v) {
            Some(b) => o.values.push(Some(b)),
            None => {
                o.unreadable += 1;
                if o.examples.len() < 3 && !o.examples.iter().any(|e| e == v.trim()) {
                    o.examples.push(v.trim().to_string());
                }
                o.values.push(None);
            }
        }
    }
    Some(o)
}

/// One cell of the Fit x Activity matrix.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Cell {
    pub rating: String,
    pub count: usize,
    /// Contacts with a known outcome, and how many of them converted.
    pub known: usize,
    pub converted: usize,
    /// "green", "amber" or "".
    pub zone: String,
}

impl Cell {
    pub fn rate(&self) -> Option<f64> {
        (self.known > 0).then(|| self.converted as f64 / self.known as f64)
    }
}

/// The matrix as rows (the row grade's bands, best first) of cells (the column grade's bands).
pub fn matrix(model: &Model, scored: &Scored, outcome: Option<&Outcome>) -> Vec<Vec<Cell>> {
    let Some(m) = &model.matrix else {
        return Vec::new();
    };
    let gi = |id: &str| model.grades.iter().position(|g| g.id == id);
    let (Some(ri), Some(ci)) = (gi(&m.rows), gi(&m.columns)) else {
        return Vec::new();
    };
    let rows: Vec<&String> = model.grades[ri].bands.keys().collect();
    let cols: Vec<&String> = model.grades[ci].bands.keys().collect();
    // Columns read best last (1 to 4) when the grade lists them best first.
    let mut grid: Vec<Vec<Cell>> = rows
        .iter()
        .map(|r| {
            cols.iter()
                .map(|c| {
                    let rating = format!("{r}{c}");
                    let zone = if m.green.contains(&rating) {
                        "green"
                    } else if m.amber.contains(&rating) {
                        "amber"
                    } else {
                        ""
                    };
                    Cell {
                        rating,
                        zone: zone.into(),
                        ..Cell::default()
                    }
                })
                .collect()
        })
        .collect();
    for i in 0..scored.rows {
        let (a, b) = (scored.grades[ri][i], scored.grades[ci][i]);
        if a == super::condition::NONE || b == super::condition::NONE {
            continue;
        }
        let cell = &mut grid[a as usize][b as usize];
        cell.count += 1;
        if let Some(Some(v)) = outcome.and_then(|o| o.values.get(i)) {
            cell.known += 1;
            cell.converted += usize::from(*v);
        }
    }
    grid
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> (Model, Table, Scored) {
        let model =
            crate::model::parse_model(include_str!("../../tests/fixtures/engine.yaml"), "t")
                .unwrap();
        let mut r = crate::contacts::ContactsReader::from_reader(
            "t.csv",
            Box::new(std::io::Cursor::new(
                include_bytes!("../../tests/fixtures/engine.csv").to_vec(),
            )),
        )
        .unwrap();
        let table = r.next_chunk(100).unwrap().unwrap();
        let s = crate::engine::score_table(&model, &table);
        (model, table, s)
    }

    #[test]
    fn smallest_move_to_the_next_tier_comes_first() {
        let (m, _, s) = fixture();
        // B scores 45 (warm; hot is 80). Gains: demo 37.5 (c1 75% of t2's 50) reaches 82.5: hot.
        // email 6.25 and last_seen 6.25 do not reach it; visits and source are: visits full
        // already (25 >= 10), source missing: 20 points, 65: still warm.
        let mv = moves(&m, &s, 1, 5);
        assert_eq!(mv[0].change, "demo at yes");
        assert!((mv[0].points - 37.5).abs() < 1e-9);
        assert_eq!(mv[0].reaches.as_deref(), Some("hot"));
        assert_eq!(mv[1].change, "source at 'Google'");
        assert!((mv[1].points - 20.0).abs() < 1e-9);
        assert_eq!(mv[1].reaches, None);
        // C is held down by the competitor adjustment: dropping it adds 50.
        let mv = moves(&m, &s, 2, 10);
        let comp = mv
            .iter()
            .find(|x| x.change == "without 'Competitor'")
            .unwrap();
        assert!((comp.points - 50.0).abs() < 1e-9);
        assert_eq!(comp.reaches.as_deref(), Some("warm"));
        // D is at 100: nothing moves it.
        assert!(moves(&m, &s, 3, 5).is_empty());
    }

    proptest::proptest! {
        /// Four count tables give the counts of one, for any scores and any number of them
        /// (a remainder past the last four included), NaN and values outside 0..100 too.
        #[test]
        fn four_tables_count_as_one(
            scores in proptest::collection::vec(proptest::prop_oneof![
                4 => 0.0..=100.0f64,
                1 => proptest::prelude::any::<f64>(),
                1 => proptest::prelude::Just(f64::NAN),
            ], 0..70),
            bins in 1..25usize,
        ) {
            let mut one = vec![0usize; bins];
            for &s in &scores {
                one[((s / 100.0) * bins as f64).clamp(0.0, (bins - 1) as f64) as usize] += 1;
            }
            proptest::prop_assert_eq!(histogram(&scores, bins), one);
        }
    }

    #[test]
    fn histogram_bins() {
        assert_eq!(histogram(&[0.0, 4.9, 5.0, 99.0, 100.0], 20), {
            let mut v = vec![0; 20];
            v[0] = 2;
            v[1] = 1;
            v[19] = 2;
            v
        });
    }

    #[test]
    fn outcomes_read_as_yes_no() {
        let mut c = crate::contacts::TextColumn::new();
        for v in ["1", "0", "yes", "", "maybe"] {
            c.push(v);
        }
        let t = Table {
            headers: vec!["won".into()],
            columns: vec![c],
            lines: (2..7).collect(),
            ..Table::default()
        };
        let o = outcome(&t, "won").unwrap();
        assert_eq!(
            o.values,
            vec![Some(true), Some(false), Some(true), None, None]
        );
        assert_eq!(o.unreadable, 1);
        assert!(!o.usable());
        assert!(o.problem().unwrap().contains("such as 'maybe'"));
        assert!(outcome(&t, "lost").is_none());
    }
}
