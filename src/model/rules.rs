//! One definition per rule kind: what the model knows about each kind of rule.
//!
//! Everything about a kind that does not need contacts or SQL lives here, in one exhaustive
//! `match` per question: its YAML name, the field kinds it fits, the rule a new signal or the
//! designer's form starts with, its words (the same sentence in the designer, `explain` and
//! the HTML report), the value that gives it full attainment, and the designer form's inputs
//! and their parser. The checks are in `check::check_signal`; the columnar kernel is
//! `engine::attain::attainment` and the SQL lowering `export::sql`'s `attainment`, each one
//! exhaustive `match` over [`Rule`] with no wildcard arm, so a new kind does not compile until
//! every one of them answers for it (README, "Adding a rule kind").

use super::{Band, BandRule, FieldKind, MatchRule, Model, Rule, Signal};

/// The kinds of rule, in the order the designer's rule form cycles through them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RuleKind {
    Scale,
    Bands,
    Match,
    Flag,
    NotFlag,
    Present,
    Recency,
    LogScale,
}

impl RuleKind {
    pub const ALL: [RuleKind; 8] = [
        RuleKind::Scale,
        RuleKind::Bands,
        RuleKind::Match,
        RuleKind::Flag,
        RuleKind::NotFlag,
        RuleKind::Present,
        RuleKind::Recency,
        RuleKind::LogScale,
    ];

    /// The kind's name in YAML (`scale:`, `not_flag`).
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Scale => "scale",
            RuleKind::Bands => "bands",
            RuleKind::Match => "match",
            RuleKind::Flag => "flag",
            RuleKind::NotFlag => "not_flag",
            RuleKind::Present => "present",
            RuleKind::Recency => "recency",
            RuleKind::LogScale => "log_scale",
        }
    }

    /// The kind of this YAML name, if there is one.
    pub fn from_name(name: &str) -> Option<RuleKind> {
        RuleKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The rule this kind starts with in the designer's form.
    pub fn start(self) -> Rule {
        match self {
            RuleKind::Scale => Rule::Scale {
                from: 0.0,
                to: 10.0,
            },
            RuleKind::Bands => Rule::Bands(BandRule::from(vec![
                Band {
                    at_least: 1.0,
                    value: 0.5,
                },
                Band {
                    at_least: 5.0,
                    value: 1.0,
                },
            ])),
            RuleKind::Match => Rule::Match(MatchRule::default()),
            RuleKind::Flag => Rule::Flag,
            RuleKind::NotFlag => Rule::NotFlag,
            RuleKind::Present => Rule::Present,
            RuleKind::Recency => Rule::Recency {
                half_life_days: 30.0,
            },
            RuleKind::LogScale => Rule::LogScale {
                from: 1.0,
                to: 1000.0,
            },
        }
    }

    /// Builds a rule of this kind from the designer form's raw inputs (in the order
    /// [`inputs`] gives them), or says what is wrong.
    pub fn parse(self, inputs: &[String]) -> Result<Rule, String> {
        let get = |i: usize| inputs.get(i).map(String::as_str).unwrap_or("");
        match self {
            RuleKind::Scale => {
                let from = number(get(0), "from")?;
                let to = number(get(1), "to")?;
                if from == to {
                    return Err("from and to must differ".into());
                }
                Ok(Rule::Scale { from, to })
            }
            RuleKind::Bands => {
                let mut bands = Vec::new();
                for (a, v) in pairs(get(0))? {
                    let at_least = number(&a, "a band's start")?;
                    let value = attainment(&v, &format!("the value of band {a}"))?;
                    if let Some(prev) = bands.last().map(|b: &Band| b.at_least)
                        && at_least <= prev
                    {
                        return Err(format!(
                            "bands go from the lowest up: {a} comes after {}",
                            fmt_num(prev)
                        ));
                    }
                    bands.push(Band { at_least, value });
                }
                if bands.is_empty() {
                    return Err("give at least one band, like 5=0.5".into());
                }
                let missing = optional_attainment(get(1), "a missing value's attainment")?;
                Ok(Rule::Bands(BandRule { bands, missing }))
            }
            RuleKind::Match => {
                let mut values = Vec::new();
                for (k, v) in pairs(get(0))? {
                    if k.is_empty() {
                        return Err("a value to match cannot be empty".into());
                    }
                    let a = attainment(&v, &format!("'{k}'"))?;
                    values.push((k, a));
                }
                let default = if get(1).trim().is_empty() {
                    0.0
                } else {
                    attainment(get(1), "the default")?
                };
                let missing = optional_attainment(get(2), "a missing value's attainment")?;
                Ok(Rule::Match(MatchRule {
                    values,
                    default,
                    missing,
                }))
            }
            RuleKind::Flag => Ok(Rule::Flag),
            RuleKind::NotFlag => Ok(Rule::NotFlag),
            RuleKind::Present => Ok(Rule::Present),
            RuleKind::Recency => {
                let h = number(get(0), "the half-life")?;
                if h <= 0.0 {
                    return Err("the half-life must be more than 0 days".into());
                }
                Ok(Rule::Recency { half_life_days: h })
            }
            RuleKind::LogScale => {
                let from = number(get(0), "from")?;
                let to = number(get(1), "to")?;
                if from <= 0.0 || to <= 0.0 {
                    return Err("from and to must be more than 0: a logarithm needs them".into());
                }
                if from == to {
                    return Err("from and to must differ".into());
                }
                Ok(Rule::LogScale { from, to })
            }
        }
    }
}

