//! A model as one SQL query: the id and every output the engine gives, for every row of a table.
//!
//! The query is a chain of common table expressions, each adding columns to the one before:
//! `sw_ws` (one row: the whitespace characters to trim), `sw_text` (each source column cast to
//! text and trimmed; on DuckDB every column is left as read, and each value is typed from the
//! cell when it is spelled the usual way or as the model spells it, trimmed and folded only
//! when not: `fast_value`), `sw_part` (what several values read: a column's lower case, a
//! date's digits; not on DuckDB), `sw_value` (each field typed: number, boolean, day number,
//! or lower-case key; NULL when missing), `sw_decay` (each decay factor, once), `sw_raw` (each journey's weighted sum),
//! `sw_adjusted` (plus adjustments), `sw_score` (clamped), `sw_grade` (grades and tier),
//! `sw_segment` (the first segment that holds), then the outputs under the names of
//! `engine::output_columns`. Internal columns are all named `sw_*` and never collide with the
//! table's, which are only read in the first step. A step with nothing to add is left out, and
//! a step passes on only the columns that a later step reads (`carried`).
//!
//! Every value is a typed `SqlExpr` (`export::plan`) and every step a list of named columns:
//! what a step passes on and whether it is inlined are read from the trees' column references,
//! and `Dialect::render` writes the text. Each weighted term is preceded by a comment naming its
//! touchpoint and signal.
//!
//! Each value is worked out once per row and read by name after that, never written out again
//! in every place that reads it: engines evaluate each copy anew, and on a large table those
//! copies cost more than everything else together.
//!
//! Invariants, each mirroring `engine::score` and `engine::attain`:
//! - every weighted sum adds the same products in the same order (`100 x share` per signal,
//!   depth first), so scores are the engine's to the last bit where doubles are IEEE;
//! - a condition is never NULL: a missing value makes a comparison false before any NOT;
//! - dates are day numbers computed with integer arithmetic, the same in every dialect.

use super::ExportError;
use super::dialect::Dialect;
use super::plan::{SqlExpr, SqlFunc, SqlOp, SqlType, lower_derived};
use crate::contacts::typed::category_key;
use crate::engine::attain::{LogParts, ScaleParts};
use crate::model::check::{self, Severity};
use crate::model::expr::Type;
use crate::model::{Compare, Condition, Field, FieldKind, Model, Rule, Scalar, Signal, Touchpoint};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// Where the contacts come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// A table or view name, dotted for a schema (`analytics.leads`); each part is quoted.
    Table(String),
    /// A trusted SQL expression usable after FROM, written as given: `read_csv('leads.csv')`.
    Expression(String),
}

impl Source {
    /// What `--table` names: a table (dotted for a schema), or for DuckDB a file it reads
    /// directly (`leads.csv`, `leads.parquet`, `leads.jsonl`; CSV read as text, as the engine
    /// reads it).
    pub fn from_cli(dialect: Dialect, table: &str) -> Result<Source, ExportError> {
        let lower = table.to_ascii_lowercase();
        if dialect != Dialect::DuckDb {
            return Ok(Source::Table(table.to_string()));
        }
        let path = dialect.string(table, &format!("table {table:?}"))?;
        Ok(
            if [".csv", ".tsv", ".txt", ".csv.gz"]
                .iter()
                .any(|e| lower.ends_with(e))
            {
                Source::Expression(format!("read_csv({path}, all_varchar = true)"))
            } else if lower.ends_with(".parquet") {
                Source::Expression(format!("read_parquet({path})"))
            } else if [".json", ".jsonl", ".ndjson"]
                .iter()
                .any(|e| lower.ends_with(e))
            {
                Source::Expression(format!("read_json({path})"))
            } else {
                Source::Table(table.to_string())
            },
        )
    }
}

/// How to write the query.
#[derive(Clone, Debug, PartialEq)]
pub struct SqlOptions {
    pub dialect: Dialect,
    pub source: Source,
    /// The id column; default: as `score` finds it when `headers` are known (the model's
    /// `id_column`, else `id`, else the first column), else the model's `id_column`, else `id`.
    pub id_column: Option<String>,
    /// Export even when the checks find errors.
    pub allow_errors: bool,
    /// The table's column names, when known (from a sample of the contacts). Fields then find
    /// their column as the engine does (the exact name, else trimmed and ignoring case), and a
    /// field whose column the table lacks reads as missing instead of failing the query.
    pub headers: Option<Vec<String>>,
    /// The events table, for a model with event fields (`export::events`).
    pub events: Option<Source>,
    /// The accounts table, for a model whose accounts block names a `file` (`export::accounts`;
    /// default: a table named `accounts`).
    pub accounts: Option<Source>,
}

impl SqlOptions {
    /// Options for a dialect over a table named `contacts`.
    pub fn new(dialect: Dialect) -> SqlOptions {
        SqlOptions {
            dialect,
            source: Source::Table("contacts".into()),
            id_column: None,
            allow_errors: false,
            headers: None,
            events: None,
            accounts: None,
        }
    }

    /// The id column the query returns: `id_column`, else the rule `score` and `explain`
    /// follow (`engine::id_column`) when the headers are known, else the model's `id_column`,
    /// else `id`.
    pub fn id_name(&self, model: &Model) -> String {
        match (&self.id_column, &self.headers) {
            (Some(id), _) => id.clone(),
            (None, Some(headers)) => crate::engine::output::id_column(model, headers),
            (None, None) => model.id_column.clone().unwrap_or_else(|| "id".into()),
        }
    }

    /// The table's column that a field's `column` reads: itself when the headers are unknown,
    /// else the exact name, else the one equal to it trimmed and ignoring case; `None` when
    /// the table lacks it.
    pub fn resolve<'c>(&'c self, column: &'c str) -> Option<&'c str> {
        let Some(headers) = &self.headers else {
            return Some(column);
        };
        headers
            .iter()
            .find(|h| *h == column)
            .or_else(|| {
                let n = column.trim();
                headers.iter().find(|h| h.trim().eq_ignore_ascii_case(n))
            })
            .map(String::as_str)
    }
}

/// Writes the query that scores every row of the source table as the engine does.
pub fn to_sql(model: &Model, opts: &SqlOptions) -> Result<String, ExportError> {
    write_query(model, opts, false)
}

/// `to_sql`, with the `reasons` column after the outputs (`engine::reasons`, built by
/// `export::reasons`), as `score --reasons` writes it.
pub fn to_sql_with_reasons(model: &Model, opts: &SqlOptions) -> Result<String, ExportError> {
    write_query(model, opts, true)
}

fn write_query(model: &Model, opts: &SqlOptions, reasons: bool) -> Result<String, ExportError> {
    refuse_check_errors(model, opts)?;
    if model.accounts.is_some() {
        if reasons {
            return Err(ExportError::Unsupported {
                at: "accounts".into(),
                message: "the reasons column is not written for a model with accounts yet: \
                          export it without --reasons"
                    .into(),
            });
        }
        return super::accounts::query(model, opts);
    }
    // Event fields: the source becomes the contacts joined to the events' aggregates.
    let joined = super::events::joined(model, opts)?;
    let mut w = Writer::new(model, joined.as_ref().unwrap_or(opts))?;
    w.reasons = reasons;
    w.query()
}

/// The model's check errors, unless errors are allowed.
fn refuse_check_errors(model: &Model, opts: &SqlOptions) -> Result<(), ExportError> {
    if !opts.allow_errors {
        let errors: Vec<String> = check::check(model, None, None)
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.render(None))
            .collect();
        if !errors.is_empty() {
            return Err(ExportError::CheckErrors(errors));
        }
    }
    Ok(())
}

/// The date at the start of text column `t` as the integer `yyyymmdd`, else NULL, as the
/// query reads a date cell: for the events step (`export::events`).
pub(crate) fn date_digits_sql(d: Dialect, t: &str) -> Result<String, ExportError> {
    d.render(
        &date_digits(&SqlExpr::col(t, SqlType::Text)),
        "the events' times",
    )
}

/// `yyyymmdd` column `p` as days since 1970-01-01 when it is a day of the calendar, else NULL:
/// for the events step (`export::events`).
pub(crate) fn day_number_sql(d: Dialect, p: &str) -> Result<String, ExportError> {
    d.render(
        &day_number(&SqlExpr::col(p, SqlType::Integer)),
        "the events' times",
    )
}

/// The query of `to_sql`, unchecked, with source columns carried to the output as they are
/// read (trimmed text) under the names `sw_carry0`, `sw_carry1`...: the account a contact
/// belongs to, for `export::accounts`. Then each of `parts` (conditions, decided as a
/// segment's are) as a 0/1 column `sw_part0`, `sw_part1`...: what `export::accounts` decides a
/// contact's segment from once its account is joined.
pub(crate) fn to_sql_with_parts(
    model: &Model,
    opts: &SqlOptions,
    carry: &[String],
    parts: &[Condition],
) -> Result<String, ExportError> {
    to_sql_with_values(model, opts, carry, parts, &[])
}

/// `to_sql_with_parts`, then the typed value of each field of `values` as `sw_val0`,
/// `sw_val1`... (NULL when missing; a date as its day number): what field roll-ups read.
pub(crate) fn to_sql_with_values(
    model: &Model,
    opts: &SqlOptions,
    carry: &[String],
    parts: &[Condition],
    values: &[String],
) -> Result<String, ExportError> {
    let mut w = Writer::new(model, opts)?;
    w.carry = carry.to_vec();
    w.parts = parts.to_vec();
    w.values_out = values.to_vec();
    w.query()
}

/// The query with the rows' version after its outputs, as `score --stamp` writes them:
/// `model_version` (`engine::version::model_version`) and `scored_at`, the model's `as_of`, else
/// the engine's current date, as `YYYY-MM-DD` text. The query is kept whole as a subquery, so its
/// outputs are exactly those the parity tests hold.
pub fn stamped(query: &str, model: &Model, d: Dialect) -> Result<String, ExportError> {
    use crate::engine::version::model_version;
    let version = d.string(&model_version(model), "the model version")?;
    let at = match model.as_of {
        Some(date) => d.string(&date.to_string(), "the model's as_of")?,
        None => format!("CAST(CURRENT_DATE AS {})", d.text_type()),
    };
    let version_col = d.ident("model_version", "output column 'model_version'")?;
    let at_col = d.ident("scored_at", "output column 'scored_at'")?;
    Ok(format!(
        "SELECT sw_q.*, {version} AS {version_col}, {at} AS {at_col}\nFROM (\n{}\n) AS sw_q",
        query.trim_end()
    ))
}

