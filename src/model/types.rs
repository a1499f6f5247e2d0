//! The model's types: everything a model file says, in the order the file says it.
//!
//! These types are the file format. Every map keeps its order (journeys, touchpoints, match
//! values, grade bands), unknown keys are refused, and defaults are left out when writing, so
//! that reading a file and writing it back gives the same model. Ids are free text chosen by
//! the model's authors; the checks (not the types) hold them unique.

use super::date::Date;
use super::operand::Operand;
use super::weight::Weight;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::fmt;

fn is_false(b: &bool) -> bool {
    !*b
}
fn is_true(b: &bool) -> bool {
    *b
}
fn yes() -> bool {
    true
}

/// A whole scoring model: one YAML file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Model {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Fixed reference date for recency and decay, so that previews repeat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Date>,
    /// Default sample contacts file, relative to the model's own folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contacts: Option<String>,
    /// An event log read beside (or, with no contacts, instead of) the contacts (issue 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<super::events::EventsSource>,
    /// The contacts column that identifies a contact (default: `id`, else the first column).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_column: Option<String>,
    /// Columns shown beside the id in previews (a name, a company).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub show: Vec<String>,
    /// A historical outcome column (0/1, yes/no, true/false) for back-tests and conversion
    /// rates, optionally with the words it is said in (`{ column: Exited, says: left the bank }`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Outcome>,
    #[serde(default)]
    pub fields: Vec<Field>,
    #[serde(default)]
    pub journeys: Vec<Journey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<Grade>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrix: Option<Matrix>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<Tiers>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<Segment>,
    /// The account level: contacts grouped by a column, scored as accounts (`model::accounts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accounts: Option<super::accounts::Accounts>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub personas: Vec<Persona>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<IndexMap<String, Scalar>>,
    /// Limits on what `tune` may change: weights the workshop fixed or bounded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tuning: Vec<TuneLimit>,
}

/// The outcome column, and what a contact whose outcome is "yes" did, in the model's words.
///
/// Written as a column name (`outcome: Converted`) or as a map
/// (`outcome: { column: Exited, says: left the bank }`); a plain name is written back plain.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The outcome column; for an outcome read from the events, the name of the column the
    /// event log gives it (`purchase within 90d`).
    pub column: String,
    /// An outcome read from the event log (issue 20): an event of this type within this many
    /// days on or after `as_of` (`outcome: { event: purchase, within: 90d }`).
    pub event: Option<(String, super::events::Days)>,
    /// What the contacts whose outcome is "yes" did ("left the bank"); else the words of the
    /// tier journey's ending.
    pub says: Option<String>,
}

impl From<&str> for Outcome {
    fn from(column: &str) -> Outcome {
        Outcome {
            column: column.into(),
            event: None,
            says: None,
        }
    }
}

