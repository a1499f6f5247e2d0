//! Accounts: the company level of a B2B model, the `accounts:` block of a model file.
//!
//! Contacts name their account by a column. An account is scored by a model of its own, the
//! *account model*: its fields are the block's roll-ups (numbers computed over the account's
//! contacts), roles (booleans: is this buying-group role present and engaged) and account
//! fields (firmographics, from an accounts file or from the contacts' rows), and its
//! journeys, grades, tiers and segments are written exactly as a contact model's. That account
//! model is an ordinary `Model` (`account_model`), so every check, the engine, the explanation
//! and the SQL export of the contact level serve the account level unchanged; what is new is
//! only how the account's table is made from its contacts (`engine::accounts`,
//! `export::accounts`).
//!
//! Invariant: roll-ups read each contact's journey score as it is written (rounded to six
//! decimals, `engine::output::shown_score`), counted in whole millionths, so that a sum does not
//! depend on the order the contacts come in: the engine reads a file in order, a warehouse in
//! any order, and both must give the same account score to the last bit.

use super::types::{Condition, Field, FieldKind, Grade, Journey, Model, Segment, Tiers};
use serde::{Deserialize, Serialize};

/// The `accounts:` block.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accounts {
    /// The contacts column that names a contact's account (read trimmed; blank: no account).
    pub id_column: String,
    /// Numbers computed over an account's contacts, each a field of the account model.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rollups: Vec<Rollup>,
    /// Buying-group roles, each a boolean field of the account model: true when a contact of
    /// the account holds the role and is engaged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<Role>,
    /// What makes a contact engaged for its role; none: holding the role is enough.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engaged: Option<Engaged>,
    #[serde(default)]
    pub journeys: Vec<Journey>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grades: Vec<Grade>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<Tiers>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<Segment>,
    /// Account fields (industry, employees), written as a contact model's fields: read from
    /// `file` when the block names one, else from the account's contacts' rows (one value per
    /// account: `engine::accounts::Votes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// An accounts file (CSV, JSON Lines or Parquet), relative to the model's own folder:
    /// one row per account, joined to the contacts on the trimmed id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The accounts file's id column (default: `id_column`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id_column: Option<String>,
}

/// One number over an account's contacts: `{ id: best_fit, journey: fit, how: max }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rollup {
    pub id: String,
    /// The contact journey whose score is rolled up (not for `count`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journey: Option<String>,
    pub how: How,
    /// `top_mean`: how many of the best scores are averaged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// `count_above`, `share_above`: the score a contact must reach to count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The contact field rolled up instead of a journey score (`max`, `min`, `mean`, `sum` of
    /// a number field; `count_recent` of a date field). Its values are read in whole millionths
    /// (`field_millionths`); a missing value is skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// `count_recent`: how many days back from the model's `as_of` a date counts as recent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub days: Option<u32>,
}

/// The largest value (in absolute terms) a field roll-up reads: beyond it a value is left out
/// of the roll-up and counted (`score` says how many). In millionths it stays under 2^53, so it
/// is an exact double and its integer in every engine.
pub const FIELD_LIMIT: f64 = 1e9;

/// A contact field's value as a field roll-up reads it: in whole millionths, rounded half up
/// (`floor(v x 10^6 + 0.5)`, the operations the scores are rounded with, the same in every SQL
/// dialect); `None` when missing or beyond `FIELD_LIMIT`.
pub fn field_millionths(v: f64) -> Option<i64> {
    if v.is_nan() || v.abs() > FIELD_LIMIT {
        return None;
    }
    Some((v * 1e6 + 0.5).floor() as i64)
}

