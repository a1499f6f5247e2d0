//! The model file changed on disk while open (a `git pull`, a colleague's save): noticed within
//! a second by a look at the file in the event loop's tick, said at once, and the user picks:
//! reload their version (with the unsaved edits put back on top where they do not touch what
//! they changed, else asking), keep this version, with the model-level differences listed in
//! the same dialog, as `scorewright diff` shows them.

use super::*;
use crate::model::parse_model;
use std::time::{Duration, Instant};
use yaml_serde::Value;

/// How often the file is looked at: often enough to notice within a second or two.
pub const WATCH_EVERY: Duration = Duration::from_millis(800);

/// What the designer knows of its file on disk.
#[derive(Debug)]
pub struct DiskWatch {
    /// Off until the event loop starts, so that driving `App` in tests sees no dialog
    /// it did not ask for.
    pub watching: bool,
    checked: Instant,
    /// The text on disk the user was last told about, so one change is said once.
    told: Option<String>,
    /// The model as opened or last saved or reloaded: the common ancestor of a reload.
    pub base: Model,
}

impl DiskWatch {
    pub fn new(base: Model) -> DiskWatch {
        DiskWatch {
            watching: false,
            checked: Instant::now(),
            told: None,
            base,
        }
    }
}

const RELOAD: &str = "reload";
const THEIRS: &str = "theirs";
const KEEP: &str = "keep";

impl App {
    /// Called from `tick`: at most every `WATCH_EVERY`, whether the file is still what was
    /// opened or saved; when not, the dialog. Returns whether something is to be drawn.
    pub fn watch_disk(&mut self) -> bool {
        if !self.disk.watching || self.disk.checked.elapsed() < WATCH_EVERY {
            return false;
        }
        self.disk.checked = Instant::now();
        if !self.guard.as_ref().is_some_and(|g| g.changed_on_disk()) {
            return false;
        }
        // A removed file is said at the next save, which asks before writing it again.
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return false;
        };
        if self.disk.told.as_deref() == Some(text.as_str()) {
            return false;
        }
        self.disk.told = Some(text.clone());
        let name = self.file_name();
        match parse_model(&text, &name) {
            Ok(theirs) => self.offer_reload(theirs),
            Err(e) => self.say(
                Tone::Warning,
                format!("{name} changed on disk and does not read as a model ({e}); a save asks before overwriting it"),
            ),
        }
        true
    }

    fn offer_reload(&mut self, theirs: Model) {
        let name = self.file_name();
        let mine = if self.is_dirty() {
            "your unsaved edits go back on top where they do not touch theirs"
        } else {
            "you have no unsaved edits"
        };
        let mut items = vec![
            PickItem {
                label: "reload their version".into(),
                detail: format!("{mine}; u takes it back"),
                value: RELOAD.into(),
            },
            PickItem {
                label: "keep this version".into(),
                detail: "a save asks before overwriting theirs".into(),
                value: KEEP.into(),
            },
        ];
        // The differences, as `scorewright diff` shows them: this version against theirs.
        let d = crate::export::diff::diff(&self.model, &theirs, "this", "on disk", None);
        let text = crate::export::diff::render(&d, crate::export::Format::Text);
        items.extend(text.lines().map(|l| PickItem {
            label: l.to_string(),
            detail: String::new(),
            value: KEEP.into(),
        }));
        self.popups.push(Popup::Picker(Picker::new(
            format!("{name} changed on disk"),
            items,
            PickPurpose::DiskChanged(Box::new(theirs)),
        )));
    }

    /// What was picked in the dialog.
    pub(super) fn disk_picked(&mut self, theirs: Model, value: &str) {
        match value {
            RELOAD => self.reload(theirs, false),
            THEIRS => self.reload(theirs, true),
            _ => self.say(
                Tone::Info,
                "kept this version; a save asks before overwriting the one on disk",
            ),
        }
    }

    /// Takes their version as one undoable step, then (unless `drop_mine`) the unsaved edits
    /// on top as another; when both changed the same thing, asks instead.
    fn reload(&mut self, theirs: Model, drop_mine: bool) {
        let name = self.file_name();
        let mine = self.model.clone();
        let merged = if self.is_dirty() && !drop_mine {
            match merge_models(&self.disk.base, &mine, &theirs) {
                Ok(m) => Some(m),
                Err(at) => {
                    let items = vec![
                        PickItem {
                            label: "take their version".into(),
                            detail: "your version stays one u away".into(),
                            value: THEIRS.into(),
                        },
                        PickItem {
                            label: "keep this version".into(),
                            detail: "a save asks before overwriting theirs".into(),
                            value: KEEP.into(),
                        },
                    ];
                    self.popups.push(Popup::Picker(Picker::new(
                        format!("you and the file on disk both changed {at}"),
                        items,
                        PickPurpose::DiskChanged(Box::new(theirs)),
                    )));
                    return;
                }
            }
        } else {
            None
        };
        self.disk.base = theirs.clone();
        if let Some(g) = &mut self.guard {
            g.took_disk_version();
        }
        self.edit(Op::SetModel(Box::new(theirs)), format!("reloaded {name}"));
        self.saved_revision = self.history.revision();
        if let Some(m) = merged
            && m != self.model
        {
            self.edit(
                Op::SetModel(Box::new(m)),
                format!("reloaded {name}; your edits are on top (u takes them back)"),
            );
        }
    }
}