impl Rule {
    pub fn kind(&self) -> RuleKind {
        match self {
            Rule::Scale { .. } => RuleKind::Scale,
            Rule::Bands(_) => RuleKind::Bands,
            Rule::Match(_) => RuleKind::Match,
            Rule::Flag => RuleKind::Flag,
            Rule::NotFlag => RuleKind::NotFlag,
            Rule::Present => RuleKind::Present,
            Rule::Recency { .. } => RuleKind::Recency,
            Rule::LogScale { .. } => RuleKind::LogScale,
        }
    }

    pub fn kind_name(&self) -> &'static str {
        self.kind().name()
    }

    /// The field kinds this rule can read.
    pub fn fits(&self, kind: FieldKind) -> bool {
        match self {
            Rule::Scale { .. } | Rule::LogScale { .. } => kind == FieldKind::Number,
            // On a date, the bands read its age in days.
            Rule::Bands(_) => matches!(kind, FieldKind::Number | FieldKind::Date),
            // On a number field the values are compared as numbers (`1: 1, 2: 0.6`).
            Rule::Match(_) => matches!(
                kind,
                FieldKind::Category | FieldKind::Text | FieldKind::Boolean | FieldKind::Number
            ),
            Rule::Flag | Rule::NotFlag => kind == FieldKind::Boolean,
            Rule::Present => true,
            // A number field holds the age in days itself (`days_since_last_login`).
            Rule::Recency { .. } => matches!(kind, FieldKind::Date | FieldKind::Number),
        }
    }

    /// A rule that fits a field of this kind, for a new signal.
    pub fn default_for(kind: FieldKind) -> Rule {
        match kind {
            FieldKind::Number => RuleKind::Scale.start(),
            FieldKind::Category => RuleKind::Match.start(),
            FieldKind::Boolean => RuleKind::Flag.start(),
            FieldKind::Date => RuleKind::Recency.start(),
            FieldKind::Text => RuleKind::Present.start(),
        }
    }

    /// What the rule does, in a sentence: "0 visits gives 0, 10 or more gives 1". The
    /// designer, `explain` and the HTML report all say a rule with these words (a signal's
    /// through [`Signal::words`], which adds its own `missing`).
    pub fn words(&self, field: &str) -> String {
        with_missing(self, self.value_words(field), self.missing_entry())
    }

    /// The attainment the rule's own `missing` entry gives a missing value, if it has one.
    pub fn missing_entry(&self) -> Option<f64> {
        match self {
            Rule::Match(m) => m.missing,
            Rule::Bands(b) => b.missing,
            Rule::Scale { .. }
            | Rule::Flag
            | Rule::NotFlag
            | Rule::Present
            | Rule::Recency { .. }
            | Rule::LogScale { .. } => None,
        }
    }

    /// The sentence for the values a contact has, without what a missing value gives.
    fn value_words(&self, field: &str) -> String {
        match self {
            Rule::Scale { from, to } => {
                let (f, t) = (fmt_num(*from), fmt_num(*to));
                let mid = fmt_num((from + to) / 2.0);
                if from < to {
                    let low = if *from == 0.0 {
                        format!("0 {field} gives 0")
                    } else {
                        format!("{f} {field} or less gives 0")
                    };
                    format!("{low}, {t} or more gives 1, {mid} gives 0.5")
                } else if from > to {
                    let low = if *to == 0.0 {
                        format!("0 {field} gives 1")
                    } else {
                        format!("{t} {field} or less gives 1")
                    };
                    format!("{low}, {f} or more gives 0, {mid} gives 0.5")
                } else {
                    format!("from and to are both {f}: give two different numbers")
                }
            }
            Rule::Bands(b) => {
                if b.bands.is_empty() {
                    return "no bands: every contact gets 0".into();
                }
                let mut parts = Vec::new();
                for (i, b) in b.bands.iter().enumerate() {
                    let (at, v) = (fmt_num(b.at_least), fmt_num(b.value));
                    if i == 0 && b.value != 0.0 {
                        parts.push(format!("below {at} {field} gives 0"));
                        parts.push(format!("{at} or more gives {v}"));
                    } else if i == 0 {
                        parts.push(format!("{at} {field} or more gives 0"));
                    } else {
                        parts.push(format!("{at} or more gives {v}"));
                    }
                }
                parts.join(", ")
            }
            Rule::Match(m) => {
                let mut parts: Vec<String> = m
                    .values
                    .iter()
                    .map(|(k, v)| format!("'{k}' gives {}", fmt_num(*v)))
                    .collect();
                parts.push(format!("any other {field} gives {}", fmt_num(m.default)));
                parts.join(", ")
            }
            Rule::Flag => format!("{field} yes gives 1, no gives 0"),
            Rule::NotFlag => format!("{field} no gives 1, yes gives 0"),
            Rule::Present => format!("any {field} given gives 1"),
            Rule::Recency { half_life_days } => {
                let h = fmt_num(*half_life_days);
                let h2 = fmt_num(half_life_days * 2.0);
                format!("{field} today gives 1, {h} days ago gives 0.5, {h2} days ago 0.25")
            }
            Rule::LogScale { from, to } => {
                // The geometric middle: half way on a log scale.
                let mid = fmt_num((from * to).sqrt());
                let (f, t) = (fmt_num(*from), fmt_num(*to));
                if from <= to {
                    format!(
                        "{f} {field} or less gives 0, {t} or more gives 1, {mid} gives 0.5 (each multiple counts the same)"
                    )
                } else {
                    format!(
                        "{t} {field} or less gives 1, {f} or more gives 0, {mid} gives 0.5 (each multiple counts the same)"
                    )
                }
            }
        }
    }

    /// The value that gives the rule its full attainment, in words ("10 or more", "'Google'").
    pub fn best_value(&self) -> String {
        match self {
            Rule::Scale { from, to } | Rule::LogScale { from, to } if to >= from => {
                format!("{} or more", fmt_num(*to))
            }
            Rule::Scale { to, .. } | Rule::LogScale { to, .. } => {
                format!("{} or less", fmt_num(*to))
            }
            Rule::Bands(b) => b
                .bands
                .iter()
                .max_by(|x, y| x.value.total_cmp(&y.value))
                .map(|b| format!("{} or more", fmt_num(b.at_least)))
                .unwrap_or_else(|| "its top band".into()),
            Rule::Match(m) => m
                .values
                .iter()
                .max_by(|x, y| x.1.total_cmp(&y.1))
                .map(|(k, _)| format!("'{k}'"))
                .unwrap_or_else(|| "a listed value".into()),
            Rule::Flag => "yes".into(),
            Rule::NotFlag => "no".into(),
            Rule::Present => "given".into(),
            Rule::Recency { .. } => "today".into(),
        }
    }

    /// The numbers this rule tells apart, lowest and highest, for `generate` to draw values
    /// around them; `None` for a rule that reads no numbers.
    pub fn number_span(&self) -> Option<(f64, f64)> {
        match self {
            Rule::Scale { from, to } | Rule::LogScale { from, to } => {
                Some((from.min(*to), from.max(*to)))
            }
            Rule::Bands(b) => {
                let lo = b
                    .bands
                    .iter()
                    .map(|b| b.at_least)
                    .fold(f64::INFINITY, f64::min);
                let hi = b
                    .bands
                    .iter()
                    .map(|b| b.at_least)
                    .fold(f64::NEG_INFINITY, f64::max);
                (lo <= hi).then_some((lo, hi))
            }
            Rule::Match(m) => {
                let keys: Vec<f64> = m.number_keys().into_iter().map(|(k, _)| k).collect();
                let lo = keys.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = keys.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                (lo <= hi).then_some((lo, hi))
            }
            // Ages in days up to three half-lives, for a number field that holds days.
            Rule::Recency { half_life_days } => Some((0.0, half_life_days * 3.0)),
            Rule::Flag | Rule::NotFlag | Rule::Present => None,
        }
    }

    /// The values this rule lists by name, for `generate` to draw them.
    pub fn listed_values(&self) -> Vec<String> {
        match self {
            Rule::Match(m) => m.values.iter().map(|(k, _)| k.clone()).collect(),
            Rule::Scale { .. }
            | Rule::Bands(_)
            | Rule::Flag
            | Rule::NotFlag
            | Rule::Present
            | Rule::Recency { .. }
            | Rule::LogScale { .. } => Vec::new(),
        }
    }

    /// The inputs of the designer's rule form for this rule: (label, raw text), in the order
    /// [`RuleKind::parse`] reads them.
    pub fn inputs(&self) -> Vec<(&'static str, String)> {
        match self {
            Rule::Scale { from, to } | Rule::LogScale { from, to } => vec![
                ("From (gives 0)", fmt_num(*from)),
                ("To (gives 1)", fmt_num(*to)),
            ],
            Rule::Bands(b) => vec![
                (
                    "Bands (at least=value)",
                    b.bands
                        .iter()
                        .map(|b| format!("{}={}", fmt_num(b.at_least), fmt_num(b.value)))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                (
                    "Missing gives (empty: 0)",
                    b.missing.map(fmt_num).unwrap_or_default(),
                ),
            ],
            Rule::Match(m) => vec![
                (
                    "Values (value=attainment)",
                    m.values
                        .iter()
                        .map(|(k, v)| format!("{k}={}", fmt_num(*v)))
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
                ("Anything else gives", fmt_num(m.default)),
                (
                    "Missing gives (empty: 0)",
                    m.missing.map(fmt_num).unwrap_or_default(),
                ),
            ],
            Rule::Flag | Rule::NotFlag | Rule::Present => Vec::new(),
            Rule::Recency { half_life_days } => {
                vec![("Half-life in days", fmt_num(*half_life_days))]
            }
        }
    }
}

impl Signal {
    /// The attainment of a contact without a value: the signal's `missing`, else the rule's
    /// `missing` entry, else 0 (the signal's is nearer the workshop's edit, so it wins).
    pub fn missing_attainment(&self) -> f64 {
        self.missing.or(self.rule.missing_entry()).unwrap_or(0.0)
    }

    /// The signal's sentence in the designer, `explain` and the HTML report: [`words`] with
    /// the field as the model names it, and the days a date or a number of days stands for
    /// ("7 days since last activity or more gives 0.5", "0 days since login gives 1").
    ///
    /// [`words`]: Signal::words
    pub fn words_in(&self, model: &Model) -> String {
        let name = field_words(model, &self.field);
        let kind = model
            .fields
            .iter()
            .find(|f| f.id == self.field)
            .map(|f| f.kind);
        // Every other rule on every other kind says its field as it is.
        if let (Rule::Bands(_), Some(FieldKind::Date)) = (&self.rule, kind) {
            return self.words(&format!("days since {name}"));
        }
        if let (Rule::Recency { half_life_days }, Some(FieldKind::Number)) = (&self.rule, kind) {
            let h = fmt_num(*half_life_days);
            let h2 = fmt_num(half_life_days * 2.0);
            return with_missing(
                &self.rule,
                format!("0 {name} gives 1, {h} gives 0.5, {h2} gives 0.25"),
                self.missing.or(self.rule.missing_entry()),
            );
        }
        self.words(&name)
    }

    /// The signal's rule in words, with what a missing value gives when it is not 0.
    pub fn words(&self, field: &str) -> String {
        match self.missing {
            Some(m) => with_missing(&self.rule, self.rule.value_words(field), Some(m)),
            None => self.rule.words(field),
        }
    }
}

/// A rule's sentence with ", missing gives 0.5" added when a missing value gives more than 0
/// (or always for `present`, which is about missing values).
fn with_missing(rule: &Rule, words: String, missing: Option<f64>) -> String {
    let m = missing.unwrap_or(0.0);
    if m != 0.0 || rule.kind() == RuleKind::Present {
        format!("{words}, missing gives {}", fmt_num(m))
    } else {
        words
    }
}

impl MatchRule {
    /// The listed values that read as numbers, with their attainments, first listing first:
    /// what a `match` on a number field compares (`check` refuses the others there).
    pub fn number_keys(&self) -> Vec<(f64, f64)> {
        self.values
            .iter()
            .filter_map(|(k, a)| {
                k.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(|v| (v, *a))
            })
            .collect()
    }
}

/// A field as a form names it: its label whatever its length (a form has the room a
/// sentence lacks), else its id in words.
pub fn field_label(model: &Model, field: &str) -> String {
    label_of(model, field)
        .cloned()
        .unwrap_or_else(|| field.replace('_', " "))
}

/// How a field reads inside a rule's sentence: its label when short, else its id in words.
pub fn field_words(model: &Model, field: &str) -> String {
    label_of(model, field)
        // A long label reads badly inside a sentence; the id is short.
        .filter(|l| l.chars().count() <= 24)
        .cloned()
        .unwrap_or_else(|| field.replace('_', " "))
}

fn label_of<'a>(model: &'a Model, field: &str) -> Option<&'a String> {
    model
        .fields
        .iter()
        .find(|f| f.id == field)
        .and_then(|f| f.label.as_ref())
}

