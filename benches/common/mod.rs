//! Shared set-up for the benchmarks: the shipped lead model and synthetic contacts that fit it.
//!
//! The contacts are drawn the way `scorewright generate` draws them (values around what the
//! rules read, a few blanks), but here in memory and without the binary, so `cargo bench` needs
//! nothing but the crate. The same seed gives the same contacts.

#![allow(dead_code)]

use scorewright::contacts::{ContactsReader, Table};
use scorewright::model::{FieldKind, Model, Rule, Touchpoint};

/// The shipped B2B lead model (20 fields, 16 signals, 5 adjustments, 9 segments).
pub const LEAD_MODEL: &str = include_str!("../../examples/lead-fit-activity.yaml");

#[allow(clippy::unwrap_used)]
pub fn lead_model() -> Model {
    scorewright::model::parse_model(LEAD_MODEL, "lead-fit-activity.yaml").unwrap()
}

/// SplitMix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn rules<'m>(model: &'m Model, field: &str) -> Vec<&'m Rule> {
    fn walk<'a>(t: &'a Touchpoint, id: &str, out: &mut Vec<&'a Rule>) {
        out.extend(t.signals.iter().filter(|s| s.field == id).map(|s| &s.rule));
        for c in &t.touchpoints {
            walk(c, id, out);
        }
    }
    let mut out = Vec::new();
    for j in &model.journeys {
        for t in &j.touchpoints {
            walk(t, field, &mut out);
        }
    }
    out
}

/// `rows` synthetic contacts for the model's fields, as CSV text with an `id` column first.
pub fn contacts_csv(model: &Model, rows: usize, seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let id = model.id_column.clone().unwrap_or_else(|| "id".into());
    let today = model.as_of.map(|d| d.0).unwrap_or(20_000);
    let mut out = Vec::with_capacity(rows * 120);
    let mut header = vec![id];
    header.extend(model.fields.iter().map(|f| f.column().to_string()));
    let quoted: Vec<String> = header
        .iter()
        .map(|h| {
            if h.contains([',', '"']) {
                format!("\"{}\"", h.replace('"', "\"\""))
            } else {
                h.clone()
            }
        })
        .collect();
    out.extend_from_slice(quoted.join(",").as_bytes());
    out.push(b'\n');
    let picks: Vec<Vec<String>> = model
        .fields
        .iter()
        .map(|f| {
            let mut v: Vec<String> = rules(model, &f.id)
                .into_iter()
                .flat_map(|r| match r {
                    Rule::Match(m) => m.values.iter().map(|(k, _)| k.clone()).collect(),
                    _ => Vec::new(),
                })
                .collect();
            if v.is_empty() {
                v = (1..=5).map(|i| format!("{} {i}", f.id)).collect();
            }
            v.push("Other".into());
            v
        })
        .collect();
    for r in 0..rows {
        out.extend_from_slice(format!("c{:07}", r + 1).as_bytes());
        for (f, pick) in model.fields.iter().zip(&picks) {
            out.push(b',');
            if rng.unit() < 0.04 {
                continue;
            }
            let u = rng.unit();
            let cell = match f.kind {
                FieldKind::Number => format!("{}", (u * u * 30.0).round() as i64),
                FieldKind::Boolean => (if u < 0.3 { "yes" } else { "no" }).to_string(),
                FieldKind::Date => {
                    scorewright::model::Date(today - (u * u * 365.0) as i32).to_string()
                }
                FieldKind::Category | FieldKind::Text => {
                    pick[(u * pick.len() as f64) as usize % pick.len()].clone()
                }
            };
            out.extend_from_slice(cell.as_bytes());
        }
        out.push(b'\n');
    }
    out
}

/// Reads CSV text into a table, as the designer loads a file.
#[allow(clippy::unwrap_used)]
pub fn read_table(csv: Vec<u8>) -> Table {
    let mut r =
        ContactsReader::from_reader("bench.csv", Box::new(std::io::Cursor::new(csv))).unwrap();
    r.next_chunk(usize::MAX).unwrap().unwrap()
}

/// The sizes the scaling tables report.
pub const SIZES: [usize; 3] = [10_000, 100_000, 1_000_000];

/// As the designer does with a preview result no longer shown: its scores go back to the
/// scorer and its comparison's columns to the step's buffers.
pub fn hand_back(
    old: Option<scorewright::tui::preview::Computed>,
    scorer: &mut scorewright::engine::Scorer,
    buffers: &mut scorewright::tui::preview::StepBuffers,
) {
    if let Some(old) = old {
        if let Ok(scored) = std::sync::Arc::try_unwrap(old.scored) {
            scorer.recycle(scored);
        }
        buffers.keep(old.comparison);
    }
}

/// A preview request for `model` against `baseline`, about the main journey.
pub fn job(
    model: &Model,
    baseline: &std::sync::Arc<scorewright::tui::preview::Baseline>,
) -> scorewright::tui::preview::Job {
    scorewright::tui::preview::Job {
        journey: None,
        generation: 1,
        model: model.clone(),
        baseline: baseline.clone(),
    }
}
