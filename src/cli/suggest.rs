//! `scorewright suggest`: the columns a model does not use, ranked by what they would add to a
//! journey, each with a proposed field, rule and touchpoint, and leaks flagged.

use super::TextOrJson;
use crate::engine::suggest::{Proposal, Suggestion, for_model, journey_to_grow};
use crate::model::check::fmt_limit;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// Contacts with a historical outcome (default: the model's `contacts`, else, for a model
    /// with `events:`, the contacts the event log names).
    pub contacts: Option<PathBuf>,
    /// The outcome column (default: the model's `outcome`).
    #[arg(long)]
    pub outcome: Option<String>,
    /// The journey to add to (default: the tier journey, else the first that has an ending).
    #[arg(long)]
    pub journey: Option<String>,
    /// How many suggestions to print with their proposed YAML.
    #[arg(long, default_value_t = 5)]
    pub top: usize,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let file = crate::model::read_model(&a.model).map_err(super::unreadable)?;
    super::contacts_only(&a.model, &file.model, "suggest");
    let model = &file.model;
    let Some(column) = super::tune::outcome_column(a.outcome.as_deref(), model) else {
        return Ok(ExitCode::from(2));
    };
    let Some(ji) = journey_to_grow(model, a.journey.as_deref()) else {
        eprintln!(
            "{}: no journey '{}' to add signals to",
            a.model.display(),
            a.journey.as_deref().unwrap_or("")
        );
        return Ok(ExitCode::from(2));
    };
    let (table, contacts) = super::events::load(&file, a.contacts.as_deref())?;
    let Some(outcome) = super::tune::read_outcome(&table, &column, &contacts) else {
        return Ok(ExitCode::from(2));
    };
    if let Some(p) = outcome.problem() {
        eprintln!("{}: {p}", contacts.display());
        return Ok(ExitCode::from(2));
    }
    let positives = outcome.positives();
    if positives < 5 || outcome.known() - positives < 5 {
        eprintln!(
            "{}: outcome column '{column}' has {positives} yes and {} no: each needs at least 5 for 5 folds",
            contacts.display(),
            outcome.known() - positives
        );
        return Ok(ExitCode::from(2));
    }
    let s = for_model(model, &table, &outcome, ji);
    match a.format {
        TextOrJson::Json => super::say(serde_json::to_string_pretty(&s)?)?,
        TextOrJson::Text => {
            super::say(format!(
                "{}: {} columns the model does not use, by the held-out gain of adding each to journey {} (AUC {:.3} now; 5 folds)",
                contacts.display(),
                s.columns.len(),
                s.journey,
                s.auc_now
            ))?;
            let width = super::column_width(s.columns.iter().map(|c| c.column.as_str()));
            super::say(format!(
                "  {:>4}  {:<width$}  {:<8}  {:>6}  {:>7}  {:>6}",
                "rank", "column", "kind", "AUC", "gain", "weight"
            ))?;
            for (i, c) in s.columns.iter().enumerate() {
                super::say(format!(
                    "  {:>4}  {:<width$}  {:<8}  {:>6.3}  {:>+7.3}  {:>5}%{}",
                    i + 1,
                    c.column,
                    c.kind,
                    c.auc,
                    c.gain,
                    fmt_limit(c.weight),
                    if c.leak.is_some() { "  LEAK?" } else { "" }
                ))?;
            }
            let leaks: Vec<&Suggestion> = s.columns.iter().filter(|c| c.leak.is_some()).collect();
            if !leaks.is_empty() {
                super::say(
                    "\nLooks like a leak (do not score it before checking when it is filled in):",
                )?;
                for c in leaks {
                    super::say(format!(
                        "  {}: {}",
                        c.column,
                        c.leak.as_deref().unwrap_or_default()
                    ))?;
                }
            }
            for c in &s.skipped {
                super::say(format!("  skipped {}: {}", c.column, c.why))?;
            }
            let best: Vec<&Suggestion> = s
                .columns
                .iter()
                .filter(|c| c.leak.is_none() && c.gain > 0.0)
                .take(a.top)
                .collect();
            if !best.is_empty() {
                super::say(format!(
                    "\nProposed (add the field under `fields:` and the touchpoint to journey {}; its weight comes from the others):",
                    s.journey
                ))?;
            }
            for c in best {
                super::say(yaml(c))?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The field and touchpoint of one suggestion, as YAML to paste.
fn yaml(c: &Suggestion) -> String {
    let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
    let missing = if c.missing.is_empty() {
        String::new()
    } else {
        let m: Vec<String> = c.missing.iter().map(|m| q(m)).collect();
        format!(", missing: [{}]", m.join(", "))
    };
    let rule = match &c.rule {
        Proposal::Match { values, default } => {
            let v: Vec<String> = values
                .iter()
                .map(|(k, a)| format!("{}: {}", q(k), fmt_limit(*a)))
                .chain(std::iter::once(format!("default: {}", fmt_limit(*default))))
                .collect();
            format!("{{ match: {{ {} }} }}", v.join(", "))
        }
        Proposal::Bands(b) => {
            let v: Vec<String> = b
                .iter()
                .map(|(at, a)| {
                    format!(
                        "{{ at_least: {}, value: {} }}",
                        fmt_limit(*at),
                        fmt_limit(*a)
                    )
                })
                .collect();
            format!("{{ bands: [ {} ] }}", v.join(", "))
        }
    };
    format!(
        "  # {}: held-out AUC {:.3} alone, {:+.3} added at {}%\n  - {{ id: {}, kind: {}, column: {}{missing} }}\n  - id: {}\n    name: {}\n    kind: hand_raiser\n    weight: {}\n    signals:\n      - {{ field: {}, weight: 100, rule: {rule} }}",
        c.column,
        c.auc,
        c.gain,
        fmt_limit(c.weight),
        c.field,
        c.kind,
        q(&c.column),
        c.field,
        q(&c.column),
        fmt_limit(c.weight),
        c.field
    )
}
