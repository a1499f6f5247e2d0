//! Accounts: contacts grouped by their account, rolled up, and the accounts scored.
//!
//! The contacts are scored first, with the model's roles as hidden journeys
//! (`model::accounts::Accounts::contact_model`). Each scored chunk is then added to a `Book`:
//! a hash map from account id to its state, which holds per account only its contact count,
//! per roll-up one number (the max, the sum or the count above the threshold; for `top_mean`
//! the `n` best scores) and per role one flag. Memory is bounded by the number of accounts, not
//! contacts, so `score` can stream a file twice: once to fill the book, once to write the rows.
//! The book then becomes a table of one row per account, in the order accounts were first
//! seen, with the roll-ups and roles as text columns, and that table is scored by the account
//! model (`Accounts::account_model`) through the same engine as contacts.
//!
//! Account fields join that table as text columns named by their ids: from an accounts file
//! (`AccountsFile`, read whole, one row per account, joined on the trimmed id; its accounts
//! that no contact names are added with 0 contacts once every contact is in), or from the
//! contacts' rows (`Votes`: per account and field, one count per distinct value, the most
//! common kept, a tie to the smallest in byte order, so that no row order decides).
//!
//! Invariant: every roll-up reads the contacts' scores as written, in whole millionths
//! (`millionths`), added as integers; each value is then one or two IEEE divisions that the
//! SQL export (`export::accounts`) writes in the same order, so account scores agree to the
//! last bit whatever order the rows come in.
//!
//! Contact segments that read the account (`account:`) are decided last: the contact's parts
//! when it is scored (`Plan::contact_parts`), the account's once the accounts are scored
//! (`ScoredAccounts::parts`), then `Plan::decide_segment`.

use super::output::{format_score, output_columns, output_row_into, shown_score};
use super::score::{NO_SEGMENT, Scored, score_table};
use crate::contacts::Table;
use crate::contacts::Typed;
use crate::model::Model;
use crate::model::accounts::{ACCOUNT_ID, Accounts, How, SegmentSplit, field_millionths};
use std::collections::HashMap;

/// A model's account level, worked out once: the two models and which journeys each roll-up
/// and the engagement read.
pub struct Plan<'m> {
    pub accounts: &'m Accounts,
    /// The contact model with the roles as hidden journeys after its own.
    pub contact_model: Model,
    /// The account model: roll-ups and roles as fields, the block's journeys, tiers, segments.
    pub account_model: Model,
    /// How many journeys the model itself has (the hidden role journeys come after).
    pub journeys: usize,
    /// Per roll-up, the index of the journey it reads (`None` for `count`, or an unknown one,
    /// which `check` reports).
    rollup_journey: Vec<Option<usize>>,
    /// The journey and threshold that make a contact engaged for its role.
    engaged: Option<(usize, f64)>,
    /// The contact model's segments cut at their `account:` parts, when one reads the account:
    /// those segments are decided once the accounts are scored (`decide_segments`).
    pub split: Option<SegmentSplit>,
    /// The accounts file, once read (`Plan::read_file`); without one, the account fields are
    /// taken from the contacts' rows.
    pub file: Option<std::sync::Arc<AccountsFile>>,
}

impl<'m> Plan<'m> {
    /// The plan of a model with an `accounts:` block; `None` without one.
    pub fn new(model: &'m Model) -> Option<Plan<'m>> {
        let accounts = model.accounts.as_ref()?;
        let index = |id: &str| model.journeys.iter().position(|j| j.id == id);
        Some(Plan {
            accounts,
            contact_model: accounts.contact_model(model),
            account_model: accounts.account_model(model),
            journeys: model.journeys.len(),
            rollup_journey: accounts
                .rollups
                .iter()
                .map(|r| r.journey.as_deref().and_then(index))
                .collect(),
            engaged: accounts
                .engaged
                .as_ref()
                .and_then(|e| Some((index(&e.journey)?, e.at_least))),
            split: SegmentSplit::new(model),
            file: None,
        })
    }

    /// `new`, then `read_file` when the model file is known (`None`: a model not read from a
    /// file, whose account fields are then taken from the contacts' rows or left missing): the
    /// plan every command that scores a model file's accounts starts from, so that each reads
    /// the accounts file as `score` does.
    pub fn for_file(
        model: &'m Model,
        model_path: Option<&std::path::Path>,
    ) -> Result<Option<Plan<'m>>, AccountsFileError> {
        let Some(mut plan) = Plan::new(model) else {
            return Ok(None);
        };
        if let Some(path) = model_path {
            plan.read_file(path)?;
        }
        Ok(Some(plan))
    }

    /// Reads the block's accounts file, if it names one, resolved against the model's folder
    /// (`model_path` is the model file). Every command that scores accounts calls this before
    /// the first chunk, so that a missing file or column stops the run before anything is
    /// written.
    pub fn read_file(&mut self, model_path: &std::path::Path) -> Result<(), AccountsFileError> {
        if let Some(path) = file_path(self.accounts, model_path) {
            self.file = Some(std::sync::Arc::new(AccountsFile::read(
                self.accounts,
                &path,
            )?));
        }
        Ok(())
    }

    /// The account columns written on each contact row: `account_` and each output column of
    /// the account model (`account_score_<journey>`, `account_tier`, `account_segment`...).
    pub fn contact_columns(&self) -> Vec<String> {
        output_columns(&self.account_model)
            .into_iter()
            .map(|c| format!("account_{c}"))
            .collect()
    }

    /// The columns of `score --accounts`: the account, its contact count, the roll-ups, the
    /// roles, and the account model's outputs.
    pub fn account_columns(&self) -> Vec<String> {
        let mut cols = vec![ACCOUNT_ID.to_string(), "contacts".to_string()];
        cols.extend(self.accounts.rollups.iter().map(|r| r.id.clone()));
        cols.extend(self.accounts.roles.iter().map(|r| r.id.clone()));
        cols.extend(self.accounts.fields.iter().map(|f| f.id.clone()));
        cols.extend(output_columns(&self.account_model));
        cols
    }

