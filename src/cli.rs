//! The command line: one subcommand per thing a user does, each a thin layer over the library.
//!
//! Exit codes are the same everywhere: 0 done (and, for `check`, no errors); 1 the model has
//! errors, or (for `diff`) the scored outcomes differ; 2 a file cannot be read or parsed, or the
//! command line is wrong.

/// Everything the commands print to standard error goes through `printable_lines`: messages
/// quote ids, names and cells, which may hold terminal escape sequences. Defined before the
/// command modules, this `eprintln!` is the one they use.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        let text = format!($($arg)*);
        std::eprintln!("{}", $crate::printable::printable_lines(&text))
    }};
}

mod backtest;
mod check;
mod diff;
mod events;
mod explain;
mod explain_account;
mod export;
mod fmt;
mod generate;
mod new;
mod report;
mod score;
mod score_accounts;
mod suggest;
mod tune;

use clap::{Parser, Subcommand, ValueEnum};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "scorewright",
    version,
    about = "Design lead- and customer-scoring models with marketing and sales, check them, and score contacts.",
    long_about = "Design lead- and customer-scoring models with marketing and sales, check them, and score contacts.\n\nWith no command, opens the designer on the built-in example.",
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  scorewright                                  open the designer on the built-in example\n  scorewright model.yaml                       open a model in the designer (as `edit`)\n  scorewright new model.yaml --template lead-fit-activity\n  scorewright check model.yaml\n  scorewright score model.yaml contacts.csv -o scored.csv"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// A model file to open in the designer, as `scorewright edit MODEL` does: an existing
    /// file, or a new name ending in `.yaml` or `.yml`.
    #[arg(value_name = "MODEL")]
    pub model: Option<std::path::PathBuf>,
    /// The sheet to read when the contacts are a spreadsheet (XLSX, XLS, XLSB, ODS; default:
    /// the first sheet). Taken by every command that reads contacts, and by the designer.
    #[arg(long, global = true, value_name = "NAME")]
    pub sheet: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Open a model in the designer (a missing file is started from a template you pick).
    #[command(
        after_help = "Examples:\n  scorewright edit my-model.yaml\n  scorewright edit examples/x-education.yaml --contacts ../shared/data/leads/Leads.csv\n\nIn the designer, ? shows every key."
    )]
    Edit(EditArgs),
    /// Check a model: weights, ids, rules, thresholds, personas.
    #[command(
        after_help = "Example:\n  scorewright check examples/b2b-customer.yaml --contacts examples/b2b-customer.csv\n\nExit codes: 0 no errors, 1 errors, 2 the file cannot be read or parsed."
    )]
    Check(check::Args),
    /// Score every contact of a file, streaming rows in and out.
    #[command(
        after_help = "Examples:\n  scorewright score model.yaml contacts.csv -o scored.csv\n  scorewright score model.yaml contacts.csv --format jsonl --explain | less\n  scorewright score model.yaml big.csv --only-results -o results.csv"
    )]
    Score(score::Args),
    /// Explain why one contact scored what it did.
    #[command(
        after_help = "Example:\n  scorewright explain examples/b2b-customer.yaml examples/b2b-customer.csv --id C-1001"
    )]
    Explain(explain::Args),
    /// Start a model from a shipped example.
    #[command(
        after_help = "Example:\n  scorewright new my-model.yaml --template lead-fit-activity\n\nTemplates: b2b-customer, lead-fit-activity, b2c-hot-warm-cold, x-education, telco-churn."
    )]
    New(new::Args),
    /// Measure a model against a historical outcome: AUC, lift, capture, thresholds.
    #[command(
        after_help = "Example:\n  scorewright backtest examples/x-education.yaml ../shared/data/leads/Leads.csv --outcome Converted\n\nThe outcome column holds 0/1, yes/no or true/false."
    )]
    Backtest(backtest::Args),
    /// Compare two versions of a model, and what the change does to contacts.
    #[command(
        after_help = "Examples:\n  scorewright diff old.yaml new.yaml\n  scorewright diff old.yaml new.yaml --contacts contacts.csv --format json\n\nExit codes: 0 the same, 1 the outcomes (or, without contacts, the models) differ, 2 a file cannot be read."
    )]
    Diff(diff::Args),
    /// Export the model as one SQL query that scores a table where the contacts live.
    #[command(
        after_help = "Examples:\n  scorewright export model.yaml --sql --dialect duckdb --table contacts.csv > score.sql\n  duckdb -c \"COPY ($(cat score.sql)) TO 'scored.csv'\"\n  scorewright export model.yaml --sql --dialect spark --table crm.contacts --id contact_id"
    )]
    Export(export::Args),
    /// Write the model as one self-contained HTML page, for the workshop minutes.
    #[command(
        after_help = "Examples:\n  scorewright report examples/b2b-customer.yaml -o report.html\n  scorewright report examples/x-education.yaml --contacts ../shared/data/leads/Leads.csv --outcome Converted -o x.html"
    )]
    Report(report::Args),
    /// Suggest weights from a historical outcome, cross-validated.
    #[command(
        after_help = "Example:\n  scorewright tune examples/x-education.yaml ../shared/data/leads/Leads.csv --outcome Converted -o tuned.yaml\n\nKeeps every journey, touchpoint, signal and rule; moves weights (each group still summing to 100%),\nattainments (within 0 to 1, shrunk towards the hand values), scale end points and adjustment points;\n--weights-only moves weights alone. Fixed and bounded numbers come from the model's `tuning` list."
    )]
    Tune(tune::Args),
    /// Columns the model does not use, ranked by what they would add, with leaks flagged.
    #[command(
        after_help = "Example:\n  scorewright suggest examples/x-education.yaml ../shared/data/leads/Leads.csv\n\nEach column gets a proposed field, rule (match from per-value rates, bands from quantiles) and touchpoint.\nColumns that nearly decide the outcome alone are flagged as leaks: they are usually filled in after it."
    )]
    Suggest(suggest::Args),
    /// Make synthetic contacts that fit a model's fields.
    #[command(
        after_help = "Example:\n  scorewright generate examples/lead-fit-activity.yaml -n 1000 --seed 7 -o contacts.csv"
    )]
    Generate(generate::Args),
    /// Rewrite a model in the one canonical layout (`--check`: only say whether it is).
    #[command(
        after_help = "Examples:\n  scorewright fmt model.yaml\n  scorewright fmt --check model.yaml\n\nOnly this command reformats; a save in the designer or `tune -o` changes only what changed.\nExit codes: 0 formatted (or already so), 1 not in the layout (--check) or has comments, 2 the file cannot be read."
    )]
    Fmt(fmt::Args),
}

