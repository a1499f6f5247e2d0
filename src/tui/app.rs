//! The designer's state and the one place it changes: `App::update(Action)`.
//!
//! Keys and mouse events become `Action`s (through the key map); `update` turns an action into
//! edit operations on the model (through the history, so undo can take them back), selection
//! moves, or pop-ups. After every edit the tree rows and the checks are rebuilt, so the views
//! only read what is here. Invariant: the model changes only in `App::edit`, `App::undo` and
//! `App::redo`, each of which goes through `History`.

mod accounts;
mod dialogs;
pub mod disk;
mod edits;
mod map;
mod preview;

use super::history::History;
use super::keys::{KeyMap, Mode};
use super::ops::{Item, ListRef, Node, Op, touchpoint, unique_id};
use super::popups::{
    Confirm, ConfirmPurpose, FieldTarget, Input, NEW_FIELD, PickItem, PickPurpose, Picker, Popup,
    Purpose, RuleForm,
};
use super::preview::{Panel, Preview};
use super::props::{self, EditKind, Prop};
use super::theme::{Theme, Themes};
use super::tree::{Row, rows, visible};
use super::tuning::Tuning;
use super::view;
use crate::model::check::{Diagnostic, Severity, check};
use crate::model::weight::{FULL, balance_even, balance_proportional, describe_sum};
use crate::model::{
    Adjustment, Condition, Expectation, Field, FieldKind, Grade, Journey, Model, ModelFile,
    OneOrMany, Persona, Rule, Seg, Segment, Signal, SourceMap, Tier, Touchpoint, Weight,
};
use ratatui::crossterm::event::{KeyEvent, KeyEventKind, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use std::collections::HashSet;
use std::path::PathBuf;

/// The screens of the designer; each has its module under `view/`, and `view::draw`
/// dispatches on it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Screen {
    /// The tree, the detail pane and the checks: authoring the model.
    #[default]
    Design,
    /// The model against sample contacts: scores, what-if, explanations, pictures.
    Preview,
    /// The journeys as lanes of touchpoint cards, or the Six Pillars grid.
    Map(super::map::MapState),
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
    /// Equal shares of 100%.
    BalanceEven,
    /// The difference to 100% spread evenly over the weights.
    BalanceSpread,
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
    /// Switch between the design screen and the preview.
    TogglePreview,
    /// The preview's side panel: the next one, the one before.
    NextPanel,
    PrevPanel,
    /// Sort the contacts by the next column; reverse the order.
    SortNext,
    SortReverse,
    /// Filter the contacts by text; by tier, segment or rating; show them all again.
    FilterText,
    FilterPick,
    ClearFilter,
    /// Scroll the preview's side panel by this many lines.
    ScrollPanel(i64),
    /// Make the current model the baseline of the what-if.
    PinBaseline,
    /// Preview another contacts file.
    OpenContacts,
    /// Suggest weights from the outcome column, in the background.
    Tune,
    /// Accept the selected suggested weight; every suggested weight.
    AcceptWeight,
    AcceptAll,
    /// Suggest signals from the columns the model does not use, in the background.
    SuggestSignals,
    /// Add the selected suggested signal (its field and touchpoint) as one edit.
    AcceptSignal,
    /// Move each tier with a `capacity:` to the threshold that fits it.
    FitCapacity,
    /// Switch between the journey map and the model tree.
    ToggleMap,
    /// The map: the board of cards or the Six Pillars grid.
    ToggleGrid,
    /// The map: the card before, the card after, along the lane.
    CardPrev,
    CardNext,
    /// The preview: the what-if about the next (or previous) journey.
    FollowJourney(i64),
    /// The preview: scroll the table's columns sideways by this many.
    ScrollColumns(i64),
    /// The preview: the table takes the side panel's room, or gives it back.
    WideTable,
    /// The preview: the accounts table instead of the contacts, or back.
    ToggleAccounts,
    /// The accounts table: the selected account's contacts, or back to the accounts.
    DrillAccount,
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
    pub(crate) saved_revision: u64,
    /// Recovery copy, backup and changed-on-disk check (`recovery`); none in tests.
    pub guard: Option<super::recovery::Guard>,
    /// The file on disk, watched while open (`disk`).
    pub disk: disk::DiskWatch,
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
    /// The sample contacts scored, when any are loaded.
    pub preview: Option<Preview>,
    /// Why the last contacts file could not be previewed.
    pub preview_error: Option<String>,
    /// A large contacts file being read in the background.
    pub loading: Option<super::preview::Loading>,
    /// Contacts files at least this large are read in the background.
    pub async_load_bytes: u64,
    /// The model the what-if measures from: as opened, or as last pinned.
    pub baseline_model: Model,
    pub panel: Panel,
    /// How far the side panel is scrolled (lines, or journeys for the pillars).
    pub panel_scroll: usize,
    pub tuning: Tuning,
    /// The suggested signals, once asked for.
    pub signals: super::signals::Signals,
    /// The personas scored, and the model they were scored with.
    pub personas: Vec<crate::engine::PersonaResult>,
    personas_model: Option<Model>,
    /// The samples the preview shows, when it shows the model's own (none: it shows a file).
    samples_in_preview: Option<Vec<crate::tui::ops::Sample>>,
    /// Contact sets at least this large are scored on a worker thread.
    pub worker_min_rows: usize,
}

