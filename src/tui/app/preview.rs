//! The preview's half of `App`: loading contacts, keeping the preview's scores current after
//! every change of the model (`sync_preview`, called by `refresh`), picking up what the
//! background threads send (`tick`), and the actions of the preview and of tuning.
//!
//! Accepting a suggested weight is an ordinary edit through `App::edit`, so undo takes it back.

use super::{Action, App, Screen, Tone};
use crate::contacts::{Table, read_contacts};
use crate::engine::persona_results;
use crate::tui::keys::Mode;
use crate::tui::ops::Op;
use crate::tui::popups::{Input, PickItem, PickPurpose, Picker, Popup, Purpose};
use crate::tui::preview::{Loading, Panel, Preview};
use crate::tui::signals::{Signals, accept_op, is_used};
use crate::tui::tuning::Tuning;
use crate::tui::view;
use ratatui::layout::Rect;
use std::path::PathBuf;

/// Separates the kind of a filter from its value in the filter picker's values.
const FILTER_SEP: char = '\u{1}';

impl App {
    /// Loads the contacts `self.contacts` names (or else the model's own samples) into the
    /// preview; a large file on a thread of its own. A file that does not load leaves no
    /// preview, and says why.
    pub(super) fn load_preview(&mut self) {
        self.samples_in_preview = None;
        match self.contacts.clone() {
            Some(p) if self.is_large(&p) => self.loading = Some(Loading::start(p, false)),
            Some(p) => {
                let read = read_contacts(&p).map_err(|e| e.to_string());
                let _ = self.contacts_read(p, read, false);
            }
            None if self.model.events.is_some() => {
                // No contacts file: the contacts of the event log, as `score` reads them.
                match crate::engine::events::read_model_log(&self.model, &self.path) {
                    Ok(Some(log)) => {
                        let id = crate::engine::events::id_column_of_log(&self.model);
                        let mut table = log.contacts(&id);
                        log.attach_to(&self.model, &mut table);
                        self.install_preview(log.report.file.clone(), table);
                    }
                    Ok(None) => self.preview = None,
                    Err(e) => {
                        let e = e.to_string();
                        self.preview = None;
                        self.preview_error = Some(e.clone());
                        self.say(Tone::Error, e);
                    }
                }
            }
            None if !self.model.samples.is_empty() => {
                let table = Table::from_maps("samples", &self.model.samples);
                self.install_preview("the model's samples".into(), table);
                self.samples_in_preview = Some(self.model.samples.clone());
            }
            None => {
                self.preview = None;
                self.samples_in_preview = Some(Vec::new());
            }
        }
    }

    fn is_large(&self, path: &std::path::Path) -> bool {
        std::fs::metadata(path).is_ok_and(|m| m.len() >= self.async_load_bytes)
    }

    /// Takes a contacts file that was read (or could not be). One opened from inside replaces
    /// the preview only when it loaded; otherwise nothing changes but the message.
    fn contacts_read(
        &mut self,
        path: PathBuf,
        read: Result<Table, String>,
        opened: bool,
    ) -> Result<(), String> {
        // Event fields come from the model's event log, as `score` attaches them.
        let read = read.and_then(|mut t| {
            if let Some(log) = crate::engine::events::read_model_log(&self.model, &self.path)
                .map_err(|e| e.to_string())?
            {
                log.attach_to(&self.model, &mut t);
            }
            Ok(t)
        });
        match read {
            Ok(table) => {
                let rows = table.rows();
                let name = path.display().to_string();
                if opened {
                    self.columns = Some(table.headers.clone());
                    self.contacts = Some(path);
                }
                self.install_preview(name.clone(), table);
                if opened {
                    self.refresh();
                    self.say(
                        Tone::Ok,
                        format!(
                            "{rows} contact{} from {name}",
                            if rows == 1 { "" } else { "s" }
                        ),
                    );
                }
                Ok(())
            }
            Err(e) => {
                if !opened {
                    self.preview = None;
                }
                self.preview_error = Some(e.clone());
                self.say(Tone::Error, e.clone());
                Err(e)
            }
        }
    }

