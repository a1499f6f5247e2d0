//! The designer, driven as a user drives it: key sequences against `App`, and every screen
//! rendered into a `TestBackend` and compared with a named insta snapshot.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::app::{press, render, type_text};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use scorewright::model::{Model, Weight, parse_model, read_model};
use scorewright::tui::ops::Node;
use scorewright::tui::{App, Focus, view};
use std::path::PathBuf;

const MODEL: &str = r#"name: Workshop test
fields:
  - { id: visits, kind: number }
  - { id: webinar, kind: boolean }
  - { id: industry, kind: category }
journeys:
  - id: fit
    name: Fit
    ending: conversion
    touchpoints:
      - id: web
        name: Visits the site
        kind: hand_raiser
        pillars: [time_and_effort]
        weight: 50
        signals:
          - { field: visits, weight: 100, rule: { scale: { from: 0, to: 10 } } }
      - id: webinar
        name: Attends a webinar
        pillars: [personalisation]
        weight: 50
        open_question: true
        note: "Sales doubt webinars mean much."
        signals:
          - { field: webinar, weight: 100, rule: flag }
    adjustments:
      - { name: Competitor, when: { field: industry, equals: Software }, points: -20 }
tiers:
  journey: fit
  levels:
    - { name: hot, at_least: 70, handover: sales }
    - { name: cold, at_least: 0, handover: nurture }
segments:
  - { name: Hot leads, when: { tier: hot }, action: Call within a day, route: sales }
  - { name: Everyone else, action: Monthly newsletter, route: marketing }
"#;

fn model() -> Model {
    parse_model(MODEL, "test.yaml").unwrap()
}

fn app_at(path: PathBuf) -> App {
    let mut app = App::new(model(), path);
    app.update(scorewright::tui::Action::Resize(100, 30));
    app
}

fn app() -> App {
    app_at(PathBuf::from("/nonexistent/test.yaml"))
}

fn weights(app: &App) -> Vec<Weight> {
    app.model.journeys[0]
        .touchpoints
        .iter()
        .map(|t| t.weight)
        .collect()
}

fn select(app: &mut App, node: Node) {
    app.select(&node);
    assert_eq!(app.node(), node);
}

fn tp(i: usize) -> Node {
    Node::Touchpoint {
        journey: 0,
        path: vec![i],
    }
}

#[test]
fn workshop_weighs_three_touchpoints_balances_undoes_redoes_saves_and_reloads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.yaml");
    let mut app = app_at(path.clone());
    assert_eq!(app.node(), Node::Journey(0));

    // Add a touchpoint after the first: it takes what is left of 100% (nothing).
    press(&mut app, "Down a");
    assert_eq!(app.node(), tp(1));
    assert_eq!(weights(&app), [Weight(5000), Weight(0), Weight(5000)]);

    // Type 30 into each of the three.
    press(&mut app, "3 0 Enter");
    press(&mut app, "Up Up");
    assert_eq!(app.node(), tp(0));
    press(&mut app, "3 0 Enter");
    press(&mut app, "Down Down Down");
    assert_eq!(app.node(), tp(2));
    press(&mut app, "w");
    type_text(&mut app, "30");
    press(&mut app, "Enter");
    assert_eq!(weights(&app), [Weight(3000); 3]);
    let screen = render(&mut app, 100, 30);
    assert!(screen.contains("90%: 10% left"), "{screen}");
    assert!(app.is_dirty());
    assert!(screen.contains("unsaved changes"), "{screen}");

    // Balance evenly: 33.34 + 33.33 + 33.33.
    press(&mut app, "b");
    assert_eq!(weights(&app), [Weight(3334), Weight(3333), Weight(3333)]);
    let screen = render(&mut app, 100, 30);
    assert!(screen.contains("Σ 100%"), "{screen}");
    assert!(!screen.contains("10% left"), "{screen}");

    press(&mut app, "u");
    assert_eq!(weights(&app), [Weight(3000); 3]);
    assert!(render(&mut app, 100, 30).contains("90%: 10% left"));
    press(&mut app, "Ctrl-r");
    assert_eq!(weights(&app), [Weight(3334), Weight(3333), Weight(3333)]);
    press(&mut app, "Ctrl-z Ctrl-y");
    assert_eq!(weights(&app), [Weight(3334), Weight(3333), Weight(3333)]);

    press(&mut app, "Ctrl-s");
    assert!(!app.is_dirty());
    let reloaded = read_model(&path).unwrap();
    assert_eq!(reloaded.model, app.model);
    assert!(!render(&mut app, 100, 30).contains("unsaved changes"));

    // Undoing back past the save makes it unsaved again; redoing returns to saved.
    press(&mut app, "u");
    assert!(app.is_dirty());
    press(&mut app, "Ctrl-r");
    assert!(!app.is_dirty());
}