impl App {
    /// A designer on a model, with the built-in default theme and no terminal: what tests use.
    pub fn new(model: Model, path: PathBuf) -> App {
        let themes = Themes::built_in();
        let theme = themes.get(&themes.chosen);
        let baseline_model = model.clone();
        let mut app = App {
            model,
            path,
            contacts: None,
            columns: None,
            history: History::default(),
            saved_revision: 0,
            guard: None,
            disk: disk::DiskWatch::new(baseline_model.clone()),
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
            preview: None,
            preview_error: None,
            loading: None,
            async_load_bytes: super::preview::ASYNC_LOAD_BYTES,
            baseline_model,
            panel: Panel::default(),
            panel_scroll: 0,
            tuning: Tuning::default(),
            signals: Default::default(),
            personas: Vec::new(),
            personas_model: None,
            samples_in_preview: None,
            worker_min_rows: super::preview::WORKER_MIN_ROWS,
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
        let mut app = App::new(file.model, file.path);
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
                self.baseline_model = self.model.clone();
                self.history = History::default();
                self.saved_revision = 0;
                self.rows.clear();
                self.folded.clear();
                self.selected = 0;
                self.set_contacts(contacts);
                if let Some(g) = &mut self.guard {
                    // The file exists now: it is what was opened.
                    g.opened(std::fs::read(&self.path).ok().as_deref());
                }
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
        // A FIFO (or device) would block the designer's one thread until a writer came, and
        // Esc, q and Ctrl-C with it: it is never opened, and said in the preview.
        let refused = path.as_deref().and_then(|p| {
            crate::files::not_regular(p).map(|why| format!("{}: {why}", p.display()))
        });
        self.contacts = path.filter(|_| refused.is_none());
        self.columns = None;
        if let Some(why) = refused {
            self.say(Tone::Error, why.clone());
            self.preview = None;
            self.preview_error = Some(why);
            self.refresh();
            return;
        }
        if let Some(p) = &self.contacts {
            match crate::contacts::ContactsReader::open(p) {
                Ok(r) => self.columns = Some(r.headers().to_vec()),
                Err(e) => self.say(Tone::Warning, format!("{e:#}")),
            }
        }
        self.load_preview();
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
            None => self.pane_mode(),
        }
    }

    /// The mode of the screen's focused pane, under any pop-up: whose keys help lists first.
    pub fn pane_mode(&self) -> Mode {
        if self.on_map() {
            return Mode::Map;
        }
        if self.screen == Screen::Preview {
            return if self.panel == Panel::Tuning && self.tuning.suggestion().is_some() {
                Mode::Tuning
            } else if self.panel == Panel::Signals && self.signals.list().is_some() {
                Mode::Signals
            } else {
                Mode::Preview
            };
        }
        match self.focus {
            Focus::Tree => Mode::Tree,
            Focus::Detail => Mode::Detail,
            Focus::Diagnostics => Mode::Diagnostics,
        }
    }

