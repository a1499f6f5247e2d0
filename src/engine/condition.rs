//! Conditions of adjustments and segments, evaluated a whole column at a time.
//!
//! A condition reads fields (adjustments and segments) or the contact's scores, grades, tier
//! and rating (segments only, once those are known). A missing value makes a comparison
//! false; `present: false` is how a condition asks for a missing value.

use crate::contacts::Typed;
use crate::contacts::typed::{CODE_MISSING, DATE_MISSING, category_key, parse_bool, parse_number};
use crate::model::{Condition, Date, Model, Scalar};
use std::collections::HashMap;
use std::sync::Arc;

/// What a condition can read.
pub struct Ctx<'a> {
    pub model: &'a Model,
    pub rows: usize,
    pub today: i32,
    pub fields: &'a HashMap<String, Arc<Typed>>,
    /// Final journey scores, by journey index, once known.
    pub scores: Option<&'a [Vec<f64>]>,
    /// Grade band indices, by grade index, once known.
    pub grades: Option<&'a [Vec<u8>]>,
    /// Tier level indices, once known.
    pub tiers: Option<&'a [u8]>,
}

/// No grade, no tier.
pub const NONE: u8 = u8::MAX;

/// Which rows the condition holds for.
pub fn mask(cond: &Condition, ctx: &Ctx) -> Vec<bool> {
    let n = ctx.rows;
    if !cond.all.is_empty() {
        let mut out = vec![true; n];
        for c in &cond.all {
            for (o, m) in out.iter_mut().zip(mask(c, ctx)) {
                *o &= m;
            }
        }
        return out;
    }
    if !cond.any.is_empty() {
        let mut out = vec![false; n];
        for c in &cond.any {
            for (o, m) in out.iter_mut().zip(mask(c, ctx)) {
                *o |= m;
            }
        }
        return out;
    }
    if let Some(c) = &cond.not {
        return mask(c, ctx).into_iter().map(|b| !b).collect();
    }
    if let Some(f) = &cond.field {
        return match ctx.fields.get(f) {
            Some(col) => field_mask(cond, col, ctx.today),
            None => vec![cond.present == Some(false); n],
        };
    }
    if let Some(j) = &cond.journey {
        let (Some(scores), Some(ji)) = (ctx.scores, ctx.model.journeys.iter().position(|x| &x.id == j)) else {
            return vec![false; n];
        };
        return scores[ji].iter().map(|&s| in_range(s, cond)).collect();
    }
    if let Some(g) = &cond.grade {
        let (Some(grades), Some(gi)) = (ctx.grades, ctx.model.grades.iter().position(|x| &x.id == g)) else {
            return vec![false; n];
        };
        let labels: Vec<bool> = ctx.model.grades[gi].bands.keys().map(|label| label_matches(label, cond)).collect();
        return grades[gi].iter().map(|&b| b != NONE && labels[b as usize]).collect();
    }
    if let Some(t) = &cond.tier {
        let (Some(tiers), Some(levels)) = (ctx.tiers, ctx.model.tiers.as_ref()) else { return vec![false; n] };
        let hit: Vec<bool> = levels.levels.iter().map(|l| t.contains(&l.name)).collect();
        return tiers.iter().map(|&x| x != NONE && hit[x as usize]).collect();
    }
    if let Some(r) = &cond.rating {
        let (Some(grades), Some(m)) = (ctx.grades, ctx.model.matrix.as_ref()) else { return vec![false; n] };
        let gi = |id: &str| ctx.model.grades.iter().position(|g| g.id == id);
        let (Some(ri), Some(ci)) = (gi(&m.rows), gi(&m.columns)) else { return vec![false; n] };
        let rl: Vec<&String> = ctx.model.grades[ri].bands.keys().collect();
        let cl: Vec<&String> = ctx.model.grades[ci].bands.keys().collect();
        return (0..n)
            .map(|i| {
                let (a, b) = (grades[ri][i], grades[ci][i]);
                a != NONE && b != NONE && r.contains(&format!("{}{}", rl[a as usize], cl[b as usize]))
            })
            .collect();
    }
    vec![false; n]
}