/// How a roll-up combines the contacts' scores. Every kind is answered by `engine::accounts`
/// (the state per account and its value) and `export::accounts` (its SQL aggregate).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum How {
    /// How many contacts the account has.
    Count,
    Max,
    Mean,
    Sum,
    /// The mean of the `n` best scores (of all of them when there are fewer).
    TopMean,
    /// How many contacts score at least `at_least`.
    CountAbove,
    /// The share (0 to 1) of the contacts that score at least `at_least`.
    ShareAbove,
    /// The lowest score (or field value).
    Min,
    /// How many contacts have the date `field` within the last `days` days before `as_of`
    /// (and are engaged, when the block says what engaged is).
    CountRecent,
}

impl How {
    pub const ALL: [How; 9] = [
        How::Count,
        How::Max,
        How::Mean,
        How::Sum,
        How::TopMean,
        How::CountAbove,
        How::ShareAbove,
        How::Min,
        How::CountRecent,
    ];
    pub fn name(self) -> &'static str {
        match self {
            How::Count => "count",
            How::Max => "max",
            How::Mean => "mean",
            How::Sum => "sum",
            How::TopMean => "top_mean",
            How::CountAbove => "count_above",
            How::ShareAbove => "share_above",
            How::Min => "min",
            How::CountRecent => "count_recent",
        }
    }
}

/// A buying-group role: `{ id: decision_maker, when: { field: job_level, in: [VP, C-level] } }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub id: String,
    /// A condition on the contact's fields (as an adjustment's).
    pub when: Condition,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `engaged: { journey: activity, at_least: 40 }`: a contact counts for its role when its
/// written score of that journey reaches the threshold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Engaged {
    pub journey: String,
    pub at_least: f64,
}

/// The prefix of the hidden journeys that hold each contact's roles (100 when it holds the
/// role, else 0) in `contact_model`.
pub const ROLE_PREFIX: &str = "sw_role_";

/// The column of the account model's table that holds the account id.
pub const ACCOUNT_ID: &str = "account";

impl Accounts {
    /// The account model: the roll-ups as number fields, the roles as boolean fields, and the
    /// block's journeys, grades, tiers and segments. Its `as_of` is the contact model's.
    pub fn account_model(&self, model: &Model) -> Model {
        let mut fields: Vec<Field> = self
            .rollups
            .iter()
            .map(|r| Field::new(&r.id, FieldKind::Number))
            .collect();
        fields.extend(
            self.roles
                .iter()
                .map(|r| Field::new(&r.id, FieldKind::Boolean)),
        );
        fields.extend(self.account_fields());
        Model {
            name: format!("{} (accounts)", model.name),
            as_of: model.as_of,
            id_column: Some(ACCOUNT_ID.into()),
            fields,
            journeys: self.journeys.clone(),
            grades: self.grades.clone(),
            tiers: self.tiers.clone(),
            segments: self.segments.clone(),
            ..Model::default()
        }
    }

    /// The account fields as the account model reads them: from the account table's column
    /// named by the field's id (`engine::accounts::Book::table` puts each value there, trimmed),
    /// with the field's kind, label and missing placeholders.
    pub fn account_fields(&self) -> impl Iterator<Item = Field> + '_ {
        self.fields.iter().map(|f| Field {
            column: None,
            ..f.clone()
        })
    }

    /// The column of the accounts file that holds the account id.
    pub fn file_id_column(&self) -> &str {
        self.file_id_column.as_deref().unwrap_or(&self.id_column)
    }

    /// The contact model with one hidden journey per role after its own (no touchpoints, one
    /// adjustment of 100 points when the role's condition holds), so that the engine and the
    /// export decide a role with the very code that decides an adjustment. The model's own
    /// journeys keep their places, so its grades, tiers and segments read the same scores.
    pub fn contact_model(&self, model: &Model) -> Model {
        let mut m = model.clone();
        m.accounts = None;
        for r in &self.roles {
            let mut j = Journey::new(&format!("{ROLE_PREFIX}{}", r.id));
            j.adjustments.push(super::types::Adjustment {
                name: r.id.clone(),
                when: r.when.clone(),
                points: 100.0,
                note: None,
            });
            m.journeys.push(j);
        }
        m
    }
}

