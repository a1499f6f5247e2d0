//! Typed SQL expressions: the first piece of issue 14 item 2. A `SqlExpr` is a tree of column
//! references, literals, arithmetic, comparisons, `CASE` and function calls, each with its SQL
//! type; it derives `Hash` and `Eq`, so it can key caches and be compared structurally, and a
//! `Dialect` renders it (`Dialect::render`). Quoting is structural: a column reference is an
//! internal `sw_*` name the writer made (a field's id never reaches the SQL text), literals go
//! through the dialect's escaping, and nothing is ever spliced from user text.
//!
//! Today derived fields (`model::expr`) are lowered here (`lower_derived`), with the missing
//! rules of the engine (`engine::derive`) written structurally: `a / NULLIF(b, 0)`,
//! `LN(NULLIF(GREATEST(x, 0), 0))`, `and`/`or` on `CASE x WHEN TRUE THEN 1 WHEN FALSE THEN 0
//! END` so that a missing side makes the whole missing (SQL's own `FALSE AND NULL` is FALSE).
//!
//! How the rest of `sql.rs` moves onto it: each of its string-building helpers (`value`,
//! `lower_rule`, `factor`, `condition`, the sums) becomes a function returning a `SqlExpr`, and
//! a step becomes a list of `(name, SqlExpr)`. `carried` and the inlining then read
//! `SqlExpr::columns` instead of scanning text for `sw_` (`references`, `occurrences`), `alias`
//! disappears (the name is data), the decay factors are deduplicated by their `SqlExpr` as a
//! map key instead of the `RefCell` of strings, and the capability questions (materialise a
//! step, guard an underflow on PostgreSQL, the double type) become methods of the dialect that
//! `render` asks. The parity tests hold each step as it moves.

use super::ExportError;
use super::dialect::Dialect;
use crate::contacts::typed::category_key;
use crate::model::expr::{BinOp, Expr, Func, Type};

/// The SQL type of a value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SqlType {
    Double,
    Boolean,
    /// Whole numbers: day numbers of dates, counts.
    Integer,
    /// Text: a category's key.
    Text,
}

impl SqlType {
    /// How a value of a model's type is held in the query.
    pub fn of(t: Type) -> SqlType {
        match t {
            Type::Number => SqlType::Double,
            Type::Boolean => SqlType::Boolean,
            Type::Date => SqlType::Integer,
            Type::Category => SqlType::Text,
        }
    }
}

/// An operator between two values: the expression language's own (`model::expr::BinOp`), so
/// that lowering never has to translate one enum into a copy of it. `And` and `Or` are written
/// only between values that are never NULL (SQL's AND/OR are three-valued otherwise).
pub use crate::model::expr::BinOp as SqlOp;

impl SqlOp {
    fn sql_symbol(self) -> &'static str {
        match self {
            SqlOp::Add => "+",
            SqlOp::Sub => "-",
            SqlOp::Mul => "*",
            SqlOp::Div => "/",
            SqlOp::Lt => "<",
            SqlOp::Le => "<=",
            SqlOp::Gt => ">",
            SqlOp::Ge => ">=",
            SqlOp::Eq => "=",
            SqlOp::Ne => "<>",
            SqlOp::And => "AND",
            SqlOp::Or => "OR",
        }
    }
    fn gives(self, operand: SqlType) -> SqlType {
        match self {
            SqlOp::Add | SqlOp::Sub | SqlOp::Mul | SqlOp::Div => operand,
            SqlOp::Lt
            | SqlOp::Le
            | SqlOp::Gt
            | SqlOp::Ge
            | SqlOp::Eq
            | SqlOp::Ne
            | SqlOp::And
            | SqlOp::Or => SqlType::Boolean,
        }
    }
}

/// A function every dialect has (under its own name for `Log10`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SqlFunc {
    Ln,
    Log10,
    Abs,
    /// Called only where no argument is NULL, or where a NULL gives NULL either way: dialects
    /// differ on whether they skip NULLs.
    Greatest,
    Least,
    Coalesce,
    NullIf,
}

/// A typed SQL expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SqlExpr {
    /// A column of an earlier step: an internal `sw_*` name the writer made.
    Column(String, SqlType),
    /// A double literal, as its bits.
    Double(u64),
    Integer(i64),
    Text(String),
    Boolean(bool),
    Null(SqlType),
    Neg(Box<SqlExpr>),
    Not(Box<SqlExpr>),
    Binary(SqlOp, Box<SqlExpr>, Box<SqlExpr>),
    /// `CASE WHEN c THEN v ... ELSE otherwise END`.
    Case(Vec<(SqlExpr, SqlExpr)>, Box<SqlExpr>),
    /// A boolean as 1, 0 or NULL: `CASE x WHEN TRUE THEN 1 WHEN FALSE THEN 0 END`.
    BoolToInt(Box<SqlExpr>),
    IsNull(Box<SqlExpr>),
    ToDouble(Box<SqlExpr>),
    Call(SqlFunc, Vec<SqlExpr>),
}

