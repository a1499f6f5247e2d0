//! `scorewright backtest`: how the model would have sorted contacts whose outcome is known.

use crate::export::Format;
use crate::export::backtest::{CapacityAsk, backtest, backtest_with_capacity, render};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// Contacts with a historical outcome (default: the model's `contacts`, else, for a model
    /// with `events:`, the contacts the event log names).
    pub contacts: Option<PathBuf>,
    /// The outcome column: 0/1, yes/no, true/false (default: the model's `outcome`).
    #[arg(long, conflicts_with = "every")]
    pub outcome: Option<String>,
    /// The rolling back-test: as of a date every this many days (`30d`, `4w`), each date as
    /// `--as-of` it would give, then when each contact was first routed to each tier against
    /// when it converted. Needs an outcome event (`outcome: { event: TYPE, within: 90d }`).
    #[arg(long, value_name = "DAYS", value_parser = crate::model::events::Days::parse,
          conflicts_with_all = ["as_of", "capacity", "min_auc"])]
    pub every: Option<crate::model::events::Days>,
    /// The first date of `--every` (default: the log's first event plus one step).
    #[arg(long, value_name = "DATE", requires = "every", value_parser = super::events::parse_as_of)]
    pub from: Option<crate::model::Date>,
    /// The last date of `--every` (default: the last date whose outcome window the log
    /// covers, its last event minus the window).
    #[arg(long, value_name = "DATE", requires = "every", value_parser = super::events::parse_as_of)]
    pub to: Option<crate::model::Date>,
    /// Back-test as of this date (YYYY-MM-DD): the scores read only events before it, and an
    /// outcome read from the events is what happened on or after it.
    #[arg(long, value_name = "DATE", value_parser = super::events::parse_as_of)]
    pub as_of: Option<crate::model::Date>,
    /// The window after `--as-of` in which the model's outcome event counts (`90d`, `13w`),
    /// instead of the model's `outcome.within`.
    #[arg(long, value_name = "DAYS", value_parser = crate::model::events::Days::parse)]
    pub window: Option<crate::model::events::Days>,
    /// text, json or csv.
    #[arg(long, default_value = "text")]
    pub format: Format,
    /// Exit 1 when the AUC falls below this (0 to 1), for CI: a pull request that makes the
    /// model rank worse on the held data fails.
    #[arg(long, value_name = "AUC")]
    pub min_auc: Option<f64>,
    /// The journey `--min-auc` is about (default: the tiers' journey, else the first). For a
    /// model with accounts, an account journey's id (or `accounts.ID` when a contact journey
    /// has the same id) holds the account level to it.
    #[arg(long, value_name = "ID")]
    pub journey: Option<String>,
    /// For a model with accounts: the column of the contacts' rows that holds each account's
    /// own outcome (one value per account), instead of "the account converted when any of
    /// its contacts did".
    #[arg(long, value_name = "COLUMN", conflicts_with = "every")]
    pub account_outcome: Option<String>,
    /// How many contacts sales can take per period: proposes the threshold that hands over
    /// about that many (with `--per` and `--date`, or `--per-file`).
    #[arg(long)]
    pub capacity: Option<usize>,
    /// The period of the capacity: day, week or month, counted over the `--date` column.
    #[arg(
        long,
        requires = "capacity",
        requires = "date",
        conflicts_with = "per_file"
    )]
    pub per: Option<String>,
    /// The date column that places each contact in a period.
    #[arg(long, requires = "per")]
    pub date: Option<String>,
    /// The capacity is for the whole file's contacts at once.
    #[arg(long, requires = "capacity")]
    pub per_file: bool,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let mut file = crate::model::read_model(&a.model).map_err(super::unreadable)?;
    super::events::apply_as_of(&mut file.model, a.as_of);
    if let Some(w) = a.window {
        match file.model.outcome.as_mut() {
            Some(o) if o.event.is_some() => {
                if let Some((event, within)) = o.event.as_mut() {
                    *within = w;
                    o.column = format!("{event} within {w}");
                }
            }
            _ => {
                eprintln!(
                    "--window {w}: the model's outcome is not an event; set \
                     `outcome: {{ event: TYPE, within: {w} }}` in the model"
                );
                return Ok(ExitCode::from(2));
            }
        }
    }
    if a.account_outcome.is_some() && file.model.accounts.is_none() {
        eprintln!(
            "{}: --account-outcome needs an accounts: block in the model (see the README's Accounts)",
            a.model.display()
        );
        return Ok(ExitCode::from(2));
    }
    if a.every.is_some() {
        super::contacts_only(&a.model, &file.model, "backtest --every");
    }
    let Some(column) = a
        .outcome
        .clone()
        .or_else(|| file.model.outcome_column().map(String::from))
    else {
        eprintln!("no outcome column: pass --outcome COLUMN (or set `outcome` in the model)");
        return Ok(ExitCode::from(2));
    };
    if let Some(every) = a.every {
        return rolling(&a, &file, &column, every);
    }
    let (table, _) = super::events::load(&file, a.contacts.as_deref())?;
    let plan = crate::engine::accounts::Plan::for_file(&file.model, Some(&file.path))
        .map_err(super::unreadable)?;
    if plan
        .as_ref()
        .is_some_and(|p| lacks_account_column(p, &table))
    {
        return Ok(ExitCode::from(2));
    }
    // Without --capacity, the hottest tier's own `capacity:`, if it has one.
    let of_tier = file
        .model
        .tiers
        .iter()
        .flat_map(|t| &t.levels)
        .find_map(|l| l.capacity.as_ref());
    let ask = match (a.capacity, &a.per, &a.date, a.per_file) {
        (None, ..) => match of_tier.map(|cap| {
            CapacityAsk::of_tier(
                &table,
                &mut crate::export::backtest::DateSpans::default(),
                cap,
            )
        }) {
            None => None,
            Some(Ok(ask)) => Some(ask),
            Some(Err(e)) => {
                eprintln!("{}: the tier's capacity: {e}", a.model.display());
                return Ok(ExitCode::from(2));
            }
        },
        (Some(c), Some(per), Some(date), false) => {
            match CapacityAsk::from_dates(&table, date, per, c) {
                Ok(ask) => Some(ask),
                Err(e) => {
                    eprintln!("{e}");
                    return Ok(ExitCode::from(2));
                }
            }
        }
        (Some(c), None, None, true) => Some(CapacityAsk::per_file(c)),
        (Some(_), ..) => {
            eprintln!(
                "--capacity needs its period: --per day|week|month with --date COLUMN, or --per-file"
            );
            return Ok(ExitCode::from(2));
        }
    };
    let result = match &ask {
        Some(ask) => backtest_with_capacity(&file.model, &table, &column, ask),
        None => backtest(&file.model, &table, &column),
    };
    match result {
        Ok(mut b) => {
            if let Some(plan) = &plan {
                match account_level(&a, &file.model, plan, &table, &column) {
                    Ok(Some(ab)) => b.accounts = Some(Box::new(ab)),
                    Ok(None) => {}
                    Err(code) => return Ok(code),
                }
            }
            super::say(render(&b, a.format).trim_end())?;
            match a.min_auc {
                Some(min) => min_auc(&b, a.journey.as_deref(), min, &a.model),
                None => Ok(ExitCode::SUCCESS),
            }
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::from(2))
        }
    }
}

