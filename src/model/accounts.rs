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
}

impl How {
    pub const ALL: [How; 7] = [
        How::Count,
        How::Max,
        How::Mean,
        How::Sum,
        How::TopMean,
        How::CountAbove,
        How::ShareAbove,
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
            (None, _) => {
                let (p, t) = at("how");
                push(
                    Severity::Error,
                    "rollup",
                    p,
                    t,
                    format!(
                        "roll-up '{}': {how} needs the journey whose scores it reads: add journey: ID",
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
