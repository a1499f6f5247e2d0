//! The tree of the model, flattened into the rows the tree pane shows.
//!
//! Order: the model, its journeys (each with its touchpoints, their signals or child
//! touchpoints, or a composite's parts, then the journey's adjustments), grades, tiers,
//! segments, personas, samples and fields. The rows
//! are rebuilt after every edit (cheap: one pass over the model) and hold only what the view
//! draws, so drawing never walks the model.

use super::ops::Node;
use super::props::describe_condition;
use crate::model::{Model, Touchpoint, Weight};

/// What a row stands for, for its icon and colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowKind {
    Section,
    Journey,
    Touchpoint,
    Signal,
    Adjustment,
    /// A composite journey's part: another journey's score, weighted.
    Part,
    Item,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub node: Node,
    pub depth: u16,
    pub kind: RowKind,
    pub title: String,
    /// Short text after the title: a rule kind, a threshold, a route.
    pub detail: String,
    /// The row's own weight, for touchpoints and signals.
    pub weight: Option<Weight>,
    /// The sum of the weights of the row's children, in hundredths, when it has a weighted group.
    pub group_sum: Option<i64>,
    /// Points of an adjustment.
    pub points: Option<f64>,
    pub open_question: bool,
    /// A name that survives edits elsewhere (ids, not positions), for remembering folds.
    pub key: String,
    /// How many rows below this one are folded away.
    pub hidden: usize,
}

impl Row {
    fn new(node: Node, depth: u16, kind: RowKind, title: impl Into<String>) -> Row {
        Row {
            node,
            depth,
            kind,
            title: crate::printable::printable(&title.into()).into_owned(),
            detail: String::new(),
            weight: None,
            group_sum: None,
            points: None,
            open_question: false,
            key: String::new(),
            hidden: 0,
        }
    }
}

fn sum<T>(items: &[T], w: impl Fn(&T) -> Weight) -> i64 {
    items.iter().map(|x| w(x).0).sum()
}

/// The stable key of a node that can hold others: its ids, or its section's name.
fn key(m: &Model, node: &Node) -> String {
    match node {
        Node::Journey(j) => m
            .journeys
            .get(*j)
            .map(|x| format!("j/{}", x.id))
            .unwrap_or_default(),
        Node::Touchpoint { journey, path } => {
            let Some(j) = m.journeys.get(*journey) else {
                return String::new();
            };
            let mut k = format!("j/{}", j.id);
            let mut list = &j.touchpoints;
            for &i in path {
                let Some(t) = list.get(i) else {
                    return String::new();
                };
                k.push_str("/t/");
                k.push_str(&t.id);
                list = &t.touchpoints;
            }
            k
        }
        Node::Model => "model".into(),
        Node::Journeys => "s/journeys".into(),
        Node::Grades => "s/grades".into(),
        Node::Tiers => "s/tiers".into(),
        Node::Segments => "s/segments".into(),
        Node::Personas => "s/personas".into(),
        Node::Fields => "s/fields".into(),
        _ => String::new(),
    }
}

/// The rows left when the rows whose key is in `folded` hide what is below them.
pub fn visible(all: &[Row], folded: &std::collections::HashSet<String>) -> Vec<Row> {
    let mut out: Vec<Row> = Vec::with_capacity(all.len());
    let mut i = 0;
    while i < all.len() {
        let mut row = all[i].clone();
        let mut end = i + 1;
        while end < all.len() && all[end].depth > row.depth {
            end += 1;
        }
        if !row.key.is_empty() && folded.contains(&row.key) && end > i + 1 {
            row.hidden = end - i - 1;
            out.push(row);
            i = end;
        } else {
            out.push(row);
            i += 1;
        }
    }
    out
}

/// The rows of the whole model, in order, nothing folded.
pub fn rows(m: &Model) -> Vec<Row> {
    let mut out = all_rows(m);
    for r in &mut out {
        r.key = key(m, &r.node);
    }
    out.extend(account_rows(m));
    out
}

