//! The fixes found in the workshop replay of issue 17, each as the key sequence that showed
//! the problem.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::app::{press, render, type_text};
use scorewright::model::read_model;
use scorewright::tui::popups::Popup;
use scorewright::tui::{App, view};
use std::path::PathBuf;

fn example(name: &str) -> App {
    let path = PathBuf::from(format!("examples/{name}.yaml"));
    let file = read_model(&path).unwrap();
    App::new(file.model, path)
}

#[test]
fn typing_into_a_box_that_opens_with_old_text_replaces_it() {
    let mut app = example("b2b-customer");
    // Rename the attrition journey's fourth touchpoint, "Relationship weakened".
    app.select(&scorewright::tui::ops::Node::Touchpoint {
        journey: 1,
        path: vec![3],
    });
    press(&mut app, "r");
    type_text(&mut app, "Support ticket escalated");
    press(&mut app, "Enter");
    assert_eq!(
        app.model.journeys[1].touchpoints[3].name,
        "Support ticket escalated"
    );
    // An arrow key keeps the old text and moves into it.
    press(&mut app, "r Right");
    type_text(&mut app, "!");
    press(&mut app, "Enter");
    assert_eq!(
        app.model.journeys[1].touchpoints[3].name,
        "Support ticket escalated!"
    );
    // Find opens with the last query selected: a new query replaces it.
    press(&mut app, "/");
    type_text(&mut app, "usage");
    press(&mut app, "Enter /");
    type_text(&mut app, "qbr");
    let Some(Popup::Input(i)) = app.popups.last() else {
        panic!("find is not open")
    };
    assert_eq!(i.value(), "qbr");
    // A weight typed from a digit keeps that digit.
    press(&mut app, "Esc");
    app.select(&scorewright::tui::ops::Node::Touchpoint {
        journey: 1,
        path: vec![0],
    });
    press(&mut app, "2 5 Enter");
    assert_eq!(
        app.model.journeys[1].touchpoints[0].weight.to_string(),
        "25"
    );
}

#[test]
fn the_hint_line_keeps_preview_map_help_and_quit_at_120_and_80_columns() {
    for (w, h) in [(120, 40), (80, 24)] {
        for keys in ["", "Tab", "m", "p"] {
            let mut app = example("b2b-customer");
            press(&mut app, keys);
            let screen = render(&mut app, w, h);
            let hints = screen.lines().last().unwrap();
            for hint in ["p preview", "m map", "? keys", "q quit"] {
                assert!(hints.contains(hint), "{keys:?} at {w}: {hints}");
            }
            assert!(!hints.contains('…'), "a hint cut in half: {hints}");
        }
    }
}

#[test]
fn help_puts_the_current_screens_keys_first_pages_and_mentions_the_mouse() {
    let mut app = example("b2b-customer");
    press(&mut app, "m ?");
    let lines: Vec<String> = view::help_lines(&app)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert_eq!(lines[0], "Journey map (where you are)");
    assert!(lines.iter().any(|l| l == "Mouse"));
    assert!(lines.iter().any(|l| l.contains("Ctrl-k")));
    press(&mut app, "Esc p ?");
    let first = view::help_lines(&app)[0].to_string();
    assert_eq!(first, "Preview of contacts (where you are)");
    render(&mut app, 100, 30);
    let scroll = |app: &App| match app.popups.last() {
        Some(Popup::Help { scroll }) => *scroll,
        _ => panic!("help is not open"),
    };
    app.handle_key(ratatui::crossterm::event::KeyEvent::from(
        ratatui::crossterm::event::KeyCode::PageDown,
    ));
    assert_eq!(scroll(&app), 24);
    app.handle_key(ratatui::crossterm::event::KeyEvent::from(
        ratatui::crossterm::event::KeyCode::PageUp,
    ));
    assert_eq!(scroll(&app), 0);
}