#[derive(clap::Args, Debug)]
pub struct EditArgs {
    /// The model file.
    pub model: std::path::PathBuf,
    /// Contacts to preview and check against (default: the model's `contacts`).
    #[arg(long)]
    pub contacts: Option<std::path::PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TextOrJson {
    Text,
    Json,
}

/// Runs the command line and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => code,
        // A reader that stopped early (`| head`) is not an error.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => match e.downcast_ref::<Fail>() {
            Some(f) => {
                eprintln!("{}", f.message);
                ExitCode::from(f.code)
            }
            None => {
                eprintln!("scorewright: {e:#}");
                ExitCode::from(2)
            }
        },
    }
}

/// Whether a path is named as a model file is (`.yaml` or `.yml`).
fn is_model_name(p: &std::path::Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// Whether an error comes from writing to a pipe whose reader has gone, however it was
/// wrapped (the CSV writer keeps the I/O error inside its own, without a source).
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    let broken = |io: &std::io::Error| io.kind() == std::io::ErrorKind::BrokenPipe;
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>().is_some_and(broken)
            || c.downcast_ref::<csv::Error>()
                .is_some_and(|e| matches!(e.kind(), csv::ErrorKind::Io(io) if broken(io)))
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Some(s) = &cli.sheet {
        crate::contacts::read::choose_sheet(s);
    }
    match cli.command {
        None => match cli.model {
            None => open_builtin(),
            Some(m) if m.is_file() || is_model_name(&m) => crate::tui::edit(&m, None),
            Some(m) => {
                // Most likely a mistyped command: never start a new model named like one.
                eprintln!(
                    "scorewright: '{}' is neither a command nor a model file (run `scorewright --help` for the commands; `scorewright edit FILE` starts a new model)",
                    crate::printable::printable(&m.display().to_string())
                );
                Ok(ExitCode::from(2))
            }
        },
        Some(Command::Edit(a)) => crate::tui::edit(&a.model, a.contacts),
        Some(Command::Check(a)) => check::run(a),
        Some(Command::Score(a)) => score::run(a),
        Some(Command::Explain(a)) => explain::run(a),
        Some(Command::New(a)) => new::run(a),
        Some(Command::Generate(a)) => generate::run(a),
        Some(Command::Tune(a)) => tune::run(a),
        Some(Command::Suggest(a)) => suggest::run(a),
        Some(Command::Report(a)) => report::run(a),
        Some(Command::Backtest(a)) => backtest::run(a),
        Some(Command::Diff(a)) => diff::run(a),
        Some(Command::Export(a)) => export::run(a),
        Some(Command::Fmt(a)) => fmt::run(a),
    }
}

