//! The properties the detail pane shows and edits, for every kind of node.
//!
//! A property is read as raw text and written from raw text: [`raw`] gives what an editor
//! starts with, [`set`] validates what was typed and returns the changed item, or a message
//! that says what is wrong. Toggles and choices go through the same path with their option
//! names, so every edit, typed or not, is validated in one place and becomes one
//! `Op::Replace`. Nothing here changes the model.

use super::ops::{Item, Node};
use crate::model::rules::{fmt_num, number, optional_attainment};
use crate::model::{
    Condition, Date, Decay, Ending, FieldKind, Matrix, Model, Owner, Pillar, Stage, TouchpointKind,
    Weight,
};
use indexmap::IndexMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Prop {
    Id,
    Name,
    AsOf,
    Contacts,
    Ending,
    Stage,
    TouchpointKind,
    Owner,
    Influence,
    Pillar(Pillar),
    Weight,
    OpenQuestion,
    Field,
    Rule,
    Decay,
    When,
    Points,
    Action,
    Route,
    Handover,
    AtLeast,
    ToPerson,
    Journey,
    Bands,
    FieldKind,
    Label,
    Column,
    Missing,
    /// A signal's attainment for a contact without a value.
    MissingGives,
    /// A derived field's expression (`model::expr`).
    Expr,
    /// The matrix's row grade, column grade, and the ratings of its green and amber zones.
    MatrixRows,
    MatrixColumns,
    Green,
    Amber,
    /// A persona's field values.
    Values,
    /// What a persona should get.
    Expect,
    Note,
}

/// How a property is edited.
#[derive(Clone, Debug, PartialEq)]
pub enum EditKind {
    /// One line of text, validated by [`set`].
    Line,
    /// A multi-line note.
    Note,
    /// A weight: typed, nudged, balanced.
    Weight,
    /// One of a few names, cycled with Enter or the arrows.
    Choice(Vec<&'static str>),
    Toggle,
    /// A field of the model, picked from a list.
    PickField,
    /// A journey of the model, picked from a list.
    PickJourney,
    /// A signal's rule, in the rule form.
    Rule,
}

const TO_PERSON: [&str; 3] = ["auto", "yes", "no"];

impl Prop {
    pub fn label(self) -> &'static str {
        match self {
            Prop::Id => "Id",
            Prop::Name => "Name",
            Prop::AsOf => "As of",
            Prop::Contacts => "Contacts",
            Prop::Ending => "Ending",
            Prop::Stage => "Stage",
            Prop::TouchpointKind => "Kind",
            Prop::Owner => "Owner",
            Prop::Influence => "Mkt influence",
            Prop::Pillar(p) => p.label(),
            Prop::Weight => "Weight",
            Prop::OpenQuestion => "Open question",
            Prop::Field => "Field",
            Prop::Rule => "Rule",
            Prop::Decay => "Decay",
            Prop::When => "When",
            Prop::Points => "Points",
            Prop::Action => "Action",
            Prop::Route => "Route",
            Prop::Handover => "Handover",
            Prop::AtLeast => "From score",
            Prop::ToPerson => "Goes to a person",
            Prop::Journey => "Journey",
            Prop::Bands => "Bands",
            Prop::FieldKind => "Kind",
            Prop::Label => "Label",
            Prop::Column => "Column",
            Prop::Missing => "Missing values",
            Prop::MissingGives => "Missing",
            Prop::Expr => "Expression",
            Prop::MatrixRows => "Rows",
            Prop::MatrixColumns => "Columns",
            Prop::Green => "Green",
            Prop::Amber => "Amber",
            Prop::Values => "Values",
            Prop::Expect => "Expects",
            Prop::Note => "Note",
        }
    }

    pub fn edit_kind(self) -> EditKind {
        match self {
            Prop::Ending => EditKind::Choice(Ending::ALL.iter().map(|e| e.name()).collect()),
            Prop::Stage => EditKind::Choice(Stage::ALL.iter().map(|e| e.name()).collect()),
            Prop::TouchpointKind => {
                EditKind::Choice(TouchpointKind::ALL.iter().map(|e| e.name()).collect())
            }
            Prop::Owner => EditKind::Choice(Owner::ALL.iter().map(|e| e.name()).collect()),
            Prop::FieldKind => EditKind::Choice(FieldKind::ALL.iter().map(|e| e.name()).collect()),
            Prop::ToPerson => EditKind::Choice(TO_PERSON.to_vec()),
            Prop::Influence | Prop::Pillar(_) | Prop::OpenQuestion => EditKind::Toggle,
            Prop::Weight => EditKind::Weight,
            Prop::Note => EditKind::Note,
            Prop::Field => EditKind::PickField,
            Prop::Journey => EditKind::PickJourney,
            Prop::Rule => EditKind::Rule,
            _ => EditKind::Line,
        }
    }