/// The checks of the `accounts:` block. The account model is checked as any model is (weights,
/// rules, tiers, segments), its findings placed under `accounts` (a roll-up's or a role's
/// under its own entry); a role's condition is checked as the adjustment it becomes; then what
/// only a block has: each roll-up's journey and the numbers its kind needs.
pub fn check(model: &Model) -> Vec<super::check::Diagnostic> {
    use super::check::{Diagnostic, Severity};
    use super::locate::Seg;
    let Some(a) = &model.accounts else {
        return Vec::new();
    };
    let key = |k: &str| Seg::Key(k.into());
    let mut out = Vec::new();
    let mut push = |severity, code, path: Vec<Seg>, at: String, message: String| {
        out.push(Diagnostic {
            severity,
            code,
            at,
            path,
            message,
            line: None,
            column: None,
        })
    };
    if a.id_column.trim().is_empty() {
        push(
            Severity::Error,
            "accounts",
            vec![key("accounts"), key("id_column")],
            "accounts.id_column".into(),
            "accounts: id_column is empty: name the contacts column that holds the account (\"Account ID\", \"Company\")".into(),
        );
    }
    // The account model, as any model.
    let nr = a.rollups.len();
    for mut d in super::check::check(&a.account_model(model), None, None) {
        let mut rest = d.path.clone();
        let (prefix, text) = match rest.as_slice() {
            [Seg::Key(f), Seg::Index(i), ..] if f == "fields" => {
                let (list, i) = if *i < nr {
                    ("rollups", *i)
                } else if *i < nr + a.roles.len() {
                    ("roles", *i - nr)
                } else {
                    ("fields", *i - nr - a.roles.len())
                };
                rest.drain(..2);
                (
                    vec![key("accounts"), key(list), Seg::Index(i)],
                    d.at.replacen("fields.", &format!("accounts.{list}."), 1),
                )
            }
            _ => (vec![key("accounts")], format!("accounts.{}", d.at)),
        };
        d.path = prefix.into_iter().chain(rest).collect();
        d.at = text;
        let d = d;
        push(
            d.severity,
            d.code,
            d.path,
            d.at,
            format!("accounts: {}", d.message),
        );
    }
    // Each role's condition, as the adjustment of its hidden journey.
    let first = model.journeys.len();
    for d in super::check::check(&a.contact_model(model), None, None) {
        let role = match d.path.as_slice() {
            [Seg::Key(j), Seg::Index(ji), Seg::Key(adj), ..]
                if j == "journeys" && adj == "adjustments" && *ji >= first =>
            {
                ji - first
            }
            _ => continue,
        };
        let Some(r) = a.roles.get(role) else { continue };
        let path = [key("accounts"), key("roles"), Seg::Index(role), key("when")]
            .into_iter()
            .chain(d.path.iter().skip(5).cloned())
            .collect();
        let message = d
            .message
            .replace(&format!("{ROLE_PREFIX}{}", r.id), &format!("role {}", r.id));
        push(
            d.severity,
            d.code,
            path,
            format!("accounts.roles.{}.when", r.id),
            format!("accounts: role '{}': {message}", r.id),
        );
    }
    // `score --accounts` writes these two columns before the roll-ups and roles.
    let ids = a.rollups.iter().map(|r| ("rollups", &r.id));
    for (i, (list, id)) in ids
        .chain(a.roles.iter().map(|r| ("roles", &r.id)))
        .enumerate()
    {
        if [ACCOUNT_ID, "contacts"].contains(&id.trim()) {
            let i = if list == "rollups" {
                i
            } else {
                i - a.rollups.len()
            };
            push(
                Severity::Error,
                "duplicate-id",
                vec![key("accounts"), key(list), Seg::Index(i), key("id")],
                format!("accounts.{list}.{id}.id"),
                format!(
                    "accounts: '{id}' is the name of a column `score --accounts` writes itself (the account's id and its contact count): choose another id"
                ),
            );
        }
    }
    let journeys: Vec<&str> = model.journeys.iter().map(|j| j.id.as_str()).collect();
    let unknown = |id: &str| {
        let hint = match super::yaml::nearest(id, &journeys) {
            Some(n) => format!(" (did you mean '{n}'?)"),
            None => String::new(),
        };
        format!("no contact journey '{id}'{hint}")
    };
    for (i, r) in a.rollups.iter().enumerate() {
        let at = |k: &str| {
            (
                vec![key("accounts"), key("rollups"), Seg::Index(i), key(k)],
                format!("accounts.rollups.{}.{k}", r.id),
            )
        };
        let how = r.how.name();
        match (&r.journey, r.how) {
            (Some(_), How::Count) => {
                let (p, t) = at("journey");
                push(
                    Severity::Error,
                    "rollup",
                    p,
                    t,
                    format!(
                        "roll-up '{}': count counts contacts and reads no journey: remove journey",
                        r.id
                    ),
                );
            }
            (None, How::Count) => {}
            // A field roll-up: `check_field_rollups`.
            (None, _) if r.field.is_some() => {}
            (None, How::CountRecent) | (Some(_), How::CountRecent) => {
                let (p, t) = at("field");
                push(
                    Severity::Error,
                    "rollup",
                    p,
                    t,
                    format!(
                        "roll-up '{}': count_recent reads a date field of the contacts, not a journey: write field: ID (a date field) and days: N",
                        r.id
                    ),
                );
            }
            (None, _) => {
                let (p, t) = at("how");
                push(
                    Severity::Error,
                    "rollup",
                    p,
                    t,
                    format!(
                        "roll-up '{}': {how} needs the journey whose scores it reads (or, for max, min, mean and sum, the number field whose values it reads): add journey: ID or field: ID",
                        r.id
                    ),
                );
            }
            (Some(j), _) if !journeys.contains(&j.as_str()) => {
                let (p, t) = at("journey");
                push(
                    Severity::Error,
                    "rollup",
                    p,
                    t,
                    format!("roll-up '{}': {}", r.id, unknown(j)),
                );
            }
            (Some(_), _) => {}
        }
        match (r.how, r.n) {
            (How::TopMean, None | Some(0)) => {
                let (p, t) = at("n");
                push(
                    Severity::Error,
                    "rollup",
                    p,
                    t,
                    format!(
                        "roll-up '{}': top_mean needs n, how many of the best scores to average (1 or more)",
                        r.id
                    ),
                );
            }
            (How::TopMean, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                let (p, t) = at("n");
                push(
                    Severity::Error,
                    "rollup",
                    p,
                    t,
                    format!("roll-up '{}': n is for top_mean only, not {how}", r.id),
                );
            }
        }
        let needs = matches!(r.how, How::CountAbove | How::ShareAbove);
        match (needs, r.at_least) {
            (true, None) => {
                let (p, t) = at("how");
                push(
                    Severity::Error,
                    "rollup",
                    p,
                    t,
                    format!(
                        "roll-up '{}': {how} needs at_least, the score a contact must reach to count",
                        r.id
                    ),
                );
            }
            (false, Some(_)) => {
                let (p, t) = at("at_least");
                push(
                    Severity::Error,
                    "rollup",
                    p,
                    t,
                    format!(
                        "roll-up '{}': at_least is for count_above and share_above only, not {how}",
                        r.id
                    ),
                );
            }
            _ => {}
        }
    }
    if let Some(e) = &a.engaged
        && !journeys.contains(&e.journey.as_str())
    {
        push(
            Severity::Error,
            "rollup",
            vec![key("accounts"), key("engaged"), key("journey")],
            "accounts.engaged.journey".into(),
            format!("accounts: engaged: {}", unknown(&e.journey)),
        );
    }
    out.extend(check_field_rollups(model, a));
    out.extend(check_fields(a));
    out
}

