//! Edit operations: the only way the designer changes a model.
//!
//! Every change is one `Op` value applied by [`apply`], which returns the operation that
//! undoes it. Undo and redo (see `history.rs`) replay these values, so whatever the user can
//! do, undo can take back. Nodes are addressed by position (`Node`), the way the file nests
//! them; an operation that names a node that is not there fails with a message and changes
//! nothing.

use crate::model::{
    Adjustment, Date, Field, Grade, Journey, Matrix, Model, Part, Persona, Scalar, Segment, Signal,
    Tier, Tiers, Touchpoint, Weight,
};
use indexmap::IndexMap;

/// One sample contact of the model: its values by column.
pub type Sample = IndexMap<String, Scalar>;

/// A place in the model that the tree shows: a section header or one item.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Node {
    /// The model itself: its name, note, reference date.
    Model,
    Journeys,
    Journey(usize),
    /// A touchpoint: `path[0]` in the journey's list, then each child's index.
    Touchpoint {
        journey: usize,
        path: Vec<usize>,
    },
    Signal {
        journey: usize,
        touchpoint: Vec<usize>,
        index: usize,
    },
    Adjustment {
        journey: usize,
        index: usize,
    },
    /// A composite journey's part (another journey's score, with its weight).
    Part {
        journey: usize,
        index: usize,
    },
    Grades,
    Grade(usize),
    /// The Fit x Activity matrix: which two grades make the rating, and its zones.
    Matrix,
    /// The tiers' header, which names the journey they read.
    Tiers,
    Tier(usize),
    Segments,
    Segment(usize),
    Personas,
    Persona(usize),
    Samples,
    Sample(usize),
    Fields,
    Field(usize),
    /// A node of the account model (`accounts:`), addressed in that model as the contact
    /// level's nodes are in the contact model; `Account(Journeys)` is the "Accounts" header.
    Account(Box<Node>),
}

/// One list of the model that items are added to, removed from and moved within.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ListRef {
    Journeys,
    /// A journey's touchpoints (`parent` empty) or a touchpoint's children.
    Touchpoints {
        journey: usize,
        parent: Vec<usize>,
    },
    Signals {
        journey: usize,
        touchpoint: Vec<usize>,
    },
    Adjustments {
        journey: usize,
    },
    /// A composite journey's parts.
    Parts {
        journey: usize,
    },
    Grades,
    Tiers,
    Segments,
    Personas,
    Samples,
    Fields,
    /// A list of the account model (`accounts:`).
    Account(Box<ListRef>),
}

impl ListRef {
    /// The node at `index` of this list.
    pub fn node(&self, index: usize) -> Node {
        match self {
            ListRef::Journeys => Node::Journey(index),
            ListRef::Touchpoints { journey, parent } => {
                let mut path = parent.clone();
                path.push(index);
                Node::Touchpoint {
                    journey: *journey,
                    path,
                }
            }
            ListRef::Signals {
                journey,
                touchpoint,
            } => Node::Signal {
                journey: *journey,
                touchpoint: touchpoint.clone(),
                index,
            },
            ListRef::Adjustments { journey } => Node::Adjustment {
                journey: *journey,
                index,
            },
            ListRef::Parts { journey } => Node::Part {
                journey: *journey,
                index,
            },
            ListRef::Grades => Node::Grade(index),
            ListRef::Tiers => Node::Tier(index),
            ListRef::Segments => Node::Segment(index),
            ListRef::Personas => Node::Persona(index),
            ListRef::Samples => Node::Sample(index),
            ListRef::Fields => Node::Field(index),
            ListRef::Account(l) => Node::Account(Box::new(l.node(index))),
        }
    }

    /// The node the list belongs to: a journey, a touchpoint or a section header.
    pub fn owner(&self) -> Node {
        match self {
            ListRef::Journeys => Node::Journeys,
            ListRef::Touchpoints { journey, parent } if parent.is_empty() => {
                Node::Journey(*journey)
            }
            ListRef::Touchpoints { journey, parent } => Node::Touchpoint {
                journey: *journey,
                path: parent.clone(),
            },
            ListRef::Signals {
                journey,
                touchpoint,
            } => Node::Touchpoint {
                journey: *journey,
                path: touchpoint.clone(),
            },
            ListRef::Adjustments { journey } | ListRef::Parts { journey } => {
                Node::Journey(*journey)
            }
            ListRef::Grades => Node::Grades,
            ListRef::Tiers => Node::Tiers,
            ListRef::Segments => Node::Segments,
            ListRef::Personas => Node::Personas,
            ListRef::Samples => Node::Samples,
            ListRef::Fields => Node::Fields,
            ListRef::Account(l) => Node::Account(Box::new(l.owner())),
        }
    }

