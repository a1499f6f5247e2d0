//! The preview at the account level: the accounts of the loaded contacts, scored by the
//! current model and by the baseline, and what the accounts table and its drill-down show.
//!
//! `step` is called by the preview's step (`preview::compute`, on the worker thread for a
//! large table) after the contacts are scored, and only for a model with an `accounts:`
//! block: a model without one costs one `Option` check. It scores the contact model with the
//! roles as hidden journeys (`engine::accounts::Plan`) through the preview's own `Scorer`, so
//! the contacts' cached attainment columns serve it, fills a `Book`, and scores the accounts
//! through the engine as `score --accounts` does; then the same for the baseline, and the two
//! are compared as contacts are (`whatif::compare_on`), which gives the accounts' tier moves.
//!
//! Invariant: the accounts of both sides come from the same table and the same `id_column`
//! in the same order (first seen), so row `k` is the same account on both sides; when the
//! baseline groups the contacts differently (another `id_column`, or no block) there is no
//! comparison rather than a wrong one.

use crate::engine::Scorer;
use crate::engine::accounts::{
    AccountsFile, Book, NO_ACCOUNT, Plan, ScoredAccounts, accounts_and_segments,
};
use crate::engine::output::shown_score;
use crate::engine::whatif::{Comparison, compare_on, main_journey};
use crate::model::Model;
use std::sync::Arc;

/// The accounts of the preview's contacts under the current model.
pub struct AccountsComputed {
    /// The account model (roll-ups and roles as fields, the block's journeys, tiers...).
    pub model: Model,
    /// The accounts, in the order first seen, with their roll-ups and the account model's
    /// scores.
    pub accounts: ScoredAccounts,
    /// Per contact row: the index of its account, `NO_ACCOUNT` when its cell is blank.
    pub of_contact: Vec<u32>,
    /// The block's role ids, and per role per contact row whether the contact holds it.
    pub roles: Vec<String>,
    pub held: Vec<Vec<bool>>,
    /// Per contact row whether it is engaged (`accounts.engaged`); none: every contact is.
    pub engaged: Option<Vec<bool>>,
    /// The accounts against the baseline's: tier moves, score changes on the account model's
    /// main journey. `None` when the baseline has no accounts or groups them differently.
    pub comparison: Option<Comparison>,
}

/// For people: how many accounts, and the comparison (the scored table is long).
impl std::fmt::Debug for AccountsComputed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountsComputed")
            .field("accounts", &self.accounts.book.ids.len())
            .field("roles", &self.roles)
            .field("comparison", &self.comparison)
            .finish_non_exhaustive()
    }
}

impl AccountsComputed {
    /// The contact rows of account `k`, in file order.
    pub fn members(&self, k: usize) -> Vec<usize> {
        self.of_contact
            .iter()
            .enumerate()
            .filter(|(_, a)| **a as usize == k && **a != NO_ACCOUNT)
            .map(|(row, _)| row)
            .collect()
    }

    /// The roles contact `row` holds, each marked when it is not engaged (it then does not
    /// count for its account): `dm, user (not engaged)`.
    pub fn roles_of(&self, row: usize) -> String {
        let engaged = self
            .engaged
            .as_ref()
            .is_none_or(|e| e.get(row).copied().unwrap_or(false));
        let held: Vec<String> = self
            .roles
            .iter()
            .zip(&self.held)
            .filter(|(_, h)| h.get(row).copied().unwrap_or(false))
            .map(|(id, _)| {
                if engaged {
                    id.clone()
                } else {
                    format!("{id} (not engaged)")
                }
            })
            .collect();
        held.join(", ")
    }

    /// The index of the account model's main journey (its tiers', else the first).
    pub fn main_journey(&self) -> Option<usize> {
        main_journey(&self.model)
    }

    /// Account `k`'s tier name, or empty.
    pub fn tier(&self, k: usize) -> &str {
        let level = self.accounts.scored.tiers.get(k).copied();
        self.model
            .tiers
            .as_ref()
            .zip(level)
            .and_then(|(t, l)| t.levels.get(l as usize))
            .map_or("", |l| l.name.as_str())
    }

    /// Account `k`'s segment name, or empty.
    pub fn segment(&self, k: usize) -> &str {
        self.accounts
            .scored
            .segments
            .get(k)
            .and_then(|s| self.model.segments.get(*s as usize))
            .map_or("", |s| s.name.as_str())
    }
}

/// The accounts of one model over the scorer's table: the book, the accounts scored, each
/// contact's account, its roles and engagement.
struct Side {
    accounts: ScoredAccounts,
    of_contact: Vec<u32>,
    held: Vec<Vec<bool>>,
    engaged: Option<Vec<bool>>,
}

