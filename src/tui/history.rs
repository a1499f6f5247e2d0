//! Undo history: the operations applied, each with the one that takes it back.
//!
//! Invariant: applying the `inverse` of the newest step of `done` to the current model gives
//! the model before that step, and the `forward` of the newest step of `undone` redoes it.
//! Each step carries a revision number, so that "unsaved changes" can compare the revision on
//! screen with the one saved, and undoing back to the saved state reads as saved. There is no
//! limit: a step holds only what it changed, and a workshop makes thousands, not millions.

use super::ops::{Node, Op, apply};
use crate::model::Model;

#[derive(Clone, Debug)]
struct Step {
    revision: u64,
    label: String,
    forward: Op,
    inverse: Op,
}

#[derive(Clone, Debug, Default)]
pub struct History {
    done: Vec<Step>,
    undone: Vec<Step>,
    last_revision: u64,
}

impl History {
    /// Applies `op` to the model and records it; on error the model and history are unchanged.
    pub fn apply(
        &mut self,
        model: &mut Model,
        op: Op,
        label: impl Into<String>,
    ) -> Result<(), String> {
        let inverse = apply(model, &op)?;
        self.last_revision += 1;
        self.done.push(Step {
            revision: self.last_revision,
            label: label.into(),
            forward: op,
            inverse,
        });
        self.undone.clear();
        Ok(())
    }

    /// Applies a weight change as part of the newest step when that step set the same weight
    /// (a run of nudges is one step to undo). Returns false, changing nothing, when the newest
    /// step is something else; then `apply` records it as a step of its own.
    pub fn merge_weight(
        &mut self,
        model: &mut Model,
        op: &Op,
        label: &str,
    ) -> Result<bool, String> {
        let Op::SetWeight { list, index, .. } = op else {
            return Ok(false);
        };
        let Some(last) = self.done.last_mut() else {
            return Ok(false);
        };
        let same = matches!(&last.forward, Op::SetWeight { list: l, index: i, .. } if l == list && i == index);
        if !same || !self.undone.is_empty() {
            return Ok(false);
        }
        apply(model, op)?;
        self.last_revision += 1;
        last.revision = self.last_revision;
        last.forward = op.clone();
        last.label = label.to_string();
        Ok(true)
    }

    /// Takes back the newest step. Returns what it was and the node to select.
    pub fn undo(&mut self, model: &mut Model) -> Option<Result<(String, Option<Node>), String>> {
        let mut step = self.done.pop()?;
        Some(match apply(model, &step.inverse) {
            Ok(forward) => {
                let focus = step
                    .inverse
                    .focus(model)
                    .or_else(|| step.forward.focus(model));
                step.forward = forward;
                let label = step.label.clone();
                self.undone.push(step);
                Ok((label, focus))
            }
            Err(e) => {
                self.done.push(step);
                Err(e)
            }
        })
    }

    /// Does again the newest step undone.
    pub fn redo(&mut self, model: &mut Model) -> Option<Result<(String, Option<Node>), String>> {
        let mut step = self.undone.pop()?;
        Some(match apply(model, &step.forward) {
            Ok(inverse) => {
                let focus = step.forward.focus(model);
                step.inverse = inverse;
                let label = step.label.clone();
                self.done.push(step);
                Ok((label, focus))
            }
            Err(e) => {
                self.undone.push(step);
                Err(e)
            }
        })
    }

    /// The revision the model is at: 0 before any edit.
    pub fn revision(&self) -> u64 {
        self.done.last().map_or(0, |s| s.revision)
    }

    pub fn can_undo(&self) -> bool {
        !self.done.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.undone.is_empty()
    }

    pub fn len(&self) -> usize {
        self.done.len()
    }

    pub fn is_empty(&self) -> bool {
        self.done.is_empty()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::model::{Field, FieldKind};
    use crate::tui::ops::{Item, ListRef};

    #[test]
    fn undo_redo_and_revisions() {
        let mut m = Model::default();
        let mut h = History::default();
        for i in 0..1000 {
            let item = Item::Field(Field::new(&format!("f{i}"), FieldKind::Number));
            h.apply(
                &mut m,
                Op::Insert {
                    list: ListRef::Fields,
                    index: i,
                    item,
                },
                "add field",
            )
            .unwrap();
        }
        assert_eq!(m.fields.len(), 1000);
        let saved = h.revision();
        for _ in 0..1000 {
            h.undo(&mut m).unwrap().unwrap();
        }
        assert!(m.fields.is_empty());
        assert_eq!(h.revision(), 0);
        assert!(h.undo(&mut m).is_none());
        for _ in 0..1000 {
            h.redo(&mut m).unwrap().unwrap();
        }
        assert_eq!(m.fields.len(), 1000);
        assert_eq!(h.revision(), saved);
        // A new edit after an undo drops what was undone.
        h.undo(&mut m).unwrap().unwrap();
        h.apply(
            &mut m,
            Op::Remove {
                list: ListRef::Fields,
                index: 0,
            },
            "delete",
        )
        .unwrap();
        assert!(!h.can_redo());
        assert_ne!(h.revision(), saved);
    }

    #[test]
    fn a_run_of_nudges_is_one_step() {
        use crate::model::{Journey, Touchpoint, Weight};
        use crate::tui::ops::ListRef;
        let mut m = Model::default();
        m.journeys.push(Journey {
            touchpoints: vec![
                Touchpoint::new("a", Weight(5000)),
                Touchpoint::new("b", Weight(5000)),
            ],
            ..Journey::new("j")
        });
        let before = m.clone();
        let list = ListRef::Touchpoints {
            journey: 0,
            parent: vec![],
        };
        let mut h = History::default();
        let set = |w| Op::SetWeight {
            list: list.clone(),
            index: 0,
            weight: Weight(w),
        };
        h.apply(&mut m, set(5100), "nudge").unwrap();
        let r1 = h.revision();
        assert!(h.merge_weight(&mut m, &set(5200), "nudge").unwrap());
        assert!(h.merge_weight(&mut m, &set(5300), "nudge").unwrap());
        assert_ne!(h.revision(), r1, "a merged change is a new revision");
        let other = Op::SetWeight {
            list: list.clone(),
            index: 1,
            weight: Weight(0),
        };
        assert!(
            !h.merge_weight(&mut m, &other, "x").unwrap(),
            "another weight is another step"
        );
        assert_eq!(m.journeys[0].touchpoints[0].weight, Weight(5300));
        h.undo(&mut m).unwrap().unwrap();
        assert_eq!(m, before);
        h.redo(&mut m).unwrap().unwrap();
        assert_eq!(m.journeys[0].touchpoints[0].weight, Weight(5300));
    }
}