    /// Per contact part of the split segments (`SegmentSplit::contact`), the rows of a chunk
    /// scored by `contact_model` it holds for; empty without a split.
    pub fn contact_parts(&self, scored: &Scored) -> Vec<Vec<bool>> {
        match &self.split {
            Some(split) => masks(&split.contact, &self.contact_model, scored),
            None => Vec::new(),
        }
    }

    /// The segment of a contact, given whether each contact part holds for it (`contact`) and
    /// its account (`None`: no account, every account part false). `NO_SEGMENT` when none
    /// holds, or without a split (the segment was then decided with the contact).
    pub fn decide_segment(
        &self,
        accounts: &ScoredAccounts,
        contact: &dyn Fn(usize) -> bool,
        account: Option<usize>,
    ) -> u16 {
        let Some(split) = &self.split else {
            return NO_SEGMENT;
        };
        let on_account =
            |k: usize| account.is_some_and(|a| accounts.parts.get(k).is_some_and(|p| p[a]));
        split
            .decide(contact, &on_account)
            .map_or(NO_SEGMENT, |s| s as u16)
    }

    /// Whether contact `row` of a chunk scored by `contact_model` holds role `r` and is engaged.
    pub fn holds_role(&self, scored: &Scored, r: usize, row: usize) -> bool {
        let held = scored.scores[self.journeys + r][row] >= 100.0;
        held && self.engaged(scored, row)
    }

    /// Whether contact `row` is engaged (`accounts.engaged`; always, without one): what a role
    /// and `count_recent` count.
    pub fn engaged(&self, scored: &Scored, row: usize) -> bool {
        match self.engaged {
            Some((j, at_least)) => shown_score(scored.scores[j][row]) >= at_least,
            None => true,
        }
    }
}

/// Per condition, the rows of `scored` (scored by `model`) it holds for, decided as a segment's
/// condition is: on the fields, the scores before rounding, the grades and the tier.
fn masks(conditions: &[crate::model::Condition], model: &Model, scored: &Scored) -> Vec<Vec<bool>> {
    let ctx = super::condition::Ctx {
        model,
        rows: scored.rows,
        today: scored.today.0,
        fields: &scored.fields,
        scores: Some(&scored.scores),
        grades: Some(&scored.grades),
        tiers: Some(&scored.tiers),
    };
    conditions
        .iter()
        .map(|c| super::condition::mask(c, &ctx))
        .collect()
}

/// A contact's score as written, in whole millionths (`shown_score` x 10^6, an integer).
pub fn millionths(score: f64) -> i64 {
    (shown_score(score) * super::output::SCORE_SCALE).round() as i64
}

/// One roll-up's state for one account.
#[derive(Clone, Debug, PartialEq)]
enum Roll {
    /// `count`: the contact count says it all.
    Count,
    Max(i64),
    /// `mean` and `sum`: the sum of the millionths.
    Sum(i64),
    /// `top_mean`: the `n` best millionths so far, best first.
    Top(Vec<i64>, usize),
    /// `count_above` and `share_above`: how many reached the threshold.
    Above(u64),
    /// `min`: the lowest millionths so far.
    Min(i64),
    /// A roll-up of a number field: the sum of the given values in millionths (128 bits, so
    /// no account's sum can overflow), how many were given, the highest and the lowest.
    Field {
        sum: i128,
        given: u64,
        max: i64,
        min: i64,
    },
    /// `count_recent`: how many contacts had the date recently (and were engaged).
    Recent(u64),
}

/// What is held per account.
#[derive(Clone, Debug, PartialEq)]
pub struct AccountState {
    pub contacts: u64,
    rolls: Vec<Roll>,
    /// Per role: whether an engaged contact holds it.
    pub roles: Vec<bool>,
}

/// The accounts seen so far, in the order first seen.
#[derive(Clone, Debug, Default)]
pub struct Book {
    index: HashMap<String, usize>,
    pub ids: Vec<String>,
    pub states: Vec<AccountState>,
    /// Contacts whose account cell is blank.
    pub without_account: u64,
    /// The first line of such a contact, for the message.
    pub first_without: Option<u64>,
    /// Per roll-up: how many field values were beyond `FIELD_LIMIT`, left out of it.
    pub beyond: Vec<u64>,
    /// Per account, the line of its first contact (for messages about the account).
    pub first_lines: Vec<u64>,
    /// Per account, per account field, the values its contacts' rows hold (only when the
    /// fields are taken from the contacts' rows, not from an accounts file).
    votes: Vec<Vec<Votes>>,
}

/// One account field's values over an account's contacts' rows: each distinct value (trimmed,
/// not blank, not one of the field's `missing` placeholders) with how many rows hold it. The
/// account's value is the most common, a tie going to the smallest in byte order: a rule of
/// counts, not of row order, so that a database (which has none) decides the same. Memory is
/// one entry per distinct value; an account's contacts mostly agree, so the list is searched
/// in place.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Votes(Vec<(String, u64)>);

impl Votes {
    /// Counts one row's value (already trimmed and known not missing).
    pub fn add(&mut self, value: &str) {
        match self.0.iter_mut().find(|(v, _)| v == value) {
            Some((_, n)) => *n += 1,
            None => self.0.push((value.to_string(), 1)),
        }
    }

    /// The most common value, ties to the smallest in byte order; `None` when every row was
    /// blank or a placeholder.
    pub fn winner(&self) -> Option<&str> {
        self.0
            .iter()
            .max_by(|(a, n), (b, m)| n.cmp(m).then_with(|| b.cmp(a)))
            .map(|(v, _)| v.as_str())
    }

    /// Whether the rows held more than one value.
    pub fn disagree(&self) -> bool {
        self.0.len() > 1
    }
}

/// A contact's account as its cell says it: trimmed, `None` when blank.
pub fn account_of<'t>(table: &'t Table, column: &str, row: usize) -> Option<&'t str> {
    let id = table.cell(row, column).trim();
    (!id.is_empty()).then_some(id)
}

/// `Book::add_rows`'s index of a contact without an account.
pub const NO_ACCOUNT: u32 = u32::MAX;

