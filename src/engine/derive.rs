//! Derived fields evaluated over columns: one pass per node of the tree over whole columns,
//! once after the source fields are typed. `Scorer` keeps the result like any other typed
//! column, keyed by the tree and the keys of the fields it reads, so an edit elsewhere in the
//! model (a weight, a rule) never evaluates it again.
//!
//! The meaning is `model::expr`'s, and `export::plan` writes the same in SQL: a missing input
//! gives a missing value (except through `coalesce` and `if`), a division by zero and the log
//! of a number not above 0 are missing, and so is any result that is not a finite number.
//! Categories are compared by their keys (trimmed, A-Z in lower case), as everywhere else.

use crate::contacts::typed::{BOOL_MISSING, CODE_MISSING, DATE_MISSING, Typed, category_key};
use crate::model::FieldKind;
use crate::model::expr::{BinOp, Expr, Func};
use std::collections::HashMap;
use std::sync::Arc;

/// The column of an expression over `n` rows, given the typed columns of the fields it reads
/// (a field not in `fields` reads as missing), as a column of `kind`. A tree that does not
/// type as `kind` (the checks report it) gives a column of missing values.
pub fn evaluate(
    e: &Expr,
    kind: FieldKind,
    fields: &HashMap<String, Arc<Typed>>,
    n: usize,
) -> Typed {
    let v = eval(e, fields, n);
    match (kind, v) {
        (FieldKind::Number, v @ Typed::Number(_))
        | (FieldKind::Boolean, v @ Typed::Bool(_))
        | (FieldKind::Date, v @ Typed::Date(_))
        | (FieldKind::Category | FieldKind::Text, v @ Typed::Category { .. }) => v,
        (kind, _) => missing(kind, n),
    }
}

/// A column of `n` missing values of a kind.
pub fn missing(kind: FieldKind, n: usize) -> Typed {
    match kind {
        FieldKind::Number => Typed::Number(vec![f64::NAN; n]),
        FieldKind::Boolean => Typed::Bool(vec![BOOL_MISSING; n]),
        FieldKind::Date => Typed::Date(vec![DATE_MISSING; n]),
        FieldKind::Category | FieldKind::Text => Typed::Category {
            codes: vec![CODE_MISSING; n],
            labels: Vec::new(),
            keys: Vec::new(),
        },
    }
}

fn numbers(t: Typed, n: usize) -> Vec<f64> {
    match t {
        Typed::Number(v) => v,
        Typed::Bool(_) | Typed::Date(_) | Typed::Category { .. } => vec![f64::NAN; n],
    }
}

fn bools(t: Typed, n: usize) -> Vec<u8> {
    match t {
        Typed::Bool(v) => v,
        Typed::Number(_) | Typed::Date(_) | Typed::Category { .. } => vec![BOOL_MISSING; n],
    }
}

/// A number that is not finite (an overflow) is missing, as NaN already is.
fn finite(x: f64) -> f64 {
    if x.is_finite() { x } else { f64::NAN }
}

fn from_bool(b: Option<bool>) -> u8 {
    match b {
        Some(b) => u8::from(b),
        None => BOOL_MISSING,
    }
}

/// Category columns on one table of labels and keys: each input's codes mapped onto it.
fn unify(cols: Vec<Typed>, n: usize) -> (Vec<Vec<u32>>, Vec<String>, Vec<String>) {
    let mut labels = Vec::new();
    let mut keys: Vec<String> = Vec::new();
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut out = Vec::new();
    for c in cols {
        let Typed::Category {
            codes,
            labels: l,
            keys: k,
        } = c
        else {
            out.push(vec![CODE_MISSING; n]);
            continue;
        };
        let map: Vec<u32> = k
            .iter()
            .zip(&l)
            .map(|(key, label)| {
                *index.entry(key.clone()).or_insert_with(|| {
                    labels.push(label.clone());
                    keys.push(key.clone());
                    (keys.len() - 1) as u32
                })
            })
            .collect();
        out.push(
            codes
                .iter()
                .map(|&c| {
                    if c == CODE_MISSING {
                        CODE_MISSING
                    } else {
                        map[c as usize]
                    }
                })
                .collect(),
        );
    }
    (out, labels, keys)
}

