//! The designer's state and the one place it changes: `App::update(Action)`.
//!
//! Keys and mouse events become `Action`s (through the key map); `update` turns an action into
//! edit operations on the model (through the history, so undo can take them back), selection
//! moves, or pop-ups. After every edit the tree rows and the checks are rebuilt, so the views
//! only read what is here. Invariant: the model changes only in `App::edit`, `App::undo` and
//! `App::redo`, each of which goes through `History`.

use super::history::History;
use super::keys::{KeyMap, Mode};
use super::ops::{Item, ListRef, Node, Op, touchpoint, unique_id};
use super::popups::{
    Confirm, ConfirmPurpose, FieldTarget, Input, NEW_FIELD, PickItem, PickPurpose, Picker, Popup,
    Purpose, RuleForm,
};
use super::props::{self, EditKind, Prop};
use super::theme::{Theme, Themes};
use super::tree::{Row, rows, visible};
use super::view;
use crate::model::check::{Diagnostic, Severity, check};
use crate::model::weight::{FULL, balance_even, balance_proportional, describe_sum};
use crate::model::{
    Adjustment, Condition, Field, FieldKind, Grade, Journey, Model, ModelFile, Rule, Seg, Segment,
    Signal, SourceMap, Tier, Touchpoint, Weight,
};
use ratatui::crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use std::collections::HashSet;
use std::path::PathBuf;

/// The screens of the designer. The preview of contacts joins this list; each screen has
/// its module under `view/`, and `view::draw` dispatches on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Screen {
    /// The tree, the detail pane and the checks: authoring the model.
    #[default]
    Design,
}

/// Which pane of the main screen has the keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Tree,
    Detail,
    Diagnostics,
}

/// Everything a user can mean, whatever key or click said it.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    FocusNext,
    FocusPrev,
    /// Back to the tree from another pane.
    Back,
    /// Edit the selected node in the detail pane.
    Open,
    /// Open the rule form of the selected signal.
    EditRule,
    /// Hide what is below the selected row (or go to its parent).
    Fold,
    /// Show what is below the selected row (or edit it).
    Unfold,
    /// Change the selected weight by this many hundredths of a percent.
    Nudge(i64),
    /// Type a weight, starting with this character.
    TypeWeight(Option<char>),
    BalanceEven,
    BalanceProportional,
    AddSibling,
    AddInside,
    Rename,
    Duplicate,
    Delete,
    MoveUp,
    MoveDown,
    ToggleOpenQuestion,
    /// Edit the selected property of the detail pane.
    Edit,
    CyclePrev,
    CycleNext,
    /// Go to the node of the selected diagnostic.
    Jump,
    Undo,
    Redo,
    Save,
    Quit,
    Find,
    FindNext,
    Help,
    NextTheme,
    /// Keep what the pop-up holds.
    Submit,
    /// Close the pop-up without keeping anything.
    Cancel,
    /// A letter answer to a question.
    Answer(char),
    NextInput,
    PrevInput,
    /// A key typed into the text box of the pop-up.
    Text(KeyEvent),
    Click {
        column: u16,
        row: u16,
    },
    Scroll {
        column: u16,
        row: u16,
        down: bool,
    },
    Resize(u16, u16),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Info,
    Ok,
    Warning,
    Error,
}

/// A line for the user about what just happened.
#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub tone: Tone,
    pub text: String,
}

pub struct App {
    pub model: Model,
    /// Where Ctrl-s writes.
    pub path: PathBuf,
    /// The sample contacts whose columns the checks compare the fields with.
    pub contacts: Option<PathBuf>,
    columns: Option<Vec<String>>,
    pub history: History,
    saved_revision: u64,
    /// The file had comments, which a save does not keep; said once, at the first save.
    comments_in_file: bool,
    /// Where each part of the file is, valid while the model is at this revision (as read, or
    /// as last saved), so that checks can say which line they are about.
    source_map: Option<(u64, SourceMap)>,
    /// The rows on screen: `all_rows` less what is folded.
    pub rows: Vec<Row>,
    pub all_rows: Vec<Row>,
    /// The keys of the folded rows (ids, so that folds survive edits elsewhere).
    pub folded: HashSet<String>,
    pub selected: usize,
    pub tree_offset: usize,
    pub screen: Screen,
    pub focus: Focus,
    pub prop_selected: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub diag_selected: usize,
    pub open_questions: usize,
    pub popups: Vec<Popup>,
    pub message: Option<Message>,
    pub themes: Themes,
    pub theme: Theme,
    pub keymap: KeyMap,
    /// The terminal's size, for layout-dependent moves (page, scroll, click).
    pub size: (u16, u16),
    pub should_quit: bool,
    pub find_query: String,
}

impl App {
    /// A designer on a model, with the built-in default theme and no terminal: what tests use.
    pub fn new(model: Model, path: PathBuf) -> App {
        let themes = Themes::built_in();
        let theme = themes.get(&themes.chosen);
        let mut app = App {
            model,
            path,
            contacts: None,
            columns: None,
            history: History::default(),
            saved_revision: 0,
            comments_in_file: false,
            source_map: None,
            rows: Vec::new(),
            all_rows: Vec::new(),
            folded: HashSet::new(),
            selected: 0,
            tree_offset: 0,
            screen: Screen::Design,
            focus: Focus::Tree,
            prop_selected: 0,
            diagnostics: Vec::new(),
            diag_selected: 0,
            open_questions: 0,
            popups: Vec::new(),
            message: None,
            themes,
            theme,
            keymap: KeyMap::default(),
            size: (100, 30),
            should_quit: false,
            find_query: String::new(),
        };
        app.refresh();
        // Start on the first journey: that is where a workshop begins.
        if let Some(i) = app
            .rows
            .iter()
            .position(|r| matches!(r.node, Node::Journey(_)))
        {
            app.selected = i;
        }
        app
    }

    /// A designer on a model read from a file.
    pub fn from_file(file: ModelFile) -> App {
        let comments = file.has_comments();
        let mut app = App::new(file.model, file.path);
        app.comments_in_file = comments;
        app.source_map = Some((0, file.map));
        app.refresh();
        app
    }

    /// A designer for a model file that does not exist yet: it opens on a list of templates,
    /// and the file (with the template's sample contacts beside it) is written once one is
    /// picked. Cancelling the list quits without writing anything.
    pub fn choose_template(path: PathBuf) -> App {
        let placeholder = Model {
            name: "(pick a template)".into(),
            ..Model::default()
        };
        let mut app = App::new(placeholder, path);
        let mut items: Vec<PickItem> = crate::templates::ALL
            .iter()
            .map(|t| PickItem {
                label: t.name.into(),
                detail: t.description.into(),
                value: t.name.into(),
            })
            .collect();
        items.push(PickItem {
            label: "empty".into(),
            detail: "one journey, nothing else".into(),
            value: EMPTY_TEMPLATE.into(),
        });
        let title = format!("{} does not exist: start it from", app.file_name());
        app.popups.push(Popup::Picker(Picker::new(
            title,
            items,
            PickPurpose::Template,
        )));
        app
    }

    fn create_from_template(&mut self, name: &str) {
        let written = match crate::templates::find(name) {
            Some(t) => crate::templates::write(t, &self.path, false).map(|_| ()),
            None => crate::model::yaml::write_atomic(&self.path, EMPTY_MODEL.as_bytes())
                .map_err(|e| anyhow::anyhow!("{}: cannot write it: {e}", self.path.display())),
        };
        let loaded = written
            .and_then(|()| crate::model::read_model(&self.path).map_err(anyhow::Error::from));
        match loaded {
            Ok(file) => {
                let contacts = file.contacts_path().filter(|p| p.exists());
                self.model = file.model;
                self.history = History::default();
                self.saved_revision = 0;
                self.rows.clear();
                self.folded.clear();
                self.selected = 0;
                self.set_contacts(contacts);
                if let Some(i) = self
                    .rows
                    .iter()
                    .position(|r| matches!(r.node, Node::Journey(_)))
                {
                    self.selected = i;
                }
                self.say(
                    Tone::Ok,
                    format!("created {} from '{name}'", self.path.display()),
                );
            }
            Err(e) => {
                self.say(Tone::Error, format!("{e:#}"));
            }
        }
    }

