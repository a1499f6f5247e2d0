//! The engine's outputs as columns of text: what `score` appends to each row and what the SQL
//! export returns, under the same names.

use super::score::Scored;
use crate::model::Model;

/// The names of the output columns, after the id: `score_<journey>`, `grade_<grade>`,
/// `rating`, `tier`, `handover`, `segment`, `action`, `route`.
pub fn output_columns(model: &Model) -> Vec<String> {
    let mut cols: Vec<String> = model
        .journeys
        .iter()
        .map(|j| format!("score_{}", j.id))
        .collect();
    cols.extend(model.grades.iter().map(|g| format!("grade_{}", g.id)));
    for c in ["rating", "tier", "handover", "segment", "action", "route"] {
        cols.push(c.to_string());
    }
    cols
}

/// A score as written in outputs: the shortest text that reads back as the same number.
pub fn format_score(v: f64) -> String {
    if v == 0.0 {
        "0".to_string()
    } else {
        format!("{v}")
    }
}

/// One row's outputs, in the order of `output_columns`. Missing labels are empty.
pub fn output_row(model: &Model, scored: &Scored, row: usize) -> Vec<String> {
    let mut out = Vec::new();
    output_row_into(model, scored, row, &mut out);
    out
}

/// `output_row` into a record that is kept from row to row, so that writing a million rows
/// allocates nothing per row.
pub fn output_row_into(model: &Model, scored: &Scored, row: usize, out: &mut Vec<String>) {
    use std::fmt::Write;
    out.resize_with(scored.scores.len() + model.grades.len() + 6, String::new);
    out.iter_mut().for_each(String::clear);
    let mut cells = out.iter_mut();
    for s in &scored.scores {
        if let Some(c) = cells.next() {
            let v = s[row];
            if v == 0.0 {
                c.push('0');
            } else {
                let _ = write!(c, "{v}");
            }
        }
    }
    for g in 0..model.grades.len() {
        if let Some(c) = cells.next() {
            c.push_str(scored.grade(model, g, row).unwrap_or(""));
        }
    }
    if let Some(c) = cells.next() {
        // The matrix rating, as `Scored::rating` spells it.
        if let Some(m) = &model.matrix {
            let gi = |id: &str| model.grades.iter().position(|g| g.id == id);
            let r = gi(&m.rows).and_then(|g| scored.grade(model, g, row));
            let k = gi(&m.columns).and_then(|g| scored.grade(model, g, row));
            if let (Some(r), Some(k)) = (r, k) {
                c.push_str(r);
                c.push_str(k);
            }
        }
    }
    let tier = scored.tier(model, row);
    let seg = scored.segment(model, row);
    for text in [
        tier.map(|t| t.name.as_str()),
        tier.map(|t| t.handover.as_str()),
        seg.map(|s| s.name.as_str()),
        seg.map(|s| s.action.as_str()),
        seg.map(|s| s.route.as_str()),
    ] {
        if let Some(c) = cells.next() {
            c.push_str(text.unwrap_or(""));
        }
    }
}

/// The column that identifies a contact: the model's `id_column`, else `id`, else the first.
pub fn id_column(model: &Model, headers: &[String]) -> String {
    if let Some(c) = &model.id_column {
        return c.clone();
    }
    headers
        .iter()
        .find(|h| h.eq_ignore_ascii_case("id"))
        .or_else(|| headers.first())
        .cloned()
        .unwrap_or_else(|| "id".into())
}
