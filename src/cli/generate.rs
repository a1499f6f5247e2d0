//! `scorewright generate`: synthetic contacts that fit a model's fields, for workshops without
//! data and for benchmarks.
//!
//! Each field's values spread over what its rules read (a `scale` from 0 to 10 gives values
//! from a little below 0 to a little above 10; a `match` gives its listed values and others),
//! with blanks at a rate per field (`blank_rate`): a few percent for what systems fill in,
//! more for what people skip, and enough for a signal that scores "no answer" to be
//! exercised; a third of a category's or text's blanks are its first `missing` placeholder
//! (`Select`), as CRM exports write them. With the model's `outcome` column named, an outcome is drawn with a
//! probability that rises with the tier journey's score, so back-tests have something to find.
//! Derived fields get no column: they are computed from the fields they read.

use crate::model::{Date, FieldKind, Model, RuleKind, Signal};
use crate::rng::Rng;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model whose fields to fill.
    pub model: PathBuf,
    /// How many contacts.
    #[arg(short = 'n', long, default_value_t = 1000)]
    pub count: u64,
    /// Where to write the CSV (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Seed for the random numbers: the same seed gives the same file.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long)]
    pub force: bool,
}

/// How one field's values are drawn.
enum Gen {
    Number { lo: f64, hi: f64, integer: bool },
    Pick(Vec<String>),
    Bool(f64),
    Date { today: i32, span: i32 },
}

/// How a field's missing cells are drawn: how often, and the placeholder that writes some.
struct Blanks {
    rate: f64,
    placeholder: Option<String>,
}

/// How often a field's cell is blank, as real exports have them: a few percent for what a
/// system fills in (flags, numbers, dates), more for what a person may skip (a category, and
/// most for free text such as a job title), and at least one in five for a field a signal
/// scores "no answer" for (`present`, or a `missing` attainment), so that the data exercise it.
fn blank_rate(kind: FieldKind, signals: &[&Signal]) -> f64 {
    let base: f64 = match kind {
        FieldKind::Boolean => 0.02,
        FieldKind::Number => 0.03,
        FieldKind::Date => 0.05,
        FieldKind::Category => 0.08,
        FieldKind::Text => 0.25,
    };
    let scores_no_answer = signals.iter().any(|s| {
        s.rule.kind() == RuleKind::Present || s.missing.or(s.rule.missing_entry()).is_some()
    });
    if scores_no_answer {
        base.max(0.2)
    } else {
        base
    }
}

fn plan(model: &Model) -> Vec<(String, Gen, Blanks)> {
    let today = model.as_of.unwrap_or_else(Date::today).0;
    let signals_of = |id: &str| -> Vec<&Signal> {
        let mut out = Vec::new();
        fn walk<'a>(t: &'a crate::model::Touchpoint, id: &str, out: &mut Vec<&'a Signal>) {
            out.extend(t.signals.iter().filter(|s| s.field == id));
            for c in &t.touchpoints {
                walk(c, id, out);
            }
        }
        for j in &model.journeys {
            for t in &j.touchpoints {
                walk(t, id, &mut out);
            }
        }
        out
    };
    model
        .fields
        .iter()
        .map(|f| {
            let signals = signals_of(&f.id);
            let rules: Vec<_> = signals.iter().map(|s| &s.rule).collect();
            let g = match f.kind {
                FieldKind::Number => {
                    let (mut lo, mut hi) = (0.0f64, 0.0f64);
                    for (a, b) in rules.iter().filter_map(|r| r.number_span()) {
                        lo = lo.min(a);
                        hi = hi.max(b);
                    }
                    if hi <= lo {
                        hi = lo + 100.0;
                    }
                    let pad = (hi - lo) * 0.25;
                    let integer = hi - lo >= 5.0;
                    Gen::Number {
                        lo: lo.max(0.0),
                        hi: hi + pad,
                        integer,
                    }
                }
                FieldKind::Boolean => Gen::Bool(0.3),
                FieldKind::Date => Gen::Date { today, span: 365 },
                FieldKind::Category | FieldKind::Text => {
                    let mut values: Vec<String> = Vec::new();
                    for r in &rules {
                        values.extend(r.listed_values());
                    }
                    if values.is_empty() {
                        values = (1..=5).map(|i| format!("{} {i}", f.id)).collect();
                    }
                    values.push("Other".into());
                    Gen::Pick(values)
                }
            };
            // Placeholders in the text columns only, where forms write them (`Select`): a
            // number or date column stays a column of numbers or dates to the readers that
            // infer its type (DuckDB's and Polars' CSV readers in the benchmark peers).
            let placeholder = match f.kind {
                FieldKind::Category | FieldKind::Text => f.missing.first().cloned(),
                FieldKind::Number | FieldKind::Boolean | FieldKind::Date => None,
            };
            let blanks = Blanks {
                rate: blank_rate(f.kind, &signals),
                placeholder,
            };
            (f.column().to_string(), g, blanks)
        })
        .collect()
}