/// What only account fields need: an id that is not a column `score --accounts` writes
/// itself, a value read from a column (not computed), and a file id column only with a file.
/// (A field id that is a roll-up's or a role's is a duplicate id of the account model.)
fn check_fields(a: &Accounts) -> Vec<super::check::Diagnostic> {
    use super::check::{Diagnostic, Severity};
    use super::locate::Seg;
    let key = |k: &str| Seg::Key(k.into());
    let error = |path: Vec<Seg>, at: String, message: String| Diagnostic {
        severity: Severity::Error,
        code: "accounts",
        at,
        path,
        message,
        line: None,
        column: None,
    };
    let mut out = Vec::new();
    for (i, f) in a.fields.iter().enumerate() {
        let at = |k: &str| {
            (
                vec![key("accounts"), key("fields"), Seg::Index(i), key(k)],
                format!("accounts.fields.{}.{k}", f.id),
            )
        };
        if [ACCOUNT_ID, "contacts"].contains(&f.id.trim()) {
            let (p, t) = at("id");
            out.push(error(
                p,
                t,
                format!(
                    "accounts: '{}' is the name of a column `score --accounts` writes itself (the account's id and its contact count): choose another id",
                    f.id
                ),
            ));
        }
        let computed = [("expr", f.expr.is_some()), ("events", f.events.is_some())];
        for (k, _) in computed.iter().filter(|(_, is)| *is) {
            let (p, t) = at(k);
            out.push(error(
                p,
                t,
                format!(
                    "accounts: field '{}': an account field is read from a column (of the accounts file, or of its contacts' rows), not computed: remove {k}",
                    f.id
                ),
            ));
        }
    }
    if a.file_id_column.is_some() && a.file.is_none() {
        out.push(error(
            vec![key("accounts"), key("file_id_column")],
            "accounts.file_id_column".into(),
            "accounts: file_id_column names the id column of an accounts file, and there is no file: add file: PATH, or remove file_id_column".into(),
        ));
    }
    if a.file.as_deref().is_some_and(|f| f.trim().is_empty()) {
        out.push(error(
            vec![key("accounts"), key("file")],
            "accounts.file".into(),
            "accounts: file is empty: name the accounts file, relative to the model's folder"
                .into(),
        ));
    }
    out
}