fn b(e: SqlExpr) -> Box<SqlExpr> {
    Box::new(e)
}

impl SqlExpr {
    pub fn double(v: f64) -> SqlExpr {
        SqlExpr::Double(v.to_bits())
    }

    /// Its SQL type.
    pub fn ty(&self) -> SqlType {
        match self {
            SqlExpr::Column(_, t) | SqlExpr::Null(t) => *t,
            SqlExpr::Double(_) | SqlExpr::ToDouble(_) => SqlType::Double,
            SqlExpr::Integer(_) | SqlExpr::BoolToInt(_) => SqlType::Integer,
            SqlExpr::Text(_) => SqlType::Text,
            SqlExpr::Boolean(_) | SqlExpr::Not(_) | SqlExpr::IsNull(_) => SqlType::Boolean,
            SqlExpr::Neg(a) => a.ty(),
            SqlExpr::Binary(op, a, _) => op.gives(a.ty()),
            SqlExpr::Case(whens, otherwise) => whens
                .first()
                .map_or_else(|| otherwise.ty(), |(_, v)| v.ty()),
            SqlExpr::Call(f, args) => match f {
                SqlFunc::Ln | SqlFunc::Log10 => SqlType::Double,
                SqlFunc::Abs
                | SqlFunc::Greatest
                | SqlFunc::Least
                | SqlFunc::Coalesce
                | SqlFunc::NullIf => args.first().map_or(SqlType::Double, SqlExpr::ty),
            },
        }
    }

    /// The step columns it reads, each once: what pruning and inlining walk.
    pub fn columns(&self) -> Vec<&str> {
        fn go<'a>(e: &'a SqlExpr, out: &mut Vec<&'a str>) {
            match e {
                SqlExpr::Column(c, _) => {
                    if !out.contains(&c.as_str()) {
                        out.push(c);
                    }
                }
                SqlExpr::Double(_)
                | SqlExpr::Integer(_)
                | SqlExpr::Text(_)
                | SqlExpr::Boolean(_)
                | SqlExpr::Null(_) => {}
                SqlExpr::Neg(a)
                | SqlExpr::Not(a)
                | SqlExpr::BoolToInt(a)
                | SqlExpr::IsNull(a)
                | SqlExpr::ToDouble(a) => go(a, out),
                SqlExpr::Binary(_, a, c) => {
                    go(a, out);
                    go(c, out);
                }
                SqlExpr::Case(whens, otherwise) => {
                    for (c, v) in whens {
                        go(c, out);
                        go(v, out);
                    }
                    go(otherwise, out);
                }
                SqlExpr::Call(_, args) => {
                    for a in args {
                        go(a, out);
                    }
                }
            }
        }
        let mut out = Vec::new();
        go(self, &mut out);
        out
    }
}

impl Dialect {
    fn sql_type(self, t: SqlType) -> &'static str {
        match t {
            SqlType::Double => self.double_type(),
            SqlType::Boolean => "BOOLEAN",
            SqlType::Integer => self.int_type(),
            SqlType::Text => self.text_type(),
        }
    }

    /// The SQL text of an expression; `at` names where it comes from in an error.
    pub fn render(self, e: &SqlExpr, at: &str) -> Result<String, ExportError> {
        let r = |e: &SqlExpr| self.render(e, at);
        Ok(match e {
            SqlExpr::Column(name, _) => name.clone(),
            SqlExpr::Double(bits) => self.float(f64::from_bits(*bits), at)?,
            SqlExpr::Integer(i) if *i < 0 => format!("({i})"),
            SqlExpr::Integer(i) => i.to_string(),
            SqlExpr::Text(s) => self.string(s, at)?,
            SqlExpr::Boolean(v) => if *v { "TRUE" } else { "FALSE" }.into(),
            SqlExpr::Null(t) => format!("CAST(NULL AS {})", self.sql_type(*t)),
            // In parentheses, so that `- -x` is never a `--` comment.
            SqlExpr::Neg(a) => format!("(-{})", r(a)?),
            SqlExpr::Not(a) => format!("(NOT {})", r(a)?),
            SqlExpr::Binary(op, a, c) => format!("({} {} {})", r(a)?, op.sql_symbol(), r(c)?),
            SqlExpr::Case(whens, otherwise) => {
                let mut s = String::from("CASE");
                for (c, v) in whens {
                    s.push_str(&format!(" WHEN {} THEN {}", r(c)?, r(v)?));
                }
                format!("{s} ELSE {} END", r(otherwise)?)
            }
            SqlExpr::BoolToInt(a) => {
                format!("(CASE {} WHEN TRUE THEN 1 WHEN FALSE THEN 0 END)", r(a)?)
            }
            SqlExpr::IsNull(a) => format!("({} IS NULL)", r(a)?),
            SqlExpr::ToDouble(a) => format!("CAST({} AS {})", r(a)?, self.double_type()),
            SqlExpr::Call(f, args) => {
                let args: Result<Vec<String>, ExportError> = args.iter().map(r).collect();
                let args = args?.join(", ");
                match f {
                    SqlFunc::Ln => format!("LN({args})"),
                    SqlFunc::Log10 => match self {
                        // PostgreSQL's LOG of one double is to base 10.
                        Dialect::Postgres => format!("LOG({args})"),
                        Dialect::Snowflake => format!("LOG(10, {args})"),
                        Dialect::DuckDb | Dialect::Spark | Dialect::BigQuery => {
                            format!("LOG10({args})")
                        }
                    },
                    SqlFunc::Abs => format!("ABS({args})"),
                    SqlFunc::Greatest => format!("GREATEST({args})"),
                    SqlFunc::Least => format!("LEAST({args})"),
                    SqlFunc::Coalesce => format!("COALESCE({args})"),
                    SqlFunc::NullIf => format!("NULLIF({args})"),
                }
            }
        })
    }
}