#[test]
fn bad_weights_are_refused_in_place_and_change_nothing() {
    let mut app = app();
    select(&mut app, tp(0));
    let before = app.model.clone();
    for (typed, why) in [
        ("abc", "not a number"),
        ("-5", "negative"),
        ("120", "over 100"),
        ("1.234", "two decimals"),
    ] {
        press(&mut app, "w");
        type_text(&mut app, typed);
        let screen = render(&mut app, 100, 30);
        assert!(screen.contains(why), "{typed}: {screen}");
        press(&mut app, "Enter");
        assert_eq!(app.model, before, "{typed} reached the model");
        assert!(!app.popups.is_empty(), "{typed}: the box closed");
        press(&mut app, "Esc");
        assert!(app.popups.is_empty());
    }
    assert!(!app.is_dirty());
}

#[test]
fn nudges_clamp_and_shift_moves_by_five() {
    let mut app = app();
    select(&mut app, tp(0));
    press(&mut app, "+ + -");
    assert_eq!(weights(&app)[0], Weight(5100));
    press(&mut app, "> >");
    assert_eq!(weights(&app)[0], Weight(6100));
    press(&mut app, "Shift-Left");
    assert_eq!(weights(&app)[0], Weight(5600));
    for _ in 0..20 {
        press(&mut app, ">");
    }
    assert_eq!(weights(&app)[0], Weight(10_000));
    press(&mut app, "B");
    // Proportional: 100 and 50 scale to 66.67 and 33.33.
    assert_eq!(weights(&app), [Weight(6667), Weight(3333)]);
}

#[test]
fn add_signal_picks_a_field_or_adds_one_on_the_spot() {
    let mut app = app();
    // On the visits signal, add a sibling signal: the picker lists the fields.
    select(
        &mut app,
        Node::Signal {
            journey: 0,
            touchpoint: vec![0],
            index: 0,
        },
    );
    press(&mut app, "a");
    insta::assert_snapshot!("field_picker", render(&mut app, 80, 24));
    type_text(&mut app, "indus");
    press(&mut app, "Enter");
    let signals = &app.model.journeys[0].touchpoints[0].signals;
    assert_eq!(signals.len(), 2);
    assert_eq!(signals[1].field, "industry");
    assert_eq!(signals[1].weight, Weight(0));
    assert_eq!(signals[1].rule.kind_name(), "match");

    // A new field on the spot: pick "+ new field", name it, choose its kind.
    press(&mut app, "a Up Enter");
    type_text(&mut app, "last_login");
    press(&mut app, "Enter");
    type_text(&mut app, "date");
    press(&mut app, "Enter");
    assert!(app.model.fields.iter().any(|f| f.id == "last_login"));
    let signals = &app.model.journeys[0].touchpoints[0].signals;
    assert_eq!(signals[2].field, "last_login");
    assert_eq!(signals[2].rule.kind_name(), "recency");
    // One undo takes back the field and its signal together.
    press(&mut app, "u");
    assert!(!app.model.fields.iter().any(|f| f.id == "last_login"));
    assert_eq!(app.model.journeys[0].touchpoints[0].signals.len(), 2);
}

#[test]
fn rename_duplicate_move_and_delete_with_confirm() {
    let mut app = app();
    select(&mut app, tp(0));
    press(&mut app, "r");
    for _ in 0.."Visits the site".len() {
        press(&mut app, "Backspace");
    }
    type_text(&mut app, "Browses pricing");
    press(&mut app, "Enter");
    assert_eq!(app.model.journeys[0].touchpoints[0].name, "Browses pricing");

    press(&mut app, "c");
    assert_eq!(app.model.journeys[0].touchpoints.len(), 3);
    assert_eq!(app.model.journeys[0].touchpoints[1].id, "web_copy");
    assert_eq!(app.node(), tp(1));

    press(&mut app, "J");
    assert_eq!(app.model.journeys[0].touchpoints[2].id, "web_copy");
    press(&mut app, "K K");
    assert_eq!(app.model.journeys[0].touchpoints[0].id, "web_copy");

    press(&mut app, "x");
    insta::assert_snapshot!("confirm_delete", render(&mut app, 80, 24));
    press(&mut app, "n");
    assert_eq!(app.model.journeys[0].touchpoints.len(), 3);
    press(&mut app, "Del y");
    assert_eq!(app.model.journeys[0].touchpoints.len(), 2);
    assert_eq!(app.model.journeys[0].touchpoints[0].id, "web");
    press(&mut app, "u");
    assert_eq!(app.model.journeys[0].touchpoints[0].id, "web_copy");
}