/// With no command: the designer on the built-in example. Its sample contacts are written to
/// the user's data folder so the designer can read them; Ctrl-s saves the model into the
/// current folder under a name that is free.
fn open_builtin() -> anyhow::Result<ExitCode> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return print_builtin();
    }
    let t = crate::templates::builtin();
    let contacts = t.contacts.and_then(|csv| {
        let dirs = directories::ProjectDirs::from("", "", "scorewright")?;
        let dir = dirs.data_dir().join("examples");
        std::fs::create_dir_all(&dir).ok()?;
        let p = dir.join(format!("{}.csv", t.name));
        crate::model::yaml::write_atomic(&p, csv.as_bytes()).ok()?;
        Some(p)
    });
    let mut save_to = std::path::PathBuf::from(t.file_name());
    let mut n = 2;
    while save_to.exists() {
        save_to = std::path::PathBuf::from(format!("{}-{n}.yaml", t.name));
        n += 1;
    }
    crate::tui::run_text(t.model, save_to, contacts)
}

/// Without a terminal: the built-in example, scored on its samples, as text.
fn print_builtin() -> anyhow::Result<ExitCode> {
    let t = crate::templates::builtin();
    let model = crate::model::parse_model(t.model, t.file_name())?;
    let table = match t.contacts {
        Some(csv) => {
            let mut r = crate::contacts::ContactsReader::from_reader(
                "samples",
                Box::new(std::io::Cursor::new(csv.as_bytes().to_vec())),
            )?;
            r.next_chunk(usize::MAX)?.unwrap_or_default()
        }
        None => crate::contacts::Table::from_maps("samples", &model.samples),
    };
    let scored = crate::engine::score_table(&model, &table);
    say(format!(
        "{} (built-in example '{}'), scored on its {} sample contacts:\n",
        model.name,
        t.name,
        table.rows()
    ))?;
    let id = crate::engine::output::id_column(&model, &table.headers);
    let cols = crate::engine::output_columns(&model);
    say(format!("{:<12} {}", id, cols.join(" | ")))?;
    for i in 0..table.rows() {
        let row = crate::engine::output_row(&model, &scored, i);
        let row: Vec<String> = row.iter().map(|v| shorten_score(v)).collect();
        say(format!(
            "{:<12} {}",
            crate::engine::output::id_cell(&table, i, &id),
            row.join(" | ")
        ))?;
    }
    say(format!(
        "\nTry: scorewright new my-model.yaml --template {}   then   scorewright check my-model.yaml",
        t.name
    ))?;
    Ok(ExitCode::SUCCESS)
}