/// The query's writer: every value a typed `SqlExpr`, every step a list of named columns.
struct Writer<'a> {
    model: &'a Model,
    opts: &'a SqlOptions,
    d: Dialect,
    /// Field id to the field the engine uses (the last of that id, as its map keeps).
    fields: HashMap<&'a str, &'a Field>,
    /// Source column name to its `sw_text` column.
    columns: Vec<&'a str>,
    /// Field id to its `sw_value` column.
    values: HashMap<&'a str, String>,
    /// Today as days since 1970-01-01: the model's `as_of`, else the engine's current date.
    today: SqlExpr,
    /// The decay factors the weighted sums share, keyed by their tree, in the order first asked
    /// for: factor `k` is the `sw_decay` column `sw_k{k}`.
    factors: RefCell<Factors>,
    /// Whether the query ends with the `reasons` column.
    reasons: bool,
    /// Source columns passed through to the output (`to_sql_with_parts`).
    carry: Vec<String>,
    /// Conditions written after the outputs as 0/1 columns `sw_part0`, `sw_part1`...
    /// (`to_sql_with_parts`): the parts of segments that read the account.
    parts: Vec<Condition>,
    /// Fields whose typed values are written last as `sw_val0`, `sw_val1`... (NULL when
    /// missing; a date as its day number): what field roll-ups read (`export::accounts`).
    values_out: Vec<String>,
}

#[derive(Default)]
struct Factors {
    order: Vec<SqlExpr>,
    index: HashMap<SqlExpr, usize>,
}

/// A named column of a step.
pub(crate) type Col = (String, SqlExpr);

fn zero() -> SqlExpr {
    SqlExpr::double(0.0)
}

fn one() -> SqlExpr {
    SqlExpr::double(1.0)
}

fn bin(op: SqlOp, a: SqlExpr, c: SqlExpr) -> SqlExpr {
    SqlExpr::bin(op, a, c)
}

fn call1(f: SqlFunc, a: SqlExpr) -> SqlExpr {
    SqlExpr::call(f, vec![a])
}

fn int(i: i64) -> SqlExpr {
    SqlExpr::Integer(i)
}

/// `COALESCE(e, FALSE)`: a condition that is never NULL.
fn never_null(e: SqlExpr) -> SqlExpr {
    SqlExpr::call(SqlFunc::Coalesce, vec![e, SqlExpr::Boolean(false)])
}

