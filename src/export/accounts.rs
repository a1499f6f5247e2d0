//! The account level in SQL: the contacts' query, grouped by account, the accounts scored by
//! the account model's own query, and joined back to the contacts.
//!
//! The query is four common table expressions around two whole queries of `export::sql`:
//! `sw_contact` (the contact model's query, roles as hidden journeys, with the account column
//! carried through as trimmed text), `sw_member` (per contact with an account: each score read
//! by a roll-up in whole millionths, each threshold test and role as 0 or 1, each `top_mean`'s
//! rank), `sw_rollup` (GROUP BY the account: each roll-up and role as text, the way the
//! engine's account table holds them), with account fields the steps of `field_steps` ending
//! in `sw_accrow` (the roll-ups with each account field beside them, from the accounts table
//! or voted from the contacts' rows), `sw_account` (the account model's query over
//! `sw_rollup` or `sw_accrow`), then every contact row with its account's outputs (`account_*`), a contact
//! without an account keeping NULLs there.
//!
//! When a contact segment reads the account (`model::accounts::SegmentSplit`), its contact
//! parts are 0/1 columns of `sw_contact` and its account parts of `sw_account`, and the
//! contact's `segment`, `action` and `route` are decided after the join (`split_segment`).
//!
//! Invariant, mirroring `engine::accounts`: sums are of integers (millionths), so they do not
//! depend on the order a database adds rows in; each value is then the same one or two IEEE
//! divisions, cast to text (each engine writes a double as text that reads back as exactly
//! that double) and read again by the account model's query as the engine reads its table.

use super::ExportError;
use super::dialect::Dialect;
use super::sql::{Source, SqlOptions, to_sql_with_parts, to_sql_with_values};
use crate::engine::accounts::Plan;
use crate::engine::output::output_columns;
use crate::model::Model;
use crate::model::accounts::{Formula, How, SegmentSplit};
use std::fmt::Write;