fn shorten_score(v: &str) -> String {
    match v.parse::<f64>() {
        Ok(x) if v.contains('.') => format!("{x:.1}"),
        _ => v.to_string(),
    }
}

/// A failure with the exit code it ends in, its message already located and worded for the
/// user (a parse error with file, line and column): printed as it is.
#[derive(Debug)]
pub(crate) struct Fail {
    pub code: u8,
    pub message: String,
}

impl std::fmt::Display for Fail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Fail {}

/// A file that cannot be read or parsed: exit code 2.
/// Says on stderr that a command reads only the contact level of a model with accounts
/// (issue 19), so that the account level is never left out without a word.
pub(crate) fn contacts_only(path: &std::path::Path, model: &crate::model::Model, command: &str) {
    if model.accounts.is_some() {
        eprintln!(
            "note: {}: `{command}` reads the contact level only; its accounts block is left out (see the README's Accounts)",
            path.display()
        );
    }
}

pub(crate) fn unreadable(e: impl std::fmt::Display) -> anyhow::Error {
    Fail {
        code: 2,
        message: e.to_string(),
    }
    .into()
}

/// The width of a text column: its longest entry, and at least 6.
pub(crate) fn column_width<'a>(entries: impl Iterator<Item = &'a str>) -> usize {
    entries.map(|e| e.chars().count()).max().unwrap_or(6).max(6)
}

/// Writes a line to standard output, passing write errors (a closed pipe) up. Control
/// characters in it are escaped (`printable_lines`): this is text for a person.
pub(crate) fn say(text: impl std::fmt::Display) -> anyhow::Result<()> {
    use std::io::Write;
    let text = text.to_string();
    writeln!(
        std::io::stdout().lock(),
        "{}",
        crate::printable::printable_lines(&text)
    )?;
    Ok(())
}

/// Refuses to overwrite a file unless forced, and refuses, even when forced, an output that is
/// the same file as one of the command's `inputs` (by another name, a link, or a hard link):
/// `-o` must never replace the model or the contacts the command reads. Writing to standard
/// output (no file) is fine.
pub fn refuse_overwrite(
    path: Option<&std::path::Path>,
    inputs: &[&std::path::Path],
    force: bool,
) -> anyhow::Result<()> {
    let Some(path) = path else {
        return Ok(());
    };
    if let Some(input) = inputs.iter().find(|i| crate::files::same_file(path, i)) {
        return Err(Fail {
            code: 2,
            message: format!(
                "{}: is the same file as the input {}: refusing to overwrite it, even with \
                 --force; write the output to another file",
                path.display(),
                input.display()
            ),
        }
        .into());
    }
    if path.exists() && !force {
        anyhow::bail!(
            "{} already exists: pass --force to overwrite it",
            path.display()
        );
    }
    Ok(())
}

/// A count with a comma between each three digits (`1,204`), as messages about rows write it.
pub(crate) fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// What a command says on stderr when a Salesforce report's footer was left out at the end of
/// a contacts file (`contacts::blocks::footer_at`): `rows` is the count of rows read before it.
pub(crate) fn footer_note(file: &str, rows: u64, footer: Option<(u64, u64)>) -> Option<String> {
    let (lines, first) = footer?;
    Some(format!(
        "{file}: {lines} report footer line{} after row {} (from line {first}: a Salesforce \
         report's name, copyright and \"Generated By\") {} not scored",
        if lines == 1 { "" } else { "s" },
        thousands(rows),
        if lines == 1 { "was" } else { "were" }
    ))
}

/// Reads a whole contacts file for a command, saying on stderr when a report footer was left
/// out; an unreadable file is an error for the command's exit code 2.
pub(crate) fn read_contacts_noting(
    path: &std::path::Path,
) -> anyhow::Result<crate::contacts::Table> {
    let (table, footer) = crate::contacts::read_contacts_and_footer(path).map_err(unreadable)?;
    if let Some(note) = footer_note(&path.display().to_string(), table.rows() as u64, footer) {
        eprintln!("{note}");
    }
    Ok(table)
}
