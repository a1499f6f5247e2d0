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
//!
//! For a model with `events:`, `--events FILE` also writes an event log for the same contacts,
//! with rhythms a back-test can find (`generate_events`): event fields then get no column
//! either, and the outcome, when it is an event, is in the log.

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
    /// For a model with `events:`: also write an event log for the contacts, with the
    /// model's column names: bursts of activity before a conversion (the outcome's event
    /// type), fading to silence before churn.
    #[arg(long, value_name = "FILE")]
    pub events: Option<PathBuf>,
    /// With `--events`: the mean number of events per contact over the log's year (each
    /// contact's own rate is skewed around it).
    #[arg(long, value_name = "N", default_value_t = 20.0, requires = "events")]
    pub events_per_contact: f64,
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
    if let Some(events) = &a.events {
        if file.model.contacts.is_none()
            && let Some(o) = &a.output
        {
            return Err(super::unreadable(format!(
                "-o {}: {} names no `contacts:`, so its contacts are those of its log: \
                 --events writes the log alone; leave out -o",
                o.display(),
                a.model.display()
            )));
        }
        if file.model.events.is_none() {
            return Err(super::unreadable(format!(
                "--events {}: {} has no `events:` block, so there is no log to generate",
                events.display(),
                a.model.display()
            )));
        }
        if !(a.events_per_contact > 0.0 && a.events_per_contact <= 10_000.0) {
            return Err(super::unreadable(format!(
                "--events-per-contact {}: give a number of events above 0 and at most 10000",
                a.events_per_contact
            )));
        }
        let mut inputs: Vec<&std::path::Path> = vec![&a.model];
        inputs.extend(a.output.as_deref());
        super::refuse_overwrite(Some(events), &inputs, a.force)?;
        let sink = std::fs::File::create(events)
            .map_err(|e| anyhow::anyhow!("{}: cannot write it: {e}", events.display()))?;
        let n = generate_events(
            &file.model,
            a.count,
            a.seed,
            a.events_per_contact,
            Box::new(sink),
        )?;
        eprintln!(
            "wrote {n} events of {} contacts to {}",
            a.count,
            events.display()
        );
        // A model without `contacts:` reads its contacts from the log: the log is all it needs.
        if file.model.contacts.is_none() {
            return Ok(ExitCode::SUCCESS);
        }
    }
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

/// Account fields read from the contacts' rows (an accounts block without a `file`): per
/// field, its new column's index in `columns` (added there) and one value per account, drawn
/// once as a contact field's would be (from the account model's signals), so that every
/// contact of an account carries the same value, as a CRM's rows mostly do. A column a
/// contact field already writes is left to it.
fn account_field_values(
    model: &Model,
    accounts: &Option<(usize, Vec<f64>)>,
    columns: &mut Vec<String>,
    rng: &mut Rng,
) -> Vec<(usize, Vec<String>)> {
    let (Some(a), Some((_, cumulative))) = (&model.accounts, accounts) else {
        return Vec::new();
    };
    if a.file.is_some() {
        return Vec::new();
    }
    let account_model = a.account_model(model);
    let skip = account_model.fields.len().saturating_sub(a.fields.len());
    let mut cell = String::new();
    let mut out = Vec::new();
    for ((_, g, blanks), f) in plan(&account_model).into_iter().skip(skip).zip(&a.fields) {
        let column = f.column().to_string();
        if columns.contains(&column) {
            continue;
        }
        columns.push(column);
        let values = (0..cumulative.len())
            .map(|_| {
                draw(&g, &blanks, rng, &mut cell);
                cell.clone()
            })
            .collect();
        out.push((columns.len() - 1, values));
    }
    out
}

/// Writes `count` synthetic contacts as CSV.
pub fn generate(model: &Model, count: u64, seed: u64, sink: Box<dyn Write>) -> anyhow::Result<()> {
    let mut rng = Rng::new(seed);
    let mut gens = plan(model);
    share_pools(model, &mut gens);
    // Derived fields are computed from the others when the contacts are scored, never drawn;
    // event fields from the log.
    let gens: Vec<(String, Gen, Blanks)> = gens
        .into_iter()
        .zip(&model.fields)
        .filter(|(_, f)| f.expr.is_none() && f.events.is_none())
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
    let account_fields = account_field_values(model, &accounts, &mut columns, &mut rng);
    // An outcome event is in the log, not a column.
    let outcome = model
        .outcome
        .as_ref()
        .filter(|o| o.event.is_none())
        .map(|o| o.column.clone())
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
                for (idx, values) in &account_fields {
                    table.columns[*idx].push(values.get(k).map_or("", String::as_str));
                }
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

/// The days of history an event log spans before the model's `as_of`.
const HISTORY: i32 = 365;
/// How long a burst before a conversion lasts, and how many times the contact's own rate it
/// runs at.
const BURST_DAYS: i32 = 30;
const BURST: f64 = 4.0;
/// How long a contact's activity fades before it churns (to silence, linearly).
const FADE_DAYS: i32 = 60;

/// What becomes of a generated contact.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fate {
    /// Converts (an outcome event) on this day, after a burst of activity.
    Converts(i32),
    /// Goes silent from this day, its activity fading for `FADE_DAYS` before.
    Churns(i32),
    /// Keeps its own rate to the end of the log.
    Steady,
}