/// Whether the contacts lack the column that names each contact's account, or the column an
/// account field voted from the contacts' rows reads (said on stderr): the account level cannot
/// be read without it.
pub(super) fn lacks_account_column(
    plan: &crate::engine::accounts::Plan,
    table: &crate::contacts::Table,
) -> bool {
    let lacks = table.column(&plan.accounts.id_column).is_none();
    if lacks {
        eprintln!(
            "{}: has no column '{}', which the model's accounts.id_column names: add the \
             column, or name the one that holds each contact's account",
            table.source, plan.accounts.id_column
        );
        return true;
    }
    // An account field voted from the contacts' rows whose column is not there, refused as
    // `score` refuses it.
    match super::score_accounts::missing_field_column(plan, &table.headers) {
        Some(why) => {
            eprintln!("{}: {why}", table.source);
            true
        }
        None => false,
    }
}

/// The account level's back-test; `None` (said on stderr) when its outcome has one class
/// only, so that the contacts' back-test is still given; an exit code for bad input.
fn account_level(
    a: &Args,
    model: &crate::model::Model,
    plan: &crate::engine::accounts::Plan,
    table: &crate::contacts::Table,
    column: &str,
) -> Result<Option<crate::export::backtest::accounts::AccountBacktest>, ExitCode> {
    use crate::export::backtest::BacktestError;
    use crate::export::backtest::accounts::{AccountOutcome, account_backtest};
    let outcome = crate::export::backtest::read_outcome(table, column).map_err(|e| {
        // The contacts' back-test read it already; said all the same.
        eprintln!("{e}");
        ExitCode::from(2)
    })?;
    let how = match &a.account_outcome {
        Some(c) => AccountOutcome::Column(c),
        None => AccountOutcome::AnyContact,
    };
    match account_backtest(model, plan, table, &outcome, how) {
        Ok(ab) => Ok(Some(ab)),
        Err(e @ BacktestError::OneClass { .. }) => {
            eprintln!("note: {e}; the account level is left out of the back-test");
            Ok(None)
        }
        Err(e) => {
            eprintln!("{e}");
            Err(ExitCode::from(2))
        }
    }
}