/// Per row, the first of `cols` (all of one variant) that is not missing.
fn first_present(cols: Vec<Typed>, n: usize) -> Typed {
    match cols.first() {
        Some(Typed::Number(_)) => {
            let mut out = vec![f64::NAN; n];
            for c in cols {
                let v = numbers(c, n);
                for (o, x) in out.iter_mut().zip(v) {
                    if o.is_nan() {
                        *o = x;
                    }
                }
            }
            Typed::Number(out)
        }
        Some(Typed::Bool(_)) => {
            let mut out = vec![BOOL_MISSING; n];
            for c in cols {
                for (o, x) in out.iter_mut().zip(bools(c, n)) {
                    if *o == BOOL_MISSING {
                        *o = x;
                    }
                }
            }
            Typed::Bool(out)
        }
        Some(Typed::Date(_)) => {
            let mut out = vec![DATE_MISSING; n];
            for c in cols {
                if let Typed::Date(v) = c {
                    for (o, x) in out.iter_mut().zip(v) {
                        if *o == DATE_MISSING {
                            *o = x;
                        }
                    }
                }
            }
            Typed::Date(out)
        }
        Some(Typed::Category { .. }) => {
            let (codes, labels, keys) = unify(cols, n);
            let mut out = vec![CODE_MISSING; n];
            for c in codes {
                for (o, x) in out.iter_mut().zip(c) {
                    if *o == CODE_MISSING {
                        *o = x;
                    }
                }
            }
            Typed::Category {
                codes: out,
                labels,
                keys,
            }
        }
        None => Typed::Number(vec![f64::NAN; n]),
    }
}

/// Per row, `a` where `pick` is 1 and `b` elsewhere (0 or missing).
fn choose(pick: &[u8], a: Typed, b: Typed, n: usize) -> Typed {
    match (a, b) {
        (Typed::Number(a), Typed::Number(b)) => Typed::Number(
            (0..n)
                .map(|i| if pick[i] == 1 { a[i] } else { b[i] })
                .collect(),
        ),
        (Typed::Bool(a), Typed::Bool(b)) => Typed::Bool(
            (0..n)
                .map(|i| if pick[i] == 1 { a[i] } else { b[i] })
                .collect(),
        ),
        (Typed::Date(a), Typed::Date(b)) => Typed::Date(
            (0..n)
                .map(|i| if pick[i] == 1 { a[i] } else { b[i] })
                .collect(),
        ),
        (a @ Typed::Category { .. }, b @ Typed::Category { .. }) => {
            let (codes, labels, keys) = unify(vec![a, b], n);
            Typed::Category {
                codes: (0..n)
                    .map(|i| {
                        if pick[i] == 1 {
                            codes[0][i]
                        } else {
                            codes[1][i]
                        }
                    })
                    .collect(),
                labels,
                keys,
            }
        }
        // Branches of two types: the checks refuse it.
        (a, _) => match a {
            Typed::Number(_) => missing(FieldKind::Number, n),
            Typed::Bool(_) => missing(FieldKind::Boolean, n),
            Typed::Date(_) => missing(FieldKind::Date, n),
            Typed::Category { .. } => missing(FieldKind::Category, n),
        },
    }
}

