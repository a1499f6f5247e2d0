//! The journey map: each journey a lane, its top-level touchpoints as cards along it, and the
//! Six Pillars grid of the same touchpoints.
//!
//! The map has no cursor of its own: the selected card is the tree's selected node (or the
//! touchpoint that holds it), so the tree's editing operations, and undo, work on the card
//! unchanged, and switching screens never loses the place. This module says where a move on
//! the map lands, as a `Node`; `App` selects it.

use crate::model::{Model, Owner, Pillar};
use crate::tui::ops::Node;

/// What the map screen shows: the board of cards, or the Six Pillars grid.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MapState {
    pub grid: bool,
}

/// The place of a node on the map: its lane (journey) and the card (top-level touchpoint)
/// that holds it; `None` as the card when the lane itself (the journey, one of its
/// adjustments, or a composite's part, which its lane lists) is selected. Nodes outside the
/// journeys have no place.
pub fn place(node: &Node) -> Option<(usize, Option<usize>)> {
    match node {
        Node::Journey(j) | Node::Adjustment { journey: j, .. } | Node::Part { journey: j, .. } => {
            Some((*j, None))
        }
        Node::Touchpoint { journey, path } => Some((*journey, path.first().copied())),
        Node::Signal {
            journey,
            touchpoint,
            ..
        } => Some((*journey, touchpoint.first().copied())),
        _ => None,
    }
}

/// The node of a card, or of its lane when `card` is `None`.
pub fn card_node(journey: usize, card: Option<usize>) -> Node {
    match card {
        Some(k) => Node::Touchpoint {
            journey,
            path: vec![k],
        },
        None => Node::Journey(journey),
    }
}

/// Where the map cursor goes from `node` when it moves `by` cards along the lane: before the
/// first card is the lane itself (where `i` adds a card and `b` balances the lane).
pub fn along(model: &Model, node: &Node, by: i64) -> Node {
    let Some((j, card)) = place(node).or_else(|| first_place(model)) else {
        return node.clone();
    };
    let n = model.journeys.get(j).map_or(0, |x| x.touchpoints.len()) as i64;
    // The lane is position -1, its cards 0..n.
    let now = card.map_or(-1, |k| k as i64);
    let to = (now + by).clamp(-1, n - 1);
    card_node(j, usize::try_from(to).ok())
}

/// Where the map cursor goes from `node` when it moves `by` lanes: the card at the same
/// position in that lane (or its last card, or the lane itself when it has none).
pub fn across(model: &Model, node: &Node, by: i64) -> Node {
    let lanes = model.journeys.len() as i64;
    if lanes == 0 {
        return node.clone();
    }
    let Some((j, card)) = place(node) else {
        return first_place(model).map_or(node.clone(), |(j, c)| card_node(j, c));
    };
    let to = (j as i64 + by).clamp(0, lanes - 1) as usize;
    let n = model.journeys[to].touchpoints.len();
    let card = match (card, n) {
        (_, 0) => None,
        (Some(k), n) => Some(k.min(n - 1)),
        (None, _) => None,
    };
    card_node(to, card)
}

/// Every place of the map in reading order (lane, then its cards): the rows of the grid.
pub fn places(model: &Model) -> Vec<(usize, Option<usize>)> {
    let mut out = Vec::new();
    for (j, journey) in model.journeys.iter().enumerate() {
        out.push((j, None));
        out.extend((0..journey.touchpoints.len()).map(|k| (j, Some(k))));
    }
    out
}

/// Where the grid's cursor goes from `node` when it moves `by` rows.
pub fn down_the_grid(model: &Model, node: &Node, by: i64) -> Node {
    let all = places(model);
    if all.is_empty() {
        return node.clone();
    }
    let now = place(node)
        .and_then(|p| all.iter().position(|q| *q == p))
        .map_or(-1, |i| i as i64);
    let to = (now + by).clamp(0, all.len() as i64 - 1) as usize;
    let (j, c) = all[to];
    card_node(j, c)
}

/// The first place of the map: the first journey's first card, or the journey.
pub fn first_place(model: &Model) -> Option<(usize, Option<usize>)> {
    let j = model.journeys.first()?;
    Some((0, (!j.touchpoints.is_empty()).then_some(0)))
}

/// The owner on a card.
pub fn owner_word(o: Owner) -> &'static str {
    o.name()
}

/// A pillar's name on a chip or in a narrow column.
pub fn pillar_short(p: Pillar) -> &'static str {
    match p {
        Pillar::Integrity => "integrity",
        Pillar::Resolution => "resolution",
        Pillar::Expectations => "expect",
        Pillar::TimeAndEffort => "time/effort",
        Pillar::Personalisation => "personal",
        Pillar::Empathy => "empathy",
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::model::parse_model;

    const M: &str = "name: m\nfields: []\njourneys:\n  - id: a\n    touchpoints:\n      - { id: x, weight: 50 }\n      - { id: y, weight: 50 }\n  - id: b\n    touchpoints: []\n  - id: c\n    touchpoints:\n      - { id: z, weight: 100 }\n";

    #[test]
    fn moves_along_and_across_lanes_stay_on_the_map() {
        let m = parse_model(M, "m.yaml").unwrap();
        let x = card_node(0, Some(0));
        assert_eq!(along(&m, &x, 1), card_node(0, Some(1)));
        assert_eq!(along(&m, &x, 5), card_node(0, Some(1)));
        assert_eq!(along(&m, &x, -1), Node::Journey(0));
        assert_eq!(along(&m, &Node::Journey(0), -1), Node::Journey(0));
        let y = card_node(0, Some(1));
        assert_eq!(across(&m, &y, 1), Node::Journey(1));
        assert_eq!(across(&m, &y, 2), card_node(2, Some(0)));
        assert_eq!(across(&m, &y, -3), card_node(0, Some(1)));
        // From outside the journeys, the map starts at the first card.
        assert_eq!(along(&m, &Node::Fields, 0), card_node(0, Some(0)));
        assert_eq!(down_the_grid(&m, &y, 1), Node::Journey(1));
        assert_eq!(down_the_grid(&m, &y, 2), Node::Journey(2));
        assert_eq!(down_the_grid(&m, &Node::Fields, 1), Node::Journey(0));
        // A composite's part is on its journey's lane, which lists the parts.
        let part = Node::Part {
            journey: 2,
            index: 0,
        };
        assert_eq!(place(&part), Some((2, None)));
        assert_eq!(along(&m, &part, 1), card_node(2, Some(0)));
    }
}