/// Category and text fields that a condition tests for equality with each other draw from one
/// pool (`{ field: plan, equals: { field: old_plan } }`), so the test holds for some contacts.
/// `gens` is in the order of the model's fields.
fn share_pools(model: &Model, gens: &mut [(String, Gen, Blanks)]) {
    let conditions = model
        .journeys
        .iter()
        .flat_map(|j| j.adjustments.iter().map(|a| &a.when))
        .chain(model.segments.iter().filter_map(|s| s.when.as_ref()));
    let at = |id: &str| model.fields.iter().position(|f| f.id == id);
    for c in conditions {
        for (a, _, b) in c.field_pairs() {
            let (Some(i), Some(k)) = (at(a), at(b)) else {
                continue;
            };
            let (Gen::Pick(x), Gen::Pick(y)) = (&gens[i].1, &gens[k].1) else {
                continue;
            };
            let mut pool = x.clone();
            pool.extend(y.iter().filter(|v| !x.contains(v)).cloned());
            gens[i].1 = Gen::Pick(pool.clone());
            gens[k].1 = Gen::Pick(pool);
        }
    }
}

fn draw(g: &Gen, blanks: &Blanks, rng: &mut Rng, out: &mut String) {
    out.clear();
    if rng.unit() < blanks.rate {
        // A blank, as real exports have, or the placeholder the field lists for one.
        if let Some(p) = &blanks.placeholder
            && rng.unit() < 1.0 / 3.0
        {
            out.push_str(p);
        }
        return;
    }
    match g {
        Gen::Number { lo, hi, integer } => {
            // Skewed towards low values, as engagement counts are.
            let u = rng.unit();
            let v = lo + (hi - lo) * u * u;
            if *integer {
                out.push_str(&format!("{}", v.round() as i64));
            } else {
                out.push_str(&format!("{:.2}", v));
            }
        }
        Gen::Pick(values) => out.push_str(&values[rng.below(values.len())]),
        Gen::Bool(p) => out.push_str(if rng.unit() < *p { "yes" } else { "no" }),
        Gen::Date { today, span } => {
            let u = rng.unit();
            let age = (u * u * *span as f64) as i32;
            out.push_str(&Date(today - age).to_string());
        }
    }
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let file = crate::model::read_model(&a.model).map_err(super::unreadable)?;
    super::refuse_overwrite(a.output.as_deref(), &[&a.model], a.force)?;
    let sink: Box<dyn Write> = match &a.output {
        Some(p) => Box::new(
            std::fs::File::create(p)
                .map_err(|e| anyhow::anyhow!("{}: cannot write it: {e}", p.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    generate(&file.model, a.count, a.seed, sink)?;
    if let Some(p) = &a.output {
        eprintln!("wrote {} contacts to {}", a.count, p.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The cumulative weights of `n` accounts: each a Pareto draw (shape 1.1, from 1) capped at
/// 30, so that with ten contacts per account on average most accounts have a few contacts and
/// a few have dozens, as in a real CRM (many small customers, some large ones).
fn account_weights(rng: &mut Rng, n: u64) -> Vec<f64> {
    let mut sum = 0.0;
    (0..n)
        .map(|_| {
            let u = 1.0 - rng.unit();
            sum += u.powf(-1.0 / 1.1).min(30.0);
            sum
        })
        .collect()
}

/// Writes `count` synthetic contacts as CSV.
pub fn generate(model: &Model, count: u64, seed: u64, sink: Box<dyn Write>) -> anyhow::Result<()> {
    let mut rng = Rng::new(seed);
    let mut gens = plan(model);
    share_pools(model, &mut gens);
    // Derived fields are computed from the others when the contacts are scored, never drawn.
    let gens: Vec<(String, Gen, Blanks)> = gens
        .into_iter()
        .zip(&model.fields)
        .filter(|(_, f)| f.expr.is_none())
        .map(|(g, _)| g)
        .collect();
    let id = model.id_column.clone().unwrap_or_else(|| "id".into());
    let mut columns: Vec<String> = vec![id.clone()];
    for (c, ..) in &gens {
        if !columns.contains(c) {
            columns.push(c.clone());
        }
    }
    // Accounts: one for every ten contacts, of skewed sizes (`account_weights`).
    let accounts = model.accounts.as_ref().map(|a| {
        if !columns.contains(&a.id_column) {
            columns.push(a.id_column.clone());
        }
        let at = columns.iter().position(|c| c == &a.id_column).unwrap_or(0);
        (at, account_weights(&mut rng, count.div_ceil(10).max(1)))
    });
    let outcome = model
        .outcome_column()
        .map(String::from)
        .filter(|o| !columns.contains(o));
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1 << 20)
        .from_writer(sink);
    let mut header = columns.clone();
    if let Some(o) = &outcome {
        header.push(o.clone());
    }
    w.write_record(&header)?;
    let chunk = 50_000u64;
    let mut done = 0u64;
    let mut cell = String::new();
    while done < count {
        let n = chunk.min(count - done) as usize;
        let mut table = crate::contacts::Table {
            source: "generated".into(),
            headers: columns.clone(),
            ..Default::default()
        };
        table.columns = columns
            .iter()
            .map(|_| crate::contacts::TextColumn::with_capacity(n, n * 8))
            .collect();
        for i in 0..n {
            table.columns[0].push(&format!("c{:07}", done + i as u64 + 1));
            for (k, (col, g, blanks)) in gens.iter().enumerate() {
                let idx = columns.iter().position(|c| c == col).unwrap_or(k + 1);
                if idx == 0 || accounts.as_ref().is_some_and(|(at, _)| *at == idx) {
                    continue;
                }
                draw(g, blanks, &mut rng, &mut cell);
                table.columns[idx].push(&cell);
            }
            if let Some((at, cumulative)) = &accounts {
                let total = cumulative.last().copied().unwrap_or(1.0);
                let u = rng.unit() * total;
                let k = cumulative.partition_point(|&c| c <= u);
                table.columns[*at].push(&format!("A{:06}", k + 1));
            }
            table.lines.push(done + i as u64 + 2);
        }
        let outcomes: Option<Vec<bool>> = outcome.as_ref().map(|_| {
            let scored = crate::engine::score_table(model, &table);
            let ji = model
                .tiers
                .as_ref()
                .and_then(|t| model.journeys.iter().position(|j| j.id == t.journey))
                .unwrap_or(0);
            (0..n)
                .map(|i| {
                    let s = scored.scores.get(ji).map(|c| c[i]).unwrap_or(0.0) / 100.0;
                    rng.unit() < 0.03 + 0.8 * s * s
                })
                .collect()
        });
        let mut rec: Vec<&str> = Vec::with_capacity(header.len());
        for i in 0..n {
            rec.clear();
            rec.extend(table.columns.iter().map(|c| c.get(i)));
            if let Some(o) = &outcomes {
                rec.push(if o[i] { "1" } else { "0" });
            }
            w.write_record(&rec)?;
        }
        done += n as u64;
    }
    w.flush()?;
    Ok(())
}
