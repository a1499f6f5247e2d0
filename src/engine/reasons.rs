//! The `reasons` output column: why a contact has its tier, in words a rep reads in the CRM:
//! `Requested a demo +35; Industry Logistics +20; Works for a competitor -50`.
//!
//! The words are the model's own: a touchpoint's or a part journey's `title()` and an
//! adjustment's `name`, the labels `explain`, the designer and the report show. Only the points
//! and the order change from row to row, so the SQL export (`export::reasons`) writes the same
//! text from literals in its query. The rules, the same in the engine and every dialect:
//!
//! - the journey is the tiers' journey (the first journey when the model has no tiers);
//! - its contributions are the touchpoints that hold signals, at any depth (each with the points
//!   of its own signals), or for a composite journey its parts (the part's weight x the part's
//!   score): a rep reads "Fit +30", not the parts' touchpoints scaled by a weight;
//! - a contribution's points are the sum of its terms of the journey's weighted sum, in the
//!   engine's order, written as whole points (`whole_points`): rounded half away from zero;
//! - at most `TOP` contributions are listed, those of at least 1 whole point, the most points
//!   first, ties in the model's order;
//! - then every adjustment that fired, in the model's order, with its sign (`-50`), unless its
//!   points round to 0;
//! - joined by `; `; a contact with none of these gets the empty text (never NULL).

use super::score::Scored;
use crate::model::{Model, Touchpoint};
use std::sync::Arc;

/// The name of the column, after the outputs of `output_columns`.
pub const REASONS: &str = "reasons";

/// How many contributions are listed at most.
pub const TOP: usize = 3;

/// What separates two reasons.
pub const SEPARATOR: &str = "; ";

/// The journey whose score the reasons explain: the tiers' journey, else the first; `None` when
/// the tiers name a journey the model lacks, or there is no journey.
pub fn reasons_journey(model: &Model) -> Option<usize> {
    match &model.tiers {
        Some(t) => model.journeys.iter().position(|j| j.id == t.journey),
        None => (!model.journeys.is_empty()).then_some(0),
    }
}

/// One contribution to the journey's score, as listed.
#[derive(Clone, Debug, PartialEq)]
pub enum Contribution<'m> {
    /// A touchpoint that holds signals: its path of indices from the journey down, its share of
    /// the journey (the product of the weight fractions on the path, multiplied in that order,
    /// as the sums do), and its label. Its points are those of its own signals.
    Touchpoint(Vec<usize>, f64, &'m Touchpoint),
    /// A part of a composite journey: the part journey's index, its weight as a fraction, and
    /// its label.
    Part(usize, f64, &'m str),
}

impl<'m> Contribution<'m> {
    /// The words before the points: the touchpoint's or the part journey's title.
    pub fn label(&self) -> &'m str {
        match self {
            Contribution::Touchpoint(_, _, t) => t.title(),
            Contribution::Part(_, _, l) => l,
        }
    }
}

/// The contributions of journey `ji`, in the model's order: its parts when it is composite
/// (as `Model::parts_of` orders and weighs them for the sums), else every touchpoint that holds
/// signals, at any depth, in the order the file lists them ("Last logged activity", not the
/// "What the lead did" above it: the moment a rep can act on).
pub fn contributions(model: &Model, ji: usize) -> Vec<Contribution<'_>> {
    fn walk<'m>(t: &'m Touchpoint, path: Vec<usize>, share: f64, out: &mut Vec<Contribution<'m>>) {
        if !t.signals.is_empty() {
            out.push(Contribution::Touchpoint(path.clone(), share, t));
        }
        for (ci, c) in t.touchpoints.iter().enumerate() {
            let mut p = path.clone();
            p.push(ci);
            walk(c, p, share * c.weight.fraction(), out);
        }
    }
    let Some(j) = model.journeys.get(ji) else {
        return Vec::new();
    };
    if !j.parts.is_empty() {
        let (order, _) = model.journey_order();
        return model
            .parts_of(ji, &order)
            .into_iter()
            .map(|(pi, w)| Contribution::Part(pi, w, model.journeys[pi].title()))
            .collect();
    }
    let mut out = Vec::new();
    for (ti, t) in j.touchpoints.iter().enumerate() {
        walk(t, vec![ti], t.weight.fraction(), &mut out);
    }
    out
}

