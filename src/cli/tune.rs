//! `scorewright tune`: weights suggested by a historical outcome, cross-validated, on the
//! structure the workshop agreed. Writes the tuned model only where asked.

use super::TextOrJson;
use crate::engine::tune::{Objective, TuneOptions, TuneReport, tune};
use crate::model::check::{Diagnostic, check};
use crate::model::{Model, Weight};
use clap::ValueEnum;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ObjectiveArg {
    Auc,
    LogLikelihood,
}

/// Which level's weights `tune` proposes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Level {
    /// The contact journeys.
    Contact,
    /// The account journeys of the `accounts:` block, on the accounts' outcome.
    #[value(alias = "accounts")]
    Account,
}

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// Contacts with a historical outcome (default: the model's `contacts`, else, for a model
    /// with `events:`, the contacts the event log names).
    pub contacts: Option<PathBuf>,
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
    /// Move only weights; keep every attainment, end point and adjustment's points.
    #[arg(long)]
    pub weights_only: bool,
    /// How many contacts of evidence a hand-set attainment counts as: the larger, the closer
    /// tuned attainments stay to the hand values.
    #[arg(long, default_value_t = 20.0)]
    pub prior: f64,
    /// `account`: tune the account journeys of the `accounts:` block on the accounts'
    /// outcome (an account converted when any of its contacts did, or `--account-outcome`).
    #[arg(long, value_enum, default_value = "contact")]
    pub level: Level,
    /// With `--level account`: the column of the contacts' rows that holds each account's own
    /// outcome (one value per account).
    #[arg(long, value_name = "COLUMN")]
    pub account_outcome: Option<String>,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let file = crate::model::read_model(&a.model).map_err(super::unreadable)?;
    let model = &file.model;
    let plan = match a.level {
        Level::Contact => {
            if a.account_outcome.is_some() {
                eprintln!("--account-outcome is for --level account");
                return Ok(ExitCode::from(2));
            }
            super::contacts_only(&a.model, model, "tune");
            None
        }
        Level::Account => match crate::engine::accounts::Plan::for_file(model, Some(&file.path))
            .map_err(super::unreadable)?
        {
            Some(plan) => Some(plan),
            None => {
                eprintln!(
                    "{}: --level account needs an accounts: block in the model (see the README's Accounts)",
                    a.model.display()
                );
                return Ok(ExitCode::from(2));
            }
        },
    };
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
    // At the account level with `--account-outcome`, the contacts need no outcome of their
    // own: the account column is read in its place.
    let asked = a.outcome.as_deref().or(a
        .account_outcome
        .as_deref()
        .filter(|_| a.level == Level::Account));
    let Some(column) = outcome_column(asked, model) else {
        return Ok(ExitCode::from(2));
    };
    let (table, contacts) = super::events::load(&file, a.contacts.as_deref())?;
    super::refuse_overwrite(a.output.as_deref(), &[&a.model, &contacts], a.force)?;
    let Some(outcome) = read_outcome(&table, &column, &contacts) else {
        return Ok(ExitCode::from(2));
    };
    if !(a.prior.is_finite() && a.prior >= 0.0) {
        eprintln!(
            "--prior {}: give a number of contacts, 0 or more (20 by default)",
            a.prior
        );
        return Ok(ExitCode::from(2));
    }
    let opts = TuneOptions {
        objective: match a.objective {
            ObjectiveArg::Auc => Objective::Auc,
            ObjectiveArg::LogLikelihood => Objective::LogLikelihood,
        },
        folds: a.folds,
        seed: a.seed,
        journeys: a.journey.clone(),
        values: !a.weights_only,
        prior: a.prior,
        ..TuneOptions::default()
    };
    let tuned = match &plan {
        None => tune(model, &table, &outcome, &opts).map(|r| {
            let m = r.model.clone();
            (r, m)
        }),
        Some(plan) => {
            let Some(accounts) = account_outcome(&a, model, plan, &table, &outcome) else {
                return Ok(ExitCode::from(2));
            };
            tune(
                &plan.account_model,
                &accounts.accounts.table,
                &accounts.outcome,
                &opts,
            )
            .map(|r| {
                // Only the account journeys move; the rest of the file is the team's.
                let mut m = model.clone();
                if let Some(block) = m.accounts.as_mut() {
                    block.journeys = r.model.journeys.clone();
                }
                (r, m)
            })
        }
    };
    let (report, tuned) = match tuned {
        Ok(r) => r,
        Err(e) => {
            let level = if plan.is_some() { " (accounts)" } else { "" };
            eprintln!("{}{level}: {e}; nothing written", contacts.display());
            return Ok(ExitCode::from(2));
        }
    };
    let (unit, journey_word) = match a.level {
        Level::Contact => ("contacts", "journey"),
        Level::Account => ("accounts", "account journey"),
    };
    let after_check = findings_after(model, &tuned, &report, a.level);
    match a.format {
        TextOrJson::Json => {
            let mut v = serde_json::to_value(&report)?;
            if let Some(o) = v.as_object_mut() {
                o.insert("check_after".into(), serde_json::json!(after_check));
                // Which journeys were tuned: the contacts' or the accounts'.
                let level = match a.level {
                    Level::Contact => "contact",
                    Level::Account => "account",
                };
                o.insert("level".into(), serde_json::json!(level));
            }
            super::say(serde_json::to_string_pretty(&v)?)?
        }
        TextOrJson::Text => {
            let what = match report.objective {
                Objective::Auc => "AUC",
                Objective::LogLikelihood => "log-likelihood per contact",
            };
            super::say(format!(
                "{}: tuned on {} {unit} ({} with outcome yes), {}-fold cross-validation, objective {what}",
                a.model.display(),
                report.rows,
                report.positives,
                report.folds
            ))?;
            for j in &report.journeys {
                super::say(format!(
                    "\n{journey_word} {}: cross-validated {what} {:.3} -> {:.3} ({:+.3})",
                    j.journey,
                    j.cv_before,
                    j.cv_after,
                    j.cv_after - j.cv_before
                ))?;
                let width = super::column_width(j.weights.iter().map(|w| w.at.as_str()));
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
                print_changes(j, what)?;
            }
            if !after_check.is_empty() {
                super::say("\nWhat `check` will say of the tuned model that it does not say now:")?;
                for line in &after_check {
                    super::say(format!("  {line}"))?;
                }
            }
        }
    }
    if let Some(out) = &a.output {
        let mut tuned = tuned;
        if let Some(c) = &model.contacts {
            match contacts_from(&file.folder(), c, out) {
                Ok(moved) => tuned.contacts = Some(moved),
                Err(why) => eprintln!("{}: `contacts: {c}` is kept as it is: {why}", out.display()),
            }
        }
        // The accounts file is relative to the model's folder too.
        if let Some(f) = model.accounts.as_ref().and_then(|b| b.file.as_ref()) {
            match contacts_from(&file.folder(), f, out) {
                Ok(moved) => {
                    if let Some(b) = tuned.accounts.as_mut() {
                        b.file = Some(moved);
                    }
                }
                Err(why) => eprintln!(
                    "{}: `accounts: file: {f}` is kept as it is: {why}",
                    out.display()
                ),
            }
        }
        // A patch of the input's text: only the weights that moved (and a moved contacts
        // path) differ from the file the team wrote.
        let kept = crate::model::yaml::write_model_from(&tuned, Some(&file.source), out)?;
        eprintln!("wrote the tuned model to {}", out.display());
        if !kept {
            eprintln!(
                "{}: written in the canonical layout: {}'s layout could not be patched",
                out.display(),
                a.model.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The outcome column a command learns from: `--outcome`, else the model's; `None` (said on
/// stderr, with what to do) when there is neither.
pub(super) fn outcome_column(asked: Option<&str>, model: &Model) -> Option<String> {
    let column = asked
        .map(String::from)
        .or_else(|| model.outcome_column().map(String::from));
    if column.is_none() {
        eprintln!("no outcome column: pass --outcome COLUMN (or set `outcome` in the model)");
    }
    column
}

/// The outcome read from the contacts; `None` (said on stderr, with the nearest column name)
/// when the column is not there.
pub(super) fn read_outcome(
    table: &crate::contacts::Table,
    column: &str,
    contacts: &std::path::Path,
) -> Option<crate::engine::insight::Outcome> {
    let outcome = crate::engine::insight::outcome(table, column);
    if outcome.is_none() {
        let known: Vec<&str> = table.headers.iter().map(String::as_str).collect();
        let hint = crate::model::yaml::nearest(column, &known)
            .map(|n| format!(" (did you mean '{n}'?)"))
            .unwrap_or_default();
        eprintln!("{}: no outcome column '{column}'{hint}", contacts.display());
    }
    outcome
}

/// The changed numbers, the ones that matter most first, so the room can take the few that do.
fn print_changes(j: &crate::engine::tune::JourneyTuning, what: &str) -> anyhow::Result<()> {
    if j.changes.is_empty() {
        return Ok(());
    }
    let width = super::column_width(j.changes.iter().map(|c| c.at.as_str()));
    super::say(format!(
        "  changes by effect on the cross-validated {what} (what setting each back alone costs):"
    ))?;
    super::say(format!(
        "  {:<width$}  {:>7}  {:>7}  {:>8}",
        "number", "before", "after", "effect"
    ))?;
    for c in &j.changes {
        super::say(format!(
            "  {:<width$}  {:>7}  {:>7}  {:>+8.4}",
            c.at, c.before, c.after, c.effect
        ))?;
    }
    Ok(())
}

/// What `check` says of the tuned model and not of the model as it was: each weight `tune`
/// set to 0 (with how to keep it), then every other new finding.
fn findings_after(before: &Model, tuned: &Model, report: &TuneReport, level: Level) -> Vec<String> {
    let key = |d: &Diagnostic| (d.code, d.at.clone(), d.message.clone());
    let old: HashSet<_> = check(before, None, None).iter().map(key).collect();
    let mut out: Vec<String> = report
        .journeys
        .iter()
        .flat_map(|j| &j.weights)
        .filter(|w| w.after == Weight::ZERO && w.before != Weight::ZERO)
        .map(|w| match level {
            Level::Contact => format!(
                "tune set {} to 0 (it was {}%); to keep it, give it a `min` under `tuning:` (at: {})",
                w.at, w.before, w.at
            ),
            // The account model has no `tuning:` list of its own yet.
            Level::Account => format!(
                "tune set account weight {} to 0 (it was {}%); to keep it, set it back in the written model",
                w.at, w.before
            ),
        })
        .collect();
    out.extend(
        check(tuned, None, None)
            .iter()
            .filter(|d| !old.contains(&key(d)))
            .map(|d| d.render(None)),
    );
    out
}

/// The accounts of `table` with their outcome, the way `backtest` reads it; `None` (said on
/// stderr) when it cannot be read. Accounts left out (rows that disagree) and contacts without
/// an account are said too.
fn account_outcome(
    a: &Args,
    model: &Model,
    plan: &crate::engine::accounts::Plan,
    table: &crate::contacts::Table,
    contacts: &crate::engine::insight::Outcome,
) -> Option<crate::export::backtest::accounts::AccountOutcomes> {
    use crate::export::backtest::accounts::{AccountOutcome, account_outcomes};
    if super::backtest::lacks_account_column(plan, table) {
        return None;
    }
    let how = match &a.account_outcome {
        Some(c) => AccountOutcome::Column(c),
        None => AccountOutcome::AnyContact,
    };
    match account_outcomes(model, plan, table, contacts, how) {
        Ok(o) => {
            eprintln!("accounts: {}", o.rule);
            let without = o.accounts.book.without_account;
            if without > 0 {
                eprintln!(
                    "{without} contact{} without an account left out",
                    if without == 1 { "" } else { "s" }
                );
            }
            for d in &o.disagreeing {
                eprintln!(
                    "account {}: its rows disagree on '{}' (yes at line {}, no at line {}): left out",
                    crate::printable::printable(&d.account),
                    o.outcome.column,
                    d.yes_line,
                    d.no_line
                );
            }
            Some(o)
        }
        Err(e) => {
            eprintln!("{e}");
            None
        }
    }
}

/// The model's relative `contacts` path `c` (read from `folder`) as seen from the folder of
/// `out`, so that the written model still names the same file. An absolute path, or a model
/// written into its own folder, keeps it as it is.
fn contacts_from(folder: &Path, c: &str, out: &Path) -> Result<String, String> {
    if Path::new(c).is_absolute() {
        return Ok(c.to_string());
    }
    let out_dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let from = out_dir
        .canonicalize()
        .map_err(|e| format!("its folder {} cannot be read ({e})", out_dir.display()))?;
    let to = folder.canonicalize().map_err(|e| {
        format!(
            "the model's folder {} cannot be read ({e})",
            folder.display()
        )
    })?;
    if from == to {
        return Ok(c.to_string());
    }
    // The file itself when it is there (so `..` in the path is resolved), else its place.
    let target = to.join(c);
    let target = target.canonicalize().unwrap_or(target);
    let common = from
        .components()
        .zip(target.components())
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return Err("the two folders share no root, so no relative path joins them".into());
    }
    let mut rel = PathBuf::new();
    for _ in from.components().skip(common) {
        rel.push("..");
    }
    for part in target.components().skip(common) {
        rel.push(part);
    }
    rel.to_str()
        .map(str::to_string)
        .ok_or_else(|| format!("{} is not UTF-8 text", rel.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relative_contacts_path_follows_the_model_to_another_folder() {
        let dir = tempfile::tempdir().unwrap();
        let models = dir.path().join("models");
        let out = dir.path().join("out/deeper");
        std::fs::create_dir_all(models.join("data")).unwrap();
        std::fs::create_dir_all(&out).unwrap();
        std::fs::write(models.join("data/c.csv"), "id\n1\n").unwrap();
        let moved = contacts_from(&models, "data/c.csv", &out.join("m.yaml")).unwrap();
        assert_eq!(moved, "../../models/data/c.csv");
        assert!(out.join(&moved).exists());
        // Into the model's own folder, or an absolute path: kept as it is.
        assert_eq!(
            contacts_from(&models, "data/c.csv", &models.join("t.yaml")).unwrap(),
            "data/c.csv"
        );
        assert_eq!(
            contacts_from(&models, "/abs/c.csv", &out.join("m.yaml")).unwrap(),
            "/abs/c.csv"
        );
        // An output folder that does not exist: said, not guessed.
        let err = contacts_from(&models, "data/c.csv", &dir.path().join("no/m.yaml"));
        assert!(err.unwrap_err().contains("cannot be read"));
    }
}
