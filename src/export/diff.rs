//! The difference between two models, for code review: what changed (by path, old -> new), and,
//! with contacts, what the change does to them (tier and segment moves each way, the largest
//! score moves, the rank correlation of the two scorings).
//!
//! Paths read like the checks' (`journeys.expansion.touchpoints.qbr.weight`): lists of things
//! with an id (journeys, touchpoints, fields, grades), a name (segments, tiers, adjustments,
//! personas) or a field (signals) are matched by it, so that inserting one touchpoint reports
//! one addition, not a shift of every later one; a change of order is reported on its own,
//! since the order of segments and tiers decides who lands where. Contacts are matched by row.

use super::Format;
use crate::contacts::Table;
use crate::engine::{Scored, output_columns, output_row, score_table};
use crate::model::Model;
use serde::Serialize;
use serde_json::Value;
use std::collections::{HashMap, HashSet};
use std::fmt::Write;

/// One change: `old` is `None` for an addition, `new` is `None` for a removal.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Change {
    pub path: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Contacts moving from one label to another.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Move {
    pub from: String,
    pub to: String,
    pub contacts: usize,
}

/// One contact's score before and after.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ScoreMove {
    pub id: String,
    pub before: f64,
    pub after: f64,
    pub delta: f64,
}

/// What the change does to one journey's scores (a journey both models have).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct JourneyImpact {
    pub id: String,
    /// Contacts whose score moved by more than 1e-9.
    pub changed: usize,
    pub mean_delta: f64,
    /// The largest moves, largest first (at most `LARGEST`).
    pub largest: Vec<ScoreMove>,
    /// Spearman's rank correlation between the two scorings (ties share their average rank);
    /// `None` when either side gives every contact the same score.
    pub rank_correlation: Option<f64>,
}

/// What the change does to a table of contacts.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Impact {
    pub source: String,
    pub contacts: usize,
    /// Contacts with any output (score, grade, rating, tier, segment, action...) different.
    pub contacts_changed: usize,
    pub journeys: Vec<JourneyImpact>,
    /// Journeys only one model has.
    pub journeys_added: Vec<String>,
    pub journeys_removed: Vec<String>,
    /// To a hotter tier, and to a colder one (by the new model's order; no tier is coldest).
    pub tier_up: usize,
    pub tier_down: usize,
    pub tier_moves: Vec<Move>,
    pub segment_moves: Vec<Move>,
}

/// Both: the model changes, and what they do to contacts when contacts were given.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Diff {
    pub old: String,
    pub new: String,
    pub changes: Vec<Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
    /// For models with an `accounts:` block: what the change does to the accounts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accounts: Option<AccountsDiff>,
}

/// What the change does to the accounts (issue 19).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AccountsDiff {
    /// The accounts both scorings have, matched by id (`contacts` in it counts accounts);
    /// `None` without contacts, or when only one model has accounts (`note` says so).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impact: Option<Impact>,
    /// Accounts only the new scoring has, and only the old (when the id column changed).
    pub accounts_added: usize,
    pub accounts_removed: usize,
    /// What a reader must know: only one model has accounts, the id column changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Diff {
    /// Whether the outcomes differ: with contacts, whether any contact's output changed (or
    /// any account's); without, whether the model changed at all. `scorewright diff` exits 1 when true.
    pub fn differs(&self) -> bool {
        // An account whose outputs changed changes the account columns of its contacts.
        let accounts = self.accounts.as_ref().is_some_and(|a| {
            a.accounts_added + a.accounts_removed > 0
                || a.impact.as_ref().is_some_and(|i| i.contacts_changed > 0)
        });
        match &self.impact {
            Some(i) => i.contacts_changed > 0 || accounts,
            None => !self.changes.is_empty(),
        }
    }
}

/// How many of the largest score moves a journey lists.
pub const LARGEST: usize = 10;

/// Compares two models; with contacts (a table and its id column), scores both and compares
/// what each contact gets. `old_name` and `new_name` label the two sides (their files).
pub fn diff(
    old: &Model,
    new: &Model,
    old_name: &str,
    new_name: &str,
    contacts: Option<(&Table, &str)>,
) -> Diff {
    diff_tables(
        old,
        new,
        old_name,
        new_name,
        contacts.map(|(t, id)| (t, t, id)),
        None,
    )
}