#[test]
fn every_list_takes_adds_and_deletes() {
    let mut app = app();
    let before = app.model.clone();
    // Journey, adjustment (inside a journey), child touchpoint, tier, segment, field, grade.
    select(&mut app, Node::Journey(0));
    press(&mut app, "a");
    assert_eq!(app.model.journeys.len(), 2);
    press(&mut app, "i Down Enter");
    assert_eq!(app.model.journeys[1].adjustments.len(), 1);
    select(&mut app, Node::Journey(1));
    press(&mut app, "i Enter");
    assert_eq!(app.model.journeys[1].touchpoints.len(), 1);
    assert_eq!(app.model.journeys[1].touchpoints[0].weight, Weight(10_000));
    press(&mut app, "i Down Enter");
    assert_eq!(app.model.journeys[1].touchpoints[0].touchpoints.len(), 1);
    select(&mut app, Node::Tier(0));
    press(&mut app, "a");
    assert_eq!(app.model.tiers.as_ref().unwrap().levels.len(), 3);
    select(&mut app, Node::Segments);
    press(&mut app, "a");
    assert_eq!(app.model.segments.len(), 3);
    select(&mut app, Node::Fields);
    press(&mut app, "a");
    assert_eq!(app.model.fields.len(), 4);
    select(&mut app, Node::Grades);
    press(&mut app, "a");
    assert_eq!(app.model.grades.len(), 1);
    // Undo everything: back to the start.
    for _ in 0..8 {
        press(&mut app, "u");
    }
    assert_eq!(app.model, before);
}

#[test]
fn detail_pane_edits_choices_toggles_and_text() {
    let mut app = app();
    select(&mut app, tp(0));
    press(&mut app, "Enter");
    assert_eq!(app.focus, Focus::Detail);
    // Id, Name, Weight, Kind: cycle the kind.
    press(&mut app, "Down Down Down Right");
    assert_eq!(
        app.model.journeys[0].touchpoints[0].kind.name(),
        "relationship_milestone"
    );
    // Owner, then marketing influence.
    press(&mut app, "Down Enter Down Space");
    assert_eq!(app.model.journeys[0].touchpoints[0].owner.name(), "sales");
    assert!(!app.model.journeys[0].touchpoints[0].marketing_influence);
    // Pillars: Integrity on.
    press(&mut app, "Down Enter");
    assert!(
        app.model.journeys[0].touchpoints[0]
            .pillars
            .contains(&scorewright::model::Pillar::Integrity)
    );
    insta::assert_snapshot!("detail_touchpoint", render(&mut app, 100, 30));
    // The note: a multi-line text box, kept with Ctrl-s.
    for _ in 0..20 {
        press(&mut app, "Down");
    }
    press(&mut app, "Enter");
    type_text(&mut app, "Agreed on 22 Nov.");
    press(&mut app, "Enter");
    type_text(&mut app, "Revisit in Q1.");
    insta::assert_snapshot!("note_editor", render(&mut app, 80, 24));
    press(&mut app, "Ctrl-s");
    assert_eq!(
        app.model.journeys[0].touchpoints[0].note.as_deref(),
        Some("Agreed on 22 Nov.\nRevisit in Q1.")
    );
    // The open-question flag, from the tree.
    press(&mut app, "Esc o");
    assert!(app.model.journeys[0].touchpoints[0].open_question);
    assert_eq!(app.open_questions, 2);
}