/// A contact's rate of events on `day`: its own rate, times the burst in the `BURST_DAYS`
/// before a conversion, fading to nothing over the `FADE_DAYS` before churn.
fn rate(own: f64, fate: Fate, day: i32) -> f64 {
    match fate {
        Fate::Converts(c) if day < c && day >= c - BURST_DAYS => own * BURST,
        Fate::Churns(z) if day >= z => 0.0,
        Fate::Churns(z) if day >= z - FADE_DAYS => own * f64::from(z - day) / f64::from(FADE_DAYS),
        Fate::Converts(_) | Fate::Churns(_) | Fate::Steady => own,
    }
}

/// A Poisson draw of mean `mean` (Knuth's method: the rates here are a few per day at most).
fn poisson(rng: &mut Rng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    let limit = (-mean).exp();
    let (mut k, mut p) = (0u32, rng.unit());
    while p > limit && k < 1000 {
        k += 1;
        p *= rng.unit();
    }
    k
}

/// How the log's type column writes an event type: its exact text, its pattern with each `*`
/// read as nothing but a space before a following word (`Webinar*` is `Webinar`, `Page*view`
/// is `Page view`), or its id.
fn type_text(t: &crate::model::events::EventType) -> String {
    match (&t.exact, &t.pattern) {
        (Some(e), _) => e.clone(),
        (None, Some(p)) => {
            let parts: Vec<&str> = p.split('*').filter(|s| !s.trim().is_empty()).collect();
            let text = parts.join(" ");
            if text.trim().is_empty() {
                t.id.clone()
            } else {
                text.split_whitespace().collect::<Vec<_>>().join(" ")
            }
        }
        (None, None) => t.id.clone(),
    }
}