/// `diff`, each model scoring its own table of the same contacts in the same order: a model
/// with events has its own event fields attached (its log, as of its `as_of`).
pub fn diff_tables(
    old: &Model,
    new: &Model,
    old_name: &str,
    new_name: &str,
    contacts: Option<(&Table, &Table, &str)>,
    model_paths: Option<(&std::path::Path, &std::path::Path)>,
) -> Diff {
    Diff {
        old: old_name.to_string(),
        new: new_name.to_string(),
        changes: changes(old, new),
        impact: contacts.map(|(a, b, id)| {
            let paths = (model_paths.map(|p| p.0), model_paths.map(|p| p.1));
            let before = contacts_scored(old, a, paths.0);
            let after = contacts_scored(new, b, paths.1);
            impact_of(old, new, &before, &after, b, id)
        }),
        accounts: accounts_diff(
            old,
            new,
            old_name,
            new_name,
            contacts.map(|(a, b, _)| (a, b)),
            model_paths,
        ),
    }
}

/// The accounts' side of a diff: `None` when neither model has accounts.
fn accounts_diff(
    old: &Model,
    new: &Model,
    old_name: &str,
    new_name: &str,
    contacts: Option<(&Table, &Table)>,
    model_paths: Option<(&std::path::Path, &std::path::Path)>,
) -> Option<AccountsDiff> {
    use crate::engine::accounts::{Plan, score_with_accounts};
    // One side only: its accounts are all added (or removed), which `differs` counts, since
    // `score` writes account columns with one model and not with the other.
    let only = |added: bool, plan: &Plan, table: Option<&Table>| {
        let n = table
            .and_then(|t| score_with_accounts(plan, t).ok())
            .map_or(0, |(_, s)| s.book.ids.len());
        let (has, lacks) = if added {
            (new_name, old_name)
        } else {
            (old_name, new_name)
        };
        AccountsDiff {
            impact: None,
            accounts_added: if added { n } else { 0 },
            accounts_removed: if added { 0 } else { n },
            note: Some(format!(
                "only {has} has an accounts block: {lacks} scores contacts only, so no account \
                 moves are counted"
            )),
        }
    };
    // Each model's accounts file is read as `score` reads it; one that cannot be read is said.
    let plans = Plan::for_file(old, model_paths.map(|p| p.0))
        .and_then(|po| Ok((po, Plan::for_file(new, model_paths.map(|p| p.1))?)));
    let (po, pn) = match plans {
        Ok(plans) => plans,
        Err(e) => {
            return Some(AccountsDiff {
                note: Some(format!("the accounts are not compared: {e}")),
                ..AccountsDiff::default()
            });
        }
    };
    let (po, pn) = match (po, pn) {
        (None, None) => return None,
        (Some(po), None) => {
            return Some(only(false, &po, contacts.map(|c| c.0)));
        }
        (None, Some(pn)) => {
            return Some(only(true, &pn, contacts.map(|c| c.1)));
        }
        (Some(po), Some(pn)) => (po, pn),
    };
    let (a, b) = contacts?;
    let scored =
        score_with_accounts(&po, a).and_then(|(_, o)| Ok((o, score_with_accounts(&pn, b)?.1)));
    let (before, after) = match scored {
        Ok(s) => s,
        Err(e) => {
            return Some(AccountsDiff {
                note: Some(format!("the accounts are not compared: {e}")),
                ..AccountsDiff::default()
            });
        }
    };
    // Matched by id: the same when both read the same column of the same contacts.
    let ids = &after.book.ids;
    let pairs: Vec<(usize, usize)> = ids
        .iter()
        .enumerate()
        .filter_map(|(k, id)| Some((before.book.find(id)?, k)))
        .collect();
    let (c_old, c_new) = (&po.accounts.id_column, &pn.accounts.id_column);
    let id = |k: usize| ids[k].clone();
    Some(AccountsDiff {
        impact: Some(compare(
            &po.account_model,
            &pn.account_model,
            &before.scored,
            &after.scored,
            &pairs,
            &id,
            &b.source,
        )),
        accounts_added: ids.len() - pairs.len(),
        accounts_removed: before.book.ids.len() - pairs.len(),
        note: (c_old != c_new).then(|| {
            format!(
                "the accounts are read from column '{c_old}' before and '{c_new}' now: matched by id"
            )
        }),
    })
}