    /// The weighted list the selected node is an item of, and its index there.
    pub fn weighted_place(&self) -> Option<(ListRef, usize)> {
        self.node().place().filter(|(l, _)| l.is_weighted())
    }

    /// The weighted group that balancing works on: the selected node's siblings, or, on a
    /// journey or a touchpoint with children, its children (a composite's: its parts).
    pub fn balance_group(&self) -> Option<ListRef> {
        if let Some((list, _)) = self.weighted_place() {
            return Some(list);
        }
        journey_group(&self.model, &self.node())
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
    /// An item of a list that can be duplicated, moved or deleted here (at the account level
    /// the tree edits weights and words only: `is_structural`).
    pub fn selected_is_item(&self) -> bool {
        let node = self.node();
        node.place().is_some() && !node.is_account()
    }
    pub fn can_add_sibling(&self) -> bool {
        self.selected_is_item() || self.node().section_list().is_some()
    }
    pub fn can_add_inside(&self) -> bool {
        matches!(self.node(), Node::Journey(_) | Node::Touchpoint { .. })
            || self.node().section_list().is_some()
    }
    pub fn can_rename(&self) -> bool {
        !self.node().is_account()
            && (self.rename_prop().is_some() || matches!(self.node(), Node::Signal { .. }))
    }
    /// Without colour (`NO_COLOR`) there is no theme to switch to, and nothing to write.
    pub fn can_switch_theme(&self) -> bool {
        !self.theme.is_plain()
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
                let why = if self.node().is_account() && is_structural(&b.action) {
                    format!(": {AT_THE_ACCOUNT_LEVEL}")
                } else {
                    String::new()
                };
                self.say(
                    Tone::Info,
                    format!("{} does not work here{why}", b.keys_text()),
                );
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
        if self.screen == Screen::Preview && self.update_preview(&action) {
            return;
        }
        if let Screen::Map(state) = self.screen
            && self.update_map(state, &action)
        {
            return;
        }
        if self.node().is_account() && is_structural(&action) {
            self.say(Tone::Info, AT_THE_ACCOUNT_LEVEL);
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
            Action::BalanceEven => self.balance(edits::Balance::Equal),
            Action::BalanceSpread => self.balance(edits::Balance::Spread),
            Action::BalanceProportional => self.balance(edits::Balance::Proportional),
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
                match self.themes.remember(&self.theme.name) {
                    Ok(Some(path)) => self.say(
                        Tone::Info,
                        format!("theme: {} (kept in {})", self.theme.name, path.display()),
                    ),
                    Ok(None) => self.say(Tone::Info, format!("theme: {}", self.theme.name)),
                    Err(e) => self.say(
                        Tone::Warning,
                        format!("theme: {} (not kept: {e})", self.theme.name),
                    ),
                }
            }
            Action::ToggleMap => self.toggle_map(),
            // Only the map has cards and a grid.
            Action::ToggleGrid | Action::CardPrev | Action::CardNext => {}
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
            Action::TogglePreview
            | Action::NextPanel
            | Action::PrevPanel
            | Action::SortNext
            | Action::SortReverse
            | Action::FilterText
            | Action::FilterPick
            | Action::ClearFilter
            | Action::PinBaseline
            | Action::ScrollPanel(_)
            | Action::OpenContacts
            | Action::Tune
            | Action::AcceptWeight
            | Action::AcceptAll
            | Action::SuggestSignals
            | Action::AcceptSignal
            | Action::FitCapacity
            | Action::FollowJourney(_)
            | Action::ScrollColumns(_)
            | Action::WideTable => self.preview_action(action),
            Action::ToggleAccounts | Action::DrillAccount => self.accounts_action(&action),
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
            Action::PageUp | Action::PageDown => {
                if let Popup::Help { scroll } = &mut self.popups[top] {
                    let page = self.size.1.saturating_sub(6).max(1);
                    *scroll = if action == Action::PageDown {
                        scroll.saturating_add(page)
                    } else {
                        scroll.saturating_sub(page)
                    };
                }
            }
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
                        use ratatui::crossterm::event::KeyCode;
                        use ratatui_textarea::CursorMove;
                        // An arrow on the pre-selected old text keeps it, as in every editor:
                        // the cursor goes to the start or the end of the selection.
                        match e.code {
                            KeyCode::Left | KeyCode::Home if i.text.is_selecting() => {
                                i.text.cancel_selection();
                                i.text.move_cursor(CursorMove::Head);
                            }
                            KeyCode::Right | KeyCode::End if i.text.is_selecting() => {
                                i.text.cancel_selection();
                                i.text.move_cursor(CursorMove::End);
                            }
                            _ => {
                                i.text.input(e);
                            }
                        }
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
        self.sync_preview();
        let map = self
            .source_map
            .as_ref()
            .filter(|(revision, _)| *revision == self.history.revision())
            .map(|(_, map)| map);
        self.diagnostics = check(&self.model, self.columns.as_deref(), map);
        // Personas that get something other than agreed are errors, as `check` reports them.
        self.diagnostics
            .extend(crate::engine::personas::persona_diagnostics(
                &self.personas,
                map,
            ));
        // Errors first: a long list of warnings must not hide one.
        self.diagnostics.sort_by_key(|d| d.severity);
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
                    self.follow_edited(&n);
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
                    self.follow_edited(&n);
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
                    self.follow_edited(&n);
                }
                self.say(Tone::Ok, format!("redone: {label}"));
            }
        }
    }

    /// Writes the model to its file, atomically. Returns whether it was written.
    pub fn save(&mut self) -> bool {
        if self.ask_before_overwrite() {
            return false;
        }
        let before = std::fs::read_to_string(&self.path).ok();
        match self.write_file() {
            Ok(backups) => {
                self.saved_revision = self.history.revision();
                self.disk.base = self.model.clone();
                // The save patched the file's own text: lines are where that text has them.
                let saved = std::fs::read_to_string(&self.path)
                    .unwrap_or_else(|_| crate::model::to_yaml(&self.model));
                self.source_map = Some((self.saved_revision, SourceMap::new(&saved)));
                self.refresh();
                let mut text = format!("saved to {}", self.path.display());
                let errors = self.errors();
                if errors > 0 {
                    // Saved all the same, so nothing is lost; but the room must know.
                    text.push_str(&format!(
                        " with {errors} error{}: see the checks",
                        if errors == 1 { "" } else { "s" }
                    ));
                }
                // Only a change the patch cannot express (an edit under a YAML anchor that
                // aliases share) writes the canonical layout, which has no comments: say so.
                use crate::model::preserve::has_comments;
                let lost = before.as_deref().is_some_and(has_comments) && !has_comments(&saved);
                if lost {
                    text.push_str(
                        " in the canonical layout: the file's comments could not be kept",
                    );
                }
                let backups: Vec<String> =
                    backups.iter().map(|b| b.display().to_string()).collect();
                if !backups.is_empty() {
                    text.push_str(&format!(
                        "; the previous version is in {}",
                        backups.join(" and in ")
                    ));
                }
                self.say(if lost { Tone::Warning } else { Tone::Ok }, text);
                true
            }
            Err(e) => {
                self.say(
                    Tone::Error,
                    format!("{e:#}: the edits are kept, nothing is lost"),
                );
                false
            }
        }
    }
}