impl<'a> Writer<'a> {
    fn new(model: &'a Model, opts: &'a SqlOptions) -> Result<Writer<'a>, ExportError> {
        let fields: HashMap<&str, &Field> =
            model.fields.iter().map(|f| (f.id.as_str(), f)).collect();
        let mut columns: Vec<&str> = Vec::new();
        let mut values = HashMap::new();
        // Model order, one value column per field id that the engine keeps.
        for f in &model.fields {
            if !std::ptr::eq(fields[f.id.as_str()], f) || values.contains_key(f.id.as_str()) {
                continue;
            }
            // A derived field reads other fields' values, not a column of the table.
            if f.expr.is_none() && !columns.contains(&f.column()) {
                columns.push(f.column());
            }
            values.insert(f.id.as_str(), format!("sw_f{}", values.len()));
        }
        let today = match model.as_of {
            Some(date) => SqlExpr::Integer(i64::from(date.0)),
            None => SqlExpr::Today,
        };
        Ok(Writer {
            model,
            opts,
            d: opts.dialect,
            fields,
            columns,
            values,
            today,
            factors: RefCell::new(Factors::default()),
            reasons: false,
            carry: Vec::new(),
            parts: Vec::new(),
            values_out: Vec::new(),
        })
    }

    /// A field's value column, typed, when the model has that field.
    fn value_of(&self, id: &str) -> Option<(&'a Field, SqlExpr)> {
        let f = *self.fields.get(id)?;
        let name = self.values.get(id)?;
        Some((f, SqlExpr::col(name, SqlType::of(Type::of_kind(f.kind)))))
    }

    fn query(&self) -> Result<String, ExportError> {
        let d = self.d;
        let mut q = String::new();
        let _ = writeln!(
            q,
            "-- scorewright: model '{}' for {}",
            one_line(&self.model.name),
            d.name()
        );
        if !self.model.counts_ages() {
            // No recency and no decay: the reference date changes nothing, so say nothing.
        } else if let Some(as_of) = self.model.as_of {
            let _ = writeln!(
                q,
                "-- ages are counted from the model's as_of date, {as_of}"
            );
        } else {
            let _ = writeln!(
                q,
                "-- ages are counted from today (UTC): the model has no as_of date"
            );
        }
        if d == Dialect::Spark {
            // Spark compiles the whole query into one Java method per row; past 8,000 bytes of
            // bytecode the JVM never compiles it and interprets it, which more than doubles the
            // time. With this limit Spark splits it into methods the JVM does compile.
            q.push_str(
                "-- run with spark.sql.codegen.hugeMethodLimit=8000 (SET, or --conf): over twice as fast\n",
            );
        }
        q.push_str("WITH\n");

        // Text: the id as it is, and every column a field reads, as trimmed text.
        // The id: `--id`, else the rule `score` and `explain` follow (`engine::id_column`: the
        // model's `id_column`, else a column named `id`, else the first) when the table's
        // columns are known; else the model's `id_column`, else `id`.
        let id_name = self.opts.id_name(self.model);
        if id_name == crate::engine::ROW_ID {
            // `row_number() OVER ()` numbers rows in the order the engine happens to read them:
            // DuckDB reads a file on several threads, Spark in partitions, and a PostgreSQL
            // table has no order at all, so the same contact could get another id each run.
            return Err(ExportError::Unsupported {
                at: "id_column".into(),
                message: "'#row' numbers contacts by their place in a file, which a SQL table \
                          does not keep (row_number() OVER () numbers rows in whatever order \
                          the database reads them, which can change from run to run): add an \
                          id column to the table, or pass --id COLUMN"
                    .into(),
            });
        }
        let id = d.ident(&id_name, "the id column")?;
        let mut cols: Vec<Col> = vec![("sw_id".into(), SqlExpr::Source(id_name.clone()))];
        let ws = SqlExpr::col("sw_ws.sw_ws", SqlType::Text);
        // A source column as text, as read (NULL when the table lacks it), and trimmed.
        let raw = |c: &str| match self.resolve(c) {
            Some(name) => call1(SqlFunc::ToText, SqlExpr::Source(name.into())),
            None => SqlExpr::Null(SqlType::Text),
        };
        let text = |c: &str| match raw(c) {
            SqlExpr::Null(t) => SqlExpr::Null(t),
            r => SqlExpr::call(SqlFunc::Trim, vec![r, ws.clone()]),
        };
        // Where the dialect types the usual spellings as read (`Dialect::fast_text`), every
        // column stays as read and the value step trims and folds only the cells that need it,
        // by the set handed on as `sw_ws` (`fast_value`); elsewhere each cell is trimmed here.
        let kept = self.kept_fields();
        let as_read = d.fast_text();
        for (i, c) in self.columns.iter().enumerate() {
            cols.push((format!("sw_c{i}"), if as_read { raw(c) } else { text(c) }));
        }
        if as_read {
            cols.push(("sw_ws".into(), ws.clone()));
        }
        for (k, c) in self.carry.iter().enumerate() {
            cols.push((format!("sw_carry{k}"), text(c)));
        }
        // The characters that `str::trim` removes, written once.
        let _ = write!(q, "sw_ws AS (\n  SELECT {} AS sw_ws\n),\n", d.whitespace());
        let mut steps = vec![Step {
            name: "sw_text".into(),
            from: format!("{} CROSS JOIN sw_ws", self.source()?),
            star: false,
            columns: cols,
        }];

        // Parts: what several values of a column read, worked out once per cell: its lower
        // case, and a date's digits as one integer (`yyyymmdd`, NULL when not that shape).
        // Columns as read have none: each value reads its own cells (`fast_value`).
        let mut parts = Vec::new();
        let parted = if as_read { 0 } else { self.columns.len() };
        for i in 0..parted {
            let on_column = || kept.iter().filter(move |(_, c)| *c == i).map(|(f, _)| f);
            let text = SqlExpr::col(format!("sw_c{i}"), SqlType::Text);
            if on_column().any(|f| needs_lower(f)) {
                parts.push((format!("sw_l{i}"), call1(SqlFunc::Lower, text.clone())));
            }
            if on_column().any(|f| f.kind == FieldKind::Date) {
                let part = if d.native_dates() {
                    native_days(&text)
                } else {
                    date_digits(&text)
                };
                parts.push((format!("sw_p{i}"), part));
            }
        }
        let typed_from = if parts.is_empty() {
            "sw_text"
        } else {
            layer(&mut steps, "sw_part", "sw_text", parts);
            "sw_part"
        };

        // Values: one typed column per field.
        let mut vals = vec![("sw_id".to_string(), SqlExpr::col("sw_id", SqlType::Text))];
        vals.extend((0..self.carry.len()).map(|k| {
            let name = format!("sw_carry{k}");
            (name.clone(), SqlExpr::col(name, SqlType::Text))
        }));
        for (f, i) in &kept {
            let name = &self.values[f.id.as_str()];
            let value = if as_read {
                self.fast_value(f, *i)
            } else {
                self.value(f, *i)
            };
            vals.push((name.clone(), value));
        }
        steps.push(Step {
            name: "sw_value".into(),
            from: typed_from.into(),
            star: false,
            columns: vals,
        });
        let valued = self.derived_steps(&mut steps)?;

        // Raw journey scores: the weighted sums. Composite journeys come in later levels, each
        // reading the scores of the levels before (`engine::score` sums in the same order).
        let (order, _) = self.model.journey_order();
        let mut level = vec![0usize; self.model.journeys.len()];
        for &ji in &order {
            level[ji] = self
                .model
                .parts_of(ji, &order)
                .iter()
                .map(|&(pi, _)| level[pi] + 1)
                .max()
                .unwrap_or(0);
        }
        let mut sums = Vec::new();
        for (ji, j) in self.model.journeys.iter().enumerate() {
            if level[ji] > 0 {
                continue;
            }
            let mut terms = Vec::new();
            for t in &j.touchpoints {
                self.terms(
                    t,
                    t.weight.fraction(),
                    &format!("journey '{}'", j.id),
                    &mut terms,
                )?;
            }
            if terms.is_empty() {
                terms.push(zero());
            }
            sums.push((ji, terms));
        }
        // The decay factors the sums share, each worked out once per row.
        let factors: Vec<Col> = self
            .factors
            .borrow()
            .order
            .iter()
            .enumerate()
            .map(|(k, e)| (format!("sw_k{k}"), e.clone()))
            .collect();
        let summed_from = if factors.is_empty() {
            valued.as_str()
        } else {
            layer(&mut steps, "sw_decay", &valued, factors);
            "sw_decay"
        };
        let mut scored_from = self.journey_steps(&mut steps, summed_from, "", &sums)?;
        let top = level.iter().copied().max().unwrap_or(0);
        for l in 1..=top {
            let mut sums = Vec::new();
            for (ji, _) in self.model.journeys.iter().enumerate() {
                if level[ji] != l {
                    continue;
                }
                let terms = self
                    .model
                    .parts_of(ji, &order)
                    .into_iter()
                    .map(|(pi, w)| bin(SqlOp::Mul, SqlExpr::double(w), score(pi)))
                    .collect();
                sums.push((ji, terms));
            }
            scored_from = self.journey_steps(&mut steps, &scored_from, &format!("_c{l}"), &sums)?;
        }

        // Grades and tier: the first band or level the score reaches.
        let mut graded = Vec::new();
        for (gi, g) in self.model.grades.iter().enumerate() {
            let e = match self.journey_index(&g.journey) {
                Some(ji) if !g.bands.is_empty() => SqlExpr::case(
                    g.bands
                        .iter()
                        .map(|(label, threshold)| {
                            (
                                bin(SqlOp::Ge, score(ji), SqlExpr::double(*threshold)),
                                SqlExpr::Text(label.clone()),
                            )
                        })
                        .collect(),
                    SqlExpr::Null(SqlType::Text),
                ),
                _ => SqlExpr::Null(SqlType::Text),
            };
            graded.push((format!("sw_g{gi}"), e));
        }
        let tier_index = match &self.model.tiers {
            Some(t) => match self.journey_index(&t.journey) {
                Some(ji) if !t.levels.is_empty() => SqlExpr::case(
                    t.levels
                        .iter()
                        .enumerate()
                        .map(|(li, l)| {
                            (
                                bin(SqlOp::Ge, score(ji), SqlExpr::double(l.at_least)),
                                int(li as i64),
                            )
                        })
                        .collect(),
                    SqlExpr::Null(SqlType::Integer),
                ),
                _ => SqlExpr::Null(SqlType::Integer),
            },
            None => SqlExpr::Null(SqlType::Integer),
        };
        graded.push(("sw_tier".into(), tier_index));
        layer(&mut steps, "sw_grade", &scored_from, graded);

        // Segment: the index of the first that holds.
        let mut whens = Vec::new();
        for (si, s) in self.model.segments.iter().enumerate() {
            let when = match &s.when {
                Some(c) => self.condition(c, true)?,
                None => SqlExpr::Boolean(true),
            };
            whens.push((when, int(si as i64)));
        }
        let seg = if whens.is_empty() {
            SqlExpr::Null(SqlType::Integer)
        } else {
            SqlExpr::case(whens, SqlExpr::Null(SqlType::Integer))
        };
        let mut segment = vec![("sw_seg".into(), seg)];
        for (k, c) in self.parts.iter().enumerate() {
            let held = SqlExpr::case(vec![(self.condition(c, true)?, int(1))], int(0));
            segment.push((format!("sw_part{k}"), held));
        }
        layer(&mut steps, "sw_segment", "sw_grade", segment);

        // The outputs, under the engine's names.
        let names = crate::engine::output_columns(self.model);
        // Scores rounded as `engine::output::shown_score` rounds them, with the same operations.
        let scale = SqlExpr::double(crate::engine::output::SCORE_SCALE);
        let mut exprs: Vec<SqlExpr> = (0..self.model.journeys.len())
            .map(|ji| {
                let scaled = bin(SqlOp::Mul, score(ji), scale.clone());
                let rounded = call1(
                    SqlFunc::Floor,
                    bin(SqlOp::Add, scaled, SqlExpr::double(0.5)),
                );
                bin(SqlOp::Div, rounded, scale.clone())
            })
            .collect();
        exprs.extend(
            (0..self.model.grades.len()).map(|gi| SqlExpr::col(format!("sw_g{gi}"), SqlType::Text)),
        );
        exprs.push(self.rating());
        let levels = self
            .model
            .tiers
            .as_ref()
            .map(|t| t.levels.as_slice())
            .unwrap_or_default();
        exprs.push(pick("sw_tier", levels.iter().map(|l| l.name.as_str())));
        exprs.push(pick("sw_tier", levels.iter().map(|l| l.handover.as_str())));
        let segs = &self.model.segments;
        exprs.push(pick("sw_seg", segs.iter().map(|s| s.name.as_str())));
        exprs.push(pick("sw_seg", segs.iter().map(|s| s.action.as_str())));
        exprs.push(pick("sw_seg", segs.iter().map(|s| s.route.as_str())));
        let mut out: Vec<Col> = vec![(id, SqlExpr::col("sw_id", SqlType::Text))];
        for (name, e) in names.iter().zip(exprs) {
            out.push((d.ident(name, &format!("output column '{name}'"))?, e));
        }
        if self.reasons {
            let from = steps
                .last()
                .map_or("sw_text", |s| s.name.as_str())
                .to_string();
            let inputs = self.reason_inputs()?;
            out.push(super::reasons::add(d, &mut steps, &from, &inputs)?);
        }
        out.extend((0..self.carry.len()).map(|k| {
            let name = format!("sw_carry{k}");
            (name.clone(), SqlExpr::col(name, SqlType::Text))
        }));
        out.extend((0..self.parts.len()).map(|k| {
            let name = format!("sw_part{k}");
            (name.clone(), SqlExpr::col(name, SqlType::Integer))
        }));
        for (k, f) in self.values_out.iter().enumerate() {
            let value = self
                .value_of(f)
                .map_or(SqlExpr::Null(SqlType::Double), |(_, v)| v);
            out.push((format!("sw_val{k}"), value));
        }
        self.write_steps(&mut q, &steps, &out)?;
        Ok(q)
    }

    /// Writes the steps and the final `SELECT` of `out` (quoted output name, value). Each step
    /// passes on only what is read after it (`carried`), and on a dialect that inlines steps
    /// (`Dialect::inlines_steps`) a step is inlined when its reader reads each of its columns
    /// at most once, unless that reader is inlined too: nothing is then computed twice.
    fn write_steps(&self, q: &mut String, steps: &[Step], out: &[Col]) -> Result<(), ExportError> {
        let d = self.d;
        let carried = carried(steps, out);
        let mut inline = vec![false; steps.len()];
        for i in (0..steps.len().saturating_sub(1)).rev() {
            let reads: Vec<&str> = steps[i + 1]
                .columns
                .iter()
                .flat_map(|(_, e)| e.reads())
                .collect();
            inline[i] = d.inlines_steps()
                && !inline[i + 1]
                && steps[i].columns.iter().all(|(name, _)| {
                    let kept = carried[i + 1].iter().filter(|x| *x == name).count();
                    reads.iter().filter(|r| **r == name).count() + kept <= 1
                });
        }
        let render = |(name, e): &Col| -> Result<String, ExportError> {
            Ok(match e {
                SqlExpr::Column(c, _) if c == name => name.clone(),
                e => format!("{} AS {name}", d.render(e, &format!("column {name}"))?),
            })
        };
        for (i, (step, carry)) in steps.iter().zip(carried).enumerate() {
            let mut cols: Vec<String> = carry;
            for c in &step.columns {
                cols.push(render(c)?);
            }
            let _ = write!(
                q,
                "{} AS {}(\n  SELECT\n    {}\n  FROM {}\n){}\n",
                step.name,
                d.materialized(inline[i]),
                cols.join(",\n    "),
                step.from,
                if i + 1 == steps.len() { "" } else { "," }
            );
        }
        let out: Vec<String> = out
            .iter()
            .map(|(name, e)| Ok(format!("{} AS {name}", d.render(e, name)?)))
            .collect::<Result<_, ExportError>>()?;
        let last = steps.last().map_or("sw_text", |s| s.name.as_str());
        let _ = write!(q, "SELECT\n  {}\nFROM {last}\n", out.join(",\n  "));
        Ok(())
    }

    /// What `export::reasons` builds the `reasons` column from (`engine::reasons` chooses the
    /// journey, its contributions and the adjustments listed): each contribution's terms as the
    /// journey's sum adds them, each adjustment's condition as its step tests it.
    fn reason_inputs(&self) -> Result<super::reasons::Inputs, ExportError> {
        use crate::engine::reasons::whole_points;
        use crate::engine::reasons::{Contribution, contributions, reason, reasons_journey};
        let mut inputs = super::reasons::Inputs::default();
        let Some(ji) = reasons_journey(self.model) else {
            return Ok(inputs);
        };
        let j = &self.model.journeys[ji];
        let at = format!("journey '{}'", j.id);
        for c in contributions(self.model, ji) {
            let mut terms = Vec::new();
            match c {
                Contribution::Touchpoint(_, share, t) => {
                    // Its own signals only: its children are contributions of their own.
                    let own = Touchpoint {
                        touchpoints: Vec::new(),
                        ..t.clone()
                    };
                    self.terms(&own, share, &at, &mut terms)?;
                }
                Contribution::Part(pi, w, _) => {
                    terms.push(bin(SqlOp::Mul, SqlExpr::double(w), score(pi)));
                }
            }
            inputs.contributions.push((c.label().to_string(), terms));
        }
        for a in &j.adjustments {
            let points = whole_points(a.points);
            if points != 0 {
                inputs
                    .adjustments
                    .push((self.condition(&a.when, false)?, reason(&a.name, points)));
            }
        }
        Ok(inputs)
    }

    /// The table's name for a column (`contacts::Table::column_index`): as written when the
    /// headers are unknown; `None` when they are known and lack it.
    fn resolve<'c>(&'c self, column: &'c str) -> Option<&'c str> {
        self.opts.resolve(column)
    }

    fn source(&self) -> Result<String, ExportError> {
        super::events::source_sql(self.d, &self.opts.source)
    }

    fn journey_index(&self, id: &str) -> Option<usize> {
        self.model.journeys.iter().position(|j| j.id == id)
    }

    /// The matrix rating: the row grade's label then the column grade's, when both exist.
    fn rating(&self) -> SqlExpr {
        let none = SqlExpr::Null(SqlType::Text);
        let Some(m) = &self.model.matrix else {
            return none;
        };
        let gi = |id: &str| self.model.grades.iter().position(|g| g.id == id);
        let (Some(r), Some(c)) = (gi(&m.rows), gi(&m.columns)) else {
            return none;
        };
        let (r, c) = (grade(r), grade(c));
        SqlExpr::case(
            vec![(
                bin(SqlOp::And, r.clone().is_not_null(), c.clone().is_not_null()),
                SqlExpr::call(SqlFunc::Concat, vec![r, c]),
            )],
            none,
        )
    }

    /// The derived fields' values (`export::plan`), each in a step after the values it reads:
    /// `sw_derived0` holds those that read only source fields, `sw_derived1` those that read
    /// those, and so on. Returns the last step's name (`sw_value` when there is none).
    fn derived_steps(&self, steps: &mut Vec<Step>) -> Result<String, ExportError> {
        let derived: Vec<&Field> = self
            .model
            .fields
            .iter()
            .filter(|f| f.expr.is_some() && std::ptr::eq(self.fields[f.id.as_str()], *f))
            .collect();
        let mut level: HashMap<&str, usize> = HashMap::new();
        let known: Vec<&str> = self.fields.keys().copied().collect();
        // Each pass places the fields whose derived inputs are all placed: the step a field
        // lands in is one after the deepest of them. A cycle never places (the checks say so).
        let mut left: Vec<&Field> = derived;
        let mut placed: Vec<(usize, &Field, &crate::model::expr::Expr)> = Vec::new();
        while !left.is_empty() {
            let before = left.len();
            let mut rest = Vec::new();
            for f in left {
                let at = format!("field '{}'", f.id);
                let unsupported = |message: String| ExportError::Unsupported {
                    at: at.clone(),
                    message,
                };
                let parsed = match f.expr.as_ref().map(|d| &d.parsed) {
                    Some(Ok(p)) => p,
                    Some(Err(e)) => return Err(unsupported(e.to_string())),
                    None => continue,
                };
                let fields = &self.fields;
                parsed
                    .expr
                    .type_of(
                        &parsed.columns,
                        &|id| fields.get(id).map(|f| f.kind),
                        &known,
                    )
                    .map_err(|e| unsupported(e.to_string()))?;
                let inputs: Vec<&str> = parsed
                    .expr
                    .fields()
                    .into_iter()
                    .filter(|id| self.fields.get(id).is_some_and(|g| g.expr.is_some()))
                    .collect();
                if inputs.iter().all(|id| level.contains_key(id)) {
                    let l = inputs.iter().map(|id| level[id] + 1).max().unwrap_or(0);
                    level.insert(f.id.as_str(), l);
                    placed.push((l, f, &parsed.expr));
                } else {
                    rest.push(f);
                }
            }
            if rest.len() == before {
                let names: Vec<&str> = rest.iter().map(|f| f.id.as_str()).collect();
                return Err(ExportError::Unsupported {
                    at: format!("field '{}'", names.join("', '")),
                    message: "derived fields read each other in a cycle".into(),
                });
            }
            left = rest;
        }
        let column = |id: &str| {
            let f = self.fields.get(id)?;
            Some((
                self.values.get(id)?.clone(),
                SqlType::of(Type::of_kind(f.kind)),
            ))
        };
        let mut from = "sw_value".to_string();
        let depth = placed.iter().map(|(l, _, _)| l + 1).max().unwrap_or(0);
        for k in 0..depth {
            let mut cols = Vec::new();
            for (_, f, e) in placed.iter().filter(|(l, _, _)| *l == k) {
                let lowered =
                    lower_derived(e, &column).ok_or_else(|| ExportError::Unsupported {
                        at: format!("field '{}'", f.id),
                        message: "the expression reads a field the model does not have".into(),
                    })?;
                cols.push((self.values[f.id.as_str()].clone(), lowered));
            }
            let step = format!("sw_derived{k}");
            layer(steps, &step, &from, cols);
            from = step;
        }
        Ok(from)
    }

    /// The fields that have a value column, in model order, each with its `sw_text` column.
    fn kept_fields(&self) -> Vec<(&'a Field, usize)> {
        self.model
            .fields
            .iter()
            .filter(|f| {
                f.expr.is_none()
                    && self.values.contains_key(f.id.as_str())
                    && std::ptr::eq(self.fields[f.id.as_str()], *f)
            })
            .map(|f| {
                let column = self.columns.iter().position(|c| *c == f.column());
                (f, column.unwrap_or(0))
            })
            .collect()
    }

    /// The typed value of a field read from `sw_text` column `i` (and its `sw_part` columns):
    /// NULL when missing or unreadable.
    fn value(&self, f: &Field, i: usize) -> SqlExpr {
        let t = SqlExpr::col(format!("sw_c{i}"), SqlType::Text);
        let lower = SqlExpr::col(format!("sw_l{i}"), SqlType::Text);
        let part = SqlExpr::col(format!("sw_p{i}"), SqlType::Integer);
        let day = if self.d.native_dates() {
            part
        } else {
            day_number(&part)
        };
        self.typed(f, t, lower, day)
    }

    /// The typed value of a field read from `sw_text` column `i` as read (`Dialect::fast_text`):
    /// the cells spelled the usual way are typed as they are, each other cell is trimmed and
    /// folded here and read as `value` reads it.
    ///
    /// A cell equal to some text `s` reads as `s` trimmed and folded does, so a boolean cell
    /// spelled `yes`, `No`, `TRUE`... is that boolean, unless that word is a placeholder of the
    /// field. A number is the dialect's own cast (`TRY_CAST`), which trims
    /// ASCII white space (a subset of what the engine trims) and reads the engine's syntax
    /// plus `_` between digits, `+-1`, `inf` and `nan`: a cell holding `_` or `+-`, or read as
    /// no finite number, takes the full reading, and so does every cell of a field with a
    /// placeholder holding a digit. A date whose shape the GLOB patterns accept on the cell as
    /// read starts with a digit and keeps its first 16 characters when trimmed, so it reads
    /// the same; a field with a placeholder holding a digit takes the full reading.
    ///
    /// A category or text cell equal to a value the model spells for the field (`spellings`)
    /// is that value's key (NULL for a placeholder); any other cell that is plain ASCII with
    /// no white space at either end (`SqlFunc::PlainAscii`) is its own lower case; only the
    /// rest (blank, padded, beyond ASCII) is trimmed by the set where its ends need it and
    /// folded A-Z by `TRANSLATE`. Placeholders and the blank are taken out by `NULLIF`, so each
    /// branch folds the cell once and the trimmed cell is written once.
    fn fast_value(&self, f: &Field, i: usize) -> SqlExpr {
        let raw = SqlExpr::col(format!("sw_c{i}"), SqlType::Text);
        let t = SqlExpr::call(
            SqlFunc::Trim,
            vec![raw.clone(), SqlExpr::col("sw_ws", SqlType::Text)],
        );
        let full = self.typed(
            f,
            t.clone(),
            call1(SqlFunc::Lower, t.clone()),
            native_days(&t),
        );
        let placeholders = placeholders(f);
        let digits = placeholders
            .iter()
            .any(|p| p.bytes().any(|b| b.is_ascii_digit()));
        let is = |s: &str| bin(SqlOp::Eq, raw.clone(), SqlExpr::Text(s.into()));
        // An empty cell first: it would otherwise fail every test below and reach the full
        // reading, whose functions DuckDB still calls on it (0.4 s of 2.9 on x-education).
        let ty = SqlType::of(Type::of_kind(f.kind));
        let mut whens = vec![(raw.clone().is_null(), SqlExpr::Null(ty))];
        match f.kind {
            FieldKind::Boolean => {
                // One equality a spelling: cheaper in DuckDB than an IN list of them.
                for case in [0, 1, 2] {
                    for (yes, no) in crate::model::BOOLEAN_WORDS {
                        for (word, v) in [(yes, true), (no, false)] {
                            let spelled = match case {
                                0 => word.to_string(),
                                1 => word[..1].to_ascii_uppercase() + &word[1..],
                                _ => word.to_ascii_uppercase(),
                            };
                            if placeholders.iter().any(|p| *p == word)
                                || whens.iter().any(|(w, _)| *w == is(&spelled))
                            {
                                continue;
                            }
                            whens.push((is(&spelled), SqlExpr::Boolean(v)));
                        }
                    }
                }
            }
            FieldKind::Number if !digits => {
                let n = call1(SqlFunc::TryDouble, raw.clone());
                let finite = bin(
                    SqlOp::Le,
                    call1(SqlFunc::Abs, n.clone()),
                    SqlExpr::double(f64::MAX),
                );
                let has = |part| call1(SqlFunc::Contains(part), raw.clone());
                let plain = SqlExpr::all(vec![finite, has("_").negated(), has("+-").negated()]);
                whens.push((plain, n));
            }
            FieldKind::Date if !digits => whens.push((date_shape(&raw), iso_days(&raw))),
            FieldKind::Category | FieldKind::Text => {
                // NULL for a key that is blank or a placeholder, else the key.
                let key = |k: SqlExpr, blank: bool| {
                    let none = blank.then(String::new).into_iter();
                    none.chain(placeholders.iter().cloned()).fold(k, |k, p| {
                        SqlExpr::call(SqlFunc::NullIf, vec![k, SqlExpr::Text(p)])
                    })
                };
                for s in self.spellings(f) {
                    let k = category_key(&s);
                    let v = if k.is_empty() || placeholders.contains(&k) {
                        SqlExpr::Null(SqlType::Text)
                    } else {
                        SqlExpr::Text(k)
                    };
                    whens.push((is(&s), v));
                }
                whens.push((
                    call1(SqlFunc::PlainAscii, raw.clone()),
                    key(call1(SqlFunc::LowerAscii, raw.clone()), false),
                ));
                return SqlExpr::case(whens, key(call1(SqlFunc::LowerTranslate, t), true));
            }
            // Read whole: every cell takes the full reading below.
            FieldKind::Number | FieldKind::Date => {}
        }
        SqlExpr::case(whens, full)
    }

    /// The texts the model spells for a category or text field, each as written but trimmed,
    /// without repeats, at most `SPELLINGS`: its match rules' values, the values its conditions
    /// compare it with, and its placeholders. A cell equal to one of them reads as it does,
    /// whatever its case and white space, so the export can type those cells by equality
    /// (`fast_value`), as a data engineer would write the query.
    fn spellings(&self, f: &Field) -> Vec<String> {
        fn compared(c: &Condition, id: &str, out: &mut Vec<String>) {
            if c.field.as_deref() == Some(id) {
                let listed = c.one_of.iter().flatten();
                out.extend(
                    c.equals_value()
                        .into_iter()
                        .chain(listed)
                        .map(|s| s.to_string()),
                );
            }
            for inner in c.all.iter().chain(&c.any).chain(c.not.as_deref()) {
                compared(inner, id, out);
            }
        }
        let mut all: Vec<String> = Vec::new();
        for s in self.model.signals() {
            if let (true, Rule::Match(m)) = (s.field == f.id, &s.rule) {
                all.extend(m.values.iter().map(|(name, _)| name.clone()));
            }
        }
        let conditions = self.model.journeys.iter().flat_map(|j| &j.adjustments);
        for a in conditions {
            compared(&a.when, &f.id, &mut all);
        }
        for c in self.model.segments.iter().filter_map(|s| s.when.as_ref()) {
            compared(c, &f.id, &mut all);
        }
        all.extend(f.missing.iter().cloned());
        let mut out: Vec<String> = Vec::new();
        for s in all {
            let s = s.trim();
            if !s.is_empty() && !out.iter().any(|o| o == s) && out.len() < SPELLINGS {
                out.push(s.to_string());
            }
        }
        out
    }

    /// The typed value of a field from its trimmed text `t`, that text with A-Z in lower case,
    /// and (for a date) its day number: NULL when missing or unreadable.
    fn typed(&self, f: &Field, t: SqlExpr, lower: SqlExpr, day: SqlExpr) -> SqlExpr {
        let texts = |keys: &[&str]| keys.iter().map(|k| SqlExpr::Text(k.to_string())).collect();
        let placeholders = placeholders(f);
        let mut missing = vec![
            t.clone().is_null(),
            bin(SqlOp::Eq, t.clone(), SqlExpr::Text(String::new())),
        ];
        if !placeholders.is_empty() {
            let keys = placeholders.into_iter().map(SqlExpr::Text).collect();
            missing.push(lower.clone().in_list(keys));
        }
        let parsed = match f.kind {
            FieldKind::Number => call1(SqlFunc::ParseNumber, t),
            FieldKind::Boolean => SqlExpr::case(
                vec![
                    (
                        lower.clone().in_list(texts(&["true", "yes", "y", "1"])),
                        SqlExpr::Boolean(true),
                    ),
                    (
                        lower.in_list(texts(&["false", "no", "n", "0"])),
                        SqlExpr::Boolean(false),
                    ),
                ],
                SqlExpr::Null(SqlType::Boolean),
            ),
            FieldKind::Date => day,
            FieldKind::Category | FieldKind::Text => lower,
        };
        let ty = parsed.ty();
        SqlExpr::case(vec![(SqlExpr::any(missing), SqlExpr::Null(ty))], parsed)
    }

    /// The steps that turn the weighted terms of some journeys (by index) into their scores:
    /// `sw_raw{suffix}` (the sums), `sw_adjusted{suffix}` (plus adjustments, in order) and
    /// `sw_score{suffix}` (clamped). Returns the name of the last step.
    fn journey_steps(
        &self,
        steps: &mut Vec<Step>,
        from: &str,
        suffix: &str,
        sums: &[(usize, Vec<SqlExpr>)],
    ) -> Result<String, ExportError> {
        let (raw, adj, score_step) = (
            format!("sw_raw{suffix}"),
            format!("sw_adjusted{suffix}"),
            format!("sw_score{suffix}"),
        );
        sum_in_steps(steps, from, &raw, "sw_raw", sums);
        let mut adjusted = Vec::new();
        for &(ji, _) in sums {
            let j = &self.model.journeys[ji];
            let mut terms = vec![SqlExpr::col(format!("sw_raw{ji}"), SqlType::Double)];
            for a in &j.adjustments {
                let term = SqlExpr::case(
                    vec![(self.condition(&a.when, false)?, SqlExpr::double(a.points))],
                    zero(),
                );
                let note = format!("adjustment '{}'", a.name);
                terms.push(SqlExpr::Noted(note, Box::new(term)));
            }
            adjusted.push((ji, terms));
        }
        sum_in_steps(steps, &raw, &adj, "sw_adj", &adjusted);
        let scores: Vec<Col> = sums
            .iter()
            .map(|&(ji, _)| {
                let a = SqlExpr::col(format!("sw_adj{ji}"), SqlType::Double);
                let hundred = SqlExpr::double(100.0);
                let clamped = SqlExpr::case(
                    vec![
                        (bin(SqlOp::Lt, a.clone(), zero()), zero()),
                        (bin(SqlOp::Gt, a.clone(), hundred.clone()), hundred),
                    ],
                    a,
                );
                (format!("sw_s{ji}"), clamped)
            })
            .collect();
        layer(steps, &score_step, &adj, scores);
        Ok(score_step)
    }

    /// The weighted terms of a touchpoint, depth first: children, then its own signals.
    fn terms(
        &self,
        t: &Touchpoint,
        share: f64,
        at: &str,
        out: &mut Vec<SqlExpr>,
    ) -> Result<(), ExportError> {
        for c in &t.touchpoints {
            self.terms(c, share * c.weight.fraction(), at, out)?;
        }
        for s in &t.signals {
            let at = format!("{at}, touchpoint '{}', signal '{}'", t.id, s.field);
            let w = 100.0 * (share * s.weight.fraction());
            let term = bin(SqlOp::Mul, SqlExpr::double(w), self.attainment(s, &at)?);
            let note = format!("touchpoint '{}', signal '{}'", t.id, s.field);
            out.push(SqlExpr::Noted(note, Box::new(term)));
        }
        Ok(())
    }

    /// A signal's attainment, 0 to 1 (`engine::attain::attainment` and `apply_decay`).
    fn attainment(&self, s: &Signal, at: &str) -> Result<SqlExpr, ExportError> {
        let base = match self.value_of(&s.field) {
            None => zero(),
            Some((field, v)) => {
                let rule = self.lower_rule(&s.rule, &v, field.kind, at)?;
                // The signal's own attainment for a missing value, as `attain::signal_column`.
                match s.missing_attainment() {
                    0.0 => rule,
                    m => SqlExpr::case(vec![(v.is_null(), SqlExpr::double(m))], rule),
                }
            }
        };
        let Some(decay) = &s.decay else {
            return Ok(base);
        };
        let Some(age) = self
            .value_of(&decay.since)
            .and_then(|(sf, sv)| self.age(&sv, sf.kind))
        else {
            return Ok(zero());
        };
        // Where a product that rounds to zero raises (PostgreSQL), an attainment under the
        // dialect's floor is taken as 0 before it is multiplied (the decay factor is never
        // below it there).
        let base = match self.d.underflow_floor() {
            Some(tiny) => SqlExpr::case(
                vec![(bin(SqlOp::Lt, base.clone(), SqlExpr::double(tiny)), zero())],
                base,
            ),
            None => base,
        };
        Ok(bin(
            SqlOp::Mul,
            base,
            self.factor(age, decay.half_life_days),
        ))
    }

    /// The SQL lowering of every rule kind over the field's value `v` (`model::rules` has
    /// the rest of each kind's definition, `engine::attain::attainment` its kernel): one arm
    /// per kind, no wildcard, so a new kind does not compile until it has a lowering. A rule
    /// on a field it does not fit gives 0, as in the engine.
    fn lower_rule(
        &self,
        rule: &Rule,
        v: &SqlExpr,
        kind: FieldKind,
        at: &str,
    ) -> Result<SqlExpr, ExportError> {
        let f = SqlExpr::double;
        let missing = || (v.clone().is_null(), zero());
        let cmp = |op: SqlOp, x: f64| bin(op, v.clone(), f(x));
        use FieldKind as K;
        Ok(match rule {
            Rule::Scale { from, to } => match kind {
                K::Number => {
                    if from == to {
                        return Err(ExportError::Unsupported {
                            at: at.into(),
                            message: format!(
                                "scale from {from} to {to} divides by zero: give two different numbers"
                            ),
                        });
                    }
                    // The engine's steps (`attain::scale`): the ends first, so that the
                    // subtraction cannot overflow, and halves when `to - from` would.
                    let p = ScaleParts::new(*from, *to);
                    let num = if p.factor == 1.0 {
                        bin(SqlOp::Sub, v.clone(), f(p.from))
                    } else {
                        let scaled = bin(SqlOp::Mul, v.clone(), f(p.factor));
                        bin(SqlOp::Sub, scaled, f(p.from))
                    };
                    let x = bin(SqlOp::Div, num.clone(), f(p.span));
                    let mut whens = vec![missing()];
                    // At or past `from` is 0, at or past `to` is 1, whichever way the scale runs.
                    whens.extend(ends(v, *from, *to));
                    // Where a division that rounds to zero raises (PostgreSQL): below a
                    // difference whose ratio is under the floor, the ratio is taken as 0.
                    if let Some(tiny) = self.d.underflow_floor()
                        && p.span.abs() >= 1e-10
                    {
                        let small = call1(SqlFunc::Abs, num);
                        whens.push((
                            bin(SqlOp::Lt, small, f(tiny * p.span.abs().max(1.0))),
                            zero(),
                        ));
                    }
                    clamp01(whens, x)
                }
                K::Category | K::Boolean | K::Date | K::Text => zero(),
            },
            Rule::Bands(bands) => match self.age(v, kind) {
                // On a number its value, on a date its age in days.
                Some(x) => {
                    // The last band reached wins, as the engine's loop does.
                    let mut whens = vec![missing()];
                    for b in bands.bands.iter().rev() {
                        whens.push((bin(SqlOp::Ge, x.clone(), f(b.at_least)), f(b.value)));
                    }
                    SqlExpr::case(whens, zero())
                }
                None => zero(),
            },
            Rule::Match(m) => match kind {
                K::Category | K::Text => {
                    // The first value whose key matches, as the engine's `find` does.
                    let mut seen: Vec<String> = Vec::new();
                    let mut whens = vec![missing()];
                    for (name, a) in &m.values {
                        let key = category_key(name);
                        if seen.contains(&key) {
                            continue;
                        }
                        whens.push((bin(SqlOp::Eq, v.clone(), SqlExpr::Text(key.clone())), f(*a)));
                        seen.push(key);
                    }
                    SqlExpr::case(whens, f(m.default))
                }
                K::Boolean => {
                    let find = |b: bool| {
                        m.values
                            .iter()
                            .find(|(name, _)| crate::contacts::parse_bool(name) == Some(b))
                            .map(|(_, a)| *a)
                            .unwrap_or(m.default)
                    };
                    SqlExpr::case(vec![missing(), (v.clone(), f(find(true)))], f(find(false)))
                }
                K::Number => {
                    // Compared as numbers, the first listing first, as the engine's `find`.
                    let mut whens = vec![missing()];
                    for (k, a) in m.number_keys() {
                        whens.push((cmp(SqlOp::Eq, k), f(a)));
                    }
                    SqlExpr::case(whens, f(m.default))
                }
                K::Date => zero(),
            },
            Rule::Flag => match kind {
                K::Boolean => SqlExpr::case(vec![missing(), (v.clone(), one())], zero()),
                K::Number | K::Category | K::Date | K::Text => zero(),
            },
            Rule::NotFlag => match kind {
                K::Boolean => SqlExpr::case(vec![missing(), (v.clone(), zero())], one()),
                K::Number | K::Category | K::Date | K::Text => zero(),
            },
            Rule::Present => SqlExpr::case(vec![missing()], one()),
            Rule::LogScale { from, to } => match kind {
                K::Number => {
                    if *from <= 0.0 || *to <= 0.0 || from == to {
                        return Err(ExportError::Unsupported {
                            at: at.into(),
                            message: format!(
                                "log_scale from {from} to {to}: give two different numbers, both more than 0"
                            ),
                        });
                    }
                    // The engine's steps (`attain::log_scale`): 0 or less first (no LN of it),
                    // then the ends, then LN(v) against the constants worked out once.
                    let p = LogParts::new(*from, *to);
                    let ln = call1(SqlFunc::Ln, v.clone());
                    let x = bin(SqlOp::Div, bin(SqlOp::Sub, ln, f(p.ln_from)), f(p.span));
                    let mut whens = vec![missing(), (cmp(SqlOp::Le, 0.0), zero())];
                    whens.extend(ends(v, *from, *to));
                    clamp01(whens, x)
                }
                K::Category | K::Boolean | K::Date | K::Text => zero(),
            },
            Rule::Recency { half_life_days } => match self.age(v, kind) {
                Some(age) => self.factor(age, *half_life_days),
                None => zero(),
            },
        })
    }

    /// A value's age in days: a date's days before today, a number field's own value (it
    /// holds days, `days_since_last_login`); `None` for the kinds that hold no days.
    fn age(&self, v: &SqlExpr, kind: FieldKind) -> Option<SqlExpr> {
        match kind {
            FieldKind::Date => Some(bin(SqlOp::Sub, self.today.clone(), v.clone())),
            FieldKind::Number => Some(v.clone()),
            FieldKind::Category | FieldKind::Boolean | FieldKind::Text => None,
        }
    }

    /// The decay factor for an age in days, 0 where it is missing. Where the dialect shares
    /// factors (`Dialect::shares_factors`), every signal that decays from the same field with
    /// the same half-life reads one `sw_decay` column: the tree is the key.
    fn factor(&self, age: SqlExpr, half_life_days: f64) -> SqlExpr {
        let e = SqlExpr::case(
            vec![(age.clone().is_null(), zero())],
            self.half_life(age, half_life_days),
        );
        if !self.d.shares_factors() {
            return e;
        }
        let mut factors = self.factors.borrow_mut();
        let k = match factors.index.get(&e) {
            Some(k) => *k,
            None => {
                let k = factors.order.len();
                factors.index.insert(e.clone(), k);
                factors.order.push(e);
                k
            }
        };
        SqlExpr::col(format!("sw_k{k}"), SqlType::Double)
    }

    /// 0.5^(age / half_life), 1 for today or later (`engine::attain::half_life`).
    fn half_life(&self, age: SqlExpr, half_life_days: f64) -> SqlExpr {
        let exponent = bin(
            SqlOp::Div,
            SqlExpr::ToDouble(Box::new(age.clone())),
            SqlExpr::double(half_life_days),
        );
        let mut whens = vec![(bin(SqlOp::Le, age, int(0)), one())];
        // Where POWER raises on underflow (PostgreSQL): past 2^-498 (under the floor) it is 0.
        if self.d.underflow_floor().is_some() {
            whens.push((
                bin(SqlOp::Gt, exponent.clone(), SqlExpr::double(498.0)),
                zero(),
            ));
        }
        SqlExpr::case(
            whens,
            SqlExpr::call(SqlFunc::Power, vec![SqlExpr::double(0.5), exponent]),
        )
    }

    /// A condition as a SQL boolean that is never NULL (`engine::condition::mask`).
    fn condition(&self, c: &Condition, scored: bool) -> Result<SqlExpr, ExportError> {
        let no = SqlExpr::Boolean(false);
        if !c.all.is_empty() {
            let parts: Result<Vec<SqlExpr>, ExportError> =
                c.all.iter().map(|x| self.condition(x, scored)).collect();
            return Ok(SqlExpr::all(parts?));
        }
        if !c.any.is_empty() {
            let parts: Result<Vec<SqlExpr>, ExportError> =
                c.any.iter().map(|x| self.condition(x, scored)).collect();
            return Ok(SqlExpr::any(parts?));
        }
        if let Some(n) = &c.not {
            return Ok(self.condition(n, scored)?.negated());
        }
        if let Some(f) = &c.field {
            return Ok(self.field_condition(c, f));
        }
        if !scored {
            return Ok(no);
        }
        if let Some(j) = &c.journey {
            let (Some(ji), true) = (self.journey_index(j), c.other_fields().is_empty()) else {
                return Ok(no);
            };
            let mut parts = Vec::new();
            if let Some(x) = c.at_least_value() {
                parts.push(bin(SqlOp::Ge, score(ji), SqlExpr::double(x)));
            }
            if let Some(x) = c.below_value() {
                parts.push(bin(SqlOp::Lt, score(ji), SqlExpr::double(x)));
            }
            return Ok(SqlExpr::all(parts));
        }
        if let Some(g) = &c.grade {
            let Some(gi) = self.model.grades.iter().position(|x| &x.id == g) else {
                return Ok(no);
            };
            let eq =
                |s: &Scalar, label: &str| s.to_string().trim().eq_ignore_ascii_case(label.trim());
            let hit: Vec<SqlExpr> = self.model.grades[gi]
                .bands
                .keys()
                .filter(|label| {
                    c.equals_value().is_some_and(|s| eq(s, label))
                        || c.one_of
                            .as_ref()
                            .is_some_and(|v| v.iter().any(|s| eq(s, label)))
                })
                .map(|label| SqlExpr::Text(label.clone()))
                .collect();
            return Ok(one_of(grade(gi), hit));
        }
        if let Some(t) = &c.tier {
            let Some(tiers) = &self.model.tiers else {
                return Ok(no);
            };
            let hit: Vec<SqlExpr> = tiers
                .levels
                .iter()
                .enumerate()
                .filter(|(_, l)| t.contains(&l.name))
                .map(|(i, _)| int(i as i64))
                .collect();
            return Ok(one_of(SqlExpr::col("sw_tier", SqlType::Integer), hit));
        }
        if let Some(r) = &c.rating {
            let Some(m) = &self.model.matrix else {
                return Ok(no);
            };
            let gi = |id: &str| self.model.grades.iter().position(|g| g.id == id);
            let (Some(ri), Some(ci)) = (gi(&m.rows), gi(&m.columns)) else {
                return Ok(no);
            };
            let mut cells = Vec::new();
            for rl in self.model.grades[ri].bands.keys() {
                for cl in self.model.grades[ci].bands.keys() {
                    if r.contains(&format!("{rl}{cl}")) {
                        cells.push(bin(
                            SqlOp::And,
                            bin(SqlOp::Eq, grade(ri), SqlExpr::Text(rl.clone())),
                            bin(SqlOp::Eq, grade(ci), SqlExpr::Text(cl.clone())),
                        ));
                    }
                }
            }
            return Ok(if cells.is_empty() {
                no
            } else {
                never_null(SqlExpr::any(cells))
            });
        }
        Ok(no)
    }

    /// A condition on a field (`engine::condition::field_mask`).
    fn field_condition(&self, c: &Condition, id: &str) -> SqlExpr {
        let no = SqlExpr::Boolean(false);
        let Some((field, v)) = self.value_of(id) else {
            return SqlExpr::Boolean(c.present == Some(false));
        };
        let ops: Vec<&Scalar> = c
            .equals_value()
            .into_iter()
            .chain(c.one_of.iter().flatten())
            .collect();
        let has_eq = c.equals_value().is_some() || c.one_of.is_some();
        let has_range = c.at_least.is_some() || c.below.is_some();
        let mut parts = Vec::new();
        match c.present {
            Some(true) => parts.push(v.clone().is_not_null()),
            Some(false) => parts.push(v.clone().is_null()),
            None => {}
        }
        if has_eq || has_range || c.equals.is_some() {
            parts.push(v.clone().is_not_null());
        }
        // Another field (`at_least: { field: b }`): both given, compared on their value
        // columns (dates as day numbers, categories as their folded keys, as the engine does).
        for (op, other) in c.other_fields() {
            let Some((o, w)) = self.value_of(other) else {
                return no;
            };
            let same = o.kind == field.kind
                || [o.kind, field.kind]
                    .iter()
                    .all(|k| matches!(k, FieldKind::Category | FieldKind::Text));
            let sql_op = match (field.kind, op) {
                (_, Compare::Equals) => SqlOp::Eq,
                (FieldKind::Number, Compare::AtLeast) => SqlOp::Ge,
                (FieldKind::Number, Compare::Below) => SqlOp::Lt,
                // A date at least as old as another is on or before its day.
                (FieldKind::Date, Compare::AtLeast) => SqlOp::Le,
                (FieldKind::Date, Compare::Below) => SqlOp::Gt,
                (FieldKind::Boolean | FieldKind::Category | FieldKind::Text, _) => {
                    return no;
                }
            };
            if !same {
                return no;
            }
            parts.push(w.clone().is_not_null());
            parts.push(bin(sql_op, v.clone(), w));
        }
        let range = |x: &SqlExpr| {
            let mut r = Vec::new();
            if let Some(a) = c.at_least_value() {
                r.push(bin(SqlOp::Ge, x.clone(), SqlExpr::double(a)));
            }
            if let Some(b) = c.below_value() {
                r.push(bin(SqlOp::Lt, x.clone(), SqlExpr::double(b)));
            }
            r
        };
        match field.kind {
            FieldKind::Number => {
                parts.extend(range(&v));
                if has_eq {
                    let nums = ops.iter().filter_map(|s| scalar_number(s));
                    parts.push(one_of(v.clone(), nums.map(SqlExpr::double).collect()));
                }
            }
            FieldKind::Date => {
                let age =
                    SqlExpr::ToDouble(Box::new(bin(SqlOp::Sub, self.today.clone(), v.clone())));
                parts.extend(range(&age));
                if has_eq {
                    let days = ops
                        .iter()
                        .filter_map(|s| crate::model::Date::parse(&s.to_string()))
                        .map(|x| int(i64::from(x.0)));
                    parts.push(one_of(v.clone(), days.collect()));
                }
            }
            FieldKind::Boolean => {
                if has_range {
                    return no;
                }
                if has_eq {
                    let bools: Vec<bool> = ops.iter().filter_map(|s| scalar_bool(s)).collect();
                    parts.push(match (bools.contains(&true), bools.contains(&false)) {
                        (true, true) => SqlExpr::Boolean(true),
                        (true, false) => v.clone(),
                        (false, true) => v.clone().negated(),
                        (false, false) => no,
                    });
                }
            }
            FieldKind::Category | FieldKind::Text => {
                if has_range {
                    return no;
                }
                if has_eq {
                    let keys = ops
                        .iter()
                        .map(|s| SqlExpr::Text(category_key(&s.to_string())));
                    parts.push(one_of(v.clone(), keys.collect()));
                }
            }
        }
        if parts.is_empty() {
            SqlExpr::Boolean(true)
        } else {
            never_null(SqlExpr::all(parts))
        }
    }
}