    /// A line under the editor saying what to type.
    pub fn help(self) -> &'static str {
        match self {
            Prop::Weight => "a percentage from 0 to 100, at most two decimals",
            Prop::When => "a condition in YAML: { field: visits, at_least: 3 }",
            Prop::Bands => "grade names and the score each starts at: { A: 75, B: 50, C: 0 }",
            Prop::Decay => "{ since: DATE_FIELD, half_life_days: 30 }, or empty for none",
            Prop::Missing => "values that mean no value, separated by commas: Select, N/A",
            Prop::MissingGives => {
                "a missing value's attainment, 0 to 1, or empty for the rule's (else 0)"
            }
            Prop::Expr => {
                "computed from other fields: web_visits_30d / (emails_sent_30d + 1); empty: read from its column"
            }
            Prop::AsOf => "a date (2026-11-01), or empty for today",
            Prop::Points => "points added (or taken away, negative) when the condition holds",
            Prop::AtLeast => "the lowest journey score of this tier, 0 to 100",
            Prop::Id => "a short unique id: letters, digits, _ and -",
            Prop::MatrixRows | Prop::MatrixColumns => {
                "a grade id (its bands make the rows or columns), or empty for no matrix"
            }
            Prop::Green | Prop::Amber => "ratings, separated by commas or spaces: A4, A3, B4",
            Prop::Values => {
                "field ids and values in YAML: { industry: Logistics, web_visits_30d: 6 }"
            }
            Prop::Expect => {
                "any of tier, segment, rating, grades, scores: { tier: hot, grades: { fit: [A, B] } }"
            }
            _ => "",
        }
    }
}

/// The properties of a node, in the order the detail pane lists them.
pub fn props(node: &Node) -> Vec<Prop> {
    use Prop::*;
    match node {
        Node::Model => vec![Name, AsOf, Contacts, Note],
        Node::Tiers => vec![Journey],
        Node::Journey(_) => vec![Id, Name, Ending, Stage, OpenQuestion, Note],
        Node::Touchpoint { .. } => {
            let mut v = vec![Id, Name, Weight, TouchpointKind, Owner, Influence];
            v.extend(crate::model::Pillar::ALL.iter().map(|p| Pillar(*p)));
            v.extend([OpenQuestion, Note]);
            v
        }
        Node::Signal { .. } => vec![Field, Weight, Rule, MissingGives, Decay, Note],
        Node::Adjustment { .. } => vec![Name, When, Points, Note],
        // Which journey a part is stays as written; its weight is the workshop's to move.
        Node::Part { .. } => vec![Journey, Weight],
        Node::Grade(_) => vec![Id, Journey, Bands],
        Node::Tier(_) => vec![Name, AtLeast, Handover, ToPerson],
        Node::Segment(_) => vec![Name, When, Action, Route, Note],
        Node::Persona(_) => vec![Name, Values, Expect, Note],
        Node::Sample(_) => vec![Values],
        Node::Matrix => vec![MatrixRows, MatrixColumns, Green, Amber],
        Node::Field(_) => vec![Id, FieldKind, Label, Column, Missing, Expr, Note],
        Node::Journeys
        | Node::Grades
        | Node::Segments
        | Node::Personas
        | Node::Samples
        | Node::Fields => Vec::new(),
        // At the account level the room moves weights and words: ids, fields, rules and
        // conditions are read by the block's other parts and stay as the file has them; the
        // roll-ups and roles (its fields) are read-only.
        Node::Account(n) if matches!(**n, Node::Field(_)) => Vec::new(),
        Node::Account(n) => props(n)
            .into_iter()
            .filter(|p| {
                matches!(
                    p,
                    Name | Weight | Note | Points | AtLeast | Handover | Action | Route
                )
            })
            .collect(),
    }
}

fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.into()
}

fn opt(s: &Option<String>) -> String {
    s.clone().unwrap_or_default()
}

