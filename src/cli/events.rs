//! The glue between the commands and a model's event log (issue 20): `--as-of`, reading the
//! log once, the contacts a command reads (a file, or with none, the log's own contacts), and
//! the report of what the log held that was bad or left out.

use crate::contacts::{ContactsReader, Table};
use crate::engine::events::EventLog;
use crate::model::{Date, Model, ModelFile};
use std::path::{Path, PathBuf};

/// Parses `--as-of DATE`.
pub fn parse_as_of(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("'{text}' is not a date: write it as YYYY-MM-DD"))
}

/// Sets the model's `as_of` to `--as-of` when given: windows, recency and decay all count back
/// from it, and only events before it are read.
pub fn apply_as_of(model: &mut Model, as_of: Option<Date>) {
    if as_of.is_some() {
        model.as_of = as_of;
    }
}

/// The model's event log, aggregated as of the model's `as_of` (else today), or `None` when
/// the model names none. An unreadable log is exit code 2.
pub fn read_log(file: &ModelFile) -> anyhow::Result<Option<EventLog>> {
    crate::engine::events::read_model_log(&file.model, &file.path).map_err(super::unreadable)
}

/// The contacts a command reads: the file given, else (for a model with events and no
/// contacts) the contacts of the log, else an error that says what to pass.
pub enum Contacts {
    File(PathBuf),
    OfLog,
}

impl Contacts {
    pub fn choose(
        given: Option<&Path>,
        file: &ModelFile,
        log: Option<&EventLog>,
    ) -> anyhow::Result<Contacts> {
        match (given, log) {
            (Some(p), _) => Ok(Contacts::File(p.to_path_buf())),
            (None, Some(_)) if file.model.contacts.is_none() => Ok(Contacts::OfLog),
            (None, _) => match &file.model.contacts {
                Some(c) => Ok(Contacts::File(
                    file.path.parent().unwrap_or(Path::new("")).join(c),
                )),
                None => Err(super::unreadable(format!(
                    "{}: names no contacts and no events: pass the contacts file",
                    file.path.display()
                ))),
            },
        }
    }

    /// The name messages give the contacts.
    pub fn name(&self, log: Option<&EventLog>) -> String {
        match self {
            Contacts::File(p) => p.display().to_string(),
            Contacts::OfLog => log.map_or(String::new(), |l| l.report.file.clone()),
        }
    }

    /// A reader over the contacts: the file, or the log's contacts as JSON Lines of one id each
    /// (so that the streaming commands read them as they read any file).
    pub fn reader(&self, model: &Model, log: Option<&EventLog>) -> anyhow::Result<ContactsReader> {
        match (self, log) {
            (Contacts::File(p), _) => ContactsReader::open(p).map_err(super::unreadable),
            (Contacts::OfLog, Some(log)) => {
                let column = id_column_of_log(model);
                let mut text = Vec::new();
                for id in &log.ids {
                    let mut row = serde_json::Map::new();
                    row.insert(column.clone(), serde_json::Value::String(id.clone()));
                    serde_json::to_writer(&mut text, &row)?;
                    text.push(b'\n');
                }
                if log.ids.is_empty() {
                    return Err(super::unreadable(format!(
                        "{}: no event before {}: there are no contacts to score",
                        log.report.file,
                        model.as_of.unwrap_or_else(Date::today)
                    )));
                }
                ContactsReader::from_reader(&log.report.file, Box::new(std::io::Cursor::new(text)))
                    .map_err(super::unreadable)
            }
            (Contacts::OfLog, None) => Err(super::unreadable("no events to read contacts from")),
        }
    }

    /// The whole table, with the event fields attached and the log's report completed.
    pub fn table(&self, model: &Model, log: Option<&mut EventLog>) -> anyhow::Result<Table> {
        let mut t = self.base(model, log.as_deref())?;
        if let Some(log) = log {
            attach(model, &mut t, log);
        }
        Ok(t)
    }

    /// The whole table as read, without event fields.
    pub fn base(&self, model: &Model, log: Option<&EventLog>) -> anyhow::Result<Table> {
        match (self, log) {
            (Contacts::File(p), _) => super::read_contacts_noting(p),
            (Contacts::OfLog, Some(l)) => Ok(l.contacts(&id_column_of_log(model))),
            (Contacts::OfLog, None) => Err(super::unreadable("no events to read contacts from")),
        }
    }
}

/// Attaches the model's event fields from its log to `table`, and counts in the log's report
/// the log's contacts the table does not have.
pub fn attach(model: &Model, table: &mut Table, log: &mut EventLog) {
    let id = crate::engine::output::id_column(model, &table.headers);
    let mut found = vec![false; log.ids.len()];
    log.attach(table, &id, &mut found);
    log.count_unknown(&found);
}

pub use crate::engine::events::id_column_of_log;

/// Writes the log's report to standard error.
pub fn report(log: Option<&EventLog>) {
    for line in log.map(|l| l.report.lines()).unwrap_or_default() {
        eprintln!("{line}");
    }
}

/// `load` as of another date (the rolling back-test's): the log read with the model's `as_of`
/// set to `as_of`, the contacts chosen as `load` chooses them; the log's report is handed
/// back rather than written, so that a line said at every date is said once.
pub fn load_as_of(
    file: &ModelFile,
    given: Option<&Path>,
    as_of: Date,
) -> anyhow::Result<(Model, Table, Vec<String>)> {
    let mut model = file.model.clone();
    model.as_of = Some(as_of);
    let mut log =
        crate::engine::events::read_model_log(&model, &file.path).map_err(super::unreadable)?;
    let contacts = Contacts::choose(given, file, log.as_ref())?;
    let table = contacts.table(&model, log.as_mut())?;
    let lines = log.map(|l| l.report.lines()).unwrap_or_default();
    Ok((model, table, lines))
}

/// For the commands that read the whole table (`backtest`, `tune`, `suggest`): the contacts
/// (the file given, else the model's, else the log's) with the event fields attached, and the
/// name messages give them. The log's report goes to standard error.
pub fn load(file: &ModelFile, given: Option<&Path>) -> anyhow::Result<(Table, PathBuf)> {
    let mut log = read_log(file)?;
    let contacts = Contacts::choose(given, file, log.as_ref())?;
    let table = contacts.table(&file.model, log.as_mut())?;
    report(log.as_ref());
    Ok((table, PathBuf::from(contacts.name(log.as_ref()))))
}