/// What changed between two models, by path, in the new model's order.
pub fn changes(old: &Model, new: &Model) -> Vec<Change> {
    let (a, b) = (
        serde_json::to_value(old).unwrap_or(Value::Null),
        serde_json::to_value(new).unwrap_or(Value::Null),
    );
    let mut out = Vec::new();
    walk("", Some(&a), Some(&b), &mut out);
    out
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A value as one line: text as it is, anything else as compact JSON.
fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        // Whole numbers as a person writes them: 60, not 60.0.
        Value::Number(n) => match n.as_f64() {
            Some(f) if n.is_f64() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// The key that identifies the items of a list, if every item has a distinct one. A set, not a
/// scan of the earlier items, so that a list of 100,000 touchpoints is matched in linear time.
fn item_key(items: &[Value]) -> Option<&'static str> {
    ["id", "name", "field", "journey"].into_iter().find(|k| {
        let mut seen = HashSet::with_capacity(items.len());
        items.iter().all(|i| match i.get(*k) {
            Some(Value::String(s)) => seen.insert(s.as_str()),
            _ => false,
        })
    })
}

fn walk(path: &str, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<Change>) {
    match (a, b) {
        (Some(Value::Object(x)), Some(Value::Object(y))) => {
            for (k, v) in y {
                walk(&join(path, k), x.get(k), Some(v), out);
            }
            for (k, v) in x {
                if !y.contains_key(k) {
                    walk(&join(path, k), Some(v), None, out);
                }
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) => {
            let key = item_key(x).filter(|k| item_key(y) == Some(k));
            let Some(key) = key else {
                if x != y {
                    out.push(Change {
                        path: path.into(),
                        old: Some(show(&Value::Array(x.clone()))),
                        new: Some(show(&Value::Array(y.clone()))),
                    });
                }
                return;
            };
            // Matched by hash maps and sets, never by scanning the other list: `diff` of two
            // models of 100,000 touchpoints took 343 s when it did.
            let name = |v: &Value| v.get(key).map(show).unwrap_or_default();
            let by_name: HashMap<String, &Value> = x.iter().map(|v| (name(v), v)).collect();
            let new_names: HashSet<String> = y.iter().map(name).collect();
            let common_old: Vec<String> = x
                .iter()
                .map(name)
                .filter(|n| new_names.contains(n))
                .collect();
            let common_new: Vec<String> = y
                .iter()
                .map(name)
                .filter(|n| by_name.contains_key(n))
                .collect();
            if common_old != common_new {
                out.push(Change {
                    path: format!("{path} (order)"),
                    old: Some(common_old.join(", ")),
                    new: Some(common_new.join(", ")),
                });
            }
            for v in y {
                walk(
                    &join(path, &name(v)),
                    by_name.get(&name(v)).copied(),
                    Some(v),
                    out,
                );
            }
            for v in x {
                if !new_names.contains(&name(v)) {
                    walk(&join(path, &name(v)), Some(v), None, out);
                }
            }
        }
        (a, b) => {
            if a != b {
                out.push(Change {
                    path: path.into(),
                    old: a.map(show),
                    new: b.map(show),
                });
            }
        }
    }
}

pub use crate::engine::metrics::spearman;

/// Scores both models and compares what each contact gets: the old model scoring `old_table`
/// and the new `table`, the same contacts in the same order, each with its model's event
/// fields (the same table for models without events).
pub fn impact_on(
    old: &Model,
    new: &Model,
    old_table: &Table,
    table: &Table,
    id_column: &str,
) -> Impact {
    let (before, after) = (score_table(old, old_table), score_table(new, table));
    impact_of(old, new, &before, &after, table, id_column)
}

/// The contacts of `table` scored by `model` as `score` writes them: a contact segment that
/// reads its account (`account:`) is decided once the accounts are scored, with the model's
/// accounts file (`model_path`'s block). A file that cannot be read leaves the segments as
/// without accounts; the accounts' side of the diff says why.
fn contacts_scored(model: &Model, table: &Table, model_path: Option<&std::path::Path>) -> Scored {
    use crate::engine::accounts::{Plan, score_with_accounts};
    match Plan::for_file(model, model_path) {
        Ok(Some(plan)) if plan.split.is_some() => match score_with_accounts(&plan, table) {
            Ok((scored, _)) => scored,
            Err(_) => score_table(model, table),
        },
        _ => score_table(model, table),
    }
}

/// `impact_on`, of two scorings already made (`after` of `table`).
fn impact_of(
    old: &Model,
    new: &Model,
    before: &Scored,
    after: &Scored,
    table: &Table,
    id_column: &str,
) -> Impact {
    let n = table.rows();
    let pairs: Vec<(usize, usize)> = (0..n).map(|i| (i, i)).collect();
    let id = |i: usize| crate::engine::output::id_cell(table, i, id_column).into_owned();
    compare(old, new, before, after, &pairs, &id, &table.source)
}

/// What the change does to the rows of two scorings, matched in `pairs` (old row, new row):
/// score moves per journey both models have, tier and segment moves, outputs changed. `id`
/// names a row of the new scoring. Contacts are matched by row, accounts by their id.
fn compare(
    old: &Model,
    new: &Model,
    before: &Scored,
    after: &Scored,
    pairs: &[(usize, usize)],
    id: &dyn Fn(usize) -> String,
    source: &str,
) -> Impact {
    let n = pairs.len();
    let mut journeys = Vec::new();
    for (aj, j) in new.journeys.iter().enumerate() {
        let Some(bj) = old.journeys.iter().position(|x| x.id == j.id) else {
            continue;
        };
        let (b, a): (Vec<f64>, Vec<f64>) = pairs
            .iter()
            .map(|&(o, w)| (before.scores[bj][o], after.scores[aj][w]))
            .unzip();
        let delta: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
        let mut order: Vec<usize> = (0..n).filter(|&i| delta[i].abs() > 1e-9).collect();
        let changed = order.len();
        order.sort_by(|&x, &y| delta[y].abs().total_cmp(&delta[x].abs()).then(x.cmp(&y)));
        let largest = order
            .iter()
            .take(LARGEST)
            .map(|&i| ScoreMove {
                id: id(pairs[i].1),
                before: b[i],
                after: a[i],
                delta: delta[i],
            })
            .collect();
        journeys.push(JourneyImpact {
            id: j.id.clone(),
            changed,
            mean_delta: if n > 0 {
                delta.iter().sum::<f64>() / n as f64
            } else {
                0.0
            },
            largest,
            rank_correlation: spearman(&b, &a),
        });
    }
    let ids = |m: &Model| m.journeys.iter().map(|j| j.id.clone()).collect::<Vec<_>>();
    let (old_ids, new_ids) = (ids(old), ids(new));

    // Tier moves, hotter and colder by the new model's order.
    let tier = |m: &Model, s: &Scored, i: usize| s.tier(m, i).map(|t| t.name.clone());
    let rank = |name: &Option<String>| -> usize {
        let levels = new
            .tiers
            .as_ref()
            .map(|t| t.levels.as_slice())
            .unwrap_or_default();
        match name {
            Some(n) => levels
                .iter()
                .position(|l| &l.name == n)
                .unwrap_or(levels.len()),
            None => levels.len() + 1,
        }
    };
    let label = |x: Option<String>| x.unwrap_or_else(|| "(none)".into());
    let (mut tier_up, mut tier_down) = (0, 0);
    let mut tier_moves: Vec<Move> = Vec::new();
    let mut segment_moves: Vec<Move> = Vec::new();
    let bump = |moves: &mut Vec<Move>, from: String, to: String| match moves
        .iter_mut()
        .find(|m| m.from == from && m.to == to)
    {
        Some(m) => m.contacts += 1,
        None => moves.push(Move {
            from,
            to,
            contacts: 1,
        }),
    };
    let (old_cols, new_cols) = (output_columns(old), output_columns(new));
    let mut contacts_changed = 0;
    for &(o, w) in pairs {
        let (tb, ta) = (tier(old, before, o), tier(new, after, w));
        if tb != ta {
            if rank(&ta) < rank(&tb) {
                tier_up += 1;
            } else {
                tier_down += 1;
            }
            bump(&mut tier_moves, label(tb), label(ta));
        }
        let sb = before.segment(old, o).map(|s| s.name.clone());
        let sa = after.segment(new, w).map(|s| s.name.clone());
        if sb != sa {
            bump(&mut segment_moves, label(sb), label(sa));
        }
        if outputs_differ(
            &old_cols,
            &output_row(old, before, o),
            &new_cols,
            &output_row(new, after, w),
        ) {
            contacts_changed += 1;
        }
    }
    tier_moves.sort_by(|x, y| {
        y.contacts
            .cmp(&x.contacts)
            .then_with(|| (&x.from, &x.to).cmp(&(&y.from, &y.to)))
    });
    segment_moves.sort_by(|x, y| {
        y.contacts
            .cmp(&x.contacts)
            .then_with(|| (&x.from, &x.to).cmp(&(&y.from, &y.to)))
    });
    Impact {
        source: source.to_string(),
        contacts: n,
        contacts_changed,
        journeys,
        journeys_added: new_ids
            .iter()
            .filter(|j| !old_ids.contains(j))
            .cloned()
            .collect(),
        journeys_removed: old_ids
            .iter()
            .filter(|j| !new_ids.contains(j))
            .cloned()
            .collect(),
        tier_up,
        tier_down,
        tier_moves,
        segment_moves,
    }
}

/// Whether two rows of outputs differ: by column name, scores within 1e-9, labels exactly; a
/// column only one side has differs unless it is empty.
fn outputs_differ(
    old_cols: &[String],
    old: &[String],
    new_cols: &[String],
    new: &[String],
) -> bool {
    let before: HashMap<&str, &str> = old_cols
        .iter()
        .map(String::as_str)
        .zip(old.iter().map(String::as_str))
        .collect();
    let after: HashMap<&str, &str> = new_cols
        .iter()
        .map(String::as_str)
        .zip(new.iter().map(String::as_str))
        .collect();
    let differ = |c: &str, x: Option<&&str>, y: Option<&&str>| -> bool {
        let (x, y) = (x.copied().unwrap_or(""), y.copied().unwrap_or(""));
        if c.starts_with("score_")
            && let (Ok(p), Ok(q)) = (x.parse::<f64>(), y.parse::<f64>())
        {
            return (p - q).abs() > 1e-9;
        }
        x != y
    };
    before
        .keys()
        .chain(after.keys())
        .any(|c| differ(c, before.get(c), after.get(c)))
}

/// The diff as text (for a terminal and a pull request), JSON, or CSV (the model changes, then
/// the moves).
pub fn render(d: &Diff, format: Format) -> String {
    match format {
        Format::Text => text(d),
        Format::Json => serde_json::to_string_pretty(d).unwrap_or_default() + "\n",
        Format::Csv => csv(d),
    }
}

fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

fn signed(v: f64) -> String {
    if v > 0.0 {
        format!("+{}", num(v))
    } else {
        num(v)
    }
}

fn text(d: &Diff) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Model changes from {} to {}: {}",
        d.old,
        d.new,
        d.changes.len()
    );
    for c in &d.changes {
        let _ = match (&c.old, &c.new) {
            (None, Some(n)) => writeln!(o, "  + {}: {}", c.path, n),
            (Some(p), None) => writeln!(o, "  - {}: {}", c.path, p),
            (Some(p), Some(n)) => writeln!(o, "  ~ {}: {} -> {}", c.path, p, n),
            (None, None) => Ok(()),
        };
    }
    if let Some(i) = &d.impact {
        impact_text(&mut o, i, "contacts");
    }
    if let Some(a) = &d.accounts {
        accounts_text(&mut o, a);
    }
    o
}