fn in_range(v: f64, cond: &Condition) -> bool {
    if v.is_nan() {
        return false;
    }
    cond.at_least.is_none_or(|x| v >= x) && cond.below.is_none_or(|x| v < x)
}

fn label_matches(label: &str, cond: &Condition) -> bool {
    let eq = |s: &Scalar| s.to_string().trim().eq_ignore_ascii_case(label.trim());
    cond.equals.as_ref().is_some_and(eq) || cond.one_of.as_ref().is_some_and(|v| v.iter().any(eq))
}

/// The operands of `equals` and `in` together.
fn operands(cond: &Condition) -> Vec<&Scalar> {
    cond.equals.iter().chain(cond.one_of.iter().flatten()).collect()
}

fn field_mask(cond: &Condition, col: &Typed, today: i32) -> Vec<bool> {
    let n = col.len();
    let has_eq = cond.equals.is_some() || cond.one_of.is_some();
    let has_range = cond.at_least.is_some() || cond.below.is_some();
    let present_ok = |missing: bool| match cond.present {
        Some(p) => p != missing,
        None => true,
    };
    let ops = operands(cond);
    match col {
        Typed::Number(v) => {
            let eqs: Vec<f64> = ops.iter().filter_map(|s| scalar_number(s)).collect();
            v.iter()
                .map(|&x| {
                    let missing = x.is_nan();
                    if !present_ok(missing) {
                        return false;
                    }
                    if missing && (has_eq || has_range) {
                        return false;
                    }
                    (!has_range || in_range(x, cond)) && (!has_eq || eqs.contains(&x))
                })
                .collect()
        }
        Typed::Date(v) => {
            let eqs: Vec<i32> = ops.iter().filter_map(|s| Date::parse(&s.to_string()).map(|d| d.0)).collect();
            v.iter()
                .map(|&d| {
                    let missing = d == DATE_MISSING;
                    if !present_ok(missing) {
                        return false;
                    }
                    if missing && (has_eq || has_range) {
                        return false;
                    }
                    let age = (today as i64 - d as i64) as f64;
                    (!has_range || in_range(age, cond)) && (!has_eq || eqs.contains(&d))
                })
                .collect()
        }
        Typed::Bool(v) => {
            let eqs: Vec<u8> = ops.iter().filter_map(|s| scalar_bool(s)).map(u8::from).collect();
            v.iter()
                .map(|&b| {
                    let missing = crate::engine::attain::bool_missing(b);
                    if !present_ok(missing) {
                        return false;
                    }
                    if missing && (has_eq || has_range) {
                        return false;
                    }
                    !has_range && (!has_eq || eqs.contains(&b))
                })
                .collect()
        }
        Typed::Category { codes, keys, .. } => {
            let wanted: Vec<String> = ops.iter().map(|s| category_key(&s.to_string())).collect();
            let by_code: Vec<bool> = keys.iter().map(|k| wanted.contains(k)).collect();
            let _ = n;
            codes
                .iter()
                .map(|&c| {
                    let missing = c == CODE_MISSING;
                    if !present_ok(missing) {
                        return false;
                    }
                    if missing && (has_eq || has_range) {
                        return false;
                    }
                    !has_range && (!has_eq || by_code[c as usize])
                })
                .collect()
        }
    }
}

fn scalar_number(s: &Scalar) -> Option<f64> {
    match s {
        Scalar::Int(i) => Some(*i as f64),
        Scalar::Float(f) => Some(*f),
        Scalar::Text(t) => parse_number(t),
        Scalar::Bool(_) => None,
    }
}

fn scalar_bool(s: &Scalar) -> Option<bool> {
    match s {
        Scalar::Bool(b) => Some(*b),
        other => parse_bool(&other.to_string()),
    }
}