/// The rows of the account model, under an "Accounts" header after the contact level's: its
/// journeys (with the same weights and gauges), grades, tiers and segments, then its roll-ups
/// and roles as its fields. Built by the contact level's own code over the account model
/// (`ops::account_view`), each node wrapped in `Node::Account`, one level deeper.
fn account_rows(m: &Model) -> Vec<Row> {
    let (Some(a), Some(view)) = (&m.accounts, super::ops::account_view(m)) else {
        return Vec::new();
    };
    let wrap = |n: &Node| Node::Account(Box::new(n.clone()));
    let mut header = Row::new(wrap(&Node::Journeys), 0, RowKind::Section, "Accounts");
    header.detail = format!("by {}", a.id_column);
    header.key = "a/s/accounts".into();
    let mut out = vec![header];
    let mut section = Node::Model;
    for r in all_rows(&view) {
        if r.kind == RowKind::Section {
            section = r.node.clone();
        }
        // The account model's name and date are the model's; it has no personas, samples or
        // matrix; its journeys hang under the "Accounts" header itself.
        if matches!(
            section,
            Node::Model | Node::Personas | Node::Samples | Node::Journeys
        ) && (r.kind == RowKind::Section || section != Node::Journeys)
            || r.node == Node::Matrix
        {
            continue;
        }
        let mut row = r.clone();
        row.key = match key(&view, &r.node) {
            k if k.is_empty() => k,
            k => format!("a/{k}"),
        };
        row.node = wrap(&r.node);
        if section != Node::Journeys {
            row.depth += 1;
        }
        match &r.node {
            Node::Fields => row.title = "Roll-ups and roles".into(),
            Node::Field(i) => row.detail = account_field_words(a, *i),
            _ => {}
        }
        out.push(row);
    }
    out
}

/// What the account model's field `i` is: a roll-up (`max of fit`) or a role (`role: ...`).
fn account_field_words(a: &crate::model::accounts::Accounts, i: usize) -> String {
    if let Some(r) = a.rollups.get(i) {
        let mut words = r.how.name().to_string();
        if let Some(j) = &r.journey {
            words.push_str(&format!(" of {j}"));
        }
        if let Some(n) = r.n {
            words.push_str(&format!(", n {n}"));
        }
        if let Some(at) = r.at_least {
            words.push_str(&format!(", at least {}", fmt_num(at)));
        }
        return format!("roll-up: {words}");
    }
    match i.checked_sub(a.rollups.len()).and_then(|k| a.roles.get(k)) {
        Some(r) => format!("role: {}", describe_condition(&r.when)),
        None => String::new(),
    }
}

fn all_rows(m: &Model) -> Vec<Row> {
    let mut out = Vec::new();
    let mut model_row = Row::new(
        Node::Model,
        0,
        RowKind::Section,
        format!("Model: {}", m.name),
    );
    if let Some(d) = m.as_of {
        model_row.detail = format!("as of {d}");
    }
    out.push(model_row);
    out.push(Row::new(Node::Journeys, 0, RowKind::Section, "Journeys"));
    for (j, journey) in m.journeys.iter().enumerate() {
        let mut r = Row::new(Node::Journey(j), 1, RowKind::Journey, journey.title());
        r.detail = format!("{}, {}", journey.ending.name(), journey.stage.name());
        if journey.is_composite() {
            // The parts and their weights, with the live gauge over them.
            r.detail = format!("{}; composite: {}", r.detail, journey.parts_words(m));
        }
        r.group_sum = Some(journey.weight_sum());
        r.open_question = journey.open_question;
        out.push(r);
        for (k, t) in journey.touchpoints.iter().enumerate() {
            touchpoint_rows(j, vec![k], t, 2, &mut out);
        }
        // A part is the part journey's name and weight; its weight is nudged, balanced and
        // typed like a touchpoint's, against the journey's gauge above.
        for (index, p) in journey.parts.iter().enumerate() {
            let part_of = m.journeys.iter().find(|x| x.id == p.journey);
            let title = part_of.map_or(p.journey.as_str(), |x| x.title());
            let mut r = Row::new(Node::Part { journey: j, index }, 2, RowKind::Part, title);
            r.detail = match part_of {
                Some(_) => format!("part: journey {}", p.journey),
                None => format!("part: no journey '{}'", p.journey),
            };
            r.weight = Some(p.weight);
            out.push(r);
        }
        for (a, adj) in journey.adjustments.iter().enumerate() {
            let mut r = Row::new(
                Node::Adjustment {
                    journey: j,
                    index: a,
                },
                2,
                RowKind::Adjustment,
                &adj.name,
            );
            r.detail = describe_condition(&adj.when);
            r.points = Some(adj.points);
            out.push(r);
        }
    }
    out.push(Row::new(Node::Grades, 0, RowKind::Section, "Grades"));
    for (g, grade) in m.grades.iter().enumerate() {
        let mut r = Row::new(Node::Grade(g), 1, RowKind::Item, &grade.id);
        let bands: Vec<&str> = grade.bands.keys().map(String::as_str).collect();
        r.detail = format!("of {}: {}", grade.journey, bands.join(" "));
        out.push(r);
    }
    if !m.grades.is_empty() || m.matrix.is_some() {
        let mut r = Row::new(Node::Matrix, 1, RowKind::Item, "Matrix");
        r.detail = match &m.matrix {
            Some(x) => format!("{} × {}; green {}", x.rows, x.columns, ratings(&x.green)),
            None => "none: set its rows and columns to rate contacts".into(),
        };
        out.push(r);
    }
    let mut tiers = Row::new(Node::Tiers, 0, RowKind::Section, "Tiers");
    if let Some(t) = &m.tiers {
        tiers.detail = format!("of {}", t.journey);
    }
    out.push(tiers);
    for (i, tier) in m.tiers.iter().flat_map(|t| t.levels.iter()).enumerate() {
        let mut r = Row::new(Node::Tier(i), 1, RowKind::Item, &tier.name);
        r.detail = format!("from {}", fmt_num(tier.at_least));
        if !tier.handover.is_empty() {
            r.detail.push_str(&format!(" → {}", tier.handover));
        }
        out.push(r);
    }
    out.push(Row::new(Node::Segments, 0, RowKind::Section, "Segments"));
    for (i, s) in m.segments.iter().enumerate() {
        let mut r = Row::new(
            Node::Segment(i),
            1,
            RowKind::Item,
            format!("{}. {}", i + 1, s.name),
        );
        r.detail = match &s.when {
            Some(c) => describe_condition(c),
            None => "everyone else".into(),
        };
        out.push(r);
    }
    out.push(Row::new(Node::Personas, 0, RowKind::Section, "Personas"));
    for (i, p) in m.personas.iter().enumerate() {
        let mut r = Row::new(Node::Persona(i), 1, RowKind::Item, &p.name);
        r.detail = describe_expectation(&p.expect);
        out.push(r);
    }
    out.push(Row::new(Node::Samples, 0, RowKind::Section, "Samples"));
    for (i, s) in m.samples.iter().enumerate() {
        let mut r = Row::new(
            Node::Sample(i),
            1,
            RowKind::Item,
            super::ops::sample_title(s),
        );
        r.detail = format!("{} value{}", s.len(), if s.len() == 1 { "" } else { "s" });
        out.push(r);
    }
    out.push(Row::new(Node::Fields, 0, RowKind::Section, "Fields"));
    for (i, f) in m.fields.iter().enumerate() {
        let mut r = Row::new(Node::Field(i), 1, RowKind::Item, &f.id);
        r.detail = f.kind.name().to_string();
        out.push(r);
    }
    out
}