/// The raw text of a property: what an editor starts with.
pub fn raw(item: &Item, prop: Prop) -> String {
    use Item as I;
    match (item, prop) {
        (I::Info(i), Prop::Name) => i.name.clone(),
        (I::Info(i), Prop::AsOf) => i.as_of.map(|d| d.to_string()).unwrap_or_default(),
        (I::Info(i), Prop::Contacts) => opt(&i.contacts),
        (I::Info(i), Prop::Note) => opt(&i.note),
        (I::TiersJourney(j), Prop::Journey) => j.clone(),
        (I::Journey(j), Prop::Id) => j.id.clone(),
        (I::Journey(j), Prop::Name) => j.name.clone(),
        (I::Journey(j), Prop::Ending) => j.ending.name().into(),
        (I::Journey(j), Prop::Stage) => j.stage.name().into(),
        (I::Journey(j), Prop::OpenQuestion) => yes_no(j.open_question),
        (I::Journey(j), Prop::Note) => opt(&j.note),
        (I::Touchpoint(t), Prop::Id) => t.id.clone(),
        (I::Touchpoint(t), Prop::Name) => t.name.clone(),
        (I::Touchpoint(t), Prop::Weight) => t.weight.to_string(),
        (I::Touchpoint(t), Prop::TouchpointKind) => t.kind.name().into(),
        (I::Touchpoint(t), Prop::Owner) => t.owner.name().into(),
        (I::Touchpoint(t), Prop::Influence) => yes_no(t.marketing_influence),
        (I::Touchpoint(t), Prop::Pillar(p)) => yes_no(t.pillars.contains(&p)),
        (I::Touchpoint(t), Prop::OpenQuestion) => yes_no(t.open_question),
        (I::Touchpoint(t), Prop::Note) => opt(&t.note),
        (I::Signal(s), Prop::Field) => s.field.clone(),
        (I::Signal(s), Prop::Weight) => s.weight.to_string(),
        (I::Signal(s), Prop::Rule) => s.rule.kind_name().into(),
        (I::Signal(s), Prop::MissingGives) => s.missing.map(fmt_num).unwrap_or_default(),
        (I::Signal(s), Prop::Decay) => s.decay.as_ref().map(flow).unwrap_or_default(),
        (I::Signal(s), Prop::Note) => opt(&s.note),
        (I::Adjustment(a), Prop::Name) => a.name.clone(),
        (I::Adjustment(a), Prop::When) => flow(&a.when),
        (I::Adjustment(a), Prop::Points) => fmt_num(a.points),
        (I::Adjustment(a), Prop::Note) => opt(&a.note),
        (I::Grade(g), Prop::Id) => g.id.clone(),
        (I::Grade(g), Prop::Journey) => g.journey.clone(),
        (I::Part(p), Prop::Journey) => p.journey.clone(),
        (I::Part(p), Prop::Weight) => p.weight.to_string(),
        (I::Grade(g), Prop::Bands) => flow(&g.bands),
        (I::Tier(t), Prop::Name) => t.name.clone(),
        (I::Tier(t), Prop::AtLeast) => fmt_num(t.at_least),
        (I::Tier(t), Prop::Handover) => t.handover.clone(),
        (I::Tier(t), Prop::ToPerson) => match t.to_person {
            None => "auto",
            Some(true) => "yes",
            Some(false) => "no",
        }
        .into(),
        (I::Segment(s), Prop::Name) => s.name.clone(),
        (I::Segment(s), Prop::When) => s.when.as_ref().map(flow).unwrap_or_default(),
        (I::Segment(s), Prop::Action) => s.action.clone(),
        (I::Segment(s), Prop::Route) => s.route.clone(),
        (I::Segment(s), Prop::Note) => opt(&s.note),
        (I::Matrix(x), Prop::MatrixRows) => x.as_ref().map(|x| x.rows.clone()).unwrap_or_default(),
        (I::Matrix(x), Prop::MatrixColumns) => {
            x.as_ref().map(|x| x.columns.clone()).unwrap_or_default()
        }
        (I::Matrix(x), Prop::Green) => x.as_ref().map(|x| x.green.join(", ")).unwrap_or_default(),
        (I::Matrix(x), Prop::Amber) => x.as_ref().map(|x| x.amber.join(", ")).unwrap_or_default(),
        (I::Persona(p), Prop::Name) => p.name.clone(),
        (I::Persona(p), Prop::Values) => flow(&p.values),
        (I::Sample(s), Prop::Values) => flow(s),
        (I::Persona(p), Prop::Expect) => flow(&p.expect),
        (I::Persona(p), Prop::Note) => opt(&p.note),
        (I::Field(f), Prop::Id) => f.id.clone(),
        (I::Field(f), Prop::FieldKind) => f.kind.name().into(),
        (I::Field(f), Prop::Label) => opt(&f.label),
        (I::Field(f), Prop::Column) => opt(&f.column),
        (I::Field(f), Prop::Missing) => f.missing.join(", "),
        (I::Field(f), Prop::Expr) => f.expr.as_ref().map(|d| d.text.clone()).unwrap_or_default(),
        (I::Field(f), Prop::Note) => opt(&f.note),
        _ => String::new(),
    }
}