/// The most spellings of one field typed by equality (`Writer::spellings`): each is one more
/// comparison for every cell that matches none of them.
const SPELLINGS: usize = 64;

/// `x IN (items)`, never NULL; FALSE for no items.
fn one_of(x: SqlExpr, items: Vec<SqlExpr>) -> SqlExpr {
    if items.is_empty() {
        SqlExpr::Boolean(false)
    } else {
        never_null(x.in_list(items))
    }
}

/// Journey `ji`'s clamped score (`sw_s{ji}`).
fn score(ji: usize) -> SqlExpr {
    SqlExpr::col(format!("sw_s{ji}"), SqlType::Double)
}

/// Grade `gi`'s label (`sw_g{gi}`).
fn grade(gi: usize) -> SqlExpr {
    SqlExpr::col(format!("sw_g{gi}"), SqlType::Text)
}

/// At or past `from` is 0, at or past `to` is 1, whichever way a scale runs.
fn ends(v: &SqlExpr, from: f64, to: f64) -> [(SqlExpr, SqlExpr); 2] {
    let (past_from, past_to) = if from <= to {
        (SqlOp::Le, SqlOp::Ge)
    } else {
        (SqlOp::Ge, SqlOp::Le)
    };
    [
        (bin(past_from, v.clone(), SqlExpr::double(from)), zero()),
        (bin(past_to, v.clone(), SqlExpr::double(to)), one()),
    ]
}