/// Exit 1, saying so, when the journey's AUC is below `min` or cannot be measured.
fn min_auc(
    b: &crate::export::backtest::Backtest,
    journey: Option<&str>,
    min: f64,
    model: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    if !(0.0..=1.0).contains(&min) {
        eprintln!("--min-auc {min}: an AUC is between 0 and 1 (try 0.85)");
        return Ok(ExitCode::from(2));
    }
    let id = journey.or(b.tier_journey.as_deref());
    let accounts: &[crate::export::backtest::JourneyBacktest] = match &b.accounts {
        Some(a) => &a.backtest.journeys,
        None => &[],
    };
    let in_accounts = |id: &str| accounts.iter().find(|j| j.id == id);
    // A contact journey first; an account journey by its id, or `accounts.ID` to be plain.
    let found = match id {
        Some(id) => match id.strip_prefix("accounts.").and_then(in_accounts) {
            Some(j) => Some(("account journey", j)),
            None => b
                .journeys
                .iter()
                .find(|j| j.id == id)
                .map(|j| ("journey", j))
                .or_else(|| in_accounts(id).map(|j| ("account journey", j))),
        },
        None => b.journeys.first().map(|j| ("journey", j)),
    };
    let Some((what, j)) = found else {
        let known: Vec<String> = b
            .journeys
            .iter()
            .map(|j| j.id.clone())
            .chain(accounts.iter().map(|j| format!("accounts.{}", j.id)))
            .collect();
        eprintln!(
            "{}: no journey '{}' to hold to --min-auc (journeys: {})",
            model.display(),
            id.unwrap_or(""),
            known.join(", ")
        );
        return Ok(ExitCode::from(2));
    };
    match j.auc {
        Some(auc) if auc >= min => {
            eprintln!("{what} '{}': AUC {auc:.4}, at least {min}", j.id);
            Ok(ExitCode::SUCCESS)
        }
        Some(auc) => {
            eprintln!(
                "{}: {what} '{}': AUC {auc:.4} is below --min-auc {min}",
                model.display(),
                j.id
            );
            Ok(ExitCode::from(1))
        }
        None => {
            eprintln!(
                "{}: {what} '{}': no AUC (the outcome has one class only), so it is not at least {min}",
                model.display(),
                j.id
            );
            Ok(ExitCode::from(1))
        }
    }
}