#[test]
fn rule_form_says_what_the_rule_does_and_refuses_nonsense() {
    let mut app = app();
    select(
        &mut app,
        Node::Signal {
            journey: 0,
            touchpoint: vec![0],
            index: 0,
        },
    );
    press(&mut app, "Enter Down Down Enter");
    insta::assert_snapshot!("rule_form_scale", render(&mut app, 80, 24));
    // To: 10 becomes 20.
    press(&mut app, "Down Down Backspace Backspace");
    type_text(&mut app, "20");
    press(&mut app, "Enter");
    assert_eq!(
        app.model.journeys[0].touchpoints[0].signals[0].rule,
        scorewright::model::Rule::Scale {
            from: 0.0,
            to: 20.0
        }
    );
    // Switch to bands and write them out of order: refused, model unchanged.
    press(&mut app, "Enter Right");
    press(&mut app, "Down");
    for _ in 0..20 {
        press(&mut app, "Backspace");
    }
    type_text(&mut app, "10=1, 5=0.5");
    let screen = render(&mut app, 80, 24);
    assert!(screen.contains("lowest up"), "{screen}");
    press(&mut app, "Enter");
    assert_eq!(
        app.model.journeys[0].touchpoints[0].signals[0]
            .rule
            .kind_name(),
        "scale"
    );
    press(&mut app, "Esc Esc");
    // From the tree, e opens the rule form of a signal at once.
    assert_eq!(app.focus, Focus::Tree);
    press(&mut app, "e");
    assert!(matches!(
        app.popups.last(),
        Some(scorewright::tui::popups::Popup::Rule(_))
    ));
}

/// Issue 14 (leftover): the band editor has the `missing` entry as its second input, as the
/// `match` form has; the saved rule holds it, the form says it, and undo takes it back.
#[test]
fn the_band_editor_gives_a_missing_value_its_attainment() {
    let mut app = app();
    select(
        &mut app,
        Node::Signal {
            journey: 0,
            touchpoint: vec![0],
            index: 0,
        },
    );
    let before = app.model.journeys[0].touchpoints[0].signals[0].rule.clone();
    // Scale to bands, then the bands and the missing value's attainment.
    press(&mut app, "e Right Down");
    for _ in 0..20 {
        press(&mut app, "Backspace");
    }
    type_text(&mut app, "5=0.5, 10=1");
    press(&mut app, "Down");
    type_text(&mut app, "0.4");
    let screen = render(&mut app, 100, 30);
    assert!(screen.contains("Missing gives (empty: 0)"), "{screen}");
    assert!(screen.contains("gives 1, missing gives 0.4"), "{screen}");
    press(&mut app, "Enter");
    let scorewright::model::Rule::Bands(b) = &app.model.journeys[0].touchpoints[0].signals[0].rule
    else {
        panic!("{:?}", app.model.journeys[0].touchpoints[0].signals[0].rule)
    };
    assert_eq!(b.missing, Some(0.4));
    assert_eq!(b.bands.len(), 2);
    press(&mut app, "Esc u");
    assert_eq!(app.model.journeys[0].touchpoints[0].signals[0].rule, before);
}

#[test]
fn checks_jump_to_their_node() {
    let mut app = app();
    select(&mut app, tp(0));
    press(&mut app, "- -");
    // Errors first: the touchpoints of fit sum to 98%.
    assert_eq!(app.errors(), 1);
    assert!(app.diagnostics[0].message.contains("98%"));
    press(&mut app, "Tab Tab");
    assert_eq!(app.focus, Focus::Diagnostics);
    insta::assert_snapshot!("checks_focused", render(&mut app, 80, 24));
    // The warning about the unused field... there is none: industry is used by the adjustment.
    // Jump to the error: the journey whose touchpoints do not sum to 100%.
    select(&mut app, Node::Segment(0));
    press(&mut app, "Enter");
    assert_eq!(app.node(), Node::Journey(0));
}

#[test]
fn find_selects_a_node_by_name() {
    let mut app = app();
    press(&mut app, "/");
    type_text(&mut app, "webin");
    assert_eq!(app.node(), tp(1));
    insta::assert_snapshot!("find", render(&mut app, 80, 24));
    press(&mut app, "Enter");
    assert!(app.popups.is_empty());
    press(&mut app, "n");
    assert_eq!(
        app.node(),
        Node::Signal {
            journey: 0,
            touchpoint: vec![1],
            index: 0
        }
    );
}

#[test]
fn quitting_with_unsaved_changes_asks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.yaml");
    let mut app = app_at(path.clone());
    press(&mut app, "q");
    assert!(app.should_quit, "no changes: quits at once");

    let mut app = app_at(path.clone());
    press(&mut app, "Down +");
    press(&mut app, "q");
    assert!(!app.should_quit);
    insta::assert_snapshot!("confirm_quit", render(&mut app, 80, 24));
    press(&mut app, "Esc");
    assert!(!app.should_quit);
    press(&mut app, "q s");
    assert!(app.should_quit);
    assert_eq!(read_model(&path).unwrap().model, app.model);

    let mut app = app_at(path.clone());
    press(&mut app, "Down + + q d");
    assert!(app.should_quit);
    assert_ne!(read_model(&path).unwrap().model, app.model, "discarded");
}

