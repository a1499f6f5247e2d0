//! The designer's edit commands: what a key that changes the model does. Each builds an
//! operation (or opens the pop-up that will) and hands it to `App::edit`, the one door into
//! the model and its history.

use super::*;

/// How `b`, `v` and `B` bring a group of weights to 100%.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Balance {
    /// Every weight the same share: 6 touchpoints get 16.67% each (the first ones a
    /// hundredth more).
    Equal,
    /// What is missing (or over) spread evenly over the weights, none below 0.
    Spread,
    /// Each weight scaled by the same factor.
    Proportional,
}

impl App {
    /// Sets one property of a node from raw text, validated; returns the message when refused.
    pub(super) fn set_prop(&mut self, node: &Node, prop: Prop, raw: &str) -> Result<(), String> {
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
        // An account node's id never follows its name: the block's tiers and segments read it.
        if matches!(prop, Prop::Name | Prop::Id)
            && !node.is_account()
            && let Some(done) = self.rename_with_references(node, &item, &new)
        {
            return done;
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

    pub(super) fn nudge(&mut self, by: i64) {
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

    pub(super) fn type_weight(&mut self, first: Option<char>) {
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
        // The digit that opened the box is the start of the weight, not old text to replace.
        input.text.cancel_selection();
        self.popups.push(Popup::Input(input));
        if first.is_some() {
            self.validate_input();
        }
    }

    pub(super) fn balance(&mut self, how: Balance) {
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
        let new = match how {
            // Equal shares are what is left to spread when every weight is zero.
            Balance::Equal => balance_even(&vec![Weight(0); weights.len()]),
            Balance::Spread => balance_even(&weights),
            Balance::Proportional => balance_proportional(&weights),
        };
        if new == weights {
            let already = match how {
                Balance::Equal => "already share 100% equally".to_string(),
                _ => format!("already sum to {}", describe_sum(sum)),
            };
            self.say(Tone::Info, format!("the {}s {already}", list.what()));
            return;
        }
        let how = match how {
            Balance::Equal => "to equal shares",
            Balance::Spread => "by spreading the difference evenly",
            Balance::Proportional => "proportionally",
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

    /// A journey's or touchpoint's new name or id, when its id changes: a new name moves an id
    /// that still follows the old name (`touchpoint`, or the old name's words), and every
    /// reference to the old id (grades, tiers, segments, personas, adjustments, tuning limits)
    /// moves with it, as one edit that one undo takes back. `None` when the id stays: then it
    /// is an ordinary property edit.
    fn rename_with_references(
        &mut self,
        node: &Node,
        old: &Item,
        new: &Item,
    ) -> Option<Result<(), String>> {
        let (old_id, new_name, set_id, taken) = match (old, new) {
            (Item::Journey(o), Item::Journey(n)) => (
                o.id.clone(),
                (o.name != n.name).then(|| n.name.clone()),
                (o.id != n.id).then(|| n.id.clone()),
                self.model
                    .journeys
                    .iter()
                    .filter(|j| j.id != o.id)
                    .map(|j| j.id.clone())
                    .collect::<Vec<_>>(),
            ),
            (Item::Touchpoint(o), Item::Touchpoint(n)) => (
                o.id.clone(),
                (o.name != n.name).then(|| n.name.clone()),
                (o.id != n.id).then(|| n.id.clone()),
                node.journey()
                    .and_then(|j| self.model.journeys.get(j))
                    .map(touchpoint_ids)
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|id| *id != o.id)
                    .collect(),
            ),
            _ => return None,
        };
        let old_name = match old {
            Item::Journey(j) => j.name.clone(),
            Item::Touchpoint(t) => t.name.clone(),
            _ => String::new(),
        };
        let new_id = match (set_id, new_name) {
            (Some(id), _) => id,
            (None, Some(name)) if id_follows(&old_id, &old_name) => {
                let base = slug(&name);
                if base.is_empty() {
                    return None;
                }
                let taken: Vec<&str> = taken.iter().map(String::as_str).collect();
                unique_id(&base, &taken)
            }
            _ => return None,
        };
        if new_id == old_id {
            return None;
        }
        let mut item = new.clone();
        match &mut item {
            Item::Journey(j) => j.id = new_id.clone(),
            Item::Touchpoint(t) => t.id = new_id.clone(),
            _ => {}
        }
        let mut model = self.model.clone();
        let replaced = crate::tui::ops::apply(
            &mut model,
            &Op::Replace {
                node: node.clone(),
                item: item.clone(),
            },
        );
        if let Err(e) = replaced {
            return Some(Err(e));
        }
        let updated = match old {
            Item::Journey(_) => rename_journey_references(&mut model, &old_id, &new_id),
            _ => {
                let journey = node
                    .journey()
                    .and_then(|j| model.journeys.get(j))
                    .map(|j| j.id.clone())
                    .unwrap_or_default();
                rename_touchpoint_references(&mut model, &journey, &old_id, &new_id)
            }
        };
        let mut label = format!("'{}': id {old_id} → {new_id}", item.title());
        if !updated.is_empty() {
            label.push_str(&format!("; updated {}", updated.join(", ")));
        }
        self.edit(Op::SetModel(Box::new(model)), label);
        self.select(node);
        Some(Ok(()))
    }

    /// A new item for a list, with an id no sibling has and a weight that fills the group.
    pub(super) fn new_item(&self, list: &ListRef) -> Option<Item> {
        let m = &self.model;
        let remainder = list
            .weights(m)
            .map(|w| Weight((FULL - w.iter().map(|w| w.0).sum::<i64>()).clamp(0, FULL)))
            .unwrap_or(Weight::HUNDRED);
        Some(match list {
            ListRef::Journeys => {
                let ids: Vec<&str> = m.journeys.iter().map(|j| j.id.as_str()).collect();
                Item::Journey(Journey {
                    name: "New journey".into(),
                    ..Journey::new(&unique_id("journey", &ids))
                })
            }
            ListRef::Touchpoints { journey, .. } => {
                let ids = touchpoint_ids(m.journeys.get(*journey)?);
                let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
                let mut t = Touchpoint::new(&unique_id("touchpoint", &ids), remainder);
                t.name = "New touchpoint".into();
                Item::Touchpoint(t)
            }
            ListRef::Signals { .. } | ListRef::Account(_) => return None,
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
            // The first journey that is not the composite itself nor already one of its parts.
            ListRef::Parts { journey } => {
                let owner = m.journeys.get(*journey)?;
                let next = m
                    .journeys
                    .iter()
                    .find(|j| j.id != owner.id && !owner.parts.iter().any(|p| p.journey == j.id))?;
                Item::Part(crate::model::Part {
                    journey: next.id.clone(),
                    weight: remainder,
                })
            }
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
                    to_person: None,
                    capacity: None,
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
            ListRef::Personas => {
                let names: Vec<&str> = m.personas.iter().map(|p| p.name.as_str()).collect();
                Item::Persona(Persona {
                    name: unique_id("New persona", &names),
                    note: None,
                    values: Default::default(),
                    expect: Expectation {
                        tier: m
                            .tiers
                            .as_ref()
                            .and_then(|t| t.levels.first())
                            .map(|l| OneOrMany::One(l.name.clone())),
                        ..Expectation::default()
                    },
                })
            }
            ListRef::Samples => {
                // The id column, then every field's column, empty to fill in.
                let id = m.id_column.clone().unwrap_or_else(|| "id".into());
                let mut s = crate::tui::ops::Sample::new();
                // A `#row` id is the sample's place, not a cell to fill in.
                if id != crate::engine::ROW_ID {
                    s.insert(
                        id,
                        crate::model::Scalar::Text(format!("sample {}", m.samples.len() + 1)),
                    );
                }
                for f in &m.fields {
                    s.entry(f.column().to_string())
                        .or_insert(crate::model::Scalar::Text(String::new()));
                }
                Item::Sample(s)
            }
            ListRef::Fields => {
                let ids: Vec<&str> = m.fields.iter().map(|f| f.id.as_str()).collect();
                Item::Field(Field::new(&unique_id("new_field", &ids), FieldKind::Number))
            }
        })
    }

    pub(super) fn insert_new(&mut self, list: ListRef, index: usize) {
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

    pub(super) fn add_sibling(&mut self) {
        let node = self.node();
        if let Some((list, index)) = node.place() {
            self.insert_new(list, index + 1);
        } else if let Some(list) = node.section_list() {
            let len = list.len(&self.model);
            self.insert_new(list, len);
        }
    }

    pub(super) fn add_inside(&mut self) {
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

    pub(super) fn add_inside_as(&mut self, node: &Node, what: &str) {
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

    pub(super) fn pick_field(&mut self, purpose: PickPurpose, title: &str) {
        let mut items = vec![PickItem {
            label: "+ new field…".into(),
            detail: "add a field to the model".into(),
            value: NEW_FIELD.into(),
        }];
        let used = crate::model::check::fields_used(&self.model);
        items.extend(self.model.fields.iter().map(|f| PickItem {
            // The words the room gave the field, with its id for the file.
            label: match &f.label {
                Some(l) if !l.trim().is_empty() && l != &f.id => format!("{l} ({})", f.id),
                _ => f.id.clone(),
            },
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
    pub(super) fn rename_prop(&self) -> Option<Prop> {
        match self.node() {
            Node::Model
            | Node::Journey(_)
            | Node::Touchpoint { .. }
            | Node::Adjustment { .. }
            | Node::Tier(_)
            | Node::Segment(_)
            | Node::Persona(_) => Some(Prop::Name),
            Node::Grade(_) | Node::Field(_) => Some(Prop::Id),
            _ => None,
        }
    }

    pub(super) fn rename(&mut self) {
        let node = self.node();
        if matches!(node, Node::Signal { .. }) {
            self.pick_field(PickPurpose::SignalField { node }, "Field of the signal");
            return;
        }
        if let Some(prop) = self.rename_prop() {
            self.open_prop_input(node, prop);
        }
    }

    pub(super) fn open_prop_input(&mut self, node: Node, prop: Prop) {
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

    pub(super) fn duplicate(&mut self) {
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
                let mut ids = node
                    .journey()
                    .and_then(|j| self.model.journeys.get(j))
                    .map(touchpoint_ids)
                    .unwrap_or_default();
                // The copy and every child in it get fresh ids (ids are unique in a journey),
                // and the copy's name says what it is.
                fresh_ids(&mut t, &mut ids);
                if !t.name.is_empty() {
                    t.name.push_str(" (copy)");
                }
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
            Item::Persona(mut p) => {
                p.name.push_str(" (copy)");
                Item::Persona(p)
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

    pub(super) fn ask_delete(&mut self) {
        let node = self.node();
        let Some((list, _)) = node.place() else {
            return;
        };
        let Some(item) = node.item(&self.model) else {
            return;
        };
        let inside = match &item {
            Item::Journey(j) => {
                let users = journey_users(&self.model, &j.id);
                let users = if users.is_empty() {
                    String::new()
                } else {
                    format!(
                        ". {} name{} it and will point at nothing: {}",
                        users.len(),
                        if users.len() == 1 { "s" } else { "" },
                        users.join(", ")
                    )
                };
                format!(" and its {} touchpoints{users}", j.touchpoints.len())
            }
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

    pub(super) fn move_by(&mut self, by: i64) {
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

    pub(super) fn edit_prop(&mut self) {
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
                    // The form is titled, and its sentence written, with the field's label.
                    let words = crate::model::rules::field_label(&self.model, &s.field);
                    self.popups
                        .push(Popup::Rule(RuleForm::new(node, words, &s.rule)));
                }
            }
        }
    }

    pub(super) fn cycle_prop(&mut self, forward: bool) {
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
}

/// Gives a touchpoint and its children ids that `taken` does not hold (`adoption_copy`),
/// adding each to `taken`.
fn fresh_ids(t: &mut Touchpoint, taken: &mut Vec<String>) {
    let id = {
        let ids: Vec<&str> = taken.iter().map(String::as_str).collect();
        unique_id(&format!("{}_copy", t.id), &ids)
    };
    taken.push(id.clone());
    t.id = id;
    for c in &mut t.touchpoints {
        fresh_ids(c, taken);
    }
}

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

/// What names a journey by its id: grades, the tiers, segments, personas, adjustments and
/// tuning limits, in words (`segment 'At risk'`).
fn journey_users(m: &Model, id: &str) -> Vec<String> {
    fn names(c: &Condition, id: &str) -> bool {
        c.journey.as_deref() == Some(id)
            || c.all.iter().chain(&c.any).any(|x| names(x, id))
            || c.not.as_deref().is_some_and(|x| names(x, id))
    }
    let mut out = Vec::new();
    for g in m.grades.iter().filter(|g| g.journey == id) {
        out.push(format!("grade '{}'", g.id));
    }
    if m.tiers.as_ref().is_some_and(|t| t.journey == id) {
        out.push("the tiers".to_string());
    }
    for s in &m.segments {
        if s.when.as_ref().is_some_and(|c| names(c, id)) {
            out.push(format!("segment '{}'", s.name));
        }
    }
    for p in &m.personas {
        if p.expect.scores.contains_key(id) {
            out.push(format!("persona '{}'", p.name));
        }
    }
    for j in m
        .journeys
        .iter()
        .filter(|j| j.parts.iter().any(|p| p.journey == id))
    {
        out.push(format!("composite journey '{}'", j.id));
    }
    for j in m.journeys.iter().filter(|j| j.id != id) {
        for a in j.adjustments.iter().filter(|a| names(&a.when, id)) {
            out.push(format!("adjustment '{}'", a.name));
        }
    }
    let prefix = format!("{id}.");
    for t in m
        .tuning
        .iter()
        .filter(|t| t.at == id || t.at.starts_with(&prefix))
    {
        out.push(format!("tuning limit '{}'", t.at));
    }
    out
}

/// An id made from a name: lower case, words joined by `_` (`Support ticket escalated` ->
/// `support_ticket_escalated`).
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars() {
        if c.is_alphanumeric() {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
    }
    out.trim_end_matches('_').to_string()
}

/// Whether an id still follows its item's name: a new item's (`touchpoint`, `journey_2`), or
/// the name's own words. An id someone typed stays as it is.
fn id_follows(id: &str, name: &str) -> bool {
    let generated = ["touchpoint", "journey"].iter().any(|base| {
        id == *base
            || id
                .strip_prefix(base)
                .and_then(|rest| rest.strip_prefix('_'))
                .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()))
    });
    generated || (!name.is_empty() && id == slug(name))
}

/// Moves every reference to journey `old` to `new`; says what was updated.
fn rename_journey_references(m: &mut Model, old: &str, new: &str) -> Vec<String> {
    fn condition(c: &mut Condition, old: &str, new: &str) -> bool {
        let mut hit = false;
        if c.journey.as_deref() == Some(old) {
            c.journey = Some(new.to_string());
            hit = true;
        }
        for x in c.all.iter_mut().chain(c.any.iter_mut()) {
            hit |= condition(x, old, new);
        }
        if let Some(x) = c.not.as_deref_mut() {
            hit |= condition(x, old, new);
        }
        hit
    }
    let mut out = Vec::new();
    for g in m.grades.iter_mut().filter(|g| g.journey == old) {
        g.journey = new.to_string();
        out.push(format!("grade '{}'", g.id));
    }
    if let Some(t) = m.tiers.as_mut().filter(|t| t.journey == old) {
        t.journey = new.to_string();
        out.push("the tiers".to_string());
    }
    for s in &mut m.segments {
        if s.when.as_mut().is_some_and(|c| condition(c, old, new)) {
            out.push(format!("segment '{}'", s.name));
        }
    }
    for p in &mut m.personas {
        // Same place in the map, so the file keeps its order.
        if let Some((i, _, range)) = p.expect.scores.shift_remove_full(old) {
            p.expect.scores.shift_insert(i, new.to_string(), range);
            out.push(format!("persona '{}'", p.name));
        }
    }
    // A composite's parts, and the tuning limits on their weights (`lead.fit`).
    let mut part_limits = Vec::new();
    for j in &mut m.journeys {
        for p in j.parts.iter_mut().filter(|p| p.journey == old) {
            p.journey = new.to_string();
            out.push(format!("composite journey '{}'", j.id));
            part_limits.push((format!("{}.{old}", j.id), format!("{}.{new}", j.id)));
        }
    }
    for t in &mut m.tuning {
        if let Some((_, to)) = part_limits.iter().find(|(from, _)| *from == t.at) {
            t.at.clone_from(to);
            out.push(format!("tuning limit '{}'", t.at));
        }
    }
    for j in &mut m.journeys {
        for a in &mut j.adjustments {
            if condition(&mut a.when, old, new) {
                out.push(format!("adjustment '{}'", a.name));
            }
        }
    }
    let prefix = format!("{old}.");
    for t in &mut m.tuning {
        if let Some(rest) = t.at.strip_prefix(&prefix) {
            t.at = format!("{new}.{rest}");
            out.push(format!("tuning limit '{}'", t.at));
        } else if t.at == old {
            t.at = new.to_string();
            out.push(format!("tuning limit '{}'", t.at));
        }
    }
    out
}

/// Moves the tuning limits that name touchpoint `old` of `journey` to `new`; says which.
fn rename_touchpoint_references(m: &mut Model, journey: &str, old: &str, new: &str) -> Vec<String> {
    let mut out = Vec::new();
    for t in &mut m.tuning {
        let mut parts: Vec<String> = t.at.split('.').map(String::from).collect();
        if parts.first().map(String::as_str) != Some(journey) {
            continue;
        }
        let mut hit = false;
        // Touchpoint ids are unique in a journey, so the part that is `old` is this one.
        for p in parts.iter_mut().skip(1) {
            if p == old {
                *p = new.to_string();
                hit = true;
            }
        }
        if hit {
            t.at = parts.join(".");
            out.push(format!("tuning limit '{}'", t.at));
        }
    }
    out
}