/// `CASE <whens> WHEN x < 0 THEN 0 WHEN x > 1 THEN 1 ELSE x END`.
fn clamp01(mut whens: Vec<(SqlExpr, SqlExpr)>, x: SqlExpr) -> SqlExpr {
    whens.push((bin(SqlOp::Lt, x.clone(), zero()), zero()));
    whens.push((bin(SqlOp::Gt, x.clone(), one()), one()));
    SqlExpr::case(whens, x)
}

/// A label chosen by index (`CASE WHEN i = 0 THEN 'hot' ...`); empty labels are NULL.
fn pick<'s>(index: &str, labels: impl Iterator<Item = &'s str>) -> SqlExpr {
    let i = SqlExpr::col(index, SqlType::Integer);
    let whens: Vec<(SqlExpr, SqlExpr)> = labels
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(k, l)| {
            (
                bin(SqlOp::Eq, i.clone(), int(k as i64)),
                SqlExpr::Text(l.into()),
            )
        })
        .collect();
    if whens.is_empty() {
        SqlExpr::Null(SqlType::Text)
    } else {
        SqlExpr::case(whens, SqlExpr::Null(SqlType::Text))
    }
}

/// The date at the start of text `t` as the integer `yyyymmdd`: `YYYY-MM-DD` or
/// `YYYY/MM/DD`, alone or followed by `T`, `t` or a space, `HH:MM` and anything
/// (`model::Date::parse`); NULL for any other shape. The month and day are checked later.
fn date_digits(t: &SqlExpr) -> SqlExpr {
    let sub = |start, len| call1(SqlFunc::Substr(start, len), t.clone());
    let text = |s: &str| SqlExpr::Text(s.into());
    // A time after the date starts with a valid `HH:MM`, as `Date::parse` wants.
    let date = call1(
        SqlFunc::FullMatch("[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}/[0-9]{2}/[0-9]{2}"),
        sub(1, 10),
    );
    let time = call1(
        SqlFunc::FullMatch("[01][0-9]:[0-5][0-9]|2[0-3]:[0-5][0-9]"),
        sub(12, 5),
    );
    let alone = bin(SqlOp::Eq, call1(SqlFunc::Length, t.clone()), int(10));
    let then_time = bin(
        SqlOp::And,
        sub(11, 1).in_list(vec![text("T"), text("t"), text(" ")]),
        time,
    );
    let shape = bin(SqlOp::And, date, bin(SqlOp::Or, alone, then_time));
    let concat = |a, c| SqlExpr::call(SqlFunc::Concat, vec![a, c]);
    let digits = concat(concat(sub(1, 4), sub(6, 2)), sub(9, 2));
    SqlExpr::case(
        vec![(shape, call1(SqlFunc::DigitsToInt, digits))],
        SqlExpr::Null(SqlType::Integer),
    )
}

