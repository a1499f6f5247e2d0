//! Suggested weights: `engine::tune` run on the loaded contacts in the background, and its
//! suggestion as a what-if against the model as it was when tuning started.
//!
//! The tuning thread does all the engine work (tuning, then scoring the current and the tuned
//! model and comparing them) and sends one message back. Accepting a weight is an ordinary
//! edit (`Op::SetWeight`), so undo takes it back; the suggestion itself never touches the model.

use super::ops::{ListRef, touchpoint};
use crate::contacts::Table;
use crate::engine::Scorer;
use crate::engine::insight::Outcome;
use crate::engine::tune::{TuneOptions, TuneReport, tune};
use crate::engine::whatif::{Comparison, compare};
use crate::model::{Model, Weight};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

/// One weight the suggestion changes, with where it lives in the model.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggested {
    /// `journey.touchpoint[.child][.field]`.
    pub at: String,
    pub list: ListRef,
    pub index: usize,
    pub before: Weight,
    pub after: Weight,
}

/// A finished tuning: the report, the weights it moves, and what they do to the contacts.
#[derive(Clone, Debug)]
pub struct Suggestion {
    pub report: TuneReport,
    pub weights: Vec<Suggested>,
    /// The model when tuning started against the tuned one.
    pub comparison: Arc<Comparison>,
    pub cursor: usize,
}

#[derive(Default)]
pub enum Tuning {
    #[default]
    Idle,
    Running(Receiver<Result<Suggestion, String>>),
    Ready(Box<Suggestion>),
    Failed(String),
}

impl Tuning {
    pub fn is_running(&self) -> bool {
        matches!(self, Tuning::Running(_))
    }

    pub fn suggestion(&self) -> Option<&Suggestion> {
        match self {
            Tuning::Ready(s) => Some(s),
            _ => None,
        }
    }

    /// Starts tuning `model` on a thread of its own.
    pub fn start(model: Model, table: Arc<Table>, outcome: Arc<Outcome>) -> Tuning {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let _ = tx.send(run(&model, table, &outcome));
        });
        Tuning::Running(rx)
    }

    /// Takes the thread's answer, if it came; true when the state changed.
    pub fn poll(&mut self) -> bool {
        let Tuning::Running(rx) = self else {
            return false;
        };
        let next = match rx.try_recv() {
            Ok(Ok(s)) => Tuning::Ready(Box::new(s)),
            Ok(Err(e)) => Tuning::Failed(e),
            Err(TryRecvError::Empty) => return false,
            Err(TryRecvError::Disconnected) => Tuning::Failed("tuning stopped unexpectedly".into()),
        };
        *self = next;
        true
    }
}

fn run(model: &Model, table: Arc<Table>, outcome: &Outcome) -> Result<Suggestion, String> {
    let report =
        tune(model, &table, outcome, &TuneOptions::default()).map_err(|e| e.to_string())?;
    let mut scorer = Scorer::new(table);
    let before = scorer.score(model);
    let after = scorer.score(&report.model);
    let comparison = compare(model, &before, &report.model, &after);
    let weights = report
        .journeys
        .iter()
        .flat_map(|j| &j.weights)
        .filter(|w| w.before != w.after)
        .filter_map(|w| {
            let (list, index) = locate(model, &w.at)?;
            Some(Suggested {
                at: w.at.clone(),
                list,
                index,
                before: w.before,
                after: w.after,
            })
        })
        .collect();
    Ok(Suggestion {
        report,
        weights,
        comparison: Arc::new(comparison),
        cursor: 0,
    })
}

/// The weighted list and index a tuning path (`journey.touchpoint[.child][.field]`) names.
pub fn locate(model: &Model, at: &str) -> Option<(ListRef, usize)> {
    let mut parts = at.split('.');
    let journey_id = parts.next()?;
    let journey = model.journeys.iter().position(|j| j.id == journey_id)?;
    let mut path: Vec<usize> = Vec::new();
    let mut place = None;
    for part in parts {
        let list: &[crate::model::Touchpoint] = if path.is_empty() {
            &model.journeys[journey].touchpoints
        } else {
            &touchpoint(model, journey, &path)?.touchpoints
        };
        if let Some(i) = list.iter().position(|t| t.id == part) {
            place = Some((
                ListRef::Touchpoints {
                    journey,
                    parent: path.clone(),
                },
                i,
            ));
            path.push(i);
            continue;
        }
        let t = touchpoint(model, journey, &path)?;
        let i = t.signals.iter().position(|s| s.field == part)?;
        place = Some((
            ListRef::Signals {
                journey,
                touchpoint: path.clone(),
            },
            i,
        ));
        break;
    }
    place
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn tuning_paths_name_weights() {
        let m = crate::model::parse_model(include_str!("../../tests/fixtures/engine.yaml"), "t")
            .unwrap();
        assert_eq!(
            locate(&m, "j1.t2"),
            Some((
                ListRef::Touchpoints {
                    journey: 0,
                    parent: vec![]
                },
                1
            ))
        );
        assert_eq!(
            locate(&m, "j1.t2.c2.last_seen"),
            Some((
                ListRef::Signals {
                    journey: 0,
                    touchpoint: vec![1, 1]
                },
                1
            ))
        );
        assert_eq!(locate(&m, "j1.t9"), None);
    }
}
