//! The `reasons` column in SQL (`engine::reasons` says what it holds): the steps that find each
//! row's top contributions, and the expression that writes the text.
//!
//! Every contribution's label is a literal; only its points and the order are per row. Each
//! contribution `i` of `n` gets an integer key, `whole points x n + (n - 1 - i)`: keys are
//! distinct, a larger key has more whole points or, at equal points, comes earlier in the model,
//! and a key of at least `n` has at least one whole point. The top three are then three
//! `GREATEST`s (the largest key, the largest below it, the largest below that), and a key names
//! its contribution (`key % n`) and its points (`key / n`). This needs no unpivot, join or
//! ordered aggregate, so it is the same SQL in every dialect; a wide journey is taken in chunks
//! of `CHUNK` keys, each chunk's top three merged with those of the chunks before, so no step
//! has more columns than PostgreSQL allows (1,664).

use super::ExportError;
use super::dialect::Dialect;
use super::plan::{SqlExpr, SqlType};
use super::sql::{Col, Step, layer, sum_in_steps};
use crate::engine::reasons::{REASONS, SEPARATOR, TOP};
use std::fmt::Write;

/// What the query's other steps give the reasons: per contribution, in the model's order, its
/// label and the terms of the journey's sum it adds (SQL over the steps' columns, in the order
/// they are added); per adjustment listed, its condition (SQL) and its text (`Competitor -50`).
#[derive(Debug, Default)]
pub(super) struct Inputs {
    pub contributions: Vec<(String, Vec<SqlExpr>)>,
    pub adjustments: Vec<(SqlExpr, String)>,
}

/// Keys per chunk: well under PostgreSQL's 1,664 columns per step with what steps carry.
const CHUNK: usize = 500;

/// Arguments per `GREATEST`: more are nested, so no call is very wide.
const GREATEST_ARGS: usize = 50;

/// Adds the steps that rank the contributions after `from`, the query's last step; returns the
/// output column (`reasons`), which reads the last of them. The ranking is SQL text of its own,
/// added as `SqlExpr::Raw` columns that name what they read.
pub(super) fn add(
    d: Dialect,
    steps: &mut Vec<Step>,
    from: &str,
    inputs: &Inputs,
) -> Result<Col, ExportError> {
    let at = "the reasons";
    let n = inputs.contributions.len();
    let big = match d {
        Dialect::BigQuery => "INT64",
        _ => "BIGINT",
    };
    let (half, zero) = (d.float(0.5, at)?, d.float(0.0, at)?);
    let empty = d.string("", at)?;
    let mut items: Vec<String> = Vec::new();
    let mut from = from.to_string();
    let mut top: Vec<String> = Vec::new();
    for (c, start) in (0..n).step_by(CHUNK).enumerate() {
        let end = (start + CHUNK).min(n);
        // The points, added term by term as the engine adds them.
        let terms: Vec<(usize, Vec<SqlExpr>)> = (start..end)
            .map(|i| {
                let t = &inputs.contributions[i].1;
                let t = if t.is_empty() {
                    vec![SqlExpr::double(0.0)]
                } else {
                    t.clone()
                };
                (i, t)
            })
            .collect();
        let points = format!("sw_reason_points{c}");
        sum_in_steps(steps, &from, &points, "sw_rp", &terms);
        // The keys: whole points (`engine::reasons::whole_points`), then the model's order.
        let keys: Vec<Col> = (start..end)
            .map(|i| {
                let p = format!("sw_rp{i}");
                let key = format!(
                    "CAST(CASE WHEN {p} < {zero} THEN -FLOOR(-{p} + {half}) ELSE FLOOR({p} + {half}) END AS {big}) * {n} + {}",
                    n - 1 - i
                );
                (format!("sw_rk{i}"), SqlExpr::Raw(key, vec![p], SqlType::Integer))
            })
            .collect();
        let keyed = format!("sw_reason_keys{c}");
        layer(steps, &keyed, &points, keys);
        from = keyed;
        // The candidates: this chunk's keys and the top of the chunks before.
        let mut candidates: Vec<String> = top.clone();
        candidates.extend((start..end).map(|i| format!("sw_rk{i}")));
        let mut next = Vec::new();
        for k in 0..TOP {
            let name = format!("sw_rt{c}_{k}");
            let args: Vec<String> = match next.last() {
                None => candidates.clone(),
                Some(above) => candidates
                    .iter()
                    .map(|x| format!("CASE WHEN {x} < {above} THEN {x} ELSE -1 END"))
                    .collect(),
            };
            let step = format!("sw_reason_top{c}_{k}");
            // Each candidate is read once, and the key above it once per candidate.
            let mut reads = candidates.clone();
            reads.extend(
                next.last()
                    .map(|above: &String| vec![above.clone(); candidates.len()])
                    .unwrap_or_default(),
            );
            layer(
                steps,
                &step,
                &from,
                vec![(
                    name.clone(),
                    SqlExpr::Raw(greatest(&args), reads, SqlType::Integer),
                )],
            );
            from = step;
            next.push(name);
        }
        top = next;
    }
    // The text of each of the top keys: `; Label +12`, or nothing under one whole point.
    for key in &top {
        let mut label = format!("CASE {}", d.imod(key, n as i64));
        for (i, (l, _)) in inputs.contributions.iter().enumerate() {
            let text = d.string(
                &format!("{SEPARATOR}{l} +"),
                &format!("the reason label '{l}'"),
            )?;
            let _ = write!(label, " WHEN {} THEN {text}", n - 1 - i);
        }
        label.push_str(" END");
        let points = d.to_text(&d.idiv(key, n as i64));
        items.push(format!(
            "CASE WHEN {key} >= {n} THEN {} ELSE {empty} END",
            d.concat(&label, &points)
        ));
    }
    // What the text reads: each top key three times (its test, its label, its points).
    let mut reads: Vec<String> = top.iter().flat_map(|k| vec![k.clone(); 3]).collect();
    for (when, text) in &inputs.adjustments {
        let text = d.string(
            &format!("{SEPARATOR}{text}"),
            &format!("the reason '{text}'"),
        )?;
        reads.extend(when.reads().into_iter().map(String::from));
        let when = d.render(when, at)?;
        items.push(format!("CASE WHEN {when} THEN {text} ELSE {empty} END"));
    }
    let name = d.ident(REASONS, &format!("output column '{REASONS}'"))?;
    let text = if items.is_empty() {
        empty
    } else {
        // Each item starts with the separator: the first one's is cut off.
        format!(
            "SUBSTR({}, {})",
            concat_all(d, &items, &empty),
            SEPARATOR.len() + 1
        )
    };
    Ok((name, SqlExpr::Raw(text, reads, SqlType::Text)))
}

