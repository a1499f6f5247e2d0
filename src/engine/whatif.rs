//! What an edit does to the contacts: each contact's score and rank change between a baseline
//! and the current model, how many change tier each way, who enters or leaves the sales
//! handover, and how each segment's average moved.
//!
//! Contacts are matched by row (both sides scored the same table). Journeys are matched by id,
//! tiers and segments by name, so renaming one reads as "left one, entered another".

use super::score::Scored;
use crate::model::Model;
use serde::Serialize;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Comparison {
    pub rows: usize,
    /// The journey the deltas, ranks and tiers are about (the tier journey, else the first).
    pub journey: String,
    /// Per row: after minus before, on `journey`. 0 where either side lacks the journey.
    pub delta: Vec<f64>,
    /// Per row: rank before and after (1 is the highest score; ties keep row order).
    pub rank_before: Vec<u32>,
    pub rank_after: Vec<u32>,
    /// Rows whose score on `journey` changed by more than 1e-9.
    pub changed: usize,
    /// Contacts moving between tiers: (from, to, count), from the hotter transitions down.
    pub tier_moves: Vec<(String, String, usize)>,
    /// Contacts moving to a hotter tier, and to a colder one.
    pub tier_up: usize,
    pub tier_down: usize,
    /// Contacts entering and leaving a sales handover.
    pub sales_enter: usize,
    pub sales_leave: usize,
    /// Per segment (by name, in the current model's order, then segments only the baseline
    /// has): contacts and average score before and after.
    pub segments: Vec<SegmentShift>,
    /// Spearman's rank correlation between the two scorings on `journey` (ties share their
    /// average rank); `None` when either side gives every contact the same score.
    pub rank_correlation: Option<f64>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct SegmentShift {
    pub name: String,
    pub before_count: usize,
    pub after_count: usize,
    pub before_avg: f64,
    pub after_avg: f64,
}

/// The journey an overview is about: the tier journey, else the first.
pub fn main_journey(model: &Model) -> Option<usize> {
    model
        .tiers
        .as_ref()
        .and_then(|t| model.journeys.iter().position(|j| j.id == t.journey))
        .or(if model.journeys.is_empty() {
            None
        } else {
            Some(0)
        })
}

/// Ranks, 1 for the highest score; ties keep row order.
pub fn ranks(scores: &[f64]) -> Vec<u32> {
    let mut idx: Vec<u32> = (0..scores.len() as u32).collect();
    idx.sort_by(|&a, &b| {
        scores[b as usize]
            .total_cmp(&scores[a as usize])
            .then(a.cmp(&b))
    });
    let mut out = vec![0u32; scores.len()];
    for (r, &i) in idx.iter().enumerate() {
        out[i as usize] = r as u32 + 1;
    }
    out
}

/// Compares the baseline scoring with the current one, row by row, on the main journey.
pub fn compare(
    before_model: &Model,
    before: &Scored,
    after_model: &Model,
    after: &Scored,
) -> Comparison {
    compare_on(before_model, before, after_model, after, None)
}

/// Compares the baseline scoring with the current one, row by row, on the journey with this
/// id (the main journey when `None`, or when the current model has no such journey). Tier,
/// handover and segment moves do not depend on the journey.
pub fn compare_on(
    before_model: &Model,
    before: &Scored,
    after_model: &Model,
    after: &Scored,
    journey: Option<&str>,
) -> Comparison {
    let n = before.rows.min(after.rows);
    let chosen = journey.and_then(|id| after_model.journeys.iter().position(|j| j.id == id));
    let Some(aj) = chosen.or_else(|| main_journey(after_model)) else {
        return Comparison {
            rows: n,
            ..Comparison::default()
        };
    };
    let journey = after_model.journeys[aj].id.clone();
    let bj = before_model.journeys.iter().position(|j| j.id == journey);
    let after_scores = &after.scores[aj][..n];
    let zeros = vec![0.0; n];
    let before_scores: &[f64] = match bj {
        Some(b) => &before.scores[b][..n],
        None => &zeros,
    };
    let delta: Vec<f64> = after_scores
        .iter()
        .zip(before_scores)
        .map(|(a, b)| a - b)
        .collect();
    let changed = delta.iter().filter(|d| d.abs() > 1e-9).count();
    let rank_before = ranks(before_scores);
    let rank_after = ranks(after_scores);
    let rank_correlation = super::metrics::spearman(before_scores, after_scores);

    // Tier moves, by name; "hotter" by the current model's order (first is hottest).
    let tier_name = |m: &Model, s: &Scored, i: usize| s.tier(m, i).map(|t| t.name.clone());
    let order = |name: &Option<String>| -> usize {
        match (name, &after_model.tiers) {
            (Some(n), Some(t)) => t
                .levels
                .iter()
                .position(|l| &l.name == n)
                .unwrap_or(t.levels.len()),
            _ => usize::MAX,
        }
    };
    let mut moves: std::collections::BTreeMap<(usize, usize, String, String), usize> =
        Default::default();
    let (mut tier_up, mut tier_down, mut sales_enter, mut sales_leave) = (0, 0, 0, 0);
    for i in 0..n {
        let tb = tier_name(before_model, before, i);
        let ta = tier_name(after_model, after, i);
        if tb != ta {
            let (ob, oa) = (order(&tb), order(&ta));
            if oa < ob {
                tier_up += 1;
            } else {
                tier_down += 1;
            }
            let none = || "none".to_string();
            *moves
                .entry((
                    ob,
                    oa,
                    tb.clone().unwrap_or_else(none),
                    ta.clone().unwrap_or_else(none),
                ))
                .or_default() += 1;
        }
        let sb = before.tier(before_model, i).is_some_and(|t| t.to_person());
        let sa = after.tier(after_model, i).is_some_and(|t| t.to_person());
        match (sb, sa) {
            (false, true) => sales_enter += 1,
            (true, false) => sales_leave += 1,
            _ => {}
        }
    }
    let tier_moves = moves
        .into_iter()
        .map(|((_, _, f, t), c)| (f, t, c))
        .collect();

    // Segments by name.
    let mut names: Vec<String> = after_model
        .segments
        .iter()
        .map(|s| s.name.clone())
        .collect();
    for s in &before_model.segments {
        if !names.contains(&s.name) {
            names.push(s.name.clone());
        }
    }
    let mut shifts: Vec<SegmentShift> = names
        .iter()
        .map(|n| SegmentShift {
            name: n.clone(),
            ..SegmentShift::default()
        })
        .collect();
    let pos = |name: &str| names.iter().position(|n| n == name);
    for i in 0..n {
        if let Some(k) = before.segment(before_model, i).and_then(|s| pos(&s.name)) {
            shifts[k].before_count += 1;
            shifts[k].before_avg += before_scores[i];
        }
        if let Some(k) = after.segment(after_model, i).and_then(|s| pos(&s.name)) {
            shifts[k].after_count += 1;
            shifts[k].after_avg += after_scores[i];
        }
    }
    for s in &mut shifts {
        if s.before_count > 0 {
            s.before_avg /= s.before_count as f64;
        }
        if s.after_count > 0 {
            s.after_avg /= s.after_count as f64;
        }
    }
    Comparison {
        rows: n,
        journey,
        delta,
        rank_before,
        rank_after,
        changed,
        tier_moves,
        tier_up,
        tier_down,
        sales_enter,
        sales_leave,
        segments: shifts,
        rank_correlation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_and_correlation() {
        assert_eq!(ranks(&[10.0, 30.0, 20.0, 30.0]), vec![4, 1, 3, 2]);
        use crate::engine::metrics::spearman;
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]), Some(1.0));
        // Reversed order: -1.
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
        // Every contact the same: no correlation to speak of.
        assert_eq!(spearman(&[5.0, 5.0], &[1.0, 2.0]), None);
    }

    #[test]
    fn a_weight_edit_moves_contacts_between_tiers() {
        let before_model =
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
        let before = crate::engine::score_table(&before_model, &table);
        // Move weight from t2 (demo, recency) to t1 (visits, source): 80 / 20.
        let mut after_model = before_model.clone();
        after_model.journeys[0].touchpoints[0].weight = crate::model::Weight(8000);
        after_model.journeys[0].touchpoints[1].weight = crate::model::Weight(2000);
        let after = crate::engine::score_table(&after_model, &table);
        let c = compare(&before_model, &before, &after_model, &after);
        // A: t1 0.7, t2 0.9375: 100 x (0.8 x 0.7 + 0.2 x 0.9375) = 74.75 (was 81.875): hot to warm.
        assert!((c.delta[0] - (74.75 - 81.875)).abs() < 1e-9);
        // B: t1 0.6: 48 + 15 = 63 (was 45): stays warm. C: 0.8 x 0.08 + 0.2 = 26.4 - 50: 0 (was 4).
        assert!((c.delta[1] - 18.0).abs() < 1e-9);
        assert_eq!(c.changed, 3);
        assert_eq!((c.tier_up, c.tier_down), (0, 1));
        assert_eq!(
            c.tier_moves,
            vec![("hot".to_string(), "warm".to_string(), 1)]
        );
        // "hot" hands over to sales, "warm" does not.
        assert_eq!((c.sales_enter, c.sales_leave), (0, 1));
        assert_eq!(c.rank_before, vec![2, 3, 4, 1]);
        assert_eq!(c.rank_after, vec![2, 3, 4, 1]);
        let demo = c.segments.iter().find(|s| s.name == "Demo").unwrap();
        assert_eq!((demo.before_count, demo.after_count), (2, 1));
    }
}
