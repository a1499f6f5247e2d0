//! `scorewright tune`: weights suggested by a historical outcome, cross-validated, on the
//! structure the workshop agreed. Writes the tuned model only where asked.

use super::TextOrJson;
use crate::engine::tune::{Objective, TuneOptions, tune};
use clap::ValueEnum;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ObjectiveArg {
    Auc,
    LogLikelihood,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// Contacts with a historical outcome.
    pub contacts: PathBuf,
    /// The outcome column (0/1, yes/no, true/false); default: the model's `outcome`.
    #[arg(long)]
    pub outcome: Option<String>,
    /// Write the tuned model here (notes kept); nothing is written without it.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "auc")]
    pub objective: ObjectiveArg,
    /// Folds of the cross-validation.
    #[arg(long, default_value_t = 5)]
    pub folds: usize,
    /// Tune only this journey (repeatable).
    #[arg(long)]
    pub journey: Vec<String>,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let file = crate::model::read_model(&a.model).map_err(super::unreadable)?;
    let model = &file.model;
    let errors: Vec<_> = crate::model::check::check(model, None, Some(&file.map))
        .into_iter()
        .filter(|d| d.severity == crate::model::check::Severity::Error)
        .collect();
    if !errors.is_empty() {
        let name = a.model.display().to_string();
        for d in &errors {
            eprintln!("{}", d.render(Some(&name)));
        }
        eprintln!("{name}: fix the model's errors before tuning it");
        return Ok(ExitCode::from(1));
    }
    let Some(column) = a.outcome.clone().or_else(|| model.outcome.clone()) else {
        eprintln!("no outcome column: pass --outcome COLUMN (or set `outcome` in the model)");
        return Ok(ExitCode::from(2));
    };
    super::refuse_overwrite(a.output.as_deref(), &[&a.model, &a.contacts], a.force)?;
    let table = crate::contacts::read_contacts(&a.contacts).map_err(super::unreadable)?;
    let Some(outcome) = crate::engine::insight::outcome(&table, &column) else {
        let known: Vec<&str> = table.headers.iter().map(String::as_str).collect();
        let hint = crate::model::yaml::nearest(&column, &known)
            .map(|n| format!(" (did you mean '{n}'?)"))
            .unwrap_or_default();
        eprintln!(
            "{}: no outcome column '{column}'{hint}",
            a.contacts.display()
        );
        return Ok(ExitCode::from(2));
    };
    let opts = TuneOptions {
        objective: match a.objective {
            ObjectiveArg::Auc => Objective::Auc,
            ObjectiveArg::LogLikelihood => Objective::LogLikelihood,
        },
        folds: a.folds,
        seed: a.seed,
        journeys: a.journey.clone(),
        ..TuneOptions::default()
    };
    let report = match tune(model, &table, &outcome, &opts) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{}: {e}; nothing written", a.contacts.display());
            return Ok(ExitCode::from(2));
        }
    };
    match a.format {
        TextOrJson::Json => super::say(serde_json::to_string_pretty(&report)?)?,
        TextOrJson::Text => {
            let what = match report.objective {
                Objective::Auc => "AUC",
                Objective::LogLikelihood => "log-likelihood per contact",
            };
            super::say(format!(
                "{}: tuned on {} contacts ({} with outcome yes), {}-fold cross-validation, objective {what}",
                a.model.display(),
                report.rows,
                report.positives,
                report.folds
            ))?;
            for j in &report.journeys {
                super::say(format!(
                    "\njourney {}: cross-validated {what} {:.3} -> {:.3} ({:+.3})",
                    j.journey,
                    j.cv_before,
                    j.cv_after,
                    j.cv_after - j.cv_before
                ))?;
                let width = j
                    .weights
                    .iter()
                    .map(|w| w.at.chars().count())
                    .max()
                    .unwrap_or(6)
                    .max(6);
                super::say(format!(
                    "  {:<width$}  {:>7}  {:>7}",
                    "weight", "before", "after"
                ))?;
                for w in &j.weights {
                    let mark = if w.fixed {
                        "  (fixed)"
                    } else if w.before != w.after {
                        "  *"
                    } else {
                        ""
                    };
                    super::say(format!(
                        "  {:<width$}  {:>7}  {:>7}{mark}",
                        w.at,
                        w.before.to_string(),
                        w.after.to_string()
                    ))?;
                }
            }
        }
    }
    if let Some(out) = &a.output {
        crate::model::write_model(&report.model, out)?;
        eprintln!("wrote the tuned model to {}", out.display());
    }
    Ok(ExitCode::SUCCESS)
}
