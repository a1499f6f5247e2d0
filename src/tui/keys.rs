//! The key map: one table from (mode, key) to the action it means.
//!
//! The help screen and the status-bar hints are generated from this same table, so they
//! cannot drift from what the keys do. Each binding may carry a test of the app's state
//! (`when`), so that the status bar shows only the keys that work where the cursor is, and a
//! key whose test fails does nothing.

use super::app::{Action, App};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// Where the keys are read: a pane of the main screen, or the pop-up on top.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mode {
    /// Every pane of the main screen.
    Global,
    Tree,
    Detail,
    Diagnostics,
    /// The journey map (and its Six Pillars grid).
    Map,
    /// The preview of contacts.
    Preview,
    /// The preview's suggested weights, once tuning has suggested some.
    Tuning,
    /// The preview's suggested signals, once the list is there.
    Signals,
    /// A one-line text box (a name, a weight, a condition).
    Input,
    /// The multi-line note editor.
    Note,
    /// A list to pick from (a field, a journey).
    Picker,
    RuleForm,
    Confirm,
    Help,
}

impl Mode {
    pub fn title(self) -> &'static str {
        match self {
            Mode::Global => "Everywhere",
            Mode::Tree => "Model tree",
            Mode::Detail => "Detail pane",
            Mode::Diagnostics => "Checks",
            Mode::Map => "Journey map",
            Mode::Preview => "Preview of contacts",
            Mode::Tuning => "Suggested weights",
            Mode::Signals => "Suggested signals",
            Mode::Input => "Text box",
            Mode::Note => "Note editor",
            Mode::Picker => "Pick from a list",
            Mode::RuleForm => "Rule form",
            Mode::Confirm => "Question",
            Mode::Help => "This help",
        }
    }

    /// The modes of the screens' panes, which also take the global keys.
    pub fn is_pane(self) -> bool {
        matches!(
            self,
            Mode::Tree
                | Mode::Detail
                | Mode::Diagnostics
                | Mode::Map
                | Mode::Preview
                | Mode::Tuning
                | Mode::Signals
        )
    }
}