impl Serialize for Outcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match (&self.says, &self.event) {
            (None, None) => s.serialize_str(&self.column),
            (says, event) => {
                let mut m = s.serialize_map(None)?;
                match event {
                    Some((e, within)) => {
                        m.serialize_entry("event", e)?;
                        m.serialize_entry("within", within)?;
                    }
                    None => m.serialize_entry("column", &self.column)?,
                }
                if let Some(says) = says {
                    m.serialize_entry("says", says)?;
                }
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Described {
            #[serde(default)]
            column: Option<String>,
            #[serde(default)]
            event: Option<String>,
            #[serde(default)]
            within: Option<super::events::Days>,
            #[serde(default)]
            says: Option<String>,
        }
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Outcome;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a column name, { column: NAME, says: WORDS }, or { event: TYPE, within: 90d }",
                )
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Outcome, E> {
                Ok(Outcome::from(v))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, m: A) -> Result<Outcome, A::Error> {
                use serde::de::Error;
                let d = Described::deserialize(serde::de::value::MapAccessDeserializer::new(m))?;
                let (column, event) = match (d.column, d.event, d.within) {
                    (Some(c), None, None) => (c, None),
                    (None, Some(e), Some(w)) => (format!("{e} within {w}"), Some((e, w))),
                    (None, Some(_), None) => {
                        return Err(A::Error::custom(
                            "an outcome event needs its window: { event: TYPE, within: 90d }",
                        ));
                    }
                    _ => {
                        return Err(A::Error::custom(
                            "an outcome is a column ({ column: NAME }) or an event \
                             ({ event: TYPE, within: 90d }), not both",
                        ));
                    }
                };
                Ok(Outcome {
                    column,
                    event,
                    says: d.says.filter(|s| !s.trim().is_empty()),
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// How an outcome is named in back-tests, reports and the designer: "converted" for a
/// conversion journey, "left" for attrition, "expanded" for expansion, or the model's own words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutcomeWords {
    /// What a contact whose outcome is "yes" did: "converted", "left", "left the bank".
    pub did: String,
    /// The ending these words come from, when they come from one.
    pub ending: Option<Ending>,
}

impl OutcomeWords {
    pub fn of_ending(ending: Ending) -> OutcomeWords {
        let did = match ending {
            Ending::Conversion | Ending::Dimension => "converted",
            Ending::Expansion => "expanded",
            Ending::Attrition => "left",
        };
        OutcomeWords {
            did: did.into(),
            ending: Some(ending),
        }
    }
    /// "of those who left", "of those who converted".
    pub fn of_those(&self) -> String {
        format!("of those who {}", self.did)
    }
}

impl Model {
    /// The journeys in an order where every composite comes after its parts, and the first
    /// cycle of parts if there is one (as journey ids, the first repeated at the end). In a
    /// cycle, the part that closes it is left out of the order's dependencies: `check`
    /// refuses such a model, and the engine scores that part as 0 rather than loop.
    pub fn journey_order(&self) -> (Vec<usize>, Option<Vec<String>>) {
        fn visit(
            m: &Model,
            ji: usize,
            state: &mut [u8],
            stack: &mut Vec<usize>,
            order: &mut Vec<usize>,
            cycle: &mut Option<Vec<String>>,
        ) {
            // 0: not seen, 1: on the stack, 2: done.
            state[ji] = 1;
            stack.push(ji);
            for p in &m.journeys[ji].parts {
                let Some(pi) = m.journeys.iter().position(|j| j.id == p.journey) else {
                    continue;
                };
                match state[pi] {
                    0 => visit(m, pi, state, stack, order, cycle),
                    1 if cycle.is_none() => {
                        let from = stack.iter().position(|&s| s == pi).unwrap_or(0);
                        let mut ids: Vec<String> = stack[from..]
                            .iter()
                            .map(|&s| m.journeys[s].id.clone())
                            .collect();
                        ids.push(m.journeys[pi].id.clone());
                        *cycle = Some(ids);
                    }
                    _ => {}
                }
            }
            stack.pop();
            state[ji] = 2;
            order.push(ji);
        }
        let mut state = vec![0u8; self.journeys.len()];
        let mut order = Vec::with_capacity(self.journeys.len());
        let mut cycle = None;
        for ji in 0..self.journeys.len() {
            if state[ji] == 0 {
                visit(
                    self,
                    ji,
                    &mut state,
                    &mut Vec::new(),
                    &mut order,
                    &mut cycle,
                );
            }
        }
        (order, cycle)
    }
    /// A composite journey's parts as (journey index, weight fraction), leaving out a part
    /// that names no journey or that does not come before it in `order` (a cycle): `check`
    /// refuses both.
    pub fn parts_of(&self, ji: usize, order: &[usize]) -> Vec<(usize, f64)> {
        let pos = |i: usize| order.iter().position(|&o| o == i);
        let Some(me) = pos(ji) else {
            return Vec::new();
        };
        self.journeys[ji]
            .parts
            .iter()
            .filter_map(|p| {
                let pi = self.journeys.iter().position(|j| j.id == p.journey)?;
                (pos(pi)? < me).then_some((pi, p.weight.fraction()))
            })
            .collect()
    }
    /// Every signal of every journey, children's included, in file order.
    pub fn signals(&self) -> Vec<&Signal> {
        fn walk<'a>(t: &'a Touchpoint, out: &mut Vec<&'a Signal>) {
            out.extend(t.signals.iter());
            for c in &t.touchpoints {
                walk(c, out);
            }
        }
        let mut out = Vec::new();
        for j in &self.journeys {
            for t in &j.touchpoints {
                walk(t, &mut out);
            }
        }
        out
    }
    /// Whether scoring counts any age in days (a `recency` rule or a `decay`), and so depends
    /// on the reference date.
    pub fn counts_ages(&self) -> bool {
        self.signals()
            .iter()
            .any(|s| s.decay.is_some() || matches!(s.rule, Rule::Recency { .. }))
    }
    /// The outcome column, if the model names one.
    pub fn outcome_column(&self) -> Option<&str> {
        self.outcome.as_ref().map(|o| o.column.as_str())
    }
    /// The words for the outcome: the model's `outcome.says`, else the ending of the tier
    /// journey (else of the first journey with an ending other than `dimension`).
    pub fn outcome_words(&self) -> OutcomeWords {
        if let Some(says) = self.outcome.as_ref().and_then(|o| o.says.clone()) {
            return OutcomeWords {
                did: says,
                ending: None,
            };
        }
        let by_tiers = self
            .tiers
            .as_ref()
            .and_then(|t| self.journeys.iter().find(|j| j.id == t.journey))
            .map(|j| j.ending)
            .filter(|e| *e != Ending::Dimension);
        let ending = by_tiers
            .or_else(|| {
                self.journeys
                    .iter()
                    .map(|j| j.ending)
                    .find(|e| *e != Ending::Dimension)
            })
            .unwrap_or(Ending::Conversion);
        OutcomeWords::of_ending(ending)
    }
}

/// A limit on one number `tune` may change. `at` names it by ids, dot-separated: a weight of
/// a touchpoint (`fit.company`), a child touchpoint (`fit.company.size`) or a signal by its
/// field (`fit.company.industry`); or one of a signal's attainments, after the signal's path:
/// a `match` value (`fit.company.industry.Retail`, `...industry.default`), a band by its
/// `at_least` (`activity.web.visits.5`), a `scale` end point (`...visits.from`, `...visits.to`);
/// or an adjustment's points (`fit.adjustments.Competitor`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TuneLimit {
    pub at: String,
    /// Keep this number as it is.
    #[serde(default, skip_serializing_if = "is_false")]
    pub fixed: bool,
    /// The lowest value `tune` may give it, in its own unit: percent for a weight (`check`
    /// holds it to a weight's form), 0 to 1 for an attainment, points for an adjustment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<f64>,
}

/// One column of contact data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub id: String,
    pub kind: FieldKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// The source column (default: the field id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    /// Values that mean "no value" (`Select`, `N/A`, `-`); compared trimmed, ignoring case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub missing: Vec<String>,
    /// A derived field's expression (`model::expr`): the field is computed from other fields
    /// of the same contact, not read from a column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expr: Option<super::expr::Derivation>,
    /// An event field's computation (`model::events`): the field is computed from the
    /// contact's events, not read from a column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events: Option<super::events::EventSignal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Field {
    pub fn new(id: &str, kind: FieldKind) -> Field {
        Field {
            id: id.into(),
            kind,
            label: None,
            column: None,
            missing: Vec::new(),
            expr: None,
            events: None,
            note: None,
        }
    }
    /// The parsed expression of a derived field, when it is one and its text parsed.
    pub fn derived(&self) -> Option<&super::expr::Expr> {
        self.expr.as_ref().and_then(|d| d.expr())
    }
    /// The contacts column this field is read from.
    pub fn column(&self) -> &str {
        self.column.as_deref().unwrap_or(&self.id)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    Number,
    Category,
    Boolean,
    Date,
    Text,
}

impl FieldKind {
    pub const ALL: [FieldKind; 5] = [
        FieldKind::Number,
        FieldKind::Category,
        FieldKind::Boolean,
        FieldKind::Date,
        FieldKind::Text,
    ];
    pub fn name(self) -> &'static str {
        match self {
            FieldKind::Number => "number",
            FieldKind::Category => "category",
            FieldKind::Boolean => "boolean",
            FieldKind::Date => "date",
            FieldKind::Text => "text",
        }
    }
}