#[test]
fn mouse_click_selects_and_wheel_scrolls() {
    let mut app = app();
    render(&mut app, 80, 24);
    // The tree's border is row 1, so its first line is row 2: row 5 is the fourth node.
    app.handle_mouse(MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column: 5,
        row: 5,
        modifiers: KeyModifiers::NONE,
    });
    assert_eq!(app.selected, 3);
    assert_eq!(app.focus, Focus::Tree);
    app.handle_mouse(MouseEvent {
        kind: MouseEventKind::ScrollDown,
        column: 5,
        row: 5,
        modifiers: KeyModifiers::NONE,
    });
    assert_eq!(app.tree_offset, 3);
    app.handle_mouse(MouseEvent {
        kind: MouseEventKind::ScrollUp,
        column: 5,
        row: 5,
        modifiers: KeyModifiers::NONE,
    });
    assert_eq!(app.tree_offset, 0);
}

#[test]
fn screens() {
    let mut app = app();
    insta::assert_snapshot!("main_80x24", render(&mut app, 80, 24));
    insta::assert_snapshot!("main_120x40", render(&mut app, 120, 40));
    insta::assert_snapshot!("too_small", render(&mut app, 60, 20));
    select(
        &mut app,
        Node::Signal {
            journey: 0,
            touchpoint: vec![0],
            index: 0,
        },
    );
    insta::assert_snapshot!("signal_selected", render(&mut app, 80, 24));
    select(&mut app, tp(0));
    press(&mut app, "w");
    type_text(&mut app, "abc");
    insta::assert_snapshot!("weight_refused", render(&mut app, 80, 24));
    press(&mut app, "Esc ?");
    insta::assert_snapshot!("help", render(&mut app, 80, 24));
    press(&mut app, "Esc");
    select(&mut app, Node::Segment(0));
    press(&mut app, "Enter");
    insta::assert_snapshot!("segment_detail", render(&mut app, 80, 24));
}

#[test]
fn help_lists_every_binding() {
    let app = app();
    let lines: Vec<String> = view::help_lines(&app)
        .iter()
        .map(|l| l.to_string())
        .collect();
    for b in &app.keymap.bindings {
        assert!(
            lines
                .iter()
                .any(|l| l.contains(b.label) && l.contains(&b.keys_text())),
            "{} missing from help",
            b.label
        );
    }
}

#[test]
fn themes_switch_at_run_time() {
    let mut app = app();
    let first = app.theme.name.clone();
    press(&mut app, "t");
    assert_ne!(app.theme.name, first);
    press(&mut app, "t t");
    assert_eq!(app.theme.name, first);
}

#[test]
fn a_missing_file_starts_from_a_template_the_user_picks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.yaml");
    let mut app = App::choose_template(path.clone());
    app.update(scorewright::tui::Action::Resize(80, 24));
    insta::assert_snapshot!("template_picker", render(&mut app, 80, 24));
    press(&mut app, "Esc");
    assert!(app.should_quit);
    assert!(!path.exists(), "cancelling writes nothing");

    let mut app = App::choose_template(path.clone());
    type_text(&mut app, "b2c");
    press(&mut app, "Enter");
    assert!(app.popups.is_empty());
    assert!(!app.should_quit);
    let file = read_model(&path).unwrap();
    assert_eq!(file.model, app.model);
    assert!(!app.is_dirty());
    assert!(
        file.contacts_path().is_some_and(|p| p.exists()),
        "sample contacts beside the model"
    );
    assert!(matches!(app.node(), Node::Journey(_)));
}

#[test]
fn no_color_draws_without_colours_but_keeps_the_selection_visible() {
    let mut app = app();
    app.theme = scorewright::tui::theme::Themes::built_in()
        .get("dark")
        .without_color();
    app.update(scorewright::tui::Action::Resize(80, 24));
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| view::draw(f, &app)).unwrap();
    let buf = t.backend().buffer();
    let mut reversed = false;
    for cell in buf.content() {
        assert_eq!(
            cell.fg,
            ratatui::style::Color::Reset,
            "a colour at {:?}",
            cell.symbol()
        );
        assert_eq!(cell.bg, ratatui::style::Color::Reset);
        reversed |= cell.modifier.contains(ratatui::style::Modifier::REVERSED);
    }
    assert!(reversed, "the selected row stands out without colour");
}

