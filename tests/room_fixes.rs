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
    let lines: Vec<String> = view::help_lines(&app)
        .iter()
        .map(|l| l.to_string())
        .collect();
    assert_eq!(lines[0], "Preview of contacts (where you are)");
    // In the preview `/` filters the contacts: help does not say it finds a node there.
    assert!(lines.iter().any(|l| l.contains("filter by text")));
    assert!(
        !lines.iter().any(|l| l.contains("find a node by name")),
        "{lines:#?}"
    );
    let first = lines[0].clone();
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

fn tp(journey: usize, k: usize) -> scorewright::tui::ops::Node {
    scorewright::tui::ops::Node::Touchpoint {
        journey,
        path: vec![k],
    }
}

#[test]
fn duplicating_a_touchpoint_with_children_gives_fresh_ids_and_says_copy() {
    let mut app = example("b2b-customer");
    app.select(&tp(0, 0));
    let errors = app.errors();
    press(&mut app, "c");
    let copy = &app.model.journeys[0].touchpoints[1];
    assert_eq!(copy.name, "Adopts more of the product (copy)");
    assert_eq!(copy.id, "adoption_copy");
    let ids: Vec<&str> = copy.touchpoints.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "seat_usage_copy",
            "module_breadth_copy",
            "recent_logins_copy"
        ]
    );
    assert!(
        !app.diagnostics.iter().any(|d| d.message.contains("twice")),
        "{:?}",
        app.diagnostics
    );
    // Only the weights are over: no id is used twice.
    assert_eq!(app.errors(), errors + 1);
}

#[test]
fn deleting_a_journey_names_what_depends_on_it() {
    let mut app = example("b2b-customer");
    app.select(&scorewright::tui::ops::Node::Journey(1));
    press(&mut app, "x");
    let Some(Popup::Confirm(c)) = app.popups.last() else {
        panic!("no question")
    };
    let users: Vec<String> = app
        .model
        .segments
        .iter()
        .filter(|s| format!("{:?}", s.when).contains("\"attrition\""))
        .map(|s| format!("segment '{}'", s.name))
        .collect();
    assert!(!users.is_empty());
    for u in &users {
        assert!(
            c.message.contains(u.as_str()),
            "{u} not named: {}",
            c.message
        );
    }
    assert!(c.message.contains("will point at nothing"), "{}", c.message);
}

#[test]
fn an_empty_rename_is_refused_and_changes_nothing() {
    let mut app = example("b2b-customer");
    app.select(&tp(1, 0));
    let before = app.model.clone();
    press(&mut app, "r Backspace Enter");
    let Some(Popup::Input(i)) = app.popups.last() else {
        panic!("the box closed on an empty name")
    };
    assert!(i.error.as_deref().unwrap_or("").contains("cannot be empty"));
    press(&mut app, "Esc");
    assert_eq!(app.model, before);
}

#[test]
fn saving_a_model_with_errors_says_so_and_still_saves() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.yaml");
    let file = read_model(std::path::Path::new("examples/b2b-customer.yaml")).unwrap();
    let mut app = App::new(file.model, path.clone());
    app.select(&tp(1, 0));
    press(&mut app, "+ Ctrl-s");
    let m = app.message.clone().unwrap();
    assert!(
        m.text.contains("saved to") && m.text.contains("with 1 error"),
        "{}",
        m.text
    );
    assert!(path.exists());
}

#[test]
fn the_checks_list_errors_first_and_says_how_many_more_there_are() {
    let mut app = example("b2b-customer");
    // Three weights off in three journeys, and several unused fields (warnings).
    for j in 0..3 {
        app.select(&tp(j, 0));
        press(&mut app, "+");
    }
    let severities: Vec<_> = app.diagnostics.iter().map(|d| d.severity).collect();
    let mut sorted = severities.clone();
    sorted.sort();
    assert_eq!(severities, sorted);
    // Many warnings on top of the errors: a note of the field no signal uses, for each field.
    let mut app2 = App::new(app.model.clone(), PathBuf::from("m.yaml"));
    for i in 0..8 {
        app2.model.fields.push(scorewright::model::Field::new(
            &format!("unused_{i}"),
            scorewright::model::FieldKind::Number,
        ));
    }
    app2.select(&tp(0, 0));
    press(&mut app2, "- +");
    let screen = render(&mut app2, 80, 24);
    assert!(screen.contains("✖"), "{screen}");
    assert!(screen.contains("more"), "{screen}");
}