/// What the detail pane shows for a property: the raw text, or a sentence for the
/// structured ones.
pub fn display(item: &Item, prop: Prop, model: &Model) -> String {
    match (item, prop) {
        (Item::Signal(s), Prop::Rule) => s.words_in(model),
        // The room knows a field by its label; the id stays beside it, as the picker shows it.
        (Item::Signal(s), Prop::Field) => match model.fields.iter().find(|f| f.id == s.field) {
            Some(crate::model::Field {
                label: Some(label), ..
            }) => format!("{label} ({})", s.field),
            _ => s.field.clone(),
        },
        (Item::Adjustment(a), Prop::When) => describe_condition(&a.when),
        (Item::Segment(s), Prop::When) => match &s.when {
            Some(c) => describe_condition(c),
            None => "everyone (catch-all)".into(),
        },
        (Item::Signal(s), Prop::MissingGives) if s.missing.is_none() => {
            format!("{} (not set)", fmt_num(s.missing_attainment()))
        }
        (Item::Signal(s), Prop::Decay) => match &s.decay {
            Some(d) => format!(
                "halves every {} days since {}",
                fmt_num(d.half_life_days),
                d.since
            ),
            None => "none".into(),
        },
        (Item::Info(i), Prop::AsOf) if i.as_of.is_none() => "today".into(),
        _ => {
            let r = raw(item, prop);
            if prop == Prop::Note {
                r.lines().next().unwrap_or_default().to_string()
            } else {
                r
            }
        }
    }
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    if t.is_empty() {
        None
    } else {
        Some(s.trim_end().to_string())
    }
}

fn choice<T: Copy>(
    all: &[T],
    name: impl Fn(T) -> &'static str,
    raw: &str,
    what: &str,
) -> Result<T, String> {
    all.iter()
        .copied()
        .find(|x| name(*x) == raw.trim())
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|x| name(*x)).collect();
            format!(
                "'{}' is not a {what}: one of {}",
                raw.trim(),
                names.join(", ")
            )
        })
}

fn boolean(raw: &str) -> Result<bool, String> {
    match raw.trim() {
        "yes" | "true" => Ok(true),
        "no" | "false" => Ok(false),
        other => Err(format!("'{other}' is not yes or no")),
    }
}

fn id(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Err("an id cannot be empty".into());
    }
    if let Some(c) = t
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(format!("an id holds letters, digits, _ and -, not '{c}'"));
    }
    Ok(t.to_string())
}

fn yaml<T: serde::de::DeserializeOwned>(raw: &str, what: &str) -> Result<T, String> {
    yaml_serde::from_str::<T>(raw).map_err(|e| {
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        format!("not a valid {what}: {}", msg.replace('`', "'"))
    })
}

