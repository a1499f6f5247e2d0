//! The right side of a condition's test: a value written in the model (`at_least: 3`,
//! `equals: Manager`), or another field of the same contact (`at_least: { field: emails }`).
//!
//! A value is written as it always was; a field as a map of the one key `field`. Anything else
//! is refused when the file is read, with what was expected (not serde's "did not match any
//! variant"), so that `at_least: { fild: b }` names the key it wanted.

use super::types::{Condition, Scalar};
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::marker::PhantomData;

/// A value of type `T`, or another field of the same contact.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand<T> {
    Value(T),
    /// The id of the field compared with.
    Field(String),
}

impl<T> Operand<T> {
    /// The value written in the model, if it is one.
    pub fn value(&self) -> Option<&T> {
        match self {
            Operand::Value(v) => Some(v),
            Operand::Field(_) => None,
        }
    }
    /// The field compared with, if it is one.
    pub fn field(&self) -> Option<&str> {
        match self {
            Operand::Value(_) => None,
            Operand::Field(f) => Some(f),
        }
    }
}

impl<T: fmt::Display> fmt::Display for Operand<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Value(v) => v.fmt(f),
            Operand::Field(id) => f.write_str(id),
        }
    }
}

impl<T: Serialize> Serialize for Operand<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Operand::Value(v) => v.serialize(s),
            Operand::Field(id) => {
                let mut m = s.serialize_map(Some(1))?;
                m.serialize_entry("field", id)?;
                m.end()
            }
        }
    }
}

/// What a written value may be: a number for `at_least` and `below`, any scalar for `equals`.
pub trait OperandValue: Sized {
    /// What the model may write, for the error message.
    const EXPECTING: &'static str;
    fn from_f64(v: f64) -> Option<Self>;
    fn from_i64(v: i64) -> Option<Self>;
    fn from_bool(v: bool) -> Option<Self>;
    fn from_str(v: &str) -> Option<Self>;
}

impl OperandValue for f64 {
    const EXPECTING: &'static str = "a number, or another field as { field: id }";
    fn from_f64(v: f64) -> Option<f64> {
        Some(v)
    }
    fn from_i64(v: i64) -> Option<f64> {
        Some(v as f64)
    }
    fn from_bool(_: bool) -> Option<f64> {
        None
    }
    fn from_str(_: &str) -> Option<f64> {
        None
    }
}

impl OperandValue for Scalar {
    const EXPECTING: &'static str =
        "a value (text, a number or a boolean), or another field as { field: id }";
    fn from_f64(v: f64) -> Option<Scalar> {
        Some(Scalar::Float(v))
    }
    fn from_i64(v: i64) -> Option<Scalar> {
        Some(Scalar::Int(v))
    }
    fn from_bool(v: bool) -> Option<Scalar> {
        Some(Scalar::Bool(v))
    }
    fn from_str(v: &str) -> Option<Scalar> {
        Some(Scalar::Text(v.to_string()))
    }
}