#[test]
fn balance_gives_equal_shares_and_v_spreads_the_difference() {
    let text = "name: b\nfields: []\njourneys:\n  - id: j\n    touchpoints:\n      - { id: a, weight: 31 }\n      - { id: b, weight: 30 }\n      - { id: c, weight: 25 }\n      - { id: d, weight: 20 }\n      - { id: e, weight: 15 }\n      - { id: f, weight: 10 }\n";
    let model = scorewright::model::parse_model(text, "b.yaml").unwrap();
    let weights = |app: &App| -> Vec<String> {
        app.model.journeys[0]
            .touchpoints
            .iter()
            .map(|t| t.weight.to_string())
            .collect()
    };
    let mut app = App::new(model.clone(), PathBuf::from("b.yaml"));
    app.select(&tp(0, 0));
    press(&mut app, "b");
    assert_eq!(
        weights(&app),
        ["16.67", "16.67", "16.67", "16.67", "16.66", "16.66"]
    );
    assert!(app.message.as_ref().unwrap().text.contains("equal shares"));
    press(&mut app, "u v");
    assert_eq!(
        weights(&app),
        ["25.83", "24.83", "19.83", "14.83", "9.84", "4.84"]
    );
    // The hint says which balance the key does.
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("b balance: equal shares"), "{screen}");
}

#[test]
fn no_negative_zero_in_an_explanation() {
    let text = "name: z\nfields:\n  - { id: tickets, kind: number }\njourneys:\n  - id: j\n    touchpoints:\n      - { id: a, weight: 100, signals: [ { field: tickets, weight: 100, rule: { scale: { from: 10, to: 0 } } } ] }\nsamples:\n  - { id: x, tickets: 10 }\n";
    let model = scorewright::model::parse_model(text, "z.yaml").unwrap();
    let table = scorewright::contacts::Table::from_maps("samples", &model.samples);
    let scored = scorewright::engine::score_table(&model, &table);
    let e = scorewright::engine::explain(&model, &scored, 0);
    let out = scorewright::engine::explain::render_text(&e);
    assert!(!out.contains("-0"), "{out}");
    // The designer's explanation too.
    let mut app = App::new(model, PathBuf::from("z.yaml")).with_contacts(None);
    press(&mut app, "p");
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("×0.00"), "{screen}");
    assert!(!screen.contains("-0"), "{screen}");
}

#[test]
fn without_colour_there_is_no_theme_to_name_or_switch() {
    let mut app = example("b2b-customer");
    app.theme = app.theme.clone().without_color();
    let before = app.theme.name.clone();
    let screen = render(&mut app, 120, 40);
    assert!(!screen.contains("theme:"), "{screen}");
    press(&mut app, "t");
    assert_eq!(app.theme.name, before);
    // The light theme sets a background, so it reads the same on a dark terminal.
    let themes = scorewright::tui::theme::Themes::built_in();
    let light = themes.get("light");
    assert!(light.base().bg.is_some());
}

#[test]
fn the_sort_arrow_means_the_same_on_text_and_numbers() {
    let mut app =
        example("b2b-customer").with_contacts(Some(PathBuf::from("examples/b2b-customer.csv")));
    press(&mut app, "p s");
    // The contact's id: text, A on top, ▼.
    let p = app.preview.as_ref().unwrap();
    assert_eq!(p.sort_arrow(), "▼");
    press(&mut app, "S");
    assert_eq!(app.preview.as_ref().unwrap().sort_arrow(), "▲");
    // A score, largest on top: ▲, as the reversed text.
    press(&mut app, "s");
    let p = app.preview.as_ref().unwrap();
    assert!(matches!(
        p.sort,
        Some(scorewright::tui::preview::Col::Score(_))
    ));
    assert_eq!(p.sort_arrow(), "▲");
    let first = p.order[0];
    let last = *p.order.last().unwrap();
    let col = p.sort.unwrap();
    let num = |r: usize| p.cell(r, col).parse::<f64>().unwrap();
    assert!(num(first) >= num(last));
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .contains("largest on top")
    );
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("▲expansion"), "{screen}");
}