/// The item with the property set from raw text, or why the text does not fit.
pub fn set(item: &Item, prop: Prop, raw: &str, model: &Model) -> Result<Item, String> {
    use Item as I;
    let mut item = item.clone();
    match (&mut item, prop) {
        (I::Info(i), Prop::Name) => {
            i.name = non_empty(raw).ok_or("the model needs a name")?;
        }
        (I::Info(i), Prop::AsOf) => {
            i.as_of = match non_empty(raw) {
                None => None,
                Some(t) => Some(
                    Date::parse(t.trim())
                        .ok_or(format!("'{}' is not a date like 2026-11-01", t.trim()))?,
                ),
            }
        }
        (I::Info(i), Prop::Contacts) => i.contacts = non_empty(raw).map(|s| s.trim().to_string()),
        (I::Info(i), Prop::Note) => i.note = non_empty(raw),
        (I::TiersJourney(j), Prop::Journey) => *j = known_journey(raw, model)?,
        (I::Journey(j), Prop::Id) => j.id = id(raw)?,
        (I::Journey(j), Prop::Name) => j.name = raw.trim().to_string(),
        (I::Journey(j), Prop::Ending) => {
            j.ending = choice(&Ending::ALL, Ending::name, raw, "journey ending")?
        }
        (I::Journey(j), Prop::Stage) => j.stage = choice(&Stage::ALL, Stage::name, raw, "stage")?,
        (I::Journey(j), Prop::OpenQuestion) => j.open_question = boolean(raw)?,
        (I::Journey(j), Prop::Note) => j.note = non_empty(raw),
        (I::Touchpoint(t), Prop::Id) => t.id = id(raw)?,
        (I::Touchpoint(t), Prop::Name) => t.name = raw.trim().to_string(),
        (I::Touchpoint(t), Prop::Weight) => t.weight = Weight::parse(raw)?,
        (I::Touchpoint(t), Prop::TouchpointKind) => {
            t.kind = choice(
                &TouchpointKind::ALL,
                TouchpointKind::name,
                raw,
                "touchpoint kind",
            )?
        }
        (I::Touchpoint(t), Prop::Owner) => {
            t.owner = choice(&Owner::ALL, Owner::name, raw, "owner")?
        }
        (I::Touchpoint(t), Prop::Influence) => t.marketing_influence = boolean(raw)?,
        (I::Touchpoint(t), Prop::Pillar(p)) => {
            t.pillars.retain(|x| *x != p);
            if boolean(raw)? {
                t.pillars.push(p);
                // Keep the file's order stable: pillars in their canonical order.
                t.pillars.sort();
            }
        }
        (I::Touchpoint(t), Prop::OpenQuestion) => t.open_question = boolean(raw)?,
        (I::Touchpoint(t), Prop::Note) => t.note = non_empty(raw),
        (I::Signal(s), Prop::Field) => s.field = known_field(raw, model)?,
        (I::Signal(s), Prop::Weight) => s.weight = Weight::parse(raw)?,
        (I::Signal(s), Prop::MissingGives) => {
            s.missing = optional_attainment(raw, "a missing value's attainment")?
        }
        (I::Signal(s), Prop::Decay) => {
            s.decay = match non_empty(raw) {
                None => None,
                Some(t) => {
                    let d: Decay = yaml(&t, "decay")?;
                    known_field(&d.since, model)?;
                    if d.half_life_days.is_nan() || d.half_life_days <= 0.0 {
                        return Err("half_life_days must be more than 0".into());
                    }
                    Some(d)
                }
            }
        }
        (I::Signal(s), Prop::Note) => s.note = non_empty(raw),
        (I::Adjustment(a), Prop::Name) => {
            a.name = non_empty(raw).ok_or("an adjustment needs a name")?
        }
        (I::Adjustment(a), Prop::When) => {
            a.when = yaml::<Condition>(non_empty(raw).as_deref().unwrap_or("{}"), "condition")?
        }
        (I::Adjustment(a), Prop::Points) => a.points = number(raw, "points")?,
        (I::Adjustment(a), Prop::Note) => a.note = non_empty(raw),
        (I::Grade(g), Prop::Id) => g.id = id(raw)?,
        (I::Grade(g), Prop::Journey) => g.journey = known_journey(raw, model)?,
        (I::Part(p), Prop::Journey) => p.journey = known_journey(raw, model)?,
        (I::Part(p), Prop::Weight) => p.weight = Weight::parse(raw)?,
        (I::Grade(g), Prop::Bands) => {
            g.bands = yaml::<IndexMap<String, f64>>(raw, "list of bands")?
        }
        (I::Tier(t), Prop::Name) => t.name = non_empty(raw).ok_or("a tier needs a name")?,
        (I::Tier(t), Prop::AtLeast) => {
            let v = number(raw, "a threshold")?;
            if !(0.0..=100.0).contains(&v) {
                return Err(format!(
                    "{} is outside 0 to 100: scores run from 0 to 100",
                    fmt_num(v)
                ));
            }
            t.at_least = v;
        }
        (I::Tier(t), Prop::Handover) => t.handover = raw.trim().to_string(),
        (I::Tier(t), Prop::ToPerson) => {
            t.to_person = match raw.trim() {
                "auto" => None,
                other => Some(boolean(other)?),
            }
        }
        (I::Segment(s), Prop::Name) => s.name = non_empty(raw).ok_or("a segment needs a name")?,
        (I::Segment(s), Prop::When) => {
            s.when = match non_empty(raw) {
                None => None,
                Some(t) => Some(yaml::<Condition>(&t, "condition")?),
            }
        }
        (I::Segment(s), Prop::Action) => s.action = raw.trim().to_string(),
        (I::Segment(s), Prop::Route) => s.route = raw.trim().to_string(),
        (I::Segment(s), Prop::Note) => s.note = non_empty(raw),
        (I::Matrix(x), prop @ (Prop::MatrixRows | Prop::MatrixColumns)) => {
            let Some(id) = non_empty(raw).map(|s| s.trim().to_string()) else {
                // No grade: no matrix.
                *x = None;
                return Ok(item);
            };
            if !model.grades.iter().any(|g| g.id == id) {
                let ids: Vec<&str> = model.grades.iter().map(|g| g.id.as_str()).collect();
                return Err(format!(
                    "no grade '{id}'; the grades are: {}",
                    if ids.is_empty() {
                        "none yet".to_string()
                    } else {
                        ids.join(", ")
                    }
                ));
            }
            // A new matrix starts with another grade on the other side, then takes the one typed.
            let other = model
                .grades
                .iter()
                .map(|g| g.id.clone())
                .find(|g| *g != id)
                .unwrap_or_else(|| id.clone());
            let m = x.get_or_insert_with(|| Matrix {
                rows: other.clone(),
                columns: other,
                green: Vec::new(),
                amber: Vec::new(),
            });
            if prop == Prop::MatrixRows {
                m.rows = id;
            } else {
                m.columns = id;
            }
        }
        (I::Matrix(x), prop @ (Prop::Green | Prop::Amber)) => {
            let Some(m) = x.as_mut() else {
                return Err("set the matrix's rows and columns first".into());
            };
            let cells: Vec<String> = raw
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            if prop == Prop::Green {
                m.green = cells;
            } else {
                m.amber = cells;
            }
        }
        (I::Persona(p), Prop::Name) => p.name = non_empty(raw).ok_or("a persona needs a name")?,
        (I::Persona(p), Prop::Values) => {
            p.values = match non_empty(raw) {
                None => Default::default(),
                Some(t) => yaml(&t, "set of values (field: value, ...)")?,
            }
        }
        (I::Persona(p), Prop::Expect) => {
            p.expect = match non_empty(raw) {
                None => Default::default(),
                Some(t) => yaml(&t, "expectation")?,
            }
        }
        (I::Persona(p), Prop::Note) => p.note = non_empty(raw),
        (I::Sample(s), Prop::Values) => {
            *s = match non_empty(raw) {
                None => Default::default(),
                Some(t) => yaml(&t, "set of values (column: value, ...)")?,
            }
        }
        (I::Field(f), Prop::Id) => f.id = id(raw)?,
        (I::Field(f), Prop::FieldKind) => {
            f.kind = choice(&FieldKind::ALL, FieldKind::name, raw, "field kind")?
        }
        (I::Field(f), Prop::Label) => f.label = non_empty(raw).map(|s| s.trim().to_string()),
        (I::Field(f), Prop::Column) => f.column = non_empty(raw).map(|s| s.trim().to_string()),
        (I::Field(f), Prop::Missing) => {
            f.missing = raw
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        }
        (I::Field(f), Prop::Expr) => {
            f.expr = match non_empty(raw) {
                None => None,
                Some(t) => Some(derivation(t.trim(), f, model)?),
            }
        }
        (I::Field(f), Prop::Note) => f.note = non_empty(raw),
        _ => return Err(format!("{} cannot be set here", prop.label())),
    }
    Ok(item)
}

