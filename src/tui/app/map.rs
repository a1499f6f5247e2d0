//! The journey map's half of `App`: moving between cards and lanes, the grid switch, and
//! clicks on cards. The cursor is the tree's selection (see `tui::map`), so every editing key
//! the map shares with the tree is the tree's own action on the selected card.

use super::{Action, App, Focus, Screen};
use crate::tui::map::{self, MapState};
use crate::tui::view;
use ratatui::layout::Rect;

impl App {
    /// The map's moves, switches and clicks; false for actions it leaves to `update` (the
    /// editing keys, which act on the selected card as they do on the tree's row).
    pub(super) fn update_map(&mut self, state: MapState, action: &Action) -> bool {
        let node = self.node();
        let to = match action {
            Action::Up | Action::Down if state.grid => {
                map::down_the_grid(&self.model, &node, step(action))
            }
            Action::Up | Action::Down => map::across(&self.model, &node, step(action)),
            Action::CardPrev => map::along(&self.model, &node, -1),
            Action::CardNext => map::along(&self.model, &node, 1),
            Action::ToggleGrid => {
                self.screen = Screen::Map(MapState { grid: !state.grid });
                return true;
            }
            Action::Back => {
                self.screen = Screen::Design;
                return true;
            }
            Action::Open => {
                // The detail pane of the tree edits every property of the card.
                self.screen = Screen::Design;
                if self.selected_has_props() {
                    self.focus = Focus::Detail;
                }
                return true;
            }
            Action::Click { column, row } if self.popups.is_empty() => {
                let areas = view::layout(Rect::new(0, 0, self.size.0, self.size.1));
                let hit = view::map::node_at(self, view::map::area(&areas), *column, *row);
                match hit {
                    Some(n) => n,
                    None => return true,
                }
            }
            Action::Scroll { down, .. } if self.popups.is_empty() => {
                let by = if *down { 1 } else { -1 };
                if state.grid {
                    map::down_the_grid(&self.model, &node, by)
                } else {
                    map::across(&self.model, &node, by)
                }
            }
            _ => return false,
        };
        self.select(&to);
        true
    }

    /// Opens the map, or goes back to the tree from it.
    pub(super) fn toggle_map(&mut self) {
        if let Screen::Map(_) = self.screen {
            self.screen = Screen::Design;
            return;
        }
        self.screen = Screen::Map(MapState::default());
        self.focus = Focus::Tree;
        if map::place(&self.node()).is_none() {
            // Outside the journeys: start at the first card.
            let to = map::along(&self.model, &self.node(), 0);
            self.select(&to);
        }
    }

    /// Whether the map screen is showing.
    pub fn on_map(&self) -> bool {
        matches!(self.screen, Screen::Map(_))
    }
}

fn step(action: &Action) -> i64 {
    if *action == Action::Up { -1 } else { 1 }
}