/// A path that ends somewhere, or a plain score dimension. Yields a score from 0 to 100.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Journey {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default)]
    pub ending: Ending,
    #[serde(default)]
    pub stage: Stage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub open_question: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub touchpoints: Vec<Touchpoint>,
    /// A composite journey's parts: other journeys' scores, weighted to 100%. A journey has
    /// touchpoints or parts, not both.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
}

/// One part of a composite journey: another journey's score, with its weight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    pub journey: String,
    pub weight: Weight,
}

impl Journey {
    /// A journey with this id and nothing in it yet.
    pub fn new(id: &str) -> Journey {
        Journey {
            id: id.into(),
            name: String::new(),
            ending: Ending::default(),
            stage: Stage::default(),
            note: None,
            open_question: false,
            touchpoints: Vec::new(),
            parts: Vec::new(),
            adjustments: Vec::new(),
        }
    }
    /// A composite journey scores its parts (other journeys) instead of touchpoints.
    pub fn is_composite(&self) -> bool {
        !self.parts.is_empty()
    }
    /// The sum of the weights `check` holds at 100%: the parts' of a composite, else the
    /// touchpoints', in hundredths of a percent.
    pub fn weight_sum(&self) -> i64 {
        if self.is_composite() {
            self.parts.iter().map(|p| p.weight.0).sum()
        } else {
            self.touchpoints.iter().map(|t| t.weight.0).sum()
        }
    }
    /// A composite's parts in words: `Fit 40% + Activity 60%` (ids for unknown parts).
    pub fn parts_words(&self, model: &Model) -> String {
        self.parts
            .iter()
            .map(|p| {
                let name = model
                    .journeys
                    .iter()
                    .find(|j| j.id == p.journey)
                    .map_or(p.journey.as_str(), |j| j.title());
                format!("{name} {}%", p.weight)
            })
            .collect::<Vec<_>>()
            .join(" + ")
    }
    pub fn title(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    #[default]
    Conversion,
    Expansion,
    Attrition,
    Dimension,
}

impl Ending {
    pub const ALL: [Ending; 4] = [
        Ending::Conversion,
        Ending::Expansion,
        Ending::Attrition,
        Ending::Dimension,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Ending::Conversion => "conversion",
            Ending::Expansion => "expansion",
            Ending::Attrition => "attrition",
            Ending::Dimension => "dimension",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    #[default]
    Prospect,
    Onboarding,
    Ongoing,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::Prospect, Stage::Onboarding, Stage::Ongoing];
    pub fn name(self) -> &'static str {
        match self {
            Stage::Prospect => "prospect",
            Stage::Onboarding => "onboarding",
            Stage::Ongoing => "ongoing",
        }
    }
}

