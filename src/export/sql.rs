//! A model as one SQL query: the id and every output the engine gives, for every row of a table.
//!
//! The query is a chain of common table expressions, each adding columns to the one before:
//! `sw_ws` (one row: the whitespace characters to trim), `sw_text` (each source column cast to
//! text and trimmed), `sw_part` (what several values read: a column's lower case, a date's
//! digits), `sw_value` (each field typed: number, boolean, day number, or lower-case key; NULL
//! when missing), `sw_decay` (each decay factor, once), `sw_raw` (each journey's weighted sum),
//! `sw_adjusted` (plus adjustments), `sw_score` (clamped), `sw_grade` (grades and tier),
//! `sw_segment` (the first segment that holds), then the outputs under the names of
//! `engine::output_columns`. Internal columns are all named `sw_*` and never collide with the
//! table's, which are only read in the first step. A step with nothing to add is left out, and
//! a step passes on only the columns that a later step reads (`carried`).
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
use crate::contacts::typed::category_key;
use crate::engine::attain::{LogParts, ScaleParts};
use crate::model::check::{self, Severity};
use crate::model::{Compare, Condition, Field, FieldKind, Model, Rule, Scalar, Signal, Touchpoint};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// PostgreSQL raises an error where a double operation underflows to zero (other engines give
/// 0, as Rust does). Its queries take values under this as 0: a score moves by less than 1e-138.
const PG_TINY: f64 = 1e-150;

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
    if model.accounts.is_some() {
        return super::accounts::query(model, opts);
    }
    Writer::new(model, opts)?.query()
}

/// The query of `to_sql`, unchecked, with source columns carried to the output as they are
/// read (trimmed text) under the names `sw_carry0`, `sw_carry1`...: the account a contact
/// belongs to, for `export::accounts`.
pub(crate) fn to_sql_carrying(
    model: &Model,
    opts: &SqlOptions,
    carry: &[String],
) -> Result<String, ExportError> {
    let mut w = Writer::new(model, opts)?;
    w.carry = carry.to_vec();
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

/// The generated SQL is built from pieces that are already quoted and escaped.
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
    /// Today as a SQL integer expression (days since 1970-01-01).
    today: String,
    /// The decay factors the weighted sums use, in the order first asked for; factor `k` is
    /// the `sw_decay` column `sw_k{k}`.
    factors: RefCell<Vec<String>>,
    /// Source columns passed through to the output (`to_sql_carrying`).
    carry: Vec<String>,
}

