//! `scorewright explain --account ID`: one account's explanation tree (its roll-ups and roles
//! as the signals' raw values), then the contacts that made it: each with its line, its
//! scores and the roles it holds (and whether it is engaged for them).
//!
//! The whole file is read once, in chunks, as `score` reads it: every account's roll-ups are
//! kept (the book), and of the contacts only those of the asked account.

use super::TextOrJson;
use super::explain::Args;
use crate::contacts::ContactsReader;
use crate::engine::accounts::{Book, Plan, ScoredAccounts, account_of};
use crate::engine::output::format_score;
use crate::engine::{explain, score_table};
use crate::model::Model;
use serde::Serialize;
use std::process::ExitCode;

/// A contact of the explained account.
#[derive(Serialize)]
struct Member {
    id: String,
    line: u64,
    /// Journey id to the score as written.
    scores: indexmap::IndexMap<String, String>,
    /// The roles the contact holds.
    roles: Vec<String>,
    /// Whether it counts for its roles (`accounts.engaged`; always, without one).
    engaged: bool,
}

pub fn run(
    a: &Args,
    model: &Model,
    contacts: &std::path::Path,
    account: &str,
) -> anyhow::Result<ExitCode> {
    let Some(mut plan) = Plan::new(model) else {
        eprintln!(
            "{}: has no accounts block, so --account has nothing to explain (see the README's Accounts)",
            a.model.display()
        );
        return Ok(ExitCode::from(2));
    };
    plan.read_file(&a.model).map_err(super::unreadable)?;
    let mut reader = ContactsReader::open(contacts).map_err(super::unreadable)?;
    let headers = reader.headers().to_vec();
    if let Some(why) = super::score_accounts::missing_field_column(&plan, &headers) {
        eprintln!("{}: {why}", contacts.display());
        return Ok(ExitCode::from(2));
    }
    let id = crate::engine::output::id_column(model, &headers);
    let column = &plan.accounts.id_column;
    let mut book = Book::default();
    let mut members = Vec::new();
    let mut number = 0u64;
    while let Some(t) = reader.next_chunk(50_000).map_err(super::unreadable)? {
        let scored = score_table(&plan.contact_model, &t);
        book.add(&plan, &t, &scored);
        for row in 0..t.rows() {
            number += 1;
            if account_of(&t, column, row) != Some(account.trim()) {
                continue;
            }
            let held: Vec<usize> = (0..plan.accounts.roles.len())
                .filter(|&r| scored.scores[plan.journeys + r][row] >= 100.0)
                .collect();
            let engaged = held
                .first()
                .is_none_or(|&r| plan.holds_role(&scored, r, row));
            members.push(Member {
                id: if id == crate::engine::ROW_ID {
                    number.to_string()
                } else {
                    t.cell(row, &id).to_string()
                },
                line: t.lines[row],
                scores: model
                    .journeys
                    .iter()
                    .zip(&scored.scores)
                    .map(|(j, s)| (j.id.clone(), format_score(s[row])))
                    .collect(),
                roles: held
                    .iter()
                    .map(|&r| plan.accounts.roles[r].id.clone())
                    .collect(),
                engaged,
            });
        }
    }
    let accounts = ScoredAccounts::new(&plan, book).map_err(super::unreadable)?;
    let Some(k) = accounts.book.find(account) else {
        eprintln!(
            "{}: no contact names account '{}' in column '{column}'",
            contacts.display(),
            crate::printable::printable(account.trim())
        );
        return Ok(ExitCode::from(2));
    };
    let e = explain(&plan.account_model, &accounts.scored, k);
    match a.format {
        TextOrJson::Text => {
            super::say(format!(
                "account {} ({} contact{} in {}), model '{}' as of {}",
                account.trim(),
                members.len(),
                if members.len() == 1 { "" } else { "s" },
                contacts.display(),
                model.name,
                accounts.scored.today
            ))?;
            super::say(crate::engine::explain::render_text(&e).trim_end())?;
            if let Some(file) = &plan.file
                && file.row(account).is_none()
                && !plan.accounts.fields.is_empty()
            {
                super::say(format!(
                    "account fields: missing, as {} has no row for account '{}'",
                    file.name,
                    crate::printable::printable(account.trim())
                ))?;
            }
            if members.is_empty() {
                super::say("contacts: none")?;
            } else {
                super::say("contacts:")?;
            }
            for m in &members {
                let scores: Vec<String> =
                    m.scores.iter().map(|(j, s)| format!("{j} {s}")).collect();
                let roles = match (m.roles.is_empty(), m.engaged) {
                    (true, _) => "no role".to_string(),
                    (false, true) => format!("{} (engaged)", m.roles.join(", ")),
                    (false, false) => format!("{} (not engaged)", m.roles.join(", ")),
                };
                super::say(format!(
                    "  {id} {} (line {}): {}; {roles}",
                    m.id,
                    m.line,
                    scores.join(", ")
                ))?;
            }
        }
        TextOrJson::Json => {
            let mut v = serde_json::Map::new();
            v.insert("account".into(), serde_json::Value::from(account.trim()));
            v.insert("contacts".into(), serde_json::to_value(&members)?);
            if let serde_json::Value::Object(o) = serde_json::to_value(&e)? {
                v.extend(o.into_iter().filter(|(k, _)| k != "row"));
            }
            super::say(serde_json::to_string_pretty(&v)?)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `explain --id` of a contact whose segments read its account: the whole file is read, as
/// `score` reads it, to score every account; then the contact's segment is decided with its
/// account's parts, each part said with its value on the account (`account Acme (account 64,
/// tier hot): { tier: hot } holds`), or that the contact has no account and the parts fail.
/// Nothing changes for a model whose segments do not read the account.
pub fn segment_by_account(
    model: &Model,
    model_path: &std::path::Path,
    contacts: &std::path::Path,
    one: &crate::contacts::Table,
    e: &mut crate::engine::explain::Explanation,
) -> anyhow::Result<()> {
    let Some(plan) = Plan::for_file(model, Some(model_path)).map_err(super::unreadable)? else {
        return Ok(());
    };
    let Some(split) = &plan.split else {
        return Ok(());
    };
    let mut reader = ContactsReader::open(contacts).map_err(super::unreadable)?;
    let mut book = Book::default();
    while let Some(t) = reader.next_chunk(50_000).map_err(super::unreadable)? {
        let scored = score_table(&plan.contact_model, &t);
        book.add(&plan, &t, &scored);
    }
    let accounts = ScoredAccounts::new(&plan, book).map_err(super::unreadable)?;
    let scored = score_table(&plan.contact_model, one);
    let parts = plan.contact_parts(&scored);
    let id = account_of(one, &plan.accounts.id_column, 0);
    let k = id.and_then(|id| accounts.book.find(id));
    let segment = plan.decide_segment(&accounts, &|i| parts[i][0], k);
    crate::engine::explain::set_segment(e, model, &scored, segment);
    let about = match (id, k) {
        (Some(id), Some(k)) => {
            let am = &plan.account_model;
            let mut said: Vec<String> = am
                .journeys
                .iter()
                .zip(&accounts.scored.scores)
                .map(|(j, s)| format!("{} {}", j.id, format_score(s[k])))
                .collect();
            if let Some(t) = accounts.scored.tier(am, k) {
                said.push(format!("tier {}", t.name));
            }
            format!("account {id} ({})", said.join(", "))
        }
        _ => "no account (so every account part fails)".to_string(),
    };
    e.segment_account = split
        .account
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let holds = k.is_some_and(|k| accounts.parts[i][k]);
            format!(
                "{about}: {} {}",
                crate::export::report::condition_text(c),
                if holds { "holds" } else { "does not hold" }
            )
        })
        .collect();
    Ok(())
}
