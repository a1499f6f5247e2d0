//! The journey map and the Six Pillars grid: drawn at the projector's 120x40 and the
//! smallest 80x24 with the built-in examples (insta snapshots), moved on with the arrow keys,
//! and edited with the tree's keys, whose edits undo across screens.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::app::{press, render};
use scorewright::model::{Weight, read_model};
use scorewright::tui::ops::Node;
use scorewright::tui::{App, Screen};
use std::path::PathBuf;

fn example(name: &str) -> App {
    let path = PathBuf::from(format!("examples/{name}.yaml"));
    let file = read_model(&path).unwrap();
    App::new(file.model, path)
}

fn tp(journey: usize, k: usize) -> Node {
    Node::Touchpoint {
        journey,
        path: vec![k],
    }
}

#[test]
fn map_of_b2b_customer_at_120x40() {
    let mut app = example("b2b-customer");
    press(&mut app, "m");
    assert!(matches!(app.screen, Screen::Map(_)));
    insta::assert_snapshot!("map_b2b_120x40", render(&mut app, 120, 40));
}

#[test]
fn map_of_b2b_customer_at_80x24_folds_the_far_lanes_and_scrolls_cards() {
    let mut app = example("b2b-customer");
    press(&mut app, "m Down Right Right Right Right");
    assert_eq!(app.node(), tp(1, 3));
    let screen = render(&mut app, 80, 24);
    // Every lane's gauge stays in view, folded or not.
    assert_eq!(screen.matches("Σ ").count(), 4, "{screen}");
    insta::assert_snapshot!("map_b2b_80x24", screen);
}

#[test]
fn map_of_b2c_has_a_column_per_stage() {
    let mut app = example("b2c-hot-warm-cold");
    press(&mut app, "m");
    let screen = render(&mut app, 120, 40);
    assert!(
        screen.contains("PROSPECT") && screen.contains("ONBOARDING"),
        "{screen}"
    );
    insta::assert_snapshot!("map_b2c_120x40", screen);
}

#[test]
fn pillar_grid_at_120x40_and_80x24() {
    let mut app = example("b2b-customer");
    press(&mut app, "m g");
    let big = render(&mut app, 120, 40);
    assert!(
        big.contains("time/effort") && big.contains("Σ Expansion"),
        "{big}"
    );
    insta::assert_snapshot!("pillar_grid_b2b_120x40", big);
    press(&mut app, "Down Down Down Down Down Down Down Down");
    insta::assert_snapshot!("pillar_grid_b2b_80x24", render(&mut app, 80, 24));
    let mut app = example("lead-fit-activity");
    press(&mut app, "m g");
    insta::assert_snapshot!("pillar_grid_lead_120x40", render(&mut app, 120, 40));
}

#[test]
fn the_trees_editing_keys_work_on_the_selected_card_and_undo_across_screens() {
    let mut app = example("b2b-customer");
    press(&mut app, "m Down Right");
    assert_eq!(app.node(), tp(1, 0));
    let before = app.model.journeys[1].touchpoints[0].weight;
    press(&mut app, "+");
    assert_eq!(
        app.model.journeys[1].touchpoints[0].weight,
        Weight(before.0 + 100)
    );
    // Back in the tree, the same touchpoint is selected and undo takes the nudge back.
    press(&mut app, "m");
    assert_eq!(app.screen, Screen::Design);
    assert_eq!(app.node(), tp(1, 0));
    press(&mut app, "u");
    assert_eq!(app.model.journeys[1].touchpoints[0].weight, before);
    // Balancing the lane from its head, adding a card, and deleting it with the question.
    press(&mut app, "Ctrl-r m Left b");
    let sum: i64 = app.model.journeys[1]
        .touchpoints
        .iter()
        .map(|t| t.weight.0)
        .sum();
    assert_eq!(sum, 10_000);
    let n = app.model.journeys[1].touchpoints.len();
    press(&mut app, "Right a r");
    common::app::type_text(&mut app, "Support ticket escalated");
    press(&mut app, "Enter");
    assert_eq!(app.model.journeys[1].touchpoints.len(), n + 1);
    assert_eq!(
        app.model.journeys[1].touchpoints[1].name,
        "Support ticket escalated"
    );
    assert_eq!(app.node(), tp(1, 1));
    assert!(matches!(app.screen, Screen::Map(_)));
    press(&mut app, "x y");
    assert_eq!(app.model.journeys[1].touchpoints.len(), n);
    // Enter edits the card in the tree's detail pane.
    press(&mut app, "Enter");
    assert_eq!(app.screen, Screen::Design);
    assert_eq!(app.focus, scorewright::tui::Focus::Detail);
}

#[test]
fn a_click_selects_the_card_under_it() {
    let mut app = example("b2b-customer");
    press(&mut app, "m");
    let screen = render(&mut app, 120, 40);
    // The attrition lane's second card: find its title on screen.
    let (row, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("Usage falling"))
        .unwrap();
    let col = line.find("Usage falling").unwrap();
    let col = line[..col].chars().count() as u16;
    app.update(scorewright::tui::Action::Click {
        column: col,
        row: row as u16 + 1,
    });
    assert_eq!(app.node(), tp(1, 1), "{screen}");
}

#[test]
fn the_grid_marks_pillars_nothing_serves_and_one_pillar_carrying_most() {
    let text = "name: gaps\nfields: []\njourneys:\n  - id: j\n    name: Leaning\n    touchpoints:\n      - { id: a, name: Talks, weight: 70, pillars: [personalisation] }\n      - { id: b, name: Waits, weight: 30, pillars: [time_and_effort] }\n";
    let model = scorewright::model::parse_model(text, "gaps.yaml").unwrap();
    let mut app = App::new(model, PathBuf::from("gaps.yaml"));
    press(&mut app, "m g");
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("gap"), "{screen}");
    assert!(screen.contains("70▲"), "{screen}");
    assert!(
        screen.contains("no touchpoint serves Integrity, Resolution, Expectations, Empathy"),
        "{screen}"
    );
    assert!(screen.contains("Personalisation carries 70%"), "{screen}");
}