impl Book {
    /// Adds a chunk of contacts, scored by `plan.contact_model`.
    pub fn add(&mut self, plan: &Plan, table: &Table, scored: &Scored) {
        self.add_rows(plan, table, scored, &mut Vec::new());
    }

    /// `add`, also giving each row's account as its index in `ids` (`NO_ACCOUNT` when its cell
    /// is blank) in `accounts`, cleared first: what `score` keeps of a contact to write its
    /// account's columns later without scoring it again.
    pub fn add_rows(
        &mut self,
        plan: &Plan,
        table: &Table,
        scored: &Scored,
        accounts: &mut Vec<u32>,
    ) {
        accounts.clear();
        // The column is found once per chunk, not once per row.
        let column = table.column(plan.accounts.id_column.as_str());
        // The typed column of each field roll-up, once per chunk.
        let fields: Vec<Option<&Typed>> = plan
            .accounts
            .rollups
            .iter()
            .map(|r| {
                let f = r.field.as_ref()?;
                scored.fields.get(f).map(|t| &**t)
            })
            .collect();
        let today = scored.today.0;
        self.beyond.resize(plan.accounts.rollups.len(), 0);
        for row in 0..table.rows() {
            let id = column.map_or("", |c| c.get(row)).trim();
            if id.is_empty() {
                accounts.push(NO_ACCOUNT);
                self.without_account += 1;
                if self.first_without.is_none() {
                    self.first_without = table.lines.get(row).copied();
                }
                continue;
            }
            let k = match self.index.get(id) {
                Some(&k) => k,
                None => self.open(plan, id),
            };
            // Over u32::MAX accounts the ids alone pass the 4 GiB column `Book::table` refuses.
            accounts.push(u32::try_from(k).unwrap_or(NO_ACCOUNT));
            let state = &mut self.states[k];
            state.contacts += 1;
            for (i, ((roll, r), j)) in state
                .rolls
                .iter_mut()
                .zip(&plan.accounts.rollups)
                .zip(&plan.rollup_journey)
                .enumerate()
            {
                match (&mut *roll, fields.get(i).copied().flatten()) {
                    (
                        Roll::Field {
                            sum,
                            given,
                            max,
                            min,
                        },
                        Some(Typed::Number(v)),
                    ) => {
                        let Some(m) = field_millionths(v[row]) else {
                            if !v[row].is_nan() {
                                self.beyond[i] += 1;
                            }
                            continue;
                        };
                        *sum += i128::from(m);
                        *given += 1;
                        *max = (*max).max(m);
                        *min = (*min).min(m);
                        continue;
                    }
                    (Roll::Recent(c), Some(Typed::Date(v))) => {
                        let d = v[row];
                        let recent = d != crate::contacts::typed::DATE_MISSING
                            && i64::from(today) - i64::from(d) < i64::from(r.days.unwrap_or(0));
                        if recent && plan.engaged(scored, row) {
                            *c += 1;
                        }
                        continue;
                    }
                    _ => {}
                }
                let Some(j) = *j else { continue };
                let score = scored.scores[j][row];
                match roll {
                    Roll::Count => {}
                    Roll::Max(m) => *m = (*m).max(millionths(score)),
                    Roll::Min(m) => *m = (*m).min(millionths(score)),
                    // Read from the field above.
                    Roll::Field { .. } | Roll::Recent(_) => {}
                    Roll::Sum(s) => *s += millionths(score),
                    Roll::Top(best, n) => {
                        let m = millionths(score);
                        let at = best.partition_point(|&b| b >= m);
                        if at < *n {
                            best.insert(at, m);
                            best.truncate(*n);
                        }
                    }
                    Roll::Above(c) => {
                        if shown_score(score) >= r.at_least.unwrap_or(f64::INFINITY) {
                            *c += 1;
                        }
                    }
                }
            }
            let state = &mut self.states[k];
            for (r, held) in state.roles.iter_mut().enumerate() {
                *held |= plan.holds_role(scored, r, row);
            }
        }
        self.note_rows(plan, table, accounts);
    }

    /// A new account, with no contact yet: its index.
    fn open(&mut self, plan: &Plan, id: &str) -> usize {
        let k = self.ids.len();
        self.index.insert(id.to_string(), k);
        self.ids.push(id.to_string());
        self.states.push(AccountState {
            contacts: 0,
            rolls: plan
                .accounts
                .rollups
                .iter()
                .map(|r| match r.how {
                    How::Count => Roll::Count,
                    How::Max | How::Mean | How::Sum | How::Min if r.field.is_some() => {
                        Roll::Field {
                            sum: 0,
                            given: 0,
                            max: i64::MIN,
                            min: i64::MAX,
                        }
                    }
                    How::Max => Roll::Max(i64::MIN),
                    How::Mean | How::Sum => Roll::Sum(0),
                    How::TopMean => Roll::Top(Vec::new(), r.n.unwrap_or(1) as usize),
                    How::CountAbove | How::ShareAbove => Roll::Above(0),
                    How::Min => Roll::Min(i64::MAX),
                    How::CountRecent => Roll::Recent(0),
                })
                .collect(),
            roles: vec![false; plan.accounts.roles.len()],
        });
        k
    }

    /// Adds the accounts of the accounts file that no contact named, in the file's order,
    /// after those that have contacts: each with 0 contacts, so that a target account with no
    /// contact yet is scored (cold) rather than left out. Called once every contact is in.
    pub fn add_file_accounts(&mut self, plan: &Plan) {
        let Some(file) = &plan.file else { return };
        for id in file.ids() {
            if self.find(id).is_none() {
                let k = self.open(plan, id);
                self.first_lines.truncate(k);
                self.first_lines.push(0);
            }
        }
    }