    /// Whether the items carry weights that must sum to 100%.
    pub fn is_weighted(&self) -> bool {
        match self {
            ListRef::Account(l) => l.is_weighted(),
            _ => matches!(
                self,
                ListRef::Touchpoints { .. } | ListRef::Signals { .. } | ListRef::Parts { .. }
            ),
        }
    }

    /// What one item of the list is called, for messages.
    pub fn what(&self) -> &'static str {
        match self {
            ListRef::Journeys => "journey",
            ListRef::Touchpoints { parent, .. } if parent.is_empty() => "touchpoint",
            ListRef::Touchpoints { .. } => "child touchpoint",
            ListRef::Signals { .. } => "signal",
            ListRef::Adjustments { .. } => "adjustment",
            ListRef::Parts { .. } => "part",
            ListRef::Grades => "grade",
            ListRef::Tiers => "tier",
            ListRef::Segments => "segment",
            ListRef::Personas => "persona",
            ListRef::Samples => "sample",
            ListRef::Fields => "field",
            ListRef::Account(l) => l.what(),
        }
    }

    /// The number of items in the list (0 when it is not there).
    pub fn len(&self, m: &Model) -> usize {
        match self {
            ListRef::Journeys => m.journeys.len(),
            ListRef::Touchpoints { journey, parent } => {
                if parent.is_empty() {
                    m.journeys.get(*journey).map_or(0, |j| j.touchpoints.len())
                } else {
                    touchpoint(m, *journey, parent).map_or(0, |t| t.touchpoints.len())
                }
            }
            ListRef::Signals {
                journey,
                touchpoint: tp,
            } => touchpoint(m, *journey, tp).map_or(0, |t| t.signals.len()),
            ListRef::Adjustments { journey } => {
                m.journeys.get(*journey).map_or(0, |j| j.adjustments.len())
            }
            ListRef::Parts { journey } => m.journeys.get(*journey).map_or(0, |j| j.parts.len()),
            ListRef::Grades => m.grades.len(),
            ListRef::Tiers => m.tiers.as_ref().map_or(0, |t| t.levels.len()),
            ListRef::Segments => m.segments.len(),
            ListRef::Personas => m.personas.len(),
            ListRef::Samples => m.samples.len(),
            ListRef::Fields => m.fields.len(),
            ListRef::Account(l) => account_view(m).map_or(0, |a| l.len(&a)),
        }
    }

    /// The weights of a weighted list, in order.
    pub fn weights(&self, m: &Model) -> Option<Vec<Weight>> {
        match self {
            ListRef::Touchpoints { journey, parent } => {
                let list = if parent.is_empty() {
                    &m.journeys.get(*journey)?.touchpoints
                } else {
                    &touchpoint(m, *journey, parent)?.touchpoints
                };
                Some(list.iter().map(|t| t.weight).collect())
            }
            ListRef::Signals {
                journey,
                touchpoint: tp,
            } => Some(
                touchpoint(m, *journey, tp)?
                    .signals
                    .iter()
                    .map(|s| s.weight)
                    .collect(),
            ),
            ListRef::Parts { journey } => Some(
                m.journeys
                    .get(*journey)?
                    .parts
                    .iter()
                    .map(|p| p.weight)
                    .collect(),
            ),
            ListRef::Account(l) => l.weights(&account_view(m)?),
            _ => None,
        }
    }
}

impl Node {
    /// The list this node is an item of, and its index there (none for headers and the model).
    pub fn place(&self) -> Option<(ListRef, usize)> {
        Some(match self {
            Node::Journey(i) => (ListRef::Journeys, *i),
            Node::Touchpoint { journey, path } => {
                let (last, parent) = path.split_last()?;
                (
                    ListRef::Touchpoints {
                        journey: *journey,
                        parent: parent.to_vec(),
                    },
                    *last,
                )
            }
            Node::Signal {
                journey,
                touchpoint,
                index,
            } => (
                ListRef::Signals {
                    journey: *journey,
                    touchpoint: touchpoint.clone(),
                },
                *index,
            ),
            Node::Adjustment { journey, index } => {
                (ListRef::Adjustments { journey: *journey }, *index)
            }
            Node::Part { journey, index } => (ListRef::Parts { journey: *journey }, *index),
            Node::Grade(i) => (ListRef::Grades, *i),
            Node::Tier(i) => (ListRef::Tiers, *i),
            Node::Segment(i) => (ListRef::Segments, *i),
            Node::Persona(i) => (ListRef::Personas, *i),
            Node::Sample(i) => (ListRef::Samples, *i),
            Node::Field(i) => (ListRef::Fields, *i),
            Node::Account(n) => {
                let (list, i) = n.place()?;
                (ListRef::Account(Box::new(list)), i)
            }
            Node::Model
            | Node::Journeys
            | Node::Grades
            | Node::Matrix
            | Node::Tiers
            | Node::Segments
            | Node::Personas
            | Node::Samples
            | Node::Fields => return None,
        })
    }