    fn install_preview(&mut self, source: String, table: Table) {
        let mut p = Preview::new(
            source,
            table,
            &self.model,
            self.baseline_model.clone(),
            self.worker_min_rows,
        );
        // The accounts file is read once, here, as `score` reads it; one that cannot be read
        // is said, and the accounts are shown with their file fields missing.
        let unread = match crate::engine::accounts::Plan::for_file(&self.model, Some(&self.path)) {
            Ok(plan) => {
                p.set_accounts_file(plan.and_then(|p| p.file));
                None
            }
            Err(e) => Some(format!("accounts shown without their file's fields: {e}")),
        };
        p.request(&self.model);
        let h = self.preview_table_height();
        p.keep_visible(h);
        self.preview = Some(p);
        self.preview_error = None;
        self.tuning = Tuning::Idle;
        self.signals = Signals::Idle;
        self.samples_in_preview = None;
        if let Some(why) = unread {
            self.say(Tone::Error, why);
        }
    }

    /// Previews another contacts file. A small file is read at once, and on failure nothing
    /// changes: the error is returned for the path box to show. A large one is read in the
    /// background; its error, if any, comes as a message.
    pub(super) fn open_contacts(&mut self, path: &str) -> Result<(), String> {
        if path.is_empty() {
            return Err("type the path of a CSV or JSON Lines file".into());
        }
        let p = PathBuf::from(path);
        // Opening a FIFO would block the designer until a writer came (see `set_contacts`).
        if let Some(why) = crate::files::not_regular(&p) {
            return Err(format!("{path}: {why}"));
        }
        if self.is_large(&p) {
            self.loading = Some(Loading::start(p, true));
            self.say(Tone::Info, format!("loading {path}…"));
            return Ok(());
        }
        let read = read_contacts(&p).map_err(|e| e.to_string());
        self.contacts_read(p, read, true)
    }

    /// Asks for the current model's scores (the preview skips a model it already has) and
    /// scores the personas again when the model changed.
    pub(super) fn sync_preview(&mut self) {
        // A preview of the model's samples follows edits of the samples.
        if self
            .samples_in_preview
            .as_ref()
            .is_some_and(|shown| *shown != self.model.samples)
        {
            self.load_preview();
        }
        if let Some(p) = &mut self.preview {
            p.request(&self.model);
        }
        if self.model.personas.is_empty() {
            // Nothing to score, and no copy of a large model to keep.
            self.personas.clear();
            self.personas_model = None;
        } else if self.personas_model.as_ref() != Some(&self.model) {
            self.personas = persona_results(&self.model);
            self.personas_model = Some(self.model.clone());
        }
    }

    /// After an edit (or its undo), the what-if follows the journey the edit was in.
    pub(super) fn follow_edited(&mut self, node: &crate::tui::ops::Node) {
        let Some((j, _)) = crate::tui::map::place(node) else {
            return;
        };
        let Some(id) = self.model.journeys.get(j).map(|j| j.id.clone()) else {
            return;
        };
        if let Some(p) = &mut self.preview {
            p.follow(Some(id), &self.model);
            p.explain_selected();
        }
    }

    /// Whether work runs in the background whose answer is awaited.
    pub fn busy(&self) -> bool {
        self.preview.as_ref().is_some_and(|p| p.pending)
            || self.tuning.is_running()
            || self.signals.is_running()
            || self.loading.is_some()
    }

    /// Takes what the background threads sent; true when something on screen changed.
    pub fn tick(&mut self) -> bool {
        let mut changed = self.watch_disk();
        if let Some(read) = self.loading.as_ref().and_then(Loading::poll)
            && let Some(l) = self.loading.take()
        {
            let _ = self.contacts_read(l.path, read, l.opened);
            changed = true;
        }
        let h = self.preview_table_height();
        if let Some(p) = &mut self.preview
            && p.poll()
        {
            p.keep_visible(h);
            changed = true;
        }
        if self.tuning.poll() {
            changed = true;
            match &self.tuning {
                Tuning::Ready(s) => {
                    let n = s.weights.len();
                    self.say(
                        Tone::Ok,
                        format!(
                            "tuning suggests {n} weight{} (Enter accepts a group, A all)",
                            if n == 1 { "" } else { "s" }
                        ),
                    );
                }
                Tuning::Failed(e) => {
                    let e = format!("tuning: {e}");
                    self.say(Tone::Error, e);
                }
                _ => {}
            }
            self.sync_overlay();
        }
        if self.signals.poll() {
            changed = true;
            match &self.signals {
                Signals::Ready(s) => {
                    let n = s.list.columns.len();
                    self.say(
                        Tone::Ok,
                        format!(
                            "{n} unused column{} ranked (Enter adds the selected one)",
                            if n == 1 { "" } else { "s" }
                        ),
                    );
                }
                Signals::Failed(e) => {
                    let e = format!("suggesting signals: {e}");
                    self.say(Tone::Error, e);
                }
                _ => {}
            }
        }
        changed
    }

