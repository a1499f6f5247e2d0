//! `scorewright new`: a model started from a shipped example, with its sample contacts.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Where to write the new model.
    pub model: PathBuf,
    /// The example to start from.
    #[arg(long, short, default_value = "lead-fit-activity")]
    pub template: String,
    /// Overwrite existing files.
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let Some(t) = crate::templates::find(&a.template) else {
        let names: Vec<&str> = crate::templates::ALL.iter().map(|t| t.name).collect();
        let hint = crate::model::yaml::nearest(&a.template, &names)
            .map(|n| format!(" (did you mean '{n}'?)"))
            .unwrap_or_default();
        eprintln!(
            "no template '{}'{hint}; templates: {}",
            a.template,
            names.join(", ")
        );
        return Ok(ExitCode::from(2));
    };
    let written = crate::templates::write(t, &a.model, a.force)?;
    for w in written {
        if w.replaced {
            eprintln!("overwrote {} (--force)", w.path.display());
        } else {
            eprintln!("wrote {}", w.path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