    /// The list of a section header.
    pub fn section_list(&self) -> Option<ListRef> {
        match self {
            Node::Journeys => Some(ListRef::Journeys),
            Node::Grades => Some(ListRef::Grades),
            Node::Tiers => Some(ListRef::Tiers),
            Node::Segments => Some(ListRef::Segments),
            Node::Personas => Some(ListRef::Personas),
            Node::Samples => Some(ListRef::Samples),
            Node::Fields => Some(ListRef::Fields),
            _ => None,
        }
    }

    /// The item at this node, cloned, or `None` when the node is not in the model.
    pub fn item(&self, m: &Model) -> Option<Item> {
        Some(match self {
            Node::Model => Item::Info(Info {
                name: m.name.clone(),
                note: m.note.clone(),
                as_of: m.as_of,
                contacts: m.contacts.clone(),
            }),
            Node::Tiers => Item::TiersJourney(
                m.tiers
                    .as_ref()
                    .map(|t| t.journey.clone())
                    .unwrap_or_default(),
            ),
            Node::Journey(i) => Item::Journey(m.journeys.get(*i)?.clone()),
            Node::Touchpoint { journey, path } => {
                Item::Touchpoint(touchpoint(m, *journey, path)?.clone())
            }
            Node::Signal {
                journey,
                touchpoint: tp,
                index,
            } => Item::Signal(touchpoint(m, *journey, tp)?.signals.get(*index)?.clone()),
            Node::Adjustment { journey, index } => {
                Item::Adjustment(m.journeys.get(*journey)?.adjustments.get(*index)?.clone())
            }
            Node::Part { journey, index } => {
                Item::Part(m.journeys.get(*journey)?.parts.get(*index)?.clone())
            }
            Node::Grade(i) => Item::Grade(m.grades.get(*i)?.clone()),
            Node::Matrix => Item::Matrix(m.matrix.clone()),
            Node::Tier(i) => Item::Tier(m.tiers.as_ref()?.levels.get(*i)?.clone()),
            Node::Segment(i) => Item::Segment(m.segments.get(*i)?.clone()),
            Node::Persona(i) => Item::Persona(m.personas.get(*i)?.clone()),
            Node::Sample(i) => Item::Sample(m.samples.get(*i)?.clone()),
            Node::Field(i) => Item::Field(m.fields.get(*i)?.clone()),
            // The account model has no properties of its own to edit here (its name is the
            // model's); its items are read from a view built for the occasion.
            Node::Account(n) if **n == Node::Model => return None,
            Node::Account(n) => n.item(&account_view(m)?)?,
            Node::Journeys
            | Node::Grades
            | Node::Segments
            | Node::Personas
            | Node::Samples
            | Node::Fields => {
                return None;
            }
        })
    }

    /// Whether the node is in the model.
    pub fn exists(&self, m: &Model) -> bool {
        match self {
            Node::Model
            | Node::Journeys
            | Node::Grades
            | Node::Matrix
            | Node::Tiers
            | Node::Segments
            | Node::Personas
            | Node::Samples
            | Node::Fields => true,
            Node::Account(n) => account_view(m).is_some_and(|a| n.exists(&a)),
            _ => self.item(m).is_some(),
        }
    }

    /// The journey this node belongs to, if any.
    pub fn journey(&self) -> Option<usize> {
        match self {
            Node::Journey(j)
            | Node::Touchpoint { journey: j, .. }
            | Node::Signal { journey: j, .. }
            | Node::Adjustment { journey: j, .. }
            | Node::Part { journey: j, .. } => Some(*j),
            _ => None,
        }
    }

    /// Whether the node is in the account model.
    pub fn is_account(&self) -> bool {
        matches!(self, Node::Account(_))
    }
}

/// The account model of a model with an `accounts:` block, as the nodes under `Node::Account`
/// address it: the roll-ups and roles as its fields, the block's journeys, grades, tiers and
/// segments (`Accounts::account_model`).
pub fn account_view(m: &Model) -> Option<Model> {
    m.accounts.as_ref().map(|a| a.account_model(m))
}

/// The touchpoint at `path` of journey `journey`.
pub fn touchpoint<'a>(m: &'a Model, journey: usize, path: &[usize]) -> Option<&'a Touchpoint> {
    let (first, rest) = path.split_first()?;
    let mut t = m.journeys.get(journey)?.touchpoints.get(*first)?;
    for &i in rest {
        t = t.touchpoints.get(i)?;
    }
    Some(t)
}

fn touchpoint_mut<'a>(j: &'a mut Journey, path: &[usize]) -> Option<&'a mut Touchpoint> {
    let (first, rest) = path.split_first()?;
    let mut t = j.touchpoints.get_mut(*first)?;
    for &i in rest {
        t = t.touchpoints.get_mut(i)?;
    }
    Some(t)
}

