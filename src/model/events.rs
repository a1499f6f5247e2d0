//! An events source and event fields (issue 20): activity read from an event log, one row per
//! event, instead of from columns a team reduced by hand outside the model.
//!
//! The model names the log (`events:`) and the event types it cares about; a field of kind
//! number or date may then be computed from the events of one type (`events:` on the field),
//! as a derived field is computed from an expression. Being fields, event aggregates go
//! through every rule, check, explanation and tool that fields go through.
//!
//! Every aggregate counts only the events strictly before the model's `as_of` (or the
//! command's `--as-of`): a score at a date never sees what happened on or after it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// Where the events come from: one row per event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsSource {
    /// The events file (CSV or JSON Lines), relative to the model's own folder.
    pub file: String,
    /// The column holding the contact's id (matched to the contacts' id, trimmed).
    pub contact_column: String,
    /// The column holding the event's date (`YYYY-MM-DD`, or an ISO date-time).
    pub time_column: String,
    /// The column holding the event's type; without it, every row is of the one declared type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_column: Option<String>,
    /// The column holding the event's value (an amount), for `sum`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_column: Option<String>,
    #[serde(default)]
    pub types: Vec<EventType>,
}

/// An event type the model reads: the rows whose type matches a pattern (`match: "Webinar*"`),
/// equals a text (`type: Webinar attended`), or, with neither, equals the id. Compared
/// trimmed and ignoring the case of A-Z, as categories are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventType {
    pub id: String,
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub exact: Option<String>,
}

impl EventType {
    /// Whether an event of type `t` is of this type.
    pub fn matches(&self, t: &str) -> bool {
        // A-Z only, as category keys fold (`contacts::typed::category_key`), so that every SQL
        // dialect folds the same.
        let key = |s: &str| s.trim().to_ascii_lowercase();
        let t = key(t);
        match (&self.pattern, &self.exact) {
            (Some(p), _) => glob(&key(p), &t),
            (None, Some(e)) => key(e) == t,
            (None, None) => key(&self.id) == t,
        }
    }
}

/// `*` matches any run of characters (none included); every other character itself.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// What an event field computes from the events of its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregate {
    /// How many events (in the window).
    Count,
    /// The sum of the value column (in the window).
    Sum,
    /// Events per week over the window.
    Frequency,
    /// Days since the last event (missing when there is none).
    Recency,
    /// The date of the first event (a date field).
    FirstSeen,
    /// The date of the last event (a date field).
    LastSeen,
    /// Points per event, decayed by the event's age, capped per period.
    Points,
}

impl Aggregate {
    pub fn name(self) -> &'static str {
        match self {
            Aggregate::Count => "count",
            Aggregate::Sum => "sum",
            Aggregate::Frequency => "frequency",
            Aggregate::Recency => "recency",
            Aggregate::FirstSeen => "first_seen",
            Aggregate::LastSeen => "last_seen",
            Aggregate::Points => "points",
        }
    }
    /// Whether the aggregate is a date (`first_seen`, `last_seen`) rather than a number.
    pub fn is_date(self) -> bool {
        matches!(self, Aggregate::FirstSeen | Aggregate::LastSeen)
    }
    /// Whether the aggregate reads a window (`last:`); the others read all earlier events.
    pub fn takes_window(self) -> bool {
        matches!(
            self,
            Aggregate::Count | Aggregate::Sum | Aggregate::Frequency | Aggregate::Points
        )
    }
}

/// An event field's computation: `{ type: webinar, aggregate: count, last: 30d }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSignal {
    /// The event type's id (may be left out when the model declares one type).
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    pub aggregate: Aggregate,
    /// The window: only events at most this many days before `as_of`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<Days>,
    /// `points`: the points of one event before decay and cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<f64>,
    /// `points`: at most this many points per period (`{ points: 15, per: 7d }`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Cap>,
    /// `points`: each event's points halve with every `half_life` of its age.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub half_life: Option<Days>,
}

/// At most `points` per period of `per` days, counted back from `as_of`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cap {
    pub points: f64,
    pub per: Days,
}

/// A number of days, written `90d`, `2w` or a plain number of days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Days(pub u32);

impl Days {
    /// Parses `90d`, `2w` (14 days) or `90`. Zero is refused: no window is empty on purpose.
    pub fn parse(text: &str) -> Result<Days, String> {
        let t = text.trim();
        let (digits, unit) = match t.char_indices().last() {
            Some((i, 'd' | 'D')) => (&t[..i], 1),
            Some((i, 'w' | 'W')) => (&t[..i], 7),
            _ => (t, 1),
        };
        match digits.trim().parse::<u32>() {
            Ok(n) if n > 0 => n
                .checked_mul(unit)
                .map(Days)
                .ok_or_else(|| format!("'{t}' is too long a span")),
            _ => Err(format!(
                "'{t}' is not a span of days: write it as 90d, 2w, or a number of days above 0"
            )),
        }
    }
}

impl fmt::Display for Days {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}d", self.0)
    }
}

impl Serialize for Days {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Days {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Days;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a span of days: 90d, 2w, or a number of days")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Days, E> {
                Days::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Days, E> {
                Days::parse(&v.to_string()).map_err(E::custom)
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Days, E> {
                Days::parse(&v.to_string()).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl fmt::Display for EventSignal {
    /// In words, for explanations: "count of purchase in the last 90d".
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let of = self.event_type.as_deref().unwrap_or("events");
        write!(f, "{} of {of}", self.aggregate.name())?;
        if let Some(p) = self.points {
            write!(f, " ({} each", crate::model::check::compact(p))?;
            if let Some(h) = self.half_life {
                write!(f, ", half-life {h}")?;
            }
            if let Some(c) = &self.cap {
                write!(
                    f,
                    ", at most {} per {}",
                    crate::model::check::compact(c.points),
                    c.per
                )?;
            }
            write!(f, ")")?;
        }
        match self.last {
            Some(w) => write!(f, " in the last {w}"),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse() {
        assert_eq!(Days::parse("90d"), Ok(Days(90)));
        assert_eq!(Days::parse(" 2w "), Ok(Days(14)));
        assert_eq!(Days::parse("7"), Ok(Days(7)));
        assert!(Days::parse("0d").is_err());
        assert!(Days::parse("3m").is_err());
        assert!(Days::parse("d").is_err());
        assert!(Days::parse("-4d").is_err());
    }

    #[test]
    fn types_match() {
        let t = |p: Option<&str>, e: Option<&str>| EventType {
            id: "webinar".into(),
            pattern: p.map(String::from),
            exact: e.map(String::from),
        };
        assert!(t(Some("Webinar*"), None).matches(" webinar attended"));
        assert!(!t(Some("Webinar*"), None).matches("a webinar"));
        assert!(t(Some("*page*"), None).matches("Pricing Page View"));
        assert!(t(Some("a*b*c"), None).matches("abc"));
        assert!(!t(Some("a*b*c"), None).matches("ac"));
        assert!(!t(Some("ab*ba"), None).matches("aba"));
        assert!(t(None, Some("Webinar attended")).matches("WEBINAR ATTENDED"));
        assert!(!t(None, Some("Webinar attended")).matches("Webinar"));
        assert!(t(None, None).matches("Webinar"));
    }
}