/// A derived field's expression as a typed SQL expression, with the engine's missing rules
/// (`engine::derive`). `column` gives the step column and type of each field id it reads;
/// `None` for a field the writer does not know (the checks report it first).
pub fn lower_derived(
    e: &Expr,
    column: &dyn Fn(&str) -> Option<(String, SqlType)>,
) -> Option<SqlExpr> {
    let l = |e: &Expr| lower_derived(e, column);
    Some(match e {
        Expr::Number(v) => SqlExpr::double(v.get()),
        Expr::Text(s) => {
            let key = category_key(s);
            if key.is_empty() {
                SqlExpr::Null(SqlType::Text)
            } else {
                SqlExpr::Text(key)
            }
        }
        Expr::Bool(v) => SqlExpr::Boolean(*v),
        Expr::Field(id) => {
            let (name, ty) = column(id)?;
            SqlExpr::Column(name, ty)
        }
        Expr::Neg(a) => SqlExpr::Neg(b(l(a)?)),
        Expr::Not(a) => SqlExpr::Not(b(l(a)?)),
        Expr::Binary(op, x, y) => {
            let (x, y) = (l(x)?, l(y)?);
            let bin = |op: SqlOp, x: SqlExpr, y: SqlExpr| SqlExpr::Binary(op, b(x), b(y));
            match op {
                BinOp::Add => bin(SqlOp::Add, x, y),
                BinOp::Sub => bin(SqlOp::Sub, x, y),
                BinOp::Mul => bin(SqlOp::Mul, x, y),
                BinOp::Div => bin(
                    SqlOp::Div,
                    x,
                    SqlExpr::Call(SqlFunc::NullIf, vec![y, SqlExpr::double(0.0)]),
                ),
                BinOp::Lt => bin(SqlOp::Lt, x, y),
                BinOp::Le => bin(SqlOp::Le, x, y),
                BinOp::Gt => bin(SqlOp::Gt, x, y),
                BinOp::Ge => bin(SqlOp::Ge, x, y),
                BinOp::Eq => bin(SqlOp::Eq, x, y),
                BinOp::Ne => bin(SqlOp::Ne, x, y),
                // 1 x 1 = 1 only when both hold; NULL when either is missing.
                BinOp::And => bin(
                    SqlOp::Eq,
                    bin(
                        SqlOp::Mul,
                        SqlExpr::BoolToInt(b(x)),
                        SqlExpr::BoolToInt(b(y)),
                    ),
                    SqlExpr::Integer(1),
                ),
                BinOp::Or => bin(
                    SqlOp::Gt,
                    bin(
                        SqlOp::Add,
                        SqlExpr::BoolToInt(b(x)),
                        SqlExpr::BoolToInt(b(y)),
                    ),
                    SqlExpr::Integer(0),
                ),
            }
        }
        Expr::Call(func, args) => {
            let args: Option<Vec<SqlExpr>> = args.iter().map(l).collect();
            let mut args = args?;
            let positive = |f: SqlFunc, x: SqlExpr| {
                // GREATEST(x, 0) is 0 for x <= 0 (and NULL or 0 for NULL, by dialect), and
                // NULLIF makes 0 NULL: no LN of a number not above 0 in any dialect.
                let guarded = SqlExpr::Call(
                    SqlFunc::NullIf,
                    vec![
                        SqlExpr::Call(SqlFunc::Greatest, vec![x, SqlExpr::double(0.0)]),
                        SqlExpr::double(0.0),
                    ],
                );
                SqlExpr::Call(f, vec![guarded])
            };
            match func {
                Func::Abs => SqlExpr::Call(SqlFunc::Abs, args),
                Func::Ln => positive(SqlFunc::Ln, args.pop()?),
                Func::Log10 => positive(SqlFunc::Log10, args.pop()?),
                Func::Min | Func::Max => {
                    // Dialects differ on whether GREATEST skips NULLs: a missing argument
                    // gives NULL first, in every one.
                    let ty = args.first()?.ty();
                    let any_null = args
                        .iter()
                        .map(|a| SqlExpr::IsNull(b(a.clone())))
                        .reduce(|x, y| SqlExpr::Binary(SqlOp::Or, b(x), b(y)))?;
                    let f = if *func == Func::Min {
                        SqlFunc::Least
                    } else {
                        SqlFunc::Greatest
                    };
                    SqlExpr::Case(
                        vec![(any_null, SqlExpr::Null(ty))],
                        b(SqlExpr::Call(f, args)),
                    )
                }
                Func::Coalesce => SqlExpr::Call(SqlFunc::Coalesce, args),
                Func::DaysBetween => {
                    let to = args.pop()?;
                    let from = args.pop()?;
                    SqlExpr::ToDouble(b(SqlExpr::Binary(SqlOp::Sub, b(to), b(from))))
                }
                Func::If => {
                    let otherwise = args.pop()?;
                    let then = args.pop()?;
                    let cond = args.pop()?;
                    SqlExpr::Case(vec![(cond, then)], b(otherwise))
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::expr::parse;

    fn sql(text: &str, d: Dialect) -> String {
        let e = parse(text).unwrap_or_else(|e| panic!("{e}")).expr;
        let col = |id: &str| {
            let ty = match id {
                "c" => SqlType::Text,
                "d0" | "d1" => SqlType::Integer,
                _ => SqlType::Double,
            };
            Some((format!("sw_{id}"), ty))
        };
        let lowered = lower_derived(&e, &col).unwrap_or_else(|| panic!("{text}"));
        d.render(&lowered, "test").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_missing_rules_are_written_structurally() {
        assert_eq!(
            sql("web / (mail + 1)", Dialect::DuckDb),
            "(sw_web / NULLIF((sw_mail + 1e0), 0e0))"
        );
        assert_eq!(
            sql("ln(x)", Dialect::Postgres),
            "LN(NULLIF(GREATEST(sw_x, CAST(0e0 AS DOUBLE PRECISION)), CAST(0e0 AS DOUBLE PRECISION)))"
        );
        assert_eq!(
            sql("log10(x)", Dialect::Snowflake),
            "LOG(10, NULLIF(GREATEST(sw_x, CAST('0e0' AS DOUBLE)), CAST('0e0' AS DOUBLE)))"
        );
        assert_eq!(
            sql("- -x", Dialect::Spark),
            "(-(-sw_x))",
            "never a -- comment"
        );
        assert_eq!(
            sql("x > 1 and c = \" It's \"", Dialect::DuckDb),
            "(((CASE (sw_x > 1e0) WHEN TRUE THEN 1 WHEN FALSE THEN 0 END) * (CASE (sw_c = 'it''s') WHEN TRUE THEN 1 WHEN FALSE THEN 0 END)) = 1)"
        );
        assert_eq!(
            sql("max(x, y)", Dialect::DuckDb),
            "CASE WHEN ((sw_x IS NULL) OR (sw_y IS NULL)) THEN CAST(NULL AS DOUBLE) ELSE GREATEST(sw_x, sw_y) END"
        );
        assert_eq!(
            sql("days_between(d0, d1)", Dialect::Postgres),
            "CAST((sw_d1 - sw_d0) AS DOUBLE PRECISION)"
        );
    }

    #[test]
    fn types_and_columns_come_from_the_tree() {
        let e = parse("if(c = \"a\", x, coalesce(y, x))")
            .unwrap_or_else(|e| panic!("{e}"))
            .expr;
        let lowered = lower_derived(&e, &|id: &str| {
            Some((
                format!("sw_{id}"),
                if id == "c" {
                    SqlType::Text
                } else {
                    SqlType::Double
                },
            ))
        })
        .unwrap_or_else(|| panic!());
        assert_eq!(lowered.ty(), SqlType::Double);
        assert_eq!(lowered.columns(), vec!["sw_c", "sw_x", "sw_y"]);
        // Equal trees are equal keys.
        let again = lowered.clone();
        let mut set = std::collections::HashSet::new();
        set.insert(lowered);
        assert!(set.contains(&again));
    }
}
