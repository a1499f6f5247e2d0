//! `scorewright report`: the model as one self-contained HTML page for the workshop minutes.

use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// Contacts for the pictures (default: the model's `contacts`).
    #[arg(long)]
    pub contacts: Option<PathBuf>,
    /// An outcome column for conversion rates and the back-test (default: the model's `outcome`).
    #[arg(long)]
    pub outcome: Option<String>,
    /// Where to write the page (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let file = crate::model::read_model(&a.model).map_err(super::unreadable)?;
    // The model's own `contacts:` is read only when it is a file (a FIFO would block the
    // report until a writer came); a pipe given with --contacts is the user's choice.
    let contacts_path = a.contacts.clone().or_else(|| {
        let p = file.contacts_path().filter(|p| p.exists())?;
        match crate::files::not_regular(&p) {
            Some(why) => {
                eprintln!("{}: {why}; the report has no contacts", p.display());
                None
            }
            None => Some(p),
        }
    });
    let mut inputs = vec![a.model.as_path()];
    inputs.extend(contacts_path.as_deref());
    super::refuse_overwrite(a.output.as_deref(), &inputs, a.force)?;
    let table = if file.model.events.is_some() {
        // Event fields (and an outcome event) come from the log, as `backtest` reads them; a
        // model without contacts pictures the log's contacts.
        Some(super::events::load(&file, contacts_path.as_deref())?.0)
    } else {
        match &contacts_path {
            Some(p) => match crate::contacts::read_contacts(p) {
                Ok(t) => Some(t),
                Err(e) => {
                    eprintln!("{e}");
                    return Ok(ExitCode::from(2));
                }
            },
            None => None,
        }
    };
    let outcome = a
        .outcome
        .clone()
        .or_else(|| file.model.outcome_column().map(String::from));
    if let (Some(t), Some(o)) = (&table, &outcome) {
        match crate::engine::insight::outcome(t, o) {
            None => eprintln!(
                "{}: no outcome column '{o}'; the report has no back-test",
                t.source
            ),
            Some(oc) => {
                if let Some(p) = oc.problem() {
                    eprintln!("{}: {p}; it is ignored for outcome rates", t.source);
                }
            }
        }
    }
    let columns = table.as_ref().map(|t| t.headers.clone());
    let mut diags = crate::model::check::check(&file.model, columns.as_deref(), Some(&file.map));
    diags.extend(crate::engine::check_personas(&file.model, Some(&file.map)));
    diags.sort_by_key(|d| d.severity);
    // Said here as well as in the page: the account level is shown without the file's fields.
    if let Err(e) = crate::engine::accounts::Plan::for_file(&file.model, Some(&file.path)) {
        eprintln!("{e}: the report's account level is shown without the accounts file's fields");
    }
    let html = crate::export::report::report(
        &file.model,
        &diags,
        table.as_ref(),
        outcome.as_deref(),
        Some(&file.path),
    );
    match &a.output {
        Some(p) => {
            crate::model::yaml::write_atomic(p, html.as_bytes())
                .map_err(|e| anyhow::anyhow!("{}: cannot write it: {e}", p.display()))?;
            eprintln!("wrote {}", p.display());
        }
        None => super::say(html.trim_end())?,
    }
    Ok(ExitCode::SUCCESS)
}