/// `GREATEST` of the arguments and -1, nested in groups of `GREATEST_ARGS`.
fn greatest(args: &[String]) -> String {
    if args.len() <= GREATEST_ARGS {
        let mut all = vec!["-1".to_string()];
        all.extend(args.iter().cloned());
        return format!("GREATEST({})", all.join(", "));
    }
    let groups: Vec<String> = args.chunks(GREATEST_ARGS).map(greatest).collect();
    greatest(&groups)
}

/// The items one after the other, as a balanced tree of two-argument concatenations: a chain
/// of a thousand would nest deeper than DuckDB parses.
fn concat_all(d: Dialect, items: &[String], empty: &str) -> String {
    match items {
        [] => empty.into(),
        [one] => one.clone(),
        _ => {
            let (a, b) = items.split_at(items.len() / 2);
            d.concat(&concat_all(d, a, empty), &concat_all(d, b, empty))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greatest_nests_wide_lists_and_always_has_minus_one() {
        assert_eq!(greatest(&["a".into()]), "GREATEST(-1, a)");
        let wide: Vec<String> = (0..120).map(|i| format!("k{i}")).collect();
        let g = greatest(&wide);
        // 120 keys: three groups of at most 50, then one over the three.
        assert!(g.starts_with("GREATEST(-1, GREATEST(-1, k0, "), "{g}");
        assert_eq!(g.matches("GREATEST(").count(), 4, "{g}");
        for i in 0..120 {
            assert_eq!(
                g.matches(&format!("k{i},")).count() + g.matches(&format!("k{i})")).count(),
                1,
                "k{i}"
            );
        }
    }

    #[test]
    fn concatenation_is_balanced() {
        let items: Vec<String> = (0..4).map(|i| format!("x{i}")).collect();
        assert_eq!(
            concat_all(Dialect::DuckDb, &items, "''"),
            "CONCAT(CONCAT(x0, x1), CONCAT(x2, x3))"
        );
    }
}
