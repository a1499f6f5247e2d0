//! A model's version as scored rows carry it: `model_version`, a short hash of what the model
//! computes, and `scored_at`, the day its ages are counted from.
//!
//! The hash is taken over the parsed model written as JSON, so comments, key order within a
//! flow mapping, quoting and `25` against `25.0` change nothing; notes, the model's name and
//! the workshop's material that scores no contact (personas, samples, tuning limits, the
//! sample contacts file, the columns shown, the outcome) are left out, so editing them keeps
//! the version. Everything else, down to a tier's name or a segment's route, is in it: a
//! reverse-ETL sync that filters on the version sees every change to what it writes.

use crate::model::{Date, Model};
use serde_json::Value;

/// The top-level keys that score no contact.
const NOT_MEANING: [&str; 8] = [
    "name", "note", "contacts", "show", "outcome", "personas", "samples", "tuning",
];

/// FNV-1a over bytes: stable across runs, builds and platforms, unlike the standard
/// library's hasher.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// Drops every `note`, at any depth.
fn without_notes(v: &mut Value) {
    match v {
        Value::Object(m) => {
            // `shift_remove`: `remove` moves the last key into its place, so the text would change.
            m.shift_remove("note");
            m.values_mut().for_each(without_notes);
        }
        Value::Array(a) => a.iter_mut().for_each(without_notes),
        _ => {}
    }
}

/// The model's version: 12 hex digits of the hash of what it computes.
pub fn model_version(model: &Model) -> String {
    let mut v = serde_json::to_value(model).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        for k in NOT_MEANING {
            m.shift_remove(k);
        }
    }
    without_notes(&mut v);
    let text = v.to_string();
    format!("{:012x}", fnv1a(text.as_bytes()) >> 16)
}

/// The day rows are scored at: the model's `as_of` when it has one (ages are counted from it),
/// else today in UTC, as `YYYY-MM-DD`.
pub fn scored_at(model: &Model) -> String {
    model.as_of.unwrap_or_else(Date::today).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(text: &str) -> String {
        model_version(&crate::model::yaml::parse_model(text, "m.yaml").unwrap())
    }

    const MODEL: &str = "name: a\nas_of: 2026-11-01\nfields:\n  - { id: visits, kind: number }\njourneys:\n  - id: j\n    touchpoints:\n      - { id: t, weight: 100, signals: [ { field: visits, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }\ntiers: { journey: j, levels: [ { name: hot, at_least: 50 }, { name: cold, at_least: 0 } ] }\n";

    #[test]
    fn the_version_follows_meaning_not_formatting() {
        let v = version(MODEL);
        assert_eq!(v.len(), 12, "{v}");
        // Formatting, comments, a number written otherwise, notes and the name: same version.
        let reformatted = MODEL
            .replace("name: a\n", "# the model\nname: \"b\"\nnote: why\n")
            .replace("weight: 100, signals", "weight: 100.0, signals")
            .replace(
                "  - { id: visits, kind: number }",
                "  - id: visits\n    kind: number\n    note: counted by the site",
            );
        assert_eq!(version(&reformatted), v);
        // A weight, a threshold, a tier's name or the as_of date: another version.
        for changed in [
            MODEL.replace("to: 10", "to: 12"),
            MODEL.replace("at_least: 50", "at_least: 60"),
            MODEL.replace("name: hot", "name: warm"),
            MODEL.replace("2026-11-01", "2026-11-02"),
        ] {
            assert_ne!(version(&changed), v, "{changed}");
        }
    }

    #[test]
    fn scored_at_is_the_as_of_date() {
        let m = crate::model::yaml::parse_model(MODEL, "m.yaml").unwrap();
        assert_eq!(scored_at(&m), "2026-11-01");
    }
}