/// The whole query (the caller has run the checks).
pub fn query(model: &Model, opts: &SqlOptions) -> Result<String, ExportError> {
    let Some(plan) = Plan::new(model) else {
        return Err(ExportError::Unsupported {
            at: "accounts".into(),
            message: "the model has no accounts block".into(),
        });
    };
    let a = plan.accounts;
    let d = opts.dialect;
    let (contact_parts, account_parts) = match &plan.split {
        Some(split) => (split.contact.as_slice(), split.account.as_slice()),
        None => (&[][..], &[][..]),
    };
    // The fields that roll-ups read, each once, in the order first read: `sw_val{k}`.
    let mut values: Vec<String> = Vec::new();
    for f in a.rollups.iter().filter_map(|r| r.field.as_ref()) {
        if !values.contains(f) {
            values.push(f.clone());
        }
    }
    // The account column, then (for account fields taken from the contacts' rows) each
    // field's column, carried through the contacts' query as trimmed text.
    let mut carry = vec![a.id_column.clone()];
    if a.file.is_none() {
        carry.extend(a.fields.iter().map(|f| f.column().to_string()));
    }
    let contacts = to_sql_with_values(&plan.contact_model, opts, &carry, contact_parts, &values)?;
    let fields = field_steps(a, opts)?;
    let account_opts = SqlOptions {
        dialect: d,
        source: Source::Table(
            if fields.is_empty() {
                "sw_rollup"
            } else {
                "sw_accrow"
            }
            .into(),
        ),
        id_column: Some("sw_account".into()),
        allow_errors: true,
        headers: None,
        events: None,
        accounts: None,
    };
    let accounts = to_sql_with_parts(&plan.account_model, &account_opts, &[], account_parts)?;

    let score = |journey: &str| d.ident(&format!("score_{journey}"), "a contact score");
    let scale = d.float(crate::engine::output::SCORE_SCALE, "the score's rounding")?;
    let count = format!("CAST(COUNT(*) AS {})", d.double_type());
    let mut member = vec!["sw_carry0 AS sw_account".to_string()];
    let mut rolled = vec!["sw_account".to_string()];
    let engaged = match &a.engaged {
        Some(e) => format!(
            " AND {} >= {}",
            score(&e.journey)?,
            d.float(e.at_least, "accounts.engaged.at_least")?
        ),
        None => String::new(),
    };
    for (i, r) in a.rollups.iter().enumerate() {
        let at = format!("accounts.rollups.{}", r.id);
        let name = d.ident(&r.id, &at)?;
        if let Some(f) = &r.field {
            let k = values.iter().position(|v| v == f).unwrap_or(0);
            let (m, value) = field_rollup(d, model, r, i, k, &engaged)?;
            member.push(m);
            rolled.push(format!("{} AS {name}", d.to_text(&value)));
            continue;
        }
        let Some(j) = r.journey.as_deref().filter(|_| r.how != How::Count) else {
            rolled.push(format!("{} AS {name}", d.to_text("COUNT(*)")));
            continue;
        };
        let s = score(j)?;
        let m = format!("sw_m{i}");
        let value = match r.how {
            How::Count => "COUNT(*)".to_string(),
            How::Max => d.int_over_double(&format!("MAX({m})"), &scale),
            How::Min => d.int_over_double(&format!("MIN({m})"), &scale),
            // Read from a field (`field_rollup`); without one, a check error.
            How::CountRecent => "NULL".to_string(),
            How::Sum => d.int_over_double(&format!("SUM({m})"), &scale),
            How::Mean => format!(
                "({} / {scale})",
                d.int_over_double(&format!("SUM({m})"), &count)
            ),
            How::TopMean => {
                let n = r.n.unwrap_or(1);
                member.push(format!(
                    "ROW_NUMBER() OVER (PARTITION BY sw_carry0 ORDER BY {s} DESC) AS sw_n{i}"
                ));
                format!(
                    "({} / {scale})",
                    d.int_over_double(
                        &format!("SUM(CASE WHEN sw_n{i} <= {n} THEN {m} END)"),
                        &format!("CAST(LEAST(COUNT(*), {n}) AS {})", d.double_type())
                    )
                )
            }
            How::CountAbove | How::ShareAbove => {
                let t = d.float(r.at_least.unwrap_or(f64::INFINITY), &at)?;
                member.push(format!("CASE WHEN {s} >= {t} THEN 1 ELSE 0 END AS sw_a{i}"));
                if r.how == How::CountAbove {
                    format!("SUM(sw_a{i})")
                } else {
                    d.int_over_double(&format!("SUM(sw_a{i})"), &count)
                }
            }
        };
        if matches!(
            r.how,
            How::Max | How::Min | How::Sum | How::Mean | How::TopMean
        ) {
            // The score as written is FLOOR(s x 10^6 + 0.5) / 10^6: times 10^6 it is within an
            // ulp of the whole number of millionths, which ROUND recovers exactly.
            member.push(format!("CAST(ROUND({s} * {scale}) AS BIGINT) AS {m}"));
        }
        rolled.push(format!("{} AS {name}", d.to_text(&value)));
    }
    let hundred = d.float(100.0, "a role")?;
    for (k, r) in a.roles.iter().enumerate() {
        let held = score(&format!("{}{}", crate::model::accounts::ROLE_PREFIX, r.id))?;
        member.push(format!(
            "CASE WHEN {held} >= {hundred}{engaged} THEN 1 ELSE 0 END AS sw_r{k}"
        ));
        let name = d.ident(&r.id, &format!("accounts.roles.{}", r.id))?;
        rolled.push(format!(
            "CASE WHEN MAX(sw_r{k}) = 1 THEN 'true' ELSE 'false' END AS {name}"
        ));
    }

    let mut q = String::new();
    let _ = writeln!(
        q,
        "-- scorewright: accounts of model '{}' by column '{}', for {}",
        model.name.replace(['\n', '\r'], " "),
        a.id_column.replace(['\n', '\r'], " "),
        d.name()
    );
    let indent = |text: &str| -> String {
        text.lines()
            .map(|l| format!("    {l}\n"))
            .collect::<String>()
    };
    let _ = write!(
        q,
        "WITH sw_contact AS (\n  SELECT * FROM (\n{}  ) AS sw_cq\n),\n",
        indent(&contacts)
    );
    let _ = write!(
        q,
        "sw_member AS (\n  SELECT\n    {}\n  FROM sw_contact\n  WHERE sw_carry0 IS NOT NULL AND sw_carry0 <> ''\n),\n",
        member.join(",\n    ")
    );
    let _ = write!(
        q,
        "sw_rollup AS (\n  SELECT\n    {}\n  FROM sw_member\n  GROUP BY sw_account\n),\n",
        rolled.join(",\n    ")
    );
    q.push_str(&fields);
    let _ = write!(
        q,
        "sw_account AS (\n  SELECT * FROM (\n{}  ) AS sw_aq\n)\n",
        indent(&accounts)
    );
    let id = d.ident(&opts.id_name(model), "the id column")?;
    let mut out = vec![format!("c.{id}")];
    for c in output_columns(model) {
        let name = d.ident(&c, &format!("output column '{c}'"))?;
        match (&plan.split, c.as_str()) {
            (Some(split), "segment" | "action" | "route") => {
                out.push(format!("{} AS {name}", split_segment(d, model, split, &c)?));
            }
            _ => out.push(format!("c.{name}")),
        }
    }
    for c in output_columns(&plan.account_model) {
        out.push(format!(
            "a.{} AS {}",
            d.ident(&c, &format!("output column '{c}'"))?,
            d.ident(
                &format!("account_{c}"),
                &format!("output column 'account_{c}'")
            )?
        ));
    }
    let _ = write!(
        q,
        "SELECT\n  {}\nFROM sw_contact AS c\nLEFT JOIN sw_account AS a ON c.sw_carry0 = a.sw_account\n",
        out.join(",\n  ")
    );
    Ok(q)
}