/// A derived field's expression, refused with its located error when it does not parse or
/// type as the field's kind: the form keeps the text and shows why, the model keeps its old
/// expression.
fn derivation(
    text: &str,
    f: &crate::model::Field,
    model: &Model,
) -> Result<crate::model::expr::Derivation, String> {
    let d = crate::model::expr::Derivation::new(text);
    let parsed = d.parsed.as_ref().map_err(|e| e.to_string())?;
    let known: Vec<&str> = model.fields.iter().map(|g| g.id.as_str()).collect();
    let kind_of = |id: &str| {
        model
            .fields
            .iter()
            .rev()
            .find(|g| g.id == id)
            .map(|g| g.kind)
    };
    let t = parsed
        .expr
        .type_of(&parsed.columns, &kind_of, &known)
        .map_err(|e| e.to_string())?;
    if t.kind() != f.kind {
        return Err(format!(
            "the expression gives a {}, but the field is a {}",
            t.name(),
            f.kind.name()
        ));
    }
    Ok(d)
}

fn known_journey(raw: &str, model: &Model) -> Result<String, String> {
    let t = raw.trim();
    if model.journeys.iter().any(|j| j.id == t) {
        Ok(t.to_string())
    } else {
        let ids: Vec<&str> = model.journeys.iter().map(|j| j.id.as_str()).collect();
        Err(format!("no journey '{t}': one of {}", ids.join(", ")))
    }
}