#[test]
fn every_theme_draws_every_screen() {
    for name in ["dark", "light", "high-contrast"] {
        let mut app = app();
        app.theme = scorewright::tui::theme::Themes::built_in().get(name);
        select(&mut app, tp(0));
        for keys in ["", "Enter", "Esc ?", "Esc w", "Esc /", "Esc x"] {
            press(&mut app, keys);
            let screen = render(&mut app, 80, 24);
            assert!(screen.contains("scorewright"), "{name} {keys}: {screen}");
        }
    }
}

#[test]
fn folding_hides_and_find_unfolds() {
    let mut app = app();
    let all = app.rows.len();
    select(&mut app, Node::Journey(0));
    press(&mut app, "Left");
    // The journey's 2 touchpoints, 2 signals and 1 adjustment are folded away.
    assert_eq!(app.rows.len(), all - 5);
    assert!(render(&mut app, 80, 24).contains("Fit ▸5"));
    // Left again goes to the parent; Right unfolds.
    press(&mut app, "Left");
    assert_eq!(app.node(), Node::Journeys);
    press(&mut app, "Down Right");
    assert_eq!(app.rows.len(), all);
    // A fold survives an edit elsewhere, and find reaches into it.
    press(&mut app, "Left");
    select(&mut app, Node::Segment(0));
    press(&mut app, "c");
    assert_eq!(app.rows.len(), all - 5 + 1);
    press(&mut app, "/");
    type_text(&mut app, "webinar");
    press(&mut app, "Enter");
    assert_eq!(app.node(), tp(1));
    assert_eq!(app.rows.len(), all + 1);
}

#[test]
fn checks_name_the_line_while_the_file_matches() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("m.yaml");
    let text = MODEL.replace(
        "weight: 50\n        open_question",
        "weight: 40\n        open_question",
    );
    std::fs::write(&path, &text).unwrap();
    let mut app = App::from_file(read_model(&path).unwrap());
    // journeys[0].touchpoints is on line 10 of the file.
    assert_eq!(
        app.diagnostics[0].line,
        Some(10),
        "{:?}",
        app.diagnostics[0]
    );
    assert!(render(&mut app, 100, 30).contains("line 10: journey 'fit'"));
    select(&mut app, tp(1));
    press(&mut app, "+");
    assert_eq!(
        app.diagnostics[0].line, None,
        "edited: the file no longer says so"
    );
    press(&mut app, "u");
    assert_eq!(app.diagnostics[0].line, Some(10));
    press(&mut app, "Ctrl-r Ctrl-s");
    assert!(
        app.diagnostics[0].line.is_some(),
        "saved: lines of the new file"
    );
}

#[test]
fn a_run_of_nudges_undoes_at_once() {
    let mut app = app();
    select(&mut app, tp(0));
    press(&mut app, "+ + + > -");
    assert_eq!(weights(&app)[0], Weight(5700));
    press(&mut app, "u");
    assert_eq!(weights(&app)[0], Weight(5000));
    assert!(!app.is_dirty());
    // After a save, the next nudges start a step of their own.
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_at(dir.path().join("m.yaml"));
    select(&mut app, tp(0));
    press(&mut app, "+ Ctrl-s + +");
    press(&mut app, "u");
    assert_eq!(weights(&app)[0], Weight(5100));
    assert!(!app.is_dirty(), "back at the saved state");
}

#[test]
fn conditions_are_typed_as_yaml_and_refused_when_wrong() {
    let mut app = app();
    select(
        &mut app,
        Node::Adjustment {
            journey: 0,
            index: 0,
        },
    );
    let before = app.model.clone();
    press(&mut app, "Enter Down Enter");
    for _ in 0..60 {
        press(&mut app, "Backspace");
    }
    type_text(&mut app, "{ field: visits, at_lest: 3 }");
    let screen = render(&mut app, 100, 30);
    assert!(screen.contains("not a valid condition"), "{screen}");
    assert!(
        screen.contains("at_least"),
        "the message names the known keys: {screen}"
    );
    press(&mut app, "Enter");
    assert_eq!(app.model, before);
    for _ in 0..60 {
        press(&mut app, "Backspace");
    }
    type_text(&mut app, "{ field: visits, at_least: 3 }");
    assert!(render(&mut app, 100, 30).contains("visits at least 3"));
    press(&mut app, "Enter");
    let when = &app.model.journeys[0].adjustments[0].when;
    assert_eq!(when.field.as_deref(), Some("visits"));
    assert_eq!(when.at_least_value(), Some(3.0));
}