/// A contact's `segment`, `action` or `route` (`column`) when a segment reads the account:
/// decided after the join, from the contact's parts (`c.sw_partI`, 0 or 1) and its account's
/// (`a.sw_partK`, NULL without an account, which fails the part as the engine's `None` does),
/// the first segment whose formula holds, as `engine::accounts::Plan::decide_segment`.
fn split_segment(
    d: super::dialect::Dialect,
    model: &Model,
    split: &SegmentSplit,
    column: &str,
) -> Result<String, ExportError> {
    fn formula(f: &Formula) -> String {
        let join = |fs: &[Formula], op: &str, empty: &str| {
            if fs.is_empty() {
                return empty.to_string();
            }
            let parts: Vec<String> = fs.iter().map(formula).collect();
            format!("({})", parts.join(op))
        };
        match f {
            Formula::True => "1 = 1".into(),
            Formula::Contact(i) => format!("c.sw_part{i} = 1"),
            Formula::Account(k) => format!("COALESCE(a.sw_part{k}, 0) = 1"),
            Formula::All(fs) => join(fs, " AND ", "1 = 1"),
            Formula::Any(fs) => join(fs, " OR ", "1 = 0"),
            Formula::Not(f) => format!("NOT ({})", formula(f)),
        }
    }
    let mut whens = Vec::new();
    for (s, f) in model.segments.iter().zip(&split.segments) {
        let text = match column {
            "segment" => &s.name,
            "action" => &s.action,
            _ => &s.route,
        };
        let at = format!("segments.{}.{column}", s.name);
        whens.push(format!("WHEN {} THEN {}", formula(f), d.string(text, &at)?));
    }
    Ok(format!("CASE {} ELSE NULL END", whens.join(" ")))
}

/// A roll-up of contact field `r.field` (its value `sw_val{k}` of `sw_contact`): the member
/// column (`sw_m{i}`: the value in whole millionths, as `model::accounts::field_millionths`
/// reads it, NULL when missing or beyond `FIELD_LIMIT`; for `count_recent`, `sw_a{i}`: 1 when
/// the date is recent and the contact engaged) and the aggregate, as `engine::accounts` works
/// it out: integer sums, then the same divisions.
fn field_rollup(
    d: super::dialect::Dialect,
    model: &Model,
    r: &crate::model::accounts::Rollup,
    i: usize,
    k: usize,
    engaged: &str,
) -> Result<(String, String), ExportError> {
    let at = format!("accounts.rollups.{}", r.id);
    let v = format!("sw_val{k}");
    let scale = d.float(crate::engine::output::SCORE_SCALE, "the score's rounding")?;
    let m = format!("sw_m{i}");
    if r.how == How::CountRecent {
        let today = match model.as_of {
            Some(date) => date.0.to_string(),
            None => d.today_days(),
        };
        let days = r.days.unwrap_or(0);
        let member = format!(
            "CASE WHEN {v} IS NOT NULL AND {today} - {v} < {days}{engaged} THEN 1 ELSE 0 END AS sw_a{i}"
        );
        return Ok((member, format!("SUM(sw_a{i})")));
    }
    let limit = d.float(crate::model::accounts::FIELD_LIMIT, &at)?;
    let half = d.float(0.5, &at)?;
    let member = format!(
        "CASE WHEN ABS({v}) <= {limit} THEN CAST(FLOOR({v} * {scale} + {half}) AS BIGINT) END AS {m}"
    );
    let double = d.double_type();
    let value = match r.how {
        How::Sum => d.int_over_double(&format!("COALESCE(SUM({m}), 0)"), &scale),
        How::Min => d.int_over_double(&format!("MIN({m})"), &scale),
        How::Mean => format!(
            "({} / {scale})",
            d.int_over_double(
                &format!("SUM({m})"),
                &format!("CAST(NULLIF(COUNT({m}), 0) AS {double})")
            )
        ),
        // `max`, and the kinds `check` refuses on a field.
        How::Max
        | How::Count
        | How::TopMean
        | How::CountAbove
        | How::ShareAbove
        | How::CountRecent => d.int_over_double(&format!("MAX({m})"), &scale),
    };
    Ok((member, value))
}