    /// Waits (for tests) until no background work is pending, at most `timeout`.
    pub fn settle(&mut self, timeout: std::time::Duration) {
        let start = std::time::Instant::now();
        while self.busy() && start.elapsed() < timeout {
            self.tick();
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        self.tick();
    }

    /// The number of contact rows the preview's table shows.
    pub fn preview_table_height(&self) -> usize {
        let a = view::layout(Rect::new(0, 0, self.size.0, self.size.1));
        a.tree.height.saturating_sub(3).max(1) as usize
    }

    // ----- what the key map asks -----

    pub fn has_preview(&self) -> bool {
        self.preview.is_some()
    }
    /// Whether a tier's `capacity:` proposes a threshold other than the tier's.
    pub fn capacity_moves(&self) -> bool {
        !self.capacity_ops().is_empty()
    }

    /// The edits that move each tier with a capacity to the threshold that fits it, each
    /// with what it hands over, in words.
    fn capacity_ops(&self) -> Vec<(Op, String)> {
        let Some(r) = self.preview.as_ref().and_then(|p| p.result.as_ref()) else {
            return Vec::new();
        };
        // The proposal is for the model it was computed on; a newer edit waits for its own.
        if r.model != self.model {
            return Vec::new();
        }
        let Some(tiers) = &self.model.tiers else {
            return Vec::new();
        };
        let did = self.model.outcome_words().did;
        r.capacity
            .iter()
            .filter_map(|(i, p)| {
                let c = p.as_ref().ok()?;
                let tier = tiers.levels.get(*i)?;
                if (tier.at_least - c.at_least).abs() < 1e-9 {
                    return None;
                }
                let mut moved = tier.clone();
                moved.at_least = c.at_least;
                let said = format!(
                    "{} from {} to {}: {} contacts handed over ({} a {}), {} of them {did}",
                    tier.name,
                    crate::tui::tree::fmt_num(tier.at_least),
                    crate::tui::tree::fmt_num(c.at_least),
                    c.handed_over,
                    crate::tui::tree::fmt_num((c.per_period * 10.0).round() / 10.0),
                    c.ask.per,
                    c.converted
                );
                Some((
                    Op::Replace {
                        node: crate::tui::ops::Node::Tier(*i),
                        item: crate::tui::ops::Item::Tier(moved),
                    },
                    said,
                ))
            })
            .collect()
    }

    fn fit_capacity(&mut self) {
        let mut ops = self.capacity_ops();
        if ops.is_empty() {
            self.say(
                Tone::Info,
                "no tier has a capacity: whose threshold would move (capacity: { contacts: 400, per: week, date: Created } on a tier)",
            );
            return;
        }
        let label = format!(
            "tier threshold fitted to capacity: {}",
            ops.iter()
                .map(|(_, s)| s.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        );
        let op = if ops.len() == 1 {
            ops.remove(0).0
        } else {
            Op::Batch(ops.into_iter().map(|(o, _)| o).collect())
        };
        self.edit(op, label);
        // The edit selects the tier in the tree; the room stays on the preview.
        self.screen = Screen::Preview;
    }

    pub fn preview_filtered(&self) -> bool {
        self.preview.as_ref().is_some_and(|p| !p.filter.is_empty())
    }

    // ----- actions -----

    /// The moves and clicks of the preview screen; false for actions it leaves to `update`.
    pub(super) fn update_preview(&mut self, action: &Action) -> bool {
        if self.update_accounts_table(action) {
            return true;
        }
        let h = self.preview_table_height() as i64;
        let by = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -h,
            Action::PageDown => h,
            Action::Top => i64::MIN / 2,
            Action::Bottom => i64::MAX / 2,
            Action::Scroll { column, row, down } if self.popups.is_empty() => {
                let by = if *down { 3 } else { -3 };
                let a = view::layout(Rect::new(0, 0, self.size.0, self.size.1));
                let at = ratatui::layout::Position {
                    x: *column,
                    y: *row,
                };
                let wide = self.preview.as_ref().is_some_and(|p| p.wide);
                if a.detail.contains(at) && !wide {
                    self.preview_action(Action::ScrollPanel(by));
                    return true;
                }
                by
            }
            Action::Click { column, row } if self.popups.is_empty() => {
                self.preview_click(*column, *row);
                return true;
            }
            Action::Back => {
                self.screen = Screen::Design;
                return true;
            }
            _ => return false,
        };
        if self.mode() == Mode::Tuning {
            if let Tuning::Ready(s) = &mut self.tuning {
                let last = s.weights.len().saturating_sub(1) as i64;
                s.cursor = (s.cursor as i64 + by).clamp(0, last.max(0)) as usize;
            }
        } else if self.mode() == Mode::Signals {
            if let Signals::Ready(s) = &mut self.signals {
                let last = s.list.columns.len().saturating_sub(1) as i64;
                s.cursor = (s.cursor as i64 + by).clamp(0, last.max(0)) as usize;
            }
        } else if let Some(p) = &mut self.preview {
            p.step(by, h as usize);
            self.panel_scroll = 0;
        }
        true
    }

    fn preview_click(&mut self, column: u16, row: u16) {
        let a = view::layout(Rect::new(0, 0, self.size.0, self.size.1));
        let table = view::preview::table_area(self, &a);
        let inside = table.contains(ratatui::layout::Position { x: column, y: row });
        let h = self.preview_table_height();
        if let Some(p) = &mut self.preview
            && inside
            && row >= table.y + 2
            && row + 1 < table.bottom()
        {
            let i = p.offset + (row - table.y - 2) as usize;
            if i < p.order.len() {
                p.cursor = i;
                p.keep_visible(h);
                p.explain_selected();
            }
        }
    }

    /// The preview's and tuning's own actions.
    pub(super) fn preview_action(&mut self, action: Action) {
        match action {
            Action::TogglePreview => {
                self.screen = match self.screen {
                    Screen::Design | Screen::Map(_) => Screen::Preview,
                    Screen::Preview => Screen::Design,
                };
                if self.screen == Screen::Preview && self.preview.is_none() {
                    self.say(Tone::Info, "no contacts loaded: o opens a file");
                }
            }
            Action::NextPanel => {
                self.panel = self.panel.step(1);
                self.panel_scroll = 0;
                self.panel_shown();
            }
            Action::PrevPanel => {
                self.panel = self.panel.step(-1);
                self.panel_scroll = 0;
                self.panel_shown();
            }
            Action::ScrollPanel(by) => {
                let max = view::preview::panel_scroll_max(self) as i64;
                self.panel_scroll = (self.panel_scroll as i64 + by).clamp(0, max) as usize;
            }
            Action::SortNext => {
                if let Some(p) = &mut self.preview {
                    // File order, then each column in turn, then file order again.
                    let cols = p.columns();
                    let next = match p.sort {
                        None => cols.first().copied(),
                        Some(now) => cols
                            .iter()
                            .position(|c| *c == now)
                            .and_then(|i| cols.get(i + 1).copied()),
                    };
                    p.sort = next;
                    p.descending = false;
                    p.reorder();
                    let text = match next {
                        Some(c) => format!(
                            "sorted by {} ({}: {} on top; S reverses)",
                            p.heading(c),
                            p.sort_arrow(),
                            if p.sort_arrow() == "▲" {
                                "largest"
                            } else {
                                "smallest, or A"
                            }
                        ),
                        None => "in file order".to_string(),
                    };
                    self.say(Tone::Info, text);
                }
            }
            Action::SortReverse => {
                if let Some(p) = &mut self.preview {
                    p.descending = !p.descending;
                    p.reorder();
                }
            }
            Action::FilterText => {
                let now = self
                    .preview
                    .as_ref()
                    .map(|p| p.filter.text.clone())
                    .unwrap_or_default();
                let mut input = Input::new("Filter contacts", &now, false, Purpose::FilterContacts);
                input.help = "part of an id, a shown column, a tier, segment, rating or action; empty shows all".into();
                self.popups.push(Popup::Input(input));
            }
            Action::FilterPick => self.pick_filter(),
            Action::ClearFilter => {
                if let Some(p) = &mut self.preview {
                    p.filter = Default::default();
                    p.reorder();
                    self.say(Tone::Info, "every contact shown");
                }
            }
            Action::PinBaseline => {
                self.baseline_model = self.model.clone();
                if let Some(p) = &mut self.preview {
                    p.pin(&self.model);
                }
                self.say(
                    Tone::Ok,
                    "baseline pinned: changes are measured from the model as it is now",
                );
            }
            Action::OpenContacts => {
                let now = self
                    .contacts
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                let mut input = Input::new("Open contacts", &now, false, Purpose::OpenContacts);
                input.help = "a CSV (comma, semicolon or tab) or JSON Lines file".into();
                self.popups.push(Popup::Input(input));
            }
            Action::Tune => self.start_tuning(),
            Action::FollowJourney(by) => {
                let ids: Vec<String> = self.model.journeys.iter().map(|j| j.id.clone()).collect();
                if let Some(p) = &mut self.preview
                    && !ids.is_empty()
                {
                    let now = p
                        .result
                        .as_ref()
                        .and_then(|r| ids.iter().position(|id| *id == r.comparison.journey))
                        .unwrap_or(0) as i64;
                    let n = ids.len() as i64;
                    let to = ids[(now + by).rem_euclid(n) as usize].clone();
                    p.follow(Some(to.clone()), &self.model);
                    p.col_offset = 0;
                    p.explain_selected();
                    self.say(
                        Tone::Info,
                        format!("the what-if is about {to}: Δ, rank, distribution and what would move it"),
                    );
                }
            }
            Action::ScrollColumns(by) => {
                if let Some(p) = &mut self.preview {
                    let max = p.more_columns().len().saturating_sub(1) as i64;
                    p.col_offset = (p.col_offset as i64 + by).clamp(0, max.max(0)) as usize;
                }
            }
            Action::WideTable => {
                if let Some(p) = &mut self.preview {
                    p.wide = !p.wide;
                }
            }
            Action::AcceptWeight => self.accept_suggested(false),
            Action::AcceptAll => self.accept_suggested(true),
            Action::SuggestSignals => self.start_signals(),
            Action::FitCapacity => self.fit_capacity(),
            Action::AcceptSignal => self.accept_signal(),
            _ => {}
        }
        self.sync_overlay();
    }

    /// While the suggested weights are on screen, the table's deltas and the summary are
    /// theirs; otherwise the baseline's.
    fn sync_overlay(&mut self) {
        let overlay = match (&self.tuning, self.panel) {
            (Tuning::Ready(s), Panel::Tuning) => Some(s.comparison.clone()),
            _ => None,
        };
        if let Some(p) = &mut self.preview {
            p.set_overlay(overlay);
        }
    }

    /// Applies the text filter as it is typed; says how many contacts it keeps.
    pub(super) fn preview_filter_typed(&mut self, value: &str) -> Option<String> {
        let p = self.preview.as_mut()?;
        p.filter.text = value.trim().to_string();
        p.reorder();
        Some(format!("{} of {} contacts", p.order.len(), p.table.rows()))
    }

    fn pick_filter(&mut self) {
        let Some(r) = self.preview.as_ref().and_then(|p| p.result.as_ref()) else {
            return;
        };
        let m = &r.model;
        let mut items = Vec::new();
        let mut add = |kind: &str, value: &str| {
            items.push(PickItem {
                label: format!("{kind}: {value}"),
                detail: String::new(),
                value: format!("{kind}{FILTER_SEP}{value}"),
            })
        };
        if let Some(t) = &m.tiers {
            for l in &t.levels {
                add("tier", &l.name);
            }
        }
        for s in &m.segments {
            add("segment", &s.name);
        }
        for row in &r.matrix {
            for c in row {
                add("rating", &c.rating);
            }
        }
        if items.is_empty() {
            self.say(Tone::Info, "the model has no tiers, segments or ratings");
            return;
        }
        self.popups.push(Popup::Picker(Picker::new(
            "Show only contacts with",
            items,
            PickPurpose::PreviewFilter,
        )));
    }

    pub(super) fn preview_filter_picked(&mut self, value: &str) {
        let Some(p) = &mut self.preview else { return };
        let Some((kind, v)) = value.split_once(FILTER_SEP) else {
            return;
        };
        let v = Some(v.to_string());
        match kind {
            "tier" => p.filter.tier = v,
            "segment" => p.filter.segment = v,
            _ => p.filter.rating = v,
        }
        p.reorder();
        let text = format!(
            "{} of {} contacts: {}",
            p.order.len(),
            p.table.rows(),
            p.filter.describe()
        );
        self.say(Tone::Info, text);
    }

    fn start_tuning(&mut self) {
        if self.tuning.is_running() {
            self.say(Tone::Info, "tuning is already running");
            return;
        }
        let Some(p) = &self.preview else {
            self.say(Tone::Warning, "tuning needs contacts: o opens a file");
            return;
        };
        let Some(outcome) = p.outcome.clone() else {
            let why = p.outcome_problem.clone().unwrap_or_else(|| {
                "tuning needs an outcome column: name it under `outcome:` in the model".into()
            });
            self.say(Tone::Warning, why);
            return;
        };
        self.tuning = Tuning::start(self.model.clone(), p.table.clone(), outcome);
        self.screen = Screen::Preview;
        self.panel = Panel::Tuning;
        self.say(Tone::Info, "tuning the weights in the background…");
    }

    /// The suggested signals are measured the first time their panel is shown.
    fn panel_shown(&mut self) {
        if self.panel == Panel::Signals
            && matches!(self.signals, Signals::Idle | Signals::Failed(_))
        {
            self.start_signals();
        }
    }

    fn start_signals(&mut self) {
        if self.signals.is_running() {
            self.say(Tone::Info, "the signals are already being measured");
            return;
        }
        let Some(p) = &self.preview else {
            self.say(
                Tone::Warning,
                "suggesting signals needs contacts: o opens a file",
            );
            return;
        };
        let Some(outcome) = p.outcome.clone() else {
            let why = p.outcome_problem.clone().unwrap_or_else(|| {
                "suggesting signals needs an outcome column: name it under `outcome:` in the model"
                    .into()
            });
            self.say(Tone::Warning, why);
            return;
        };
        self.signals = Signals::start(self.model.clone(), p.table.clone(), outcome);
        self.screen = Screen::Preview;
        self.panel = Panel::Signals;
        self.say(
            Tone::Info,
            "measuring the columns the model does not use, in the background…",
        );
    }

    fn accept_signal(&mut self) {
        let Some(s) = self.signals.list() else {
            return;
        };
        let Some(c) = s.list.columns.get(s.cursor).cloned() else {
            return;
        };
        let journey = s.list.journey.clone();
        if is_used(&self.model, &c) {
            self.say(Tone::Info, format!("the model already reads {}", c.column));
            return;
        }
        if let Some(why) = &c.leak {
            // Scoring a column filled in after the outcome makes a model that cannot work
            // live: the room adds it by hand once it knows when the column is filled in.
            self.say(Tone::Warning, format!("{} is not added: {why}", c.column));
            return;
        }
        match accept_op(&self.model, &journey, &c) {
            Some((op, label)) => {
                self.edit(op, label);
            }
            None => self.say(
                Tone::Error,
                format!("journey {journey} is no longer in the model: r suggests again"),
            ),
        }
    }

    fn accept_suggested(&mut self, all: bool) {
        let Some(s) = self.tuning.suggestion() else {
            return;
        };
        // One weight comes with the rest of its group, so that the group stays at 100%.
        let group = s.weights.get(s.cursor).map(|w| w.list.clone());
        let chosen: Vec<_> = s
            .weights
            .iter()
            .filter(|w| all || Some(&w.list) == group.as_ref())
            .cloned()
            .collect();
        let mut ops: Vec<Op> = chosen
            .iter()
            .filter(|w| {
                w.list
                    .weights(&self.model)
                    .and_then(|ws| ws.get(w.index).copied())
                    != Some(w.after)
            })
            .map(|w| Op::SetWeight {
                list: w.list.clone(),
                index: w.index,
                weight: w.after,
            })
            .collect();
        if ops.is_empty() {
            self.say(Tone::Info, "already accepted");
            return;
        }
        let label = match (all, chosen.as_slice()) {
            (false, [w]) => format!("suggested weight of {} accepted: {}%", w.at, w.after),
            (false, ws) => format!(
                "suggested weights accepted: {}",
                ws.iter()
                    .map(|w| format!("{} {}%", w.at, w.after))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => format!("{} suggested weights accepted", ops.len()),
        };
        let op = if ops.len() == 1 {
            ops.remove(0)
        } else {
            Op::Batch(ops)
        };
        self.edit(op, label);
        // On to the next group.
        if let Tuning::Ready(s) = &mut self.tuning
            && !all
            && let Some(next) =
                (s.cursor..s.weights.len()).find(|&i| Some(&s.weights[i].list) != group.as_ref())
        {
            s.cursor = next;
        }
    }
}
