//! What an edit does to the contacts: each contact's score and rank change between a baseline
//! and the current model, how many change tier each way, who enters or leaves the sales
//! handover, and how each segment's average moved.
//!
//! Contacts are matched by row (both sides scored the same table). Journeys are matched by id,
//! tiers and segments by name, so renaming one reads as "left one, entered another".

use super::condition::NONE;
use super::metrics::{RankBuffers, Ranking};
use super::score::Scored;
use crate::model::Model;
use serde::Serialize;
use std::sync::Arc;

#[derive(Clone, Debug, Default, Serialize)]
pub struct Comparison {
    pub rows: usize,
    /// The journey the deltas, ranks and tiers are about (the tier journey, else the first).
    pub journey: String,
    /// Per row: after minus before, on `journey`. 0 where either side lacks the journey.
    pub delta: Vec<f64>,
    /// Per row: rank before and after (1 is the highest score; ties keep row order), shared
    /// with the rankings they come from.
    #[serde(serialize_with = "shared_ranks")]
    pub rank_before: Arc<Vec<u32>>,
    #[serde(serialize_with = "shared_ranks")]
    pub rank_after: Arc<Vec<u32>>,
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

/// Ranks shared behind an `Arc` serialize as the list they are.
fn shared_ranks<S: serde::Serializer>(ranks: &Arc<Vec<u32>>, s: S) -> Result<S::Ok, S::Error> {
    ranks.as_slice().serialize(s)
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
    Arc::unwrap_or_clone(Ranking::new(scores).rank)
}

/// A scoring's column on `journey` (by id), or `None` when its model lacks the journey.
pub fn journey_scores<'s>(model: &Model, scored: &'s Scored, journey: &str) -> Option<&'s [f64]> {
    let j = model.journeys.iter().position(|j| j.id == journey)?;
    scored.scores.get(j).map(|c| c.as_slice())
}

/// The ranking a comparison reads on one side: the journey's scores ranked, or all zeros (one
/// tie) when the model lacks the journey, as `compare` counts it.
pub fn ranking(model: &Model, scored: &Scored, journey: &str) -> Ranking {
    ranking_in(model, scored, journey, &mut RankBuffers::default())
}

/// `ranking`, computed in buffers kept from earlier rankings (see `RankBuffers`).
pub fn ranking_in(model: &Model, scored: &Scored, journey: &str, b: &mut RankBuffers) -> Ranking {
    match journey_scores(model, scored, journey) {
        Some(s) => Ranking::new_in(s, b),
        None => Ranking::new_in(&vec![0.0; scored.rows], b),
    }
}

/// `ranking_in`, with Spearman's sum against `base` (the other side's ranking on the same
/// journey) taken while ranking (`Ranking::new_against`).
pub fn ranking_against(
    model: &Model,
    scored: &Scored,
    journey: &str,
    b: &mut RankBuffers,
    base: &Ranking,
) -> Ranking {
    match journey_scores(model, scored, journey) {
        Some(s) => Ranking::new_against(s, b, base),
        None => Ranking::new_against(&vec![0.0; scored.rows], b, base),
    }
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
    let chosen = journey
        .and_then(|id| after_model.journeys.iter().position(|j| j.id == id))
        .or_else(|| main_journey(after_model));
    let Some(aj) = chosen else {
        return compare_ranked(
            before_model,
            before,
            &Ranking::default(),
            after_model,
            after,
            &Ranking::default(),
            None,
            Vec::new(),
        );
    };
    let journey = &after_model.journeys[aj].id;
    compare_ranked(
        before_model,
        before,
        &ranking(before_model, before, journey),
        after_model,
        after,
        &ranking(after_model, after, journey),
        Some(journey),
        Vec::new(),
    )
}