fn known_field(raw: &str, model: &Model) -> Result<String, String> {
    let t = raw.trim();
    if model.fields.iter().any(|f| f.id == t) {
        Ok(t.to_string())
    } else {
        Err(format!(
            "no field '{t}': add it first, or pick one of the model's fields"
        ))
    }
}

/// A value as one line of YAML in flow style: `{ field: visits, at_least: 3 }`.
pub fn flow<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(v) => flow_value(&v),
        Err(_) => String::new(),
    }
}

fn flow_value(v: &serde_json::Value) -> String {
    use serde_json::Value as V;
    match v {
        V::Null => "null".into(),
        V::Bool(b) => b.to_string(),
        V::Number(n) => n.as_f64().map(fmt_num).unwrap_or_else(|| n.to_string()),
        V::String(s) => flow_str(s),
        V::Array(a) => format!(
            "[{}]",
            a.iter().map(flow_value).collect::<Vec<_>>().join(", ")
        ),
        V::Object(o) => {
            let parts: Vec<String> = o
                .iter()
                .map(|(k, v)| format!("{}: {}", flow_str(k), flow_value(v)))
                .collect();
            if parts.is_empty() {
                "{}".into()
            } else {
                format!("{{ {} }}", parts.join(", "))
            }
        }
    }
}

fn flow_str(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | ' ' | '.' | '/'))
        && !s.starts_with(['-', ' ', '.'])
        && !s.ends_with(' ')
        && s.parse::<f64>().is_err()
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "y" | "n" | "on" | "off" | "null" | "~"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| format!("'{s}'"))
    }
}

