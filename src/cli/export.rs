//! `scorewright export --sql`: the model as one SQL query for where the contacts live;
//! `--dbt DIR`: the same query as a dbt package, with its tests and the personas as unit tests.

use crate::export::dbt::{DbtOptions, to_dbt};
use crate::export::sql::{stamped, to_sql_with_reasons};
use crate::export::{Dialect, ExportError, Source, SqlOptions, to_sql};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// Write SQL (the default; the flag says so in scripts).
    #[arg(long, conflicts_with = "dbt")]
    pub sql: bool,
    /// Write a dbt package into this folder: the query as a dbt model reading `--source`, its
    /// schema.yml with column tests, and the personas as unit tests.
    #[arg(long, value_name = "DIR")]
    pub dbt: Option<PathBuf>,
    /// The dbt source the model reads, as NAME.TABLE (with --dbt).
    #[arg(
        long,
        value_name = "NAME.TABLE",
        default_value = "contacts.contacts",
        requires = "dbt"
    )]
    pub source: String,
    /// duckdb, spark, postgres, bigquery or snowflake.
    #[arg(long, default_value = "duckdb")]
    pub dialect: Dialect,
    /// The table of contacts; for DuckDB also a CSV, Parquet or JSON Lines file, read directly.
    #[arg(long, default_value = "contacts")]
    pub table: String,
    /// The events table, for a model with event fields; for DuckDB also a CSV, Parquet or JSON
    /// Lines file, read directly. A model without `contacts:` exported without `--table`
    /// scores the contact ids of the events.
    #[arg(long, value_name = "TABLE")]
    pub events: Option<String>,
    /// The accounts table, for a model whose accounts block names a `file` (default: a table
    /// named `accounts`); for DuckDB also a CSV, Parquet or JSON Lines file, read directly.
    #[arg(long, value_name = "TABLE")]
    pub accounts_table: Option<String>,
    /// The id column (default: as `score` finds it in the file or sample: the model's
    /// `id_column`, else `id`, else the first column; without either, `id`).
    #[arg(long)]
    pub id: Option<String>,
    /// A sample of the contacts (or the file given as --table) whose column names the query
    /// then matches as the engine does, ignoring case; absent columns read as missing.
    #[arg(long)]
    pub contacts: Option<PathBuf>,
    /// Add `model_version` and `scored_at` after the outputs, as `score --stamp` does.
    #[arg(long)]
    pub stamp: bool,
    /// Add `reasons` after the outputs, as `score --reasons` does.
    #[arg(long)]
    pub reasons: bool,
    /// Export even when the model has check errors.
    #[arg(long)]
    pub allow_errors: bool,
    /// Where to write the query (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    #[arg(long)]
    pub force: bool,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let file = crate::model::read_model(&a.model).map_err(super::unreadable)?;
    // The query may read `--table` as a file: it is an input too.
    let table = PathBuf::from(&a.table);
    let events_file = a.events.as_ref().map(PathBuf::from);
    let accounts_file = a.accounts_table.as_ref().map(PathBuf::from);
    let mut inputs = vec![a.model.as_path(), table.as_path()];
    inputs.extend(events_file.as_deref());
    inputs.extend(accounts_file.as_deref());
    inputs.extend(a.contacts.as_deref());
    super::refuse_overwrite(a.output.as_deref(), &inputs, a.force)?;
    let source = match Source::from_cli(a.dialect, &a.table) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    let events = match a.events.as_deref().map(|e| Source::from_cli(a.dialect, e)) {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    if a.accounts_table.is_some()
        && file
            .model
            .accounts
            .as_ref()
            .is_none_or(|b| b.file.is_none())
    {
        // Said, not ignored: without `accounts.file` the query reads no accounts table.
        eprintln!(
            "--accounts-table: the model's accounts block names no accounts file (`accounts: file:`), so the query reads no accounts table"
        );
        return Ok(ExitCode::from(2));
    }
    let accounts = match a
        .accounts_table
        .as_deref()
        .map(|t| Source::from_cli(a.dialect, t))
    {
        None => None,
        Some(Ok(s)) => Some(s),
        Some(Err(e)) => {
            eprintln!("{e}");
            return Ok(ExitCode::from(2));
        }
    };
    // Column names from a sample, or from the file the query reads.
    let sample = a.contacts.clone().or_else(|| {
        let p = PathBuf::from(&a.table);
        p.is_file().then_some(p)
    });
    let headers = match &sample {
        Some(p) => match crate::contacts::ContactsReader::open(p) {
            Ok(r) => Some(r.headers().to_vec()),
            Err(e) => {
                eprintln!("{e}");
                return Ok(ExitCode::from(2));
            }
        },
        None => None,
    };
    let opts = SqlOptions {
        dialect: a.dialect,
        source,
        id_column: a.id.clone(),
        allow_errors: a.allow_errors,
        headers,
        events,
        accounts,
    };
    if let Some(dir) = &a.dbt {
        return dbt(&a, &file.model, opts, dir);
    }
    let query = if a.reasons {
        to_sql_with_reasons(&file.model, &opts)
    } else {
        to_sql(&file.model, &opts)
    };
    let sql = query.and_then(|q| {
        if a.stamp {
            stamped(&q, &file.model, a.dialect)
        } else {
            Ok(q)
        }
    });
    match sql {
        Ok(sql) => {
            match &a.output {
                Some(p) => {
                    crate::model::yaml::write_atomic(p, sql.as_bytes())
                        .map_err(|e| anyhow::anyhow!("{}: cannot write it: {e}", p.display()))?;
                    eprintln!("wrote {}", p.display());
                }
                None => super::say(sql.trim_end())?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e @ ExportError::CheckErrors(_)) => {
            eprintln!("{}: {e}", a.model.display());
            Ok(ExitCode::from(1))
        }
        Err(e) => {
            eprintln!("{}: {e}", a.model.display());
            Ok(ExitCode::from(2))
        }
    }
}

/// `--dbt DIR`: the package's files into `DIR`, each refused when it exists unless forced.
fn dbt(
    a: &Args,
    model: &crate::model::Model,
    sql: SqlOptions,
    dir: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let Some((source_name, source_table)) = a.source.split_once('.') else {
        eprintln!(
            "--source {:?}: name the dbt source and its table as NAME.TABLE (crm.leads)",
            a.source
        );
        return Ok(ExitCode::from(2));
    };
    let opts = DbtOptions {
        sql,
        source_name: source_name.into(),
        source_table: source_table.into(),
        stamp: a.stamp,
        reasons: a.reasons,
    };
    let package = match to_dbt(model, &opts) {
        Ok(p) => p,
        Err(e @ ExportError::CheckErrors(_)) => {
            eprintln!("{}: {e}", a.model.display());
            return Ok(ExitCode::from(1));
        }
        Err(e) => {
            eprintln!("{}: {e}", a.model.display());
            return Ok(ExitCode::from(2));
        }
    };
    let mut inputs = vec![a.model.as_path()];
    inputs.extend(a.contacts.as_deref());
    for f in &package.files {
        super::refuse_overwrite(Some(&dir.join(&f.path)), &inputs, a.force)?;
    }
    for f in &package.files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| anyhow::anyhow!("{}: cannot create it: {e}", parent.display()))?;
        }
        crate::model::yaml::write_atomic(&path, f.text.as_bytes())
            .map_err(|e| anyhow::anyhow!("{}: cannot write it: {e}", path.display()))?;
    }
    for n in &package.notes {
        eprintln!("{}: not a dbt unit test: {n}", a.model.display());
    }
    eprintln!(
        "wrote the dbt package {} ({} files)",
        dir.display(),
        package.files.len()
    );
    Ok(ExitCode::SUCCESS)
}
