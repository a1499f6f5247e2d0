//! Typed SQL expressions: the first piece of issue 14 item 2. A `SqlExpr` is a tree of column
//! references, literals, arithmetic, comparisons, `CASE` and function calls, each with its SQL
//! type; it derives `Hash` and `Eq`, so it can key caches and be compared structurally, and a
//! `Dialect` renders it (`Dialect::render`). Quoting is structural: a column reference is an
//! internal `sw_*` name the writer made (a field's id never reaches the SQL text), literals go
//! through the dialect's escaping, and nothing is ever spliced from user text.
//!
//! Everything `sql.rs` computes is lowered here first: derived fields (`lower_derived`, with the
//! missing rules of `engine::derive` written structurally: `a / NULLIF(b, 0)`,
//! `LN(NULLIF(GREATEST(x, 0), 0))`, `and`/`or` on `CASE x WHEN TRUE THEN 1 WHEN FALSE THEN 0
//! END` so that a missing side makes the whole missing, since SQL's own `FALSE AND NULL` is
//! FALSE), and in `sql.rs` the typing of each field, rules, decay, conditions, sums, grades,
//! tiers, segments and outputs. A step of the query is a list of named `SqlExpr` columns; what
//! a step passes on and whether PostgreSQL may inline it are decided from the column references
//! of the trees (`SqlExpr::columns`, `SqlExpr::reads`), never from the text. The dialect
//! answers the capability questions (`Dialect::materialized`, `Dialect::underflow_floor`,
//! `Dialect::shares_factors`, the double type) and renders the tree.
//!
//! What the dialect cannot say the same way everywhere is a `SqlFunc` rendered by the dialect's
//! own text functions (`dialect.rs`: trimming, lower case, number parsing, integer division).
//! Code that has SQL text of its own can still add a column as `SqlExpr::Raw`, declaring the
//! step columns it reads.

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