/// A condition in words: `visits at least 3`, `tier is hot or warm`.
pub fn describe_condition(c: &Condition) -> String {
    let mut parts = Vec::new();
    let subject = if let Some(f) = &c.field {
        Some(f.replace('_', " "))
    } else if let Some(j) = &c.journey {
        Some(format!("{j} score"))
    } else {
        c.grade.as_ref().map(|g| format!("grade {g}"))
    };
    if let Some(t) = &c.tier {
        parts.push(format!("tier is {}", t.items().join(" or ")));
    }
    if let Some(r) = &c.rating {
        parts.push(format!("rating is {}", r.items().join(" or ")));
    }
    if let Some(s) = &subject {
        let mut tests = Vec::new();
        if let Some(v) = c.at_least_value() {
            tests.push(format!("at least {}", fmt_num(v)));
        }
        if let Some(v) = c.below_value() {
            tests.push(format!("below {}", fmt_num(v)));
        }
        if let Some(v) = c.equals_value() {
            tests.push(format!("is {v}"));
        }
        for (op, other) in c.other_fields() {
            tests.push(format!("{} {}", op.words(), other.replace('_', " ")));
        }
        if let Some(vs) = &c.one_of {
            tests.push(format!(
                "is one of {}",
                vs.iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        match c.present {
            Some(true) => tests.push("is given".into()),
            Some(false) => tests.push("is missing".into()),
            None => {}
        }
        if tests.is_empty() {
            tests.push("is given".into());
        }
        parts.push(format!("{s} {}", tests.join(" and ")));
    }
    if !c.all.is_empty() {
        parts.push(
            c.all
                .iter()
                .map(describe_condition)
                .collect::<Vec<_>>()
                .join(" and "),
        );
    }
    if !c.any.is_empty() {
        parts.push(format!(
            "({})",
            c.any
                .iter()
                .map(describe_condition)
                .collect::<Vec<_>>()
                .join(" or ")
        ));
    }
    if let Some(n) = &c.not {
        parts.push(format!("not ({})", describe_condition(n)));
    }
    if parts.is_empty() {
        "always".into()
    } else {
        parts.join(" and ")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::model::{Field, Journey, Touchpoint};

    #[test]
    fn conditions_round_trip_as_flow_yaml() {
        let c: Condition = yaml_serde::from_str("{ field: visits, at_least: 3 }").unwrap();
        assert_eq!(flow(&c), "{ field: visits, at_least: 3 }");
        assert_eq!(describe_condition(&c), "visits at least 3");
        let c: Condition = yaml_serde::from_str("{ tier: [hot, warm] }").unwrap();
        assert_eq!(describe_condition(&c), "tier is hot or warm");
        let back: Condition = yaml_serde::from_str(&flow(&c)).unwrap();
        assert_eq!(back, c);
        let odd: Condition = yaml_serde::from_str("{ field: x, equals: 'yes' }").unwrap();
        assert_eq!(yaml_serde::from_str::<Condition>(&flow(&odd)).unwrap(), odd);
        // Another field as the value (issue 14), edited in place as YAML like any condition.
        let two: Condition =
            yaml_serde::from_str("{ field: web_visits, at_least: { field: emails_sent } }")
                .unwrap();
        assert_eq!(
            flow(&two),
            "{ field: web_visits, at_least: { field: emails_sent } }"
        );
        assert_eq!(describe_condition(&two), "web visits at least emails sent");
        assert_eq!(yaml_serde::from_str::<Condition>(&flow(&two)).unwrap(), two);
    }

    #[test]
    fn a_derived_fields_expression_is_validated_in_place() {
        let mut m = Model::default();
        m.fields
            .push(Field::new("web_visits_30d", FieldKind::Number));
        m.fields.push(Field::new("emails", FieldKind::Number));
        let f = Item::Field(Field::new("per_mail", FieldKind::Number));
        let Ok(Item::Field(set_f)) = set(&f, Prop::Expr, " web_visits_30d / (emails + 1) ", &m)
        else {
            panic!()
        };
        assert_eq!(
            raw(&Item::Field(set_f.clone()), Prop::Expr),
            "web_visits_30d / (emails + 1)"
        );
        assert!(set_f.derived().is_some());
        assert_eq!(
            set(&f, Prop::Expr, "web_visit_30d / 2", &m).unwrap_err(),
            "unknown field 'web_visit_30d', did you mean 'web_visits_30d'? (column 1 of the expression)"
        );
        assert_eq!(
            set(&f, Prop::Expr, "emails + ", &m).unwrap_err(),
            "expected a value, found end of the expression (column 9 of the expression)"
        );
        assert_eq!(
            set(&f, Prop::Expr, "emails > 1", &m).unwrap_err(),
            "the expression gives a boolean, but the field is a number"
        );
        // Empty: read from its column again.
        let Ok(Item::Field(back)) = set(&Item::Field(set_f), Prop::Expr, " ", &m) else {
            panic!()
        };
        assert!(back.expr.is_none());
    }

    #[test]
    fn set_validates() {
        let mut m = Model::default();
        m.fields.push(Field::new("visits", FieldKind::Number));
        m.journeys.push(Journey::new("j"));
        let t = Item::Touchpoint(Touchpoint::new("t", Weight(5000)));
        for bad in ["abc", "-5", "120"] {
            assert!(set(&t, Prop::Weight, bad, &m).is_err(), "{bad}");
        }
        let Ok(Item::Touchpoint(t2)) = set(&t, Prop::Pillar(Pillar::Empathy), "yes", &m) else {
            panic!()
        };
        assert_eq!(t2.pillars, vec![Pillar::Empathy]);
        assert!(
            set(&t, Prop::Id, "a b", &m)
                .unwrap_err()
                .contains("not ' '")
        );
        // A signal's own attainment for a missing value: 0 to 1, or empty for none.
        let s = Item::Signal(crate::model::Signal {
            field: "visits".into(),
            weight: Weight::HUNDRED,
            rule: crate::model::Rule::Present,
            missing: None,
            decay: None,
            note: None,
        });
        assert_eq!(display(&s, Prop::MissingGives, &m), "0 (not set)");
        let Ok(Item::Signal(with)) = set(&s, Prop::MissingGives, "0.5", &m) else {
            panic!()
        };
        assert_eq!(with.missing, Some(0.5));
        let with = Item::Signal(with);
        assert_eq!(raw(&with, Prop::MissingGives), "0.5");
        assert!(
            set(&with, Prop::MissingGives, "2", &m)
                .unwrap_err()
                .contains("0 to 1")
        );
        assert_eq!(set(&with, Prop::MissingGives, " ", &m), Ok(s));
        let g = Item::TiersJourney("x".into());
        assert!(set(&g, Prop::Journey, "nope", &m).is_err());
        assert_eq!(
            set(&g, Prop::Journey, "j", &m),
            Ok(Item::TiersJourney("j".into()))
        );
    }
}
