//! `scorewright check`: every diagnostic of a model, one readable line each, or JSON.

use super::TextOrJson;
use crate::model::check::{Severity, check, counts};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// Sample contacts to check the fields against (default: the model's `contacts`).
    #[arg(long)]
    pub contacts: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let file = match crate::model::read_model(&a.model) {
        Ok(f) => f,
        Err(e) => {
            match a.format {
                TextOrJson::Text => eprintln!("{e}"),
                TextOrJson::Json => super::say(
                    serde_json::json!({ "file": a.model.display().to_string(), "parse_error": e.to_string() }),
                )?,
            }
            return Ok(ExitCode::from(2));
        }
    };
    let mut notes = Vec::new();
    // The model's own `contacts:` is read only when it is a file: a FIFO there would block
    // `check` until a writer came. A pipe given with --contacts is the user's choice.
    let contacts = a.contacts.clone().or_else(|| {
        let p = file.contacts_path()?;
        match crate::files::not_regular(&p) {
            Some(why) => {
                notes.push(format!("contacts not checked: {}: {why}", p.display()));
                None
            }
            None => Some(p),
        }
    });
    let columns = match &contacts {
        Some(p) => match crate::contacts::ContactsReader::open(p) {
            Ok(r) => Some(r.headers().to_vec()),
            Err(e) => {
                notes.push(format!("contacts not checked: {e}"));
                None
            }
        },
        None => None,
    };
    let mut diags = check(&file.model, columns.as_deref(), Some(&file.map));
    if !diags.iter().any(|d| d.severity == Severity::Error) || !file.model.personas.is_empty() {
        diags.extend(crate::engine::check_personas(&file.model, Some(&file.map)));
        diags.sort_by_key(|d| d.severity);
    }
    let (errors, warnings) = counts(&diags);
    let name = a.model.display().to_string();
    match a.format {
        TextOrJson::Text => {
            for d in &diags {
                super::say(d.render(Some(&name)))?;
            }
            for n in &notes {
                eprintln!("{name}: {n}");
            }
            let personas = file.model.personas.len();
            let persona_note = if personas > 0 {
                format!(
                    ", {personas} persona{} checked",
                    if personas == 1 { "" } else { "s" }
                )
            } else {
                String::new()
            };
            // The summary is the result: on stdout, so `check > report.txt` keeps it.
            super::say(format!(
                "{name}: {errors} error{}, {warnings} warning{}{persona_note}",
                plural(errors),
                plural(warnings)
            ))?;
            // What `score --stamp` and `export --stamp` write on every row.
            super::say(format!(
                "{name}: model_version {}",
                crate::engine::version::model_version(&file.model)
            ))?;
        }
        TextOrJson::Json => {
            let v = serde_json::json!({ "file": name, "errors": errors, "warnings": warnings, "diagnostics": diags, "notes": notes, "model_version": crate::engine::version::model_version(&file.model) });
            super::say(serde_json::to_string_pretty(&v)?)?;
        }
    }
    Ok(ExitCode::from(if errors > 0 { 1 } else { 0 }))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}
