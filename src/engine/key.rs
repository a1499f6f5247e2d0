//! The scorer's cache keys: structural values that derive `Hash` and `Eq`, one per kind of
//! cached column, each holding exactly what that column is computed from.
//!
//! A typed column follows from its field's kind, source column and `missing` placeholders (as
//! they are compared: trimmed, lower case, as a set), or, for a derived field, from its tree and
//! the keys of the fields it reads; never from the field's id or label. A signal's attainment
//! column follows from its field's key, its rule, its missing value's attainment, its decay
//! (the `since` field's key and the half-life) and the reference date only where a date is read.
//! A field-only condition's mask follows from its tests and the keys of the fields it reads.
//! Too little in a key hands back a stale column; too much recomputes a column an edit did not
//! touch (the weight-edit bench would see it). The tests at the bottom of `score.rs` edit each
//! part and compare with a fresh scorer.
//!
//! Numbers are held as [`F64Key`]: their bits, with `-0.0` as `0.0` and every NaN as one, since
//! no kernel gives a different column for them. The one exception is a number written as a
//! condition's value (`equals: -0.0`): a category or boolean column compares its text, and
//! `-0` is not `0` there, so [`ScalarKey`] keeps the sign of a zero.

use crate::contacts::typed::category_key;
use crate::model::expr::Expr;
use crate::model::{Condition, Date, FieldKind, OneOrMany, Operand, Rule, Scalar, Signal};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// A number as a key: `-0.0` and `0.0` are one key, every NaN is one key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct F64Key(u64);

impl F64Key {
    pub fn new(v: f64) -> F64Key {
        if v.is_nan() {
            F64Key(f64::NAN.to_bits())
        } else {
            // -0.0 + 0.0 is 0.0; every other number is itself.
            F64Key((v + 0.0).to_bits())
        }
    }
    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }
}

impl fmt::Debug for F64Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.get())
    }
}

/// What a field's typed column is computed from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum FieldKey {
    /// Read from a column of the table.
    Source {
        kind: FieldKind,
        column: String,
        /// The placeholders as cells are compared with them, sorted, without repeats.
        missing: Vec<String>,
    },
    /// Evaluated from other fields: its tree (none when it does not parse or is in a cycle:
    /// all missing) and the keys of the fields it reads, in the tree's order (none for a
    /// field that does not exist).
    Derived {
        kind: FieldKind,
        expr: Option<Expr>,
        inputs: Vec<Option<Arc<FieldKey>>>,
    },
}

impl FieldKey {
    pub fn source(kind: FieldKind, column: &str, missing: &[String]) -> FieldKey {
        let mut missing: Vec<String> = missing.iter().map(|m| category_key(m)).collect();
        missing.sort_unstable();
        missing.dedup();
        FieldKey::Source {
            kind,
            column: column.to_string(),
            missing,
        }
    }

    pub fn kind(&self) -> FieldKind {
        match self {
            FieldKey::Source { kind, .. } | FieldKey::Derived { kind, .. } => *kind,
        }
    }

    /// Whether the column holds dates, so that what reads it depends on the reference date.
    fn dated(&self) -> bool {
        self.kind() == FieldKind::Date
    }
}

/// The key of a field by id, in the fields of one scoring pass: none for an unknown field.
pub type FieldKeys = HashMap<String, Arc<FieldKey>>;

fn dated(key: &Option<Arc<FieldKey>>) -> bool {
    key.as_ref().is_some_and(|k| k.dated())
}

/// A rule as its kernel reads it. One arm per kind, no wildcard: a new kind does not compile
/// until it says what its column depends on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RuleKey {
    Scale {
        from: F64Key,
        to: F64Key,
    },
    /// (at_least, value) per band, in order.
    Bands(Vec<(F64Key, F64Key)>),
    /// The values in order (the first that matches wins) and the default. The rule's own
    /// `missing` entry is not here: the signal's resolved missing attainment is.
    Match {
        values: Vec<(String, F64Key)>,
        default: F64Key,
    },
    Flag,
    NotFlag,
    Present,
    Recency {
        half_life_days: F64Key,
    },
    LogScale {
        from: F64Key,
        to: F64Key,
    },
}

