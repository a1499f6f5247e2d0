//! The back-test at the account level (issue 19): the account model's scores measured against
//! each account's outcome, with the same tables as the contacts' (AUC, deciles, capture,
//! thresholds, calibration, tiers, grades).
//!
//! An account's outcome is read from its contacts' rows, in one of two ways: an account
//! converted when any of its contacts did (the contacts' outcome column: yes when any row says
//! yes, no when its rows with an outcome all say no, unknown when none has one), or an account
//! outcome column that every row of the account repeats (blank rows ignored; an account whose
//! rows say both yes and no is reported and its outcome left unknown, never guessed). Contacts
//! without an account are left out and counted. The accounts are scored by the engine's one
//! path (`engine::accounts::score_with_accounts`), so the back-test measures the scores that
//! `score --accounts` writes.

use super::{Backtest, BacktestError, measure, text as level_text};
use crate::contacts::Table;
use crate::engine::accounts::{Plan, ScoredAccounts, account_of, score_with_accounts};
use crate::engine::insight::Outcome;
use crate::model::Model;
use serde::Serialize;
use std::fmt::Write;

/// Where an account's outcome comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AccountOutcome<'a> {
    /// The contacts' outcome: the account converted when any of its contacts did.
    AnyContact,
    /// A column of the contacts' rows holding the account's own outcome, one value per account.
    Column(&'a str),
}

/// An account whose rows disagree on its outcome column: its outcome is left unknown.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Disagreement {
    pub account: String,
    /// The first line of a row saying yes, and of one saying no.
    pub yes_line: u64,
    pub no_line: u64,
}

/// The account level's back-test.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AccountBacktest {
    /// How each account's outcome was read, in words.
    pub outcome_rule: String,
    /// Contacts whose account cell is blank: left out of the account back-test.
    pub without_account: u64,
    /// Accounts whose rows disagree on the account outcome column (none with `AnyContact`).
    pub disagreeing: Vec<Disagreement>,
    /// The back-test proper, one row per account (`contacts` in it counts accounts).
    pub backtest: Backtest,
}

/// The accounts of a table of contacts, scored, with their outcome: what the account level
/// of `backtest` measures and `tune --level account` learns from.
pub struct AccountOutcomes {
    pub accounts: ScoredAccounts,
    /// One value per account, in the book's order.
    pub outcome: Outcome,
    /// How the outcome was read, in words.
    pub rule: String,
    pub disagreeing: Vec<Disagreement>,
}

/// Scores the accounts of `table` by `plan` and reads each account's outcome from its
/// contacts' rows. `contacts` is the contacts' outcome (read and checked by the caller).
pub fn account_outcomes(
    model: &Model,
    plan: &Plan,
    table: &Table,
    contacts: &Outcome,
    how: AccountOutcome,
) -> Result<AccountOutcomes, BacktestError> {
    let (column, rows, outcome_rule) = match how {
        AccountOutcome::AnyContact => (
            format!("{} (any contact)", contacts.column),
            contacts.values.clone(),
            format!(
                "an account {} when any of its contacts did ('{}')",
                model.outcome_words().did,
                contacts.column
            ),
        ),
        AccountOutcome::Column(c) => {
            let o = super::read_outcome(table, c)?;
            (
                c.to_string(),
                o.values,
                format!("each account's own outcome, column '{c}' of its contacts' rows"),
            )
        }
    };
    let (_, scored) =
        score_with_accounts(plan, table).map_err(|e| BacktestError::Accounts(e.to_string()))?;
    let n = scored.book.ids.len();
    // Per account: the first line of a yes and of a no.
    let (mut yes, mut no) = (vec![None::<u64>; n], vec![None::<u64>; n]);
    for (row, v) in rows.iter().enumerate() {
        let Some(v) = v else { continue };
        let Some(k) =
            account_of(table, &plan.accounts.id_column, row).and_then(|id| scored.book.find(id))
        else {
            continue;
        };
        let seen = if *v { &mut yes[k] } else { &mut no[k] };
        seen.get_or_insert(table.lines.get(row).copied().unwrap_or(row as u64 + 1));
    }
    let mut disagreeing = Vec::new();
    let values: Vec<Option<bool>> = (0..n)
        .map(|k| match (yes[k], no[k], how) {
            (Some(_), _, AccountOutcome::AnyContact) => Some(true),
            (Some(y), Some(x), AccountOutcome::Column(_)) => {
                disagreeing.push(Disagreement {
                    account: scored.book.ids[k].clone(),
                    yes_line: y,
                    no_line: x,
                });
                None
            }
            (Some(_), None, _) => Some(true),
            (None, Some(_), _) => Some(false),
            (None, None, _) => None,
        })
        .collect();
    let outcome = Outcome {
        column,
        values,
        ..Outcome::default()
    };
    Ok(AccountOutcomes {
        accounts: scored,
        outcome,
        rule: outcome_rule,
        disagreeing,
    })
}

/// The accounts of `table` scored by `plan` and measured against their outcome (see
/// `account_outcomes`).
pub fn account_backtest(
    model: &Model,
    plan: &Plan,
    table: &Table,
    contacts: &Outcome,
    how: AccountOutcome,
) -> Result<AccountBacktest, BacktestError> {
    let source_name = table.source.clone();
    let AccountOutcomes {
        accounts: scored,
        outcome,
        rule: outcome_rule,
        disagreeing,
    } = account_outcomes(model, plan, table, contacts, how)?;
    let positives = outcome.positives();
    let negatives = outcome.known() - positives;
    if positives == 0 || negatives == 0 {
        return Err(BacktestError::OneClass {
            source_name: format!("{source_name} (accounts)"),
            column: outcome.column,
            positives,
            negatives,
        });
    }
    // The account model says the outcome in the contact model's words ("left", "converted"),
    // not in those of its own journeys' endings.
    let mut account_model = plan.account_model.clone();
    account_model.outcome = Some(crate::model::Outcome {
        says: Some(model.outcome_words().did),
        ..crate::model::Outcome::from(outcome.column.as_str())
    });
    Ok(AccountBacktest {
        outcome_rule,
        without_account: scored.book.without_account,
        disagreeing,
        backtest: measure(&account_model, &scored.scored, &outcome, &source_name),
    })
}

/// How many disagreeing accounts the text names (JSON lists them all).
const NAMED: usize = 5;

/// The account level as text: how the outcome was read, who was left out, then the tables.
pub(super) fn text(a: &AccountBacktest) -> String {
    let mut o = String::new();
    let b = &a.backtest;
    let _ = writeln!(o, "Accounts: {}", a.outcome_rule);
    if a.without_account > 0 {
        let _ = writeln!(
            o,
            "{} contact{} without an account left out",
            a.without_account,
            if a.without_account == 1 { "" } else { "s" }
        );
    }
    if !a.disagreeing.is_empty() {
        let _ = writeln!(
            o,
            "{} account{} left out: {} rows disagree on '{}'",
            a.disagreeing.len(),
            if a.disagreeing.len() == 1 { "" } else { "s" },
            if a.disagreeing.len() == 1 {
                "its"
            } else {
                "their"
            },
            b.outcome
        );
        for d in a.disagreeing.iter().take(NAMED) {
            let _ = writeln!(
                o,
                "  {}: yes at line {}, no at line {}",
                crate::printable::printable(&d.account),
                d.yes_line,
                d.no_line
            );
        }
        if a.disagreeing.len() > NAMED {
            let _ = writeln!(o, "  and {} more", a.disagreeing.len() - NAMED);
        }
    }
    o.push_str(&level_text(b, "accounts"));
    o
}