/// A moment of a journey. Holds signals, or child touchpoints (a sub-model), not both.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Touchpoint {
    pub id: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub name: String,
    #[serde(default)]
    pub kind: TouchpointKind,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub marketing_influence: bool,
    #[serde(default)]
    pub owner: Owner,
    #[serde(default)]
    pub pillars: Vec<Pillar>,
    pub weight: Weight,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub open_question: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<Signal>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub touchpoints: Vec<Touchpoint>,
}

impl Touchpoint {
    pub fn new(id: &str, weight: Weight) -> Touchpoint {
        Touchpoint {
            id: id.into(),
            name: String::new(),
            kind: TouchpointKind::default(),
            marketing_influence: true,
            owner: Owner::default(),
            pillars: Vec::new(),
            weight,
            note: None,
            open_question: false,
            signals: Vec::new(),
            touchpoints: Vec::new(),
        }
    }
    pub fn title(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TouchpointKind {
    /// Started by the contact: a demo request, a webinar sign-up.
    #[default]
    HandRaiser,
    /// A milestone of the relationship: first invoice paid, quarterly review held.
    RelationshipMilestone,
    /// Started by the company: an outbound call, a campaign.
    CompanyOutreach,
}

impl TouchpointKind {
    pub const ALL: [TouchpointKind; 3] = [
        TouchpointKind::HandRaiser,
        TouchpointKind::RelationshipMilestone,
        TouchpointKind::CompanyOutreach,
    ];
    pub fn name(self) -> &'static str {
        match self {
            TouchpointKind::HandRaiser => "hand_raiser",
            TouchpointKind::RelationshipMilestone => "relationship_milestone",
            TouchpointKind::CompanyOutreach => "company_outreach",
        }
    }
    /// The kind in the room's words, short enough for a card of the journey map.
    pub fn word(self) -> &'static str {
        match self {
            TouchpointKind::HandRaiser => "hand-raiser",
            TouchpointKind::RelationshipMilestone => "milestone",
            TouchpointKind::CompanyOutreach => "outreach",
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Owner {
    #[default]
    Marketing,
    Sales,
    Both,
}

impl Owner {
    pub const ALL: [Owner; 3] = [Owner::Marketing, Owner::Sales, Owner::Both];
    pub fn name(self) -> &'static str {
        match self {
            Owner::Marketing => "marketing",
            Owner::Sales => "sales",
            Owner::Both => "both",
        }
    }
}

/// The Six Pillars of customer experience.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pillar {
    Integrity,
    Resolution,
    Expectations,
    TimeAndEffort,
    Personalisation,
    Empathy,
}

impl Pillar {
    pub const ALL: [Pillar; 6] = [
        Pillar::Integrity,
        Pillar::Resolution,
        Pillar::Expectations,
        Pillar::TimeAndEffort,
        Pillar::Personalisation,
        Pillar::Empathy,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Pillar::Integrity => "integrity",
            Pillar::Resolution => "resolution",
            Pillar::Expectations => "expectations",
            Pillar::TimeAndEffort => "time_and_effort",
            Pillar::Personalisation => "personalisation",
            Pillar::Empathy => "empathy",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Pillar::Integrity => "Integrity",
            Pillar::Resolution => "Resolution",
            Pillar::Expectations => "Expectations",
            Pillar::TimeAndEffort => "Time and effort",
            Pillar::Personalisation => "Personalisation",
            Pillar::Empathy => "Empathy",
        }
    }
}