impl From<&Rule> for RuleKey {
    fn from(rule: &Rule) -> RuleKey {
        match rule {
            Rule::Scale { from, to } => RuleKey::Scale {
                from: F64Key::new(*from),
                to: F64Key::new(*to),
            },
            Rule::Bands(b) => RuleKey::Bands(
                b.bands
                    .iter()
                    .map(|b| (F64Key::new(b.at_least), F64Key::new(b.value)))
                    .collect(),
            ),
            Rule::Match(m) => RuleKey::Match {
                values: m
                    .values
                    .iter()
                    .map(|(k, v)| (k.clone(), F64Key::new(*v)))
                    .collect(),
                default: F64Key::new(m.default),
            },
            Rule::Flag => RuleKey::Flag,
            Rule::NotFlag => RuleKey::NotFlag,
            Rule::Present => RuleKey::Present,
            Rule::Recency { half_life_days } => RuleKey::Recency {
                half_life_days: F64Key::new(*half_life_days),
            },
            Rule::LogScale { from, to } => RuleKey::LogScale {
                from: F64Key::new(*from),
                to: F64Key::new(*to),
            },
        }
    }
}

/// What a signal's attainment column (decay applied) is computed from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AttainKey {
    pub field: Option<Arc<FieldKey>>,
    pub rule: RuleKey,
    /// The attainment a missing value gets (`Signal::missing_attainment`).
    pub missing: F64Key,
    /// The `since` field's key and the half-life.
    pub decay: Option<(Option<Arc<FieldKey>>, F64Key)>,
    /// The reference date, where a date is read (the field's or the decay's).
    pub today: Option<i32>,
}

impl AttainKey {
    pub fn new(s: &Signal, keys: &FieldKeys, today: Date) -> AttainKey {
        let field = keys.get(&s.field).cloned();
        let decay = s
            .decay
            .as_ref()
            .map(|d| (keys.get(&d.since).cloned(), F64Key::new(d.half_life_days)));
        let reads_dates = dated(&field) || decay.as_ref().is_some_and(|(since, _)| dated(since));
        AttainKey {
            field,
            rule: RuleKey::from(&s.rule),
            missing: F64Key::new(s.missing_attainment()),
            decay,
            today: reads_dates.then_some(today.0),
        }
    }
}

/// A value written in a condition. A number keeps the sign of a zero (see the module docs);
/// every NaN is one key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ScalarKey {
    Bool(bool),
    Int(i64),
    Float(u64),
    Text(String),
}

impl From<&Scalar> for ScalarKey {
    fn from(s: &Scalar) -> ScalarKey {
        match s {
            Scalar::Bool(b) => ScalarKey::Bool(*b),
            Scalar::Int(i) => ScalarKey::Int(*i),
            Scalar::Float(f) if f.is_nan() => ScalarKey::Float(f64::NAN.to_bits()),
            Scalar::Float(f) => ScalarKey::Float(f.to_bits()),
            Scalar::Text(t) => ScalarKey::Text(t.clone()),
        }
    }
}

/// The right side of a test: a value, or another field by its key.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum OperandKey<T> {
    Value(T),
    Field(Option<Arc<FieldKey>>),
}

impl<T> OperandKey<T> {
    fn new<S>(o: &Operand<S>, keys: &FieldKeys, value: impl Fn(&S) -> T) -> OperandKey<T> {
        match o {
            Operand::Value(v) => OperandKey::Value(value(v)),
            Operand::Field(id) => OperandKey::Field(keys.get(id).cloned()),
        }
    }
    fn dated(&self) -> bool {
        match self {
            OperandKey::Value(_) => false,
            OperandKey::Field(k) => dated(k),
        }
    }
}

/// A condition as its mask reads it: every test, fields by their keys (a field that does not
/// exist as none), and the reference date where a date field is read.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ConditionKey {
    field: Option<Option<Arc<FieldKey>>>,
    journey: Option<String>,
    grade: Option<String>,
    tier: Option<Vec<String>>,
    rating: Option<Vec<String>>,
    at_least: Option<OperandKey<F64Key>>,
    below: Option<OperandKey<F64Key>>,
    equals: Option<OperandKey<ScalarKey>>,
    one_of: Option<Vec<ScalarKey>>,
    present: Option<bool>,
    all: Vec<ConditionKey>,
    any: Vec<ConditionKey>,
    not: Option<Box<ConditionKey>>,
    today: Option<i32>,
}