/// Whether a condition, or one inside it, reads the contact's account (`account:`).
pub fn reads_account(c: &Condition) -> bool {
    c.account.is_some()
        || c.all.iter().chain(&c.any).any(reads_account)
        || c.not.as_deref().is_some_and(reads_account)
}

/// A contact segment's condition with its `account:` parts cut out: a formula over the truth
/// of contact parts (conditions without `account:`, decided when the contact is scored) and of
/// account parts (conditions of the account model, decided once the accounts are scored).
#[derive(Clone, Debug, PartialEq)]
pub enum Formula {
    /// A catch-all segment.
    True,
    /// `SegmentSplit::contact[i]`.
    Contact(usize),
    /// `SegmentSplit::account[k]`, on the contact's account (false without one).
    Account(usize),
    All(Vec<Formula>),
    Any(Vec<Formula>),
    Not(Box<Formula>),
}

impl Formula {
    /// Whether the formula holds, given the truth of each contact part and account part.
    pub fn holds(&self, contact: &dyn Fn(usize) -> bool, account: &dyn Fn(usize) -> bool) -> bool {
        match self {
            Formula::True => true,
            Formula::Contact(i) => contact(*i),
            Formula::Account(k) => account(*k),
            Formula::All(fs) => fs.iter().all(|f| f.holds(contact, account)),
            Formula::Any(fs) => fs.iter().any(|f| f.holds(contact, account)),
            Formula::Not(f) => !f.holds(contact, account),
        }
    }
}