    /// What `add_rows` keeps of a chunk besides the roll-ups: each new account's first line
    /// and, when the account fields come from the contacts' rows, each row's values. Accounts
    /// are numbered as first seen, so a row whose account is the next number is its first.
    fn note_rows(&mut self, plan: &Plan, table: &Table, accounts: &[u32]) {
        let fields = &plan.accounts.fields;
        let voting = plan.file.is_none() && !fields.is_empty();
        // Each field's column and placeholders, found once per chunk.
        let columns: Vec<_> = fields.iter().map(|f| table.column(f.column())).collect();
        let missing: Vec<_> = fields
            .iter()
            .map(|f| crate::contacts::typed::Placeholders::new(&f.missing))
            .collect();
        for (row, &k) in accounts.iter().enumerate() {
            if k == NO_ACCOUNT {
                continue;
            }
            let k = k as usize;
            if k == self.first_lines.len() {
                self.first_lines
                    .push(table.lines.get(row).copied().unwrap_or(0));
            }
            if !voting {
                continue;
            }
            if k == self.votes.len() {
                self.votes.push(vec![Votes::default(); fields.len()]);
            }
            for ((votes, column), missing) in self.votes[k].iter_mut().zip(&columns).zip(&missing) {
                let cell = column.map_or("", |c| c.get(row));
                if !missing.is_missing(cell) {
                    votes.add(cell.trim());
                }
            }
        }
    }

    /// The accounts whose contacts' rows disagree on an account field: how many, and the
    /// first (as first seen) with that field's id. `None` when they all agree, or when the
    /// fields come from a file.
    pub fn disagreements(&self, plan: &Plan) -> Option<(usize, String, String)> {
        let mut first = None;
        let mut n = 0;
        for (k, votes) in self.votes.iter().enumerate() {
            if let Some(f) = votes.iter().position(Votes::disagree) {
                n += 1;
                if first.is_none() {
                    first = Some((self.ids[k].clone(), plan.accounts.fields[f].id.clone()));
                }
            }
        }
        first.map(|(id, field)| (n, id, field))
    }

    /// The contacts whose account the accounts file does not hold: how many contacts, in how
    /// many accounts, and the first such account with the line of its first contact. `None`
    /// without a file or when every account is in it. Such accounts are scored with their
    /// fields missing.
    pub fn not_in_file(&self, plan: &Plan) -> Option<NotInFile> {
        let file = plan.file.as_ref()?;
        let mut out: Option<NotInFile> = None;
        for (k, id) in self.ids.iter().enumerate() {
            if file.row(id).is_some() {
                continue;
            }
            let contacts = self.states[k].contacts;
            match &mut out {
                Some(n) => {
                    n.contacts += contacts;
                    n.accounts += 1;
                }
                None => {
                    out = Some(NotInFile {
                        contacts,
                        accounts: 1,
                        first: id.clone(),
                        line: self.first_lines.get(k).copied().unwrap_or(0),
                    })
                }
            }
        }
        out
    }

    /// The accounts that no contact names (from the accounts file): how many, and the first.
    pub fn without_contacts(&self) -> (usize, Option<&str>) {
        let mut none = self
            .states
            .iter()
            .zip(&self.ids)
            .filter(|(s, _)| s.contacts == 0);
        let first = none.next().map(|(_, id)| id.as_str());
        (none.count() + usize::from(first.is_some()), first)
    }

    /// Account `k`'s value of account field `f`, trimmed; empty when it has none (no row in
    /// the accounts file, or a blank cell).
    pub fn field_value<'a>(&'a self, plan: &'a Plan, k: usize, f: usize) -> &'a str {
        match &plan.file {
            Some(file) => file.value(&self.ids[k], f).unwrap_or(""),
            None => self
                .votes
                .get(k)
                .and_then(|v| v.get(f))
                .and_then(Votes::winner)
                .unwrap_or(""),
        }
    }

    /// The index of an account by its id (trimmed).
    pub fn find(&self, id: &str) -> Option<usize> {
        self.index.get(id.trim()).copied()
    }

    /// Account `k`'s roll-up values, in the model's order, as numbers.
    pub fn values(&self, plan: &Plan, k: usize) -> Vec<f64> {
        let state = &self.states[k];
        let n = state.contacts as f64;
        let scale = super::output::SCORE_SCALE;
        state
            .rolls
            .iter()
            .zip(&plan.accounts.rollups)
            .zip(&plan.rollup_journey)
            .map(|((roll, r), j)| match (roll, r.how) {
                (Roll::Count, _) => n,
                // An account of the accounts file without contacts: no score to roll up
                // (missing, written empty), none above a threshold or recent, and a field's
                // sum over no values 0 (as for an account whose contacts give none).
                (Roll::Above(_), How::CountAbove) | (Roll::Recent(_), _) if n == 0.0 => 0.0,
                (Roll::Field { .. }, How::Sum) if n == 0.0 => 0.0,
                _ if n == 0.0 => f64::NAN,
                // A roll-up on an unknown journey (a check error) reads as 0.
                _ if j.is_none() && r.field.is_none() => 0.0,
                (Roll::Max(m), _) => *m as f64 / scale,
                (Roll::Sum(s), How::Mean) => *s as f64 / n / scale,
                (Roll::Sum(s), _) => *s as f64 / scale,
                (Roll::Top(best, _), _) => {
                    best.iter().sum::<i64>() as f64 / best.len() as f64 / scale
                }
                (Roll::Above(c), How::ShareAbove) => *c as f64 / n,
                (Roll::Above(c), _) => *c as f64,
                (Roll::Min(m), _) => *m as f64 / scale,
                (Roll::Recent(c), _) => *c as f64,
                // A sum over no values is 0; the max, min and mean of none are missing (NaN,
                // written as an empty cell).
                (Roll::Field { sum, .. }, How::Sum) => *sum as f64 / scale,
                (Roll::Field { given: 0, .. }, _) => f64::NAN,
                (Roll::Field { sum, given, .. }, How::Mean) => *sum as f64 / *given as f64 / scale,
                (Roll::Field { min, .. }, How::Min) => *min as f64 / scale,
                (Roll::Field { max, .. }, _) => *max as f64 / scale,
            })
            .collect()
    }