/// The value of the template list's entry for an empty model.
const EMPTY_TEMPLATE: &str = "\u{0}empty";

/// The smallest model the designer starts from: one journey to add touchpoints to.
const EMPTY_MODEL: &str = "name: New model\nfields: []\njourneys:\n  - id: journey\n    name: New journey\n    touchpoints: []\n";

/// The weights a journey's row balances: its touchpoints, or a composite's parts; an account
/// journey's in the account model.
fn journey_group(m: &Model, node: &Node) -> Option<ListRef> {
    match node {
        Node::Journey(j) if m.journeys.get(*j).is_some_and(|x| x.is_composite()) => {
            Some(ListRef::Parts { journey: *j })
        }
        Node::Journey(j) => Some(ListRef::Touchpoints {
            journey: *j,
            parent: Vec::new(),
        }),
        Node::Account(n) => {
            let view = super::ops::account_view(m)?;
            journey_group(&view, n).map(|l| ListRef::Account(Box::new(l)))
        }
        _ => None,
    }
}

/// Why an action that changes the account model's shape is not offered.
const AT_THE_ACCOUNT_LEVEL: &str = "at the account level the designer moves weights and words; add, remove, move or rename in the model file for now";

/// An action that adds, removes, moves, renames or reshapes a node: not offered at the
/// account level (`Node::Account`), where the tree edits weights and words.
fn is_structural(action: &Action) -> bool {
    matches!(
        action,
        Action::AddSibling
            | Action::AddInside
            | Action::Rename
            | Action::Duplicate
            | Action::Delete
            | Action::MoveUp
            | Action::MoveDown
            | Action::ToggleOpenQuestion
            | Action::EditRule
    )
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
            "values" => Prop::Values,
            "expect" => Prop::Expect,
            _ => return None,
        })
    };
    match key(0) {
        // The account model's journeys, grades, tiers and segments are where the contact
        // model's are, one key down; its roll-ups and roles are its fields.
        Some("accounts") => {
            let node = match key(1) {
                Some("journeys" | "grades" | "tiers" | "segments") => {
                    let (node, prop) = node_of_path(&path[1..]);
                    return (Node::Account(Box::new(node)), prop);
                }
                Some("rollups" | "roles") => Node::Fields,
                _ => Node::Journeys,
            };
            (Node::Account(Box::new(node)), None)
        }
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
        Some("matrix") => (
            Node::Matrix,
            match key(1) {
                Some("rows") => Some(Prop::MatrixRows),
                Some("columns") => Some(Prop::MatrixColumns),
                Some("green") => Some(Prop::Green),
                Some("amber") => Some(Prop::Amber),
                _ => None,
            },
        ),
        Some("tiers") => match (key(1), index(2)) {
            (Some("levels"), Some(t)) => (Node::Tier(t), prop_at(3)),
            (Some("journey"), _) => (Node::Tiers, Some(Prop::Journey)),
            _ => (Node::Tiers, None),
        },
        Some("segments") => match index(1) {
            Some(s) => (Node::Segment(s), prop_at(2)),
            None => (Node::Segments, None),
        },
        Some("samples") => match index(1) {
            Some(s) => (Node::Sample(s), None),
            None => (Node::Samples, None),
        },
        Some("personas") => match index(1) {
            Some(p) => (Node::Persona(p), prop_at(2)),
            None => (Node::Personas, None),
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

    /// A check of the accounts block leads to the account model's node; one of a roll-up or
    /// role to its fields.
    #[test]
    fn account_paths_lead_to_account_nodes() {
        let key = |k: &str| Seg::Key(k.into());
        let p = vec![
            key("accounts"),
            key("journeys"),
            Seg::Index(0),
            key("touchpoints"),
            Seg::Index(1),
            key("weight"),
        ];
        assert_eq!(
            node_of_path(&p),
            (
                Node::Account(Box::new(Node::Touchpoint {
                    journey: 0,
                    path: vec![1]
                })),
                Some(Prop::Weight)
            )
        );
        let p = vec![key("accounts"), key("rollups"), Seg::Index(2)];
        assert_eq!(
            node_of_path(&p),
            (Node::Account(Box::new(Node::Fields)), None)
        );
        let p = vec![key("accounts"), key("id_column")];
        assert_eq!(
            node_of_path(&p),
            (Node::Account(Box::new(Node::Journeys)), None)
        );
    }
}