/// A matrix zone's ratings, or "none".
pub fn ratings(zone: &[String]) -> String {
    if zone.is_empty() {
        "none".to_string()
    } else {
        zone.join(" ")
    }
}

/// What a persona is expected to get, in a few words: `tier hot, fit A or B`.
pub fn describe_expectation(e: &crate::model::Expectation) -> String {
    let names = |v: &crate::model::OneOrMany| v.items().join(" or ");
    let mut parts = Vec::new();
    for (what, v) in [
        ("tier", &e.tier),
        ("segment", &e.segment),
        ("rating", &e.rating),
    ] {
        if let Some(v) = v {
            parts.push(format!("{what} {}", names(v)));
        }
    }
    for (g, v) in &e.grades {
        parts.push(format!("{g} {}", names(v)));
    }
    for (j, r) in &e.scores {
        let range = match (r.at_least, r.at_most) {
            (Some(a), Some(b)) => format!("{}–{}", fmt_num(a), fmt_num(b)),
            (Some(a), None) => format!("≥ {}", fmt_num(a)),
            (None, Some(b)) => format!("≤ {}", fmt_num(b)),
            (None, None) => "any".into(),
        };
        parts.push(format!("{j} {range}"));
    }
    if parts.is_empty() {
        "expects nothing yet".into()
    } else {
        parts.join(", ")
    }
}

fn touchpoint_rows(j: usize, path: Vec<usize>, t: &Touchpoint, depth: u16, out: &mut Vec<Row>) {
    let mut r = Row::new(
        Node::Touchpoint {
            journey: j,
            path: path.clone(),
        },
        depth,
        RowKind::Touchpoint,
        t.title(),
    );
    r.weight = Some(t.weight);
    r.open_question = t.open_question;
    if !t.touchpoints.is_empty() {
        r.group_sum = Some(sum(&t.touchpoints, |c| c.weight));
    } else if !t.signals.is_empty() {
        r.group_sum = Some(sum(&t.signals, |s| s.weight));
    }
    out.push(r);
    for (i, s) in t.signals.iter().enumerate() {
        let node = Node::Signal {
            journey: j,
            touchpoint: path.clone(),
            index: i,
        };
        let mut r = Row::new(node, depth + 1, RowKind::Signal, &s.field);
        r.detail = s.rule.kind_name().to_string();
        r.weight = Some(s.weight);
        out.push(r);
    }
    for (i, c) in t.touchpoints.iter().enumerate() {
        let mut p = path.clone();
        p.push(i);
        touchpoint_rows(j, p, c, depth + 1, out);
    }
}

pub use crate::model::rules::fmt_num;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_written() {
        assert_eq!(fmt_num(3.0), "3");
        assert_eq!(fmt_num(-15.0), "-15");
        assert_eq!(fmt_num(2.5), "2.5");
        assert_eq!(fmt_num(0.125), "0.125");
    }
}
