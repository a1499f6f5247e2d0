//! `scorewright fmt`: the one canonical layout, for teams that want one style (like `cargo fmt`
//! or `terraform fmt`). Only this command reformats a model; every other write patches the
//! file's own text (`model::preserve`).

use crate::model::preserve::has_comments;
use crate::model::yaml::{try_to_yaml, write_atomic};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// Only say whether the file is in the canonical layout: exit 1 when it is not.
    #[arg(long)]
    pub check: bool,
    /// Format a file that has comments, which the canonical layout does not keep.
    #[arg(long)]
    pub drop_comments: bool,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let file = crate::model::read_model(&a.model).map_err(super::unreadable)?;
    let name = a.model.display();
    let canonical = try_to_yaml(&file.model).map_err(super::unreadable)?;
    if file.source == canonical {
        return Ok(ExitCode::SUCCESS);
    }
    if a.check {
        eprintln!("{name}: not in the canonical layout (`scorewright fmt {name}` writes it)");
        return Ok(ExitCode::from(1));
    }
    if has_comments(&file.source) && !a.drop_comments {
        eprintln!(
            "{name}: has comments, which the canonical layout does not keep; nothing was \
             written (pass --drop-comments to format it anyway, or keep its layout)"
        );
        return Ok(ExitCode::from(1));
    }
    write_atomic(&a.model, canonical.as_bytes())
        .map_err(|e| anyhow::anyhow!("{name}: cannot write it: {e}"))?;
    eprintln!("formatted {name}");
    Ok(ExitCode::SUCCESS)
}
