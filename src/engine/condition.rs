//! Conditions of adjustments and segments, evaluated a whole column at a time.
//!
//! A condition reads fields (adjustments and segments) or the contact's scores, grades, tier
//! and rating (segments only, once those are known). A missing value makes a comparison
//! false; `present: false` is how a condition asks for a missing value. A test that compares
//! two fields (`at_least: { field: b }`) holds only where both are given.

use crate::contacts::Typed;
use crate::contacts::typed::{CODE_MISSING, DATE_MISSING, category_key, parse_bool, parse_number};
use crate::model::{Compare, Condition, Date, Model, Scalar};
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
    let compiled = compile(cond, ctx, &mut |c| Arc::new(mask_of_fields(c, ctx)));
    let view = View {
        scores: ctx
            .scores
            .map(|s| s.iter().map(Vec::as_slice).collect())
            .unwrap_or_default(),
        grades: ctx
            .grades
            .map(|g| g.iter().map(Vec::as_slice).collect())
            .unwrap_or_default(),
        tiers: ctx.tiers.unwrap_or(&[]),
    };
    let mut out = vec![false; ctx.rows];
    for (b, block) in out.chunks_mut(BLOCK).enumerate() {
        compiled.eval(&view, b * BLOCK, b * BLOCK, block);
    }
    out
}

/// Rows evaluated together: small enough that a block of each column stays in the L1 cache.
pub const BLOCK: usize = 2048;

/// A condition with its names resolved (journey, grade and tier indices, label tables) and its
/// field tests turned into row masks, so that it can be evaluated a block of rows at a time
/// over the score, grade and tier columns. `mask` is this over all rows; `Scorer` keeps the
/// field masks between calls and evaluates segments block by block beside the sums.
#[derive(Clone, Debug)]
pub enum Compiled {
    Const(bool),
    /// A test that reads only fields, evaluated for every row.
    Mask(Arc<Vec<bool>>),
    All(Vec<Compiled>),
    Any(Vec<Compiled>),
    Not(Box<Compiled>),
    Score {
        journey: usize,
        at_least: Option<f64>,
        below: Option<f64>,
    },
    /// By band index of the grade: whether the condition holds (never for `NONE`).
    Grade {
        grade: usize,
        labels: Box<[bool; 256]>,
    },
    /// By tier level index: whether the condition holds (never for `NONE`).
    Tier {
        hit: Box<[bool; 256]>,
    },
    /// Per (row band, column band) of the matrix, row-major: whether the rating is listed.
    Rating {
        rows: usize,
        columns: usize,
        width: usize,
        hit: Vec<bool>,
    },
}

/// The columns a compiled condition reads, each starting at the row `rel` of `eval` counts
/// from: journey scores, grade band indices, tier level indices.
pub struct View<'a> {
    pub scores: Vec<&'a [f64]>,
    pub grades: Vec<&'a [u8]>,
    pub tiers: &'a [u8],
}

/// Whether a condition reads fields only (no scores, grades, tier or rating): such a condition
/// holds for the same rows whatever the weights, so its mask can be kept between edits.
pub fn reads_fields_only(cond: &Condition) -> bool {
    if !cond.all.is_empty() {
        return cond.all.iter().all(reads_fields_only);
    }
    if !cond.any.is_empty() {
        return cond.any.iter().all(reads_fields_only);
    }
    if let Some(c) = &cond.not {
        return reads_fields_only(c);
    }
    cond.field.is_some()
}

/// The mask of a condition that reads fields only (see `reads_fields_only`).
pub fn mask_of_fields(cond: &Condition, ctx: &Ctx) -> Vec<bool> {
    let n = ctx.rows;
    if !cond.all.is_empty() {
        let mut out = vec![true; n];
        for c in &cond.all {
            for (o, m) in out.iter_mut().zip(mask_of_fields(c, ctx)) {
                *o &= m;
            }
        }
        return out;
    }
    if !cond.any.is_empty() {
        let mut out = vec![false; n];
        for c in &cond.any {
            for (o, m) in out.iter_mut().zip(mask_of_fields(c, ctx)) {
                *o |= m;
            }
        }
        return out;
    }
    if let Some(c) = &cond.not {
        return mask_of_fields(c, ctx).into_iter().map(|b| !b).collect();
    }
    match &cond.field {
        Some(f) => match ctx.fields.get(f) {
            Some(col) => {
                let mut out = field_mask(cond, col, ctx.today);
                for (op, other) in cond.other_fields() {
                    match ctx.fields.get(other) {
                        Some(o) => {
                            for (x, hit) in out.iter_mut().zip(compare(col, o, op)) {
                                *x &= hit;
                            }
                        }
                        None => out.fill(false),
                    }
                }
                out
            }
            None => vec![cond.present == Some(false); n],
        },
        None => vec![false; n],
    }
}