    /// One row per account: its id (`account`), each roll-up as the shortest text that reads
    /// back as its number, each role as `true` or `false`. Built column by column: a row of
    /// maps per account took five times the memory of the book itself at 100,000 accounts.
    pub fn table(&self, plan: &Plan) -> Result<Table, TooManyAccounts> {
        use crate::contacts::TextColumn;
        let n = self.ids.len();
        let (rollups, roles) = (&plan.accounts.rollups, &plan.accounts.roles);
        let mut headers = vec![ACCOUNT_ID.to_string()];
        headers.extend(rollups.iter().map(|r| r.id.clone()));
        headers.extend(roles.iter().map(|r| r.id.clone()));
        headers.extend(plan.accounts.fields.iter().map(|f| f.id.clone()));
        let mut columns: Vec<TextColumn> = headers
            .iter()
            .map(|_| TextColumn::with_capacity(n, n * 8))
            .collect();
        let mut cell = String::new();
        let mut fits = true;
        for k in 0..n {
            fits &= columns[0].push(&self.ids[k]);
            for (c, v) in columns[1..].iter_mut().zip(self.values(plan, k)) {
                use std::fmt::Write;
                cell.clear();
                // No value (the max of a field no contact gives): an empty, missing cell.
                if !v.is_nan() {
                    let _ = write!(cell, "{v}");
                }
                fits &= c.push(&cell);
            }
            for (c, held) in columns[1 + rollups.len()..]
                .iter_mut()
                .zip(&self.states[k].roles)
            {
                fits &= c.push(if *held { "true" } else { "false" });
            }
            let fields = 1 + rollups.len() + roles.len();
            for (f, c) in columns[fields..].iter_mut().enumerate() {
                fits &= c.push(self.field_value(plan, k, f));
            }
        }
        if !fits {
            return Err(TooManyAccounts(n));
        }
        Ok(Table {
            source: "accounts".into(),
            headers,
            columns,
            lines: (1..=n as u64).collect(),
            ..Table::default()
        })
    }
}

/// Contacts whose account is not in the accounts file (`Book::not_in_file`).
#[derive(Clone, Debug, PartialEq)]
pub struct NotInFile {
    pub contacts: u64,
    pub accounts: usize,
    /// The first such account, as first seen, and the line of its first contact.
    pub first: String,
    pub line: u64,
}

/// The accounts file of a model, resolved against the model's folder (`model_path` is the
/// model file), as the events log's is.
pub fn file_path(accounts: &Accounts, model_path: &std::path::Path) -> Option<std::path::PathBuf> {
    let file = accounts.file.as_deref()?;
    let dir = model_path.parent().unwrap_or(std::path::Path::new(""));
    Some(dir.join(file))
}

/// An accounts file, read whole (it holds one row per account, not per contact): each
/// account's row by its trimmed id, and the column each account field is read from.
#[derive(Clone, Debug)]
pub struct AccountsFile {
    /// The file as named, for messages.
    pub name: String,
    table: Table,
    /// Trimmed id to row.
    index: HashMap<String, usize>,
    /// Per account field (in the block's order), its column in `table`.
    columns: Vec<usize>,
    /// The id column in `table`.
    id: usize,
}

impl AccountsFile {
    /// Reads an accounts file (CSV, JSON Lines or Parquet, as contacts are read). Its id
    /// column and each field's column must be there (found as contacts' columns are: the exact
    /// name, else trimmed and ignoring case); a blank or repeated id is an error.
    pub fn read(
        accounts: &Accounts,
        path: &std::path::Path,
    ) -> Result<AccountsFile, AccountsFileError> {
        let name = path.display().to_string();
        let mut reader = crate::contacts::ContactsReader::open(path)?;
        let headers = reader.headers().to_vec();
        let table = match reader.next_chunk(usize::MAX)? {
            Some(t) => t,
            None => Table {
                source: name.clone(),
                headers: headers.clone(),
                columns: headers.iter().map(|_| Default::default()).collect(),
                ..Table::default()
            },
        };
        let find = |column: &str, what: String| {
            table
                .column_index(column)
                .ok_or_else(|| AccountsFileError::NoColumn {
                    file: name.clone(),
                    column: column.to_string(),
                    what,
                    found: headers.join(", "),
                })
        };
        let id_column = accounts.file_id_column();
        let id = find(
            id_column,
            if accounts.file_id_column.is_some() {
                "accounts.file_id_column names".into()
            } else {
                "accounts.id_column names (or set file_id_column)".into()
            },
        )?;
        let columns = accounts
            .fields
            .iter()
            .map(|f| find(f.column(), format!("account field '{}' reads", f.id)))
            .collect::<Result<Vec<_>, _>>()?;
        let mut index = HashMap::with_capacity(table.rows());
        for row in 0..table.rows() {
            let line = table.lines.get(row).copied().unwrap_or(0);
            let key = table.columns[id].get(row).trim();
            if key.is_empty() {
                return Err(AccountsFileError::BlankId {
                    file: name,
                    line,
                    column: id_column.to_string(),
                });
            }
            if let Some(&first) = index.get(key) {
                return Err(AccountsFileError::Duplicate {
                    file: name,
                    id: crate::printable::printable(key).to_string(),
                    first: table.lines.get(first).copied().unwrap_or(0),
                    line,
                });
            }
            index.insert(key.to_string(), row);
        }
        Ok(AccountsFile {
            name,
            table,
            index,
            columns,
            id,
        })
    }

    /// The row of an account, by its id (trimmed).
    pub fn row(&self, id: &str) -> Option<usize> {
        self.index.get(id.trim()).copied()
    }

    /// An account's value of account field `f`, trimmed; `None` when the file has no row for
    /// the account.
    pub fn value(&self, id: &str, f: usize) -> Option<&str> {
        let row = self.row(id)?;
        Some(self.table.columns[*self.columns.get(f)?].get(row).trim())
    }

    /// How many accounts the file holds.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The accounts' ids (trimmed), in the file's order.
    pub fn ids(&self) -> impl Iterator<Item = &str> + '_ {
        let id = self.id;
        (0..self.table.rows()).map(move |row| self.table.columns[id].get(row).trim())
    }
}

