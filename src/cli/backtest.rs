//! `scorewright backtest`: how the model would have sorted contacts whose outcome is known.

use crate::export::Format;
use crate::export::backtest::{CapacityAsk, backtest, backtest_with_capacity, render};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// Contacts with a historical outcome.
    pub contacts: PathBuf,
    /// The outcome column: 0/1, yes/no, true/false (default: the model's `outcome`).
    #[arg(long)]
    pub outcome: Option<String>,
    /// text, json or csv.
    #[arg(long, default_value = "text")]
    pub format: Format,
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
    let file = crate::model::read_model(&a.model).map_err(super::unreadable)?;
    let Some(column) = a
        .outcome
        .clone()
        .or_else(|| file.model.outcome_column().map(String::from))
    else {
        eprintln!("no outcome column: pass --outcome COLUMN (or set `outcome` in the model)");
        return Ok(ExitCode::from(2));
    };
    let table = crate::contacts::read_contacts(&a.contacts).map_err(super::unreadable)?;
    let ask = match (a.capacity, &a.per, &a.date, a.per_file) {
        (None, ..) => None,
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
        Ok(b) => {
            super::say(render(&b, a.format).trim_end())?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("{e}");
            Ok(ExitCode::from(2))
        }
    }
}