/// `mine` and `theirs` both from `base`: their changes with mine on top, or the place (a
/// model path) where both changed the same thing differently.
pub fn merge_models(base: &Model, mine: &Model, theirs: &Model) -> Result<Model, String> {
    let v = |m: &Model| yaml_serde::to_value(m).map_err(|e| e.to_string());
    let merged = merge(&v(base)?, &v(mine)?, &v(theirs)?, "")?;
    yaml_serde::from_value(merged).map_err(|e| e.to_string())
}

fn merge(base: &Value, mine: &Value, theirs: &Value, at: &str) -> Result<Value, String> {
    if mine == base || mine == theirs {
        return Ok(theirs.clone());
    }
    if theirs == base {
        return Ok(mine.clone());
    }
    let here = |k: &str| {
        if at.is_empty() {
            k.to_string()
        } else {
            format!("{at}.{k}")
        }
    };
    match (base, mine, theirs) {
        (Value::Mapping(b), Value::Mapping(m), Value::Mapping(t)) => {
            let null = Value::Null;
            let mut out = yaml_serde::Mapping::new();
            // Their order, then keys only mine has.
            let keys = t.keys().chain(m.keys().filter(|k| !t.contains_key(*k)));
            for k in keys.cloned().collect::<Vec<_>>() {
                let name = k.as_str().map(str::to_string).unwrap_or_default();
                let (bv, mv, tv) = (
                    b.get(&k).unwrap_or(&null),
                    m.get(&k).unwrap_or(&null),
                    t.get(&k).unwrap_or(&null),
                );
                let v = merge(bv, mv, tv, &here(&name))?;
                if v != Value::Null {
                    out.insert(k, v);
                }
            }
            Ok(Value::Mapping(out))
        }
        (Value::Sequence(b), Value::Sequence(m), Value::Sequence(t))
            if b.len() == m.len() && b.len() == t.len() =>
        {
            // Items in the same places: merged one by one (named by their id where they have one).
            let mut out = Vec::new();
            for (i, ((bv, mv), tv)) in b.iter().zip(m).zip(t).enumerate() {
                let name = bv
                    .get("id")
                    .or(bv.get("name"))
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .unwrap_or_else(|| i.to_string());
                out.push(merge(bv, mv, tv, &here(&name))?);
            }
            Ok(Value::Sequence(out))
        }
        _ => Err(if at.is_empty() {
            "the model".into()
        } else {
            at.into()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(weights: [i64; 2], name: &str) -> Model {
        let text = format!(
            "name: {name}\nfields: [ {{ id: f, kind: boolean }} ]\njourneys:\n  - id: j\n    touchpoints:\n      - {{ id: a, weight: {}, signals: [ {{ field: f, weight: 100, rule: flag }} ] }}\n      - {{ id: b, weight: {}, signals: [ {{ field: f, weight: 100, rule: flag }} ] }}\n",
            weights[0], weights[1]
        );
        crate::model::parse_model(&text, "m").unwrap()
    }

    #[test]
    fn edits_to_different_places_merge_and_the_same_place_is_named() {
        let base = model([50, 50], "M");
        let mine = model([60, 50], "M");
        let theirs = model([50, 50], "Theirs");
        assert_eq!(
            merge_models(&base, &mine, &theirs).unwrap(),
            model([60, 50], "Theirs")
        );
        let theirs = model([40, 50], "M");
        assert_eq!(
            merge_models(&base, &mine, &theirs).unwrap_err(),
            "journeys.j.touchpoints.a.weight"
        );
    }
}
