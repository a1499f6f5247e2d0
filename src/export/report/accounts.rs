//! The report's account level (issue 19): how contacts are grouped, the roll-ups and roles the
//! account model reads, then the account model's sections as a contact model has them
//! (journeys, grades, tiers, segments); with contacts, the accounts' score distribution and
//! tiers, and with an outcome, the account back-test that `backtest` gives.

use super::{
    backtest_section, condition_text, distribution_section, esc, grades_section, journeys_section,
    segments_section, tiers_section,
};
use crate::contacts::Table;
use crate::engine::accounts::{Plan, score_with_accounts};
use crate::engine::insight;
use crate::export::backtest::accounts::{AccountOutcome, account_backtest};
use crate::model::Model;
use std::fmt::Write;

pub(super) fn accounts_sections(
    h: &mut String,
    model: &Model,
    plan: &Plan,
    contacts: Option<&Table>,
    outcome_column: Option<&str>,
) {
    let a = plan.accounts;
    let _ = writeln!(
        h,
        "<h2>Accounts</h2>\n<p>Contacts are grouped by their <code>{}</code> column; each account is scored by the account model below, from roll-ups of its contacts' scores and the buying-group roles they hold.</p>",
        esc(&a.id_column)
    );
    if !a.rollups.is_empty() {
        h.push_str("<table><tr><th>Roll-up</th><th>How</th><th>Of journey</th><th>Detail</th><th>Why</th></tr>\n");
        for r in &a.rollups {
            let detail = match (r.n, r.at_least) {
                (Some(n), _) => format!("best {n}"),
                (None, Some(at)) => format!("score at least {at}"),
                (None, None) => String::new(),
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"note\">{}</td></tr>",
                esc(&r.id),
                r.how.name(),
                esc(r.journey.as_deref().unwrap_or("-")),
                esc(&detail),
                esc(r.note.as_deref().unwrap_or(""))
            );
        }
        h.push_str("</table>\n");
    }
    if !a.roles.is_empty() {
        h.push_str("<p><b>Buying-group roles</b> (true when a contact of the account holds the role and is engaged)</p>\n<table><tr><th>Role</th><th>Held when</th><th>Why</th></tr>\n");
        for r in &a.roles {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td><code>{}</code></td><td class=\"note\">{}</td></tr>",
                esc(&r.id),
                esc(&condition_text(&r.when)),
                esc(r.note.as_deref().unwrap_or(""))
            );
        }
        h.push_str("</table>\n");
        let engaged = match &a.engaged {
            Some(e) => format!(
                "A contact is engaged when its {} score is at least {}.",
                esc(&e.journey),
                e.at_least
            ),
            None => "Holding a role is enough (no <code>engaged</code>).".to_string(),
        };
        let _ = writeln!(h, "<p>{engaged}</p>");
    }
    let m = &plan.account_model;
    journeys_section(h, m, "Account journey");
    grades_section(h, m, "Account grades");
    tiers_section(h, m, "Account tiers and handovers");
    segments_section(h, m, "Account segments");
    let Some(table) = contacts else { return };
    if table.column(&a.id_column).is_none() {
        let _ = writeln!(
            h,
            "<p class=\"warn\">{} has no column <code>{}</code>: the accounts are not pictured.</p>",
            esc(&table.source),
            esc(&a.id_column)
        );
        return;
    }
    let scored = match score_with_accounts(plan, table) {
        Ok((_, s)) => s,
        Err(e) => {
            let _ = writeln!(h, "<p class=\"warn\">{}</p>", esc(&e.to_string()));
            return;
        }
    };
    let n = scored.book.ids.len();
    let _ = writeln!(
        h,
        "<h2>The accounts</h2><p>{n} account{} from {} contacts of {}; {} contact{} without an account.</p>",
        if n == 1 { "" } else { "s" },
        table.rows(),
        esc(&table.source),
        scored.book.without_account,
        if scored.book.without_account == 1 {
            ""
        } else {
            "s"
        }
    );
    distribution_section(h, m, &scored.scored, "Account score distribution");
    if let Some(t) = &m.tiers {
        h.push_str("<p><b>Accounts per tier</b></p>\n<table><tr><th>Tier</th><th class=\"num\">Accounts</th></tr>\n");
        for (li, l) in t.levels.iter().enumerate() {
            let count = scored
                .scored
                .tiers
                .iter()
                .filter(|&&x| x as usize == li)
                .count();
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{count}</td></tr>",
                esc(&l.name)
            );
        }
        h.push_str("</table>\n");
    }
    let outcome = outcome_column
        .and_then(|c| insight::outcome(table, c))
        .filter(insight::Outcome::usable);
    let Some(o) = outcome else { return };
    match account_backtest(model, plan, table, &o, AccountOutcome::AnyContact) {
        Ok(b) => {
            let _ = writeln!(h, "<p>The account back-test: {}.</p>", esc(&b.outcome_rule));
            backtest_section(h, &b.backtest, "accounts");
        }
        // Said, not dropped: every account with the same outcome has nothing to measure.
        Err(e) => {
            let _ = writeln!(
                h,
                "<p class=\"muted\">No account back-test: {}.</p>",
                esc(&e.to_string())
            );
        }
    }
}