fn side(scorer: &mut Scorer, plan: &Plan) -> Option<Side> {
    let scored = scorer.score(&plan.contact_model);
    let table = scorer.table().clone();
    let mut book = Book::default();
    let mut of_contact = Vec::new();
    book.add_rows(plan, &table, &scored, &mut of_contact);
    let held = (0..plan.accounts.roles.len())
        .map(|r| {
            scored
                .scores
                .get(plan.journeys + r)
                .map_or_else(Vec::new, |c| c.iter().map(|s| *s >= 100.0).collect())
        })
        .collect();
    let engaged = plan.accounts.engaged.as_ref().map(|e| {
        let j = plan
            .contact_model
            .journeys
            .iter()
            .position(|x| x.id == e.journey);
        j.and_then(|j| scored.scores.get(j)).map_or_else(
            || vec![false; scored.rows],
            |c| c.iter().map(|s| shown_score(*s) >= e.at_least).collect(),
        )
    });
    // Past the 4 GiB a column holds the accounts are not shown (`score` says why).
    let accounts = ScoredAccounts::new(plan, book).ok()?;
    Some(Side {
        accounts,
        of_contact,
        held,
        engaged,
    })
}

/// The contacts' scores of `model` (`scorer.score(model)`), with each segment that reads the
/// contact's account (`account:`) decided once the accounts are scored, as `score` decides it
/// (`engine::accounts::score_with_accounts`); a model whose segments do not read the account
/// is scored as it is, at no further cost.
pub fn score_contacts(
    scorer: &mut Scorer,
    file: Option<&Arc<AccountsFile>>,
    model: &Model,
) -> crate::engine::Scored {
    let mut scored = scorer.score(model);
    let Some(mut plan) = Plan::new(model).filter(|p| p.split.is_some()) else {
        return scored;
    };
    plan.file = file.cloned();
    let full = scorer.score(&plan.contact_model);
    let table = scorer.table().clone();
    // Past the 4 GiB a column holds the accounts are not scored, and the segments stay as
    // without accounts (`score` says why).
    let _ = accounts_and_segments(&plan, &table, &full, &mut scored.segments);
    scored
}

/// The account level of one preview step: `None` for a model without accounts (at no cost).
/// Both sides read the accounts file the baseline holds (read when the contacts were opened).
pub fn step(
    scorer: &mut Scorer,
    baseline: &super::preview::Baseline,
    model: &Model,
) -> Option<AccountsComputed> {
    let file = baseline.accounts_file.clone();
    let base = baseline;
    let baseline = &baseline.model;
    let mut plan = Plan::new(model)?;
    plan.file = file.clone();
    let now = side(scorer, &plan)?;
    let comparison = Plan::new(baseline)
        .map(|mut b| {
            b.file = file.clone();
            b
        })
        .filter(|b| b.accounts.id_column == plan.accounts.id_column)
        .and_then(|b| {
            // The baseline's accounts are scored once and kept (`Baseline::accounts`).
            let kept;
            let before = if baseline == model {
                &now.accounts
            } else {
                kept = base.accounts(|| side(scorer, &b).map(|s| s.accounts))?;
                &*kept
            };
            (before.book.ids == now.accounts.book.ids).then(|| {
                compare_on(
                    &b.account_model,
                    &before.scored,
                    &plan.account_model,
                    &now.accounts.scored,
                    None,
                )
            })
        });
    Some(AccountsComputed {
        model: plan.account_model.clone(),
        roles: plan.accounts.roles.iter().map(|r| r.id.clone()).collect(),
        accounts: now.accounts,
        of_contact: now.of_contact,
        held: now.held,
        engaged: now.engaged,
        comparison,
    })
}

/// The accounts' tier moves in words, by the tier they move into, hottest first:
/// `2 accounts become hot, 1 account becomes cold`; empty when none moved.
pub fn tier_move_words(c: &Comparison, model: &Model) -> String {
    let levels: Vec<&str> = model
        .tiers
        .iter()
        .flat_map(|t| t.levels.iter().map(|l| l.name.as_str()))
        .collect();
    let mut into: Vec<(&str, usize)> = levels.iter().map(|l| (*l, 0)).collect();
    for (_, to, n) in &c.tier_moves {
        if let Some((_, count)) = into.iter_mut().find(|(l, _)| *l == to.as_str()) {
            *count += n;
        }
    }
    into.iter()
        .filter(|(_, n)| *n > 0)
        .map(|(l, n)| {
            if *n == 1 {
                format!("1 account becomes {l}")
            } else {
                format!("{n} accounts become {l}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the preview shows at the account level: the accounts table (`a`), and in it the
/// contacts of one account (`Enter`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AccountsTable {
    /// The cursor among the accounts, and the first one shown.
    pub cursor: usize,
    pub offset: usize,
    /// The account whose contacts are listed, with their rows (file order), the cursor and
    /// the first one shown.
    pub drill: Option<Drill>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Drill {
    pub account: usize,
    pub rows: Vec<usize>,
    pub cursor: usize,
    pub offset: usize,
}

impl AccountsTable {
    /// Moves the cursor of what is shown (the accounts, or the drilled account's contacts)
    /// by `by` rows among `len`, keeping it within the `height` rows on screen.
    pub fn step(&mut self, by: i64, accounts: usize, height: usize) {
        let (cursor, offset, len) = match &mut self.drill {
            Some(d) => (&mut d.cursor, &mut d.offset, d.rows.len()),
            None => (&mut self.cursor, &mut self.offset, accounts),
        };
        let last = len.saturating_sub(1) as i64;
        *cursor = (*cursor as i64).saturating_add(by).clamp(0, last.max(0)) as usize;
        let height = height.max(1);
        if *cursor < *offset {
            *offset = *cursor;
        } else if *cursor >= *offset + height {
            *offset = *cursor + 1 - height;
        }
    }
}