/// A field assigned to a touchpoint, with the rule that turns its value into an attainment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signal {
    pub field: String,
    pub weight: Weight,
    #[serde(with = "yaml_serde::with::singleton_map")]
    pub rule: Rule,
    /// The attainment of a contact without a value (`missing: 0.5`); not given, the rule's
    /// own `missing` entry, else 0. It wins over the rule's entry (`check` warns when both
    /// are given). Such a contact still counts as missing in the data-quality counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decay: Option<Decay>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// How a contact's value becomes an attainment between 0 and 1.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// `(v - from) / (to - from)`, clamped to [0, 1]; `from > to` inverts.
    Scale { from: f64, to: f64 },
    /// The value of the highest band the number reaches (bands in ascending order), with an
    /// optional `{ missing: m }` entry last for a missing value.
    Bands(BandRule),
    /// Category values, compared trimmed and case-insensitively; `default` for the rest.
    Match(MatchRule),
    /// Boolean true is 1.
    Flag,
    /// Boolean false is 1: the flag inverted ("not an active member").
    NotFlag,
    /// Any non-missing value is 1.
    Present,
    /// For a date: 0.5^(age_days / half_life_days); today or later is 1.
    Recency { half_life_days: f64 },
    /// `(ln v - ln from) / (ln to - ln from)`, clamped to [0, 1]; 0 or less gives 0. For
    /// numbers that grow by multiples (revenue, employees): each doubling counts the same.
    LogScale { from: f64, to: f64 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub at_least: f64,
    pub value: f64,
}