/// Resolves a condition against the model. Parts that read fields only become masks through
/// `fields_mask` (which may take them from a cache); a subject the context cannot read (no
/// scores yet, an unknown journey or grade) never holds.
pub fn compile(
    cond: &Condition,
    ctx: &Ctx,
    fields_mask: &mut dyn FnMut(&Condition) -> Arc<Vec<bool>>,
) -> Compiled {
    if reads_fields_only(cond) {
        return Compiled::Mask(fields_mask(cond));
    }
    if !cond.all.is_empty() {
        return Compiled::All(
            cond.all
                .iter()
                .map(|c| compile(c, ctx, fields_mask))
                .collect(),
        );
    }
    if !cond.any.is_empty() {
        return Compiled::Any(
            cond.any
                .iter()
                .map(|c| compile(c, ctx, fields_mask))
                .collect(),
        );
    }
    if let Some(c) = &cond.not {
        return Compiled::Not(Box::new(compile(c, ctx, fields_mask)));
    }
    if let Some(j) = &cond.journey {
        let (Some(_), Some(ji), true) = (
            ctx.scores,
            ctx.model.journeys.iter().position(|x| &x.id == j),
            // A score compares with a number only (`check` says so).
            cond.other_fields().is_empty(),
        ) else {
            return Compiled::Const(false);
        };
        return Compiled::Score {
            journey: ji,
            at_least: cond.at_least_value(),
            below: cond.below_value(),
        };
    }
    if let Some(g) = &cond.grade {
        let (Some(_), Some(gi)) = (ctx.grades, ctx.model.grades.iter().position(|x| &x.id == g))
        else {
            return Compiled::Const(false);
        };
        let labels = by_index(
            ctx.model.grades[gi]
                .bands
                .keys()
                .map(|label| label_matches(label, cond)),
        );
        return Compiled::Grade { grade: gi, labels };
    }
    if let Some(t) = &cond.tier {
        let (Some(_), Some(levels)) = (ctx.tiers, ctx.model.tiers.as_ref()) else {
            return Compiled::Const(false);
        };
        return Compiled::Tier {
            hit: by_index(levels.levels.iter().map(|l| t.contains(&l.name))),
        };
    }
    if let Some(r) = &cond.rating {
        let (Some(_), Some(m)) = (ctx.grades, ctx.model.matrix.as_ref()) else {
            return Compiled::Const(false);
        };
        let gi = |id: &str| ctx.model.grades.iter().position(|g| g.id == id);
        let (Some(ri), Some(ci)) = (gi(&m.rows), gi(&m.columns)) else {
            return Compiled::Const(false);
        };
        let rl: Vec<&String> = ctx.model.grades[ri].bands.keys().collect();
        let cl: Vec<&String> = ctx.model.grades[ci].bands.keys().collect();
        let hit = rl
            .iter()
            .flat_map(|a| cl.iter().map(move |b| r.contains(&format!("{a}{b}"))))
            .collect();
        return Compiled::Rating {
            rows: ri,
            columns: ci,
            width: cl.len(),
            hit,
        };
    }
    Compiled::Const(false)
}

/// A table by u8 index of whether a band or level holds; `NONE` and indices past the list
/// never hold, so a lookup needs no test.
fn by_index(hits: impl Iterator<Item = bool>) -> Box<[bool; 256]> {
    let mut t = Box::new([false; 256]);
    for (i, h) in hits.take(NONE as usize).enumerate() {
        t[i] = h;
    }
    t
}

impl Compiled {
    /// Evaluates the condition for `out.len()` rows: row `abs + i` of the field masks and row
    /// `rel + i` of the view's columns give `out[i]`.
    pub fn eval(&self, v: &View, abs: usize, rel: usize, out: &mut [bool]) {
        let n = out.len();
        match self {
            Compiled::Const(b) => out.fill(*b),
            Compiled::Mask(m) => out.copy_from_slice(&m[abs..abs + n]),
            Compiled::All(cs) => {
                out.fill(true);
                let mut tmp = [false; BLOCK];
                for c in cs {
                    for (part, o) in out.chunks_mut(BLOCK).zip((0..).step_by(BLOCK)) {
                        let t = &mut tmp[..part.len()];
                        c.eval(v, abs + o, rel + o, t);
                        part.iter_mut().zip(t.iter()).for_each(|(a, b)| *a &= *b);
                    }
                }
            }
            Compiled::Any(cs) => {
                out.fill(false);
                let mut tmp = [false; BLOCK];
                for c in cs {
                    for (part, o) in out.chunks_mut(BLOCK).zip((0..).step_by(BLOCK)) {
                        let t = &mut tmp[..part.len()];
                        c.eval(v, abs + o, rel + o, t);
                        part.iter_mut().zip(t.iter()).for_each(|(a, b)| *a |= *b);
                    }
                }
            }
            Compiled::Not(c) => {
                c.eval(v, abs, rel, out);
                out.iter_mut().for_each(|b| *b = !*b);
            }
            Compiled::Score {
                journey,
                at_least,
                below,
            } => {
                let s = &v.scores[*journey][rel..rel + n];
                for (o, &x) in out.iter_mut().zip(s) {
                    *o = !x.is_nan()
                        && at_least.is_none_or(|a| x >= a)
                        && below.is_none_or(|b| x < b);
                }
            }
            Compiled::Grade { grade, labels } => {
                for (o, &b) in out.iter_mut().zip(&v.grades[*grade][rel..rel + n]) {
                    *o = labels[b as usize];
                }
            }
            Compiled::Tier { hit } => {
                for (o, &x) in out.iter_mut().zip(&v.tiers[rel..rel + n]) {
                    *o = hit[x as usize];
                }
            }
            Compiled::Rating {
                rows,
                columns,
                width,
                hit,
            } => {
                let (gr, gc) = (
                    &v.grades[*rows][rel..rel + n],
                    &v.grades[*columns][rel..rel + n],
                );
                for ((o, &a), &b) in out.iter_mut().zip(gr).zip(gc) {
                    *o = a != NONE && b != NONE && hit[a as usize * width + b as usize];
                }
            }
        }
    }
}