/// The date at the start of text `t` as days since 1970-01-01, read by the engine's own date
/// cast (`Dialect::native_dates`): the same shapes as `date_digits` checked by GLOB patterns
/// (exact on digits and separators, unlike the cast alone, which also reads `2024-1-5`), then
/// the first ten characters cast, NULL for a day the calendar lacks.
fn native_days(t: &SqlExpr) -> SqlExpr {
    SqlExpr::case(
        vec![(date_shape(t), iso_days(t))],
        SqlExpr::Null(SqlType::Integer),
    )
}

/// The first ten characters of `t` read by the engine's own date cast, as days since
/// 1970-01-01 (`native_days`, once `date_shape` holds).
fn iso_days(t: &SqlExpr) -> SqlExpr {
    call1(SqlFunc::IsoDays, call1(SqlFunc::Substr(1, 10), t.clone()))
}

/// Whether text `t` has the shape of a date as `native_days` reads it, by GLOB patterns.
fn date_shape(t: &SqlExpr) -> SqlExpr {
    let sub = |start, len| call1(SqlFunc::Substr(start, len), t.clone());
    let glob = |pattern, e| call1(SqlFunc::Glob(pattern), e);
    let date = SqlExpr::any(vec![
        glob("[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]", sub(1, 10)),
        glob("[0-9][0-9][0-9][0-9]/[0-9][0-9]/[0-9][0-9]", sub(1, 10)),
    ]);
    // A time after the date starts with a valid `HH:MM`, as `Date::parse` wants.
    let time = SqlExpr::any(vec![
        bin(SqlOp::Eq, call1(SqlFunc::Length, t.clone()), int(10)),
        glob("[Tt ][01][0-9]:[0-5][0-9]", sub(11, 6)),
        glob("[Tt ]2[0-3]:[0-5][0-9]", sub(11, 6)),
    ]);
    bin(SqlOp::And, date, time)
}

