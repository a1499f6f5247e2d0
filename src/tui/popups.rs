//! The pop-ups' state: text boxes, pickers, the rule form, questions and help.
//!
//! Pop-ups are a stack on the app: the top one takes the keys. Each holds raw text (what was
//! typed) and the purpose it was opened for; `update` validates the text on every keystroke
//! and keeps the message beside the box, so an invalid entry never reaches the model.

use super::ops::{ListRef, Node};
use super::props::Prop;
use crate::model::Rule;
use crate::model::RuleKind;
use ratatui_textarea::TextArea;

pub enum Popup {
    Input(Input),
    Picker(Picker),
    Rule(RuleForm),
    Confirm(Confirm),
    Help { scroll: u16 },
}

/// What a text box is for: what happens to its text when kept.
#[derive(Clone, Debug, PartialEq)]
pub enum Purpose {
    Prop {
        node: Node,
        prop: Prop,
    },
    Find,
    /// Text the preview's contacts are filtered by (applied as it is typed).
    FilterContacts,
    /// The path of a contacts file to preview.
    OpenContacts,
    /// The id of a new field, then its kind, then what it is for.
    NewFieldId {
        then: FieldTarget,
    },
}

/// What a newly added field is for.
#[derive(Clone, Debug, PartialEq)]
pub enum FieldTarget {
    Nothing,
    NewSignal { list: ListRef, index: usize },
    SignalField { node: Node },
}

pub struct Input {
    pub title: String,
    pub text: TextArea<'static>,
    pub multiline: bool,
    pub purpose: Purpose,
    /// Why the text cannot be kept as it is.
    pub error: Option<String>,
    /// What keeping it would do ("the touchpoints would sum to 90%: 10% left").
    pub info: Option<String>,
    pub help: String,
}

impl Input {
    pub fn new(title: impl Into<String>, text: &str, multiline: bool, purpose: Purpose) -> Input {
        let lines: Vec<String> = if multiline {
            text.lines().map(String::from).collect()
        } else {
            vec![text.replace('\n', " ")]
        };
        let mut area = TextArea::new(if lines.is_empty() {
            vec![String::new()]
        } else {
            lines
        });
        area.move_cursor(ratatui_textarea::CursorMove::Bottom);
        area.move_cursor(ratatui_textarea::CursorMove::End);
        // Old text in a one-line box is selected, as in every editor: typing replaces it, an
        // arrow key keeps it and moves the cursor. A note is edited where it ends.
        if !multiline && !text.is_empty() {
            area.select_all();
        }
        Input {
            title: title.into(),
            text: area,
            multiline,
            purpose,
            error: None,
            info: None,
            help: String::new(),
        }
    }

    pub fn value(&self) -> String {
        self.text.lines().join("\n")
    }
}

/// What a picker is for.
#[derive(Clone, Debug, PartialEq)]
pub enum PickPurpose {
    /// A field for a new signal at this place of this list.
    NewSignal { list: ListRef, index: usize },
    /// Another field for an existing signal.
    SignalField { node: Node },
    /// A journey for a property (a grade's or the tiers' journey).
    Journey { node: Node, prop: Prop },
    /// The kind of a new field.
    NewFieldKind { id: String, then: FieldTarget },
    /// What to add inside a node that can hold more than one kind of thing.
    AddInside { node: Node },
    /// The template a new model file starts from; cancelling quits.
    Template,
    /// A tier, segment or rating the preview's contacts are narrowed to.
    PreviewFilter,
    /// The file changed on disk to this model: reload, keep, or see the differences.
    DiskChanged(Box<crate::model::Model>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct PickItem {
    pub label: String,
    pub detail: String,
    pub value: String,
}

/// The value of the picker entry that adds a new field.
pub const NEW_FIELD: &str = "\u{0}new-field";

pub struct Picker {
    pub title: String,
    pub items: Vec<PickItem>,
    pub filter: TextArea<'static>,
    pub selected: usize,
    pub purpose: PickPurpose,
}

impl Picker {
    pub fn new(title: impl Into<String>, items: Vec<PickItem>, purpose: PickPurpose) -> Picker {
        Picker {
            title: title.into(),
            items,
            filter: TextArea::default(),
            selected: 0,
            purpose,
        }
    }

    /// The items whose label holds the filter text, ignoring case.
    pub fn visible(&self) -> Vec<&PickItem> {
        let f = self.filter.lines().join("").to_lowercase();
        self.items
            .iter()
            .filter(|i| i.value == NEW_FIELD || f.is_empty() || i.label.to_lowercase().contains(&f))
            .collect()
    }

    pub fn current(&self) -> Option<&PickItem> {
        self.visible().get(self.selected).copied()
    }
}

/// The small form that edits a signal's rule: a kind, and the inputs of that kind.
pub struct RuleForm {
    pub node: Node,
    /// How the signal's field reads in a sentence.
    pub field: String,
    pub kind: usize,
    pub inputs: Vec<(&'static str, TextArea<'static>)>,
    /// 0: the kind line; then each input.
    pub focus: usize,
    pub result: Result<Rule, String>,
}

impl RuleForm {
    pub fn new(node: Node, field: String, rule: &Rule) -> RuleForm {
        let kind = RuleKind::ALL
            .iter()
            .position(|k| *k == rule.kind())
            .unwrap_or(0);
        let mut f = RuleForm {
            node,
            field,
            kind,
            inputs: Vec::new(),
            focus: 0,
            result: Ok(rule.clone()),
        };
        f.load(rule);
        f
    }

    fn load(&mut self, rule: &Rule) {
        self.inputs = rule
            .inputs()
            .into_iter()
            .map(|(label, text)| {
                let mut t = TextArea::new(vec![text]);
                t.move_cursor(ratatui_textarea::CursorMove::End);
                (label, t)
            })
            .collect();
        self.validate();
    }

    pub fn rule_kind(&self) -> RuleKind {
        RuleKind::ALL[self.kind % RuleKind::ALL.len()]
    }

    pub fn kind_name(&self) -> &'static str {
        self.rule_kind().name()
    }

    /// Switches to the next (or previous) rule kind, with that kind's starting values.
    pub fn cycle(&mut self, forward: bool) {
        let n = RuleKind::ALL.len();
        self.kind = if forward {
            (self.kind + 1) % n
        } else {
            (self.kind + n - 1) % n
        };
        self.load(&self.rule_kind().start());
    }

    pub fn validate(&mut self) {
        let raw: Vec<String> = self
            .inputs
            .iter()
            .map(|(_, t)| t.lines().join(""))
            .collect();
        self.result = self.rule_kind().parse(&raw);
    }
}

/// What a question is about.
#[derive(Clone, Debug, PartialEq)]
pub enum ConfirmPurpose {
    Delete(Node),
    Quit,
    /// Restore these unsaved edits of an earlier session (see `recovery`).
    Restore(Box<crate::model::Model>),
    /// Save over a file that changed on disk since it was opened.
    Overwrite,
}

pub struct Confirm {
    pub title: String,
    pub message: String,
    pub purpose: ConfirmPurpose,
}