/// `bands: [{ at_least: 5, value: 0.5 }, ..., { missing: m }]`: the bands from the lowest
/// up, then, as `match` has, an optional entry for a missing value's attainment. The entry is
/// written last (the reader refuses it elsewhere), so that each band's place in the list is
/// its place in the file and a diagnostic's `bands[i]` points at the band it names.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct BandRule {
    pub bands: Vec<Band>,
    /// The attainment of a missing value (the `missing` entry); none gives 0.
    pub missing: Option<f64>,
}

impl From<Vec<Band>> for BandRule {
    fn from(bands: Vec<Band>) -> BandRule {
        BandRule {
            bands,
            missing: None,
        }
    }
}

impl FromIterator<Band> for BandRule {
    fn from_iter<I: IntoIterator<Item = Band>>(bands: I) -> BandRule {
        BandRule::from(bands.into_iter().collect::<Vec<_>>())
    }
}

impl Serialize for BandRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        #[derive(Serialize)]
        struct Missing {
            missing: f64,
        }
        let mut q =
            s.serialize_seq(Some(self.bands.len() + usize::from(self.missing.is_some())))?;
        for b in &self.bands {
            q.serialize_element(b)?;
        }
        if let Some(missing) = self.missing {
            q.serialize_element(&Missing { missing })?;
        }
        q.end()
    }
}

impl<'de> Deserialize<'de> for BandRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        /// One entry of the list: a band, or the missing value's entry. Read as a map of
        /// its own so that a wrong key is named in words, not as serde's "no variant matched".
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Entry {
            at_least: Option<f64>,
            value: Option<f64>,
            missing: Option<f64>,
        }
        let mut rule = BandRule::default();
        for e in Vec::<Entry>::deserialize(d)? {
            match (e.at_least, e.value, e.missing) {
                (Some(at_least), Some(value), None) => {
                    if rule.missing.is_some() {
                        return Err(D::Error::custom(
                            "bands: the `missing` entry comes last, after the bands: move { missing: ... } to the end of the list",
                        ));
                    }
                    rule.bands.push(Band { at_least, value });
                }
                (None, None, Some(m)) => {
                    if rule.missing.is_some() {
                        return Err(D::Error::custom(
                            "bands: the `missing` entry is given twice: keep one",
                        ));
                    }
                    rule.missing = Some(m);
                }
                (_, _, Some(_)) => {
                    return Err(D::Error::custom(
                        "bands: an entry gives `missing` beside `at_least` or `value`: write the missing value's attainment as an entry of its own, last ({ missing: 0.5 })",
                    ));
                }
                (Some(_), None, None) | (None, Some(_), None) | (None, None, None) => {
                    return Err(D::Error::custom(
                        "bands: each band needs both `at_least` and `value` ({ at_least: 5, value: 0.5 }), or is the `missing` entry ({ missing: 0.5 })",
                    ));
                }
            }
        }
        Ok(rule)
    }
}

/// `match: {VALUE: attainment, ..., default: a, missing: m}`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MatchRule {
    pub values: Vec<(String, f64)>,
    pub default: f64,
    /// The attainment of a missing value (the `missing` entry); none gives 0.
    pub missing: Option<f64>,
}