/// The steps that give each account its account fields, ending in `sw_accrow` (`sw_rollup`
/// with one text column per field, named by its id, trimmed; NULL when the account has no
/// value), which the account model's query then reads; empty without account fields.
///
/// From an accounts file (`opts.accounts`, default a table named `accounts`): its rows, the id
/// and each field's column trimmed, `LEFT JOIN`ed on the id, so that an account the table does
/// not hold keeps NULLs (the engine's missing). From the contacts' rows: per field, the
/// account's values counted (`GROUP BY` account and trimmed value, blanks left out) and the
/// most common kept, a tie going to the smallest in byte order, as `engine::accounts::Votes`
/// decides: an order no database's row order can change.
fn field_steps(
    a: &crate::model::accounts::Accounts,
    opts: &SqlOptions,
) -> Result<String, ExportError> {
    let d = opts.dialect;
    if a.fields.is_empty() {
        return Ok(String::new());
    }
    let ws = d.whitespace();
    let trimmed = |e: &str| d.trim(&d.to_text(e), &ws);
    let names = a
        .fields
        .iter()
        .map(|f| d.ident(&f.id, &format!("accounts.fields.{}", f.id)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut q = String::new();
    let mut picked = Vec::new();
    let mut joins = String::new();
    match &a.file {
        Some(_) => {
            let source = opts
                .accounts
                .clone()
                .unwrap_or_else(|| Source::Table("accounts".into()));
            let table = super::events::source_sql(d, &source)?;
            let col =
                |c: &str, what: &str| d.ident(c, what).map(|c| trimmed(&format!("sw_af.{c}")));
            let mut cols = vec![format!(
                "{} AS sw_fid",
                col(a.file_id_column(), "accounts.file_id_column")?
            )];
            for (i, f) in a.fields.iter().enumerate() {
                cols.push(format!(
                    "{} AS sw_f{i}",
                    col(f.column(), &format!("accounts.fields.{}.column", f.id))?
                ));
                picked.push(format!("f.sw_f{i} AS {}", names[i]));
            }
            let _ = write!(
                q,
                "sw_afile AS (\n  SELECT\n    {}\n  FROM {table} AS sw_af\n),\n",
                cols.join(",\n    ")
            );
            joins.push_str("\n  LEFT JOIN sw_afile AS f ON f.sw_fid = r.sw_account");
        }
        None => {
            // Byte order, whatever the database's collation: Rust compares `str` by bytes.
            let bytes = match d {
                Dialect::Postgres => "sw_value COLLATE \"C\"",
                Dialect::DuckDb | Dialect::Spark | Dialect::BigQuery | Dialect::Snowflake => {
                    "sw_value"
                }
            };
            for (i, (name, f)) in names.iter().zip(&a.fields).enumerate() {
                let c = format!("sw_carry{}", i + 1);
                // The field's placeholders are no vote, as blanks are not.
                let keys = f
                    .missing
                    .iter()
                    .map(|m| {
                        d.string(
                            &crate::contacts::typed::category_key(m),
                            &format!("accounts.fields.{}.missing", f.id),
                        )
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let placeholders = if keys.is_empty() {
                    String::new()
                } else {
                    format!(" AND {} NOT IN ({})", d.lower(&c), keys.join(", "))
                };
                let _ = write!(
                    q,
                    "sw_v{i} AS (\n  SELECT sw_account, sw_value FROM (\n    SELECT sw_account, sw_value, ROW_NUMBER() OVER (PARTITION BY sw_account ORDER BY sw_n DESC, {bytes} ASC) AS sw_rank\n    FROM (\n      SELECT sw_carry0 AS sw_account, {c} AS sw_value, COUNT(*) AS sw_n\n      FROM sw_contact\n      WHERE sw_carry0 IS NOT NULL AND sw_carry0 <> '' AND {c} IS NOT NULL AND {c} <> ''{placeholders}\n      GROUP BY sw_carry0, {c}\n    ) AS sw_vc\n  ) AS sw_vr\n  WHERE sw_rank = 1\n),\n"
                );
                picked.push(format!("v{i}.sw_value AS {name}"));
                let _ = write!(
                    joins,
                    "\n  LEFT JOIN sw_v{i} AS v{i} ON v{i}.sw_account = r.sw_account"
                );
            }
        }
    }
    let _ = write!(
        q,
        "sw_accrow AS (\n  SELECT\n    r.*,\n    {}\n  FROM sw_rollup AS r{joins}\n),\n",
        picked.join(",\n    ")
    );
    Ok(q)
}