    /// Uses these themes, with the one they choose.
    pub fn with_themes(mut self, themes: Themes) -> App {
        self.theme = themes.get(&themes.chosen);
        if let Some(p) = themes.problems.first() {
            self.say(Tone::Warning, p.clone());
        }
        self.themes = themes;
        self
    }

    /// Compares the fields with the columns of these contacts from now on.
    pub fn with_contacts(mut self, path: Option<PathBuf>) -> App {
        self.set_contacts(path);
        self
    }

    fn set_contacts(&mut self, path: Option<PathBuf>) {
        self.contacts = path;
        self.columns = None;
        if let Some(p) = &self.contacts {
            match crate::contacts::ContactsReader::open(p) {
                Ok(r) => self.columns = Some(r.headers().to_vec()),
                Err(e) => self.say(Tone::Warning, format!("{e:#}")),
            }
        }
        self.refresh();
    }

    // ----- what the views and the key map ask -----

    pub fn is_dirty(&self) -> bool {
        self.history.revision() != self.saved_revision
    }

    pub fn node(&self) -> Node {
        self.rows
            .get(self.selected)
            .map(|r| r.node.clone())
            .unwrap_or(Node::Model)
    }

    pub fn item(&self) -> Option<Item> {
        self.node().item(&self.model)
    }

    /// The properties of the selected node.
    pub fn props(&self) -> Vec<Prop> {
        props::props(&self.node())
    }