/// The contact model's segments split at their `account:` parts, when one of them reads the
/// account. A contact's segment is then decided in two halves: the contact parts when it is
/// scored (a few bits per contact, which `score` keeps in its spill instead of the contact),
/// the account parts once per account, and the first segment whose formula holds wins.
///
/// A segment that does not read the account is one contact part whole, so the bits per contact
/// are at most one per segment plus one per contact-side branch beside an `account:`.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentSplit {
    /// Conditions on the contact (its fields, scores, grades, tier, rating).
    pub contact: Vec<Condition>,
    /// Conditions of the account model, each read on the contact's account.
    pub account: Vec<Condition>,
    /// Per segment of the contact model, in order.
    pub segments: Vec<Formula>,
}

impl SegmentSplit {
    /// The split of `model`'s segments; `None` when no segment reads the account.
    pub fn new(model: &Model) -> Option<SegmentSplit> {
        let any = model
            .segments
            .iter()
            .any(|s| s.when.as_ref().is_some_and(reads_account));
        if !any {
            return None;
        }
        let mut split = SegmentSplit {
            contact: Vec::new(),
            account: Vec::new(),
            segments: Vec::new(),
        };
        for s in &model.segments {
            let f = match &s.when {
                Some(c) => split.cut(c),
                None => Formula::True,
            };
            split.segments.push(f);
        }
        Some(split)
    }

    fn cut(&mut self, c: &Condition) -> Formula {
        if !reads_account(c) {
            self.contact.push(c.clone());
            return Formula::Contact(self.contact.len() - 1);
        }
        if let Some(inner) = &c.account {
            self.account.push((**inner).clone());
            return Formula::Account(self.account.len() - 1);
        }
        if !c.all.is_empty() {
            return Formula::All(c.all.iter().map(|x| self.cut(x)).collect());
        }
        if !c.any.is_empty() {
            return Formula::Any(c.any.iter().map(|x| self.cut(x)).collect());
        }
        match &c.not {
            Some(n) => Formula::Not(Box::new(self.cut(n))),
            // Not reached: `reads_account` found an `account:` in one of the branches above.
            // An empty `any` never holds.
            None => Formula::Any(Vec::new()),
        }
    }

    /// The index of the first segment whose formula holds, `None` when none does.
    pub fn decide(
        &self,
        contact: &dyn Fn(usize) -> bool,
        account: &dyn Fn(usize) -> bool,
    ) -> Option<usize> {
        self.segments.iter().position(|f| f.holds(contact, account))
    }

    /// How many bytes the contact parts' bits take per contact.
    pub fn contact_bytes(&self) -> usize {
        self.contact.len().div_ceil(8)
    }
}

