//! Why a contact scored what it did: per journey, each touchpoint's points, under it each
//! signal with its raw value, attainment and points, then the adjustments that fired and the
//! clamp. The parts add up to the score before the clamp. A condition that compares two
//! fields is shown with both values (`visits 12 at least emails 3`).
//!
//! Built from the columns the score itself used, so an explanation can never disagree with
//! the score it explains.

use super::score::Scored;
use crate::contacts::Typed;
use crate::contacts::typed::format_number;
use crate::model::{Condition, Model, Touchpoint, Weight};
use serde::Serialize;
use std::collections::HashMap;
use std::fmt::Write;

#[derive(Clone, Debug, Serialize)]
pub struct Explanation {
    pub row: usize,
    pub journeys: Vec<JourneyPart>,
    pub grades: Vec<(String, Option<String>)>,
    pub rating: Option<String>,
    pub tier: Option<String>,
    pub handover: Option<String>,
    pub segment: Option<String>,
    /// The segment's tests that compare two fields, with this contact's values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub segment_compared: Vec<String>,
    pub action: Option<String>,
    pub route: Option<String>,
    /// When a segment reads the contact's account: each account part with its value on the
    /// contact's account (`account Acme (account 64, tier hot): { tier: hot } holds`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub segment_account: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct JourneyPart {
    pub id: String,
    pub name: String,
    /// 100 x the weighted sum.
    pub raw: f64,
    pub adjustments: Vec<AdjustmentPart>,
    /// Raw plus the adjustments, before the clamp.
    pub unclamped: f64,
    pub score: f64,
    pub touchpoints: Vec<TouchpointPart>,
    /// A composite journey's parts, in the model's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<CompositePart>,
}