/// `yyyymmdd` as days since 1970-01-01 when it is a day of the calendar, else NULL
/// (`model::Date::from_ymd`).
fn day_number(p: &SqlExpr) -> SqlExpr {
    let div = |e: SqlExpr, k| call1(SqlFunc::IDiv(k), e);
    let rem = |e: SqlExpr, k| call1(SqlFunc::IMod(k), e);
    let (add, sub, mul) = (
        |a, c| bin(SqlOp::Add, a, c),
        |a, c| bin(SqlOp::Sub, a, c),
        |a, c| bin(SqlOp::Mul, a, c),
    );
    let eq = |a, c| bin(SqlOp::Eq, a, c);
    let y = div(p.clone(), 10_000);
    let m = rem(div(p.clone(), 100), 100);
    let day = rem(p.clone(), 100);
    let leap = bin(
        SqlOp::Or,
        bin(
            SqlOp::And,
            eq(rem(y.clone(), 4), int(0)),
            bin(SqlOp::Ne, rem(y.clone(), 100), int(0)),
        ),
        eq(rem(y.clone(), 400), int(0)),
    );
    let month_days = SqlExpr::case(
        vec![
            (
                eq(m.clone(), int(2)),
                SqlExpr::case(vec![(leap, int(29))], int(28)),
            ),
            (
                m.clone().in_list(vec![int(4), int(6), int(9), int(11)]),
                int(30),
            ),
        ],
        int(31),
    );
    // days_from_civil, shifted by 400 years so every division is of non-negative numbers.
    let early = SqlExpr::case(vec![(bin(SqlOp::Le, m.clone(), int(2)), int(1))], int(0));
    let ys = add(sub(y, early), int(400));
    let mp = SqlExpr::case(
        vec![(bin(SqlOp::Gt, m.clone(), int(2)), sub(m.clone(), int(3)))],
        add(m.clone(), int(9)),
    );
    let doy = sub(
        add(div(add(mul(int(153), mp), int(2)), 5), day.clone()),
        int(1),
    );
    let days = sub(
        add(
            add(
                sub(
                    add(mul(int(365), ys.clone()), div(ys.clone(), 4)),
                    div(ys.clone(), 100),
                ),
                div(ys, 400),
            ),
            doy,
        ),
        int(865_565),
    );
    let valid = SqlExpr::all(vec![
        bin(SqlOp::Ge, m.clone(), int(1)),
        bin(SqlOp::Le, m, int(12)),
        bin(SqlOp::Ge, day.clone(), int(1)),
        bin(SqlOp::Le, day, month_days),
    ]);
    SqlExpr::case(vec![(valid, days)], SqlExpr::Null(SqlType::Integer))
}

/// One common table expression: `SELECT <carried columns>, <columns> FROM <from>`. Other
/// modules add a step as a list of named `SqlExpr` columns (SQL text of their own goes in as
/// `SqlExpr::Raw`, naming the columns it reads).
pub(super) struct Step {
    name: String,
    from: String,
    /// Whether it passes on columns of the step it reads (those a later step reads).
    star: bool,
    /// Its own columns.
    columns: Vec<Col>,
}

/// A step that adds columns to the one before.
pub(super) fn layer(steps: &mut Vec<Step>, name: &str, from: &str, columns: Vec<Col>) {
    steps.push(Step {
        name: name.into(),
        from: from.into(),
        star: true,
        columns,
    });
}

/// The most terms one expression of the query adds. `a + b + c + ...` nests one level per
/// term, and DuckDB refuses an expression nested more than 1,000 deep (a journey of about 1,000
/// touchpoints did); each term nests a few levels of its own.
const SUM_TERMS: usize = 100;

/// Adds the sums of `terms` (one list per journey) as the columns `{column}{journey}` of a step
/// named `name` that reads `from`. A sum of more than `SUM_TERMS` terms is added in steps of
/// at most that many (`sw_sumN_K`: the first K+1 groups), each step carrying on from the one
/// before, so the terms are still added one by one in their order: the engine's sum to the
/// last bit, where a balanced tree would round differently.
pub(super) fn sum_in_steps(
    steps: &mut Vec<Step>,
    from: &str,
    name: &str,
    column: &str,
    terms: &[(usize, Vec<SqlExpr>)],
) {
    let groups = |t: &Vec<SqlExpr>| t.len().div_ceil(SUM_TERMS).max(1);
    let depth = terms.iter().map(|(_, t)| groups(t)).max().unwrap_or(1);
    let mut from = from.to_string();
    for k in 0..depth {
        let last = k + 1 == depth;
        let mut columns = Vec::new();
        for (ji, t) in terms {
            let (ji, n) = (*ji, groups(t));
            // Group `g` of a journey's terms is added in step `g`, except its last group,
            // which waits for the last step, where the sum gets its name.
            let g = if last { n - 1 } else { k };
            if !last && k + 1 >= n {
                continue;
            }
            let before =
                (g > 0).then(|| SqlExpr::col(format!("sw_sum{ji}_{}", g - 1), SqlType::Double));
            let end = if g + 1 == n {
                t.len()
            } else {
                (g + 1) * SUM_TERMS
            };
            let parts: Vec<SqlExpr> = before
                .into_iter()
                .chain(t[g * SUM_TERMS..end].iter().cloned())
                .collect();
            let alias = if last {
                format!("{column}{ji}")
            } else {
                format!("sw_sum{ji}_{k}")
            };
            let sum = if parts.len() == 1 {
                parts.into_iter().next().unwrap_or_else(zero)
            } else {
                SqlExpr::Sum(parts)
            };
            columns.push((alias, sum));
        }
        let step = if last {
            name.to_string()
        } else {
            format!("sw_sum{k}_{name}")
        };
        layer(steps, &step, &from, columns);
        from = step;
    }
}