fn compare(op: BinOp, a: Typed, b: Typed, n: usize) -> Vec<u8> {
    use std::cmp::Ordering;
    let holds = |o: Ordering| match op {
        BinOp::Lt => o == Ordering::Less,
        BinOp::Le => o != Ordering::Greater,
        BinOp::Gt => o == Ordering::Greater,
        BinOp::Ge => o != Ordering::Less,
        BinOp::Eq => o == Ordering::Equal,
        BinOp::Ne => o != Ordering::Equal,
        BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::And | BinOp::Or => false,
    };
    match (a, b) {
        (Typed::Number(a), Typed::Number(b)) => a
            .iter()
            .zip(&b)
            .map(|(x, y)| from_bool(x.partial_cmp(y).map(holds)))
            .collect(),
        (Typed::Date(a), Typed::Date(b)) => a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| {
                from_bool((x != DATE_MISSING && y != DATE_MISSING).then(|| holds(x.cmp(&y))))
            })
            .collect(),
        (Typed::Bool(a), Typed::Bool(b)) => a
            .iter()
            .zip(&b)
            .map(|(&x, &y)| {
                from_bool((x != BOOL_MISSING && y != BOOL_MISSING).then(|| holds(x.cmp(&y))))
            })
            .collect(),
        (a @ Typed::Category { .. }, b @ Typed::Category { .. }) => {
            // On one table of keys, equal keys are equal codes.
            let (codes, _, _) = unify(vec![a, b], n);
            codes[0]
                .iter()
                .zip(&codes[1])
                .map(|(&x, &y)| {
                    // Only = and != type on categories: codes have no order of their own.
                    from_bool((x != CODE_MISSING && y != CODE_MISSING).then(|| holds(x.cmp(&y))))
                })
                .collect()
        }
        _ => vec![BOOL_MISSING; n],
    }
}

fn eval(e: &Expr, fields: &HashMap<String, Arc<Typed>>, n: usize) -> Typed {
    match e {
        Expr::Number(v) => Typed::Number(vec![v.get(); n]),
        Expr::Bool(b) => Typed::Bool(vec![u8::from(*b); n]),
        Expr::Text(s) => {
            let key = category_key(s);
            if key.is_empty() {
                // A blank is no value, as a blank cell is.
                return missing(FieldKind::Category, n);
            }
            Typed::Category {
                codes: vec![0; n],
                labels: vec![s.trim().to_string()],
                keys: vec![key],
            }
        }
        Expr::Field(id) => match fields.get(id) {
            Some(c) if c.len() == n => (**c).clone(),
            _ => missing(FieldKind::Number, n),
        },
        Expr::Neg(a) => Typed::Number(numbers(eval(a, fields, n), n).iter().map(|x| -x).collect()),
        Expr::Not(a) => Typed::Bool(
            bools(eval(a, fields, n), n)
                .iter()
                .map(|&x| if x == BOOL_MISSING { x } else { 1 - x })
                .collect(),
        ),
        Expr::Binary(op, a, b) => {
            let (a, b) = (eval(a, fields, n), eval(b, fields, n));
            let arith = |f: &dyn Fn(f64, f64) -> f64| {
                let (a, b) = (numbers(a.clone(), n), numbers(b.clone(), n));
                Typed::Number(a.iter().zip(&b).map(|(&x, &y)| finite(f(x, y))).collect())
            };
            match op {
                BinOp::Add => arith(&|x, y| x + y),
                BinOp::Sub => arith(&|x, y| x - y),
                BinOp::Mul => arith(&|x, y| x * y),
                BinOp::Div => arith(&|x, y| if y == 0.0 { f64::NAN } else { x / y }),
                // Strict: a missing side makes the whole missing, as in every dialect's
                // rendering (`export::plan`), where SQL's own AND would give FALSE.
                BinOp::And | BinOp::Or => {
                    let (a, b) = (bools(a, n), bools(b, n));
                    Typed::Bool(
                        a.iter()
                            .zip(&b)
                            .map(|(&x, &y)| {
                                if x == BOOL_MISSING || y == BOOL_MISSING {
                                    BOOL_MISSING
                                } else if *op == BinOp::And {
                                    x & y
                                } else {
                                    x | y
                                }
                            })
                            .collect(),
                    )
                }
                BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge | BinOp::Eq | BinOp::Ne => {
                    Typed::Bool(compare(*op, a, b, n))
                }
            }
        }
        Expr::Call(func, args) => {
            let vals: Vec<Typed> = args.iter().map(|a| eval(a, fields, n)).collect();
            call(*func, vals, n)
        }
    }
}

