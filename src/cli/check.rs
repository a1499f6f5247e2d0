//! `scorewright check`: every diagnostic of a model, one readable line each, JSON, or GitHub
//! Actions annotations (`::error file=..,line=..,col=..::message`) for pull requests.

use crate::model::check::{Diagnostic, Severity, check, counts};
use clap::ValueEnum;
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
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// GitHub Actions workflow commands: each finding annotates its line in a pull request.
    Github,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let file = match crate::model::read_model(&a.model) {
        Ok(f) => f,
        Err(e) => {
            match a.format {
                Format::Text => eprintln!("{e}"),
                Format::Github => {
                    let file = a.model.display().to_string();
                    let text = match &e {
                        crate::model::ModelError::Parse {
                            line,
                            column,
                            message,
                            ..
                        } => annotation("error", &file, Some(*line), Some(*column), message),
                        _ => annotation("error", &file, None, None, &e.to_string()),
                    };
                    println!("{text}");
                }
                Format::Json => super::say(
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
    if let Some(d) = accounts_file_missing(&file) {
        diags.push(d);
        diags.sort_by_key(|d| d.severity);
    }
    if !diags.iter().any(|d| d.severity == Severity::Error) || !file.model.personas.is_empty() {
        diags.extend(crate::engine::check_personas(&file.model, Some(&file.map)));
        diags.sort_by_key(|d| d.severity);
    }
    let (errors, warnings) = counts(&diags);
    let name = a.model.display().to_string();
    match a.format {
        Format::Github => {
            for d in &diags {
                super::say(github(d, &name))?;
            }
            for n in &notes {
                super::say(annotation("warning", &name, None, None, n))?;
            }
        }
        Format::Text => {
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
        Format::Json => {
            let v = serde_json::json!({ "file": name, "errors": errors, "warnings": warnings, "diagnostics": diags, "notes": notes, "model_version": crate::engine::version::model_version(&file.model) });
            super::say(serde_json::to_string_pretty(&v)?)?;
        }
    }
    Ok(ExitCode::from(if errors > 0 { 1 } else { 0 }))
}

/// One finding as a GitHub Actions annotation on its line.
fn github(d: &Diagnostic, file: &str) -> String {
    let message = if d.at.is_empty() {
        d.message.clone()
    } else {
        format!("{} (at {})", d.message, d.at)
    };
    annotation(&d.severity.to_string(), file, d.line, d.column, &message)
}

/// `::error file=F,line=L,col=C::message`, escaped as GitHub's workflow commands ask: `%`,
/// line breaks, and in the properties also `:` and `,`.
fn annotation(
    level: &str,
    file: &str,
    line: Option<usize>,
    col: Option<usize>,
    message: &str,
) -> String {
    let data = |s: &str| {
        s.replace('%', "%25")
            .replace('\r', "%0D")
            .replace('\n', "%0A")
    };
    let prop = |s: &str| data(s).replace(':', "%3A").replace(',', "%2C");
    let mut props = format!("file={}", prop(file));
    if let Some(l) = line {
        props.push_str(&format!(",line={l}"));
    }
    if let Some(c) = col {
        props.push_str(&format!(",col={c}"));
    }
    format!("::{level} {props}::{}", data(message))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// An accounts file (`accounts.file`) that is not there: an error at its line, as `score`
/// would stop on it (exit 2) before writing anything.
fn accounts_file_missing(file: &crate::model::ModelFile) -> Option<Diagnostic> {
    use crate::model::locate::Seg;
    let a = file.model.accounts.as_ref()?;
    let path = crate::engine::accounts::file_path(a, &file.path)?;
    if path.is_file() {
        return None;
    }
    let at = vec![Seg::Key("accounts".into()), Seg::Key("file".into())];
    let place = file.map.locate(&at);
    Some(Diagnostic {
        severity: Severity::Error,
        code: "accounts",
        at: "accounts.file".into(),
        path: at,
        message: format!(
            "accounts: file '{}' is not there ({}): the account fields are read from it; write it, or fix the path (relative to the model's folder)",
            a.file.as_deref().unwrap_or(""),
            path.display()
        ),
        line: place.map(|p| p.line),
        column: place.map(|p| p.column),
    })
}