/// For each step, the columns of the step before that it passes on: only those a later step
/// or the final `SELECT` reads, found from the column references of the trees. Every step
/// stored or carried column costs every engine time per row (PostgreSQL writes each step out;
/// Spark passes each column between its operators), so nothing is carried further than its
/// last reader.
fn carried(steps: &[Step], out: &[Col]) -> Vec<Vec<String>> {
    // Forward: what each step would give if it passed on everything.
    let mut given: Vec<Vec<&str>> = Vec::new();
    for s in steps {
        let mut cols: Vec<&str> = match (s.star, given.last()) {
            (true, Some(before)) => before.clone(),
            _ => Vec::new(),
        };
        cols.extend(s.columns.iter().map(|(name, _)| name.as_str()));
        given.push(cols);
    }
    // Backward: what is read after each step.
    let mut needed: HashSet<&str> = out.iter().flat_map(|(_, e)| e.columns()).collect();
    let mut carried = vec![Vec::new(); steps.len()];
    for (i, s) in steps.iter().enumerate().rev() {
        let own: HashSet<&str> = s.columns.iter().map(|(name, _)| name.as_str()).collect();
        let carry: Vec<&str> = match (s.star, i.checked_sub(1)) {
            (true, Some(before)) => given[before]
                .iter()
                .copied()
                .filter(|c| needed.contains(c) && !own.contains(c))
                .collect(),
            _ => Vec::new(),
        };
        needed = carry.iter().copied().collect();
        for (_, e) in &s.columns {
            needed.extend(e.columns());
        }
        carried[i] = carry.into_iter().map(String::from).collect();
    }
    carried
}

/// A field's missing placeholders as compared: trimmed, lower case, without repeats.
fn placeholders(f: &Field) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for m in &f.missing {
        let key = category_key(m);
        if !key.is_empty() && !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

/// Whether a field's value reads its column's lower case (`sw_l*`).
fn needs_lower(f: &Field) -> bool {
    matches!(
        f.kind,
        FieldKind::Boolean | FieldKind::Category | FieldKind::Text
    ) || !placeholders(f).is_empty()
}

fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

fn scalar_number(s: &Scalar) -> Option<f64> {
    match s {
        Scalar::Int(i) => Some(*i as f64),
        Scalar::Float(f) => Some(*f),
        Scalar::Text(t) => crate::contacts::parse_number(t),
        Scalar::Bool(_) => None,
    }
}

fn scalar_bool(s: &Scalar) -> Option<bool> {
    match s {
        Scalar::Bool(b) => Some(*b),
        other => crate::contacts::parse_bool(&other.to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::parse_model;

    const MODEL: &str = "name: t\nas_of: 2026-11-01\nid_column: Lead ID\nfields:\n  - { id: visits, kind: number, column: \"Visits; \\\"total\\\"\" }\njourneys:\n  - id: j\n    touchpoints:\n      - { id: t, weight: 100, signals: [ { field: visits, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }\n";

    #[test]
    fn quotes_the_table_the_id_and_the_columns() {
        let m = parse_model(MODEL, "t").unwrap();
        let opts = SqlOptions {
            source: Source::Table("analytics.leads".into()),
            ..SqlOptions::new(Dialect::Spark)
        };
        let q = to_sql(&m, &opts).unwrap();
        assert!(
            q.contains("FROM `analytics`.`leads` CROSS JOIN sw_ws"),
            "{q}"
        );
        assert!(q.contains("`Lead ID` AS sw_id"), "{q}");
        assert!(q.contains("CAST(`Visits; \"total\"` AS STRING)"), "{q}");
        assert!(q.contains("sw_id AS `Lead ID`"), "{q}");
        let q = to_sql(&m, &SqlOptions::new(Dialect::Postgres)).unwrap();
        assert!(q.contains("\"Visits; \"\"total\"\"\""), "{q}");
        // One statement: no semicolon outside quotes.
        let outside: String = q.split('"').step_by(2).collect();
        assert!(!outside.contains(';'), "{q}");
    }

    #[test]
    fn duckdb_reads_files_named_as_tables() {
        let s = Source::from_cli(Dialect::DuckDb, "data/it's leads.csv").unwrap();
        assert_eq!(
            s,
            Source::Expression("read_csv('data/it''s leads.csv', all_varchar = true)".into())
        );
        let s = Source::from_cli(Dialect::DuckDb, "x.parquet").unwrap();
        assert_eq!(s, Source::Expression("read_parquet('x.parquet')".into()));
        assert_eq!(
            Source::from_cli(Dialect::Spark, "db.leads").unwrap(),
            Source::Table("db.leads".into())
        );
    }

    #[test]
    fn refuses_what_sql_cannot_say() {
        let broken = parse_model(&MODEL.replace("to: 10", "to: 0"), "t").unwrap();
        let opts = SqlOptions {
            allow_errors: true,
            ..SqlOptions::new(Dialect::DuckDb)
        };
        let e = to_sql(&broken, &opts).unwrap_err();
        assert!(
            e.to_string().contains("scale from 0 to 0 divides by zero"),
            "{e}"
        );
        // Without --allow-errors the check errors come first, named.
        let e = to_sql(&broken, &SqlOptions::new(Dialect::DuckDb)).unwrap_err();
        assert!(
            matches!(&e, ExportError::CheckErrors(v) if v.iter().any(|d| d.contains("scale needs two different numbers"))),
            "{e}"
        );
    }

    #[test]
    fn headers_resolve_columns_as_the_engine_does() {
        let m = parse_model(MODEL, "t").unwrap();
        let headers = vec!["Lead ID".to_string(), " visits; \"TOTAL\" ".to_string()];
        let opts = SqlOptions {
            headers: Some(headers),
            ..SqlOptions::new(Dialect::DuckDb)
        };
        let q = to_sql(&m, &opts).unwrap();
        assert!(
            q.contains("CAST(\" visits; \"\"TOTAL\"\" \" AS VARCHAR)"),
            "{q}"
        );
        let opts = SqlOptions {
            headers: Some(vec!["Lead ID".into()]),
            ..SqlOptions::new(Dialect::DuckDb)
        };
        let q = to_sql(&m, &opts).unwrap();
        assert!(q.contains("CAST(NULL AS VARCHAR) AS sw_c0"), "{q}");
    }

    #[test]
    fn the_reference_date_is_named_only_when_ages_are_counted() {
        // MODEL has an as_of but no recency and no decay: no date is ever read.
        let no_ages = parse_model(&MODEL.replace("as_of: 2026-11-01\n", ""), "t").unwrap();
        let q = to_sql(&no_ages, &SqlOptions::new(Dialect::DuckDb)).unwrap();
        assert!(!q.contains("ages are counted"), "{q}");
        let with_ages = MODEL.replace("as_of: 2026-11-01\n", "").replace(
            "  - { id: visits",
            "  - { id: seen, kind: date }\n  - { id: visits",
        ).replace(
            "rule: { scale: { from: 0, to: 10 } } }",
            "rule: { scale: { from: 0, to: 10 } }, decay: { since: seen, half_life_days: 30 } }",
        );
        let m = parse_model(&with_ages, "t").unwrap();
        let q = to_sql(&m, &SqlOptions::new(Dialect::DuckDb)).unwrap();
        assert!(q.contains("ages are counted from today (UTC)"), "{q}");
    }

    #[test]
    fn duckdb_types_category_cells_by_the_models_own_spellings() {
        let yaml = "name: t\nfields:\n  - { id: src, kind: category, missing: [Select] }\njourneys:\n  - id: j\n    touchpoints:\n      - { id: t, weight: 100, signals: [ { field: src, weight: 100, rule: { match: { Google: 1, \" Direct Traffic \": 0.5 } } } ] }\n    adjustments:\n      - { name: a, when: { any: [ { not: { field: src, in: [Bing, google, Google] } } ] }, points: 5 }\n";
        let m = parse_model(yaml, "t").unwrap();
        let duckdb = SqlOptions::new(Dialect::DuckDb);
        let w = Writer::new(&m, &duckdb).unwrap();
        // Match values first (trimmed), then the conditions' (repeats left out), then the
        // placeholders; "google" stays: it is another spelling of the same key.
        assert_eq!(
            w.spellings(&m.fields[0]),
            ["Google", "Direct Traffic", "Bing", "google", "Select"]
        );
        let q = to_sql(&m, &duckdb).unwrap();
        let value = q
            .lines()
            .find(|l| l.ends_with("AS sw_f0"))
            .unwrap_or_else(|| panic!("{q}"));
        // The column is read as it is (no trim in sw_text, no sw_part step), an empty cell
        // first, each spelling by equality, the placeholder as NULL, then plain ASCII by its
        // lower case, and only the rest trimmed and folded.
        assert!(q.contains("CAST(\"src\" AS VARCHAR) AS sw_c0"), "{q}");
        assert!(!q.contains("sw_part"), "{q}");
        let plain = "WHEN (strlen(sw_c0) = length(sw_c0) AND unicode(sw_c0) > 32 AND unicode(sw_c0[-1]) > 32) THEN NULLIF(lower(sw_c0), 'select') ELSE NULLIF(NULLIF(";
        assert!(
            value.starts_with(
                "    CASE WHEN (sw_c0 IS NULL) THEN CAST(NULL AS VARCHAR) WHEN (sw_c0 = 'Google') THEN 'google' WHEN (sw_c0 = 'Direct Traffic') THEN 'direct traffic' WHEN (sw_c0 = 'Bing') THEN 'bing' WHEN (sw_c0 = 'google') THEN 'google' WHEN (sw_c0 = 'Select') THEN CAST(NULL AS VARCHAR) "
            ) && value.contains(plain)
                && value.ends_with(", ''), 'select') END AS sw_f0"),
            "{value}"
        );
        // The other dialects trim each cell once in sw_text, as before.
        for d in [Dialect::Spark, Dialect::Postgres] {
            let q = to_sql(&m, &SqlOptions::new(d)).unwrap();
            assert!(
                !q.contains("'Google'") && q.contains("AS sw_l0"),
                "{d}: {q}"
            );
        }
    }

    #[test]
    fn each_term_names_its_touchpoint_and_signal() {
        let m = parse_model(MODEL, "t").unwrap();
        for d in Dialect::ALL {
            let q = to_sql(&m, &SqlOptions::new(d)).unwrap();
            assert!(
                q.contains("-- touchpoint 't', signal 'visits'\n      (")
                    && q.contains("AS sw_raw0"),
                "{d}: {q}"
            );
        }
    }
}
