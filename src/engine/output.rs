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
    let mut out: Vec<String> = scored.scores.iter().map(|s| format_score(s[row])).collect();
    for g in 0..model.grades.len() {
        out.push(scored.grade(model, g, row).unwrap_or("").to_string());
    }
    out.push(scored.rating(model, row).unwrap_or_default());
    let tier = scored.tier(model, row);
    out.push(tier.map(|t| t.name.clone()).unwrap_or_default());
    out.push(tier.map(|t| t.handover.clone()).unwrap_or_default());
    let seg = scored.segment(model, row);
    out.push(seg.map(|s| s.name.clone()).unwrap_or_default());
    out.push(seg.map(|s| s.action.clone()).unwrap_or_default());
    out.push(seg.map(|s| s.route.clone()).unwrap_or_default());
    out
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
