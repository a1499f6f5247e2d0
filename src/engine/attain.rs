//! Attainment: how a rule turns one field's values into numbers between 0 and 1.
//!
//! One function per rule kind over a whole column, with the per-value arithmetic in small
//! functions that the SQL export's tests hold equal to the generated SQL. A missing value
//! gives 0 in every kernel; [`signal_column`] then gives it the signal's own `missing`
//! attainment.

use crate::contacts::Typed;
use crate::contacts::typed::{BOOL_MISSING, CODE_MISSING, DATE_MISSING, category_key};
use crate::model::{Band, Decay, Rule, Signal};

/// `(v - from) / (to - from)`, clamped to [0, 1]. `from > to` inverts.
///
/// Never NaN or infinite for finite numbers: a value at or beyond an end is 0 or 1 before any
/// arithmetic, so `v - from` stays within `to - from`; and when `to - from` itself overflows
/// (a scale from -1e308 to 1e308), every term is halved first (`ScaleParts`). The SQL export
/// writes the same steps.
pub fn scale(v: f64, from: f64, to: f64) -> f64 {
    let p = ScaleParts::new(from, to);
    if (from <= to && v <= from) || (from > to && v >= from) {
        0.0
    } else if (from <= to && v >= to) || (from > to && v <= to) {
        1.0
    } else {
        ((v * p.factor - p.from) / p.span).clamp(0.0, 1.0)
    }
}

/// The constants of a scale's division: `(v x factor - from) / span`, with `factor` 1 and
/// `span = to - from` unless that overflows, then 0.5 and everything halved (exact for every
/// double but the subnormal ones, which no scale of that size can tell apart).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ScaleParts {
    pub factor: f64,
    pub from: f64,
    pub span: f64,
}

impl ScaleParts {
    pub fn new(from: f64, to: f64) -> ScaleParts {
        if (to - from).is_finite() {
            ScaleParts {
                factor: 1.0,
                from,
                span: to - from,
            }
        } else {
            ScaleParts {
                factor: 0.5,
                from: from * 0.5,
                span: to * 0.5 - from * 0.5,
            }
        }
    }
}

/// The value of the highest band `v` reaches; 0 below every band.
pub fn bands(v: f64, bands: &[Band]) -> f64 {
    let mut out = 0.0;
    for b in bands {
        if v >= b.at_least {
            out = b.value;
        }
    }
    out
}

/// `(ln v - ln from) / (ln to - ln from)`, clamped to [0, 1]; 0 for a value of 0 or less
/// (no logarithm). `from > to` inverts. The checks refuse a `from` or `to` of 0 or less.
pub fn log_scale(v: f64, from: f64, to: f64) -> f64 {
    let p = LogParts::new(from, to);
    if v <= 0.0 || (from <= to && v <= from) || (from > to && v >= from) {
        0.0
    } else if (from <= to && v >= to) || (from > to && v <= to) {
        1.0
    } else {
        ((v.ln() - p.ln_from) / p.span).clamp(0.0, 1.0)
    }
}

/// The constants of a log scale's division, `(ln v - ln_from) / span`, worked out once here
/// so that every SQL dialect divides by the same two numbers and only takes `LN(v)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LogParts {
    pub ln_from: f64,
    pub span: f64,
}

impl LogParts {
    pub fn new(from: f64, to: f64) -> LogParts {
        LogParts {
            ln_from: from.ln(),
            span: to.ln() - from.ln(),
        }
    }
}

/// 0.5^(age / half_life); 1 for today or a future date.
pub fn half_life(age_days: i64, half_life_days: f64) -> f64 {
    half_life_of(age_days as f64, half_life_days)
}

/// [`half_life`] of an age in days that a number field holds (`days_since_last_login`),
/// which may have a fraction; 0 days or less gives 1.
///
/// A half-life of -0 is one of 0 (the checks refuse both): the scorer's cache keys hold the
/// two as one number (`engine::key::F64Key`), so the kernel must not tell them apart.
pub fn half_life_of(age_days: f64, half_life_days: f64) -> f64 {
    if age_days <= 0.0 {
        1.0
    } else {
        0.5f64.powf(age_days / (half_life_days + 0.0))
    }
}