/// One part of a composite journey: the part journey's score and what it adds.
#[derive(Clone, Debug, Serialize)]
pub struct CompositePart {
    pub journey: String,
    pub name: String,
    pub weight: Weight,
    /// The part journey's score for this contact.
    pub score: f64,
    /// Points this part adds to the composite's 100: weight x score.
    pub points: f64,
    /// The most it could add.
    pub max_points: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct TouchpointPart {
    pub id: String,
    pub name: String,
    pub weight: Weight,
    /// Points this touchpoint adds to the journey's 100.
    pub points: f64,
    /// The most it could add.
    pub max_points: f64,
    pub signals: Vec<SignalPart>,
    pub children: Vec<TouchpointPart>,
}

#[derive(Clone, Debug, Serialize)]
pub struct SignalPart {
    pub field: String,
    pub weight: Weight,
    pub rule: String,
    /// The value as read; `None` when missing.
    pub value: Option<String>,
    /// For a derived field, how its value came about, with the values that went in:
    /// `web / (mails + 1) = 12 / (3 + 1) = 3`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub derived: Option<String>,
    pub attainment: f64,
    pub points: f64,
    pub max_points: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct AdjustmentPart {
    pub name: String,
    pub points: f64,
    /// The condition's tests that compare two fields, with this contact's values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub compared: Vec<String>,
}

/// The explanation of one row of a scored table.
pub fn explain(model: &Model, scored: &Scored, row: usize) -> Explanation {
    let by_place: HashMap<(usize, &[usize], usize), &super::score::SignalColumn> = scored
        .signals
        .iter()
        .map(|s| ((s.journey, s.touchpoints.as_slice(), s.signal), s))
        .collect();
    let mut journeys = Vec::new();
    for (ji, j) in model.journeys.iter().enumerate() {
        let touchpoints = j
            .touchpoints
            .iter()
            .enumerate()
            .map(|(ti, t)| {
                touchpoint(
                    model,
                    scored,
                    &by_place,
                    (ji, vec![ti]),
                    t,
                    100.0 * t.weight.fraction(),
                    row,
                )
            })
            .collect();
        let adjustments: Vec<AdjustmentPart> = j
            .adjustments
            .iter()
            .zip(&scored.adjustments[ji])
            .filter(|(_, m)| m[row])
            .map(|(a, _)| AdjustmentPart {
                name: a.name.clone(),
                points: a.points,
                compared: compared(&a.when, scored, row),
            })
            .collect();
        let parts = j
            .parts
            .iter()
            .map(|p| {
                let pi = model.journeys.iter().position(|o| o.id == p.journey);
                let score = pi.map_or(0.0, |pi| scored.part_score(pi, row));
                CompositePart {
                    journey: p.journey.clone(),
                    name: pi
                        .map_or(p.journey.as_str(), |pi| model.journeys[pi].title())
                        .into(),
                    weight: p.weight,
                    score,
                    points: p.weight.fraction() * score,
                    max_points: 100.0 * p.weight.fraction(),
                }
            })
            .collect();
        let raw = scored.raw(ji, row);
        let unclamped = raw + adjustments.iter().map(|a| a.points).sum::<f64>();
        journeys.push(JourneyPart {
            id: j.id.clone(),
            name: j.title().to_string(),
            raw,
            adjustments,
            unclamped,
            score: scored.scores[ji][row],
            touchpoints,
            parts,
        });
    }
    let tier = scored.tier(model, row);
    let seg = scored.segment(model, row);
    Explanation {
        row,
        journeys,
        grades: model
            .grades
            .iter()
            .enumerate()
            .map(|(gi, g)| {
                (
                    g.id.clone(),
                    scored.grade(model, gi, row).map(str::to_string),
                )
            })
            .collect(),
        rating: scored.rating(model, row),
        tier: tier.map(|t| t.name.clone()),
        handover: tier.map(|t| t.handover.clone()),
        segment: seg.map(|s| s.name.clone()),
        segment_compared: seg
            .and_then(|s| s.when.as_ref())
            .map(|c| compared(c, scored, row))
            .unwrap_or_default(),
        action: seg.map(|s| s.action.clone()),
        route: seg.map(|s| s.route.clone()),
        segment_account: Vec::new(),
    }
}

/// Sets the segment of an explanation to `segment` (by index; `NO_SEGMENT`: none): what a
/// segment that reads the account decides once the account is scored.
pub fn set_segment(e: &mut Explanation, model: &Model, scored: &Scored, segment: u16) {
    let seg = model.segments.get(segment as usize);
    e.segment = seg.map(|s| s.name.clone());
    e.segment_compared = seg
        .and_then(|s| s.when.as_ref())
        .map(|c| compared(c, scored, e.row))
        .unwrap_or_default();
    e.action = seg.map(|s| s.action.clone());
    e.route = seg.map(|s| s.route.clone());
}

/// Each test in `c` that compares two fields, with the row's values: `visits 12 at least
/// emails 3`, `owner missing equal to last owner Ann`.
fn compared(c: &Condition, scored: &Scored, row: usize) -> Vec<String> {
    let mut out = Vec::new();
    let value = |id: &str| {
        scored
            .fields
            .get(id)
            .and_then(|col| col.display(row))
            .unwrap_or_else(|| "missing".into())
    };
    if let Some(f) = &c.field {
        let dates = matches!(scored.fields.get(f).map(|c| &**c), Some(Typed::Date(_)));
        for (op, other) in c.other_fields() {
            let words = if dates { op.date_words() } else { op.words() };
            out.push(format!("{f} {} {words} {other} {}", value(f), value(other)));
        }
    }
    for part in c.all.iter().chain(&c.any) {
        out.extend(compared(part, scored, row));
    }
    // Under `not` the test held when the comparison did not: say so.
    if let Some(n) = &c.not {
        out.extend(
            compared(n, scored, row)
                .into_iter()
                .map(|t| format!("not: {t}")),
        );
    }
    out
}

fn touchpoint(
    model: &Model,
    scored: &Scored,
    by_place: &HashMap<(usize, &[usize], usize), &super::score::SignalColumn>,
    (ji, path): (usize, Vec<usize>),
    t: &Touchpoint,
    max_points: f64,
    row: usize,
) -> TouchpointPart {
    let children: Vec<TouchpointPart> = t
        .touchpoints
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let mut p = path.clone();
            p.push(ci);
            touchpoint(
                model,
                scored,
                by_place,
                (ji, p),
                c,
                max_points * c.weight.fraction(),
                row,
            )
        })
        .collect();
    let signals: Vec<SignalPart> = t
        .signals
        .iter()
        .enumerate()
        .map(|(si, s)| {
            let col = by_place.get(&(ji, path.as_slice(), si));
            let attainment = col.map(|c| c.attainment[row]).unwrap_or(0.0);
            let max = max_points * s.weight.fraction();
            let words = s.words_in(model);
            SignalPart {
                field: s.field.clone(),
                weight: s.weight,
                rule: match &s.decay {
                    Some(d) => format!(
                        "{}; decays by half every {} days since {}",
                        words,
                        format_number(d.half_life_days),
                        d.since
                    ),
                    None => words,
                },
                value: scored.fields.get(&s.field).and_then(|c| c.display(row)),
                derived: derivation(model, scored, &s.field, row),
                attainment,
                points: max * attainment,
                max_points: max,
            }
        })
        .collect();
    let points = signals.iter().map(|s| s.points).sum::<f64>()
        + children.iter().map(|c| c.points).sum::<f64>();
    TouchpointPart {
        id: t.id.clone(),
        name: t.title().to_string(),
        weight: t.weight,
        points,
        max_points,
        signals,
        children,
    }
}