/// Points as a whole number, rounded half away from zero (2.5 is 3, -0.5 is -1, 1e-9 is 0),
/// as `floor(|v| + 0.5)` with the sign of `v`: the operations every dialect writes too.
pub fn whole_points(v: f64) -> i64 {
    if v < 0.0 {
        -((-v + 0.5).floor() as i64)
    } else {
        (v + 0.5).floor() as i64
    }
}

/// One reason: `Requested a demo +35`, `Works for a competitor -50`.
pub fn reason(label: &str, points: i64) -> String {
    format!("{label} {points:+}")
}

/// Where a contribution's points come from, for every row of a scored table.
enum Points {
    /// The journey's weighted terms under one touchpoint, in the order of the sum: each
    /// signal's `100 x share` and its attainment column.
    Terms(Vec<(f64, Arc<super::attainments::Attainments>)>),
    /// A part's weight and journey index: weight x the part's score.
    Part(f64, usize),
}

/// The reasons of the rows of one scored table: what each row's text is made of, found once.
pub struct Reasons<'m, 's> {
    scored: &'s Scored,
    contributions: Vec<(&'m str, Points)>,
    /// The adjustments listed when they fire: the rows they fire for, and their text.
    adjustments: Vec<(&'s [bool], String)>,
}

impl<'m, 's> Reasons<'m, 's> {
    pub fn new(model: &'m Model, scored: &'s Scored) -> Reasons<'m, 's> {
        let Some(ji) = reasons_journey(model) else {
            return Reasons {
                scored,
                contributions: Vec::new(),
                adjustments: Vec::new(),
            };
        };
        let contributions = contributions(model, ji)
            .into_iter()
            .map(|c| {
                let points = match c {
                    // The terms `Scored::raw` adds for this touchpoint's signals, in its order.
                    Contribution::Touchpoint(ref path, _, _) => Points::Terms(
                        scored
                            .signals
                            .iter()
                            .filter(|s| s.journey == ji && s.touchpoints == *path)
                            .map(|s| (100.0 * s.share, s.attainment.clone()))
                            .collect(),
                    ),
                    Contribution::Part(pi, w, _) => Points::Part(w, pi),
                };
                (c.label(), points)
            })
            .collect();
        let adjustments = model.journeys[ji]
            .adjustments
            .iter()
            .zip(scored.adjustments.get(ji).into_iter().flatten())
            .filter(|(a, _)| whole_points(a.points) != 0)
            .map(|(a, fired)| (fired.as_slice(), reason(&a.name, whole_points(a.points))))
            .collect();
        Reasons {
            scored,
            contributions,
            adjustments,
        }
    }

    /// A contribution's points for one row: its terms added one by one, as the query adds them.
    fn points(&self, p: &Points, row: usize) -> f64 {
        match p {
            Points::Terms(terms) => {
                let mut terms = terms
                    .iter()
                    .map(|(k, a)| k * a.get(row).copied().unwrap_or(0.0));
                let first = terms.next().unwrap_or(0.0);
                terms.fold(first, |acc, t| acc + t)
            }
            Points::Part(w, pi) => w * self.scored.part_score(*pi, row),
        }
    }

    /// The text of one row.
    pub fn text(&self, row: usize) -> String {
        let mut listed: Vec<(i64, usize)> = self
            .contributions
            .iter()
            .enumerate()
            .map(|(i, (_, p))| (whole_points(self.points(p, row)), i))
            .filter(|&(w, _)| w >= 1)
            .collect();
        // The most points first; `sort_by_key` is stable, so ties keep the model's order.
        listed.sort_by_key(|&(w, _)| std::cmp::Reverse(w));
        let mut parts: Vec<String> = listed
            .iter()
            .take(TOP)
            .map(|&(w, i)| reason(self.contributions[i].0, w))
            .collect();
        parts.extend(
            self.adjustments
                .iter()
                .filter(|(fired, _)| fired.get(row).copied().unwrap_or(false))
                .map(|(_, text)| text.clone()),
        );
        parts.join(SEPARATOR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contacts::ContactsReader;

    fn scored(model: &str, contacts: &str) -> (Model, Scored) {
        let model = crate::model::parse_model(model, "m.yaml").unwrap();
        let mut r = ContactsReader::from_reader(
            "c.csv",
            Box::new(std::io::Cursor::new(contacts.as_bytes().to_vec())),
        )
        .unwrap();
        let table = r.next_chunk(usize::MAX).unwrap().unwrap();
        let scored = crate::engine::score_table(&model, &table);
        (model, scored)
    }

    #[test]
    fn whole_points_round_half_away_from_zero() {
        for (v, w) in [
            (2.5, 3),
            (-2.5, -3),
            (-0.5, -1),
            (0.5, 1),
            (0.49, 0),
            (-0.49, 0),
            (1e-9, 0),
            (-1e-9, 0),
            (0.0, 0),
            (-0.0, 0),
            (35.0, 35),
            (-50.0, -50),
            (19.999, 20),
        ] {
            assert_eq!(whole_points(v), w, "{v}");
        }
        assert_eq!(reason("Requested a demo", 35), "Requested a demo +35");
        assert_eq!(reason("Competitor", -50), "Competitor -50");
    }

    const MODEL: &str = r#"
name: reasons
fields:
  - { id: a, kind: number }
  - { id: b, kind: number }
  - { id: c, kind: number }
  - { id: d, kind: number }
  - { id: comp, kind: boolean }
journeys:
  - id: j
    touchpoints:
      - { id: ta, name: Alpha, pillars: [empathy], weight: 25, signals: [ { field: a, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }
      - { id: tb, pillars: [empathy], weight: 25, signals: [ { field: b, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }
      - id: tc
        name: Gamma
        pillars: [empathy]
        weight: 25
        touchpoints:
          - { id: c1, weight: 50, signals: [ { field: c, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }
          - { id: c2, weight: 50, signals: [ { field: d, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }
      - { id: td, name: Delta, pillars: [empathy], weight: 25, signals: [ { field: d, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }
    adjustments:
      - { name: Competitor, when: { field: comp, equals: true }, points: -50 }
      - { name: Tiny, when: { field: comp, equals: true }, points: 0.4 }
      - { name: Half, when: { field: comp, equals: true }, points: 2.5 }
"#;

    #[test]
    fn the_top_three_by_points_ties_in_model_order_then_the_adjustments() {
        // The contributions are the touchpoints holding signals, in file order: Alpha, tb, c1,
        // c2, Delta (Gamma holds none of its own). Alpha, tb and Delta are worth 25 points each
        // (100 x 25%), c1 and c2 12.5 (100 x 25% x 50%); a value v gives its share x v / 10.
        // Row 1: Alpha 10, tb 10, c1 12.5 x 8/10 = 10, c2 5, Delta 10: four tied at 10, the
        // first three in file order; the competitor's -50 and Half's 2.5 (+3) fired, and
        // Tiny's 0.4 rounds to nothing.
        // Row 2: only c1: 12.5 x 0.1/10 = 0.125, under a whole point: the empty text.
        // Row 3: Alpha 25 x 5/10 = 12.5 and c2 12.5 x 10/10 = 12.5, both exactly, round half
        // away from zero to 13 (Alpha first, earlier in the file); tb 15; Delta 25.
        let (model, scored) = scored(
            MODEL,
            "id,a,b,c,d,comp\n1,4,4,8,4,yes\n2,,,0.1,,no\n3,5,6,,10,no\n",
        );
        let r = Reasons::new(&model, &scored);
        assert_eq!(
            r.text(0),
            "Alpha +10; tb +10; c1 +10; Competitor -50; Half +3"
        );
        assert_eq!(r.text(1), "");
        assert_eq!(r.text(2), "Delta +25; tb +15; Alpha +13");
    }

    #[test]
    fn a_composite_journey_lists_its_parts_and_the_tiers_pick_the_journey() {
        let yaml = r#"
name: composite
fields:
  - { id: a, kind: number }
  - { id: b, kind: number }
journeys:
  - id: fit
    name: Fit
    touchpoints:
      - { id: t, pillars: [empathy], weight: 100, signals: [ { field: a, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }
  - id: act
    touchpoints:
      - { id: u, pillars: [empathy], weight: 100, signals: [ { field: b, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }
  - id: overall
    parts:
      - { journey: fit, weight: 60 }
      - { journey: act, weight: 40 }
tiers:
  journey: overall
  levels:
    - { name: hot, at_least: 50 }
    - { name: cold, at_least: 0 }
"#;
        // fit 50 (a 5), act 100 (b 10): Fit 0.6 x 50 = 30, act 0.4 x 100 = 40.
        let (model, scored) = scored(yaml, "id,a,b\n1,5,10\n");
        assert_eq!(reasons_journey(&model), Some(2));
        assert_eq!(Reasons::new(&model, &scored).text(0), "act +40; Fit +30");
    }
}