/// Each value's age in days, `None` where it is missing: a date's days before `today`, a
/// number field's own value (it holds days); `None` for a column that holds no days.
pub fn ages(values: &Typed, today: i32) -> Option<Vec<Option<f64>>> {
    match values {
        Typed::Date(v) => Some(
            v.iter()
                .map(|&d| (d != DATE_MISSING).then(|| (today as i64 - d as i64) as f64))
                .collect(),
        ),
        Typed::Number(v) => Some(v.iter().map(|&x| (!x.is_nan()).then_some(x)).collect()),
        Typed::Bool(_) | Typed::Category { .. } => None,
    }
}

/// `f` of each number of a column; a missing number (NaN) gives 0.
fn per_number(v: &[f64], f: impl Fn(f64) -> f64) -> Vec<f64> {
    v.iter()
        .map(|&x| if x.is_nan() { 0.0 } else { f(x) })
        .collect()
}

/// The attainment column of a rule over a typed column. `today` is a day number.
///
/// The columnar kernel of every rule kind (`model::rules` has the rest of each kind's
/// definition): one arm per kind, no wildcard, so a new kind does not compile until it has a
/// kernel. A rule on a column it does not fit gives 0 everywhere (the checks report it).
pub fn attainment(rule: &Rule, values: &Typed, today: i32) -> Vec<f64> {
    let n = values.len();
    let unfit = || vec![0.0; n];
    match rule {
        Rule::Scale { from, to } => match values {
            Typed::Number(v) => per_number(v, |x| scale(x, *from, *to)),
            Typed::Bool(_) | Typed::Date(_) | Typed::Category { .. } => unfit(),
        },
        // On a number its value, on a date its age in days.
        Rule::Bands(b) => match ages(values, today) {
            Some(x) => x
                .iter()
                .map(|x| x.map_or(0.0, |x| bands(x, &b.bands)))
                .collect(),
            None => unfit(),
        },
        Rule::Match(m) => match values {
            Typed::Category { codes, keys, .. } => {
                // One lookup per distinct value, then one per row by code.
                let by_code: Vec<f64> = keys
                    .iter()
                    .map(|k| {
                        m.values
                            .iter()
                            .find(|(name, _)| category_key(name) == *k)
                            .map(|(_, a)| *a)
                            .unwrap_or(m.default)
                    })
                    .collect();
                codes
                    .iter()
                    .map(|&c| {
                        if c == CODE_MISSING {
                            0.0
                        } else {
                            by_code[c as usize]
                        }
                    })
                    .collect()
            }
            Typed::Bool(v) => {
                let find = |b: bool| {
                    m.values
                        .iter()
                        .find(|(name, _)| crate::contacts::parse_bool(name) == Some(b))
                        .map(|(_, a)| *a)
                        .unwrap_or(m.default)
                };
                let (t, f) = (find(true), find(false));
                v.iter()
                    .map(|&x| match x {
                        1 => t,
                        0 => f,
                        _ => 0.0,
                    })
                    .collect()
            }
            // Exact values compared as numbers: `1`, `1.0` and ` 1 ` are one value.
            Typed::Number(v) => {
                let keys = m.number_keys();
                v.iter()
                    .map(|&x| {
                        if x.is_nan() {
                            0.0
                        } else {
                            keys.iter()
                                .find(|(k, _)| *k == x)
                                .map(|(_, a)| *a)
                                .unwrap_or(m.default)
                        }
                    })
                    .collect()
            }
            Typed::Date(_) => unfit(),
        },
        Rule::Flag => match values {
            Typed::Bool(v) => v.iter().map(|&x| if x == 1 { 1.0 } else { 0.0 }).collect(),
            Typed::Number(_) | Typed::Date(_) | Typed::Category { .. } => unfit(),
        },
        Rule::NotFlag => match values {
            Typed::Bool(v) => v.iter().map(|&x| if x == 0 { 1.0 } else { 0.0 }).collect(),
            Typed::Number(_) | Typed::Date(_) | Typed::Category { .. } => unfit(),
        },
        Rule::Present => (0..n)
            .map(|i| if values.is_missing(i) { 0.0 } else { 1.0 })
            .collect(),
        Rule::LogScale { from, to } => match values {
            Typed::Number(v) => per_number(v, |x| log_scale(x, *from, *to)),
            Typed::Bool(_) | Typed::Date(_) | Typed::Category { .. } => unfit(),
        },
        // A date's age, or a number field that holds days.
        Rule::Recency { half_life_days } => match ages(values, today) {
            Some(x) => x
                .iter()
                .map(|x| x.map_or(0.0, |x| half_life_of(x, *half_life_days)))
                .collect(),
            None => unfit(),
        },
    }
}