/// One key with its modifiers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub const fn plain(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::NONE,
        }
    }
    pub const fn ch(c: char) -> Key {
        Key::plain(KeyCode::Char(c))
    }
    pub const fn ctrl(c: char) -> Key {
        Key {
            code: KeyCode::Char(c),
            mods: KeyModifiers::CONTROL,
        }
    }
    pub const fn shift(code: KeyCode) -> Key {
        Key {
            code,
            mods: KeyModifiers::SHIFT,
        }
    }

    /// Whether a key event is this key. A character is compared without Shift, which the
    /// character already carries (`K`, `+`, `?`).
    pub fn matches(&self, e: &KeyEvent) -> bool {
        let wanted = KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT;
        let mut mods = e.modifiers & wanted;
        let mut code = e.code;
        if code == KeyCode::Esc {
            // Two quick Escapes can reach us as Alt-Esc; either way the user means Esc.
            mods.remove(KeyModifiers::ALT);
        }
        if let KeyCode::Char(c) = code {
            mods.remove(KeyModifiers::SHIFT);
            if mods.contains(KeyModifiers::CONTROL) {
                code = KeyCode::Char(c.to_ascii_lowercase());
            }
        }
        code == self.code && mods == self.mods
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.mods.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.mods.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        if self.mods.contains(KeyModifiers::SHIFT) && self.code != KeyCode::BackTab {
            f.write_str("Shift-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Delete => f.write_str("Del"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Home => f.write_str("Home"),
            KeyCode::End => f.write_str("End"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One line of the key table.
#[derive(Clone)]
pub struct Binding {
    pub mode: Mode,
    pub keys: Vec<Key>,
    pub action: Action,
    /// What the key does, in a few words.
    pub label: &'static str,
    /// Whether the status bar offers it (the help screen lists every binding).
    pub hint: bool,
    /// Keys and words for the status bar when they differ from the help's (`+/-`, `weight`):
    /// room there is short.
    pub hint_as: Option<(&'static str, &'static str)>,
    /// When the key works; `None`: always.
    pub when: Option<fn(&App) -> bool>,
}

impl Binding {
    /// The keys as written in help and hints: `↑/k`, `0-9`.
    pub fn keys_text(&self) -> String {
        if self.keys.len() == 10 && self.keys.first() == Some(&Key::ch('0')) {
            return "0-9".into();
        }
        let mut names: Vec<String> = Vec::new();
        for k in &self.keys {
            let name = k.to_string();
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names.join("/")
    }

    /// The first key only, for the status bar where room is short: `+`, `Enter`.
    pub fn first_key_text(&self) -> String {
        if self.keys.len() == 10 && self.keys.first() == Some(&Key::ch('0')) {
            return "0-9".into();
        }
        self.keys.first().map(Key::to_string).unwrap_or_default()
    }

    pub fn works(&self, app: &App) -> bool {
        self.when.is_none_or(|w| w(app))
    }
}

/// The whole key table, in the order help shows it.
#[derive(Clone)]
pub struct KeyMap {
    pub bindings: Vec<Binding>,
}

impl Default for KeyMap {
    fn default() -> KeyMap {
        KeyMap {
            bindings: defaults(),
        }
    }
}

impl KeyMap {
    /// The binding of a key in a mode; pane modes fall back to the global keys.
    pub fn lookup(&self, mode: Mode, key: &KeyEvent) -> Option<&Binding> {
        let find = |m: Mode| {
            self.bindings
                .iter()
                .find(|b| b.mode == m && b.keys.iter().any(|k| k.matches(key)))
        };
        find(mode).or_else(|| {
            if mode.is_pane() {
                find(Mode::Global)
            } else {
                None
            }
        })
    }

    /// The bindings the status bar offers in a mode, in table order, the mode's own first.
    pub fn hints<'a>(&'a self, mode: Mode, app: &'a App) -> impl Iterator<Item = &'a Binding> + 'a {
        let own = self.bindings.iter().filter(move |b| b.mode == mode);
        // A global key the mode binds itself means the mode's action there, so its global
        // hint would lie.
        let shadowed = move |g: &Binding| {
            self.bindings
                .iter()
                .any(|b| b.mode == mode && b.keys.iter().any(|k| g.keys.contains(k)))
        };
        let global = self
            .bindings
            .iter()
            .filter(move |b| mode.is_pane() && b.mode == Mode::Global && !shadowed(b));
        own.chain(global).filter(move |b| b.hint && b.works(app))
    }
}

fn defaults() -> Vec<Binding> {
    use Action as A;
    use KeyCode as C;
    use Mode as M;
    let mut v = Vec::new();
    let mut b = |mode: Mode,
                 keys: &[Key],
                 action: Action,
                 label: &'static str,
                 hint: bool,
                 when: Option<fn(&App) -> bool>| {
        v.push(Binding {
            hint_as: None,
            mode,
            keys: keys.to_vec(),
            action,
            label,
            hint,
            when,
        });
    };
    let k = Key::ch;
    let p = Key::plain;
    let weighted: Option<fn(&App) -> bool> = Some(App::selected_is_weighted);
    let digits: Vec<Key> = ('0'..='9').map(Key::ch).collect();

    // Everywhere on the main screen.
    b(M::Global, &[Key::ctrl('s')], A::Save, "save", true, None);
    b(
        M::Global,
        &[k('u'), Key::ctrl('z')],
        A::Undo,
        "undo",
        true,
        Some(App::can_undo),
    );
    b(
        M::Global,
        &[Key::ctrl('r'), Key::ctrl('y')],
        A::Redo,
        "redo",
        false,
        Some(App::can_redo),
    );
    b(
        M::Global,
        &[k('/')],
        A::Find,
        "find a node by name",
        true,
        None,
    );
    b(M::Global, &[k('n')], A::FindNext, "next match", false, None);
    b(
        M::Global,
        &[p(C::Tab)],
        A::FocusNext,
        "next pane",
        false,
        None,
    );
    b(
        M::Global,
        &[p(C::BackTab), Key::shift(C::BackTab)],
        A::FocusPrev,
        "previous pane",
        false,
        None,
    );
    b(
        M::Global,
        &[k('t')],
        A::NextTheme,
        "next theme",
        false,
        Some(App::can_switch_theme),
    );
    b(
        M::Global,
        &[k('T')],
        A::Tune,
        "suggest weights",
        false,
        None,
    );
    b(M::Global, &[k('?')], A::Help, "all keys", true, None);
    b(
        M::Global,
        &[k('q'), Key::ctrl('c')],
        A::Quit,
        "quit",
        true,
        None,
    );
    b(
        M::Global,
        &[k('p')],
        A::TogglePreview,
        "preview / model",
        true,
        None,
    );
    b(
        M::Global,
        &[k('m')],
        A::ToggleMap,
        "journey map / model",
        true,
        None,
    );

    // The tree.
    b(M::Tree, &[p(C::Up), k('k')], A::Up, "up", false, None);
    b(M::Tree, &[p(C::Down), k('j')], A::Down, "down", false, None);
    b(M::Tree, &[p(C::PageUp)], A::PageUp, "page up", false, None);
    b(
        M::Tree,
        &[p(C::PageDown)],
        A::PageDown,
        "page down",
        false,
        None,
    );
    b(
        M::Tree,
        &[p(C::Home), k('g')],
        A::Top,
        "first node",
        false,
        None,
    );
    b(
        M::Tree,
        &[p(C::End), k('G')],
        A::Bottom,
        "last node",
        false,
        None,
    );
    b(
        M::Tree,
        &[p(C::Enter)],
        A::Open,
        "edit",
        true,
        Some(App::selected_has_props),
    );
    b(
        M::Tree,
        &[p(C::Left), k('h')],
        A::Fold,
        "fold / go to parent",
        false,
        None,
    );
    b(
        M::Tree,
        &[p(C::Right), k('l')],
        A::Unfold,
        "unfold / edit",
        false,
        None,
    );
    b(
        M::Tree,
        &[k('+'), k('=')],
        A::Nudge(100),
        "weight +1",
        true,
        weighted,
    );
    b(
        M::Tree,
        &[k('-')],
        A::Nudge(-100),
        "weight -1",
        true,
        weighted,
    );
    b(
        M::Tree,
        &[k('>'), Key::shift(C::Right)],
        A::Nudge(500),
        "weight +5",
        false,
        weighted,
    );
    b(
        M::Tree,
        &[k('<'), Key::shift(C::Left)],
        A::Nudge(-500),
        "weight -5",
        false,
        weighted,
    );
    b(
        M::Tree,
        &digits,
        A::TypeWeight(None),
        "type a weight",
        false,
        weighted,
    );
    b(
        M::Tree,
        &[k('w')],
        A::TypeWeight(None),
        "type a weight",
        true,
        weighted,
    );
    b(
        M::Tree,
        &[k('b')],
        A::BalanceEven,
        "balance: equal shares",
        true,
        Some(App::can_balance),
    );
    b(
        M::Tree,
        &[k('v')],
        A::BalanceSpread,
        "balance: spread the difference evenly",
        false,
        Some(App::can_balance),
    );
    b(
        M::Tree,
        &[k('B')],
        A::BalanceProportional,
        "balance proportionally",
        false,
        Some(App::can_balance),
    );
    b(
        M::Tree,
        &[k('a')],
        A::AddSibling,
        "add",
        true,
        Some(App::can_add_sibling),
    );
    b(
        M::Tree,
        &[k('i')],
        A::AddInside,
        "add inside",
        true,
        Some(App::can_add_inside),
    );
    b(
        M::Tree,
        &[k('r')],
        A::Rename,
        "rename",
        true,
        Some(App::can_rename),
    );
    b(
        M::Tree,
        &[k('c')],
        A::Duplicate,
        "duplicate",
        false,
        Some(App::selected_is_item),
    );
    b(
        M::Tree,
        &[k('x'), p(C::Delete)],
        A::Delete,
        "delete",
        true,
        Some(App::selected_is_item),
    );
    b(
        M::Tree,
        &[k('K'), Key::shift(C::Up)],
        A::MoveUp,
        "move up",
        false,
        Some(App::selected_is_item),
    );
    b(
        M::Tree,
        &[k('J'), Key::shift(C::Down)],
        A::MoveDown,
        "move down",
        false,
        Some(App::selected_is_item),
    );
    b(
        M::Tree,
        &[k('o')],
        A::ToggleOpenQuestion,
        "open question",
        false,
        Some(App::can_flag),
    );
    b(
        M::Tree,
        &[k('e')],
        A::EditRule,
        "edit the rule",
        true,
        Some(App::selected_is_signal),
    );

    // The detail pane.
    b(M::Detail, &[p(C::Up), k('k')], A::Up, "up", false, None);
    b(
        M::Detail,
        &[p(C::Down), k('j')],
        A::Down,
        "down",
        false,
        None,
    );
    b(
        M::Detail,
        &[p(C::Enter), k(' ')],
        A::Edit,
        "edit / toggle",
        true,
        Some(App::prop_editable),
    );
    b(
        M::Detail,
        &[p(C::Left), k('h')],
        A::CyclePrev,
        "previous choice",
        false,
        Some(App::prop_is_choice),
    );
    b(
        M::Detail,
        &[p(C::Right), k('l')],
        A::CycleNext,
        "next choice",
        true,
        Some(App::prop_is_choice),
    );
    b(
        M::Detail,
        &[k('+'), k('=')],
        A::Nudge(100),
        "weight +1",
        true,
        weighted,
    );
    b(
        M::Detail,
        &[k('-')],
        A::Nudge(-100),
        "weight -1",
        true,
        weighted,
    );
    b(
        M::Detail,
        &[k('>')],
        A::Nudge(500),
        "weight +5",
        false,
        weighted,
    );
    b(
        M::Detail,
        &[k('<')],
        A::Nudge(-500),
        "weight -5",
        false,
        weighted,
    );
    b(
        M::Detail,
        &[k('b')],
        A::BalanceEven,
        "balance: equal shares",
        false,
        Some(App::can_balance),
    );
    b(
        M::Detail,
        &[k('o')],
        A::ToggleOpenQuestion,
        "open question",
        false,
        Some(App::can_flag),
    );
    b(
        M::Detail,
        &digits,
        A::TypeWeight(None),
        "type a weight",
        false,
        weighted,
    );
    b(
        M::Detail,
        &[k('e')],
        A::EditRule,
        "edit the rule",
        false,
        Some(App::selected_is_signal),
    );
    b(M::Detail, &[p(C::Esc)], A::Back, "back to tree", true, None);

    // The checks panel.
    b(
        M::Diagnostics,
        &[p(C::Up), k('k')],
        A::Up,
        "up",
        false,
        None,
    );
    b(
        M::Diagnostics,
        &[p(C::Down), k('j')],
        A::Down,
        "down",
        false,
        None,
    );
    b(
        M::Diagnostics,
        &[p(C::Enter)],
        A::Jump,
        "go to",
        true,
        Some(App::has_diagnostics),
    );
    b(
        M::Diagnostics,
        &[p(C::Esc)],
        A::Back,
        "back to tree",
        true,
        None,
    );

    // The journey map: its own moves, then the tree's editing keys (below), which act on the
    // selected card.
    b(
        M::Map,
        &[p(C::Left), k('h')],
        A::CardPrev,
        "card before",
        false,
        None,
    );
    b(
        M::Map,
        &[p(C::Right), k('l')],
        A::CardNext,
        "card after",
        false,
        None,
    );
    b(
        M::Map,
        &[p(C::Up), k('k')],
        A::Up,
        "lane above",
        false,
        None,
    );
    b(
        M::Map,
        &[p(C::Down), k('j')],
        A::Down,
        "lane below",
        false,
        None,
    );
    b(
        M::Map,
        &[k('g')],
        A::ToggleGrid,
        "cards / Six Pillars grid",
        true,
        None,
    );
    b(
        M::Map,
        &[p(C::Enter)],
        A::Open,
        "edit in the tree",
        true,
        Some(App::selected_has_props),
    );
    b(
        M::Map,
        &[p(C::Esc)],
        A::Back,
        "back to the tree",
        false,
        None,
    );

    // The preview of contacts.
    b(M::Preview, &[p(C::Up), k('k')], A::Up, "up", false, None);
    b(
        M::Preview,
        &[p(C::Down), k('j')],
        A::Down,
        "down",
        false,
        None,
    );
    b(
        M::Preview,
        &[p(C::PageUp)],
        A::PageUp,
        "page up",
        false,
        None,
    );
    b(
        M::Preview,
        &[p(C::PageDown)],
        A::PageDown,
        "page down",
        false,
        None,
    );
    b(
        M::Preview,
        &[p(C::Home), k('g')],
        A::Top,
        "first contact",
        false,
        None,
    );
    b(
        M::Preview,
        &[p(C::End), k('G')],
        A::Bottom,
        "last contact",
        false,
        None,
    );
    // First among the preview's hints, so that the status bar keeps them.
    b(
        M::Preview,
        &[k('a')],
        A::ToggleAccounts,
        "accounts table / contacts table",
        true,
        Some(App::has_accounts),
    );
    b(
        M::Preview,
        &[p(C::Enter)],
        A::DrillAccount,
        "an account's contacts / back to the accounts",
        true,
        Some(App::showing_accounts),
    );
    b(
        M::Preview,
        &[p(C::Tab)],
        A::NextPanel,
        "next panel",
        true,
        None,
    );
    b(
        M::Preview,
        &[p(C::BackTab), Key::shift(C::BackTab)],
        A::PrevPanel,
        "previous panel",
        false,
        None,
    );
    b(
        M::Preview,
        &[k(']')],
        A::ScrollPanel(3),
        "scroll the panel down",
        false,
        None,
    );
    b(
        M::Preview,
        &[k('[')],
        A::ScrollPanel(-3),
        "scroll the panel up",
        false,
        None,
    );
    b(
        M::Preview,
        &[k('s')],
        A::SortNext,
        "sort by the next column",
        true,
        Some(App::has_preview),
    );
    b(
        M::Preview,
        &[k('S')],
        A::SortReverse,
        "reverse the order",
        false,
        Some(App::has_preview),
    );
    b(
        M::Preview,
        &[k('/')],
        A::FilterText,
        "filter by text",
        true,
        Some(App::has_preview),
    );
    b(
        M::Preview,
        &[k('f')],
        A::FilterPick,
        "filter by tier, segment, rating",
        true,
        Some(App::has_preview),
    );
    b(
        M::Preview,
        &[k('c')],
        A::ClearFilter,
        "clear the filters",
        true,
        Some(App::preview_filtered),
    );
    b(
        M::Preview,
        &[k('b')],
        A::PinBaseline,
        "pin as baseline",
        true,
        Some(App::has_preview),
    );
    b(
        M::Preview,
        &[k('o')],
        A::OpenContacts,
        "open contacts",
        true,
        None,
    );
    b(
        M::Preview,
        &[k('>')],
        A::FollowJourney(1),
        "what-if about the next journey",
        true,
        Some(App::has_preview),
    );
    b(
        M::Preview,
        &[k('<')],
        A::FollowJourney(-1),
        "what-if about the journey before",
        false,
        Some(App::has_preview),
    );
    b(
        M::Preview,
        &[p(C::Right), k('l')],
        A::ScrollColumns(1),
        "more columns to the right",
        false,
        Some(App::has_preview),
    );
    b(
        M::Preview,
        &[p(C::Left), k('h')],
        A::ScrollColumns(-1),
        "columns back to the left",
        false,
        Some(App::has_preview),
    );
    b(
        M::Preview,
        &[k('z')],
        A::WideTable,
        "wide table (hide the side panel)",
        true,
        Some(App::has_preview),
    );
    b(
        M::Preview,
        &[k('T')],
        A::Tune,
        "suggest weights",
        true,
        Some(App::has_preview),
    );
    b(
        M::Preview,
        &[k('C')],
        A::FitCapacity,
        "tier thresholds to fit capacity",
        true,
        Some(App::capacity_moves),
    );
    b(
        M::Preview,
        &[p(C::Esc)],
        A::TogglePreview,
        "back to the model",
        false,
        None,
    );

    // The suggested weights.
    b(M::Tuning, &[p(C::Up), k('k')], A::Up, "up", false, None);
    b(
        M::Tuning,
        &[p(C::Down), k('j')],
        A::Down,
        "down",
        false,
        None,
    );
    b(
        M::Tuning,
        &[p(C::Enter), k('a')],
        A::AcceptWeight,
        "accept this group",
        true,
        None,
    );
    b(M::Tuning, &[k('A')], A::AcceptAll, "accept all", true, None);
    b(
        M::Tuning,
        &[p(C::Tab)],
        A::NextPanel,
        "next panel",
        true,
        None,
    );
    b(
        M::Tuning,
        &[p(C::BackTab), Key::shift(C::BackTab)],
        A::PrevPanel,
        "previous panel",
        false,
        None,
    );
    b(M::Tuning, &[k('T')], A::Tune, "tune again", false, None);
    b(
        M::Tuning,
        &[p(C::Esc)],
        A::TogglePreview,
        "back to the model",
        false,
        None,
    );

    // The suggested signals.
    b(M::Signals, &[p(C::Up), k('k')], A::Up, "up", false, None);
    b(
        M::Signals,
        &[p(C::Down), k('j')],
        A::Down,
        "down",
        false,
        None,
    );
    b(
        M::Signals,
        &[p(C::Enter), k('a')],
        A::AcceptSignal,
        "add this signal",
        true,
        None,
    );
    b(
        M::Signals,
        &[k('r')],
        A::SuggestSignals,
        "suggest again",
        true,
        None,
    );
    b(
        M::Signals,
        &[p(C::Tab)],
        A::NextPanel,
        "next panel",
        true,
        None,
    );
    b(
        M::Signals,
        &[p(C::BackTab), Key::shift(C::BackTab)],
        A::PrevPanel,
        "previous panel",
        false,
        None,
    );
    b(
        M::Signals,
        &[p(C::Esc)],
        A::TogglePreview,
        "back to the model",
        false,
        None,
    );

    // Pop-ups.
    b(M::Input, &[p(C::Enter)], A::Submit, "keep", true, None);
    b(M::Input, &[p(C::Esc)], A::Cancel, "cancel", true, None);
    b(
        M::Note,
        &[Key::ctrl('s')],
        A::Submit,
        "keep the note",
        true,
        None,
    );
    b(M::Note, &[p(C::Esc)], A::Cancel, "cancel", true, None);
    b(M::Picker, &[p(C::Up)], A::Up, "up", false, None);
    b(M::Picker, &[p(C::Down)], A::Down, "down", false, None);
    b(M::Picker, &[p(C::Enter)], A::Submit, "pick", true, None);
    b(M::Picker, &[p(C::Esc)], A::Cancel, "cancel", true, None);
    b(
        M::RuleForm,
        &[p(C::Up), p(C::BackTab), Key::shift(C::BackTab)],
        A::PrevInput,
        "previous line",
        true,
        None,
    );
    b(
        M::RuleForm,
        &[p(C::Down), p(C::Tab)],
        A::NextInput,
        "next line",
        true,
        None,
    );
    b(
        M::RuleForm,
        &[p(C::Left)],
        A::CyclePrev,
        "previous kind",
        false,
        Some(App::rule_kind_focused),
    );
    b(
        M::RuleForm,
        &[p(C::Right)],
        A::CycleNext,
        "next kind",
        true,
        Some(App::rule_kind_focused),
    );
    b(M::RuleForm, &[p(C::Enter)], A::Submit, "apply", true, None);
    b(M::RuleForm, &[p(C::Esc)], A::Cancel, "cancel", true, None);
    b(
        M::Confirm,
        &[k('y'), p(C::Enter)],
        A::Answer('y'),
        "yes",
        true,
        Some(App::confirm_offers_yes),
    );
    b(
        M::Confirm,
        &[k('s')],
        A::Answer('s'),
        "save and quit",
        true,
        Some(App::confirm_offers_save),
    );
    b(
        M::Confirm,
        &[k('d')],
        A::Answer('d'),
        "quit without saving",
        true,
        Some(App::confirm_offers_save),
    );
    b(
        M::Confirm,
        &[k('n'), p(C::Esc)],
        A::Cancel,
        "no, go back",
        true,
        None,
    );
    b(M::Help, &[p(C::Up), k('k')], A::Up, "scroll up", true, None);
    b(
        M::Help,
        &[p(C::Down), k('j')],
        A::Down,
        "scroll down",
        true,
        None,
    );
    b(M::Help, &[p(C::PageUp)], A::PageUp, "page up", false, None);
    b(
        M::Help,
        &[p(C::PageDown), k(' ')],
        A::PageDown,
        "page down",
        true,
        None,
    );
    b(
        M::Help,
        &[p(C::Esc), k('?'), k('q')],
        A::Cancel,
        "close",
        true,
        None,
    );
    // The map's editing keys are the tree's, with the same actions, so undo and the hints
    // cannot differ between the screens.
    let on_cards: Vec<Binding> = v
        .iter()
        .filter(|b| {
            b.mode == M::Tree
                && matches!(
                    b.action,
                    A::Nudge(_)
                        | A::TypeWeight(_)
                        | A::BalanceEven
                        | A::BalanceSpread
                        | A::BalanceProportional
                        | A::AddSibling
                        | A::AddInside
                        | A::Rename
                        | A::Duplicate
                        | A::Delete
                        | A::MoveUp
                        | A::MoveDown
                        | A::ToggleOpenQuestion
                )
        })
        .map(|b| {
            let mut b = b.clone();
            b.mode = M::Map;
            // Left and right move between cards on the map; the letters still move.
            b.keys.retain(|k| k.mods != KeyModifiers::SHIFT);
            b.label = match b.action {
                A::MoveUp => "move the card left",
                A::MoveDown => "move the card right",
                _ => b.label,
            };
            b
        })
        .collect();
    v.extend(on_cards);
    // One hint for the pair of nudges.
    for b in &mut v {
        match b.action {
            // Short words for the hints that are never cut (see `view::hint_spans_in`).
            A::Help if b.mode == M::Global => b.hint_as = Some(("?", "keys")),
            A::Quit => b.hint_as = Some(("q", "quit")),
            A::TogglePreview if b.mode == M::Global => b.hint_as = Some(("p", "preview")),
            A::ToggleMap => b.hint_as = Some(("m", "map")),
            A::ToggleAccounts => b.hint_as = Some(("a", "accounts/contacts")),
            A::DrillAccount => b.hint_as = Some(("Enter", "its contacts/back")),
            A::Nudge(100) => b.hint_as = Some(("+/-", "weight")),
            A::Nudge(-100) => b.hint = false,
            _ => {}
        }
    }
    v
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn characters_ignore_shift_and_ctrl_ignores_case() {
        let e = KeyEvent::new(KeyCode::Char('K'), KeyModifiers::SHIFT);
        assert!(Key::ch('K').matches(&e));
        let e = KeyEvent::new(
            KeyCode::Char('S'),
            KeyModifiers::CONTROL | KeyModifiers::SHIFT,
        );
        assert!(Key::ctrl('s').matches(&e));
        let e = KeyEvent::new(KeyCode::Up, KeyModifiers::SHIFT);
        assert!(!Key::plain(KeyCode::Up).matches(&e));
        assert!(Key::shift(KeyCode::Up).matches(&e));
    }

    #[test]
    fn no_key_is_bound_twice_in_one_mode() {
        let map = KeyMap::default();
        for (i, a) in map.bindings.iter().enumerate() {
            for b in &map.bindings[i + 1..] {
                if a.mode != b.mode {
                    continue;
                }
                for k in &a.keys {
                    assert!(!b.keys.contains(k), "{k} bound twice in {:?}", a.mode);
                }
            }
        }
    }
}