/// `compare_on` with both sides' rankings on that journey already known (`ranking`), as the
/// preview has the baseline's from one edit to the next. Everything else is counted per label
/// code, not per row's label text: one pass over the rows, no allocation per row. The deltas
/// are written into `delta`'s memory (a column a comparison no longer shown gave back; empty
/// will do).
#[allow(clippy::too_many_arguments)]
pub fn compare_ranked(
    before_model: &Model,
    before: &Scored,
    before_ranking: &Ranking,
    after_model: &Model,
    after: &Scored,
    after_ranking: &Ranking,
    journey: Option<&str>,
    delta: Vec<f64>,
) -> Comparison {
    match compare_counts(before_model, before, after_model, after, journey, delta) {
        Some(c) => c.with_ranks(before_ranking, after_ranking),
        None => Comparison {
            rows: before.rows.min(after.rows),
            ..Comparison::default()
        },
    }
}

impl Comparison {
    /// The rank columns and the rank correlation of a comparison counted by `compare_counts`,
    /// from both sides' rankings on its journey.
    pub fn with_ranks(mut self, before_ranking: &Ranking, after_ranking: &Ranking) -> Comparison {
        let n = self.rows;
        self.rank_correlation = before_ranking.spearman(after_ranking);
        // Shared with the rankings (the preview keeps the baseline's); copied only when the
        // two scorings differ in rows, which one table never does.
        let first_n = |r: &Arc<Vec<u32>>| {
            if r.len() == n {
                r.clone()
            } else {
                Arc::new(r.iter().copied().take(n).collect())
            }
        };
        self.rank_before = first_n(&before_ranking.rank);
        self.rank_after = first_n(&after_ranking.rank);
        self
    }
}