/// The model's own properties, edited as one item.
#[derive(Clone, Debug, PartialEq)]
pub struct Info {
    pub name: String,
    pub note: Option<String>,
    pub as_of: Option<Date>,
    pub contacts: Option<String>,
}

/// One item of any list, or the model's own properties: what operations carry.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Info(Info),
    TiersJourney(String),
    Journey(Journey),
    Touchpoint(Touchpoint),
    Signal(Signal),
    Adjustment(Adjustment),
    Part(Part),
    Grade(Grade),
    /// The matrix, or none.
    Matrix(Option<Matrix>),
    Tier(Tier),
    Segment(Segment),
    Persona(Persona),
    Sample(Sample),
    Field(Field),
}

impl Item {
    /// The name a person reads for this item.
    pub fn title(&self) -> String {
        match self {
            Item::Info(i) => i.name.clone(),
            Item::TiersJourney(j) => j.clone(),
            Item::Journey(j) => j.title().to_string(),
            Item::Touchpoint(t) => t.title().to_string(),
            Item::Signal(s) => s.field.clone(),
            Item::Adjustment(a) => a.name.clone(),
            Item::Part(p) => p.journey.clone(),
            Item::Grade(g) => g.id.clone(),
            Item::Matrix(_) => "Matrix".into(),
            Item::Tier(t) => t.name.clone(),
            Item::Segment(s) => s.name.clone(),
            Item::Persona(p) => p.name.clone(),
            Item::Sample(s) => sample_title(s),
            Item::Field(f) => f.id.clone(),
        }
    }
}

/// A change to the model. [`apply`] carries it out and returns its inverse.
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    Insert {
        list: ListRef,
        index: usize,
        item: Item,
    },
    Remove {
        list: ListRef,
        index: usize,
    },
    Move {
        list: ListRef,
        from: usize,
        to: usize,
    },
    /// Replaces the item at a node (a property edit: the item with the property changed).
    Replace {
        node: Node,
        item: Item,
    },
    SetWeight {
        list: ListRef,
        index: usize,
        weight: Weight,
    },
    /// Sets every weight of a list at once (balancing).
    SetWeights {
        list: ListRef,
        weights: Vec<Weight>,
    },
    /// Sets or clears the whole tiers section (how adding the first tier is undone).
    SetTiers(Option<Tiers>),
    /// Several operations as one step (a new field and the signal that reads it).
    Batch(Vec<Op>),
    /// Replaces the whole model (restoring the recovery copy of unsaved edits).
    SetModel(Box<Model>),
    /// An operation on the account model (`accounts:`), its lists and nodes addressed in it.
    Accounts(Box<Op>),
}

impl Op {
    /// The node to select once the operation is applied to `m`.
    pub fn focus(&self, m: &Model) -> Option<Node> {
        match self {
            Op::Insert { list, index, .. } | Op::SetWeight { list, index, .. } => {
                Some(list.node(*index))
            }
            Op::Remove { list, index } => {
                let len = list.len(m);
                Some(if len == 0 {
                    list.owner()
                } else {
                    list.node((*index).min(len - 1))
                })
            }
            Op::Move { list, to, .. } => Some(list.node(*to)),
            Op::Replace { node, .. } => Some(node.clone()),
            Op::SetWeights { .. } => None,
            Op::SetTiers(_) => Some(Node::Tiers),
            Op::SetModel(_) => Some(Node::Model),
            Op::Batch(ops) => ops.iter().rev().find_map(|o| o.focus(m)),
            Op::Accounts(op) => op
                .focus(&account_view(m)?)
                .map(|n| Node::Account(Box::new(n))),
        }
    }

    /// The operation on the account model this one is, its lists and nodes unwrapped from
    /// `ListRef::Account` and `Node::Account`; `None` for an operation on the contact level.
    fn in_accounts(&self) -> Option<Op> {
        let inner = |l: &ListRef| match l {
            ListRef::Account(l) => Some((**l).clone()),
            _ => None,
        };
        Some(match self {
            Op::Accounts(op) => (**op).clone(),
            Op::Insert { list, index, item } => Op::Insert {
                list: inner(list)?,
                index: *index,
                item: item.clone(),
            },
            Op::Remove { list, index } => Op::Remove {
                list: inner(list)?,
                index: *index,
            },
            Op::Move { list, from, to } => Op::Move {
                list: inner(list)?,
                from: *from,
                to: *to,
            },
            Op::Replace {
                node: Node::Account(node),
                item,
            } => Op::Replace {
                node: (**node).clone(),
                item: item.clone(),
            },
            Op::SetWeight {
                list,
                index,
                weight,
            } => Op::SetWeight {
                list: inner(list)?,
                index: *index,
                weight: *weight,
            },
            Op::SetWeights { list, weights } => Op::SetWeights {
                list: inner(list)?,
                weights: weights.clone(),
            },
            Op::Replace { .. } | Op::SetTiers(_) | Op::Batch(_) | Op::SetModel(_) => return None,
        })
    }