impl Serialize for MatchRule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        // The exact count: the YAML writer fails on a map that holds fewer entries than said.
        let n = self.values.len()
            + usize::from(self.default != 0.0)
            + usize::from(self.missing.is_some());
        let mut m = s.serialize_map(Some(n))?;
        for (k, v) in &self.values {
            m.serialize_entry(k, v)?;
        }
        if self.default != 0.0 {
            m.serialize_entry("default", &self.default)?;
        }
        if let Some(missing) = &self.missing {
            m.serialize_entry("missing", missing)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for MatchRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A map that keeps duplicates, so that a value written twice is an error, not lost.
        let entries = DuplicateKeys::deserialize(d)?.0;
        let mut rule = MatchRule::default();
        let mut seen = std::collections::HashSet::new();
        for (k, v) in entries {
            if !seen.insert(k.0.trim().to_ascii_lowercase()) {
                return Err(serde::de::Error::custom(format!(
                    "match lists '{}' twice (values are compared ignoring case)",
                    k.0
                )));
            }
            if k.0 == "default" {
                rule.default = v;
            } else if k.0 == "missing" {
                // Like `default`, a word of the rule: a cell that says "missing" is matched
                // by writing the value in another case ("Missing": 0.5).
                rule.missing = Some(v);
            } else {
                rule.values.push((k.0, v));
            }
        }
        Ok(rule)
    }
}

/// The entries of a map in order, duplicates kept.
struct DuplicateKeys(Vec<(ScalarKey, f64)>);

impl<'de> Deserialize<'de> for DuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = DuplicateKeys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a map of values to attainments, such as { Google: 1, Email: 0.5, default: 0 }",
                )
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<DuplicateKeys, A::Error> {
                let mut out = Vec::new();
                while let Some(e) = m.next_entry::<ScalarKey, f64>()? {
                    out.push(e);
                }
                Ok(DuplicateKeys(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// A map key that may be written as a string, a number or a boolean (`1: 0.5`, `yes: 1`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ScalarKey(String);

impl<'de> Deserialize<'de> for ScalarKey {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A visitor of its own rather than `Scalar`'s, whose error for anything else (a `null:`
        // key) was serde's "data did not match any variant of untagged enum Scalar".
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = ScalarKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value to match: text, a number or a boolean")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<ScalarKey, E> {
                Ok(ScalarKey(Scalar::Bool(v).to_string()))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<ScalarKey, E> {
                Ok(ScalarKey(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<ScalarKey, E> {
                Ok(ScalarKey(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<ScalarKey, E> {
                Ok(ScalarKey(Scalar::Float(v).to_string()))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<ScalarKey, E> {
                Ok(ScalarKey(v.to_string()))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<ScalarKey, E> {
                Err(E::custom(
                    "a match value is null (`null:` or `~:`), which no cell is: write the text in quotes (\"null\": 0.5) to match cells that say null, or give missing values their own attainment with `missing: 0.5` (empty cells are missing and get 0 otherwise)",
                ))
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<ScalarKey, E> {
                self.visit_unit()
            }
        }
        d.deserialize_any(V)
    }
}

/// Lead decay: the attainment is multiplied by 0.5^(age / half_life).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decay {
    pub since: String,
    pub half_life_days: f64,
}

/// Points added or taken away outside the 100% budget.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    pub name: String,
    pub when: Condition,
    pub points: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A test on one contact. Exactly one subject (`field`, `journey`, `grade`, `tier`, `rating`)
/// with its test, or a combination (`all`, `any`, `not`), or (in segments of a model with
/// accounts) `account`, a condition on the contact's account.
///
/// Tests: `at_least` (>=), `below` (<), `equals`, `in`, `present`. `tier` and `rating` take a
/// name or a list of names directly (`tier: hot`, `rating: [A1, A2]`). On a field, `at_least`,
/// `below` and `equals` may name another field of the same kind (`at_least: { field: b }`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journey: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<Operand<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below: Option<Operand<f64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Operand<Scalar>>,
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<Scalar>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub all: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub any: Vec<Condition>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<Box<Condition>>,
    /// A condition of the account model, evaluated on the contact's account: `account: { tier:
    /// hot }`. Read in a contact model's segments only (`model::accounts::SegmentSplit`); a
    /// contact without an account fails it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Box<Condition>>,
}

/// `hot` or `[hot, warm]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn items(&self) -> &[String] {
        match self {
            OneOrMany::One(s) => std::slice::from_ref(s),
            OneOrMany::Many(v) => v,
        }
    }
    pub fn contains(&self, name: &str) -> bool {
        self.items()
            .iter()
            .any(|s| s.trim().eq_ignore_ascii_case(name.trim()))
    }
}

/// Bands over a journey score: `bands: {A: 75, B: 50, C: 25, D: 0}`, highest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    pub id: String,
    pub journey: String,
    pub bands: IndexMap<String, f64>,
}

/// Two grades combined into a rating (`A1` to `D4`), with cells coloured as zones.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Matrix {
    pub rows: String,
    pub columns: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub green: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub amber: Vec<String>,
}

/// Hot / warm / cold over one journey, highest first, each with its handover.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tiers {
    pub journey: String,
    pub levels: Vec<Tier>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    pub name: String,
    pub at_least: f64,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub handover: String,
    /// Whether the handover goes to a person (sales, an account manager, a retention team)
    /// rather than to an automated flow. Default: the handover names sales. `sales:` is the
    /// older spelling, still read.
    #[serde(
        default,
        alias = "sales",
        rename = "to_person",
        skip_serializing_if = "Option::is_none"
    )]
    pub to_person: Option<bool>,
    /// How many contacts the handover can take per period: the back-test and the designer
    /// propose the threshold that hands over about that many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<Capacity>,
}

/// `capacity: { contacts: 400, per: week, date: Created }`: a tier's handover takes about 400
/// contacts a week, the weeks counted over the contacts' `Created` column; `per: file` (the
/// default) takes the whole contacts file as one period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    pub contacts: usize,
    #[serde(default)]
    pub per: Period,
    /// The date column that places each contact in a period (needed per day, week or month).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// The period of a capacity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    Day,
    Week,
    Month,
    /// The whole contacts file at once.
    #[default]
    File,
}