/// A derived field's expression, the same with this row's values in place of the fields it
/// reads, and the result: `web / (mails + 1) = 12 / (3 + 1) = 3`. `None` for other fields.
pub fn derivation(model: &Model, scored: &Scored, field: &str, row: usize) -> Option<String> {
    let f = model.fields.iter().rev().find(|f| f.id == field)?;
    let e = f.derived()?;
    let value = |id: &str| {
        let col = scored.fields.get(id);
        match col.and_then(|c| c.display(row)) {
            None => "missing".to_string(),
            Some(v) => match col.map(|c| &**c) {
                Some(crate::contacts::Typed::Category { .. }) => format!("{v:?}"),
                _ => v,
            },
        }
    };
    let result = value(field);
    Some(format!("{e} = {} = {result}", e.show_with(&value)))
}

/// Points with at most two decimals: `6.25`, `30`, `12.5`; never `-0`.
fn pts(v: f64) -> String {
    let s = format!("{:.2}", unsigned_zero(v));
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `v`, with a negative zero (`(10 - 10) / (0 - 10)` in an inverted scale) made plain 0, so
/// that no one reads "-0.00".
pub fn unsigned_zero(v: f64) -> f64 {
    if v == 0.0 { 0.0 } else { v }
}

/// The explanation as indented text, for a terminal or a ticket.
pub fn render_text(e: &Explanation) -> String {
    let mut s = String::new();
    for j in &e.journeys {
        let title = if j.name == j.id {
            j.id.clone()
        } else {
            format!("{} ({})", j.name, j.id)
        };
        let _ = writeln!(s, "{title}: {}", pts(j.score));
        for p in &j.parts {
            let _ = writeln!(
                s,
                "  part {} [{}%]: score {} x {}% = {} of {} points",
                p.name,
                p.weight,
                pts(p.score),
                p.weight,
                pts(p.points),
                pts(p.max_points)
            );
        }
        for t in &j.touchpoints {
            render_tp(&mut s, t, 1);
        }
        for a in &j.adjustments {
            let sign = if a.points >= 0.0 { "+" } else { "" };
            let _ = writeln!(
                s,
                "  adjustment {}: {sign}{} points{}",
                a.name,
                pts(a.points),
                because(&a.compared)
            );
        }
        if (j.unclamped - j.score).abs() > 1e-9 {
            let _ = writeln!(
                s,
                "  clamped: {} is outside 0..100, so the score is {}",
                pts(j.unclamped),
                pts(j.score)
            );
        }
    }
    let grades: Vec<String> = e
        .grades
        .iter()
        .map(|(g, v)| format!("{g} {}", v.as_deref().unwrap_or("-")))
        .collect();
    if !grades.is_empty() {
        let _ = writeln!(s, "grades: {}", grades.join(", "));
    }
    if let Some(r) = &e.rating {
        let _ = writeln!(s, "rating: {r}");
    }
    if let Some(t) = &e.tier {
        let _ = writeln!(
            s,
            "tier: {t} (handover: {})",
            e.handover.as_deref().unwrap_or("-")
        );
    }
    if let Some(seg) = &e.segment {
        let _ = writeln!(
            s,
            "segment: {seg}: {} (route: {}){}",
            e.action.as_deref().unwrap_or("-"),
            e.route.as_deref().unwrap_or("-"),
            because(&e.segment_compared)
        );
    }
    for part in &e.segment_account {
        let _ = writeln!(s, "  {part}");
    }
    s
}

/// ` (visits 12 at least emails 3)`, or nothing.
fn because(compared: &[String]) -> String {
    if compared.is_empty() {
        String::new()
    } else {
        format!(" ({})", compared.join("; "))
    }
}

fn render_tp(s: &mut String, t: &TouchpointPart, depth: usize) {
    let pad = "  ".repeat(depth);
    let _ = writeln!(
        s,
        "{pad}{} [{}%]: {} of {} points",
        t.name,
        t.weight,
        pts(t.points),
        pts(t.max_points)
    );
    for sig in &t.signals {
        let value = sig
            .value
            .as_deref()
            .map(|v| format!("'{v}'"))
            .unwrap_or_else(|| "missing".into());
        let _ = writeln!(
            s,
            "{pad}  {} = {value}: attainment {:.2} x {} = {} points ({})",
            sig.field,
            unsigned_zero(sig.attainment),
            pts(sig.max_points),
            pts(sig.points),
            sig.rule
        );
        if let Some(d) = &sig.derived {
            let _ = writeln!(s, "{pad}    {} = {d}", sig.field);
        }
    }
    for c in &t.children {
        render_tp(s, c, depth + 1);
    }
}