/// Everything of `compare_ranked` that does not read ranks (deltas, changed, tier moves, the
/// sales handover, segments), so that it can be counted while the ranks are still being
/// computed; `with_ranks` adds the rest. `None` when the current model has no journey.
pub fn compare_counts(
    before_model: &Model,
    before: &Scored,
    after_model: &Model,
    after: &Scored,
    journey: Option<&str>,
    mut delta: Vec<f64>,
) -> Option<Comparison> {
    let n = before.rows.min(after.rows);
    let chosen = journey.and_then(|id| after_model.journeys.iter().position(|j| j.id == id));
    let aj = chosen.or_else(|| main_journey(after_model))?;
    let journey = after_model.journeys[aj].id.clone();
    let after_scores = &after.scores[aj][..n];
    let zeros;
    let before_scores: &[f64] = match journey_scores(before_model, before, &journey) {
        Some(s) => &s[..n],
        None => {
            zeros = vec![0.0; n];
            &zeros
        }
    };
    // The deltas and how many changed, in one pass.
    delta.clear();
    let mut changed = 0;
    delta.extend(after_scores.iter().zip(before_scores).map(|(a, b)| {
        let d = a - b;
        changed += usize::from(d.abs() > 1e-9);
        d
    }));

    // Tier moves, by name; "hotter" by the current model's order (first is hottest). Rows are
    // counted per (tier before, tier after) code pair; the names are looked at per pair.
    let levels = |m: &Model| m.tiers.as_ref().map_or(0, |t| t.levels.len());
    let (lb, la) = (levels(before_model), levels(after_model));
    // A code past the levels (NONE, or out of range) is "no tier", as `Scored::tier` reads it.
    let slot = |code: u8, levels: usize| (code as usize).min(levels);
    let mut pairs = vec![0usize; (lb + 1) * (la + 1)];
    // A scoring without tiers may hold no tier column: its rows read as no tier.
    fn codes(s: &Scored, n: usize) -> impl Iterator<Item = u8> + '_ {
        s.tiers
            .iter()
            .copied()
            .chain(std::iter::repeat(NONE))
            .take(n)
    }
    for (tb, ta) in codes(before, n).zip(codes(after, n)) {
        pairs[slot(tb, lb) * (la + 1) + slot(ta, la)] += 1;
    }
    fn level(m: &Model, slot: usize) -> Option<&crate::model::Tier> {
        m.tiers.as_ref()?.levels.get(slot)
    }
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
    for sb in 0..=lb {
        for sa in 0..=la {
            let count = pairs[sb * (la + 1) + sa];
            if count == 0 {
                continue;
            }
            let (b, a) = (level(before_model, sb), level(after_model, sa));
            let tb = b.as_ref().map(|t| t.name.clone());
            let ta = a.as_ref().map(|t| t.name.clone());
            if tb != ta {
                let (ob, oa) = (order(&tb), order(&ta));
                if oa < ob {
                    tier_up += count;
                } else {
                    tier_down += count;
                }
                let none = || "none".to_string();
                *moves
                    .entry((ob, oa, tb.unwrap_or_else(none), ta.unwrap_or_else(none)))
                    .or_default() += count;
            }
            match (
                b.is_some_and(|t| t.to_person()),
                a.is_some_and(|t| t.to_person()),
            ) {
                (false, true) => sales_enter += count,
                (true, false) => sales_leave += count,
                _ => {}
            }
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
    // Per segment code: its place in `names`; `None` for no segment (or an unknown code).
    let places = |m: &Model| -> Vec<Option<usize>> {
        m.segments
            .iter()
            .map(|s| names.iter().position(|n| *n == s.name))
            .collect()
    };
    let place = |p: &[Option<usize>], code: u16| p.get(usize::from(code)).copied().flatten();
    let (pb, pa) = (places(before_model), places(after_model));
    // Summed in row order, as one pass per row would add them.
    for (&code, &score) in before.segments.iter().zip(before_scores) {
        if let Some(k) = place(&pb, code) {
            shifts[k].before_count += 1;
            shifts[k].before_avg += score;
        }
    }
    for (&code, &score) in after.segments.iter().zip(after_scores) {
        if let Some(k) = place(&pa, code) {
            shifts[k].after_count += 1;
            shifts[k].after_avg += score;
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
    Some(Comparison {
        rows: n,
        journey,
        delta,
        changed,
        tier_moves,
        tier_up,
        tier_down,
        sales_enter,
        sales_leave,
        segments: shifts,
        ..Comparison::default()
    })
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

    fn fixture() -> (Model, crate::contacts::Table) {
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
        (model, r.next_chunk(100).unwrap().unwrap())
    }

    #[test]
    fn tier_moves_are_counted_by_name_per_code_pair() {
        // Baseline: A 81.875 and D (ranked first) hot, B 45 warm, C 4 cold.
        let (before_model, table) = fixture();
        let before = crate::engine::score_table(&before_model, &table);
        // The same scores, the hottest tier renamed: its two contacts move "up" from a name
        // the current model no longer has (ordered last) to its first level; both hand over
        // to sales on either side.
        let mut after_model = before_model.clone();
        if let Some(t) = &mut after_model.tiers {
            t.levels[0].name = "blazing".into();
        }
        after_model.segments.clear();
        let after = crate::engine::score_table(&after_model, &table);
        let c = compare(&before_model, &before, &after_model, &after);
        assert_eq!(c.changed, 0);
        assert_eq!(
            c.tier_moves,
            vec![("hot".to_string(), "blazing".to_string(), 2)]
        );
        assert_eq!((c.tier_up, c.tier_down), (2, 0));
        assert_eq!((c.sales_enter, c.sales_leave), (0, 0));
        assert_eq!(c.rank_correlation, Some(1.0));
        // No tiers at all now: every contact leaves its tier for none (neither side has an
        // order in the current model, so each counts as colder), and the two hot ones leave
        // the sales handover. Segments only the baseline has keep their baseline counts.
        after_model.tiers = None;
        let after = crate::engine::score_table(&after_model, &table);
        let c = compare(&before_model, &before, &after_model, &after);
        let none = |from: &str, n| (from.to_string(), "none".to_string(), n);
        assert_eq!(
            c.tier_moves,
            vec![none("cold", 1), none("hot", 2), none("warm", 1)]
        );
        assert_eq!((c.tier_up, c.tier_down), (0, 4));
        assert_eq!((c.sales_enter, c.sales_leave), (0, 2));
        let demo = c.segments.iter().find(|s| s.name == "Demo").unwrap();
        assert_eq!((demo.before_count, demo.after_count), (2, 0));
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
        assert_eq!(*c.rank_before, vec![2, 3, 4, 1]);
        assert_eq!(*c.rank_after, vec![2, 3, 4, 1]);
        let demo = c.segments.iter().find(|s| s.name == "Demo").unwrap();
        assert_eq!((demo.before_count, demo.after_count), (2, 1));
    }
}