impl Period {
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::File => "file",
        }
    }
}

impl Tier {
    /// Whether contacts of this tier are handed to a person (see `to_person`).
    pub fn to_person(&self) -> bool {
        self.to_person
            .unwrap_or_else(|| self.handover.to_ascii_lowercase().contains("sales"))
    }
}

/// An ordered rule: the first segment whose condition holds takes the contact.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    pub name: String,
    /// No condition: the catch-all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Condition>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub action: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub route: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A named example contact with the outcome the room agreed on: the model's own test.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Persona {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Values by field id (or column name).
    pub values: IndexMap<String, Scalar>,
    pub expect: Expectation,
}

/// What a persona should score: any of tier, segment, rating, grades, score ranges.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<OneOrMany>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<OneOrMany>,
    /// Grade id to the grades that are acceptable: `{fit: [A, B]}`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub grades: IndexMap<String, OneOrMany>,
    /// Journey id to a score range: `{fit: {at_least: 60}}`.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub scores: IndexMap<String, ScoreRange>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
}

/// The spellings of a boolean value, as (true, false) pairs, compared ignoring ASCII case.
pub const BOOLEAN_WORDS: [(&str, &str); 4] =
    [("true", "false"), ("yes", "no"), ("y", "n"), ("1", "0")];

/// Whether `s` (trimmed) is one of the boolean spellings.
pub fn is_boolean_word(s: &str) -> bool {
    let t = s.trim();
    BOOLEAN_WORDS
        .iter()
        .any(|(y, n)| t.eq_ignore_ascii_case(y) || t.eq_ignore_ascii_case(n))
}

/// A value written in the model: a sample's cell, a persona's value, a condition's operand.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
}

impl fmt::Display for Scalar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Scalar::Bool(b) => write!(f, "{b}"),
            Scalar::Int(i) => write!(f, "{i}"),
            Scalar::Float(x) => write!(f, "{x}"),
            Scalar::Text(s) => f.write_str(s),
        }
    }
}