/// A signal's attainment column before decay: its rule's kernel, with the signal's
/// `missing` attainment (`Signal::missing_attainment`) where the field has no value.
pub fn signal_column(signal: &Signal, values: &Typed, today: i32) -> Vec<f64> {
    let mut att = attainment(&signal.rule, values, today);
    let m = signal.missing_attainment();
    if m != 0.0 {
        for (i, a) in att.iter_mut().enumerate() {
            if values.is_missing(i) {
                *a = m;
            }
        }
    }
    att
}

/// Multiplies an attainment column by the decay factor of its `since` column: a date, or a
/// number field that holds days. A missing age, or a column of another kind, gives 0.
pub fn apply_decay(att: &mut [f64], decay: &Decay, since: Option<&Typed>, today: i32) {
    match since.and_then(|s| ages(s, today)) {
        Some(x) => {
            for (a, age) in att.iter_mut().zip(x) {
                *a *= age.map_or(0.0, |x| half_life_of(x, decay.half_life_days));
            }
        }
        None => att.iter_mut().for_each(|a| *a = 0.0),
    }
}

/// Whether a boolean column's value is missing (for callers outside this module).
pub fn bool_missing(v: u8) -> bool {
    v == BOOL_MISSING
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BandRule, MatchRule};

    #[test]
    fn a_half_life_of_minus_zero_is_one_of_zero() {
        // 5 days / +0 is +inf, 0.5^inf = 0; / -0 was -inf, 0.5^-inf = inf.
        assert_eq!(half_life_of(5.0, -0.0), 0.0);
        assert_eq!(half_life_of(5.0, 0.0), 0.0);
        assert_eq!(half_life_of(0.0, -0.0), 1.0);
    }

    #[test]
    fn scale_clamps_and_inverts() {
        // 5 visits on 0..10 is 0.5; 12 is clamped to 1; -3 to 0.
        assert_eq!(scale(5.0, 0.0, 10.0), 0.5);
        assert_eq!(scale(12.0, 0.0, 10.0), 1.0);
        assert_eq!(scale(-3.0, 0.0, 10.0), 0.0);
        // Inverted: 30 days on 90..0 is (30 - 90) / (0 - 90) = 2/3.
        assert!((scale(30.0, 90.0, 0.0) - 2.0 / 3.0).abs() < 1e-15);
    }

    #[test]
    fn scales_of_any_finite_size_give_a_number() {
        // Issue 12, item 9: from -1e308 to 1e308 with 1e308 gave NaN (inf / inf).
        assert_eq!(scale(1e308, -1e308, 1e308), 1.0);
        assert_eq!(scale(0.0, -1e308, 1e308), 0.5);
        assert_eq!(scale(0.0, 1e308, -1e308), 0.5);
        assert_eq!(scale(-1e308, 0.0, 1e308), 0.0);
        assert_eq!(scale(f64::MAX, f64::MIN, 0.0), 1.0);
        assert_eq!(scale(f64::MIN, 0.0, 1e308), 0.0);
        assert_eq!(scale(5.0, 3.0, 3.0), 1.0);
    }

    #[test]
    fn bands_take_the_highest_reached() {
        let b = vec![
            Band {
                at_least: 1.0,
                value: 0.3,
            },
            Band {
                at_least: 5.0,
                value: 0.7,
            },
            Band {
                at_least: 10.0,
                value: 1.0,
            },
        ];
        assert_eq!(bands(0.0, &b), 0.0);
        assert_eq!(bands(1.0, &b), 0.3);
        assert_eq!(bands(7.0, &b), 0.7);
        assert_eq!(bands(50.0, &b), 1.0);
    }

    #[test]
    fn log_scale_counts_each_multiple_the_same() {
        // 1 to 1000: 10 is a third of the way, 100 two thirds; 0 and below give 0.
        assert_eq!(log_scale(1.0, 1.0, 1000.0), 0.0);
        assert!((log_scale(10.0, 1.0, 1000.0) - 1.0 / 3.0).abs() < 1e-12);
        assert!((log_scale(100.0, 1.0, 1000.0) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(log_scale(5000.0, 1.0, 1000.0), 1.0);
        assert_eq!(log_scale(0.0, 1.0, 1000.0), 0.0);
        assert_eq!(log_scale(-3.0, 1.0, 1000.0), 0.0);
        // Inverted: 1000 down to 1; and a value of 0 or less still gives 0, never 1.
        assert!((log_scale(10.0, 1000.0, 1.0) - 2.0 / 3.0).abs() < 1e-12);
        assert_eq!(log_scale(0.5, 1000.0, 1.0), 1.0);
        assert_eq!(log_scale(-1.0, 1000.0, 1.0), 0.0);
        let col = attainment(
            &Rule::LogScale {
                from: 1.0,
                to: 100.0,
            },
            &Typed::Number(vec![10.0, f64::NAN]),
            0,
        );
        assert!((col[0] - 0.5).abs() < 1e-12 && col[1] == 0.0, "{col:?}");
    }

    #[test]
    fn half_life_halves() {
        // 30 days at a 30-day half-life is 0.5; 60 days is 0.25; future is 1.
        assert_eq!(half_life(30, 30.0), 0.5);
        assert_eq!(half_life(60, 30.0), 0.25);
        assert_eq!(half_life(-5, 30.0), 1.0);
        assert_eq!(half_life(0, 30.0), 1.0);
    }

    #[test]
    fn columns_by_rule() {
        let nums = Typed::Number(vec![5.0, f64::NAN]);
        assert_eq!(
            attainment(
                &Rule::Scale {
                    from: 0.0,
                    to: 10.0
                },
                &nums,
                0
            ),
            vec![0.5, 0.0]
        );
        assert_eq!(attainment(&Rule::Present, &nums, 0), vec![1.0, 0.0]);
        let cats = Typed::Category {
            codes: vec![0, 1, CODE_MISSING],
            labels: vec!["Google".into(), "Email".into()],
            keys: vec!["google".into(), "email".into()],
        };
        let m = Rule::Match(MatchRule {
            values: vec![(" GOOGLE ".into(), 0.8)],
            default: 0.1,
            missing: None,
        });
        assert_eq!(attainment(&m, &cats, 0), vec![0.8, 0.1, 0.0]);
        let flags = Typed::Bool(vec![1, 0, BOOL_MISSING]);
        assert_eq!(attainment(&Rule::Flag, &flags, 0), vec![1.0, 0.0, 0.0]);
        // The flag inverted: no gives 1, yes gives 0, and a missing value still 0.
        assert_eq!(attainment(&Rule::NotFlag, &flags, 0), vec![0.0, 1.0, 0.0]);
        let dates = Typed::Date(vec![100, 70, 130, DATE_MISSING]);
        assert_eq!(
            attainment(
                &Rule::Recency {
                    half_life_days: 30.0
                },
                &dates,
                100
            ),
            vec![1.0, 0.5, 1.0, 0.0]
        );
        // A rule on the wrong kind of column scores 0, never panics.
        assert_eq!(attainment(&Rule::Flag, &nums, 0), vec![0.0, 0.0]);
    }

    #[test]
    fn a_missing_value_gets_its_own_attainment() {
        // `missing: 0.5` on the signal: the blank row gets 0.5, the others their rule's value;
        // the rule's own `missing` entry (0.3) gives way to the signal's.
        let cats = Typed::Category {
            codes: vec![0, 1, CODE_MISSING],
            labels: vec!["Google".into(), "Email".into()],
            keys: vec!["google".into(), "email".into()],
        };
        let mut s = Signal {
            field: "source".into(),
            weight: crate::model::Weight::HUNDRED,
            rule: Rule::Match(MatchRule {
                values: vec![("Google".into(), 0.8)],
                default: 0.1,
                missing: Some(0.3),
            }),
            missing: None,
            decay: None,
            note: None,
        };
        assert_eq!(signal_column(&s, &cats, 0), vec![0.8, 0.1, 0.3]);
        s.missing = Some(0.5);
        assert_eq!(signal_column(&s, &cats, 0), vec![0.8, 0.1, 0.5]);
        // On any kind: a scale over numbers, a blank (NaN) gets 0.5, not 0.
        s.rule = Rule::Scale {
            from: 0.0,
            to: 10.0,
        };
        let nums = Typed::Number(vec![5.0, f64::NAN]);
        assert_eq!(signal_column(&s, &nums, 0), vec![0.5, 0.5]);
        s.missing = None;
        assert_eq!(signal_column(&s, &nums, 0), vec![0.5, 0.0]);
    }

    #[test]
    fn days_from_dates_and_numbers() {
        // Bands on a date read its age: today 100, day 93 is 7 days old (band 7: 0.5), day 40
        // is 60 (band 30: 0.1), day 120 is in the future (below every band: 0).
        let b = Rule::Bands(BandRule::from(vec![
            Band {
                at_least: 0.0,
                value: 1.0,
            },
            Band {
                at_least: 7.0,
                value: 0.5,
            },
            Band {
                at_least: 30.0,
                value: 0.1,
            },
        ]));
        let dates = Typed::Date(vec![100, 93, 40, 120, DATE_MISSING]);
        assert_eq!(attainment(&b, &dates, 100), vec![1.0, 0.5, 0.1, 0.0, 0.0]);
        // Recency on a number of days: 30 days at 30 is 0.5, 7.5 at 30 is 0.5^0.25, a
        // negative number of days 1, a blank 0.
        let r = Rule::Recency {
            half_life_days: 30.0,
        };
        let days = Typed::Number(vec![30.0, 7.5, -2.0, f64::NAN]);
        assert_eq!(
            attainment(&r, &days, 100),
            vec![0.5, 0.5f64.powf(0.25), 1.0, 0.0]
        );
        // Decay since a number of days: 14 days at 14 halves; a blank gives 0.
        let mut att = vec![0.8, 0.8];
        let since = Typed::Number(vec![14.0, f64::NAN]);
        let decay = Decay {
            since: "idle".into(),
            half_life_days: 14.0,
        };
        apply_decay(&mut att, &decay, Some(&since), 100);
        assert_eq!(att, vec![0.4, 0.0]);
    }

    #[test]
    fn decay_multiplies() {
        // Attainment 0.8, last touched 14 days ago, 14-day half-life: 0.4. Missing date: 0.
        let mut att = vec![0.8, 0.8];
        let since = Typed::Date(vec![86, DATE_MISSING]);
        apply_decay(
            &mut att,
            &Decay {
                since: "d".into(),
                half_life_days: 14.0,
            },
            Some(&since),
            100,
        );
        assert_eq!(att, vec![0.4, 0.0]);
    }
}