/// The accounts' part of the text: a note, the accounts only one side has, each tier the
/// accounts move into ("3 accounts become hot"), then the moves as for contacts.
fn accounts_text(o: &mut String, a: &AccountsDiff) {
    let _ = writeln!(o, "\nAccounts");
    if let Some(note) = &a.note {
        let _ = writeln!(o, "  {note}");
    }
    if a.accounts_added + a.accounts_removed > 0 {
        let _ = writeln!(
            o,
            "  {} accounts only the new scoring has, {} only the old",
            a.accounts_added, a.accounts_removed
        );
    }
    let Some(i) = &a.impact else { return };
    let mut into: Vec<(&str, usize)> = Vec::new();
    for m in &i.tier_moves {
        match into.iter_mut().find(|(t, _)| *t == m.to) {
            Some((_, n)) => *n += m.contacts,
            None => into.push((&m.to, m.contacts)),
        }
    }
    for (tier, n) in into {
        let _ = writeln!(
            o,
            "  {n} account{} {tier}",
            if n == 1 { " becomes" } else { "s become" }
        );
    }
    impact_text(o, i, "accounts");
}

/// What a change does to the contacts or the accounts (`unit`).
fn impact_text(o: &mut String, i: &Impact, unit: &str) {
    let _ = writeln!(
        o,
        "\nOn {} ({} {unit}): {} change an output",
        i.source, i.contacts, i.contacts_changed
    );
    for j in &i.journeys {
        let rc = j
            .rank_correlation
            .map(|r| format!("{r:.4}"))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(
            o,
            "  {}: {} scores moved, mean {}; rank correlation {rc}",
            j.id,
            j.changed,
            signed(j.mean_delta)
        );
        for m in &j.largest {
            let _ = writeln!(
                o,
                "    {}: {} -> {} ({})",
                m.id,
                num(m.before),
                num(m.after),
                signed(m.delta)
            );
        }
    }
    for j in &i.journeys_added {
        let _ = writeln!(o, "  {j}: new journey");
    }
    for j in &i.journeys_removed {
        let _ = writeln!(o, "  {j}: journey removed");
    }
    let _ = writeln!(o, "  tiers: {} hotter, {} colder", i.tier_up, i.tier_down);
    for m in &i.tier_moves {
        let _ = writeln!(o, "    {} -> {}: {}", m.from, m.to, m.contacts);
    }
    let moved: usize = i.segment_moves.iter().map(|m| m.contacts).sum();
    let _ = writeln!(o, "  segments: {moved} {unit} move");
    for m in &i.segment_moves {
        let _ = writeln!(o, "    {} -> {}: {}", m.from, m.to, m.contacts);
    }
}