/// Writes an event log for `count` contacts (ids `c0000001`... as `generate` writes them),
/// grouped by contact and in time order within each, over `HISTORY` days before `as_of` and
/// the outcome window after it. Each contact starts at a random day of the history with its
/// own rate (skewed, `per_contact` events a year on average); three in ten convert, the more
/// active more often (an event of the outcome's type, after a burst of `BURST` times their rate for `BURST_DAYS`), three in
/// ten churn (fading to silence over `FADE_DAYS`), the rest keep their rate. Activity events
/// take the other declared types in turn at random; a value (an amount) is written for the
/// events of the types a `sum` field or the outcome reads. Returns how many events it wrote.
pub fn generate_events(
    model: &Model,
    count: u64,
    seed: u64,
    per_contact: f64,
    sink: Box<dyn Write>,
) -> anyhow::Result<u64> {
    use crate::model::events::Aggregate;
    let Some(ev) = &model.events else {
        return Ok(0);
    };
    // Its own stream, so the contacts file is the same with or without `--events`.
    let mut rng = Rng::new(seed ^ 0x5EED_E7E7_5EED_E7E7);
    let as_of = model.as_of.unwrap_or_else(Date::today).0;
    let outcome = model.outcome.as_ref().and_then(|o| o.event.clone());
    let window = outcome.as_ref().map_or(90, |(_, w)| w.0 as i32);
    let (start, end) = (as_of - HISTORY, as_of + window);
    let position = |id: &str| ev.types.iter().position(|t| t.id == id);
    let conversion = outcome.as_ref().and_then(|(t, _)| position(t));
    // Activity: every type but the conversion's, or that one when it is all there is.
    let activity: Vec<usize> = (0..ev.types.len())
        .filter(|i| Some(*i) != conversion || ev.types.len() == 1)
        .collect();
    let valued: Vec<bool> = ev
        .types
        .iter()
        .enumerate()
        .map(|(i, t)| {
            Some(i) == conversion
                || model.fields.iter().any(|f| {
                    f.events.as_ref().is_some_and(|s| {
                        s.aggregate == Aggregate::Sum
                            && s.event_type.as_deref().is_none_or(|x| x == t.id)
                    })
                })
        })
        .collect();
    let texts: Vec<String> = ev.types.iter().map(type_text).collect();
    let mut header = vec![ev.contact_column.clone(), ev.time_column.clone()];
    header.extend(ev.type_column.clone());
    header.extend(ev.value_column.clone());
    let mut w = csv::WriterBuilder::new()
        .buffer_capacity(1 << 20)
        .from_writer(sink);
    w.write_record(&header)?;
    let mut written = 0u64;
    let (mut day_text, mut value) = (String::new(), String::new());
    let mut write = |w: &mut csv::Writer<Box<dyn Write>>,
                     id: &str,
                     day: i32,
                     ty: usize,
                     rng: &mut Rng|
     -> anyhow::Result<()> {
        day_text.clear();
        day_text.push_str(&Date(day).to_string());
        value.clear();
        if valued.get(ty).copied().unwrap_or(false) {
            let u = rng.unit();
            value.push_str(&format!("{:.2}", 10.0 + 190.0 * u * u));
        }
        let mut rec: Vec<&str> = vec![id, &day_text];
        if ev.type_column.is_some() {
            rec.push(texts.get(ty).map_or("", String::as_str));
        }
        if ev.value_column.is_some() {
            rec.push(&value);
        }
        w.write_record(&rec)?;
        Ok(())
    };
    for c in 0..count {
        let id = format!("c{:07}", c + 1);
        let first = start + (rng.unit() * f64::from(HISTORY - BURST_DAYS)) as i32;
        let u = rng.unit();
        // Skewed: three times the mean at the top, a trickle at the bottom.
        let own = per_contact / 365.0 * 3.0 * u * u;
        let room = f64::from(end - first - BURST_DAYS);
        // The more active convert more often: from one in ten to one in two, three in ten on
        // average; three in ten churn.
        let converts = 0.1 + 0.4 * u;
        let fate = match rng.unit() {
            f if f < converts && conversion.is_some() => {
                Fate::Converts(first + BURST_DAYS + (rng.unit() * room) as i32)
            }
            f if f >= converts && f < converts + 0.3 => {
                Fate::Churns(first + BURST_DAYS + (rng.unit() * room) as i32)
            }
            _ => Fate::Steady,
        };
        // Every contact has its first event on its first day.
        let pick = |rng: &mut Rng| activity[rng.below(activity.len())];
        let ty = pick(&mut rng);
        write(&mut w, &id, first, ty, &mut rng)?;
        written += 1;
        for day in first + 1..end {
            if let (Fate::Converts(d), Some(t)) = (fate, conversion)
                && d == day
            {
                write(&mut w, &id, day, t, &mut rng)?;
                written += 1;
            }
            for _ in 0..poisson(&mut rng, rate(own, fate, day)) {
                let ty = pick(&mut rng);
                write(&mut w, &id, day, ty, &mut rng)?;
                written += 1;
            }
        }
    }
    w.flush()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_bursts_before_a_conversion_and_fades_before_churn() {
        // Own rate 1: 4 in the 30 days before converting on day 100, 1 otherwise.
        let c = Fate::Converts(100);
        assert_eq!(
            [69, 70, 99, 100, 101].map(|d| rate(1.0, c, d)),
            [1.0, 4.0, 4.0, 1.0, 1.0]
        );
        // Churn on day 100: fading from day 40 (60 days before), half way at day 70, then 0.
        let z = Fate::Churns(100);
        assert_eq!(
            [39, 40, 70, 99, 100, 130].map(|d| rate(1.0, z, d)),
            [1.0, 1.0, 0.5, 1.0 / 60.0, 0.0, 0.0]
        );
        assert_eq!(rate(0.5, Fate::Steady, 100), 0.5);
    }

    #[test]
    fn a_type_is_written_as_its_text_its_pattern_or_its_id() {
        let t = |exact: Option<&str>, pattern: Option<&str>| crate::model::events::EventType {
            id: "web".into(),
            pattern: pattern.map(String::from),
            exact: exact.map(String::from),
        };
        assert_eq!(
            type_text(&t(Some("Webinar attended"), None)),
            "Webinar attended"
        );
        assert_eq!(type_text(&t(None, Some("Webinar*"))), "Webinar");
        assert_eq!(type_text(&t(None, Some("Page*view"))), "Page view");
        assert_eq!(type_text(&t(None, Some("*"))), "web");
        assert_eq!(type_text(&t(None, None)), "web");
        // Each written text matches its own type.
        for x in [
            t(Some("Webinar attended"), None),
            t(None, Some("Webinar*")),
            t(None, Some("Page*view")),
        ] {
            assert!(x.matches(&type_text(&x)), "{x:?}");
        }
    }
}
