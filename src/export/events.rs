//! The events step of the SQL export (issue 20): the events table aggregated per contact, with
//! the window of each event field relative to the model's `as_of`, LEFT JOINed to the contacts
//! (or, for a model without contacts, to the distinct contact ids of the events), as the
//! source the rest of the query reads.
//!
//! Each event field becomes a text column under the field's id, holding what
//! `engine::events` writes onto the contacts table: counts, sums, frequencies, points and
//! recency as numbers, `first_seen`/`last_seen` as `YYYY-MM-DD`. The query's own typing step
//! then reads them as it reads any column, so an event field is scored by the same SQL as a
//! column. Texts are trimmed and compared as the engine compares them (Unicode white space,
//! ASCII case), numbers and dates parsed by the same expressions as the contacts' cells.
//!
//! Sums and points add in whatever order the engine's GROUP BY takes the rows; the engine adds
//! in file order. The two agree to the last few bits (the parity tests hold them within 1e-9),
//! not always to the last bit.

use super::ExportError;
use super::dialect::Dialect;
use super::sql::{Source, SqlOptions};
use crate::model::Model;
use crate::model::events::{Aggregate, EventType};

/// The options with the source replaced by the contacts joined to the events' aggregates, and
/// the event fields added to the known headers; `None` when the model has no event fields.
pub fn joined(model: &Model, opts: &SqlOptions) -> Result<Option<SqlOptions>, ExportError> {
    let fields: Vec<_> = model
        .fields
        .iter()
        .filter_map(|f| f.events.as_ref().map(|e| (f, e)))
        .collect();
    let Some((first, _)) = fields.first() else {
        return Ok(None);
    };
    let unsupported = |message: String| ExportError::Unsupported {
        at: format!("field '{}'", first.id),
        message,
    };
    let (Some(ev), Some(as_of)) = (&model.events, model.as_of) else {
        return Err(unsupported(
            "event fields are exported for a model with `events:` and `as_of` (the windows count \
             back from a fixed date)"
                .into(),
        ));
    };
    let Some(events) = &opts.events else {
        return Err(unsupported(
            "name the events table: `export --events TABLE` (for DuckDB also a CSV file)".into(),
        ));
    };
    let d = opts.dialect;
    let ws = d.whitespace();
    let trim = |e: &str| d.trim(e, &ws);
    let q = |name: &str, what: &str| d.ident(name, what);
    let src = source_sql(d, events)?;
    let as_of = as_of.0;

    // One row per event with a contact and a date before `as_of`: its id, type key, value,
    // day, age and date text.
    let col = |name: &Option<String>, what: &str| -> Result<String, ExportError> {
        match name {
            Some(n) => Ok(d.to_text(&q(n, what)?)),
            None => Ok(d.null_text()),
        }
    };
    let l0 = format!(
        "SELECT {} AS sw_ic, {} AS sw_tc, {} AS sw_kc, {} AS sw_vc FROM {src}",
        col(&Some(ev.contact_column.clone()), "events contact_column")?,
        col(&Some(ev.time_column.clone()), "events time_column")?,
        col(&ev.type_column, "events type_column")?,
        col(&ev.value_column, "events value_column")?,
    );
    let l1 = format!(
        "SELECT {} AS sw_id, {} AS sw_t, {} AS sw_k0, {} AS sw_vt FROM ({l0}) sw_e0",
        trim("sw_ic"),
        trim("sw_tc"),
        trim("sw_kc"),
        trim("sw_vc")
    );
    let l2 = format!(
        "SELECT sw_id, sw_t, {} AS sw_k, {} AS sw_v, {} AS sw_p, \
         REPLACE(SUBSTR(sw_t, 1, 10), '/', '-') AS sw_d10 FROM ({l1}) sw_e1",
        d.lower("sw_k0"),
        d.parse_number("sw_vt")?,
        super::sql::date_digits_sql(d, "sw_t")?,
    );
    let l3 = format!(
        "SELECT sw_id, sw_k, sw_v, sw_d10, {} AS sw_day FROM ({l2}) sw_e2",
        super::sql::day_number_sql(d, "sw_p")?
    );
    let rows = format!(
        "SELECT sw_id, sw_k, sw_v, sw_d10, sw_day, {as_of} - sw_day AS sw_age FROM ({l3}) sw_e3 \
         WHERE sw_day IS NOT NULL AND sw_day < {as_of} AND sw_id IS NOT NULL AND sw_id <> ''"
    );

    // Per field: whether a row is of its type, and in its window.
    let typed = ev.type_column.is_some();
    let of_type = |t: &EventType| -> Result<String, ExportError> {
        if !typed {
            return Ok("TRUE".into());
        }
        let key = |s: &str| s.trim().to_ascii_lowercase();
        Ok(match (&t.pattern, &t.exact) {
            (Some(p), _) => {
                let like: String = key(p)
                    .chars()
                    .map(|c| match c {
                        '*' => "%".to_string(),
                        '%' | '_' | '\\' => format!("\\{c}"),
                        c => c.to_string(),
                    })
                    .collect();
                format!(
                    "sw_k LIKE {} ESCAPE {}",
                    d.string(&like, "an event type pattern")?,
                    d.string("\\", "an escape")?
                )
            }
            (None, Some(e)) => format!("sw_k = {}", d.string(&key(e), "an event type")?),
            (None, None) => format!("sw_k = {}", d.string(&key(&t.id), "an event type")?),
        })
    };
    let mut aggs = Vec::new();
    let mut points = Vec::new();
    let mut outer = vec!["sw_c.*".to_string()];
    for (i, (f, e)) in fields.iter().enumerate() {
        let ty = match &e.event_type {
            Some(t) => ev.types.iter().find(|x| &x.id == t),
            None => ev.types.first(),
        };
        let Some(ty) = ty else {
            return Err(ExportError::Unsupported {
                at: format!("field '{}'", f.id),
                message: "its event type is not declared (`check` says which)".into(),
            });
        };
        let m = of_type(ty)?;
        let w = match e.last {
            Some(days) => format!("{m} AND sw_age <= {}", days.0),
            None => m.clone(),
        };
        let double = d.double_type();
        let agg = match e.aggregate {
            Aggregate::Count => d.to_text(&format!("SUM(CASE WHEN {w} THEN 1 ELSE 0 END)")),
            Aggregate::Sum => d.to_text(&format!(
                "SUM(CASE WHEN {w} THEN sw_v ELSE CAST(0 AS {double}) END)"
            )),
            Aggregate::Frequency => d.to_text(&format!(
                "CAST(SUM(CASE WHEN {w} THEN 1 ELSE 0 END) AS {double}) * 7 / {}",
                e.last.map_or(1, |l| l.0)
            )),
            Aggregate::Recency => {
                d.to_text(&format!("{as_of} - MAX(CASE WHEN {m} THEN sw_day END)"))
            }
            Aggregate::FirstSeen => format!("MIN(CASE WHEN {m} THEN sw_d10 END)"),
            Aggregate::LastSeen => format!("MAX(CASE WHEN {m} THEN sw_d10 END)"),
            Aggregate::Points => {
                points.push((i, points_sql(d, e, &w, &rows)?));
                String::new()
            }
        };
        let name = q(&f.id, "an event field")?;
        let value = if e.aggregate == Aggregate::Points {
            format!("sw_p{i}.sw_f")
        } else {
            aggs.push(format!("{agg} AS sw_f{i}"));
            format!("sw_a.sw_f{i}")
        };
        outer.push(match e.aggregate {
            Aggregate::Recency | Aggregate::FirstSeen | Aggregate::LastSeen => {
                format!("{value} AS {name}")
            }
            _ => format!("COALESCE({value}, '0') AS {name}"),
        });
    }

    // The contacts: the table given, or for a model without contacts the log's ids.
    let (contacts, id) = if model.contacts.is_none()
        && matches!(opts.source, Source::Table(ref t) if t == "contacts")
    {
        let id = model
            .id_column
            .clone()
            .unwrap_or_else(|| ev.contact_column.clone());
        let q_id = q(&id, "the id column")?;
        (
            format!("(SELECT DISTINCT sw_id AS {q_id} FROM ({rows}) sw_ids)"),
            id,
        )
    } else {
        (source_sql(d, &opts.source)?, opts.id_name(model))
    };
    let key = trim(&d.to_text(&format!("sw_c.{}", q(&id, "the id column")?)));
    let mut from = format!("{contacts} sw_c");
    if !aggs.is_empty() {
        from.push_str(&format!(
            " LEFT JOIN (SELECT sw_id, {} FROM ({rows}) sw_r GROUP BY sw_id) sw_a ON {key} = sw_a.sw_id",
            aggs.join(", ")
        ));
    }
    for (i, p) in &points {
        from.push_str(&format!(
            " LEFT JOIN ({p}) sw_p{i} ON {key} = sw_p{i}.sw_id"
        ));
    }
    let mut out = opts.clone();
    out.source = Source::Expression(format!(
        "(SELECT {} FROM {from}) sw_events",
        outer.join(", ")
    ));
    out.id_column = Some(id);
    if let Some(h) = &mut out.headers {
        h.extend(fields.iter().map(|(f, _)| f.id.clone()));
    }
    Ok(Some(out))
}