    pub fn prop(&self) -> Option<Prop> {
        self.props().get(self.prop_selected).copied()
    }

    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }

    /// The mode the keys are read in: the top pop-up's, else the focused pane's.
    pub fn mode(&self) -> Mode {
        match self.popups.last() {
            Some(Popup::Input(i)) if i.multiline => Mode::Note,
            Some(Popup::Input(_)) => Mode::Input,
            Some(Popup::Picker(_)) => Mode::Picker,
            Some(Popup::Rule(_)) => Mode::RuleForm,
            Some(Popup::Confirm(_)) => Mode::Confirm,
            Some(Popup::Help { .. }) => Mode::Help,
            None => match self.focus {
                Focus::Tree => Mode::Tree,
                Focus::Detail => Mode::Detail,
                Focus::Diagnostics => Mode::Diagnostics,
            },
        }
    }

    /// The weighted list the selected node is an item of, and its index there.
    pub fn weighted_place(&self) -> Option<(ListRef, usize)> {
        self.node().place().filter(|(l, _)| l.is_weighted())
    }

    /// The weighted group that balancing works on: the selected node's siblings, or, on a
    /// journey or a touchpoint with children, its children.
    pub fn balance_group(&self) -> Option<ListRef> {
        if let Some((list, _)) = self.weighted_place() {
            return Some(list);
        }
        match self.node() {
            Node::Journey(j) => Some(ListRef::Touchpoints {
                journey: j,
                parent: Vec::new(),
            }),
            _ => None,
        }
    }

    pub fn selected_is_weighted(&self) -> bool {
        self.weighted_place().is_some()
    }
    pub fn can_balance(&self) -> bool {
        self.balance_group().is_some_and(|l| l.len(&self.model) > 0)
    }
    pub fn can_undo(&self) -> bool {
        self.history.can_undo()
    }
    pub fn can_redo(&self) -> bool {
        self.history.can_redo()
    }
    pub fn selected_has_props(&self) -> bool {
        !self.props().is_empty()
    }
    pub fn selected_is_signal(&self) -> bool {
        matches!(self.node(), Node::Signal { .. })
    }
    pub fn selected_is_item(&self) -> bool {
        self.node().place().is_some()
    }
    pub fn can_add_sibling(&self) -> bool {
        self.selected_is_item() || self.node().section_list().is_some()
    }
    pub fn can_add_inside(&self) -> bool {
        matches!(self.node(), Node::Journey(_) | Node::Touchpoint { .. })
            || self.node().section_list().is_some()
    }
    pub fn can_rename(&self) -> bool {
        self.rename_prop().is_some() || matches!(self.node(), Node::Signal { .. })
    }
    pub fn can_flag(&self) -> bool {
        matches!(self.node(), Node::Journey(_) | Node::Touchpoint { .. })
    }
    pub fn has_diagnostics(&self) -> bool {
        !self.diagnostics.is_empty()
    }
    pub fn prop_editable(&self) -> bool {
        self.prop().is_some()
    }
    pub fn prop_is_choice(&self) -> bool {
        self.prop()
            .is_some_and(|p| matches!(p.edit_kind(), EditKind::Choice(_) | EditKind::Toggle))
    }
    pub fn rule_kind_focused(&self) -> bool {
        matches!(self.popups.last(), Some(Popup::Rule(f)) if f.focus == 0)
    }
    pub fn confirm_offers_yes(&self) -> bool {
        matches!(self.popups.last(), Some(Popup::Confirm(c)) if c.purpose != ConfirmPurpose::Quit)
    }
    pub fn confirm_offers_save(&self) -> bool {
        matches!(self.popups.last(), Some(Popup::Confirm(c)) if c.purpose == ConfirmPurpose::Quit)
    }

    /// The sum, in hundredths, of the weighted group the selected node is in.
    pub fn sibling_sum(&self) -> Option<i64> {
        let (list, _) = self.weighted_place()?;
        Some(list.weights(&self.model)?.iter().map(|w| w.0).sum())
    }

    /// The height of the tree pane's list, in rows.
    pub fn tree_height(&self) -> usize {
        let areas = view::layout(Rect::new(0, 0, self.size.0, self.size.1));
        areas.tree.height.saturating_sub(2).max(1) as usize
    }

    // ----- input -----

    /// Handles one key press.
    pub fn handle_key(&mut self, e: KeyEvent) {
        if e.kind == KeyEventKind::Release {
            return;
        }
        self.message = None;
        let mode = self.mode();
        let takes_text = matches!(
            mode,
            Mode::Input | Mode::Note | Mode::Picker | Mode::RuleForm
        );
        let action = match self.keymap.lookup(mode, &e) {
            Some(b) if b.works(self) => Some(b.action.clone()),
            _ if takes_text => Some(Action::Text(e)),
            Some(b) => {
                self.say(Tone::Info, format!("{} does not work here", b.keys_text()));
                None
            }
            None => None,
        };
        let action = match (action, e.code) {
            (Some(Action::TypeWeight(None)), ratatui::crossterm::event::KeyCode::Char(c))
                if c.is_ascii_digit() =>
            {
                Some(Action::TypeWeight(Some(c)))
            }
            (a, _) => a,
        };
        if let Some(a) = action {
            self.update(a);
        }
    }

    /// Handles one mouse event: a left click selects, the wheel scrolls.
    pub fn handle_mouse(&mut self, e: MouseEvent) {
        let action = match e.kind {
            MouseEventKind::Down(MouseButton::Left) => Action::Click {
                column: e.column,
                row: e.row,
            },
            MouseEventKind::ScrollDown => Action::Scroll {
                column: e.column,
                row: e.row,
                down: true,
            },
            MouseEventKind::ScrollUp => Action::Scroll {
                column: e.column,
                row: e.row,
                down: false,
            },
            _ => return,
        };
        self.update(action);
    }

    // ----- the one place state changes -----

    pub fn update(&mut self, action: Action) {
        let for_screen = matches!(
            action,
            Action::Resize(..) | Action::Click { .. } | Action::Scroll { .. }
        );
        if let Some(top) = self.popups.len().checked_sub(1)
            && !for_screen
        {
            self.update_popup(top, action);
            return;
        }
        match action {
            Action::Up => self.step(-1),
            Action::Down => self.step(1),
            Action::PageUp => self.step(-(self.tree_height() as i64)),
            Action::PageDown => self.step(self.tree_height() as i64),
            Action::Top => self.step(i64::MIN / 2),
            Action::Bottom => self.step(i64::MAX / 2),
            Action::FocusNext | Action::FocusPrev => {
                let order = [Focus::Tree, Focus::Detail, Focus::Diagnostics];
                let i = order.iter().position(|f| *f == self.focus).unwrap_or(0);
                let n = if action == Action::FocusNext {
                    i + 1
                } else {
                    i + 2
                };
                self.focus = order[n % 3];
            }
            Action::Back => self.focus = Focus::Tree,
            Action::Fold => self.fold(),
            Action::EditRule => {
                if let Some(i) = self.props().iter().position(|p| *p == Prop::Rule) {
                    self.prop_selected = i;
                    self.edit_prop();
                }
            }
            Action::Unfold => self.unfold(),
            Action::Open => {
                if self.selected_has_props() {
                    self.focus = Focus::Detail;
                }
            }
            Action::Nudge(d) => self.nudge(d),
            Action::TypeWeight(c) => self.type_weight(c),
            Action::BalanceEven => self.balance(false),
            Action::BalanceProportional => self.balance(true),
            Action::AddSibling => self.add_sibling(),
            Action::AddInside => self.add_inside(),
            Action::Rename => self.rename(),
            Action::Duplicate => self.duplicate(),
            Action::Delete => self.ask_delete(),
            Action::MoveUp => self.move_by(-1),
            Action::MoveDown => self.move_by(1),
            Action::ToggleOpenQuestion => {
                let node = self.node();
                if let Some(item) = node.item(&self.model) {
                    let flip = if props::raw(&item, Prop::OpenQuestion) == "yes" {
                        "no"
                    } else {
                        "yes"
                    };
                    if let Err(e) = self.set_prop(&node, Prop::OpenQuestion, flip) {
                        self.say(Tone::Error, e);
                    }
                }
            }
            Action::Edit => self.edit_prop(),
            Action::CyclePrev => self.cycle_prop(false),
            Action::CycleNext => self.cycle_prop(true),
            Action::Jump => self.jump(),
            Action::Undo => self.undo(),
            Action::Redo => self.redo(),
            Action::Save => {
                self.save();
            }
            Action::Quit => {
                if self.is_dirty() {
                    self.popups.push(Popup::Confirm(Confirm {
                        title: "Unsaved changes".into(),
                        message: format!(
                            "{} has unsaved changes. Save them before quitting?",
                            self.file_name()
                        ),
                        purpose: ConfirmPurpose::Quit,
                    }));
                } else {
                    self.should_quit = true;
                }
            }
            Action::Find => {
                let mut input = Input::new(
                    "Find a node by name",
                    &self.find_query,
                    false,
                    Purpose::Find,
                );
                input.help = "part of a name or id; Enter keeps the match, n finds the next".into();
                self.popups.push(Popup::Input(input));
            }
            Action::FindNext => self.find(false),
            Action::Help => self.popups.push(Popup::Help { scroll: 0 }),
            Action::NextTheme => {
                self.theme = self.themes.next_after(&self.theme.name);
                self.say(Tone::Info, format!("theme: {}", self.theme.name));
            }
            Action::Click { column, row } => self.click(column, row),
            Action::Scroll { column, row, down } => self.scroll(column, row, down),
            Action::Resize(w, h) => {
                self.size = (w, h);
                self.ensure_visible();
            }
            Action::Submit
            | Action::Cancel
            | Action::Answer(_)
            | Action::NextInput
            | Action::PrevInput
            | Action::Text(_) => {}
        }
    }

    fn update_popup(&mut self, top: usize, action: Action) {
        match action {
            Action::Cancel => {
                if let Some(Popup::Picker(p)) = self.popups.pop()
                    && p.purpose == PickPurpose::Template
                {
                    // No template, no file: leave without creating anything.
                    self.should_quit = true;
                }
            }
            Action::Submit => self.submit(),
            Action::Answer(c) => self.answer(c),
            Action::Up | Action::Down => {
                let down = action == Action::Down;
                match &mut self.popups[top] {
                    Popup::Picker(p) => {
                        let n = p.visible().len();
                        if n > 0 {
                            p.selected = if down {
                                (p.selected + 1) % n
                            } else {
                                (p.selected + n - 1) % n
                            };
                        }
                    }
                    Popup::Help { scroll } => {
                        *scroll = if down {
                            scroll.saturating_add(1)
                        } else {
                            scroll.saturating_sub(1)
                        };
                    }
                    _ => {}
                }
            }
            Action::NextInput | Action::PrevInput => {
                if let Popup::Rule(f) = &mut self.popups[top] {
                    let n = f.inputs.len() + 1;
                    f.focus = if action == Action::NextInput {
                        (f.focus + 1) % n
                    } else {
                        (f.focus + n - 1) % n
                    };
                }
            }
            Action::CyclePrev | Action::CycleNext => {
                if let Popup::Rule(f) = &mut self.popups[top] {
                    f.cycle(action == Action::CycleNext);
                }
            }
            Action::Text(e) => {
                match &mut self.popups[top] {
                    Popup::Input(i) => {
                        i.text.input(e);
                    }
                    Popup::Picker(p) => {
                        p.filter.input(e);
                        // Land on the first real match, past the "new field" entry.
                        p.selected = p
                            .visible()
                            .iter()
                            .position(|i| i.value != NEW_FIELD)
                            .unwrap_or(0);
                    }
                    Popup::Rule(f) => {
                        if f.focus > 0
                            && let Some((_, t)) = f.inputs.get_mut(f.focus - 1)
                        {
                            t.input(e);
                        }
                        f.validate();
                    }
                    _ => {}
                }
                self.validate_input();
            }
            _ => {}
        }
    }

    // ----- selection -----

    fn step(&mut self, by: i64) {
        match self.focus {
            Focus::Tree => {
                let last = self.rows.len().saturating_sub(1) as i64;
                self.selected = (self.selected as i64 + by).clamp(0, last) as usize;
                self.prop_selected = 0;
                self.ensure_visible();
            }
            Focus::Detail => {
                let last = self.props().len().saturating_sub(1) as i64;
                self.prop_selected = (self.prop_selected as i64 + by).clamp(0, last) as usize;
            }
            Focus::Diagnostics => {
                let last = self.diagnostics.len().saturating_sub(1) as i64;
                self.diag_selected = (self.diag_selected as i64 + by).clamp(0, last) as usize;
            }
        }
    }

    fn ensure_visible(&mut self) {
        let h = self.tree_height();
        if self.selected < self.tree_offset {
            self.tree_offset = self.selected;
        } else if self.selected >= self.tree_offset + h {
            self.tree_offset = self.selected + 1 - h;
        }
        let max_offset = self.rows.len().saturating_sub(h);
        self.tree_offset = self.tree_offset.min(max_offset);
    }

    /// Selects a node's row (or, if it is gone, keeps the cursor where it was).
    pub fn select(&mut self, node: &Node) {
        if !self.rows.iter().any(|r| &r.node == node) {
            self.unfold_to(node);
        }
        if let Some(i) = self.rows.iter().position(|r| &r.node == node) {
            if i != self.selected {
                self.prop_selected = 0;
            }
            self.selected = i;
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
        self.ensure_visible();
    }

    /// Unfolds every row above `node` that hides it.
    fn unfold_to(&mut self, node: &Node) {
        let Some(i) = self.all_rows.iter().position(|r| &r.node == node) else {
            return;
        };
        let mut depth = self.all_rows[i].depth;
        for r in self.all_rows[..i].iter().rev() {
            if r.depth < depth {
                self.folded.remove(&r.key);
                depth = r.depth;
            }
        }
        self.rows = visible(&self.all_rows, &self.folded);
    }

    /// Folds the selected row (hiding what is below it), or, when it is folded or holds
    /// nothing, moves to its parent.
    fn fold(&mut self) {
        let Some(row) = self.rows.get(self.selected) else {
            return;
        };
        let holds = self
            .all_rows
            .iter()
            .position(|r| r.node == row.node)
            .is_some_and(|i| {
                self.all_rows
                    .get(i + 1)
                    .is_some_and(|next| next.depth > row.depth)
            });
        if holds && row.hidden == 0 && !row.key.is_empty() {
            self.folded.insert(row.key.clone());
            self.rows = visible(&self.all_rows, &self.folded);
            self.ensure_visible();
        } else if let Some(parent) = self.rows[..self.selected]
            .iter()
            .rposition(|r| r.depth < row.depth)
        {
            self.selected = parent;
            self.prop_selected = 0;
            self.ensure_visible();
        }
    }

    /// Unfolds the selected row, or, when it is not folded, edits it in the detail pane.
    fn unfold(&mut self) {
        let Some(row) = self.rows.get(self.selected) else {
            return;
        };
        if row.hidden > 0 {
            self.folded.remove(&row.key.clone());
            self.rows = visible(&self.all_rows, &self.folded);
            self.ensure_visible();
        } else if self.selected_has_props() {
            self.focus = Focus::Detail;
        }
    }

    /// Rebuilds the rows and the checks after the model changed, keeping the selection.
    fn refresh(&mut self) {
        let node = self.rows.get(self.selected).map(|r| r.node.clone());
        self.all_rows = rows(&self.model);
        self.rows = visible(&self.all_rows, &self.folded);
        let map = self
            .source_map
            .as_ref()
            .filter(|(revision, _)| *revision == self.history.revision())
            .map(|(_, map)| map);
        self.diagnostics = check(&self.model, self.columns.as_deref(), map);
        self.diag_selected = self
            .diag_selected
            .min(self.diagnostics.len().saturating_sub(1));
        self.open_questions = count_open_questions(&self.model);
        if let Some(n) = node {
            self.select(&n);
        }
        self.prop_selected = self.prop_selected.min(self.props().len().saturating_sub(1));
    }

    fn say(&mut self, tone: Tone, text: impl Into<String>) {
        self.message = Some(Message {
            tone,
            text: text.into(),
        });
    }

    fn file_name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| self.path.display().to_string())
    }

    // ----- edits: every change to the model goes through here -----

    /// Applies an operation through the history and selects what it changed.
    pub fn edit(&mut self, op: Op, label: impl Into<String>) -> bool {
        let label = label.into();
        match self
            .history
            .apply(&mut self.model, op.clone(), label.clone())
        {
            Ok(()) => {
                self.refresh();
                if let Some(n) = op.focus(&self.model) {
                    self.select(&n);
                }
                self.say(Tone::Ok, label);
                true
            }
            Err(e) => {
                self.say(Tone::Error, e);
                false
            }
        }
    }

    fn undo(&mut self) {
        match self.history.undo(&mut self.model) {
            None => self.say(Tone::Info, "nothing to undo"),
            Some(Err(e)) => self.say(Tone::Error, e),
            Some(Ok((label, focus))) => {
                self.refresh();
                if let Some(n) = focus {
                    self.select(&n);
                }
                self.say(Tone::Ok, format!("undone: {label}"));
            }
        }
    }

    fn redo(&mut self) {
        match self.history.redo(&mut self.model) {
            None => self.say(Tone::Info, "nothing to redo"),
            Some(Err(e)) => self.say(Tone::Error, e),
            Some(Ok((label, focus))) => {
                self.refresh();
                if let Some(n) = focus {
                    self.select(&n);
                }
                self.say(Tone::Ok, format!("redone: {label}"));
            }
        }
    }

    /// Sets one property of a node from raw text, validated; returns the message when refused.
    fn set_prop(&mut self, node: &Node, prop: Prop, raw: &str) -> Result<(), String> {
        let item = node
            .item(&self.model)
            .ok_or("that node is no longer there")?;
        let new = props::set(&item, prop, raw, &self.model)?;
        if new == item {
            return Ok(());
        }
        let title = item.title();
        if prop == Prop::Weight
            && let Some((list, index)) = node.place()
        {
            let weight = Weight::parse(raw)?;
            self.edit(
                Op::SetWeight {
                    list,
                    index,
                    weight,
                },
                format!("weight of '{title}' set to {weight}%"),
            );
            return Ok(());
        }
        let value = props::display(&new, prop, &self.model);
        let label = match prop.edit_kind() {
            EditKind::Note => format!("note of '{title}' changed"),
            _ => format!(
                "{} of '{title}' set to {}",
                prop.label().to_lowercase(),
                value
            ),
        };
        self.edit(
            Op::Replace {
                node: node.clone(),
                item: new,
            },
            label,
        );
        Ok(())
    }

    fn nudge(&mut self, by: i64) {
        let Some((list, index)) = self.weighted_place() else {
            return;
        };
        let Some(weights) = list.weights(&self.model) else {
            return;
        };
        let Some(old) = weights.get(index).copied() else {
            return;
        };
        let new = Weight((old.0 + by).clamp(0, FULL));
        if new == old {
            self.say(Tone::Info, format!("the weight is already {old}%"));
            return;
        }
        let title = self.item().map(|i| i.title()).unwrap_or_default();
        let op = Op::SetWeight {
            list,
            index,
            weight: new,
        };
        let label = format!("weight of '{title}' set to {new}%");
        // A run of nudges on one weight is one step to undo, unless it would swallow the
        // state that was saved.
        if self.is_dirty() {
            match self.history.merge_weight(&mut self.model, &op, &label) {
                Ok(true) => {
                    self.refresh();
                    self.say(Tone::Ok, label);
                    return;
                }
                Ok(false) => {}
                Err(e) => {
                    self.say(Tone::Error, e);
                    return;
                }
            }
        }
        self.edit(op, label);
    }

    fn type_weight(&mut self, first: Option<char>) {
        let Some(item) = self.item() else { return };
        if self.weighted_place().is_none() {
            return;
        }
        let now = props::raw(&item, Prop::Weight);
        let start = first.map(String::from).unwrap_or_default();
        let mut input = Input::new(
            format!("Weight of '{}'", item.title()),
            &start,
            false,
            Purpose::Prop {
                node: self.node(),
                prop: Prop::Weight,
            },
        );
        input.help = format!("now {now}%: type a percentage from 0 to 100, at most two decimals");
        input.text.set_placeholder_text(now.clone());
        self.popups.push(Popup::Input(input));
        if first.is_some() {
            self.validate_input();
        }
    }

    fn balance(&mut self, proportional: bool) {
        let Some(list) = self.balance_group() else {
            return;
        };
        let Some(weights) = list.weights(&self.model) else {
            return;
        };
        if weights.is_empty() {
            return;
        }
        let sum: i64 = weights.iter().map(|w| w.0).sum();
        let new = if proportional {
            balance_proportional(&weights)
        } else {
            balance_even(&weights)
        };
        if new == weights {
            self.say(
                Tone::Info,
                format!("the {}s already sum to {}", list.what(), describe_sum(sum)),
            );
            return;
        }
        let how = if proportional {
            "proportionally"
        } else {
            "evenly"
        };
        let node = self.node();
        self.edit(
            Op::SetWeights {
                list: list.clone(),
                weights: new,
            },
            format!("{}s balanced {how}: {}% → 100%", list.what(), Weight(sum)),
        );
        self.select(&node);
    }

    /// A new item for a list, with an id no sibling has and a weight that fills the group.
    fn new_item(&self, list: &ListRef) -> Option<Item> {
        let m = &self.model;
        let remainder = list
            .weights(m)
            .map(|w| Weight((FULL - w.iter().map(|w| w.0).sum::<i64>()).clamp(0, FULL)))
            .unwrap_or(Weight::HUNDRED);
        Some(match list {
            ListRef::Journeys => {
                let ids: Vec<&str> = m.journeys.iter().map(|j| j.id.as_str()).collect();
                Item::Journey(Journey {
                    id: unique_id("journey", &ids),
                    name: "New journey".into(),
                    ending: Default::default(),
                    stage: Default::default(),
                    note: None,
                    open_question: false,
                    touchpoints: Vec::new(),
                    adjustments: Vec::new(),
                })
            }
            ListRef::Touchpoints { journey, .. } => {
                let ids = touchpoint_ids(m.journeys.get(*journey)?);
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                let mut t = Touchpoint::new(&unique_id("touchpoint", &ids), remainder);
                t.name = "New touchpoint".into();
                Item::Touchpoint(t)
            }
            ListRef::Signals { .. } => return None,
            ListRef::Adjustments { .. } => Item::Adjustment(Adjustment {
                name: "New adjustment".into(),
                when: Condition {
                    field: m.fields.first().map(|f| f.id.clone()),
                    present: Some(true),
                    ..Condition::default()
                },
                points: -10.0,
                note: None,
            }),
            ListRef::Grades => {
                let ids: Vec<&str> = m.grades.iter().map(|g| g.id.as_str()).collect();
                let bands = [("A", 75.0), ("B", 50.0), ("C", 25.0), ("D", 0.0)]
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v))
                    .collect();
                Item::Grade(Grade {
                    id: unique_id("grade", &ids),
                    journey: m.journeys.first().map(|j| j.id.clone()).unwrap_or_default(),
                    bands,
                })
            }
            ListRef::Tiers => {
                let names: Vec<&str> = m
                    .tiers
                    .iter()
                    .flat_map(|t| t.levels.iter().map(|l| l.name.as_str()))
                    .collect();
                Item::Tier(Tier {
                    name: unique_id("tier", &names),
                    at_least: 0.0,
                    handover: String::new(),
                    sales: None,
                })
            }
            ListRef::Segments => Item::Segment(Segment {
                name: "New segment".into(),
                when: m.fields.first().map(|f| Condition {
                    field: Some(f.id.clone()),
                    present: Some(true),
                    ..Condition::default()
                }),
                action: String::new(),
                route: String::new(),
                note: None,
            }),
            ListRef::Fields => {
                let ids: Vec<&str> = m.fields.iter().map(|f| f.id.as_str()).collect();
                Item::Field(Field::new(&unique_id("new_field", &ids), FieldKind::Number))
            }
        })
    }

    fn insert_new(&mut self, list: ListRef, index: usize) {
        if matches!(list, ListRef::Signals { .. }) {
            self.pick_field(
                PickPurpose::NewSignal { list, index },
                "Field for the new signal",
            );
            return;
        }
        if let Some(item) = self.new_item(&list) {
            let what = list.what();
            let title = item.title();
            if self.edit(
                Op::Insert { list, index, item },
                format!("{what} '{title}' added"),
            ) {
                self.focus = Focus::Tree;
            }
        }
    }

    fn add_sibling(&mut self) {
        let node = self.node();
        if let Some((list, index)) = node.place() {
            self.insert_new(list, index + 1);
        } else if let Some(list) = node.section_list() {
            let len = list.len(&self.model);
            self.insert_new(list, len);
        }
    }

    fn add_inside(&mut self) {
        let node = self.node();
        let choices: Vec<(&str, &str)> = match &node {
            Node::Journey(_) => vec![
                ("touchpoint", "a moment of the journey"),
                ("adjustment", "points outside the 100%"),
            ],
            Node::Touchpoint { journey, path } => {
                let Some(t) = touchpoint(&self.model, *journey, path) else {
                    return;
                };
                if !t.signals.is_empty() {
                    vec![("signal", "")]
                } else if !t.touchpoints.is_empty() {
                    vec![("child", "")]
                } else {
                    vec![
                        ("signal", "a field and its rule"),
                        ("child", "a child touchpoint: a sub-model"),
                    ]
                }
            }
            _ => return self.add_sibling(),
        };
        if let [(only, _)] = choices.as_slice() {
            self.add_inside_as(&node, only);
            return;
        }
        let items = choices
            .iter()
            .map(|(v, d)| PickItem {
                label: (*v).to_string(),
                detail: (*d).to_string(),
                value: (*v).to_string(),
            })
            .collect();
        self.popups.push(Popup::Picker(Picker::new(
            "Add inside",
            items,
            PickPurpose::AddInside { node },
        )));
    }

    fn add_inside_as(&mut self, node: &Node, what: &str) {
        let list = match (node, what) {
            (Node::Journey(j), "touchpoint") => ListRef::Touchpoints {
                journey: *j,
                parent: Vec::new(),
            },
            (Node::Journey(j), "adjustment") => ListRef::Adjustments { journey: *j },
            (Node::Touchpoint { journey, path }, "signal") => ListRef::Signals {
                journey: *journey,
                touchpoint: path.clone(),
            },
            (Node::Touchpoint { journey, path }, "child") => ListRef::Touchpoints {
                journey: *journey,
                parent: path.clone(),
            },
            _ => return,
        };
        let len = list.len(&self.model);
        self.insert_new(list, len);
    }

    fn pick_field(&mut self, purpose: PickPurpose, title: &str) {
        let mut items = vec![PickItem {
            label: "+ new field…".into(),
            detail: "add a field to the model".into(),
            value: NEW_FIELD.into(),
        }];
        let used = crate::model::check::fields_used(&self.model);
        items.extend(self.model.fields.iter().map(|f| PickItem {
            label: f.id.clone(),
            detail: format!(
                "{}{}",
                f.kind.name(),
                if used.contains(f.id.as_str()) {
                    ", in use"
                } else {
                    ""
                }
            ),
            value: f.id.clone(),
        }));
        let mut p = Picker::new(title, items, purpose);
        // Start on the first field, not on "new field", when there are fields.
        p.selected = usize::from(!self.model.fields.is_empty());
        self.popups.push(Popup::Picker(p));
    }

    /// The property `r` renames.
    fn rename_prop(&self) -> Option<Prop> {
        match self.node() {
            Node::Model
            | Node::Journey(_)
            | Node::Touchpoint { .. }
            | Node::Adjustment { .. }
            | Node::Tier(_)
            | Node::Segment(_) => Some(Prop::Name),
            Node::Grade(_) | Node::Field(_) => Some(Prop::Id),
            _ => None,
        }
    }

    fn rename(&mut self) {
        let node = self.node();
        if matches!(node, Node::Signal { .. }) {
            self.pick_field(PickPurpose::SignalField { node }, "Field of the signal");
            return;
        }
        if let Some(prop) = self.rename_prop() {
            self.open_prop_input(node, prop);
        }
    }

    fn open_prop_input(&mut self, node: Node, prop: Prop) {
        let Some(item) = node.item(&self.model) else {
            return;
        };
        let multiline = prop.edit_kind() == EditKind::Note;
        let title = format!("{} of '{}'", prop.label(), item.title());
        let mut input = Input::new(
            title,
            &props::raw(&item, prop),
            multiline,
            Purpose::Prop { node, prop },
        );
        input.help = prop.help().into();
        self.popups.push(Popup::Input(input));
        self.validate_input();
    }

    fn duplicate(&mut self) {
        let node = self.node();
        let Some((list, index)) = node.place() else {
            return;
        };
        let Some(item) = node.item(&self.model) else {
            return;
        };
        let copy = match item {
            Item::Journey(mut j) => {
                let ids: Vec<&str> = self.model.journeys.iter().map(|j| j.id.as_str()).collect();
                j.id = unique_id(&format!("{}_copy", j.id), &ids);
                Item::Journey(j)
            }
            Item::Touchpoint(mut t) => {
                let ids = node
                    .journey()
                    .and_then(|j| self.model.journeys.get(j))
                    .map(touchpoint_ids)
                    .unwrap_or_default();
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                t.id = unique_id(&format!("{}_copy", t.id), &ids);
                Item::Touchpoint(t)
            }
            Item::Grade(mut g) => {
                let ids: Vec<&str> = self.model.grades.iter().map(|g| g.id.as_str()).collect();
                g.id = unique_id(&format!("{}_copy", g.id), &ids);
                Item::Grade(g)
            }
            Item::Field(mut f) => {
                let ids: Vec<&str> = self.model.fields.iter().map(|f| f.id.as_str()).collect();
                f.id = unique_id(&format!("{}_copy", f.id), &ids);
                Item::Field(f)
            }
            Item::Adjustment(mut a) => {
                a.name.push_str(" (copy)");
                Item::Adjustment(a)
            }
            Item::Tier(mut t) => {
                t.name.push_str(" (copy)");
                Item::Tier(t)
            }
            Item::Segment(mut s) => {
                s.name.push_str(" (copy)");
                Item::Segment(s)
            }
            other => other,
        };
        let what = list.what();
        let title = copy.title();
        self.edit(
            Op::Insert {
                list,
                index: index + 1,
                item: copy,
            },
            format!("{what} duplicated as '{title}'"),
        );
    }

    fn ask_delete(&mut self) {
        let node = self.node();
        let Some((list, _)) = node.place() else {
            return;
        };
        let Some(item) = node.item(&self.model) else {
            return;
        };
        let inside = match &item {
            Item::Journey(j) => format!(" and its {} touchpoints", j.touchpoints.len()),
            Item::Touchpoint(t) if !t.signals.is_empty() => {
                format!(" and its {} signals", t.signals.len())
            }
            Item::Touchpoint(t) if !t.touchpoints.is_empty() => {
                format!(" and its {} child touchpoints", t.touchpoints.len())
            }
            _ => String::new(),
        };
        self.popups.push(Popup::Confirm(Confirm {
            title: format!("Delete {}", list.what()),
            message: format!(
                "Delete {} '{}'{inside}? Undo (u) brings it back.",
                list.what(),
                item.title()
            ),
            purpose: ConfirmPurpose::Delete(node),
        }));
    }

    fn move_by(&mut self, by: i64) {
        let node = self.node();
        let Some((list, from)) = node.place() else {
            return;
        };
        let to = from as i64 + by;
        if to < 0 || to >= list.len(&self.model) as i64 {
            self.say(
                Tone::Info,
                format!(
                    "the {} is already {}",
                    list.what(),
                    if by < 0 { "first" } else { "last" }
                ),
            );
            return;
        }
        let title = self.item().map(|i| i.title()).unwrap_or_default();
        let dir = if by < 0 { "up" } else { "down" };
        self.edit(
            Op::Move {
                list,
                from,
                to: to as usize,
            },
            format!("'{title}' moved {dir}"),
        );
    }

    fn edit_prop(&mut self) {
        let Some(prop) = self.prop() else { return };
        let node = self.node();
        let Some(item) = node.item(&self.model) else {
            return;
        };
        match prop.edit_kind() {
            EditKind::Toggle | EditKind::Choice(_) => self.cycle_prop(true),
            EditKind::Weight => self.type_weight(None),
            EditKind::Line | EditKind::Note => self.open_prop_input(node, prop),
            EditKind::PickField => {
                self.pick_field(PickPurpose::SignalField { node }, "Field of the signal")
            }
            EditKind::PickJourney => {
                let items = self
                    .model
                    .journeys
                    .iter()
                    .map(|j| PickItem {
                        label: j.id.clone(),
                        detail: j.title().to_string(),
                        value: j.id.clone(),
                    })
                    .collect();
                self.popups.push(Popup::Picker(Picker::new(
                    "Journey",
                    items,
                    PickPurpose::Journey { node, prop },
                )));
            }
            EditKind::Rule => {
                if let Item::Signal(s) = item {
                    let words = props::field_words(&self.model, &s.field);
                    self.popups
                        .push(Popup::Rule(RuleForm::new(node, words, &s.rule)));
                }
            }
        }
    }

    fn cycle_prop(&mut self, forward: bool) {
        let Some(prop) = self.prop() else { return };
        let node = self.node();
        let Some(item) = node.item(&self.model) else {
            return;
        };
        let now = props::raw(&item, prop);
        let next = match prop.edit_kind() {
            EditKind::Toggle => if now == "yes" { "no" } else { "yes" }.to_string(),
            EditKind::Choice(options) => {
                let n = options.len();
                let i = options.iter().position(|o| *o == now).unwrap_or(0);
                options[if forward {
                    (i + 1) % n
                } else {
                    (i + n - 1) % n
                }]
                .to_string()
            }
            _ => return,
        };
        if let Err(e) = self.set_prop(&node, prop, &next) {
            self.say(Tone::Error, e);
        }
    }

    // ----- pop-ups -----

    /// Validates what the top text box holds, and says what keeping it would do.
    fn validate_input(&mut self) {
        let Some(Popup::Input(input)) = self.popups.last() else {
            return;
        };
        let value = input.value();
        let (mut error, mut info) = (None, None);
        match input.purpose.clone() {
            Purpose::Prop { node, prop } => match node.item(&self.model) {
                None => error = Some("that node is no longer there".to_string()),
                Some(item) => match props::set(&item, prop, &value, &self.model) {
                    Err(e) => error = Some(e),
                    Ok(new) => {
                        if prop == Prop::Weight
                            && let (Some((list, index)), Ok(w)) =
                                (node.place(), Weight::parse(&value))
                            && let Some(ws) = list.weights(&self.model)
                        {
                            let sum: i64 = ws
                                .iter()
                                .enumerate()
                                .map(|(i, x)| if i == index { w.0 } else { x.0 })
                                .sum();
                            info = Some(format!(
                                "the {}s would sum to {}",
                                list.what(),
                                describe_sum(sum)
                            ));
                        } else if matches!(prop, Prop::When | Prop::Decay | Prop::Bands) {
                            info = Some(props::display(&new, prop, &self.model));
                        }
                    }
                },
            },
            Purpose::Find => {
                let n = self.matches(&value).len();
                if !value.trim().is_empty() {
                    if n == 0 {
                        error = Some(format!("no node is named like '{}'", value.trim()));
                    } else {
                        info = Some(format!("{n} match{}", if n == 1 { "" } else { "es" }));
                        self.find_query = value.clone();
                        self.find(true);
                    }
                }
            }
            Purpose::NewFieldId { .. } => {
                let t = value.trim();
                if t.is_empty() {
                    error = Some("a field needs an id".into());
                } else if self.model.fields.iter().any(|f| f.id == t) {
                    error = Some(format!("there is already a field '{t}'"));
                } else if let Some(c) = t
                    .chars()
                    .find(|c| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
                {
                    error = Some(format!("an id holds letters, digits, _ and -, not '{c}'"));
                }
            }
        }
        if let Some(Popup::Input(input)) = self.popups.last_mut() {
            input.error = error;
            input.info = info;
        }
    }

    fn submit(&mut self) {
        match self.popups.pop() {
            Some(Popup::Input(input)) => {
                let value = input.value();
                let result = match &input.purpose {
                    Purpose::Prop { node, prop } => self.set_prop(node, *prop, &value),
                    Purpose::Find => Ok(()),
                    Purpose::NewFieldId { then } => {
                        if input.error.is_some() {
                            Err(input.error.clone().unwrap_or_default())
                        } else {
                            let items = FieldKind::ALL
                                .iter()
                                .map(|k| PickItem {
                                    label: k.name().into(),
                                    detail: String::new(),
                                    value: k.name().into(),
                                })
                                .collect();
                            let purpose = PickPurpose::NewFieldKind {
                                id: value.trim().to_string(),
                                then: then.clone(),
                            };
                            self.popups.push(Popup::Picker(Picker::new(
                                format!("Kind of field '{}'", value.trim()),
                                items,
                                purpose,
                            )));
                            Ok(())
                        }
                    }
                };
                if let Err(e) = result {
                    // Keep the box open with what was typed, and say why it cannot be kept.
                    let mut input = input;
                    input.error = Some(e);
                    self.popups.push(Popup::Input(input));
                }
            }
            Some(Popup::Picker(p)) => {
                let Some(choice) = p.current().cloned() else {
                    self.popups.push(Popup::Picker(p));
                    return;
                };
                self.picked(p.purpose, choice.value);
            }
            Some(Popup::Rule(form)) => match form.result.clone() {
                Ok(rule) => {
                    let node = form.node.clone();
                    if let Some(Item::Signal(mut s)) = node.item(&self.model)
                        && s.rule != rule
                    {
                        let words = props::describe_rule(&rule, &form.field);
                        s.rule = rule;
                        let field = s.field.clone();
                        self.edit(
                            Op::Replace {
                                node,
                                item: Item::Signal(s),
                            },
                            format!("rule of '{field}': {words}"),
                        );
                    }
                }
                Err(e) => {
                    self.popups.push(Popup::Rule(form));
                    self.say(Tone::Error, e);
                }
            },
            Some(other) => self.popups.push(other),
            None => {}
        }
    }

    fn picked(&mut self, purpose: PickPurpose, value: String) {
        match purpose {
            PickPurpose::NewSignal { list, index } => {
                if value == NEW_FIELD {
                    self.ask_field_id(FieldTarget::NewSignal { list, index });
                    return;
                }
                if let Some(op) = self.new_signal_op(&list, index, &value, None) {
                    self.edit(op, format!("signal on '{value}' added"));
                }
            }
            PickPurpose::SignalField { node } => {
                if value == NEW_FIELD {
                    self.ask_field_id(FieldTarget::SignalField { node });
                    return;
                }
                if let Some(op) = self.signal_field_op(&node, &value, None) {
                    self.edit(op, format!("signal now reads '{value}'"));
                }
            }
            PickPurpose::Journey { node, prop } => {
                if let Err(e) = self.set_prop(&node, prop, &value) {
                    self.say(Tone::Error, e);
                }
            }
            PickPurpose::AddInside { node } => self.add_inside_as(&node, &value),
            PickPurpose::Template => self.create_from_template(&value),
            PickPurpose::NewFieldKind { id, then } => {
                let kind = FieldKind::ALL
                    .iter()
                    .copied()
                    .find(|k| k.name() == value)
                    .unwrap_or(FieldKind::Number);
                let field = Field::new(&id, kind);
                let add = Op::Insert {
                    list: ListRef::Fields,
                    index: self.model.fields.len(),
                    item: Item::Field(field.clone()),
                };
                let then_op = match &then {
                    FieldTarget::Nothing => None,
                    FieldTarget::NewSignal { list, index } => {
                        self.new_signal_op(list, *index, &id, Some(&field))
                    }
                    FieldTarget::SignalField { node } => {
                        self.signal_field_op(node, &id, Some(&field))
                    }
                };
                let (op, label) = match then_op {
                    // The signal goes last, so that the new signal is what gets selected.
                    Some(o) => (
                        Op::Batch(vec![add, o]),
                        format!("field '{id}' added, with its signal"),
                    ),
                    None => (add, format!("field '{id}' added")),
                };
                self.edit(op, label);
            }
        }
    }

    fn ask_field_id(&mut self, then: FieldTarget) {
        let mut input = Input::new(
            "Id of the new field",
            "",
            false,
            Purpose::NewFieldId { then },
        );
        input.help =
            "the contacts column it reads, by default: visits, industry, last_login".into();
        self.popups.push(Popup::Input(input));
        self.validate_input();
    }

    fn field_kind(&self, id: &str, new: Option<&Field>) -> FieldKind {
        new.filter(|f| f.id == id)
            .or_else(|| self.model.fields.iter().find(|f| f.id == id))
            .map_or(FieldKind::Number, |f| f.kind)
    }

    fn new_signal_op(
        &self,
        list: &ListRef,
        index: usize,
        field: &str,
        new: Option<&Field>,
    ) -> Option<Op> {
        let weights = list.weights(&self.model)?;
        let left = (FULL - weights.iter().map(|w| w.0).sum::<i64>()).clamp(0, FULL);
        let signal = Signal {
            field: field.to_string(),
            weight: Weight(left),
            rule: Rule::default_for(self.field_kind(field, new)),
            decay: None,
            note: None,
        };
        Some(Op::Insert {
            list: list.clone(),
            index,
            item: Item::Signal(signal),
        })
    }

    fn signal_field_op(&self, node: &Node, field: &str, new: Option<&Field>) -> Option<Op> {
        let Some(Item::Signal(mut s)) = node.item(&self.model) else {
            return None;
        };
        s.field = field.to_string();
        let kind = self.field_kind(field, new);
        if !s.rule.fits(kind) {
            s.rule = Rule::default_for(kind);
        }
        Some(Op::Replace {
            node: node.clone(),
            item: Item::Signal(s),
        })
    }

    fn answer(&mut self, c: char) {
        let Some(Popup::Confirm(confirm)) = self.popups.pop() else {
            return;
        };
        match (confirm.purpose, c) {
            (ConfirmPurpose::Delete(node), 'y') => {
                if let Some((list, index)) = node.place() {
                    let title = node
                        .item(&self.model)
                        .map(|i| i.title())
                        .unwrap_or_default();
                    self.edit(
                        Op::Remove {
                            list: list.clone(),
                            index,
                        },
                        format!("{} '{title}' deleted", list.what()),
                    );
                }
            }
            (ConfirmPurpose::Quit, 's') => self.should_quit = self.save(),
            (ConfirmPurpose::Quit, 'd') => self.should_quit = true,
            _ => {}
        }
    }

    /// Writes the model to its file, atomically. Returns whether it was written.
    pub fn save(&mut self) -> bool {
        match crate::model::write_model(&self.model, &self.path) {
            Ok(()) => {
                self.saved_revision = self.history.revision();
                let text = crate::model::to_yaml(&self.model);
                self.source_map = Some((self.saved_revision, SourceMap::new(&text)));
                self.refresh();
                let mut text = format!("saved to {}", self.path.display());
                if std::mem::take(&mut self.comments_in_file) {
                    text.push_str(" (the comments of the original file are not kept)");
                }
                self.say(Tone::Ok, text);
                true
            }
            Err(e) => {
                self.say(Tone::Error, format!("{e:#}"));
                false
            }
        }
    }

    // ----- finding and jumping -----

    /// The rows whose title or detail holds the query, ignoring case.
    /// Indices into `all_rows`: folded rows are found too, and unfolded when selected.
    pub fn matches(&self, query: &str) -> Vec<usize> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return Vec::new();
        }
        self.all_rows
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                let id = r.node.item(&self.model).map(|i| match i {
                    Item::Journey(j) => j.id,
                    Item::Touchpoint(t) => t.id,
                    _ => String::new(),
                });
                r.title.to_lowercase().contains(&q)
                    || id.is_some_and(|id| id.to_lowercase().contains(&q))
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Selects the first match (`from_start`) or the next one after the selection.
    fn find(&mut self, from_start: bool) {
        let hits = self.matches(&self.find_query);
        if hits.is_empty() {
            if !self.find_query.is_empty() {
                self.say(
                    Tone::Warning,
                    format!("no node is named like '{}'", self.find_query),
                );
            }
            return;
        }
        let here = self.node();
        let at = self
            .all_rows
            .iter()
            .position(|r| r.node == here)
            .unwrap_or(0);
        let next = if from_start {
            hits[0]
        } else {
            hits.iter().copied().find(|&i| i > at).unwrap_or(hits[0])
        };
        let node = self.all_rows[next].node.clone();
        self.select(&node);
        self.focus = Focus::Tree;
    }

    fn jump(&mut self) {
        let Some(d) = self.diagnostics.get(self.diag_selected) else {
            return;
        };
        let (node, prop) = node_of_path(&d.path);
        self.select(&node);
        self.focus = Focus::Tree;
        if let Some(i) = prop.and_then(|p| self.props().iter().position(|q| *q == p)) {
            self.prop_selected = i;
            self.focus = Focus::Detail;
        }
    }

    // ----- the mouse -----

    fn click(&mut self, column: u16, row: u16) {
        if let Some(Popup::Help { .. }) = self.popups.last() {
            self.popups.pop();
            return;
        }
        if !self.popups.is_empty() {
            return;
        }
        let a = view::layout(Rect::new(0, 0, self.size.0, self.size.1));
        let inside =
            |r: Rect| column > r.x && column + 1 < r.right() && row > r.y && row + 1 < r.bottom();
        if inside(a.tree) {
            let i = self.tree_offset + (row - a.tree.y - 1) as usize;
            if i < self.rows.len() {
                if self.selected != i {
                    self.prop_selected = 0;
                }
                self.selected = i;
            }
            self.focus = Focus::Tree;
        } else if inside(a.detail) {
            self.focus = Focus::Detail;
            if let Some(i) = view::detail_prop_at(self, a.detail, row) {
                self.prop_selected = i;
            }
        } else if inside(a.diagnostics) {
            self.focus = Focus::Diagnostics;
            let offset = view::list_offset(
                self.diag_selected,
                a.diagnostics.height.saturating_sub(2) as usize,
            );
            let i = offset + (row - a.diagnostics.y - 1) as usize;
            if i < self.diagnostics.len() {
                self.diag_selected = i;
            }
        }
    }

    fn scroll(&mut self, column: u16, row: u16, down: bool) {
        if let Some(Popup::Help { scroll }) = self.popups.last_mut() {
            *scroll = if down {
                scroll.saturating_add(3)
            } else {
                scroll.saturating_sub(3)
            };
            return;
        }
        let a = view::layout(Rect::new(0, 0, self.size.0, self.size.1));
        let at = |r: Rect| r.contains(ratatui::layout::Position { x: column, y: row });
        if at(a.tree) {
            let max = self.rows.len().saturating_sub(self.tree_height());
            self.tree_offset = if down {
                (self.tree_offset + 3).min(max)
            } else {
                self.tree_offset.saturating_sub(3)
            };
        } else if at(a.diagnostics) {
            let last = self.diagnostics.len().saturating_sub(1);
            self.diag_selected = if down {
                (self.diag_selected + 1).min(last)
            } else {
                self.diag_selected.saturating_sub(1)
            };
        } else if at(a.detail) {
            let last = self.props().len().saturating_sub(1);
            self.prop_selected = if down {
                (self.prop_selected + 1).min(last)
            } else {
                self.prop_selected.saturating_sub(1)
            };
        }
    }
}