/// A function, under each dialect's own name and spelling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SqlFunc {
    /// `base ^ exponent`, doubles.
    Power,
    /// Largest whole number not above a double.
    Floor,
    /// Any value as text.
    ToText,
    /// Text without Unicode whitespace at either end (`Dialect::trim`); the second argument is
    /// the set of characters (`Dialect::whitespace`).
    Trim,
    /// ASCII letters in lower case (`Dialect::lower`).
    Lower,
    /// Trimmed text as a finite double, as Rust reads it; NULL otherwise (`Dialect::parse_number`).
    ParseNumber,
    /// Text of ASCII digits as an integer.
    DigitsToInt,
    /// Integer division of non-negative integers by a constant.
    IDiv(i64),
    /// The remainder of a non-negative integer by a constant.
    IMod(i64),
    /// Whether all of the text matches the pattern (`Dialect::full_match`).
    FullMatch(&'static str),
    /// Whether all of the text matches a GLOB pattern (`Dialect::native_dates` only): the
    /// pattern holds no quote.
    Glob(&'static str),
    /// `YYYY-MM-DD` or `YYYY/MM/DD` text (its shape checked first) as days since 1970-01-01,
    /// NULL when not a day of the calendar: the engine's own date cast (`Dialect::native_dates`
    /// only).
    IsoDays,
    /// The dialect's own reading of text as a double, NULL where it reads none (`Dialect::fast_text`
    /// only): a superset of the engine's number syntax, so it is used only where a guard has
    /// ruled the difference out.
    TryDouble,
    /// Whether the text holds the given text (no quote in it) anywhere (`Dialect::fast_text` only).
    Contains(&'static str),
    /// Whether the text is ASCII only and starts and ends with a character above the space:
    /// then trimming leaves it as it is and `LowerAscii` folds it exactly (`Dialect::plain_ascii`,
    /// `Dialect::fast_text` only).
    PlainAscii,
    /// A-Z in lower case, for text the caller knows is ASCII only (`PlainAscii`): the dialect's
    /// plain `lower`, without `Lower`'s test for other characters.
    LowerAscii,
    /// A-Z in lower case, for text that is mostly not plain ASCII (`PlainAscii` failed): the
    /// ASCII-only fold straight away, without `Lower`'s test for the cheaper form.
    LowerTranslate,
    /// `SUBSTR(text, start, length)`, 1-based.
    Substr(i64, i64),
    /// Length in characters.
    Length,
    /// Concatenation of two non-NULL texts.
    Concat,
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
    /// A column of the source table, quoted by the dialect: read only by the first step.
    Source(String),
    /// Today (UTC) as days since 1970-01-01, for models without `as_of`.
    Today,
    /// `x IN (a, b, ...)`; FALSE for an empty list.
    In(Box<SqlExpr>, Vec<SqlExpr>),
    /// Terms added one by one from the left (`a + b + c`), as the engine adds them: written one
    /// term a line, and never reordered into a balanced tree that would round differently.
    Sum(Vec<SqlExpr>),
    /// An expression after a line comment saying what it is (`-- touchpoint 'demo', signal
    /// 'demo_requested'`), so that a reader finds the model's touchpoints in the query.
    Noted(String, Box<SqlExpr>),
    /// SQL text written by hand, of a type, reading the step columns listed: what pruning and
    /// inlining know of it. For code with SQL text of its own; lowering never makes one.
    Raw(String, Vec<String>, SqlType),
}

fn b(e: SqlExpr) -> Box<SqlExpr> {
    Box::new(e)
}

impl SqlExpr {
    pub fn double(v: f64) -> SqlExpr {
        SqlExpr::Double(v.to_bits())
    }

    /// A column of an earlier step.
    pub fn col(name: impl Into<String>, t: SqlType) -> SqlExpr {
        SqlExpr::Column(name.into(), t)
    }

    pub fn bin(op: SqlOp, a: SqlExpr, c: SqlExpr) -> SqlExpr {
        SqlExpr::Binary(op, b(a), b(c))
    }

    pub fn call(f: SqlFunc, args: Vec<SqlExpr>) -> SqlExpr {
        SqlExpr::Call(f, args)
    }

    /// `CASE WHEN .. THEN .. ELSE otherwise END` (no ELSE when `otherwise` is NULL).
    pub fn case(whens: Vec<(SqlExpr, SqlExpr)>, otherwise: SqlExpr) -> SqlExpr {
        SqlExpr::Case(whens, b(otherwise))
    }

    pub fn is_null(self) -> SqlExpr {
        SqlExpr::IsNull(b(self))
    }

    pub fn is_not_null(self) -> SqlExpr {
        SqlExpr::Not(b(SqlExpr::IsNull(b(self))))
    }

    pub fn negated(self) -> SqlExpr {
        SqlExpr::Not(b(self))
    }

    pub fn in_list(self, items: Vec<SqlExpr>) -> SqlExpr {
        SqlExpr::In(b(self), items)
    }

    /// All of the conditions, TRUE when there is none.
    pub fn all(parts: Vec<SqlExpr>) -> SqlExpr {
        parts
            .into_iter()
            .reduce(|x, y| SqlExpr::bin(SqlOp::And, x, y))
            .unwrap_or(SqlExpr::Boolean(true))
    }

    /// Any of the conditions, FALSE when there is none.
    pub fn any(parts: Vec<SqlExpr>) -> SqlExpr {
        parts
            .into_iter()
            .reduce(|x, y| SqlExpr::bin(SqlOp::Or, x, y))
            .unwrap_or(SqlExpr::Boolean(false))
    }

    /// Every node, parents before their children.
    fn visit<'a>(&'a self, f: &mut dyn FnMut(&'a SqlExpr)) {
        f(self);
        match self {
            SqlExpr::Column(..)
            | SqlExpr::Double(_)
            | SqlExpr::Integer(_)
            | SqlExpr::Text(_)
            | SqlExpr::Boolean(_)
            | SqlExpr::Null(_)
            | SqlExpr::Source(_)
            | SqlExpr::Today
            | SqlExpr::Raw(..) => {}
            SqlExpr::Neg(a)
            | SqlExpr::Not(a)
            | SqlExpr::BoolToInt(a)
            | SqlExpr::IsNull(a)
            | SqlExpr::ToDouble(a)
            | SqlExpr::Noted(_, a) => a.visit(f),
            SqlExpr::Binary(_, a, c) => {
                a.visit(f);
                c.visit(f);
            }
            SqlExpr::Case(whens, otherwise) => {
                for (c, v) in whens {
                    c.visit(f);
                    v.visit(f);
                }
                otherwise.visit(f);
            }
            SqlExpr::Call(_, args) | SqlExpr::Sum(args) => {
                for a in args {
                    a.visit(f);
                }
            }
            SqlExpr::In(x, items) => {
                x.visit(f);
                for a in items {
                    a.visit(f);
                }
            }
        }
    }

    /// Each step column it reads, as many times as it reads it: an engine that inlines a step
    /// computes the column once per read.
    pub fn reads(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.visit(&mut |e| match e {
            SqlExpr::Column(c, _) => out.push(c.as_str()),
            SqlExpr::Raw(_, cols, _) => out.extend(cols.iter().map(String::as_str)),
            _ => {}
        });
        out
    }

    /// Its SQL type.
    pub fn ty(&self) -> SqlType {
        match self {
            SqlExpr::Column(_, t) | SqlExpr::Null(t) => *t,
            SqlExpr::Double(_) | SqlExpr::ToDouble(_) => SqlType::Double,
            SqlExpr::Integer(_) | SqlExpr::BoolToInt(_) => SqlType::Integer,
            SqlExpr::Text(_) => SqlType::Text,
            SqlExpr::Boolean(_) | SqlExpr::Not(_) | SqlExpr::IsNull(_) => SqlType::Boolean,
            SqlExpr::Neg(a) | SqlExpr::Noted(_, a) => a.ty(),
            SqlExpr::Binary(op, a, _) => op.gives(a.ty()),
            SqlExpr::Case(whens, otherwise) => whens
                .first()
                .map_or_else(|| otherwise.ty(), |(_, v)| v.ty()),
            SqlExpr::Source(_) => SqlType::Text,
            SqlExpr::Today => SqlType::Integer,
            SqlExpr::In(..) => SqlType::Boolean,
            SqlExpr::Sum(terms) => terms.first().map_or(SqlType::Double, SqlExpr::ty),
            SqlExpr::Raw(_, _, t) => *t,
            SqlExpr::Call(f, args) => match f {
                SqlFunc::Ln
                | SqlFunc::Log10
                | SqlFunc::Power
                | SqlFunc::Floor
                | SqlFunc::ParseNumber
                | SqlFunc::TryDouble => SqlType::Double,
                SqlFunc::ToText
                | SqlFunc::Trim
                | SqlFunc::Lower
                | SqlFunc::LowerAscii
                | SqlFunc::LowerTranslate
                | SqlFunc::Substr(..)
                | SqlFunc::Concat => SqlType::Text,
                SqlFunc::DigitsToInt
                | SqlFunc::IDiv(_)
                | SqlFunc::IMod(_)
                | SqlFunc::Length
                | SqlFunc::IsoDays => SqlType::Integer,
                SqlFunc::FullMatch(_)
                | SqlFunc::Glob(_)
                | SqlFunc::Contains(_)
                | SqlFunc::PlainAscii => SqlType::Boolean,
                SqlFunc::Abs
                | SqlFunc::Greatest
                | SqlFunc::Least
                | SqlFunc::Coalesce
                | SqlFunc::NullIf => args.first().map_or(SqlType::Double, SqlExpr::ty),
            },
        }
    }

    /// The step columns it reads, each once: what pruning walks.
    pub fn columns(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for c in self.reads() {
            if !out.contains(&c) {
                out.push(c);
            }
        }
        out
    }
}

/// PostgreSQL raises an error where a double operation underflows to zero (other engines give
/// 0, as Rust does). Its queries take values under this as 0: a score moves by less than 1e-138.
const PG_TINY: f64 = 1e-150;

impl Dialect {
    /// Where a double product or quotient would underflow: the magnitude under which a value
    /// is taken as 0 before it is multiplied or divided (`None` where underflow gives 0).
    pub fn underflow_floor(self) -> Option<f64> {
        match self {
            Dialect::Postgres => Some(PG_TINY),
            Dialect::DuckDb | Dialect::Spark | Dialect::BigQuery | Dialect::Snowflake => None,
        }
    }

    /// Whether the decay factors are worked out once in a step of their own (`sw_decay`) and
    /// read by name. PostgreSQL stores every step as a table; one more step costs it more than
    /// the few POWER calls it saves, so there each signal writes its factor out.
    pub fn shares_factors(self) -> bool {
        self != Dialect::Postgres
    }

    /// Whether a step may be inlined into its reader when that computes nothing twice.
    /// PostgreSQL inlines a CTE that is read once, copying its expressions into every place
    /// that reads its columns; each step reads the one before several times, so that would
    /// compute the early steps hundreds of times per row. Other engines keep projections.
    pub fn inlines_steps(self) -> bool {
        self == Dialect::Postgres
    }

    /// What to write before a step's body: `MATERIALIZED ` or `NOT MATERIALIZED ` where the
    /// dialect decides per step (`inlines_steps`), else nothing.
    pub fn materialized(self, inline: bool) -> &'static str {
        match (self.inlines_steps(), inline) {
            (true, true) => "NOT MATERIALIZED ",
            (true, false) => "MATERIALIZED ",
            (false, _) => "",
        }
    }

    /// Whether dates are read with the engine's own date cast once their shape is checked
    /// (`SqlFunc::Glob`, `SqlFunc::IsoDays`), rather than by digits and integer arithmetic.
    /// DuckDB's cast of `YYYY-MM-DD` or `YYYY/MM/DD` is proleptic Gregorian from year 0, as
    /// `model::Date` is, and NULL for a day the calendar lacks; its GLOB and cast cost a
    /// quarter of the regular expressions and arithmetic.
    pub fn native_dates(self) -> bool {
        self == Dialect::DuckDb
    }

    /// Whether every column is typed from its cells as read when they are spelled the usual
    /// way, and trimmed and case-folded only otherwise (`export::sql`'s `fast_value`): `yes` or
    /// `No`, a number the dialect's own cast reads with none of the syntax the engine refuses,
    /// a date whose shape GLOB checked on the cell itself, a category as the model spells it
    /// or in plain ASCII (`SqlFunc::PlainAscii`). Those are exactly the cells whose trimmed,
    /// folded reading is known without trimming or folding; every other cell takes the
    /// engine's full reading. On DuckDB, trimming and folding every cell cost about 40% of the
    /// query. Its dates are read by the native cast, so it holds only where `native_dates` does.
    pub fn fast_text(self) -> bool {
        self == Dialect::DuckDb && self.native_dates()
    }

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
                match **otherwise {
                    SqlExpr::Null(_) if !whens.is_empty() => format!("{s} END"),
                    _ => format!("{s} ELSE {} END", r(otherwise)?),
                }
            }
            SqlExpr::Source(name) => self.ident(name, &format!("column {name:?}"))?,
            SqlExpr::Today => self.today_days(),
            SqlExpr::In(x, items) => {
                if items.is_empty() {
                    return Ok("FALSE".into());
                }
                let items: Result<Vec<String>, ExportError> = items.iter().map(r).collect();
                format!("({} IN ({}))", r(x)?, items?.join(", "))
            }
            SqlExpr::Sum(terms) => {
                let terms: Result<Vec<String>, ExportError> = terms.iter().map(r).collect();
                format!("({})", terms?.join("\n      + "))
            }
            SqlExpr::Raw(sql, _, _) => sql.clone(),
            SqlExpr::Noted(note, a) => {
                // One line; a backslash would continue a Spark comment onto the next line.
                let note: String = note
                    .chars()
                    .map(|c| match c {
                        '\\' => '/',
                        c if c.is_control() => ' ',
                        c => c,
                    })
                    .collect();
                format!("-- {note}\n      {}", r(a)?)
            }
            SqlExpr::BoolToInt(a) => {
                format!("(CASE {} WHEN TRUE THEN 1 WHEN FALSE THEN 0 END)", r(a)?)
            }
            SqlExpr::IsNull(a) => format!("({} IS NULL)", r(a)?),
            SqlExpr::ToDouble(a) => format!("CAST({} AS {})", r(a)?, self.double_type()),
            SqlExpr::Call(f, args) => {
                let args: Vec<String> = args.iter().map(r).collect::<Result<_, _>>()?;
                let one = |i: usize| {
                    args.get(i)
                        .map(String::as_str)
                        .ok_or_else(|| ExportError::Unsupported {
                            at: at.into(),
                            message: format!("{f:?} is given {} arguments", args.len()),
                        })
                };
                let t = one(0)?;
                let args = args.join(", ");
                match f {
                    SqlFunc::Power => format!("POWER({args})"),
                    SqlFunc::Floor => format!("FLOOR({args})"),
                    SqlFunc::ToText => self.to_text(t),
                    SqlFunc::Trim => self.trim(t, one(1)?),
                    SqlFunc::Lower => self.lower(t),
                    SqlFunc::TryDouble if self.fast_text() => format!("TRY_CAST({t} AS DOUBLE)"),
                    SqlFunc::Contains(part) if self.fast_text() => {
                        format!("contains({t}, '{part}')")
                    }
                    SqlFunc::PlainAscii => {
                        self.plain_ascii(t)
                            .ok_or_else(|| ExportError::Unsupported {
                                at: at.into(),
                                message: format!("{f:?} is not written for {self}"),
                            })?
                    }
                    SqlFunc::LowerAscii => self.lower_ascii(t),
                    SqlFunc::LowerTranslate => self.lower_translate(t),
                    SqlFunc::ParseNumber => self.parse_number(t)?,
                    SqlFunc::DigitsToInt => self.digits_to_int(t),
                    SqlFunc::IDiv(k) => self.idiv(t, *k),
                    SqlFunc::IMod(k) => self.imod(t, *k),
                    SqlFunc::FullMatch(pattern) => self.full_match(t, pattern),
                    SqlFunc::Glob(pattern) if self.native_dates() => {
                        format!("({t} GLOB '{pattern}')")
                    }
                    SqlFunc::IsoDays if self.native_dates() => {
                        format!("(TRY_CAST({t} AS DATE) - DATE '1970-01-01')")
                    }
                    SqlFunc::Glob(_)
                    | SqlFunc::IsoDays
                    | SqlFunc::TryDouble
                    | SqlFunc::Contains(_) => {
                        return Err(ExportError::Unsupported {
                            at: at.into(),
                            message: format!("{f:?} is not written for {self}"),
                        });
                    }
                    SqlFunc::Substr(start, len) => format!("SUBSTR({t}, {start}, {len})"),
                    SqlFunc::Length => format!("LENGTH({t})"),
                    SqlFunc::Concat => self.concat(t, one(1)?),
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

    #[test]
    fn reads_count_each_reference_and_never_literals() {
        let v = SqlExpr::col("sw_f0", SqlType::Double);
        // A literal spelled like a column is text, not a read (the old text scan counted it).
        let e = SqlExpr::case(
            vec![(v.clone().is_null(), SqlExpr::Text("sw_f1".into()))],
            SqlExpr::Text("x".into()),
        );
        assert_eq!(e.reads(), vec!["sw_f0"]);
        let twice = SqlExpr::bin(
            SqlOp::Add,
            v.clone(),
            SqlExpr::Noted("n".into(), Box::new(v)),
        );
        assert_eq!(twice.reads(), vec!["sw_f0", "sw_f0"]);
        assert_eq!(twice.columns(), vec!["sw_f0"]);
        let raw = SqlExpr::Raw("sw_a + sw_b".into(), vec!["sw_a".into()], SqlType::Double);
        assert_eq!(
            raw.reads(),
            vec!["sw_a"],
            "a Raw column reads what it declares"
        );
    }

    #[test]
    fn notes_are_one_line_and_cases_without_else_are_null() {
        let d = Dialect::Spark;
        let noted = SqlExpr::Noted(
            "touchpoint 'a\nb', signal 'c\\'".into(),
            Box::new(SqlExpr::Integer(1)),
        );
        // A line break would end the comment early; a trailing backslash would continue it
        // onto the expression in Spark.
        assert_eq!(
            d.render(&noted, "t").unwrap_or_else(|e| panic!("{e}")),
            "-- touchpoint 'a b', signal 'c/'\n      1"
        );
        let c = SqlExpr::case(
            vec![(SqlExpr::Boolean(true), SqlExpr::Integer(1))],
            SqlExpr::Null(SqlType::Integer),
        );
        assert_eq!(
            d.render(&c, "t").unwrap_or_else(|e| panic!("{e}")),
            "CASE WHEN TRUE THEN 1 END"
        );
        let none = SqlExpr::col("sw_x", SqlType::Integer).in_list(vec![]);
        assert_eq!(
            d.render(&none, "t").unwrap_or_else(|e| panic!("{e}")),
            "FALSE"
        );
        // The DuckDB-only date functions are refused elsewhere rather than written wrongly.
        let days = SqlExpr::call(SqlFunc::IsoDays, vec![SqlExpr::Text("2026-01-01".into())]);
        assert!(Dialect::Postgres.render(&days, "t").is_err());
        assert_eq!(
            Dialect::DuckDb
                .render(&days, "t")
                .unwrap_or_else(|e| panic!("{e}")),
            "(TRY_CAST('2026-01-01' AS DATE) - DATE '1970-01-01')"
        );
    }
}