impl ConditionKey {
    pub fn new(c: &Condition, keys: &FieldKeys, today: Date) -> ConditionKey {
        let names = |o: &Option<OneOrMany>| o.as_ref().map(|o| o.items().to_vec());
        let number = |o: &Option<Operand<f64>>| {
            o.as_ref()
                .map(|o| OperandKey::new(o, keys, |v| F64Key::new(*v)))
        };
        let field = c.field.as_ref().map(|f| keys.get(f).cloned());
        let at_least = number(&c.at_least);
        let below = number(&c.below);
        let equals = c
            .equals
            .as_ref()
            .map(|o| OperandKey::new(o, keys, |v| ScalarKey::from(v)));
        let reads_dates = field.as_ref().is_some_and(dated)
            || at_least.as_ref().is_some_and(OperandKey::dated)
            || below.as_ref().is_some_and(OperandKey::dated)
            || equals.as_ref().is_some_and(OperandKey::dated);
        ConditionKey {
            field,
            journey: c.journey.clone(),
            grade: c.grade.clone(),
            tier: names(&c.tier),
            rating: names(&c.rating),
            at_least,
            below,
            equals,
            one_of: c
                .one_of
                .as_ref()
                .map(|v| v.iter().map(ScalarKey::from).collect()),
            present: c.present,
            all: c
                .all
                .iter()
                .map(|c| ConditionKey::new(c, keys, today))
                .collect(),
            any: c
                .any
                .iter()
                .map(|c| ConditionKey::new(c, keys, today))
                .collect(),
            not: c
                .not
                .as_ref()
                .map(|c| Box::new(ConditionKey::new(c, keys, today))),
            today: reads_dates.then_some(today.0),
        }
    }
}

/// One term of a journey's sum: an attainment column and its weight (100 x its share).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TermKey {
    pub attain: Arc<AttainKey>,
    pub weight: F64Key,
}

/// What a journey's score column is computed from: its parts' columns and weights, its terms,
/// its adjustments' conditions and points.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct JourneyKey {
    pub parts: Vec<(Arc<JourneyKey>, F64Key)>,
    pub terms: Vec<TermKey>,
    pub adjustments: Vec<(ConditionKey, F64Key)>,
}

/// What a grade's column is computed from: its journey's column (none: no journey) and its
/// thresholds.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct GradeKey {
    pub journey: Option<Arc<JourneyKey>>,
    pub thresholds: Vec<F64Key>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_are_one_key_and_nans_are_one_key() {
        assert_eq!(F64Key::new(0.0), F64Key::new(-0.0));
        assert_eq!(F64Key::new(f64::NAN), F64Key::new(-f64::NAN));
        assert_eq!(
            F64Key::new(f64::NAN),
            F64Key::new(f64::from_bits(0x7ff8_0000_0000_0001))
        );
        assert_ne!(F64Key::new(1.0), F64Key::new(1.0 + f64::EPSILON));
        assert_ne!(F64Key::new(f64::INFINITY), F64Key::new(f64::NEG_INFINITY));
        assert_eq!(F64Key::new(-0.0).get().to_bits(), 0.0f64.to_bits());
    }

    #[test]
    fn a_condition_value_keeps_the_sign_of_a_zero() {
        // A category compares the text: "-0" is not "0".
        assert_ne!(
            ScalarKey::from(&Scalar::Float(-0.0)),
            ScalarKey::from(&Scalar::Float(0.0))
        );
        assert_eq!(
            ScalarKey::from(&Scalar::Float(f64::NAN)),
            ScalarKey::from(&Scalar::Float(-f64::NAN))
        );
    }

    #[test]
    fn placeholders_are_keyed_as_they_are_compared() {
        let a = FieldKey::source(FieldKind::Category, "c", &["N/A".into(), " select".into()]);
        let b = FieldKey::source(
            FieldKind::Category,
            "c",
            &["Select".into(), "n/a".into(), "N/A ".into()],
        );
        assert_eq!(a, b);
        let c = FieldKey::source(FieldKind::Category, "d", &["Select".into(), "n/a".into()]);
        assert_ne!(a, c);
    }
}
