//! `scorewright diff`: what changed between two versions of a model, and with contacts what
//! the change does to them. Exit code 1 when the outcomes differ, for CI gates.

use crate::export::Format;
use crate::export::diff::{diff, render};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model as it was.
    pub old: PathBuf,
    /// The model as it is now.
    pub new: PathBuf,
    /// Contacts to score with both, to see what the change does.
    #[arg(long)]
    pub contacts: Option<PathBuf>,
    /// text or json.
    #[arg(long, default_value = "text")]
    pub format: Format,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let mut models = Vec::new();
    for p in [&a.old, &a.new] {
        match crate::model::read_model(p) {
            Ok(f) => models.push(f),
            Err(e) => {
                eprintln!("{e}");
                return Ok(ExitCode::from(2));
            }
        }
    }
    let table = match &a.contacts {
        Some(p) => match crate::contacts::read_contacts(p) {
            Ok(t) => Some(t),
            Err(e) => {
                eprintln!("{e}");
                return Ok(ExitCode::from(2));
            }
        },
        None => None,
    };
    let (old, new) = (&models[0].model, &models[1].model);
    let id = table
        .as_ref()
        .map(|t| crate::engine::output::id_column(new, &t.headers));
    let contacts = table.as_ref().zip(id.as_deref());
    let d = diff(
        old,
        new,
        &a.old.display().to_string(),
        &a.new.display().to_string(),
        contacts,
    );
    super::say(render(&d, a.format).trim_end())?;
    Ok(ExitCode::from(if d.differs() { 1 } else { 0 }))
}
