//! `scorewright score` for a model with accounts: two passes over the contacts file.
//!
//! Pass 1 reads the file in chunks, scores each chunk and adds it to the account book
//! (`engine::accounts::Book`: per account, its contact count, one number per roll-up, the `n`
//! best scores of a `top_mean`, one flag per role), then scores the accounts. Pass 2 reads the
//! file again and writes each contact with its own outputs and its account's (`account_*`).
//! Memory is bounded by the number of accounts and one chunk, not by the file. A file that can
//! be read only once (standard input, a pipe) is refused: there is no second pass to make.
//! With `--accounts`, pass 2 is left out and one row is written per account instead.

use super::score::{Args, OutFormat, finish_output, open_output};
use crate::contacts::{ContactsReader, FieldQuality};
use crate::engine::accounts::{Book, Plan, ScoredAccounts, account_of};
use crate::engine::output::{output_columns, output_row_into};
use crate::engine::score_table;
use crate::model::Model;
use std::io::Write;
use std::process::ExitCode;

/// Rows per chunk in both passes.
const CHUNK: usize = 50_000;

pub fn run(a: &Args, model: &Model, contacts: &std::path::Path) -> anyhow::Result<ExitCode> {
    let Some(plan) = Plan::new(model) else {
        eprintln!(
            "{}: --accounts needs an accounts: block in the model (see the README's Accounts)",
            a.model.display()
        );
        return Ok(ExitCode::from(2));
    };
    let name = contacts.display().to_string();
    let refuse = |why: String| -> anyhow::Result<ExitCode> {
        eprintln!("{name}: {why}");
        Ok(ExitCode::from(2))
    };
    if model.events.is_some() {
        return refuse(
            "a model with both accounts: and events: is not scored yet (score each level in a model of its own)"
                .into(),
        );
    }
    if a.format != OutFormat::Csv || a.explain {
        return refuse(
            "a model with accounts is scored to CSV without --explain for now (use `explain \
             --account ID` for an account's explanation)"
                .into(),
        );
    }
    if a.reasons {
        // Said, not dropped: the column would otherwise be missing from an exit-0 run.
        return refuse(
            "--reasons is not written for a model with accounts yet (as `export --reasons` \
             refuses it): score without --reasons"
                .into(),
        );
    }
    if !std::fs::metadata(contacts).is_ok_and(|m| m.is_file()) {
        return refuse(
            "not a regular file: a model with accounts reads the contacts twice (once to roll \
             up each account, once to write the rows), and this can be read only once; write \
             it to a file first and score that"
                .to_string(),
        );
    }
    let open = || ContactsReader::open(contacts).map_err(super::unreadable);
    let mut reader = open()?;
    let headers = reader.headers().to_vec();
    let column = &plan.accounts.id_column;
    let found = headers.iter().any(|h| h == column)
        || headers
            .iter()
            .any(|h| h.trim().eq_ignore_ascii_case(column.trim()));
    if !found {
        return refuse(format!(
            "has no column '{column}', which the model's accounts.id_column names: add the \
             column, or name the one that holds each contact's account"
        ));
    }

    // Pass 1: the book of accounts.
    let mut book = Book::default();
    let mut quality: Vec<FieldQuality> = Vec::new();
    let mut rows = 0u64;
    while let Some(t) = reader.next_chunk(CHUNK).map_err(super::unreadable)? {
        let scored = score_table(&plan.contact_model, &t);
        book.add(&plan, &t, &scored);
        rows += t.rows() as u64;
        if quality.is_empty() {
            quality = scored.quality.clone();
        } else {
            for (q, n) in quality.iter_mut().zip(&scored.quality) {
                q.merge(n);
            }
        }
    }
    if rows == 0 {
        return refuse("has a header line but no rows: nothing scored".into());
    }
    let accounts = ScoredAccounts::new(&plan, book).map_err(super::unreadable)?;

    let (mut sink, tmp) = open_output(a.output.as_deref(), None)?;
    let written = if a.accounts {
        write_accounts(&plan, &accounts, &mut sink)
    } else {
        write_contacts(a, model, &plan, &accounts, &headers, open()?, &mut sink)
    }
    .and_then(|()| sink.flush().map_err(anyhow::Error::from));
    drop(sink);
    finish_output(written, tmp.as_deref(), a.output.as_deref())?;

    for q in &quality {
        if let Some(line) = q.describe(&name) {
            eprintln!("{line}");
        }
    }
    let book = &accounts.book;
    if book.without_account > 0 {
        eprintln!(
            "{name}: {} contact{} no account (column '{column}' blank; first at line {}): \
             scored as contacts, with empty account columns",
            book.without_account,
            if book.without_account == 1 {
                " has"
            } else {
                "s have"
            },
            book.first_without.unwrap_or(0)
        );
    }
    eprintln!(
        "{name}: {rows} contact{} scored in {} account{}",
        if rows == 1 { "" } else { "s" },
        book.ids.len(),
        if book.ids.len() == 1 { "" } else { "s" }
    );
    Ok(ExitCode::SUCCESS)
}

/// `--accounts`: one row per account, in the order first seen.
fn write_accounts(
    plan: &Plan,
    accounts: &ScoredAccounts,
    sink: &mut dyn Write,
) -> anyhow::Result<()> {
    let mut w = csv::Writer::from_writer(sink);
    w.write_record(plan.account_columns())?;
    for k in 0..accounts.book.ids.len() {
        w.write_record(accounts.account_row(plan, k))?;
    }
    w.flush()?;
    Ok(())
}

/// Pass 2: every contact with its outputs and its account's.
fn write_contacts(
    a: &Args,
    model: &Model,
    plan: &Plan,
    accounts: &ScoredAccounts,
    headers: &[String],
    mut reader: ContactsReader,
    sink: &mut dyn Write,
) -> anyhow::Result<()> {
    let id = crate::engine::output::id_column(model, headers);
    let mut outputs = output_columns(model);
    outputs.extend(plan.contact_columns());
    let stamp: Vec<String> = if a.stamp {
        outputs.extend(["model_version".to_string(), "scored_at".to_string()]);
        vec![
            crate::engine::version::model_version(model),
            crate::engine::version::scored_at(model),
        ]
    } else {
        Vec::new()
    };
    // A scored file scored again: its old output columns are replaced by this run's.
    let kept: Vec<&String> = if a.only_results {
        vec![&id]
    } else {
        headers.iter().filter(|h| !outputs.contains(h)).collect()
    };
    let mut w = csv::Writer::from_writer(sink);
    w.write_record(
        kept.iter()
            .map(|h| h.as_str())
            .chain(outputs.iter().map(String::as_str)),
    )?;
    let (mut own, mut account) = (Vec::new(), Vec::new());
    let column = &plan.accounts.id_column;
    let mut row_number = 0u64;
    while let Some(t) = reader.next_chunk(CHUNK).map_err(super::unreadable)? {
        let mut scored = score_table(&plan.contact_model, &t);
        scored.scores.truncate(plan.journeys);
        for row in 0..t.rows() {
            row_number += 1;
            output_row_into(model, &scored, row, &mut own);
            accounts.contact_cells(plan, account_of(&t, column, row), &mut account);
            let number = row_number.to_string();
            let cells = kept.iter().map(|h| {
                if *h == crate::engine::ROW_ID {
                    number.as_str()
                } else {
                    t.cell(row, h)
                }
            });
            w.write_record(
                cells
                    .chain(own.iter().map(String::as_str))
                    .chain(account.iter().map(String::as_str))
                    .chain(stamp.iter().map(String::as_str)),
            )?;
        }
    }
    w.flush()?;
    Ok(())
}
