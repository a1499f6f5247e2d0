//! The designer's pop-ups and pointer: validating what is typed, keeping it, finding nodes,
//! jumping to what a check names, and mouse clicks and wheel turns.

use super::*;

impl App {
    // ----- pop-ups -----

    /// Validates what the top text box holds, and says what keeping it would do.
    pub(super) fn validate_input(&mut self) {
        let Some(Popup::Input(input)) = self.popups.last() else {
            return;
        };
        let value = input.value();
        let (mut error, mut info) = (None, None);
        match input.purpose.clone() {
            Purpose::Prop { node, prop } => match node.item(&self.model) {
                None => error = Some("that node is no longer there".to_string()),
                Some(_) if matches!(prop, Prop::Name | Prop::Id) && value.trim().is_empty() => {
                    error = Some(format!(
                        "the {} cannot be empty: type one, or Esc keeps the old",
                        prop.label().to_lowercase()
                    ));
                }
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
            Purpose::FilterContacts => info = self.preview_filter_typed(&value),
            Purpose::OpenContacts => {}
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

    pub(super) fn submit(&mut self) {
        match self.popups.pop() {
            Some(Popup::Input(input)) => {
                let value = input.value();
                let result = match &input.purpose {
                    Purpose::Prop { prop, .. }
                        if matches!(prop, Prop::Name | Prop::Id) && value.trim().is_empty() =>
                    {
                        Err(input.error.clone().unwrap_or_default())
                    }
                    Purpose::Prop { node, prop } => self.set_prop(node, *prop, &value),
                    Purpose::Find | Purpose::FilterContacts => Ok(()),
                    Purpose::OpenContacts => self.open_contacts(value.trim()),
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
                        let words = rule.words(&form.field);
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

    pub(super) fn picked(&mut self, purpose: PickPurpose, value: String) {
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
            PickPurpose::PreviewFilter => self.preview_filter_picked(&value),
            PickPurpose::DiskChanged(theirs) => self.disk_picked(*theirs, &value),
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

    pub(super) fn ask_field_id(&mut self, then: FieldTarget) {
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

    pub(super) fn field_kind(&self, id: &str, new: Option<&Field>) -> FieldKind {
        new.filter(|f| f.id == id)
            .or_else(|| self.model.fields.iter().find(|f| f.id == id))
            .map_or(FieldKind::Number, |f| f.kind)
    }

    pub(super) fn new_signal_op(
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
            missing: None,
            decay: None,
            note: None,
        };
        Some(Op::Insert {
            list: list.clone(),
            index,
            item: Item::Signal(signal),
        })
    }

    pub(super) fn signal_field_op(
        &self,
        node: &Node,
        field: &str,
        new: Option<&Field>,
    ) -> Option<Op> {
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

    pub(super) fn answer(&mut self, c: char) {
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
            (ConfirmPurpose::Quit, 'd') => {
                // Quitting without saving is a choice: no copy to offer next time.
                if let Some(g) = &mut self.guard {
                    g.discard();
                }
                self.should_quit = true;
            }
            (ConfirmPurpose::Restore(model), 'y') => {
                self.edit(Op::SetModel(model), "restored the unsaved edits");
            }
            (ConfirmPurpose::Overwrite, 'y') => {
                if let Some(g) = &mut self.guard {
                    g.overwrite = true;
                }
                self.save();
            }
            _ => {}
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
    pub(super) fn find(&mut self, from_start: bool) {
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

    pub(super) fn jump(&mut self) {
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

    pub(super) fn click(&mut self, column: u16, row: u16) {
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

    pub(super) fn scroll(&mut self, column: u16, row: u16, down: bool) {
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