fn call(func: Func, mut vals: Vec<Typed>, n: usize) -> Typed {
    let one = |vals: Vec<Typed>, f: &dyn Fn(f64) -> f64| {
        let v = vals
            .into_iter()
            .next()
            .map_or_else(|| vec![f64::NAN; n], |t| numbers(t, n));
        Typed::Number(v.into_iter().map(|x| finite(f(x))).collect())
    };
    let positive = |f: fn(f64) -> f64| move |x: f64| if x > 0.0 { f(x) } else { f64::NAN };
    match func {
        Func::Abs => one(vals, &f64::abs),
        Func::Ln => one(vals, &positive(f64::ln)),
        Func::Log10 => one(vals, &positive(f64::log10)),
        Func::Min | Func::Max => {
            let min = func == Func::Min;
            match vals.first() {
                Some(Typed::Date(_)) => {
                    let mut out: Option<Vec<i32>> = None;
                    for v in vals {
                        let Typed::Date(v) = v else {
                            return missing(FieldKind::Date, n);
                        };
                        out = Some(match out {
                            None => v,
                            Some(o) => o
                                .iter()
                                .zip(&v)
                                .map(|(&x, &y)| {
                                    if x == DATE_MISSING || y == DATE_MISSING {
                                        DATE_MISSING
                                    } else if min {
                                        x.min(y)
                                    } else {
                                        x.max(y)
                                    }
                                })
                                .collect(),
                        });
                    }
                    Typed::Date(out.unwrap_or_else(|| vec![DATE_MISSING; n]))
                }
                _ => {
                    let mut out: Option<Vec<f64>> = None;
                    for v in vals {
                        let v = numbers(v, n);
                        out = Some(match out {
                            None => v,
                            // `f64::min` ignores NaN; a missing value must win.
                            Some(o) => o
                                .iter()
                                .zip(&v)
                                .map(|(&x, &y)| {
                                    if x.is_nan() || y.is_nan() {
                                        f64::NAN
                                    } else if min {
                                        x.min(y)
                                    } else {
                                        x.max(y)
                                    }
                                })
                                .collect(),
                        });
                    }
                    Typed::Number(out.unwrap_or_else(|| vec![f64::NAN; n]))
                }
            }
        }
        Func::Coalesce => first_present(vals, n),
        Func::DaysBetween => {
            let mut it = vals.into_iter();
            match (it.next(), it.next()) {
                (Some(Typed::Date(a)), Some(Typed::Date(b))) => Typed::Number(
                    a.iter()
                        .zip(&b)
                        .map(|(&x, &y)| {
                            if x == DATE_MISSING || y == DATE_MISSING {
                                f64::NAN
                            } else {
                                f64::from(y) - f64::from(x)
                            }
                        })
                        .collect(),
                ),
                _ => missing(FieldKind::Number, n),
            }
        }
        Func::If => {
            if vals.len() != 3 {
                return missing(FieldKind::Number, n);
            }
            let b = vals.pop().unwrap_or_else(|| missing(FieldKind::Number, n));
            let a = vals.pop().unwrap_or_else(|| missing(FieldKind::Number, n));
            let c = vals
                .pop()
                .map_or_else(|| vec![BOOL_MISSING; n], |c| bools(c, n));
            choose(&c, a, b, n)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::expr::parse;

    fn cols() -> HashMap<String, Arc<Typed>> {
        let mut m = HashMap::new();
        m.insert(
            "a".to_string(),
            Arc::new(Typed::Number(vec![12.0, 4.0, f64::NAN, -1.0, 0.0])),
        );
        m.insert(
            "b".to_string(),
            Arc::new(Typed::Number(vec![3.0, -1.0, 2.0, f64::NAN, 0.0])),
        );
        m.insert(
            "c".to_string(),
            Arc::new(Typed::Category {
                codes: vec![0, 1, CODE_MISSING, 0, 1],
                labels: vec!["Retail".into(), "Bank".into()],
                keys: vec!["retail".into(), "bank".into()],
            }),
        );
        m.insert(
            "d0".to_string(),
            Arc::new(Typed::Date(vec![10, 20, 30, DATE_MISSING, 0])),
        );
        m.insert(
            "d1".to_string(),
            Arc::new(Typed::Date(vec![13, 10, DATE_MISSING, 5, 0])),
        );
        m
    }

    fn num(s: &str) -> Vec<f64> {
        let e = parse(s).unwrap_or_else(|e| panic!("{e}")).expr;
        let Typed::Number(v) = evaluate(&e, FieldKind::Number, &cols(), 5) else {
            panic!("{s}")
        };
        v
    }

    fn same(got: &[f64], want: &[f64]) -> bool {
        got.len() == want.len()
            && got
                .iter()
                .zip(want)
                .all(|(g, w)| (g.is_nan() && w.is_nan()) || g == w)
    }

    #[test]
    fn arithmetic_and_the_missing_rules() {
        let nan = f64::NAN;
        let cases: &[(&str, [f64; 5])] = &[
            ("a / (b + 1)", [3.0, nan, nan, nan, 0.0]),
            ("a / b", [4.0, -4.0, nan, nan, nan]),
            ("-a + 2 * b", [-6.0, -6.0, nan, nan, 0.0]),
            ("ln(a)", [12f64.ln(), 4f64.ln(), nan, nan, nan]),
            ("log10(b)", [3f64.log10(), nan, 2f64.log10(), nan, nan]),
            ("abs(a - 5)", [7.0, 1.0, nan, 6.0, 5.0]),
            ("max(a, b)", [12.0, 4.0, nan, nan, 0.0]),
            ("min(a, b, 1)", [1.0, -1.0, nan, nan, 0.0]),
            ("coalesce(a, b, 7)", [12.0, 4.0, 2.0, -1.0, 0.0]),
            ("if(a > b, 1, 0)", [1.0, 1.0, 0.0, 0.0, 0.0]),
            ("days_between(d0, d1)", [3.0, -10.0, nan, nan, 0.0]),
            ("if(c = \" RETAIL\", 1, 2)", [1.0, 2.0, 2.0, 1.0, 2.0]),
            (
                "if(a > 0 and b > 0, 1, if(a > 0 or b > 0, 2, 3))",
                [1.0, 2.0, 3.0, 3.0, 3.0],
            ),
            ("1e300 * 1e300", [nan; 5]),
        ];
        for (s, want) in cases {
            let got = num(s);
            assert!(same(&got, want), "{s}: {got:?} != {want:?}");
        }
    }

    #[test]
    fn categories_and_dates_come_out_typed() {
        let e = parse("coalesce(if(a > 5, \"High\", c), \"none\")")
            .unwrap_or_else(|e| panic!("{e}"))
            .expr;
        let t = evaluate(&e, FieldKind::Category, &cols(), 5);
        let shown: Vec<Option<String>> = (0..5).map(|i| t.display(i)).collect();
        assert_eq!(
            shown,
            [
                Some("High"),
                Some("Bank"),
                Some("none"),
                Some("Retail"),
                Some("Bank")
            ]
            .map(|s| s.map(String::from))
        );
        let e = parse("max(d0, d1)").unwrap_or_else(|e| panic!("{e}")).expr;
        assert_eq!(
            evaluate(&e, FieldKind::Date, &cols(), 5),
            Typed::Date(vec![13, 20, DATE_MISSING, DATE_MISSING, 0])
        );
        // A tree that is not of the declared kind gives missing values, never a panic.
        let t = evaluate(&e, FieldKind::Number, &cols(), 5);
        assert!(
            matches!(&t, Typed::Number(v) if v.len() == 5) && (0..5).all(|i| t.is_missing(i)),
            "{t:?}"
        );
    }
}
