//! `scorewright explain`: the explanation tree of one contact, found by id while streaming.

use super::TextOrJson;
use crate::contacts::ContactsReader;
use crate::engine::{explain, score_table};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The model file.
    pub model: PathBuf,
    /// The contacts file (default: the model's `contacts`, else, for a model with `events:`,
    /// the contacts the event log names).
    pub contacts: Option<PathBuf>,
    /// The contact's id (in the model's `id_column`, else `id`, else the first column; with
    /// `id_column: "#row"`, its row number, 1 for the first contact).
    #[arg(long, required_unless_present = "account")]
    pub id: Option<String>,
    /// Explain an account instead (the model's `accounts.id_column`): its score, and the
    /// contacts and roles that made it.
    #[arg(long, conflicts_with = "id")]
    pub account: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: TextOrJson,
    /// Explain as of this date (YYYY-MM-DD) instead of the model's `as_of`: only events before
    /// it are read.
    #[arg(long, value_name = "DATE", value_parser = super::events::parse_as_of)]
    pub as_of: Option<crate::model::Date>,
}

pub fn run(a: Args) -> anyhow::Result<ExitCode> {
    let mut file = crate::model::read_model(&a.model).map_err(super::unreadable)?;
    super::events::apply_as_of(&mut file.model, a.as_of);
    let model = &file.model;
    let log = super::events::read_log(&file)?;
    let contacts = super::events::Contacts::choose(a.contacts.as_deref(), &file, log.as_ref())?;
    let source = contacts.name(log.as_ref());
    let want = match (&a.id, &a.account) {
        (_, Some(account)) => {
            return match &contacts {
                super::events::Contacts::File(p) => {
                    super::explain_account::run(&a, model, p, account)
                }
                super::events::Contacts::OfLog => {
                    eprintln!(
                        "explain --account: the model's accounts are read from a contacts file; name one"
                    );
                    Ok(ExitCode::from(2))
                }
            };
        }
        (Some(id), None) => id.clone(),
        (None, None) => {
            eprintln!("explain: give --id ID (a contact) or --account ID (an account)");
            return Ok(ExitCode::from(2));
        }
    };
    let mut reader: ContactsReader = contacts.reader(model, log.as_ref())?;
    let id = crate::engine::output::id_column(model, reader.headers());
    // With `#row`, the contact is the n-th row (from 1), and the id is unique by nature.
    let row_number = if id == crate::engine::ROW_ID {
        match want.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                eprintln!(
                    "--id '{}': the model's id_column is '#row', so --id is a row number, 1 for \
                     the first contact",
                    crate::printable::printable(&want)
                );
                return Ok(ExitCode::from(2));
            }
        }
    } else {
        None
    };
    if row_number.is_none() && !reader.headers().iter().any(|h| h == &id) {
        eprintln!(
            "{}: has no id column '{id}' (set `id_column` in the model)",
            source
        );
        return Ok(ExitCode::from(2));
    }
    let mut before = 0;
    while let Some(t) = reader.next_chunk(50_000)? {
        let found = match row_number {
            Some(n) => (n - before <= t.rows()).then(|| n - before - 1),
            None => match t.column(&id) {
                Some(col) => col.iter().position(|v| v.trim() == want.trim()),
                None => break,
            },
        };
        before += t.rows();
        let Some(row) = found else {
            continue;
        };
        // Score just that row, so the tree reads only its own values.
        let one = crate::contacts::Table {
            source: t.source.clone(),
            headers: t.headers.clone(),
            columns: t
                .columns
                .iter()
                .map(|c| {
                    let mut n = crate::contacts::TextColumn::new();
                    n.push(c.get(row));
                    n
                })
                .collect(),
            lines: vec![t.lines[row]],
            ..Default::default()
        };
        let mut one = one;
        if let Some(log) = &log {
            log.attach(&mut one, &id, &mut []);
        }
        let scored = score_table(model, &one);
        let mut e = explain(model, &scored, 0);
        if let super::events::Contacts::File(path) = &contacts {
            super::explain_account::segment_by_account(model, &file.path, path, &one, &mut e)?;
        }
        match a.format {
            TextOrJson::Text => {
                super::say(format!(
                    "{} {} (line {} of {}), model '{}' as of {}",
                    id, want, t.lines[row], source, model.name, scored.today
                ))?;
                super::say(crate::engine::explain::render_text(&e).trim_end())?;
                if let Some(path) = crate::engine::events::events_path(model, &file.path) {
                    let contact = one.cell(0, &id).to_string();
                    let traces = crate::engine::events::trace(model, &path, scored.today, &contact)
                        .map_err(super::unreadable)?;
                    super::say(crate::engine::events::render_traces(&traces).trim_end())?;
                }
            }
            TextOrJson::Json => {
                // The contact by its line in the file, as the text says it: the explanation's
                // own `row` is its place in the one-row table scored here, always 0.
                let mut v = serde_json::Map::new();
                v.insert("id".into(), serde_json::Value::from(want.trim()));
                v.insert("line".into(), serde_json::Value::from(t.lines[row]));
                if let serde_json::Value::Object(o) = serde_json::to_value(&e)? {
                    v.extend(o.into_iter().filter(|(k, _)| k != "row"));
                }
                super::say(serde_json::to_string_pretty(&v)?)?;
            }
        }
        // An id that is not unique (an age as the first column) picks the first of several:
        // say so, once, with how many share it.
        if row_number.is_some() {
            return Ok(ExitCode::SUCCESS);
        }
        let mut same = t.column(&id).map_or(0, |c| {
            c.iter()
                .skip(row)
                .filter(|v| v.trim() == want.trim())
                .count()
        });
        while let Some(rest) = reader.next_chunk(50_000)? {
            same += rest
                .column(&id)
                .map_or(0, |c| c.iter().filter(|v| v.trim() == want.trim()).count());
        }
        if same > 1 {
            eprintln!(
                "note: {same} contacts in {} have {id} '{}'; this is the first (line {}). {id} is not unique: set `id_column` in the model to a column that is",
                source,
                want.trim(),
                t.lines[row]
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("{}: no contact with {id} '{}'", source, want);
    Ok(ExitCode::from(2))
}