/// `backtest --every DAYS`: the back-test as of each date from `--from` to `--to`, the log read
/// afresh as of each (so that no date sees its future), then the timeliness of routings.
fn rolling(
    a: &Args,
    file: &crate::model::ModelFile,
    column: &str,
    every: crate::model::events::Days,
) -> anyhow::Result<ExitCode> {
    use crate::export::backtest::{BacktestError, backtest_scored};
    use crate::export::rolling::{self, Rolling, RollingRow, Tracker};
    use crate::model::Date;
    let Some((event, within)) = file.model.outcome.as_ref().and_then(|o| o.event.clone()) else {
        eprintln!(
            "--every {every}: the model's outcome is not an event; the rolling back-test reads \
             the outcome from the log after each date: set `outcome: {{ event: TYPE, within: \
             90d }}` in the model"
        );
        return Ok(ExitCode::from(2));
    };
    let span = crate::engine::events::span(&file.model, &file.path).map_err(super::unreadable)?;
    let Some((first, last, log)) =
        span.and_then(|r| Some((r.first_day?, r.last_day?, r.file.clone())))
    else {
        eprintln!(
            "{}: the event log holds no event with a contact and a date: no date to back-test",
            a.model.display()
        );
        return Ok(ExitCode::from(2));
    };
    let days = |d: Date, n: u32| Date(d.0 + n as i32);
    let from = a.from.unwrap_or(days(first, every.0));
    // The last date whose window ends within the log: as of it, outcome events up to
    // `to + within - 1` count, the log's last day.
    let to = a.to.unwrap_or(Date(last.0 + 1 - within.0 as i32));
    let dates = rolling::dates(from, to, every.0);
    if dates.is_empty() {
        eprintln!(
            "no date to back-test: {from} is after {to} (the log {log} runs from {first} to \
             {last}; each date needs {within} after it): pass --from and --to, or a shorter \
             --window"
        );
        return Ok(ExitCode::from(2));
    }
    if let Some(d) = dates.iter().find(|d| d.0 + within.0 as i32 > last.0 + 1) {
        eprintln!(
            "note: as of {d} and later, the window of {within} runs past the log's last event \
             ({last}): the outcomes of those dates are cut short"
        );
    }
    let journey = a
        .journey
        .clone()
        .or_else(|| file.model.tiers.as_ref().map(|t| t.journey.clone()))
        .or_else(|| file.model.journeys.first().map(|j| j.id.clone()));
    if let Some(j) = &journey
        && !file.model.journeys.iter().any(|x| &x.id == j)
    {
        eprintln!("{}: no journey '{j}'", a.model.display());
        return Ok(ExitCode::from(2));
    }
    let mut tracker = Tracker::new(&file.model);
    let mut said = std::collections::HashSet::new();
    let mut out = Rolling {
        model: a.model.display().to_string(),
        outcome: column.to_string(),
        outcome_says: file.model.outcome_words().did,
        journey: journey.clone(),
        hot_tier: file
            .model
            .tiers
            .as_ref()
            .and_then(|t| t.levels.first())
            .map(|l| l.name.clone()),
        every_days: every.0,
        window_days: within.0,
        ..Rolling::default()
    };
    for &d in &dates {
        let (model, table, lines) = super::events::load_as_of(file, a.contacts.as_deref(), d)?;
        for line in lines {
            if said.insert(line.clone()) {
                eprintln!("{line}");
            }
        }
        out.source.clone_from(&table.source);
        let id = crate::engine::output::id_column(&model, &table.headers);
        match backtest_scored(&model, &table, column) {
            Ok((b, scored)) => {
                tracker.add(d, &table, &id, &scored);
                out.rows.push(rolling::row(d, &b, journey.as_deref()));
            }
            Err(BacktestError::OneClass {
                positives,
                negatives,
                ..
            }) => {
                let scored = crate::engine::score_table(&model, &table);
                tracker.add(d, &table, &id, &scored);
                out.rows.push(RollingRow {
                    as_of: d,
                    contacts: table.rows(),
                    known: positives + negatives,
                    converted: positives,
                    base_rate: (positives + negatives > 0)
                        .then(|| positives as f64 / (positives + negatives) as f64),
                    auc: None,
                    hot: None,
                    note: Some(format!(
                        "{positives} yes and {negatives} no: nothing to measure"
                    )),
                });
            }
            Err(e) => {
                eprintln!("{e}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    let until = days(*dates.last().unwrap_or(&to), within.0);
    let converted = crate::engine::events::first_events(
        &file.model,
        &file.path,
        &event,
        |id| tracker.first_scored(id),
        until,
    )
    .map_err(super::unreadable)?;
    out.contacts = tracker.contacts();
    out.conversion_event = event;
    out.conversions_until = Some(until);
    out.converters = converted.len();
    out.routings = tracker.routings(&file.model, &converted);
    super::say(rolling::render(&out, a.format).trim_end())?;
    Ok(ExitCode::SUCCESS)
}