#[test]
fn a_new_touchpoints_id_follows_its_name_until_the_id_is_set() {
    let mut app = example("b2b-customer");
    app.select(&tp(1, 3));
    press(&mut app, "a");
    assert_eq!(app.model.journeys[1].touchpoints[4].id, "touchpoint");
    press(&mut app, "r");
    type_text(&mut app, "Support ticket escalated");
    press(&mut app, "Enter");
    assert_eq!(
        app.model.journeys[1].touchpoints[4].id,
        "support_ticket_escalated"
    );
    press(&mut app, "r");
    type_text(&mut app, "Ticket escalated twice");
    press(&mut app, "Enter");
    assert_eq!(
        app.model.journeys[1].touchpoints[4].id,
        "ticket_escalated_twice"
    );
    // Once someone sets the id, a new name leaves it alone.
    press(&mut app, "Enter Enter");
    type_text(&mut app, "escalated");
    press(&mut app, "Enter Esc r");
    type_text(&mut app, "Escalated, again");
    press(&mut app, "Enter");
    let t = &app.model.journeys[1].touchpoints[4];
    assert_eq!(
        (t.id.as_str(), t.name.as_str()),
        ("escalated", "Escalated, again")
    );
    // An example's own ids (not made from their names) never move on a rename.
    app.select(&tp(1, 1));
    press(&mut app, "r");
    type_text(&mut app, "Usage declining");
    press(&mut app, "Enter");
    assert_eq!(app.model.journeys[1].touchpoints[1].id, "usage_decline");
}

#[test]
fn renaming_a_journeys_id_updates_every_reference_as_one_edit() {
    let mut app = example("b2b-customer");
    let before = app.model.clone();
    assert_eq!(app.errors(), 0);
    app.select(&scorewright::tui::ops::Node::Journey(1));
    press(&mut app, "Enter Enter");
    type_text(&mut app, "churn");
    press(&mut app, "Enter");
    assert_eq!(app.model.journeys[1].id, "churn");
    assert_eq!(app.errors(), 0, "{:?}", app.diagnostics);
    let text = format!("{:?}", app.model);
    assert!(
        !text.contains("\"attrition\""),
        "a reference was left behind"
    );
    let said = app.message.as_ref().unwrap().text.clone();
    assert!(
        said.contains("id attrition → churn") && said.contains("updated segment"),
        "{said}"
    );
    // One undo takes all of it back.
    press(&mut app, "Esc u");
    assert_eq!(app.model, before);
}

#[test]
fn the_note_editor_wraps_long_lines() {
    let mut app = example("b2b-customer");
    app.select(&tp(1, 1));
    // The note is the detail pane's last property of a touchpoint: open it from there.
    let props = app.props();
    let i = props
        .iter()
        .position(|p| *p == scorewright::tui::props::Prop::Note)
        .unwrap();
    press(&mut app, "Enter");
    for _ in 0..i {
        press(&mut app, "Down");
    }
    press(&mut app, "Enter");
    assert!(matches!(app.popups.last(), Some(Popup::Input(i)) if i.multiline));
    type_text(
        &mut app,
        " The room agreed that a fall in usage over two quarters matters more than any single ticket, and asked for this to be reviewed in spring.",
    );
    let screen = render(&mut app, 100, 30);
    // Both ends of the long line are in view: it wraps instead of scrolling sideways.
    assert!(screen.contains("reviewed in spring."), "{screen}");
    assert!(screen.contains("The room agreed"), "{screen}");
}

#[test]
fn the_field_picker_shows_a_fields_label_with_its_id() {
    let mut app = example("b2b-customer");
    app.model.fields[0].label = Some("Seats in use".into());
    let id = app.model.fields[0].id.clone();
    // A signal's field is picked with r on the signal.
    app.select(&scorewright::tui::ops::Node::Signal {
        journey: 1,
        touchpoint: vec![1],
        index: 0,
    });
    press(&mut app, "r");
    let Some(Popup::Picker(p)) = app.popups.last() else {
        panic!("no field picker")
    };
    assert!(
        p.items
            .iter()
            .any(|i| i.label == format!("Seats in use ({id})") && i.value == id),
        "{:?}",
        p.items.iter().map(|i| &i.label).collect::<Vec<_>>()
    );
}