fn csv(d: &Diff) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["kind", "path", "old", "new", "contacts"]);
    for c in &d.changes {
        let kind = match (&c.old, &c.new) {
            (None, _) => "added",
            (_, None) => "removed",
            _ => "changed",
        };
        let _ = w.write_record([
            kind,
            &c.path,
            c.old.as_deref().unwrap_or(""),
            c.new.as_deref().unwrap_or(""),
            "",
        ]);
    }
    if let Some(i) = &d.impact {
        impact_rows(&mut w, i, "");
    }
    if let Some(i) = d.accounts.as_ref().and_then(|a| a.impact.as_ref()) {
        impact_rows(&mut w, i, "account_");
    }
    w.into_inner()
        .map(|v| String::from_utf8_lossy(&v).into_owned())
        .unwrap_or_default()
}

/// The moves of one level as CSV rows, each kind named with `level` before it (`tier`,
/// `account_tier`).
fn impact_rows(w: &mut csv::Writer<Vec<u8>>, i: &Impact, level: &str) {
    for m in &i.tier_moves {
        let _ = w.write_record([
            format!("{level}tier").as_str(),
            "",
            &m.from,
            &m.to,
            &m.contacts.to_string(),
        ]);
    }
    for m in &i.segment_moves {
        let _ = w.write_record([
            format!("{level}segment").as_str(),
            "",
            &m.from,
            &m.to,
            &m.contacts.to_string(),
        ]);
    }
    for j in &i.journeys {
        for m in &j.largest {
            let _ = w.write_record([
                format!("{level}score").as_str(),
                &format!("{}.{}", j.id, m.id),
                &m.before.to_string(),
                &m.after.to_string(),
                "",
            ]);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::parse_model;

    const OLD: &str = r#"
name: t
as_of: 2026-11-01
fields:
  - { id: visits, kind: number }
  - { id: source, kind: category }
journeys:
  - id: j
    touchpoints:
      - { id: web, weight: 60, signals: [ { field: visits, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }
      - { id: src, weight: 40, signals: [ { field: source, weight: 100, rule: { match: { Google: 1, default: 0.2 } } } ] }
tiers:
  journey: j
  levels:
    - { name: hot, at_least: 60 }
    - { name: cold, at_least: 0 }
segments:
  - { name: Hot, when: { tier: hot }, action: call }
  - { name: Rest, action: mail }
"#;

    fn contacts() -> Table {
        let rows: Vec<indexmap::IndexMap<String, crate::model::Scalar>> = [
            ("a", "10", "Google"),
            ("b", "5", "Bing"),
            ("c", "0", "Google"),
        ]
        .iter()
        .map(|(id, v, s)| {
            let mut m = indexmap::IndexMap::new();
            m.insert("id".to_string(), crate::model::Scalar::Text(id.to_string()));
            m.insert(
                "visits".to_string(),
                crate::model::Scalar::Text(v.to_string()),
            );
            m.insert(
                "source".to_string(),
                crate::model::Scalar::Text(s.to_string()),
            );
            m
        })
        .collect();
        Table::from_maps("c.csv", &rows)
    }

    #[test]
    fn changes_by_path() {
        let old = parse_model(OLD, "old").unwrap();
        let new_text = OLD
            .replace("{ id: web, weight: 60", "{ id: web, weight: 50")
            .replace("{ id: src, weight: 40", "{ id: src, weight: 50")
            .replace("Google: 1, default", "Google: 0.8, default")
            .replace("at_least: 60 }", "at_least: 55 }")
            .replace(
                "  - { name: Rest, action: mail }\n",
                "  - { name: Rest, action: newsletter }\n  - { name: Extra, action: none }\n",
            );
        let new = parse_model(&new_text, "new").unwrap();
        let c = changes(&old, &new);
        let lines: Vec<String> = c
            .iter()
            .map(|c| format!("{}: {:?} -> {:?}", c.path, c.old, c.new))
            .collect();
        assert!(
            lines.contains(
                &"journeys.j.touchpoints.web.weight: Some(\"60\") -> Some(\"50\")".to_string()
            ),
            "{lines:#?}"
        );
        assert!(lines.contains(&"journeys.j.touchpoints.src.signals.source.rule.match.Google: Some(\"1\") -> Some(\"0.8\")".to_string()), "{lines:#?}");
        assert!(
            lines.contains(&"tiers.levels.hot.at_least: Some(\"60\") -> Some(\"55\")".to_string()),
            "{lines:#?}"
        );
        assert!(
            lines.contains(
                &"segments.Rest.action: Some(\"mail\") -> Some(\"newsletter\")".to_string()
            ),
            "{lines:#?}"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("segments.Extra: None -> Some(")),
            "{lines:#?}"
        );
        assert_eq!(c.len(), 6, "{lines:#?}");
        // Reordering segments is a change of its own.
        let swapped = OLD.replace(
            "  - { name: Hot, when: { tier: hot }, action: call }\n  - { name: Rest, action: mail }\n",
            "  - { name: Rest, action: mail }\n  - { name: Hot, when: { tier: hot }, action: call }\n",
        );
        let c = changes(&old, &parse_model(&swapped, "s").unwrap());
        assert_eq!(
            c,
            vec![Change {
                path: "segments (order)".into(),
                old: Some("Hot, Rest".into()),
                new: Some("Rest, Hot".into())
            }]
        );
        assert!(changes(&old, &old).is_empty());
    }

    #[test]
    fn a_model_of_50k_touchpoints_is_compared_in_near_linear_time() {
        // Was quadratic (a scan of the other list per item): 100,000 touchpoints took 343 s, and
        // this test did not finish in minutes; now seconds (`scripts/measure-diff.sh` times the
        // release build).
        let mut old = parse_model(OLD, "old").unwrap();
        let template = old.journeys[0].touchpoints[0].clone();
        old.journeys[0].touchpoints = (0..50_000)
            .map(|i| {
                let mut t = template.clone();
                t.id = format!("t{i}");
                t
            })
            .collect();
        let mut new = old.clone();
        let tps = &mut new.journeys[0].touchpoints;
        tps[25_000].note = Some("changed".into());
        tps.remove(35_000);
        tps.swap(1, 2);
        let c = changes(&old, &new);
        let paths: Vec<&str> = c.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "journeys.j.touchpoints (order)",
                "journeys.j.touchpoints.t25000.note",
                "journeys.j.touchpoints.t35000",
            ]
        );
    }

    #[test]
    fn impact_on_contacts() {
        // Old: a = 60 + 40 = 100 (hot), b = 30 + 8 = 38 (cold), c = 0 + 40 = 40 (cold).
        // New web 50 / src 50: a = 100, b = 25 + 10 = 35, c = 50; hot from 55: nobody moves.
        // With hot from 35 instead: b and c become hot.
        let old = parse_model(OLD, "old").unwrap();
        let new_text = OLD
            .replace("{ id: web, weight: 60", "{ id: web, weight: 50")
            .replace("{ id: src, weight: 40", "{ id: src, weight: 50")
            .replace("at_least: 60 }", "at_least: 35 }");
        let new = parse_model(&new_text, "new").unwrap();
        let d = diff(
            &old,
            &new,
            "old.yaml",
            "new.yaml",
            Some((&contacts(), "id")),
        );
        let i = d.impact.as_ref().unwrap();
        assert_eq!((i.contacts, i.contacts_changed), (3, 2));
        assert_eq!((i.tier_up, i.tier_down), (2, 0));
        assert_eq!(
            i.tier_moves,
            vec![Move {
                from: "cold".into(),
                to: "hot".into(),
                contacts: 2
            }]
        );
        assert_eq!(
            i.segment_moves,
            vec![Move {
                from: "Rest".into(),
                to: "Hot".into(),
                contacts: 2
            }]
        );
        let j = &i.journeys[0];
        assert_eq!(j.changed, 2);
        // c moved most: 40 -> 50.
        assert_eq!((j.largest[0].id.as_str(), j.largest[0].delta), ("c", 10.0));
        // Ranks old: b 1, c 2, a 3; new: b 1, c 2, a 3: the same order.
        assert_eq!(j.rank_correlation, Some(1.0));
        assert!(d.differs());
        let text = render(&d, Format::Text);
        assert!(
            text.contains("  ~ journeys.j.touchpoints.web.weight: 60 -> 50"),
            "{text}"
        );
        assert!(text.contains("cold -> hot: 2"), "{text}");
        assert!(render(&d, Format::Json).contains("\"contacts_changed\": 2"));
        assert!(
            render(&d, Format::Csv).contains("changed,journeys.j.touchpoints.web.weight,60,50,")
        );
        // The same model: nothing differs.
        let same = diff(&old, &old, "a", "b", Some((&contacts(), "id")));
        assert!(!same.differs());
    }

    #[test]
    fn spearman_with_ties() {
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]), Some(1.0));
        assert_eq!(spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]), Some(-1.0));
        assert_eq!(spearman(&[1.0, 1.0], &[1.0, 2.0]), None);
        // Ranks (1.5, 1.5, 3) against (1, 2, 3): r = 1.5 / sqrt(1.5 * 2) = 0.866.
        assert!(
            (spearman(&[5.0, 5.0, 9.0], &[1.0, 2.0, 3.0]).unwrap() - 0.8660254037844386).abs()
                < 1e-12
        );
    }
}