/// A `points` field per contact: each event's points after decay, summed per cap period and
/// capped, then the periods added.
fn points_sql(
    d: Dialect,
    e: &crate::model::events::EventSignal,
    w: &str,
    rows: &str,
) -> Result<String, ExportError> {
    let p = d.float(e.points.unwrap_or(0.0), "points per event")?;
    let decayed = match e.half_life {
        // PostgreSQL raises on a power that underflows: past 1,000 half-lives an event gives 0
        // (the engine gives less than 1e-300 of a point).
        Some(h) => format!(
            "CASE WHEN sw_age > {} THEN 0 ELSE {p} * {} END",
            1000 * u64::from(h.0),
            d.power("0.5", &d.int_over_double("sw_age", &format!("{}", h.0)))
        ),
        None => p.clone(),
    };
    let (bucket, capped) = match &e.cap {
        Some(c) => (d.idiv("(sw_age - 1)", i64::from(c.per.0)), {
            let cap = d.float(c.points, "a cap")?;
            format!("CASE WHEN SUM(sw_pp) > {cap} THEN {cap} ELSE SUM(sw_pp) END")
        }),
        None => ("0".to_string(), "SUM(sw_pp)".to_string()),
    };
    Ok(format!(
        "SELECT sw_id, {} AS sw_f FROM (SELECT sw_id, {capped} AS sw_bs FROM \
         (SELECT sw_id, {bucket} AS sw_b, CASE WHEN {w} THEN {decayed} END AS sw_pp FROM ({rows}) sw_r) sw_pe \
         GROUP BY sw_id, sw_b) sw_pb GROUP BY sw_id",
        d.to_text("SUM(sw_bs)")
    ))
}

/// A source as SQL after FROM: a table name (dotted for a schema, each part quoted) or an
/// expression as given.
pub(crate) fn source_sql(d: Dialect, s: &Source) -> Result<String, ExportError> {
    match s {
        Source::Expression(e) => Ok(e.clone()),
        Source::Table(name) => {
            let parts: Result<Vec<String>, ExportError> = name
                .split('.')
                .map(|p| d.ident(p, &format!("table name '{name}'")))
                .collect();
            Ok(parts?.join("."))
        }
    }
}