/// An accounts file that cannot be used: each stops the command (exit 2) before it writes.
#[derive(Debug, thiserror::Error)]
pub enum AccountsFileError {
    #[error(transparent)]
    Read(#[from] crate::contacts::ContactsError),
    #[error(
        "{file}: has no column '{column}', which {what}: add the column, or name the one that holds it (its columns: {found})"
    )]
    NoColumn {
        file: String,
        column: String,
        what: String,
        found: String,
    },
    #[error(
        "{file} line {line}: account '{id}' again (first at line {first}): the accounts file holds one row per account; merge the two rows"
    )]
    Duplicate {
        file: String,
        id: String,
        first: u64,
        line: u64,
    },
    #[error(
        "{file} line {line}: the id column '{column}' is blank: each row of the accounts file names its account; fill it in or remove the row"
    )]
    BlankId {
        file: String,
        line: u64,
        column: String,
    },
}

/// The accounts' table would pass the 4 GiB a text column holds.
#[derive(Debug, thiserror::Error)]
#[error(
    "{0} accounts: their ids or roll-ups pass the 4 GiB a column holds; split the contacts by account and score each part"
)]
pub struct TooManyAccounts(pub usize);

/// The accounts of a set of contacts, scored.
pub struct ScoredAccounts {
    pub book: Book,
    /// One row per account (`Book::table`).
    pub table: Table,
    /// The account model's scores of `table`.
    pub scored: Scored,
    /// Per account part of the contact segments (`SegmentSplit::account`), per account:
    /// whether it holds. Empty without a split.
    pub parts: Vec<Vec<bool>>,
}

/// For people: how many accounts (the tables are long).
impl std::fmt::Debug for ScoredAccounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ScoredAccounts({} accounts)", self.book.ids.len())
    }
}

impl ScoredAccounts {
    /// Scores the accounts of a filled book.
    pub fn new(plan: &Plan, mut book: Book) -> Result<ScoredAccounts, TooManyAccounts> {
        book.add_file_accounts(plan);
        let table = book.table(plan)?;
        let scored = score_table(&plan.account_model, &table);
        let parts = match &plan.split {
            Some(split) => masks(&split.account, &plan.account_model, &scored),
            None => Vec::new(),
        };
        Ok(ScoredAccounts {
            book,
            table,
            scored,
            parts,
        })
    }

    /// The account columns of a contact row (`Plan::contact_columns`), empty when the contact
    /// has no account.
    pub fn contact_cells(&self, plan: &Plan, account: Option<&str>, out: &mut Vec<String>) {
        match account.and_then(|id| self.book.find(id)) {
            Some(k) => output_row_into(&plan.account_model, &self.scored, k, out),
            None => {
                out.clear();
                out.resize(plan.contact_columns().len(), String::new());
            }
        }
    }

    /// Account `k`'s row of `score --accounts` (`Plan::account_columns`).
    pub fn account_row(&self, plan: &Plan, k: usize) -> Vec<String> {
        let mut row = vec![
            self.book.ids[k].clone(),
            self.book.states[k].contacts.to_string(),
        ];
        // Written as scores are (six decimals, half up, `format_score`): one rule for every
        // number `score` writes. The account model read the unrounded value, as a contact's
        // tier reads its score before it is rounded.
        row.extend(self.book.values(plan, k).into_iter().map(|v| {
            // No value (the max of a field no contact gives) is written empty, as missing.
            if v.is_nan() {
                String::new()
            } else {
                format_score(v)
            }
        }));
        row.extend(self.book.states[k].roles.iter().map(|h| h.to_string()));
        row.extend(
            (0..plan.accounts.fields.len()).map(|f| self.book.field_value(plan, k, f).to_string()),
        );
        let mut outs = Vec::new();
        output_row_into(&plan.account_model, &self.scored, k, &mut outs);
        row.extend(outs);
        row
    }
}

/// Scores a whole table of contacts with its accounts: the contacts (by the contact model, the
/// hidden role journeys' scores left out, so the rest reads as `score_table(model, ..)` does)
/// and the accounts.
pub fn score_with_accounts(
    plan: &Plan,
    table: &Table,
) -> Result<(Scored, ScoredAccounts), TooManyAccounts> {
    let mut scored = score_table(&plan.contact_model, table);
    let mut segments = std::mem::take(&mut scored.segments);
    let accounts = accounts_and_segments(plan, table, &scored, &mut segments);
    scored.segments = segments;
    scored.scores.truncate(plan.journeys);
    Ok((scored, accounts?))
}