/// A number as the designer shows it: `3`, `2.5`, at most four decimals.
pub fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// A finite number typed in a form, or what is wrong with it.
pub fn number(s: &str, what: &str) -> Result<f64, String> {
    let t = s.trim();
    t.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("'{t}' is not a number: {what} is a number"))
}

/// An attainment typed in a form: a number from 0 to 1.
fn attainment(raw: &str, what: &str) -> Result<f64, String> {
    let v = number(raw, what)?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!(
            "{what} is {}: an attainment is from 0 to 1",
            fmt_num(v)
        ))
    }
}

/// An attainment typed in a form that may be left empty (none).
pub fn optional_attainment(raw: &str, what: &str) -> Result<Option<f64>, String> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        attainment(raw, what).map(Some)
    }
}

/// `a=1, b=0.5` as pairs of trimmed texts.
fn pairs(raw: &str) -> Result<Vec<(String, String)>, String> {
    raw.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            p.split_once('=')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()))
                .ok_or_else(|| format!("'{p}' needs an = sign: write it like 5=0.5"))
        })
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn rules_in_words() {
        assert_eq!(
            (Rule::Scale {
                from: 0.0,
                to: 10.0
            })
            .words("visits"),
            "0 visits gives 0, 10 or more gives 1, 5 gives 0.5"
        );
        assert_eq!(
            (Rule::Bands(BandRule::from(vec![
                Band {
                    at_least: 5.0,
                    value: 0.5
                },
                Band {
                    at_least: 10.0,
                    value: 1.0
                }
            ])))
            .words("visits"),
            "below 5 visits gives 0, 5 or more gives 0.5, 10 or more gives 1"
        );
        let m = Rule::Match(MatchRule {
            values: vec![("Finance".into(), 1.0)],
            default: 0.2,
            missing: None,
        });
        assert_eq!(
            m.words("industry"),
            "'Finance' gives 1, any other industry gives 0.2"
        );
        assert_eq!(
            (Rule::Recency {
                half_life_days: 30.0
            })
            .words("last login"),
            "last login today gives 1, 30 days ago gives 0.5, 60 days ago 0.25"
        );
    }

    #[test]
    fn a_missing_attainment_in_words_and_in_the_form() {
        let m = RuleKind::Match
            .parse(&["Finance=1".into(), "0.2".into(), "0.5".into()])
            .unwrap();
        assert_eq!(
            m.words("industry"),
            "'Finance' gives 1, any other industry gives 0.2, missing gives 0.5"
        );
        assert_eq!(m.inputs()[2].1, "0.5");
        assert!(
            RuleKind::Match
                .parse(&["a=1".into(), "".into(), "1.5".into()])
                .unwrap_err()
                .contains("0 to 1")
        );
        // The signal's own `missing` wins over the rule's entry, in words as in the score.
        let mut s = Signal {
            field: "industry".into(),
            weight: crate::model::Weight::HUNDRED,
            rule: m,
            missing: Some(0.25),
            decay: None,
            note: None,
        };
        assert_eq!(
            s.words("industry"),
            "'Finance' gives 1, any other industry gives 0.2, missing gives 0.25"
        );
        assert_eq!(s.missing_attainment(), 0.25);
        s.missing = None;
        assert_eq!(s.missing_attainment(), 0.5);
        s.rule = Rule::Flag;
        assert_eq!(s.missing_attainment(), 0.0);
        assert_eq!(s.words("member"), "member yes gives 1, no gives 0");
    }

    /// Issue 14 (leftover): `bands` has a `missing` entry as `match` has: the form's second
    /// input, said last in the sentence, and the signal's own `missing` wins over it.
    #[test]
    fn a_bands_missing_entry_in_words_and_in_the_form() {
        let b = RuleKind::Bands
            .parse(&["5=0.5, 10=1".into(), "0.4".into()])
            .unwrap();
        assert_eq!(b.missing_entry(), Some(0.4));
        assert_eq!(
            b.words("visits"),
            "below 5 visits gives 0, 5 or more gives 0.5, 10 or more gives 1, missing gives 0.4"
        );
        assert_eq!(b.inputs()[1], ("Missing gives (empty: 0)", "0.4".into()));
        // Left empty: no entry, and a missing value gives 0 (said by nothing).
        let none = RuleKind::Bands
            .parse(&["5=0.5".into(), " ".into()])
            .unwrap();
        assert_eq!(none.missing_entry(), None);
        assert_eq!(
            none.words("visits"),
            "below 5 visits gives 0, 5 or more gives 0.5"
        );
        assert!(
            RuleKind::Bands
                .parse(&["5=0.5".into(), "2".into()])
                .unwrap_err()
                .contains("a missing value's attainment is 2: an attainment is from 0 to 1")
        );
        let s = Signal {
            field: "visits".into(),
            weight: crate::model::Weight::HUNDRED,
            rule: b,
            missing: Some(0.9),
            decay: None,
            note: None,
        };
        assert_eq!(s.missing_attainment(), 0.9);
        assert!(
            s.words("visits")
                .ends_with("10 or more gives 1, missing gives 0.9")
        );
    }

    #[test]
    fn rule_form_parses_and_refuses() {
        assert_eq!(
            RuleKind::Scale.parse(&["0".into(), "10".into()]),
            Ok(Rule::Scale {
                from: 0.0,
                to: 10.0
            })
        );
        assert!(
            RuleKind::Scale
                .parse(&["x".into(), "10".into()])
                .unwrap_err()
                .contains("'x' is not a number")
        );
        assert!(
            RuleKind::Bands
                .parse(&["10=1, 5=0.5".into()])
                .unwrap_err()
                .contains("lowest up")
        );
        assert!(
            RuleKind::Match
                .parse(&["a=2".into(), "".into()])
                .unwrap_err()
                .contains("0 to 1")
        );
        let r = RuleKind::Match
            .parse(&["Finance=1, Retail=0.5".into(), "0.1".into()])
            .unwrap();
        assert_eq!(r.inputs()[0].1, "Finance=1, Retail=0.5");
    }

    #[test]
    fn log_scale_in_words_and_in_the_form() {
        let r = Rule::LogScale {
            from: 1.0,
            to: 10000.0,
        };
        assert_eq!(
            r.words("revenue"),
            "1 revenue or less gives 0, 10000 or more gives 1, 100 gives 0.5 (each multiple counts the same)"
        );
        assert_eq!(
            RuleKind::LogScale.parse(&["1".into(), "10000".into()]),
            Ok(r.clone())
        );
        assert!(
            RuleKind::LogScale
                .parse(&["0".into(), "10".into()])
                .unwrap_err()
                .contains("more than 0")
        );
        let raw: Vec<String> = r.inputs().into_iter().map(|(_, v)| v).collect();
        assert_eq!(RuleKind::LogScale.parse(&raw), Ok(r));
        // Every kind's starting rule reads back from its own form, and names round-trip.
        for k in RuleKind::ALL {
            let start = k.start();
            let raw: Vec<String> = start.inputs().into_iter().map(|(_, v)| v).collect();
            assert_eq!(k.parse(&raw), Ok(start.clone()), "{k:?}");
            assert_eq!(start.kind(), k);
            assert_eq!(RuleKind::from_name(k.name()), Some(k));
        }
    }
}
