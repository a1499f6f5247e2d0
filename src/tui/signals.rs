//! Suggested signals: `engine::suggest` run on the loaded contacts in the background, the same
//! list `scorewright suggest` prints (the columns no signal reads, ranked by the held-out gain of
//! adding each to the journey), and what accepting one adds to the model.
//!
//! The thread does all the engine work (scoring, the folds, every column's rule) and sends
//! one message back, so the designer keeps taking keys meanwhile. Accepting a suggestion is
//! one `Op::Batch` (the field, the journey's weights scaled to make room, the touchpoint with
//! its signal), so one undo takes all of it back; the list itself never touches the model.

use super::ops::{Item, ListRef, Op};
use crate::contacts::Table;
use crate::engine::insight::Outcome;
use crate::engine::suggest::{Suggestion, Suggestions, for_model, journey_to_grow};
use crate::model::Model;
use crate::model::weight::{FULL, scale_to};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, TryRecvError, channel};

/// A finished list, and where the cursor is in it.
#[derive(Clone, Debug)]
pub struct SignalList {
    pub list: Suggestions,
    pub cursor: usize,
}

#[derive(Default)]
pub enum Signals {
    #[default]
    Idle,
    Running(Receiver<Result<SignalList, String>>),
    Ready(Box<SignalList>),
    Failed(String),
}

impl Signals {
    pub fn is_running(&self) -> bool {
        matches!(self, Signals::Running(_))
    }

    pub fn list(&self) -> Option<&SignalList> {
        match self {
            Signals::Ready(s) => Some(s),
            _ => None,
        }
    }

    /// Measures the unused columns of `table` against `model`'s tier journey on a thread of
    /// their own.
    pub fn start(model: Model, table: Arc<Table>, outcome: Arc<Outcome>) -> Signals {
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let _ = tx.send(run(&model, &table, &outcome));
        });
        Signals::Running(rx)
    }

    /// Takes the thread's answer, if it came; true when the state changed.
    pub fn poll(&mut self) -> bool {
        let Signals::Running(rx) = self else {
            return false;
        };
        let next = match rx.try_recv() {
            Ok(Ok(s)) => Signals::Ready(Box::new(s)),
            Ok(Err(e)) => Signals::Failed(e),
            Err(TryRecvError::Empty) => return false,
            Err(TryRecvError::Disconnected) => {
                Signals::Failed("suggesting signals stopped unexpectedly".into())
            }
        };
        *self = next;
        true
    }
}

fn run(model: &Model, table: &Table, outcome: &Outcome) -> Result<SignalList, String> {
    // The same floor as `scorewright suggest`: 5 folds need 5 of each answer.
    let yes = outcome.positives();
    let no = outcome.known() - yes;
    if yes < 5 || no < 5 {
        return Err(format!(
            "outcome column '{}' has {yes} yes and {no} no: each needs at least 5 for 5 folds",
            outcome.column
        ));
    }
    let ji = journey_to_grow(model, None)
        .ok_or_else(|| "the model has no journey to add signals to".to_string())?;
    Ok(SignalList {
        list: for_model(model, table, outcome, ji),
        cursor: 0,
    })
}

/// Whether the model already reads the suggestion's column (it was accepted, or added by
/// hand since the list was made).
pub fn is_used(model: &Model, s: &Suggestion) -> bool {
    model.signals().iter().any(|sig| {
        model
            .fields
            .iter()
            .find(|f| f.id == sig.field)
            .is_some_and(|f| f.column().trim().eq_ignore_ascii_case(s.column.trim()))
    })
}

/// The one edit that adds a suggestion to journey `journey` of `model`: its field (a new one,
/// unless a field already reads the column), the journey's touchpoints scaled down to make
/// room, and the new touchpoint with its signal. `None` when the journey is gone.
pub fn accept_op(model: &Model, journey: &str, s: &Suggestion) -> Option<(Op, String)> {
    let ji = model.journeys.iter().position(|j| j.id == journey)?;
    let mut ops = Vec::new();
    // A field that reads the column but no signal uses it is reused, not doubled.
    let field = match model
        .fields
        .iter()
        .find(|f| f.column().trim().eq_ignore_ascii_case(s.column.trim()))
    {
        Some(f) => f.id.clone(),
        None => {
            let ids: Vec<&str> = model.fields.iter().map(|f| f.id.as_str()).collect();
            let f = s.new_field(&ids);
            let id = f.id.clone();
            ops.push(Op::Insert {
                list: ListRef::Fields,
                index: model.fields.len(),
                item: Item::Field(f),
            });
            id
        }
    };
    let list = ListRef::Touchpoints {
        journey: ji,
        parent: Vec::new(),
    };
    let tps = &model.journeys[ji].touchpoints;
    let ids: Vec<&str> = tps.iter().map(|t| t.id.as_str()).collect();
    let mut t = s.new_touchpoint(&field, &ids);
    if tps.is_empty() {
        t.weight = crate::model::Weight::HUNDRED;
    }
    let weight = t.weight;
    let before = list.weights(model)?;
    if !before.is_empty() {
        ops.push(Op::SetWeights {
            list: list.clone(),
            weights: scale_to(&before, FULL - weight.0),
        });
    }
    let label = format!(
        "suggested signal added: {} as touchpoint '{}' of {journey} at {weight}% (the others scaled to {}%); u undoes all of it",
        s.column,
        t.id,
        crate::model::Weight(FULL - weight.0),
    );
    ops.push(Op::Insert {
        list,
        index: tps.len(),
        item: Item::Touchpoint(t),
    });
    Some((Op::Batch(ops), label))
}