/// The value of the template list's entry for an empty model.
const EMPTY_TEMPLATE: &str = "\u{0}empty";

/// The smallest model the designer starts from: one journey to add touchpoints to.
const EMPTY_MODEL: &str = "name: New model\nfields: []\njourneys:\n  - id: journey\n    name: New journey\n    touchpoints: []\n";

fn touchpoint_ids(j: &Journey) -> Vec<String> {
    fn walk(t: &Touchpoint, out: &mut Vec<String>) {
        out.push(t.id.clone());
        for c in &t.touchpoints {
            walk(c, out);
        }
    }
    let mut out = Vec::new();
    for t in &j.touchpoints {
        walk(t, &mut out);
    }
    out
}

fn count_open_questions(m: &Model) -> usize {
    fn tp(t: &Touchpoint) -> usize {
        usize::from(t.open_question) + t.touchpoints.iter().map(tp).sum::<usize>()
    }
    m.journeys
        .iter()
        .map(|j| usize::from(j.open_question) + j.touchpoints.iter().map(tp).sum::<usize>())
        .sum()
}

/// The node (and property) a diagnostic's path points at: the deepest node the tree shows.
pub fn node_of_path(path: &[Seg]) -> (Node, Option<Prop>) {
    let key = |i: usize| match path.get(i) {
        Some(Seg::Key(k)) => Some(k.as_str()),
        _ => None,
    };
    let index = |i: usize| match path.get(i) {
        Some(Seg::Index(n)) => Some(*n),
        _ => None,
    };
    let prop_at = |i: usize| -> Option<Prop> {
        Some(match key(i)? {
            "weight" => Prop::Weight,
            "rule" => Prop::Rule,
            "field" => Prop::Field,
            "id" => Prop::Id,
            "name" => Prop::Name,
            "when" => Prop::When,
            "points" => Prop::Points,
            "at_least" => Prop::AtLeast,
            "bands" => Prop::Bands,
            "journey" => Prop::Journey,
            "pillars" => Prop::Pillar(crate::model::Pillar::Integrity),
            "decay" => Prop::Decay,
            "kind" => Prop::FieldKind,
            _ => return None,
        })
    };
    match key(0) {
        Some("journeys") => {
            let Some(j) = index(1) else {
                return (Node::Journeys, None);
            };
            let mut node = Node::Journey(j);
            let mut tp_path = Vec::new();
            let mut i = 2;
            loop {
                match (key(i), index(i + 1)) {
                    (Some("touchpoints"), Some(k)) => {
                        tp_path.push(k);
                        node = Node::Touchpoint {
                            journey: j,
                            path: tp_path.clone(),
                        };
                    }
                    (Some("signals"), Some(s)) if !tp_path.is_empty() => {
                        return (
                            Node::Signal {
                                journey: j,
                                touchpoint: tp_path,
                                index: s,
                            },
                            prop_at(i + 2),
                        );
                    }
                    (Some("adjustments"), Some(a)) => {
                        return (
                            Node::Adjustment {
                                journey: j,
                                index: a,
                            },
                            prop_at(i + 2),
                        );
                    }
                    _ => return (node, prop_at(i)),
                }
                i += 2;
            }
        }
        Some("grades") => match index(1) {
            Some(g) => (Node::Grade(g), prop_at(2)),
            None => (Node::Grades, None),
        },
        Some("matrix") => (Node::Grades, None),
        Some("tiers") => match (key(1), index(2)) {
            (Some("levels"), Some(t)) => (Node::Tier(t), prop_at(3)),
            (Some("journey"), _) => (Node::Tiers, Some(Prop::Journey)),
            _ => (Node::Tiers, None),
        },
        Some("segments") => match index(1) {
            Some(s) => (Node::Segment(s), prop_at(2)),
            None => (Node::Segments, None),
        },
        Some("fields") => match index(1) {
            Some(f) => (Node::Field(f), prop_at(2)),
            None => (Node::Fields, None),
        },
        _ => (Node::Model, None),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn paths_lead_to_nodes() {
        let p = vec![
            Seg::Key("journeys".into()),
            Seg::Index(1),
            Seg::Key("touchpoints".into()),
            Seg::Index(2),
            Seg::Key("touchpoints".into()),
            Seg::Index(0),
            Seg::Key("signals".into()),
            Seg::Index(3),
            Seg::Key("rule".into()),
        ];
        assert_eq!(
            node_of_path(&p),
            (
                Node::Signal {
                    journey: 1,
                    touchpoint: vec![2, 0],
                    index: 3
                },
                Some(Prop::Rule)
            )
        );
        let p = vec![
            Seg::Key("journeys".into()),
            Seg::Index(0),
            Seg::Key("touchpoints".into()),
        ];
        assert_eq!(node_of_path(&p), (Node::Journey(0), None));
        let p = vec![
            Seg::Key("tiers".into()),
            Seg::Key("levels".into()),
            Seg::Index(1),
            Seg::Key("at_least".into()),
        ];
        assert_eq!(node_of_path(&p), (Node::Tier(1), Some(Prop::AtLeast)));
    }
}
