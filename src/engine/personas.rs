//! Personas: named example contacts with the outcome the room agreed on, scored like any
//! contact. A persona whose scored outcome disagrees is a failing test of the model.

use super::score::score_table;
use crate::contacts::Table;
use crate::model::check::{Diagnostic, Severity};
use crate::model::{Model, Persona, Scalar, Seg};
use indexmap::IndexMap;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct PersonaResult {
    pub name: String,
    /// What disagreed: "tier is warm, expected hot". Empty when the persona passes.
    pub failures: Vec<String>,
    pub scores: Vec<(String, f64)>,
    pub tier: Option<String>,
    pub segment: Option<String>,
    pub rating: Option<String>,
}

impl PersonaResult {
    pub fn passed(&self) -> bool {
        self.failures.is_empty()
    }
}

/// A persona's values as one row of contacts, keyed by each field's column.
pub fn persona_row(model: &Model, p: &Persona) -> IndexMap<String, Scalar> {
    let mut row = IndexMap::new();
    for (k, v) in &p.values {
        let col = model
            .fields
            .iter()
            .find(|f| &f.id == k)
            .map(|f| f.column().to_string())
            .unwrap_or_else(|| k.clone());
        row.insert(col, v.clone());
    }
    row
}

/// Scores every persona and compares it with what the room expected.
pub fn persona_results(model: &Model) -> Vec<PersonaResult> {
    if model.personas.is_empty() {
        return Vec::new();
    }
    let rows: Vec<IndexMap<String, Scalar>> = model
        .personas
        .iter()
        .map(|p| persona_row(model, p))
        .collect();
    let table = Table::from_maps("personas", &rows);
    let scored = score_table(model, &table);
    model
        .personas
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut failures = Vec::new();
            let tier = scored.tier(model, i).map(|t| t.name.clone());
            let segment = scored.segment(model, i).map(|s| s.name.clone());
            let rating = scored.rating(model, i);
            let e = &p.expect;
            let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
            if let Some(want) = &e.tier
                && !tier.as_deref().is_some_and(|t| want.contains(t))
            {
                failures.push(format!(
                    "tier is {}, expected {}",
                    show(&tier),
                    want.items().join(" or ")
                ));
            }
            if let Some(want) = &e.segment
                && !segment.as_deref().is_some_and(|t| want.contains(t))
            {
                failures.push(format!(
                    "segment is {}, expected {}",
                    show(&segment),
                    want.items().join(" or ")
                ));
            }
            if let Some(want) = &e.rating
                && !rating.as_deref().is_some_and(|t| want.contains(t))
            {
                failures.push(format!(
                    "rating is {}, expected {}",
                    show(&rating),
                    want.items().join(" or ")
                ));
            }
            for (g, want) in &e.grades {
                let gi = model.grades.iter().position(|x| &x.id == g);
                let got = gi
                    .and_then(|gi| scored.grade(model, gi, i))
                    .map(str::to_string);
                if !got.as_deref().is_some_and(|t| want.contains(t)) {
                    failures.push(format!(
                        "grade {g} is {}, expected {}",
                        show(&got),
                        want.items().join(" or ")
                    ));
                }
            }
            for (j, range) in &e.scores {
                let Some(ji) = model.journeys.iter().position(|x| &x.id == j) else {
                    continue;
                };
                let s = scored.scores[ji][i];
                if range.at_least.is_some_and(|x| s < x) || range.at_most.is_some_and(|x| s > x) {
                    let want = match (range.at_least, range.at_most) {
                        (Some(a), Some(b)) => format!("{a} to {b}"),
                        (Some(a), None) => format!("at least {a}"),
                        (None, Some(b)) => format!("at most {b}"),
                        _ => String::new(),
                    };
                    failures.push(format!("{j} score is {s:.1}, expected {want}"));
                }
            }
            PersonaResult {
                name: p.name.clone(),
                failures,
                scores: model
                    .journeys
                    .iter()
                    .enumerate()
                    .map(|(ji, j)| (j.id.clone(), scored.scores[ji][i]))
                    .collect(),
                tier,
                segment,
                rating,
            }
        })
        .collect()
}

/// Failing personas as check errors, located at the persona.
pub fn check_personas(model: &Model, map: Option<&crate::model::SourceMap>) -> Vec<Diagnostic> {
    persona_diagnostics(&persona_results(model), map)
}

/// The failing ones of these results (in the model's order) as check errors.
pub fn persona_diagnostics(
    results: &[PersonaResult],
    map: Option<&crate::model::SourceMap>,
) -> Vec<Diagnostic> {
    results
        .iter()
        .enumerate()
        .filter(|(_, r)| !r.passed())
        .map(|(i, r)| {
            let path = vec![
                Seg::Key("personas".into()),
                Seg::Index(i),
                Seg::Key("expect".into()),
            ];
            let pos = map.and_then(|m| m.locate(&path));
            Diagnostic {
                severity: Severity::Error,
                code: "persona",
                at: format!("personas.{}.expect", r.name),
                path,
                message: format!("persona '{}': {}", r.name, r.failures.join("; ")),
                line: pos.map(|p| p.line),
                column: pos.map(|p| p.column),
            }
        })
        .collect()
}