fn in_range(v: f64, cond: &Condition) -> bool {
    if v.is_nan() {
        return false;
    }
    cond.at_least_value().is_none_or(|x| v >= x) && cond.below_value().is_none_or(|x| v < x)
}

fn label_matches(label: &str, cond: &Condition) -> bool {
    let eq = |s: &Scalar| s.to_string().trim().eq_ignore_ascii_case(label.trim());
    cond.equals_value().is_some_and(eq) || cond.one_of.as_ref().is_some_and(|v| v.iter().any(eq))
}

/// The values of `equals` and `in` together (not another field).
fn operands(cond: &Condition) -> Vec<&Scalar> {
    cond.equals_value()
        .into_iter()
        .chain(cond.one_of.iter().flatten())
        .collect()
}

fn field_mask(cond: &Condition, col: &Typed, today: i32) -> Vec<bool> {
    let n = col.len();
    // A missing value fails every test, whether it compares with a value or a field; only the
    // written values are compared here, the other fields by `compare`.
    let has_eq = cond.equals_value().is_some() || cond.one_of.is_some();
    let has_range = cond.at_least.is_some() || cond.below.is_some();
    let tests = has_eq || has_range || cond.equals.is_some();
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
                    if missing && tests {
                        return false;
                    }
                    (!has_range || in_range(x, cond)) && (!has_eq || eqs.contains(&x))
                })
                .collect()
        }
        Typed::Date(v) => {
            let eqs: Vec<i32> = ops
                .iter()
                .filter_map(|s| Date::parse(&s.to_string()).map(|d| d.0))
                .collect();
            v.iter()
                .map(|&d| {
                    let missing = d == DATE_MISSING;
                    if !present_ok(missing) {
                        return false;
                    }
                    if missing && tests {
                        return false;
                    }
                    let age = (today as i64 - d as i64) as f64;
                    (!has_range || in_range(age, cond)) && (!has_eq || eqs.contains(&d))
                })
                .collect()
        }
        Typed::Bool(v) => {
            let eqs: Vec<u8> = ops
                .iter()
                .filter_map(|s| scalar_bool(s))
                .map(u8::from)
                .collect();
            v.iter()
                .map(|&b| {
                    let missing = crate::engine::attain::bool_missing(b);
                    if !present_ok(missing) {
                        return false;
                    }
                    if missing && tests {
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
                    if missing && tests {
                        return false;
                    }
                    !has_range && (!has_eq || by_code[c as usize])
                })
                .collect()
        }
    }
}

/// Where `a` passes `op` against `b`, row by row; false where either is missing or their kinds
/// differ (`check` refuses that). Dates compare as ages, as `at_least: 30` on a date does: at
/// least as old as `b` is on or before `b`'s day.
fn compare(a: &Typed, b: &Typed, op: Compare) -> Vec<bool> {
    fn by<T: Copy>(a: &[T], b: &[T], f: impl Fn(T, T) -> bool) -> Vec<bool> {
        a.iter().zip(b).map(|(&x, &y)| f(x, y)).collect()
    }
    match (a, b) {
        (Typed::Number(a), Typed::Number(b)) => by(a, b, |x: f64, y: f64| {
            !x.is_nan()
                && !y.is_nan()
                && match op {
                    Compare::AtLeast => x >= y,
                    Compare::Below => x < y,
                    Compare::Equals => x == y,
                }
        }),
        (Typed::Date(a), Typed::Date(b)) => by(a, b, |x: i32, y: i32| {
            x != DATE_MISSING
                && y != DATE_MISSING
                && match op {
                    Compare::AtLeast => x <= y,
                    Compare::Below => x > y,
                    Compare::Equals => x == y,
                }
        }),
        (Typed::Bool(a), Typed::Bool(b)) => by(a, b, |x: u8, y: u8| {
            use crate::engine::attain::bool_missing;
            op == Compare::Equals && !bool_missing(x) && !bool_missing(y) && x == y
        }),
        (
            Typed::Category {
                codes: ca,
                keys: ka,
                ..
            },
            Typed::Category {
                codes: cb,
                keys: kb,
                ..
            },
        ) => by(ca, cb, |x, y| {
            op == Compare::Equals
                && x != CODE_MISSING
                && y != CODE_MISSING
                && ka
                    .get(x as usize)
                    .is_some_and(|k| kb.get(y as usize) == Some(k))
        }),
        _ => vec![false; a.len()],
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
