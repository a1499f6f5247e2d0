//! `scorewright diff`: what changed between two versions of a model, and with contacts what
//! the change does to them. Exit code 1 when the outcomes differ, for CI gates. With `--git`
//! it is git's external diff driver (`git config diff.scorewright.command 'scorewright diff
//! --git'`): it takes git's seven arguments and always exits 0, since git stops at a driver
//! that exits otherwise.

use crate::contacts::Table;
use crate::engine::events::EventLog;
use crate::export::Format;
use crate::export::diff::{diff, diff_tables, render};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model as it was.
    #[arg(required_unless_present = "git")]
    pub old: Option<PathBuf>,
    /// The model as it is now.
    #[arg(required_unless_present = "git")]
    pub new: Option<PathBuf>,
    /// As git's external diff driver: the seven arguments git passes (path, old file, old
    /// hash, old mode, new file, new hash, new mode).
    #[arg(long, num_args = 7, value_names = ["PATH", "OLD", "OLD_HEX", "OLD_MODE", "NEW", "NEW_HEX", "NEW_MODE"], conflicts_with_all = ["old", "new"])]
    pub git: Option<Vec<PathBuf>>,
    /// Contacts to score with both, to see what the change does; `--contacts` with no file:
    /// the new model's own (its `contacts:` file, or for a model with events and no contacts,
    /// the contacts its log names). A model with events scores them with its own event fields.
    #[arg(long, num_args = 0..=1, value_name = "FILE")]
    pub contacts: Option<Option<PathBuf>>,
    /// text or json.
    #[arg(long, default_value = "text")]
    pub format: Format,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    if let Some(g) = &a.git {
        return git_driver(g, &a);
    }
    let (Some(old_path), Some(new_path)) = (&a.old, &a.new) else {
        eprintln!("diff needs OLD and NEW (or --git with git's seven arguments)");
        return Ok(ExitCode::from(2));
    };
    let mut models = Vec::new();
    for p in [old_path, new_path] {
        match crate::model::read_model(p) {
            Ok(f) => models.push(f),
            Err(e) => {
                eprintln!("{e}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    let tables = match &a.contacts {
        Some(given) => Some(tables(&models[0], &models[1], given.as_deref())?),
        None => None,
    };
    let (old, new) = (&models[0].model, &models[1].model);
    let id = tables
        .as_ref()
        .map(|(_, t)| crate::engine::output::id_column(new, &t.headers));
    let contacts = tables
        .as_ref()
        .zip(id.as_deref())
        .map(|((o, n), id)| (o, n, id));
    let d = diff_tables(
        old,
        new,
        &old_path.display().to_string(),
        &new_path.display().to_string(),
        contacts,
        Some((models[0].path.as_path(), models[1].path.as_path())),
    );
    super::say(render(&d, a.format).trim_end())?;
    Ok(ExitCode::from(if d.differs() { 1 } else { 0 }))
}

/// The contacts both models score, as `score` reads them: the file given, else the new
/// model's own (its `contacts:`, else its log's contacts); then for each model its own event
/// fields from its own log as of its own `as_of`, so that a change to an event field, the log
/// or `as_of` shows as what it does. The logs' reports go to standard error, each line once.
fn tables(
    old: &crate::model::ModelFile,
    new: &crate::model::ModelFile,
    given: Option<&std::path::Path>,
) -> anyhow::Result<(Table, Table)> {
    use super::events::{Contacts, attach, read_log};
    let mut new_log = read_log(new)?;
    let contacts = Contacts::choose(given, new, new_log.as_ref())?;
    let base = contacts.base(&new.model, new_log.as_ref())?;
    let mut said = std::collections::HashSet::new();
    let mut with = |file: &crate::model::ModelFile, log: Option<&mut EventLog>| {
        let mut t = base.clone();
        if let Some(log) = log {
            attach(&file.model, &mut t, log);
            for line in log.report.lines() {
                if said.insert(line.clone()) {
                    eprintln!("{line}");
                }
            }
        }
        t
    };
    let new_table = with(new, new_log.as_mut());
    let old_table = with(old, read_log(old)?.as_mut());
    Ok((old_table, new_table))
}

/// git's external diff: the model-level changes of one file, labelled `a/PATH` and `b/PATH`.
/// A file added or removed (git passes `/dev/null`) or one that does not read as a model is
/// said in the output; the exit code is 0 whatever the result, or git stops its whole run.
fn git_driver(g: &[PathBuf], a: &Args) -> anyhow::Result<ExitCode> {
    let [path, old, _, _, new, _, _] = g else {
        eprintln!("--git takes the seven arguments git passes to a diff driver");
        return Ok(ExitCode::from(2));
    };
    let path = path.display();
    let (old_label, new_label) = (format!("a/{path}"), format!("b/{path}"));
    super::say(format!("scorewright diff {old_label} {new_label}"))?;
    let read = |p: &PathBuf| -> Result<Option<crate::model::ModelFile>, String> {
        if p.as_os_str() == "/dev/null" {
            return Ok(None);
        }
        crate::model::read_model(p)
            .map(Some)
            .map_err(|e| e.to_string())
    };
    match (read(old), read(new)) {
        (Ok(Some(o)), Ok(Some(n))) => {
            let d = diff(&o.model, &n.model, &old_label, &new_label, None);
            let text = render(&d, a.format);
            let text = text.trim_end();
            super::say(if d.differs() {
                text
            } else {
                "no model-level change (layout only)"
            })?;
        }
        (Ok(None), Ok(Some(n))) => super::say(format!("new model '{}'", n.model.name))?,
        (Ok(Some(o)), Ok(None)) => super::say(format!("model '{}' removed", o.model.name))?,
        (Ok(None), Ok(None)) => {}
        (Err(e), _) | (_, Err(e)) => super::say(format!("not compared: {e}"))?,
    }
    Ok(ExitCode::SUCCESS)
}