    /// Whether the operation changes something the account model holds of its own (its
    /// journeys, grades, tiers, segments), rather than what it is given (its fields are the
    /// block's roll-ups and roles, its name and date the model's).
    fn fits_the_account_model(&self) -> bool {
        let own = |l: &ListRef| {
            matches!(
                l,
                ListRef::Journeys
                    | ListRef::Touchpoints { .. }
                    | ListRef::Signals { .. }
                    | ListRef::Adjustments { .. }
                    | ListRef::Parts { .. }
                    | ListRef::Grades
                    | ListRef::Tiers
                    | ListRef::Segments
            )
        };
        match self {
            Op::Insert { list, .. }
            | Op::Remove { list, .. }
            | Op::Move { list, .. }
            | Op::SetWeight { list, .. }
            | Op::SetWeights { list, .. } => own(list),
            Op::Replace { node, .. } => match node {
                Node::Tiers => true,
                n => n.place().is_some_and(|(l, _)| own(&l)),
            },
            Op::SetTiers(_) => true,
            Op::Batch(ops) => ops.iter().all(Op::fits_the_account_model),
            Op::SetModel(_) | Op::Accounts(_) => false,
        }
    }
}

/// Applies an operation on the account model: its journeys, grades, tiers and segments are
/// moved out of the `accounts:` block into the account model, the operation applied there, and
/// moved back, so every list operation (and its inverse) is the contact level's own code.
fn apply_accounts(m: &mut Model, op: &Op) -> Result<Op, String> {
    if !op.fits_the_account_model() {
        return Err(
            "the account model's roll-ups and roles are edited in the model file for now".into(),
        );
    }
    let mut view = account_view(m).ok_or("the model has no accounts block")?;
    let Some(accounts) = m.accounts.as_mut() else {
        return Err("the model has no accounts block".into());
    };
    let result = apply(&mut view, op);
    accounts.journeys = view.journeys;
    accounts.grades = view.grades;
    accounts.tiers = view.tiers;
    accounts.segments = view.segments;
    result.map(|inverse| Op::Accounts(Box::new(inverse)))
}