impl<'de, T: OperandValue> Deserialize<'de> for Operand<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<T: OperandValue> V<T> {
            fn got<E: de::Error>(v: Option<T>, what: de::Unexpected) -> Result<Operand<T>, E> {
                v.map(Operand::Value)
                    .ok_or_else(|| E::invalid_value(what, &T::EXPECTING))
            }
        }
        impl<'de, T: OperandValue> Visitor<'de> for V<T> {
            type Value = Operand<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(T::EXPECTING)
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Operand<T>, E> {
                Self::got(T::from_bool(v), de::Unexpected::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Operand<T>, E> {
                Self::got(T::from_i64(v), de::Unexpected::Signed(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Operand<T>, E> {
                match i64::try_from(v) {
                    Ok(i) => self.visit_i64(i),
                    Err(_) => self.visit_f64(v as f64),
                }
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Operand<T>, E> {
                Self::got(T::from_f64(v), de::Unexpected::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Operand<T>, E> {
                Self::got(T::from_str(v), de::Unexpected::Str(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Operand<T>, A::Error> {
                let mut field: Option<String> = None;
                while let Some(key) = m.next_key::<String>()? {
                    if key != "field" {
                        return Err(de::Error::unknown_field(&key, &["field"]));
                    }
                    if field.is_some() {
                        return Err(de::Error::duplicate_field("field"));
                    }
                    field = Some(m.next_value()?);
                }
                field
                    .map(Operand::Field)
                    .ok_or_else(|| de::Error::missing_field("field"))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A test that compares a field with another field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Compare {
    /// `at_least`: `>=` (for dates: at least as old, so the date is on or before).
    AtLeast,
    /// `below`: `<` (for dates: younger, so the date is after).
    Below,
    /// `equals`.
    Equals,
}

impl Compare {
    /// The key in the model file.
    pub fn key(self) -> &'static str {
        match self {
            Compare::AtLeast => "at_least",
            Compare::Below => "below",
            Compare::Equals => "equals",
        }
    }
    /// The test in words, as explanations and the designer say it.
    pub fn words(self) -> &'static str {
        match self {
            Compare::AtLeast => "at least",
            Compare::Below => "below",
            Compare::Equals => "equal to",
        }
    }
    /// The test between two dates in words: ages, as a date's `at_least` counts them.
    pub fn date_words(self) -> &'static str {
        match self {
            Compare::AtLeast => "at least as old as",
            Compare::Below => "newer than",
            Compare::Equals => "the same day as",
        }
    }
}

impl Condition {
    /// `at_least` when it is a number written in the model.
    pub fn at_least_value(&self) -> Option<f64> {
        self.at_least.as_ref().and_then(Operand::value).copied()
    }
    /// `below` when it is a number written in the model.
    pub fn below_value(&self) -> Option<f64> {
        self.below.as_ref().and_then(Operand::value).copied()
    }
    /// `equals` when it is a value written in the model.
    pub fn equals_value(&self) -> Option<&Scalar> {
        self.equals.as_ref().and_then(Operand::value)
    }
    /// Every pair of fields this condition or one inside it compares: (field, test, other).
    pub fn field_pairs(&self) -> Vec<(&str, Compare, &str)> {
        let mut out: Vec<(&str, Compare, &str)> = Vec::new();
        if let Some(f) = &self.field {
            out.extend(
                self.other_fields()
                    .into_iter()
                    .map(|(op, o)| (f.as_str(), op, o)),
            );
        }
        for part in self.all.iter().chain(&self.any).chain(self.not.as_deref()) {
            out.extend(part.field_pairs());
        }
        out
    }
    /// The tests that compare with another field, in the order `at_least`, `below`, `equals`.
    pub fn other_fields(&self) -> Vec<(Compare, &str)> {
        let mut out = Vec::new();
        if let Some(f) = self.at_least.as_ref().and_then(Operand::field) {
            out.push((Compare::AtLeast, f));
        }
        if let Some(f) = self.below.as_ref().and_then(Operand::field) {
            out.push((Compare::Below, f));
        }
        if let Some(f) = self.equals.as_ref().and_then(Operand::field) {
            out.push((Compare::Equals, f));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_value_or_a_field_and_writes_them_back() {
        let n: Operand<f64> = yaml_serde::from_str("3").unwrap();
        assert_eq!(n, Operand::Value(3.0));
        let f: Operand<f64> = yaml_serde::from_str("{ field: emails }").unwrap();
        assert_eq!(f, Operand::Field("emails".into()));
        assert_eq!(yaml_serde::to_string(&f).unwrap().trim(), "field: emails");
        let s: Operand<Scalar> = yaml_serde::from_str("Manager").unwrap();
        assert_eq!(s, Operand::Value(Scalar::Text("Manager".into())));
        let b: Operand<Scalar> = yaml_serde::from_str("true").unwrap();
        assert_eq!(b, Operand::Value(Scalar::Bool(true)));
    }

    #[test]
    fn says_what_it_expected() {
        let e = yaml_serde::from_str::<Operand<f64>>("abc").unwrap_err();
        assert!(
            e.to_string()
                .contains("a number, or another field as { field: id }"),
            "{e}"
        );
        let e = yaml_serde::from_str::<Operand<f64>>("{ fild: b }").unwrap_err();
        assert!(e.to_string().contains("unknown field `fild`"), "{e}");
    }
}