#[test]
fn personas_are_added_edited_checked_and_undone() {
    let mut app = app();
    let before = app.model.clone();
    select(&mut app, Node::Personas);
    press(&mut app, "a");
    assert_eq!(app.model.personas.len(), 1);
    assert_eq!(app.node(), Node::Persona(0));
    // A new persona expects the first tier.
    assert_eq!(
        app.model.personas[0].expect.tier.as_ref().unwrap().items(),
        ["hot"]
    );
    // Values, the second property: a YAML mapping typed over the empty one.
    press(&mut app, "Enter Down Enter Backspace Backspace");
    type_text(&mut app, "{ visits: 2, webinar: no }");
    press(&mut app, "Enter");
    assert!(app.popups.is_empty(), "{}", render(&mut app, 100, 30));
    let values = &app.model.personas[0].values;
    assert_eq!(values.keys().collect::<Vec<_>>(), ["visits", "webinar"]);
    // With those values the persona is cold, not hot: the detail pane and the checks say so.
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("Gets: fit 10"), "{screen}");
    assert!(screen.contains("✗ tier is cold, expected hot"), "{screen}");
    assert!(
        app.diagnostics
            .iter()
            .any(|d| d.message.contains("expected hot")),
        "{:?}",
        app.diagnostics
    );
    // Expects, the third property: what the room agreed it should get.
    press(&mut app, "Down Enter");
    for _ in 0..20 {
        press(&mut app, "Backspace");
    }
    type_text(&mut app, "{ tier: cold }");
    press(&mut app, "Enter");
    assert_eq!(
        app.model.personas[0].expect.tier.as_ref().unwrap().items(),
        ["cold"]
    );
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("✓ as expected"), "{screen}");
    // Text that is not an expectation is refused, with the reason, and changes nothing.
    let agreed = app.model.clone();
    press(&mut app, "Enter");
    type_text(&mut app, "{ tier: hot");
    press(&mut app, "Enter");
    assert!(!app.popups.is_empty(), "the box closed on bad YAML");
    press(&mut app, "Esc");
    assert_eq!(app.model, agreed);
    // The tree names the persona and what it expects.
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("New persona  tier cold"), "{screen}");
    // Undo the edits and the persona: the model as it was.
    press(&mut app, "Esc");
    for _ in 0..3 {
        press(&mut app, "u");
    }
    assert_eq!(app.model, before);
}

#[test]
fn the_matrix_is_made_edited_and_removed_in_place() {
    let mut app = app();
    let before = app.model.clone();
    // Two grades to rate with.
    select(&mut app, Node::Grades);
    press(&mut app, "a");
    select(&mut app, Node::Grades);
    press(&mut app, "a");
    assert_eq!(app.model.grades.len(), 2);
    select(&mut app, Node::Matrix);
    assert!(app.model.matrix.is_none());
    // Rows: a grade that does not exist is refused, naming the ones that do.
    press(&mut app, "Enter Enter");
    type_text(&mut app, "nope");
    press(&mut app, "Enter");
    let screen = render(&mut app, 100, 30);
    assert!(screen.contains("no grade 'nope'"), "{screen}");
    press(&mut app, "Esc");
    assert!(app.model.matrix.is_none());
    // Rows: the second grade; the columns start as the other one.
    press(&mut app, "Enter");
    type_text(&mut app, "grade_2");
    press(&mut app, "Enter");
    let m = app.model.matrix.clone().expect("a matrix");
    assert_eq!((m.rows.as_str(), m.columns.as_str()), ("grade_2", "grade"));
    // Green: ratings separated by commas or spaces.
    press(&mut app, "Down Down Enter");
    type_text(&mut app, "AA, AB BA");
    press(&mut app, "Enter");
    assert_eq!(app.model.matrix.as_ref().unwrap().green, ["AA", "AB", "BA"]);
    let screen = render(&mut app, 120, 40);
    assert!(
        screen.contains("grade_2 × grade; green AA AB BA"),
        "{screen}"
    );
    // Emptying the rows takes the matrix away; undo brings it back.
    press(&mut app, "Up Up Enter");
    for _ in 0..10 {
        press(&mut app, "Backspace");
    }
    press(&mut app, "Enter");
    assert!(app.model.matrix.is_none());
    press(&mut app, "Esc u");
    assert_eq!(app.model.matrix.as_ref().unwrap().green, ["AA", "AB", "BA"]);
    for _ in 0..4 {
        press(&mut app, "u");
    }
    assert_eq!(app.model, before);
}