/// The checks of roll-ups of a contact field (`field:`): a field of the contact model, of the
/// kind its `how` reads (a number for `max`, `min`, `mean`, `sum`, a date for `count_recent`),
/// not beside `journey`; and `count_recent`'s field and `days`.
fn check_field_rollups(model: &Model, a: &Accounts) -> Vec<super::check::Diagnostic> {
    use super::check::{Diagnostic, Severity};
    use super::locate::Seg;
    let mut out = Vec::new();
    let ids: Vec<&str> = model.fields.iter().map(|f| f.id.as_str()).collect();
    for (i, r) in a.rollups.iter().enumerate() {
        let recent = r.how == How::CountRecent;
        let days = match (recent, r.days) {
            (true, None | Some(0)) => Some(format!(
                "roll-up '{}': count_recent needs days, how many days back from as_of count as recent (1 or more)",
                r.id
            )),
            (false, Some(_)) => Some(format!(
                "roll-up '{}': days is for count_recent only, not {}",
                r.id,
                r.how.name()
            )),
            _ => None,
        };
        // An error at this roll-up's key `k`.
        let error = |k: &str, message: String| Diagnostic {
            severity: Severity::Error,
            code: "rollup",
            at: format!("accounts.rollups.{}.{k}", r.id),
            path: vec![
                Seg::Key("accounts".into()),
                Seg::Key("rollups".into()),
                Seg::Index(i),
                Seg::Key(k.into()),
            ],
            message,
            line: None,
            column: None,
        };
        out.extend(days.map(|m| error("days", m)));
        let Some(f) = &r.field else { continue };
        let how = r.how.name();
        let problem = if r.journey.is_some() {
            Some(format!(
                "roll-up '{}' names both a journey and a field: keep one",
                r.id
            ))
        } else {
            match (model.fields.iter().rev().find(|x| &x.id == f), r.how) {
                (None, _) => {
                    let hint = match super::yaml::nearest(f, &ids) {
                        Some(n) => format!(" (did you mean '{n}'?)"),
                        None => String::new(),
                    };
                    Some(format!("roll-up '{}': no contact field '{f}'{hint}", r.id))
                }
                (Some(x), How::CountRecent) => (x.kind != FieldKind::Date).then(|| {
                    format!(
                        "roll-up '{}': count_recent reads a date field, and '{f}' is a {}",
                        r.id,
                        x.kind.name()
                    )
                }),
                (Some(x), How::Max | How::Min | How::Mean | How::Sum) => {
                    (x.kind != FieldKind::Number).then(|| {
                        format!(
                            "roll-up '{}': {how} reads a number field, and '{f}' is a {}",
                            r.id,
                            x.kind.name()
                        )
                    })
                }
                (Some(_), How::Count) => Some(format!(
                    "roll-up '{}': count counts contacts and reads no field: remove field",
                    r.id
                )),
                (Some(_), How::TopMean | How::CountAbove | How::ShareAbove) => Some(format!(
                    "roll-up '{}': {how} reads journey scores, not a field: use journey: ID, or max, min, mean or sum of the field",
                    r.id
                )),
            }
        };
        out.extend(problem.map(|m| error("field", m)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(yaml: &str) -> Condition {
        yaml_serde::from_str(yaml).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A segment without `account:` is one contact part whole; one with it is cut at each
    /// `account:`, its other branches contact parts; a catch-all is `True`. Decided on every
    /// combination of the parts' truth, as the formula says.
    #[test]
    fn segments_are_cut_at_their_account_parts() {
        let mut model = Model::default();
        let seg = |name: &str, when: Option<Condition>| Segment {
            name: name.into(),
            when,
            action: String::new(),
            route: String::new(),
            note: None,
        };
        model.segments = vec![
            seg("plain", Some(cond("{ field: a, present: true }"))),
            seg("mixed", Some(cond("{ journey: j, at_least: 50 }"))),
            seg("rest", None),
        ];
        assert_eq!(SegmentSplit::new(&model), None, "{:?}", model.segments);
        model.segments[1].when = Some(cond(
            "{ all: [ { journey: j, at_least: 50 }, { not: { account: { tier: hot } } } ] }",
        ));
        let Some(split) = SegmentSplit::new(&model) else {
            panic!("a segment reads the account")
        };
        assert_eq!(split.contact.len(), 2);
        assert_eq!(split.account, [cond("{ tier: hot }")]);
        assert_eq!(
            split.segments,
            [
                Formula::Contact(0),
                Formula::All(vec![
                    Formula::Contact(1),
                    Formula::Not(Box::new(Formula::Account(0)))
                ]),
                Formula::True
            ]
        );
        assert_eq!(split.contact_bytes(), 1);
        let decide = |c0: bool, c1: bool, a0: bool| split.decide(&|i| [c0, c1][i], &|k| [a0][k]);
        assert_eq!(decide(true, true, true), Some(0));
        assert_eq!(decide(false, true, false), Some(1));
        assert_eq!(decide(false, true, true), Some(2));
        assert_eq!(decide(false, false, false), Some(2));
    }
}