impl<'a> Writer<'a> {
    fn new(model: &'a Model, opts: &'a SqlOptions) -> Result<Writer<'a>, ExportError> {
        let d = opts.dialect;
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
            Some(date) => date.0.to_string(),
            None => d.today_days(),
        };
        Ok(Writer {
            model,
            opts,
            d,
            fields,
            columns,
            values,
            today,
            factors: RefCell::new(Vec::new()),
            carry: Vec::new(),
        })
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
        let mut cols = vec![format!("{id} AS sw_id")];
        for (i, c) in self.columns.iter().enumerate() {
            let text = match self.resolve(c) {
                Some(name) => {
                    let col = d.ident(name, &format!("column {name:?}"))?;
                    d.trim(&d.to_text(&col), "sw_ws.sw_ws")
                }
                None => d.null_text(),
            };
            cols.push(format!("{text} AS sw_c{i}"));
        }
        for (k, c) in self.carry.iter().enumerate() {
            let text = match self.resolve(c) {
                Some(name) => d.trim(
                    &d.to_text(&d.ident(name, &format!("column {name:?}"))?),
                    "sw_ws.sw_ws",
                ),
                None => d.null_text(),
            };
            cols.push(format!("{text} AS sw_carry{k}"));
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
        let kept = self.kept_fields();
        let mut parts = Vec::new();
        for i in 0..self.columns.len() {
            let on_column = || kept.iter().filter(move |(_, c)| *c == i).map(|(f, _)| f);
            if on_column().any(|f| needs_lower(f)) {
                parts.push(format!("{} AS sw_l{i}", d.lower(&format!("sw_c{i}"))));
            }
            if on_column().any(|f| f.kind == FieldKind::Date) {
                parts.push(format!(
                    "{} AS sw_p{i}",
                    self.date_digits(&format!("sw_c{i}"))
                ));
            }
        }
        let typed_from = if parts.is_empty() {
            "sw_text"
        } else {
            layer(&mut steps, "sw_part", "sw_text", &parts);
            "sw_part"
        };

        // Values: one typed column per field.
        let mut vals = vec!["sw_id".to_string()];
        vals.extend((0..self.carry.len()).map(|k| format!("sw_carry{k}")));
        for (f, i) in &kept {
            let name = &self.values[f.id.as_str()];
            vals.push(format!("{} AS {name}", self.value(f, *i)?));
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
                terms.push(d.float(0.0, "0")?);
            }
            sums.push((ji, terms));
        }
        // The decay factors the sums share, each worked out once per row.
        let factors: Vec<String> = self
            .factors
            .borrow()
            .iter()
            .enumerate()
            .map(|(k, e)| format!("{e} AS sw_k{k}"))
            .collect();
        let summed_from = if factors.is_empty() {
            valued.as_str()
        } else {
            layer(&mut steps, "sw_decay", &valued, &factors);
            "sw_decay"
        };
        let mut scored_from = self.journey_steps(&mut steps, summed_from, "", &sums)?;
        let top = level.iter().copied().max().unwrap_or(0);
        for l in 1..=top {
            let mut sums = Vec::new();
            for (ji, j) in self.model.journeys.iter().enumerate() {
                if level[ji] != l {
                    continue;
                }
                let mut terms = Vec::new();
                for (pi, w) in self.model.parts_of(ji, &order) {
                    let at = format!("journey '{}', part '{}'", j.id, self.model.journeys[pi].id);
                    terms.push(format!("{} * sw_s{pi}", d.float(w, &at)?));
                }
                sums.push((ji, terms));
            }
            scored_from = self.journey_steps(&mut steps, &scored_from, &format!("_c{l}"), &sums)?;
        }

        // Grades and tier: the first band or level the score reaches.
        let mut graded = Vec::new();
        for (gi, g) in self.model.grades.iter().enumerate() {
            let at = format!("grade '{}'", g.id);
            let e = match self.journey_index(&g.journey) {
                Some(ji) if !g.bands.is_empty() => {
                    let mut e = "CASE".to_string();
                    for (label, threshold) in &g.bands {
                        let _ = write!(
                            e,
                            " WHEN sw_s{ji} >= {} THEN {}",
                            d.float(*threshold, &at)?,
                            d.string(label, &at)?
                        );
                    }
                    e.push_str(" END");
                    e
                }
                _ => d.null_text(),
            };
            graded.push(format!("{e} AS sw_g{gi}"));
        }
        let tier_index = match &self.model.tiers {
            Some(t) => match self.journey_index(&t.journey) {
                Some(ji) if !t.levels.is_empty() => {
                    let mut e = "CASE".to_string();
                    for (li, l) in t.levels.iter().enumerate() {
                        let _ = write!(
                            e,
                            " WHEN sw_s{ji} >= {} THEN {li}",
                            d.float(l.at_least, &format!("tier '{}'", l.name))?
                        );
                    }
                    e.push_str(" END");
                    e
                }
                _ => "CAST(NULL AS INTEGER)".into(),
            },
            None => "CAST(NULL AS INTEGER)".into(),
        };
        let tier_index = if d == Dialect::BigQuery {
            tier_index.replace("AS INTEGER", "AS INT64")
        } else {
            tier_index
        };
        graded.push(format!("{tier_index} AS sw_tier"));
        layer(&mut steps, "sw_grade", &scored_from, &graded);

        // Segment: the index of the first that holds.
        let mut seg = "CASE".to_string();
        for (si, s) in self.model.segments.iter().enumerate() {
            let when = match &s.when {
                Some(c) => self.condition(c, true)?,
                None => "TRUE".into(),
            };
            let _ = write!(seg, "\n      WHEN {when} THEN {si}");
        }
        let seg = if self.model.segments.is_empty() {
            if d == Dialect::BigQuery {
                "CAST(NULL AS INT64)".into()
            } else {
                "CAST(NULL AS INTEGER)".into()
            }
        } else {
            seg + "\n    END"
        };
        layer(
            &mut steps,
            "sw_segment",
            "sw_grade",
            &[format!("{seg} AS sw_seg")],
        );

        // The outputs, under the engine's names.
        let names = crate::engine::output_columns(self.model);
        // Scores rounded as `engine::output::shown_score` rounds them, with the same operations.
        let (scale, half) = (
            d.float(crate::engine::output::SCORE_SCALE, "the score's rounding")?,
            d.float(0.5, "the score's rounding")?,
        );
        let mut exprs: Vec<String> = (0..self.model.journeys.len())
            .map(|ji| format!("FLOOR(sw_s{ji} * {scale} + {half}) / {scale}"))
            .collect();
        exprs.extend((0..self.model.grades.len()).map(|gi| format!("sw_g{gi}")));
        exprs.push(self.rating()?);
        let levels = self
            .model
            .tiers
            .as_ref()
            .map(|t| t.levels.as_slice())
            .unwrap_or_default();
        exprs.push(self.pick(
            "sw_tier",
            levels.iter().map(|l| l.name.as_str()),
            "tier name",
        )?);
        exprs.push(self.pick(
            "sw_tier",
            levels.iter().map(|l| l.handover.as_str()),
            "tier handover",
        )?);
        let segs = &self.model.segments;
        exprs.push(self.pick(
            "sw_seg",
            segs.iter().map(|s| s.name.as_str()),
            "segment name",
        )?);
        exprs.push(self.pick(
            "sw_seg",
            segs.iter().map(|s| s.action.as_str()),
            "segment action",
        )?);
        exprs.push(self.pick(
            "sw_seg",
            segs.iter().map(|s| s.route.as_str()),
            "segment route",
        )?);
        let mut out = vec![format!("sw_id AS {id}")];
        for (name, e) in names.iter().zip(exprs) {
            out.push(format!(
                "{e} AS {}",
                d.ident(name, &format!("output column '{name}'"))?
            ));
        }
        out.extend((0..self.carry.len()).map(|k| format!("sw_carry{k} AS sw_carry{k}")));
        let out = out.join(",\n  ");
        let carried = carried(&steps, &out);
        // PostgreSQL: a step whose every column its reader reads at most once can be inlined
        // there without computing anything twice, unless that reader is inlined too.
        let mut inline = vec![false; steps.len()];
        for i in (0..steps.len().saturating_sub(1)).rev() {
            let reader = steps[i + 1].columns.join("\n");
            inline[i] = self.d == Dialect::Postgres
                && !inline[i + 1]
                && steps[i].columns.iter().all(|c| {
                    let name = alias(c);
                    let kept = carried[i + 1].iter().filter(|x| *x == name).count();
                    occurrences(&reader, name) + kept <= 1
                });
        }
        for (i, (step, carry)) in steps.iter().zip(carried).enumerate() {
            let cols: Vec<&str> = carry
                .iter()
                .map(String::as_str)
                .chain(step.columns.iter().map(String::as_str))
                .collect();
            let _ = write!(
                q,
                "{} AS {}(\n  SELECT\n    {}\n  FROM {}\n){}\n",
                step.name,
                if inline[i] {
                    "NOT MATERIALIZED "
                } else {
                    self.materialized()
                },
                cols.join(",\n    "),
                step.from,
                if i + 1 == steps.len() { "" } else { "," }
            );
        }
        let last = steps.last().map_or("sw_text", |s| s.name.as_str());
        let _ = write!(q, "SELECT\n  {out}\nFROM {last}\n");
        Ok(q)
    }

    /// The table's name for a column (`contacts::Table::column_index`): as written when the
    /// headers are unknown; `None` when they are known and lack it.
    fn resolve<'c>(&'c self, column: &'c str) -> Option<&'c str> {
        self.opts.resolve(column)
    }

    /// PostgreSQL inlines a CTE that is read once, copying its expressions into every place
    /// that reads its columns; each step reads the one before several times, so that would
    /// compute the early steps hundreds of times per row. Other engines keep projections.
    fn materialized(&self) -> &'static str {
        if self.d == Dialect::Postgres {
            "MATERIALIZED "
        } else {
            ""
        }
    }

    fn source(&self) -> Result<String, ExportError> {
        match &self.opts.source {
            Source::Expression(e) => Ok(e.clone()),
            Source::Table(name) => {
                let parts: Result<Vec<String>, ExportError> = name
                    .split('.')
                    .map(|p| self.d.ident(p, &format!("table name '{name}'")))
                    .collect();
                Ok(parts?.join("."))
            }
        }
    }

    fn journey_index(&self, id: &str) -> Option<usize> {
        self.model.journeys.iter().position(|j| j.id == id)
    }

    /// A label chosen by index (`CASE i WHEN 0 THEN 'hot' ...`); empty labels are NULL.
    fn pick<'s>(
        &self,
        index: &str,
        labels: impl Iterator<Item = &'s str>,
        what: &str,
    ) -> Result<String, ExportError> {
        let mut e = format!("CASE {index}");
        let mut any = false;
        for (i, l) in labels.enumerate() {
            if !l.is_empty() {
                let _ = write!(
                    e,
                    " WHEN {i} THEN {}",
                    self.d.string(l, &format!("{what} '{l}'"))?
                );
                any = true;
            }
        }
        Ok(if any { e + " END" } else { self.d.null_text() })
    }

    /// The matrix rating: the row grade's label then the column grade's, when both exist.
    fn rating(&self) -> Result<String, ExportError> {
        let Some(m) = &self.model.matrix else {
            return Ok(self.d.null_text());
        };
        let gi = |id: &str| self.model.grades.iter().position(|g| g.id == id);
        let (Some(r), Some(c)) = (gi(&m.rows), gi(&m.columns)) else {
            return Ok(self.d.null_text());
        };
        Ok(format!(
            "CASE WHEN sw_g{r} IS NOT NULL AND sw_g{c} IS NOT NULL THEN {} END",
            self.d.concat(&format!("sw_g{r}"), &format!("sw_g{c}"))
        ))
    }

    /// The derived fields' values (`export::plan`), each in a step after the values it reads:
    /// `sw_derived0` holds those that read only source fields, `sw_derived1` those that read
    /// those, and so on. Returns the last step's name (`sw_value` when there is none).
    fn derived_steps(&self, steps: &mut Vec<Step>) -> Result<String, ExportError> {
        use super::plan::{SqlType, lower_derived};
        use crate::model::expr::Type;
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
                let at = format!("field '{}'", f.id);
                let lowered =
                    lower_derived(e, &column).ok_or_else(|| ExportError::Unsupported {
                        at: at.clone(),
                        message: "the expression reads a field the model does not have".into(),
                    })?;
                let name = &self.values[f.id.as_str()];
                cols.push(format!("{} AS {name}", self.d.render(&lowered, &at)?));
            }
            let step = format!("sw_derived{k}");
            layer(steps, &step, &from, &cols);
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
    fn value(&self, f: &Field, i: usize) -> Result<String, ExportError> {
        let d = self.d;
        let at = format!("field '{}'", f.id);
        let (t, lower) = (format!("sw_c{i}"), format!("sw_l{i}"));
        let placeholders = placeholders(f);
        let mut missing = format!("{t} IS NULL OR {t} = ''");
        if !placeholders.is_empty() {
            let lits: Result<Vec<String>, ExportError> = placeholders
                .iter()
                .map(|p| d.string(p, &format!("{at}: missing placeholder '{p}'")))
                .collect();
            let _ = write!(missing, " OR {lower} IN ({})", lits?.join(", "));
        }
        let parsed = match f.kind {
            FieldKind::Number => d.parse_number(&t)?,
            FieldKind::Boolean => format!(
                "CASE WHEN {lower} IN ('true', 'yes', 'y', '1') THEN TRUE WHEN {lower} IN ('false', 'no', 'n', '0') THEN FALSE END"
            ),
            FieldKind::Date => self.day_number(&format!("sw_p{i}")),
            FieldKind::Category | FieldKind::Text => lower,
        };
        Ok(format!("CASE WHEN {missing} THEN NULL ELSE {parsed} END"))
    }

    /// The date at the start of text `t` as the integer `yyyymmdd`: `YYYY-MM-DD` or
    /// `YYYY/MM/DD`, alone or followed by `T`, `t` or a space, `HH:MM` and anything
    /// (`model::Date::parse`); NULL for any other shape. The month and day are checked later.
    fn date_digits(&self, t: &str) -> String {
        let d = self.d;
        // A time after the date starts with a valid `HH:MM`, as `Date::parse` wants.
        let shape = format!(
            "{} AND (LENGTH({t}) = 10 OR (SUBSTR({t}, 11, 1) IN ('T', 't', ' ') AND {}))",
            d.full_match(
                &format!("SUBSTR({t}, 1, 10)"),
                "[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{4}/[0-9]{2}/[0-9]{2}"
            ),
            d.full_match(
                &format!("SUBSTR({t}, 12, 5)"),
                "[01][0-9]:[0-5][0-9]|2[0-3]:[0-5][0-9]"
            )
        );
        let digits = d.concat(
            &d.concat(&format!("SUBSTR({t}, 1, 4)"), &format!("SUBSTR({t}, 6, 2)")),
            &format!("SUBSTR({t}, 9, 2)"),
        );
        format!("CASE WHEN {shape} THEN {} END", d.digits_to_int(&digits))
    }

    /// `yyyymmdd` as days since 1970-01-01 when it is a day of the calendar, else NULL
    /// (`model::Date::from_ymd`).
    fn day_number(&self, p: &str) -> String {
        let d = self.d;
        let y = d.idiv(p, 10_000);
        let m = d.imod(&d.idiv(p, 100), 100);
        let day = d.imod(p, 100);
        let leap = format!(
            "(({} = 0 AND {} <> 0) OR {} = 0)",
            d.imod(&y, 4),
            d.imod(&y, 100),
            d.imod(&y, 400)
        );
        let month_days = format!(
            "CASE WHEN {m} = 2 THEN CASE WHEN {leap} THEN 29 ELSE 28 END WHEN {m} IN (4, 6, 9, 11) THEN 30 ELSE 31 END"
        );
        // days_from_civil, shifted by 400 years so every division is of non-negative numbers.
        let ys = format!("({y} - CASE WHEN {m} <= 2 THEN 1 ELSE 0 END + 400)");
        let mp = format!("(CASE WHEN {m} > 2 THEN {m} - 3 ELSE {m} + 9 END)");
        let doy = format!("({} + {day} - 1)", d.idiv(&format!("(153 * {mp} + 2)"), 5));
        let days = format!(
            "(365 * {ys} + {} - {} + {} + {doy} - 865565)",
            d.idiv(&ys, 4),
            d.idiv(&ys, 100),
            d.idiv(&ys, 400)
        );
        format!(
            "CASE WHEN {m} BETWEEN 1 AND 12 AND {day} BETWEEN 1 AND ({month_days}) THEN {days} END"
        )
    }

    /// The steps that turn the weighted terms of some journeys (by index) into their scores:
    /// `sw_raw{suffix}` (the sums), `sw_adjusted{suffix}` (plus adjustments, in order) and
    /// `sw_score{suffix}` (clamped). Returns the name of the last step.
    fn journey_steps(
        &self,
        steps: &mut Vec<Step>,
        from: &str,
        suffix: &str,
        sums: &[(usize, Vec<String>)],
    ) -> Result<String, ExportError> {
        let d = self.d;
        let (raw, adj, score) = (
            format!("sw_raw{suffix}"),
            format!("sw_adjusted{suffix}"),
            format!("sw_score{suffix}"),
        );
        sum_in_steps(steps, from, &raw, "sw_raw", sums);
        let mut adjusted = Vec::new();
        for &(ji, _) in sums {
            let j = &self.model.journeys[ji];
            let mut terms = vec![format!("sw_raw{ji}")];
            for a in &j.adjustments {
                let at = format!("journey '{}', adjustment '{}'", j.id, a.name);
                let points = d.float(a.points, &at)?;
                let zero = d.float(0.0, &at)?;
                terms.push(format!(
                    "CASE WHEN {} THEN {points} ELSE {zero} END",
                    self.condition(&a.when, false)?
                ));
            }
            adjusted.push((ji, terms));
        }
        sum_in_steps(steps, &raw, &adj, "sw_adj", &adjusted);
        let (zero, hundred) = (d.float(0.0, "0")?, d.float(100.0, "100")?);
        let scores: Vec<String> = sums
            .iter()
            .map(|&(ji, _)| {
                format!("CASE WHEN sw_adj{ji} < {zero} THEN {zero} WHEN sw_adj{ji} > {hundred} THEN {hundred} ELSE sw_adj{ji} END AS sw_s{ji}")
            })
            .collect();
        layer(steps, &score, &adj, &scores);
        Ok(score)
    }

    /// The weighted terms of a touchpoint, depth first: children, then its own signals.
    fn terms(
        &self,
        t: &Touchpoint,
        share: f64,
        at: &str,
        out: &mut Vec<String>,
    ) -> Result<(), ExportError> {
        for c in &t.touchpoints {
            self.terms(c, share * c.weight.fraction(), at, out)?;
        }
        for s in &t.signals {
            let at = format!("{at}, touchpoint '{}', signal '{}'", t.id, s.field);
            let w = 100.0 * (share * s.weight.fraction());
            out.push(format!(
                "{} * {}",
                self.d.float(w, &at)?,
                self.attainment(s, &at)?
            ));
        }
        Ok(())
    }

    /// A signal's attainment, 0 to 1 (`engine::attain::attainment` and `apply_decay`).
    fn attainment(&self, s: &Signal, at: &str) -> Result<String, ExportError> {
        let d = self.d;
        let f = |v: f64| d.float(v, at);
        let zero = f(0.0)?;
        let field = self.fields.get(s.field.as_str());
        let v = self.values.get(s.field.as_str());
        let kind = field.map(|f| f.kind);
        let base = match (v, kind) {
            (None, _) | (_, None) => zero.clone(),
            (Some(v), Some(kind)) => {
                let rule = self.lower_rule(&s.rule, v, kind, at)?;
                // The signal's own attainment for a missing value, as `attain::signal_column`.
                match s.missing_attainment() {
                    0.0 => rule,
                    m => format!("CASE WHEN {v} IS NULL THEN {} ELSE {rule} END", f(m)?),
                }
            }
        };
        let Some(decay) = &s.decay else {
            return Ok(base);
        };
        let age = match (
            self.fields.get(decay.since.as_str()),
            self.values.get(decay.since.as_str()),
        ) {
            (Some(sf), Some(sv)) => self.age(sv, sf.kind),
            (None, _) | (_, None) => None,
        };
        let Some(age) = age else {
            return Ok(zero);
        };
        // On PostgreSQL a product that rounds to zero raises: an attainment under PG_TINY is
        // taken as 0 before it is multiplied (the decay factor is never below PG_TINY there).
        let base = if self.d == Dialect::Postgres {
            format!(
                "CASE WHEN ({base}) < {} THEN {zero} ELSE ({base}) END",
                f(PG_TINY)?
            )
        } else {
            format!("({base})")
        };
        Ok(format!(
            "{base} * {}",
            self.factor(&age, decay.half_life_days, &format!("{at}: decay"))?
        ))
    }

    /// The SQL lowering of every rule kind over the field's value `v` (`model::rules` has
    /// the rest of each kind's definition, `engine::attain::attainment` its kernel): one arm
    /// per kind, no wildcard, so a new kind does not compile until it has a lowering. A rule
    /// on a field it does not fit gives 0, as in the engine.
    fn lower_rule(
        &self,
        rule: &Rule,
        v: &str,
        kind: FieldKind,
        at: &str,
    ) -> Result<String, ExportError> {
        let d = self.d;
        let f = |v: f64| d.float(v, at);
        let (zero, one) = (f(0.0)?, f(1.0)?);
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
                        format!("{v} - {}", f(p.from)?)
                    } else {
                        format!("{v} * {} - {}", f(p.factor)?, f(p.from)?)
                    };
                    let x = format!("(({num}) / {})", f(p.span)?);
                    // At or past `from` is 0, at or past `to` is 1, whichever way the scale runs.
                    let (past_from, past_to) = if from <= to {
                        ("<=", ">=")
                    } else {
                        (">=", "<=")
                    };
                    let ends = format!(
                        " WHEN {v} {past_from} {} THEN {zero} WHEN {v} {past_to} {} THEN {one}",
                        f(*from)?,
                        f(*to)?
                    );
                    // PostgreSQL raises when a division rounds to zero: below a difference
                    // whose ratio is under PG_TINY, the ratio is taken as 0.
                    let tiny = if self.d == Dialect::Postgres && p.span.abs() >= 1e-10 {
                        format!(
                            " WHEN ABS({num}) < {} THEN {zero}",
                            f(PG_TINY * p.span.abs().max(1.0))?
                        )
                    } else {
                        String::new()
                    };
                    format!(
                        "CASE WHEN {v} IS NULL THEN {zero}{ends}{tiny} WHEN {x} < {zero} THEN {zero} WHEN {x} > {one} THEN {one} ELSE {x} END"
                    )
                }
                K::Category | K::Boolean | K::Date | K::Text => zero,
            },
            Rule::Bands(bands) => match self.age(v, kind) {
                // On a number its value, on a date its age in days.
                Some(x) => {
                    // The last band reached wins, as the engine's loop does.
                    let mut e = format!("CASE WHEN {v} IS NULL THEN {zero}");
                    for b in bands.iter().rev() {
                        let _ = write!(e, " WHEN {x} >= {} THEN {}", f(b.at_least)?, f(b.value)?);
                    }
                    let _ = write!(e, " ELSE {zero} END");
                    e
                }
                None => zero,
            },
            Rule::Match(m) => match kind {
                K::Category | K::Text => {
                    // The first value whose key matches, as the engine's `find` does.
                    let mut seen: Vec<String> = Vec::new();
                    let mut e = format!("CASE WHEN {v} IS NULL THEN {zero}");
                    for (name, a) in &m.values {
                        let key = category_key(name);
                        if seen.contains(&key) {
                            continue;
                        }
                        let _ = write!(
                            e,
                            " WHEN {v} = {} THEN {}",
                            d.string(&key, &format!("{at}: match value '{name}'"))?,
                            f(*a)?
                        );
                        seen.push(key);
                    }
                    let _ = write!(e, " ELSE {} END", f(m.default)?);
                    e
                }
                K::Boolean => {
                    let find = |b: bool| {
                        m.values
                            .iter()
                            .find(|(name, _)| crate::contacts::parse_bool(name) == Some(b))
                            .map(|(_, a)| *a)
                            .unwrap_or(m.default)
                    };
                    format!(
                        "CASE WHEN {v} IS NULL THEN {zero} WHEN {v} THEN {} ELSE {} END",
                        f(find(true))?,
                        f(find(false))?
                    )
                }
                K::Number => {
                    // Compared as numbers, the first listing first, as the engine's `find`.
                    let mut e = format!("CASE WHEN {v} IS NULL THEN {zero}");
                    for (k, a) in m.number_keys() {
                        let _ = write!(e, " WHEN {v} = {} THEN {}", f(k)?, f(a)?);
                    }
                    let _ = write!(e, " ELSE {} END", f(m.default)?);
                    e
                }
                K::Date => zero,
            },
            Rule::Flag => match kind {
                K::Boolean => {
                    format!("CASE WHEN {v} IS NULL THEN {zero} WHEN {v} THEN {one} ELSE {zero} END")
                }
                K::Number | K::Category | K::Date | K::Text => zero,
            },
            Rule::NotFlag => match kind {
                K::Boolean => {
                    format!("CASE WHEN {v} IS NULL THEN {zero} WHEN {v} THEN {zero} ELSE {one} END")
                }
                K::Number | K::Category | K::Date | K::Text => zero,
            },
            Rule::Present => format!("CASE WHEN {v} IS NULL THEN {zero} ELSE {one} END"),
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
                    let x = format!("((LN({v}) - {}) / {})", f(p.ln_from)?, f(p.span)?);
                    let (past_from, past_to) = if from <= to {
                        ("<=", ">=")
                    } else {
                        (">=", "<=")
                    };
                    format!(
                        "CASE WHEN {v} IS NULL THEN {zero} WHEN {v} <= {zero} THEN {zero} WHEN {v} {past_from} {} THEN {zero} WHEN {v} {past_to} {} THEN {one} WHEN {x} < {zero} THEN {zero} WHEN {x} > {one} THEN {one} ELSE {x} END",
                        f(*from)?,
                        f(*to)?
                    )
                }
                K::Category | K::Boolean | K::Date | K::Text => zero,
            },
            Rule::Recency { half_life_days } => match self.age(v, kind) {
                Some(age) => self.factor(&age, *half_life_days, at)?,
                None => zero,
            },
        })
    }

    /// A value's age in days: a date's days before today, a number field's own value (it
    /// holds days, `days_since_last_login`); `None` for the kinds that hold no days.
    fn age(&self, v: &str, kind: FieldKind) -> Option<String> {
        match kind {
            FieldKind::Date => Some(format!("({} - {v})", self.today)),
            FieldKind::Number => Some(v.to_string()),
            FieldKind::Category | FieldKind::Boolean | FieldKind::Text => None,
        }
    }

    /// The `sw_decay` column of the factor for an age in days, 0 where it is missing: every
    /// signal that decays from the same field with the same half-life reads one column.
    fn factor(&self, age: &str, half_life_days: f64, at: &str) -> Result<String, ExportError> {
        let e = format!(
            "CASE WHEN {age} IS NULL THEN {} ELSE {} END",
            self.d.float(0.0, at)?,
            self.half_life(age, half_life_days, at)?
        );
        // PostgreSQL stores every step as a table (`materialized`); one more step costs it
        // more than the few POWER calls it saves, so there each signal writes its factor out.
        if self.d == Dialect::Postgres {
            return Ok(e);
        }
        let mut factors = self.factors.borrow_mut();
        let k = match factors.iter().position(|x| *x == e) {
            Some(k) => k,
            None => {
                factors.push(e);
                factors.len() - 1
            }
        };
        Ok(format!("sw_k{k}"))
    }

    /// 0.5^(age / half_life), 1 for today or later (`engine::attain::half_life`).
    fn half_life(&self, age: &str, half_life_days: f64, at: &str) -> Result<String, ExportError> {
        let d = self.d;
        let exponent = d.int_over_double(age, &d.float(half_life_days, at)?);
        // PostgreSQL raises when POWER underflows; past 2^-498 (under PG_TINY) it is 0 there.
        let cut = if d == Dialect::Postgres {
            format!(
                " WHEN {exponent} > {} THEN {}",
                d.float(498.0, at)?,
                d.float(0.0, at)?
            )
        } else {
            String::new()
        };
        Ok(format!(
            "CASE WHEN {age} <= 0 THEN {}{cut} ELSE {} END",
            d.float(1.0, at)?,
            d.power(&d.float(0.5, at)?, &exponent)
        ))
    }

    /// A condition as a SQL boolean that is never NULL (`engine::condition::mask`).
    fn condition(&self, c: &Condition, scored: bool) -> Result<String, ExportError> {
        let d = self.d;
        if !c.all.is_empty() {
            let parts: Result<Vec<String>, ExportError> =
                c.all.iter().map(|x| self.condition(x, scored)).collect();
            return Ok(format!("({})", parts?.join(" AND ")));
        }
        if !c.any.is_empty() {
            let parts: Result<Vec<String>, ExportError> =
                c.any.iter().map(|x| self.condition(x, scored)).collect();
            return Ok(format!("({})", parts?.join(" OR ")));
        }
        if let Some(n) = &c.not {
            return Ok(format!("(NOT {})", self.condition(n, scored)?));
        }
        if let Some(f) = &c.field {
            return self.field_condition(c, f);
        }
        if !scored {
            return Ok("FALSE".into());
        }
        if let Some(j) = &c.journey {
            let (Some(ji), true) = (self.journey_index(j), c.other_fields().is_empty()) else {
                return Ok("FALSE".into());
            };
            let mut parts = Vec::new();
            if let Some(x) = c.at_least_value() {
                parts.push(format!(
                    "sw_s{ji} >= {}",
                    d.float(x, &format!("condition on journey '{j}'"))?
                ));
            }
            if let Some(x) = c.below_value() {
                parts.push(format!(
                    "sw_s{ji} < {}",
                    d.float(x, &format!("condition on journey '{j}'"))?
                ));
            }
            return Ok(if parts.is_empty() {
                "TRUE".into()
            } else {
                format!("({})", parts.join(" AND "))
            });
        }
        if let Some(g) = &c.grade {
            let Some(gi) = self.model.grades.iter().position(|x| &x.id == g) else {
                return Ok("FALSE".into());
            };
            let eq =
                |s: &Scalar, label: &str| s.to_string().trim().eq_ignore_ascii_case(label.trim());
            let hit: Vec<&String> = self.model.grades[gi]
                .bands
                .keys()
                .filter(|label| {
                    c.equals_value().is_some_and(|s| eq(s, label))
                        || c.one_of
                            .as_ref()
                            .is_some_and(|v| v.iter().any(|s| eq(s, label)))
                })
                .collect();
            return self.label_in(
                &format!("sw_g{gi}"),
                &hit,
                &format!("condition on grade '{g}'"),
            );
        }
        if let Some(t) = &c.tier {
            let Some(tiers) = &self.model.tiers else {
                return Ok("FALSE".into());
            };
            let hit: Vec<usize> = tiers
                .levels
                .iter()
                .enumerate()
                .filter(|(_, l)| t.contains(&l.name))
                .map(|(i, _)| i)
                .collect();
            return Ok(index_in("sw_tier", &hit));
        }
        if let Some(r) = &c.rating {
            let Some(m) = &self.model.matrix else {
                return Ok("FALSE".into());
            };
            let gi = |id: &str| self.model.grades.iter().position(|g| g.id == id);
            let (Some(ri), Some(ci)) = (gi(&m.rows), gi(&m.columns)) else {
                return Ok("FALSE".into());
            };
            let mut cells = Vec::new();
            for rl in self.model.grades[ri].bands.keys() {
                for cl in self.model.grades[ci].bands.keys() {
                    if r.contains(&format!("{rl}{cl}")) {
                        let at = "condition on rating";
                        cells.push(format!(
                            "(sw_g{ri} = {} AND sw_g{ci} = {})",
                            d.string(rl, at)?,
                            d.string(cl, at)?
                        ));
                    }
                }
            }
            return Ok(if cells.is_empty() {
                "FALSE".into()
            } else {
                format!("COALESCE({}, FALSE)", cells.join(" OR "))
            });
        }
        Ok("FALSE".into())
    }

    fn label_in(&self, col: &str, labels: &[&String], at: &str) -> Result<String, ExportError> {
        if labels.is_empty() {
            return Ok("FALSE".into());
        }
        let lits: Result<Vec<String>, ExportError> =
            labels.iter().map(|l| self.d.string(l, at)).collect();
        Ok(format!("COALESCE({col} IN ({}), FALSE)", lits?.join(", ")))
    }

    /// A condition on a field (`engine::condition::field_mask`).
    fn field_condition(&self, c: &Condition, id: &str) -> Result<String, ExportError> {
        let d = self.d;
        let at = format!("condition on field '{id}'");
        let (Some(field), Some(v)) = (self.fields.get(id), self.values.get(id)) else {
            return Ok(if c.present == Some(false) {
                "TRUE".into()
            } else {
                "FALSE".into()
            });
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
            Some(true) => parts.push(format!("{v} IS NOT NULL")),
            Some(false) => parts.push(format!("{v} IS NULL")),
            None => {}
        }
        if has_eq || has_range || c.equals.is_some() {
            parts.push(format!("{v} IS NOT NULL"));
        }
        // Another field (`at_least: { field: b }`): both given, compared on their value
        // columns (dates as day numbers, categories as their folded keys, as the engine does).
        for (op, other) in c.other_fields() {
            let (Some(o), Some(w)) = (self.fields.get(other), self.values.get(other)) else {
                return Ok("FALSE".into());
            };
            let same = o.kind == field.kind
                || [o.kind, field.kind]
                    .iter()
                    .all(|k| matches!(k, FieldKind::Category | FieldKind::Text));
            let sql_op = match (field.kind, op) {
                (_, Compare::Equals) => "=",
                (FieldKind::Number, Compare::AtLeast) => ">=",
                (FieldKind::Number, Compare::Below) => "<",
                // A date at least as old as another is on or before its day.
                (FieldKind::Date, Compare::AtLeast) => "<=",
                (FieldKind::Date, Compare::Below) => ">",
                (FieldKind::Boolean | FieldKind::Category | FieldKind::Text, _) => {
                    return Ok("FALSE".into());
                }
            };
            if !same {
                return Ok("FALSE".into());
            }
            parts.push(format!("{w} IS NOT NULL"));
            parts.push(format!("{v} {sql_op} {w}"));
        }
        let range = |x: &str| -> Result<Vec<String>, ExportError> {
            let mut r = Vec::new();
            if let Some(a) = c.at_least_value() {
                r.push(format!("{x} >= {}", d.float(a, &at)?));
            }
            if let Some(b) = c.below_value() {
                r.push(format!("{x} < {}", d.float(b, &at)?));
            }
            Ok(r)
        };
        match field.kind {
            FieldKind::Number => {
                parts.extend(range(v)?);
                if has_eq {
                    let nums: Vec<f64> = ops.iter().filter_map(|s| scalar_number(s)).collect();
                    parts.push(self.in_list(v, nums.iter().map(|x| d.float(*x, &at)))?);
                }
            }
            FieldKind::Date => {
                let age = format!(
                    "CAST(({} - {v}) AS {})",
                    self.today,
                    if d == Dialect::Postgres {
                        "DOUBLE PRECISION"
                    } else if d == Dialect::BigQuery {
                        "FLOAT64"
                    } else {
                        "DOUBLE"
                    }
                );
                parts.extend(range(&age)?);
                if has_eq {
                    let days: Vec<i32> = ops
                        .iter()
                        .filter_map(|s| crate::model::Date::parse(&s.to_string()).map(|x| x.0))
                        .collect();
                    parts.push(self.in_list(v, days.iter().map(|x| Ok(x.to_string())))?);
                }
            }
            FieldKind::Boolean => {
                if has_range {
                    return Ok("FALSE".into());
                }
                if has_eq {
                    let bools: Vec<bool> = ops.iter().filter_map(|s| scalar_bool(s)).collect();
                    parts.push(match (bools.contains(&true), bools.contains(&false)) {
                        (true, true) => "TRUE".into(),
                        (true, false) => v.to_string(),
                        (false, true) => format!("NOT {v}"),
                        (false, false) => "FALSE".into(),
                    });
                }
            }
            FieldKind::Category | FieldKind::Text => {
                if has_range {
                    return Ok("FALSE".into());
                }
                if has_eq {
                    let keys: Vec<String> =
                        ops.iter().map(|s| category_key(&s.to_string())).collect();
                    parts.push(
                        self.in_list(
                            v,
                            keys.iter()
                                .map(|k| d.string(k, &format!("{at}: value '{k}'"))),
                        )?,
                    );
                }
            }
        }
        Ok(if parts.is_empty() {
            "TRUE".into()
        } else {
            format!("COALESCE({}, FALSE)", parts.join(" AND "))
        })
    }

    fn in_list(
        &self,
        v: &str,
        items: impl Iterator<Item = Result<String, ExportError>>,
    ) -> Result<String, ExportError> {
        let items: Vec<String> = items.collect::<Result<_, _>>()?;
        Ok(if items.is_empty() {
            "FALSE".into()
        } else {
            format!("{v} IN ({})", items.join(", "))
        })
    }
}