#[test]
fn samples_are_added_edited_and_scored_in_the_preview() {
    let mut app = app();
    let before = app.model.clone();
    app = app.with_contacts(None);
    assert!(
        app.preview.is_none(),
        "no samples, no file: nothing to preview"
    );
    select(&mut app, Node::Samples);
    press(&mut app, "a");
    assert_eq!(app.model.samples.len(), 1);
    assert_eq!(app.node(), Node::Sample(0));
    // A new sample has an id and an empty cell for each field's column.
    let keys: Vec<&String> = app.model.samples[0].keys().collect();
    assert_eq!(keys, ["id", "visits", "webinar", "industry"]);
    // Its values, typed as YAML; the preview scores it at once.
    press(&mut app, "Enter Enter");
    for _ in 0..80 {
        press(&mut app, "Backspace");
    }
    type_text(&mut app, "{ id: C-1, visits: 10, webinar: yes }");
    press(&mut app, "Enter");
    assert!(app.popups.is_empty(), "{}", render(&mut app, 100, 30));
    let p = app.preview.as_ref().expect("the samples are previewed");
    assert_eq!(p.table.rows(), 1);
    app.settle(std::time::Duration::from_secs(10));
    press(&mut app, "Esc p");
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("C-1"), "{screen}");
    assert!(screen.contains("100"), "{screen}");
    // The tree names it by its first value.
    press(&mut app, "p");
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("C-1  3 values"), "{screen}");
    press(&mut app, "u u");
    assert_eq!(app.model, before);
}

#[path = "common/lines.rs"]
mod lines;

/// The walkthrough of issue 13 on the shipped `b2b-customer.yaml`, as a user does it: add a
/// touchpoint to the expansion journey, tag two pillars, set weights, write a note, save. The
/// saved file differs from the original by the new touchpoint's lines and the sibling weight
/// that made room for it, nothing else: `diff -u` gives 25 lines (9 changed); the canonical
/// layout that a save wrote before gives 1,127 (1,111 changed).
#[test]
fn walkthrough_on_b2b_customer_changes_only_the_new_touchpoint_and_the_weights() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b2b-customer.yaml");
    let original = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/b2b-customer.yaml"
    ))
    .unwrap();
    std::fs::write(&path, &original).unwrap();
    let mut app = App::from_file(read_model(&path).unwrap());
    app.update(scorewright::tui::Action::Resize(100, 30));
    let n = app.model.journeys[0].touchpoints.len();
    select(
        &mut app,
        Node::Touchpoint {
            journey: 0,
            path: vec![n - 1],
        },
    );
    press(&mut app, "a");
    // Two pillars, in the detail pane: Expectations and Empathy.
    press(&mut app, "Enter");
    press(
        &mut app,
        "Down Down Down Down Down Down Down Down Enter Down Down Down Enter",
    );
    // A note.
    press(&mut app, "Down Down Enter");
    type_text(
        &mut app,
        "Asked for by the account managers in the November workshop.",
    );
    press(&mut app, "Ctrl-s Esc");
    // Weights: the new touchpoint takes 10% from adoption.
    press(&mut app, "1 0 Enter");
    select(
        &mut app,
        Node::Touchpoint {
            journey: 0,
            path: vec![0],
        },
    );
    press(&mut app, "2 0 Enter");
    assert!(app.save(), "{:?}", app.message);
    let tp = app.model.journeys[0].touchpoints.last().unwrap();
    assert_eq!(tp.weight, Weight(1_000));
    assert_eq!(tp.pillars.len(), 2);
    assert!(tp.note.is_some());
    let saved = std::fs::read_to_string(&path).unwrap();
    assert_eq!(read_model(&path).unwrap().model, app.model);
    let (removed, added) = lines::diff(&original, &saved);
    assert_eq!(removed, ["        weight: 30"]);
    assert_eq!(
        added,
        [
            "        weight: 20",
            "      - id: touchpoint",
            "        name: New touchpoint",
            "        kind: hand_raiser",
            "        owner: marketing",
            "        pillars: [expectations, empathy]",
            "        weight: 10",
            "        note: Asked for by the account managers in the November workshop.",
        ]
    );
}
