//! `scorewright backtest`: how the model would have sorted contacts whose outcome is known.

use crate::export::Format;
use crate::export::backtest::{backtest, render};
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
    match backtest(&file.model, &table, &column) {
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