/// The accounts of `table`, whose contacts `full` scored by `plan.contact_model` (the role
/// journeys included); each contact segment that reads its account (`plan.split`) is then
/// decided into `segments` (one per row), which stay as they are without a split or when the
/// accounts cannot be scored. `score_with_accounts` and the designer (whose scorer keeps its
/// columns from edit to edit) both decide segments here.
pub fn accounts_and_segments(
    plan: &Plan,
    table: &Table,
    full: &Scored,
    segments: &mut [u16],
) -> Result<ScoredAccounts, TooManyAccounts> {
    let mut book = Book::default();
    let mut index = Vec::new();
    book.add_rows(plan, table, full, &mut index);
    let parts = plan.contact_parts(full);
    let accounts = ScoredAccounts::new(plan, book)?;
    if plan.split.is_some() {
        for (row, &k) in index.iter().enumerate() {
            let account = (k != NO_ACCOUNT).then_some(k as usize);
            segments[row] = plan.decide_segment(&accounts, &|i| parts[i][row], account);
        }
    }
    Ok(accounts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Scalar, parse_model};
    use indexmap::IndexMap;

    const MODEL: &str = r#"
name: abm
fields:
  - { id: visits, kind: number }
  - { id: level, kind: category }
journeys:
  - id: act
    touchpoints:
      - { id: t, weight: 100, pillars: [empathy], signals: [ { field: visits, weight: 100, rule: { scale: { from: 0, to: 10 } } } ] }
accounts:
  id_column: company
  engaged: { journey: act, at_least: 40 }
  rollups:
    - { id: n, how: count }
    - { id: best, journey: act, how: max }
    - { id: avg, journey: act, how: mean }
    - { id: total, journey: act, how: sum }
    - { id: top2, journey: act, how: top_mean, n: 2 }
    - { id: hot, journey: act, how: count_above, at_least: 50 }
    - { id: hot_share, journey: act, how: share_above, at_least: 50 }
  roles:
    - { id: dm, when: { field: level, in: [VP, C-level] } }
    - { id: user, when: { field: level, equals: Staff } }
  journeys:
    - id: account
      touchpoints:
        - { id: group, weight: 60, pillars: [empathy], signals: [ { field: dm, weight: 50, rule: flag }, { field: user, weight: 50, rule: flag } ] }
        - { id: heat, weight: 40, pillars: [empathy], signals: [ { field: top2, weight: 100, rule: { scale: { from: 0, to: 100 } } } ] }
  tiers:
    journey: account
    levels:
      - { name: hot, at_least: 70 }
      - { name: cold, at_least: 0 }
"#;

    fn table(rows: &[[&str; 3]]) -> Table {
        let maps: Vec<IndexMap<String, Scalar>> = rows
            .iter()
            .map(|r| {
                ["company", "visits", "level"]
                    .iter()
                    .zip(r)
                    .map(|(k, v)| (k.to_string(), Scalar::Text(v.to_string())))
                    .collect()
            })
            .collect();
        Table::from_maps("t", &maps)
    }

    #[test]
    fn every_rollup_and_role_by_hand() {
        let model = parse_model(MODEL, "abm.yaml").unwrap();
        let errors: Vec<_> = crate::model::check::check(&model, None, None)
            .into_iter()
            .filter(|d| d.severity == crate::model::check::Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:?}");
        let plan = Plan::new(&model).unwrap();
        // Acme: scores 30 (a VP, not engaged), 70 (staff, engaged), 55 (VP, engaged), 100/3
        // (visits 10/3: no role). Beta: one VP at 100. A blank company is no account.
        let t = table(&[
            ["Acme", "3", "VP"],
            [" Acme ", "7", "staff"],
            ["Beta", "12", "c-level"],
            ["Acme", "5.5", "vp"],
            ["", "9", "VP"],
            ["Acme", "3.3333333333333335", "Intern"],
        ]);
        let (scored, accounts) = score_with_accounts(&plan, &t).unwrap();
        assert_eq!(
            scored.scores.len(),
            1,
            "the hidden role journeys are left out"
        );
        assert_eq!(accounts.book.ids, ["Acme", "Beta"]);
        assert_eq!(accounts.book.without_account, 1);
        assert_eq!(accounts.book.first_without, Some(5));
        let acme = accounts.book.values(&plan, 0);
        // 33.333333333333336 is written 33.333333: 33333333 millionths.
        let sum = 30_000_000 + 70_000_000 + 55_000_000 + 33_333_333;
        assert_eq!(acme[0], 4.0);
        assert_eq!(acme[1], 70.0);
        assert_eq!(acme[2], sum as f64 / 4.0 / 1e6);
        assert_eq!(acme[3], sum as f64 / 1e6);
        assert_eq!(acme[4], 62.5, "the mean of 70 and 55");
        assert_eq!(acme[5], 2.0, "70 and 55 reach 50");
        assert_eq!(acme[6], 0.5);
        assert_eq!(accounts.book.states[0].roles, [true, true]);
        let beta = accounts.book.values(&plan, 1);
        assert_eq!(beta, [1.0, 100.0, 100.0, 100.0, 100.0, 1.0, 1.0]);
        // Beta's VP is engaged (100), but no staff: 60 x 50% + 40 x 100% = 70, hot.
        assert_eq!(accounts.book.states[1].roles, [true, false]);
        let s = &accounts.scored;
        assert!((s.scores[0][1] - 70.0).abs() < 1e-9);
        assert_eq!(
            s.tier(&plan.account_model, 1).map(|t| t.name.as_str()),
            Some("hot")
        );
        // Acme: both roles, 60 + 40 x 62.5% = 85, hot.
        assert!((s.scores[0][0] - 85.0).abs() < 1e-9);
        let mut cells = Vec::new();
        accounts.contact_cells(&plan, account_of(&t, "company", 1), &mut cells);
        assert_eq!(cells[0], "85");
        assert_eq!(plan.contact_columns()[0], "account_score_account");
        accounts.contact_cells(&plan, account_of(&t, "company", 4), &mut cells);
        assert!(cells.iter().all(String::is_empty));
    }

    /// Field roll-ups add whole millionths in 128 bits: 0.1 + 0.2 is 300,000 millionths, so
    /// 0.3 exactly (0.1 + 0.2 as doubles is 0.30000000000000004); values half a millionth
    /// apart round half up; a value past ±10^9 is left out and counted; `count_recent` without
    /// `engaged` counts every recent contact (ages 0 to 29 of 30 days, and a future day).
    #[test]
    fn field_rollups_add_millionths_and_count_recent_days() {
        let text = MODEL
            .replace("  engaged: { journey: act, at_least: 40 }\n", "")
            .replace(
                "  - { id: level, kind: category }",
                "  - { id: level, kind: category }\n  - { id: team, kind: number }\n  - { id: seen, kind: date }",
            )
            .replace(
                "    - { id: n, how: count }",
                "    - { id: n, how: count }\n    - { id: t_sum, field: team, how: sum }\n    - { id: t_mean, field: team, how: mean }\n    - { id: t_min, field: team, how: min }\n    - { id: recent, field: seen, how: count_recent, days: 30 }",
            )
            .replacen("name: abm", "name: abm\nas_of: 2026-11-01", 1);
        let model = parse_model(&text, "abm.yaml").unwrap();
        let plan = Plan::new(&model).unwrap();
        let rows: Vec<IndexMap<String, Scalar>> = [
            ["0.1", "2026-11-01"],
            ["0.2", "2026-10-03"],
            ["0.0000005", "2026-10-02"],
            ["-1000000000.5", "2026-12-25"],
        ]
        .iter()
        .map(|[team, seen]| {
            [
                ("company", "A"),
                ("visits", "1"),
                ("team", *team),
                ("seen", *seen),
            ]
            .iter()
            .map(|(k, v)| (k.to_string(), Scalar::Text(v.to_string())))
            .collect()
        })
        .collect();
        let t = Table::from_maps("t", &rows);
        let (_, accounts) = score_with_accounts(&plan, &t).unwrap();
        let v = accounts.book.values(&plan, 0);
        // 100,000 + 200,000 + 1 (0.0000005 rounds half up to one millionth) = 300,001.
        assert_eq!(v[1], 0.300001);
        assert_eq!(v[2], 300_001.0 / 3.0 / 1e6);
        assert_eq!(v[3], 0.000001);
        assert_eq!(
            v[4], 3.0,
            "today, 29 days before and the future day; not 30 days"
        );
        assert_eq!(accounts.book.beyond[1..4], [1, 1, 1]);
    }

    #[test]
    fn without_engaged_holding_the_role_is_enough() {
        let text = MODEL.replace("  engaged: { journey: act, at_least: 40 }\n", "");
        let model = parse_model(&text, "abm.yaml").unwrap();
        let plan = Plan::new(&model).unwrap();
        let t = table(&[["Acme", "0", "VP"]]);
        let (_, accounts) = score_with_accounts(&plan, &t).unwrap();
        assert_eq!(accounts.book.states[0].roles, [true, false]);
    }

    #[test]
    fn the_checks_place_account_findings_under_accounts() {
        let text = MODEL
            .replace("weight: 60", "weight: 50")
            .replace("journey: act, how: max", "journey: acts, how: max")
            .replace("how: top_mean, n: 2", "how: top_mean")
            .replace("in: [VP, C-level]", "in: [VP, C-level], at_least: 3");
        let model = parse_model(&text, "abm.yaml").unwrap();
        let found: Vec<(String, String)> = crate::model::check::check(&model, None, None)
            .into_iter()
            .filter(|d| d.severity == crate::model::check::Severity::Error)
            .map(|d| (d.at, d.message))
            .collect();
        let at: Vec<&str> = found.iter().map(|(a, _)| a.as_str()).collect();
        assert!(
            at.iter()
                .any(|a| a.starts_with("accounts.journeys.account")),
            "{found:?}"
        );
        assert!(at.contains(&"accounts.rollups.best.journey"), "{found:?}");
        assert!(at.contains(&"accounts.rollups.top2.n"), "{found:?}");
        assert!(
            at.iter().any(|a| a.starts_with("accounts.roles.dm.when")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|(_, m)| m.contains("no contact journey 'acts' (did you mean 'act'?)")),
            "{found:?}"
        );
    }

    #[test]
    fn votes_keep_the_most_common_value_and_break_ties_by_bytes() {
        let mut v = Votes::default();
        assert_eq!(v.winner(), None);
        assert!(!v.disagree());
        for x in ["retail", "Software", "retail", "Software", "Retail"] {
            v.add(x);
        }
        // retail 2, Software 2, Retail 1: a tie, and "Software" < "retail" (0x53 < 0x72).
        assert_eq!(v.winner(), Some("Software"));
        assert!(v.disagree());
        v.add("retail");
        assert_eq!(v.winner(), Some("retail"));
    }

    /// An account of the accounts file that no contact names comes after the others with 0
    /// contacts: count 0, count_above 0, the roll-ups of scores (max, mean, sum, top_mean,
    /// share_above) missing, no role, its fields from the file (trimmed).
    #[test]
    fn an_account_of_the_file_without_contacts_has_no_scores_to_roll_up() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("firms.csv"),
            "company,industry\nAcme,Retail\nGhost, Software \n",
        )
        .unwrap();
        let text = MODEL.replace(
            "  id_column: company\n",
            "  id_column: company\n  file: firms.csv\n  fields:\n    - { id: industry, kind: category }\n",
        );
        let model = parse_model(&text, "abm.yaml").unwrap();
        let mut plan = Plan::new(&model).unwrap();
        plan.read_file(&dir.path().join("abm.yaml")).unwrap();
        let t = table(&[["Acme", "5", "VP"]]);
        let (_, accounts) = score_with_accounts(&plan, &t).unwrap();
        assert_eq!(accounts.book.ids, ["Acme", "Ghost"]);
        // A field's sum over no contacts is 0, its max missing (Acme: 5 and 5).
        let fields = text.replace(
            "    - { id: hot_share, journey: act, how: share_above, at_least: 50 }\n",
            "    - { id: hot_share, journey: act, how: share_above, at_least: 50 }\n    - { id: visits_sum, field: visits, how: sum }\n    - { id: visits_max, field: visits, how: max }\n",
        );
        assert_ne!(fields, text);
        let with_fields = parse_model(&fields, "abm.yaml").unwrap();
        let mut p = Plan::new(&with_fields).unwrap();
        p.read_file(&dir.path().join("abm.yaml")).unwrap();
        let (_, a) = score_with_accounts(&p, &t).unwrap();
        let (acme, ghost) = (a.book.values(&p, 0), a.book.values(&p, 1));
        assert_eq!((acme[7], acme[8]), (5.0, 5.0));
        assert_eq!(ghost[7], 0.0);
        assert!(ghost[8].is_nan(), "{}", ghost[8]);
        let ghost = accounts.book.values(&plan, 1);
        assert_eq!((ghost[0], ghost[5]), (0.0, 0.0), "count, count_above");
        for i in [1, 2, 3, 4, 6] {
            assert!(ghost[i].is_nan(), "roll-up {i}: {}", ghost[i]);
        }
        let row = accounts.account_row(&plan, 1);
        assert_eq!(
            row[..12],
            [
                "Ghost", "0", "0", "", "", "", "", "0", "", "false", "false", "Software"
            ]
        );
        // No role, top2 missing (attainment 0): 0, cold.
        assert_eq!(accounts.scored.scores[0][1], 0.0);
        assert_eq!(accounts.book.without_contacts(), (1, Some("Ghost")));
    }
}
