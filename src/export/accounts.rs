//! The account level in SQL: the contacts' query, grouped by account, the accounts scored by
//! the account model's own query, and joined back to the contacts.
//!
//! The query is four common table expressions around two whole queries of `export::sql`:
//! `sw_contact` (the contact model's query, roles as hidden journeys, with the account column
//! carried through as trimmed text), `sw_member` (per contact with an account: each score read
//! by a roll-up in whole millionths, each threshold test and role as 0 or 1, each `top_mean`'s
//! rank), `sw_rollup` (GROUP BY the account: each roll-up and role as text, the way the
//! engine's account table holds them), `sw_account` (the account model's query over
//! `sw_rollup`), then every contact row with its account's outputs (`account_*`), a contact
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
    let contacts = to_sql_with_values(
        &plan.contact_model,
        opts,
        std::slice::from_ref(&a.id_column),
        contact_parts,
        &values,
    )?;
    let account_opts = SqlOptions {
        dialect: d,
        source: Source::Table("sw_rollup".into()),
        id_column: Some("sw_account".into()),
        allow_errors: true,
        headers: None,
        events: None,
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