/// A list of one of the model's item types, borrowed for one operation.
enum AnyList<'a> {
    Journeys(&'a mut Vec<Journey>),
    Touchpoints(&'a mut Vec<Touchpoint>),
    Signals(&'a mut Vec<Signal>),
    Adjustments(&'a mut Vec<Adjustment>),
    Parts(&'a mut Vec<Part>),
    Grades(&'a mut Vec<Grade>),
    Tiers(&'a mut Vec<Tier>),
    Segments(&'a mut Vec<Segment>),
    Personas(&'a mut Vec<Persona>),
    Samples(&'a mut Vec<Sample>),
    Fields(&'a mut Vec<Field>),
}

fn gone(list: &ListRef) -> String {
    format!("the {} list is no longer there", list.what())
}

fn list_mut<'a>(m: &'a mut Model, list: &ListRef) -> Result<AnyList<'a>, String> {
    Ok(match list {
        ListRef::Journeys => AnyList::Journeys(&mut m.journeys),
        ListRef::Touchpoints { journey, parent } => {
            let j = m.journeys.get_mut(*journey).ok_or_else(|| gone(list))?;
            if parent.is_empty() {
                AnyList::Touchpoints(&mut j.touchpoints)
            } else {
                AnyList::Touchpoints(
                    &mut touchpoint_mut(j, parent)
                        .ok_or_else(|| gone(list))?
                        .touchpoints,
                )
            }
        }
        ListRef::Signals {
            journey,
            touchpoint,
        } => {
            let j = m.journeys.get_mut(*journey).ok_or_else(|| gone(list))?;
            AnyList::Signals(
                &mut touchpoint_mut(j, touchpoint)
                    .ok_or_else(|| gone(list))?
                    .signals,
            )
        }
        ListRef::Adjustments { journey } => AnyList::Adjustments(
            &mut m
                .journeys
                .get_mut(*journey)
                .ok_or_else(|| gone(list))?
                .adjustments,
        ),
        ListRef::Parts { journey } => AnyList::Parts(
            &mut m
                .journeys
                .get_mut(*journey)
                .ok_or_else(|| gone(list))?
                .parts,
        ),
        ListRef::Grades => AnyList::Grades(&mut m.grades),
        ListRef::Tiers => {
            let journey = m.journeys.first().map(|j| j.id.clone()).unwrap_or_default();
            AnyList::Tiers(
                &mut m
                    .tiers
                    .get_or_insert_with(|| Tiers {
                        journey,
                        levels: Vec::new(),
                    })
                    .levels,
            )
        }
        ListRef::Segments => AnyList::Segments(&mut m.segments),
        ListRef::Personas => AnyList::Personas(&mut m.personas),
        ListRef::Samples => AnyList::Samples(&mut m.samples),
        ListRef::Fields => AnyList::Fields(&mut m.fields),
        // `apply_one` hands these to `apply_accounts` before it comes here.
        ListRef::Account(_) => return Err(gone(list)),
    })
}

/// An item type that lives in a list: how it goes in and out of `Item`, and its weight.
trait Entry: Clone {
    fn wrap(self) -> Item;
    fn unwrap(item: Item) -> Option<Self>;
    fn weight_mut(&mut self) -> Option<&mut Weight> {
        None
    }
}

macro_rules! entry {
    ($t:ty, $v:ident) => {
        impl Entry for $t {
            fn wrap(self) -> Item {
                Item::$v(self)
            }
            fn unwrap(item: Item) -> Option<Self> {
                match item {
                    Item::$v(x) => Some(x),
                    _ => None,
                }
            }
        }
    };
    ($t:ty, $v:ident, weighted) => {
        impl Entry for $t {
            fn wrap(self) -> Item {
                Item::$v(self)
            }
            fn unwrap(item: Item) -> Option<Self> {
                match item {
                    Item::$v(x) => Some(x),
                    _ => None,
                }
            }
            fn weight_mut(&mut self) -> Option<&mut Weight> {
                Some(&mut self.weight)
            }
        }
    };
}

entry!(Journey, Journey);
entry!(Touchpoint, Touchpoint, weighted);
entry!(Signal, Signal, weighted);
entry!(Adjustment, Adjustment);
entry!(Part, Part, weighted);
entry!(Grade, Grade);
entry!(Tier, Tier);
entry!(Segment, Segment);
entry!(Persona, Persona);
entry!(Sample, Sample);
entry!(Field, Field);

/// One operation on one list, generic over the item type.
fn on_list<T: Entry>(v: &mut Vec<T>, list: &ListRef, op: &Op) -> Result<Op, String> {
    let what = list.what();
    let wrong = || format!("that item is not a {what}");
    let missing = |i: usize| format!("there is no {what} number {} here", i + 1);
    match op {
        Op::Insert { index, item, .. } => {
            if *index > v.len() {
                return Err(missing(*index));
            }
            v.insert(*index, T::unwrap(item.clone()).ok_or_else(wrong)?);
            Ok(Op::Remove {
                list: list.clone(),
                index: *index,
            })
        }
        Op::Remove { index, .. } => {
            if *index >= v.len() {
                return Err(missing(*index));
            }
            let item = v.remove(*index).wrap();
            Ok(Op::Insert {
                list: list.clone(),
                index: *index,
                item,
            })
        }
        Op::Move { from, to, .. } => {
            if *from >= v.len() || *to >= v.len() {
                return Err(format!("cannot move the {what} there"));
            }
            let x = v.remove(*from);
            v.insert(*to, x);
            Ok(Op::Move {
                list: list.clone(),
                from: *to,
                to: *from,
            })
        }
        Op::Replace { node, item } => {
            let index = node.place().map(|(_, i)| i).ok_or_else(wrong)?;
            let slot = v.get_mut(index).ok_or_else(|| missing(index))?;
            let new = T::unwrap(item.clone()).ok_or_else(wrong)?;
            let old = std::mem::replace(slot, new).wrap();
            Ok(Op::Replace {
                node: node.clone(),
                item: old,
            })
        }
        Op::SetWeight { index, weight, .. } => {
            let slot = v.get_mut(*index).ok_or_else(|| missing(*index))?;
            let w = slot
                .weight_mut()
                .ok_or_else(|| format!("a {what} has no weight"))?;
            let old = std::mem::replace(w, *weight);
            Ok(Op::SetWeight {
                list: list.clone(),
                index: *index,
                weight: old,
            })
        }
        Op::SetWeights { weights, .. } => {
            if weights.len() != v.len() {
                return Err(format!(
                    "expected {} weights, got {}",
                    v.len(),
                    weights.len()
                ));
            }
            let mut old = Vec::with_capacity(v.len());
            for (slot, w) in v.iter_mut().zip(weights) {
                let sw = slot
                    .weight_mut()
                    .ok_or_else(|| format!("a {what} has no weight"))?;
                old.push(std::mem::replace(sw, *w));
            }
            Ok(Op::SetWeights {
                list: list.clone(),
                weights: old,
            })
        }
        Op::Batch(_) | Op::SetTiers(_) | Op::SetModel(_) | Op::Accounts(_) => {
            Err("not a list operation".into())
        }
    }
}

/// Applies one operation to the model and returns the operation that undoes it. On error the
/// model is unchanged.
pub fn apply(m: &mut Model, op: &Op) -> Result<Op, String> {
    let touches_tiers = matches!(
        op,
        Op::Insert {
            list: ListRef::Tiers,
            ..
        } | Op::Replace {
            node: Node::Tiers,
            ..
        }
    );
    if touches_tiers && m.tiers.is_none() {
        // The op creates the tiers section; undoing it must take the section away again.
        let inverse = apply_one(m, op)?;
        return Ok(Op::Batch(vec![inverse, Op::SetTiers(None)]));
    }
    apply_one(m, op)
}

fn apply_one(m: &mut Model, op: &Op) -> Result<Op, String> {
    if let Some(inner) = op.in_accounts() {
        return apply_accounts(m, &inner);
    }
    let list = match op {
        Op::Accounts(inner) => return apply_accounts(m, inner),
        Op::SetTiers(t) => return Ok(Op::SetTiers(std::mem::replace(&mut m.tiers, t.clone()))),
        Op::SetModel(new) => {
            return Ok(Op::SetModel(Box::new(std::mem::replace(
                m,
                (**new).clone(),
            ))));
        }
        Op::Batch(ops) => {
            let mut undo = Vec::with_capacity(ops.len());
            for o in ops {
                match apply(m, o) {
                    Ok(inv) => undo.push(inv),
                    Err(e) => {
                        // Take back what this batch did so far, newest first.
                        for inv in undo.iter().rev() {
                            let _ = apply(m, inv);
                        }
                        return Err(e);
                    }
                }
            }
            undo.reverse();
            return Ok(Op::Batch(undo));
        }
        Op::Replace {
            node: Node::Model,
            item,
        } => {
            let Item::Info(info) = item else {
                return Err("the model takes its own properties".into());
            };
            let old = Info {
                name: std::mem::replace(&mut m.name, info.name.clone()),
                note: std::mem::replace(&mut m.note, info.note.clone()),
                as_of: std::mem::replace(&mut m.as_of, info.as_of),
                contacts: std::mem::replace(&mut m.contacts, info.contacts.clone()),
            };
            return Ok(Op::Replace {
                node: Node::Model,
                item: Item::Info(old),
            });
        }
        Op::Replace {
            node: Node::Tiers,
            item,
        } => {
            let Item::TiersJourney(journey) = item else {
                return Err("tiers take a journey".into());
            };
            let tiers = m.tiers.get_or_insert_with(|| Tiers {
                journey: String::new(),
                levels: Vec::new(),
            });
            let old = std::mem::replace(&mut tiers.journey, journey.clone());
            return Ok(Op::Replace {
                node: Node::Tiers,
                item: Item::TiersJourney(old),
            });
        }
        Op::Replace {
            node: Node::Matrix,
            item,
        } => {
            let Item::Matrix(matrix) = item else {
                return Err("the matrix takes a matrix".into());
            };
            let old = std::mem::replace(&mut m.matrix, matrix.clone());
            return Ok(Op::Replace {
                node: Node::Matrix,
                item: Item::Matrix(old),
            });
        }
        Op::Replace { node, .. } => {
            node.place()
                .ok_or("that part of the model cannot be replaced")?
                .0
        }
        Op::Insert { list, .. }
        | Op::Remove { list, .. }
        | Op::Move { list, .. }
        | Op::SetWeight { list, .. }
        | Op::SetWeights { list, .. } => list.clone(),
    };
    match list_mut(m, &list)? {
        AnyList::Journeys(v) => on_list(v, &list, op),
        AnyList::Touchpoints(v) => on_list(v, &list, op),
        AnyList::Signals(v) => on_list(v, &list, op),
        AnyList::Adjustments(v) => on_list(v, &list, op),
        AnyList::Parts(v) => on_list(v, &list, op),
        AnyList::Grades(v) => on_list(v, &list, op),
        AnyList::Tiers(v) => on_list(v, &list, op),
        AnyList::Segments(v) => on_list(v, &list, op),
        AnyList::Personas(v) => on_list(v, &list, op),
        AnyList::Samples(v) => on_list(v, &list, op),
        AnyList::Fields(v) => on_list(v, &list, op),
    }
}

/// What a person reads for a sample: its first value (an id, usually).
pub fn sample_title(s: &Sample) -> String {
    match s.values().next() {
        Some(v) => v.to_string(),
        None => "(empty sample)".into(),
    }
}

/// Kept here too, where the designer's edits have always found it.
pub use crate::model::unique_id;

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::model::{FieldKind, Rule};

    fn model() -> Model {
        let mut t1 = Touchpoint::new("a", Weight(6000));
        t1.signals.push(Signal {
            field: "visits".into(),
            weight: Weight::HUNDRED,
            rule: Rule::Scale {
                from: 0.0,
                to: 10.0,
            },
            missing: None,
            decay: None,
            note: None,
        });
        let t2 = Touchpoint::new("b", Weight(4000));
        Model {
            name: "m".into(),
            fields: vec![Field::new("visits", FieldKind::Number)],
            journeys: vec![Journey {
                touchpoints: vec![t1, t2],
                ..Journey::new("j")
            }],
            ..Model::default()
        }
    }

    fn tps() -> ListRef {
        ListRef::Touchpoints {
            journey: 0,
            parent: vec![],
        }
    }

    #[test]
    fn every_op_undoes() {
        let ops = vec![
            Op::Insert {
                list: tps(),
                index: 1,
                item: Item::Touchpoint(Touchpoint::new("c", Weight(0))),
            },
            Op::Remove {
                list: tps(),
                index: 0,
            },
            Op::Move {
                list: tps(),
                from: 0,
                to: 1,
            },
            Op::SetWeight {
                list: tps(),
                index: 1,
                weight: Weight(3000),
            },
            Op::SetWeights {
                list: tps(),
                weights: vec![Weight(5000), Weight(5000)],
            },
            Op::Replace {
                node: Node::Model,
                item: Item::Info(Info {
                    name: "n".into(),
                    note: None,
                    as_of: None,
                    contacts: None,
                }),
            },
            Op::Replace {
                node: Node::Tiers,
                item: Item::TiersJourney("j".into()),
            },
            Op::Insert {
                list: ListRef::Tiers,
                index: 0,
                item: Item::Tier(Tier {
                    name: "hot".into(),
                    at_least: 50.0,
                    handover: String::new(),
                    to_person: None,
                    capacity: None,
                }),
            },
            Op::Batch(vec![
                Op::Insert {
                    list: ListRef::Fields,
                    index: 1,
                    item: Item::Field(Field::new("x", FieldKind::Text)),
                },
                Op::Remove {
                    list: ListRef::Fields,
                    index: 0,
                },
            ]),
        ];
        for op in ops {
            let before = model();
            let mut m = before.clone();
            let inv = apply(&mut m, &op).unwrap();
            assert_ne!(m, before, "{op:?} changed nothing");
            let again = apply(&mut m, &inv).unwrap();
            assert_eq!(m, before, "{op:?} did not undo");
            apply(&mut m, &again).unwrap();
            assert_eq!(
                apply(&mut m.clone(), &inv).map(|_| ()),
                Ok(()),
                "{op:?}: redo then undo"
            );
        }
    }

    /// An operation on the account model changes the `accounts:` block only, and its inverse
    /// gives the block back; roll-ups and roles (the account model's fields) are refused.
    #[test]
    fn an_account_op_changes_the_block_and_undoes() {
        let mut before = model();
        before.accounts = Some(crate::model::accounts::Accounts {
            id_column: "company".into(),
            journeys: model().journeys,
            ..Default::default()
        });
        let list = ListRef::Account(Box::new(tps()));
        let mut m = before.clone();
        let inv = apply(
            &mut m,
            &Op::SetWeight {
                list: list.clone(),
                index: 1,
                weight: Weight(2500),
            },
        )
        .unwrap();
        assert_eq!(m.journeys, before.journeys);
        let journeys = &m.accounts.as_ref().unwrap().journeys;
        assert_eq!(journeys[0].touchpoints[1].weight, Weight(2500));
        assert_eq!(list.weights(&m), Some(vec![Weight(6000), Weight(2500)]));
        assert_eq!(
            inv.focus(&m),
            Some(Node::Account(Box::new(Node::Touchpoint {
                journey: 0,
                path: vec![1]
            })))
        );
        apply(&mut m, &inv).unwrap();
        assert_eq!(m, before);
        let field = Op::Remove {
            list: ListRef::Account(Box::new(ListRef::Fields)),
            index: 0,
        };
        assert!(
            apply(&mut m, &field)
                .unwrap_err()
                .contains("roll-ups and roles")
        );
        assert_eq!(m, before);
        // Without an accounts block there is nothing to change.
        let mut plain = model();
        assert!(
            apply(
                &mut plain,
                &Op::SetWeight {
                    list,
                    index: 0,
                    weight: Weight(1),
                }
            )
            .is_err()
        );
        assert_eq!(plain, model());
    }

    #[test]
    fn failing_batch_changes_nothing() {
        let mut m = model();
        let op = Op::Batch(vec![
            Op::Remove {
                list: tps(),
                index: 0,
            },
            Op::Remove {
                list: tps(),
                index: 5,
            },
        ]);
        assert!(apply(&mut m, &op).is_err());
        assert_eq!(m, model());
    }

    #[test]
    fn wrong_item_kind_is_refused() {
        let mut m = model();
        let op = Op::Insert {
            list: tps(),
            index: 0,
            item: Item::Field(Field::new("x", FieldKind::Text)),
        };
        assert_eq!(
            apply(&mut m, &op).unwrap_err(),
            "that item is not a touchpoint"
        );
        assert_eq!(m, model());
    }

    #[test]
    fn unique_ids() {
        assert_eq!(unique_id("a", &["b"]), "a");
        assert_eq!(unique_id("a", &["a", "a_2"]), "a_3");
    }
}