/// One common table expression: `SELECT <carried columns>, <columns> FROM <from>`.
struct Step {
    name: String,
    from: String,
    /// Whether it passes on columns of the step it reads (those a later step reads).
    star: bool,
    /// Its own columns, each `expression AS sw_name`.
    columns: Vec<String>,
}

/// A step that adds columns to the one before.
fn layer(steps: &mut Vec<Step>, name: &str, from: &str, columns: &[String]) {
    steps.push(Step {
        name: name.into(),
        from: from.into(),
        star: true,
        columns: columns.to_vec(),
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
fn sum_in_steps(
    steps: &mut Vec<Step>,
    from: &str,
    name: &str,
    column: &str,
    terms: &[(usize, Vec<String>)],
) {
    let groups = |t: &Vec<String>| t.len().div_ceil(SUM_TERMS).max(1);
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
            let before = (g > 0).then(|| format!("sw_sum{ji}_{}", g - 1));
            let end = if g + 1 == n {
                t.len()
            } else {
                (g + 1) * SUM_TERMS
            };
            let parts: Vec<&str> = before
                .iter()
                .map(String::as_str)
                .chain(t[g * SUM_TERMS..end].iter().map(String::as_str))
                .collect();
            let alias = if last {
                format!("{column}{ji}")
            } else {
                format!("sw_sum{ji}_{k}")
            };
            columns.push(format!("{} AS {alias}", parts.join("\n      + ")));
        }
        let step = if last {
            name.to_string()
        } else {
            format!("sw_sum{k}_{name}")
        };
        layer(steps, &step, &from, &columns);
        from = step;
    }
}

/// The name a column of a step is given (`... AS sw_name`).
fn alias(column: &str) -> &str {
    column.rsplit_once(" AS ").map_or(column, |(_, a)| a)
}

/// The `sw_*` names an expression reads (a literal that looks like one only costs a column).
fn references(e: &str) -> HashSet<&str> {
    let b = e.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut found = HashSet::new();
    let mut i = 0;
    while let Some(at) = e[i..].find("sw_") {
        let start = i + at;
        let mut end = start + 3;
        while end < b.len() && word(b[end]) {
            end += 1;
        }
        if start == 0 || !word(b[start - 1]) {
            found.insert(&e[start..end]);
        }
        i = end;
    }
    found
}

/// How many times an expression reads the `sw_*` name `name`.
fn occurrences(e: &str, name: &str) -> usize {
    let b = e.as_bytes();
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    e.match_indices(name)
        .filter(|(at, _)| {
            let end = at + name.len();
            (*at == 0 || !word(b[at - 1])) && (end == b.len() || !word(b[end]))
        })
        .count()
}

/// For each step, the columns of the step before that it passes on: only those a later step
/// or the final `SELECT` reads. Every step stored or carried column costs every engine time
/// per row (PostgreSQL writes each step out; Spark passes each column between its operators),
/// so nothing is carried further than its last reader.
fn carried(steps: &[Step], out: &str) -> Vec<Vec<String>> {
    // Forward: what each step would give if it passed on everything.
    let mut given: Vec<Vec<&str>> = Vec::new();
    for s in steps {
        let mut cols: Vec<&str> = match (s.star, given.last()) {
            (true, Some(before)) => before.clone(),
            _ => Vec::new(),
        };
        cols.extend(s.columns.iter().map(|c| alias(c)));
        given.push(cols);
    }
    // Backward: what is read after each step.
    let mut needed = references(out);
    let mut carried = vec![Vec::new(); steps.len()];
    for (i, s) in steps.iter().enumerate().rev() {
        let own: HashSet<&str> = s.columns.iter().map(|c| alias(c)).collect();
        let carry: Vec<&str> = match (s.star, i.checked_sub(1)) {
            (true, Some(before)) => given[before]
                .iter()
                .copied()
                .filter(|c| needed.contains(c) && !own.contains(c))
                .collect(),
            _ => Vec::new(),
        };
        needed = carry.iter().copied().collect();
        for c in &s.columns {
            needed.extend(references(c));
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

fn index_in(col: &str, hit: &[usize]) -> String {
    if hit.is_empty() {
        return "FALSE".into();
    }
    let list: Vec<String> = hit.iter().map(usize::to_string).collect();
    format!("COALESCE({col} IN ({}), FALSE)", list.join(", "))
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
}
