//! The designer's preview, driven as a user drives it: keys against `App`, every screen
//! rendered into a `TestBackend` and compared with a named insta snapshot, and the numbers
//! held equal to the engine's (`whatif::compare`) and to `scorewright score`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::app::{press, render, type_text};

use scorewright::contacts::read_contacts;
use scorewright::engine::score_table;
use scorewright::engine::whatif::compare;
use scorewright::model::{Model, Weight, parse_model, read_model};
use scorewright::tui::ops::{ListRef, Op};
use scorewright::tui::preview::Panel;
use scorewright::tui::{Action, App, Screen};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture_model() -> Model {
    read_model(&root().join("tests/fixtures/engine.yaml"))
        .unwrap()
        .model
}

fn fixture_csv() -> PathBuf {
    root().join("tests/fixtures/engine.csv")
}

/// A designer on a model with contacts, at 120x32, on the preview.
fn app_with(model: Model, contacts: &Path) -> App {
    let mut app = App::new(model, PathBuf::from("/nonexistent/model.yaml"))
        .with_contacts(Some(contacts.to_path_buf()));
    app.update(Action::Resize(120, 32));
    app
}

fn shift_weight(app: &mut App) {
    let list = ListRef::Touchpoints {
        journey: 0,
        parent: vec![],
    };
    for (index, w) in [(0, 8000), (1, 2000)] {
        assert!(app.edit(
            Op::SetWeight {
                list: list.clone(),
                index,
                weight: Weight(w),
            },
            "test"
        ));
    }
}

#[test]
fn preview_lists_contacts_and_explains_the_selected_one() {
    let mut app = app_with(fixture_model(), &fixture_csv());
    press(&mut app, "p");
    assert_eq!(app.screen, Screen::Preview);
    insta::assert_snapshot!("preview", render(&mut app, 120, 32));
    // B: select it, and see why it scored 45 and what would lift it to hot.
    press(&mut app, "Down");
    let d = app.preview.as_ref().unwrap().detail.as_ref().unwrap();
    assert_eq!(d.row, 1);
    assert_eq!(d.moves[0].change, "demo at yes");
    insta::assert_snapshot!("explanation", render(&mut app, 120, 32));
    // Back to the model and again: the selection is kept in both screens.
    let tree = app.selected;
    press(&mut app, "p Down p");
    assert_eq!(app.screen, Screen::Preview);
    assert_eq!(app.selected, tree + 1);
    assert_eq!(app.preview.as_ref().unwrap().selected_row(), Some(1));
}

#[test]
fn an_edit_changes_the_deltas_by_what_the_engine_says() {
    let before = fixture_model();
    let mut app = app_with(before.clone(), &fixture_csv());
    shift_weight(&mut app);
    let table = read_contacts(&fixture_csv()).unwrap();
    let want = compare(
        &before,
        &score_table(&before, &table),
        &app.model,
        &score_table(&app.model, &table),
    );
    let p = app.preview.as_ref().unwrap();
    let got = &p.result.as_ref().unwrap().comparison;
    assert_eq!(got.delta, want.delta);
    assert_eq!(got.rank_before, want.rank_before);
    assert_eq!(got.rank_after, want.rank_after);
    assert_eq!(got.tier_moves, want.tier_moves);
    assert_eq!(
        (got.sales_enter, got.sales_leave),
        (want.sales_enter, want.sales_leave)
    );
    // A: 81.875 to 74.75, as the engine's own test works out by hand.
    assert_eq!(p.cell(0, scorewright::tui::preview::Col::Delta), "-7.1");
    press(&mut app, "p");
    insta::assert_snapshot!("summary", render(&mut app, 120, 32));
    // Undo brings the deltas back to nothing; pinning makes the edit the new baseline.
    press(&mut app, "u u");
    let c = &app
        .preview
        .as_ref()
        .unwrap()
        .result
        .as_ref()
        .unwrap()
        .comparison;
    assert_eq!(c.changed, 0);
    shift_weight(&mut app);
    press(&mut app, "b");
    let c = &app
        .preview
        .as_ref()
        .unwrap()
        .result
        .as_ref()
        .unwrap()
        .comparison;
    assert_eq!(c.changed, 0);
    assert!(app.preview.as_ref().unwrap().pinned);
}

#[test]
fn sorting_and_filtering() {
    let mut app = app_with(fixture_model(), &fixture_csv());
    press(&mut app, "p");
    // Sort by id, then by the j1 score (highest first): D 100, A 81.9, B 45, C 0.
    press(&mut app, "s");
    assert_eq!(app.preview.as_ref().unwrap().order, vec![0, 1, 2, 3]);
    press(&mut app, "s");
    assert_eq!(app.preview.as_ref().unwrap().order, vec![3, 0, 1, 2]);
    press(&mut app, "S");
    assert_eq!(app.preview.as_ref().unwrap().order, vec![2, 1, 0, 3]);
    // Filter by tier through the picker: hot is A and D.
    press(&mut app, "f Enter");
    let p = app.preview.as_ref().unwrap();
    assert_eq!(p.filter.tier.as_deref(), Some("hot"));
    let mut rows = p.order.clone();
    rows.sort();
    assert_eq!(rows, vec![0, 3]);
    press(&mut app, "c");
    assert_eq!(app.preview.as_ref().unwrap().order.len(), 4);
    // Text, applied as it is typed.
    press(&mut app, "/");
    type_text(&mut app, "newsl");
    press(&mut app, "Enter");
    assert_eq!(app.preview.as_ref().unwrap().order, vec![2]);
}

#[test]
fn pictures() {
    let mut app = app_with(fixture_model(), &fixture_csv());
    shift_weight(&mut app);
    press(&mut app, "p Tab");
    assert_eq!(app.panel, Panel::Distribution);
    insta::assert_snapshot!("distribution", render(&mut app, 120, 32));
    press(&mut app, "Tab Tab");
    assert_eq!(app.panel, Panel::Pillars);
    insta::assert_snapshot!("pillars", render(&mut app, 120, 32));

    // The matrix, with conversion rates from an outcome column.
    let dir = tempfile::tempdir().unwrap();
    let (model, csv) = lead_model_with_outcome(dir.path(), |i| (i % 3 == 0).to_string());
    let mut app = app_with(model, &csv);
    press(&mut app, "p Tab Tab");
    assert_eq!(app.panel, Panel::Matrix);
    insta::assert_snapshot!("matrix", render(&mut app, 120, 32));
    let p = app.preview.as_ref().unwrap();
    assert!(p.outcome.is_some());
    let cells = &p.result.as_ref().unwrap().matrix;
    let total: usize = cells.iter().flatten().map(|c| c.count).sum();
    assert_eq!(total, p.table.rows());

    // A column that is not yes/no is named, and ignored for conversion rates.
    let (model, csv) = lead_model_with_outcome(dir.path(), |i| format!("stage {i}"));
    let app = app_with(model, &csv);
    let p = app.preview.as_ref().unwrap();
    assert!(p.outcome.is_none());
    let problem = p.outcome_problem.as_deref().unwrap();
    assert!(problem.contains("'won' is not yes/no"), "{problem}");
}

/// The lead-fit-activity example with a `won` outcome column, written to `dir`.
fn lead_model_with_outcome(dir: &Path, won: impl Fn(usize) -> String) -> (Model, PathBuf) {
    let text = std::fs::read_to_string(root().join("examples/lead-fit-activity.csv")).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let cell = if i == 0 { "won".to_string() } else { won(i) };
        out.push_str(&format!("{line},{cell}\n"));
    }
    let csv = dir.join("leads-won.csv");
    std::fs::write(&csv, out).unwrap();
    let mut model = read_model(&root().join("examples/lead-fit-activity.yaml"))
        .unwrap()
        .model;
    model.outcome = Some("won".into());
    (model, csv)
}

const PERSONAS: &str = r#"
personas:
  - { name: Keen visitor, values: { visits: 30, source: Google, demo: yes, email: a@b.c, last_seen: 2026-11-01 }, expect: { tier: hot } }
  - { name: Quiet one, values: { visits: 0 }, expect: { tier: hot } }
"#;

#[test]
fn personas_pass_and_fail_live() {
    let text = std::fs::read_to_string(root().join("tests/fixtures/engine.yaml")).unwrap();
    let model = parse_model(&format!("{text}{PERSONAS}"), "p.yaml").unwrap();
    let mut app = app_with(model, &fixture_csv());
    let passed: Vec<bool> = app.personas.iter().map(|p| p.passed()).collect();
    assert_eq!(passed, [true, false]);
    assert!(app.personas[1].failures[0].contains("expected hot"));
    // The failing persona is an error in the checks, as `scorewright check` reports it.
    let errors: Vec<_> = app
        .diagnostics
        .iter()
        .filter(|d| d.code == "persona")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    press(&mut app, "p Tab Tab Tab Tab");
    assert_eq!(app.panel, Panel::Personas);
    insta::assert_snapshot!("personas", render(&mut app, 120, 32));
    // Raise the hot threshold above 100: the keen visitor fails too, at once.
    let mut tiers = app.model.tiers.clone().unwrap();
    tiers.levels[0].at_least = 101.0;
    assert!(app.edit(Op::SetTiers(Some(tiers)), "test"));
    assert!(app.personas.iter().all(|p| !p.passed()));
}

#[test]
fn a_large_set_is_scored_on_a_worker_with_the_same_numbers() {
    let mut app = App::new(fixture_model(), PathBuf::from("/nonexistent/m.yaml"));
    app.worker_min_rows = 1;
    let mut app = app.with_contacts(Some(fixture_csv()));
    assert!(app.preview.as_ref().unwrap().threaded());
    app.settle(Duration::from_secs(20));
    shift_weight(&mut app);
    press(&mut app, "p");
    app.settle(Duration::from_secs(20));
    assert!(!app.busy());
    let inline = {
        let mut a = app_with(fixture_model(), &fixture_csv());
        shift_weight(&mut a);
        a
    };
    let r = |a: &App| {
        let r = a.preview.as_ref().unwrap().result.as_ref().unwrap();
        (r.scored.scores.clone(), r.comparison.delta.clone())
    };
    assert_eq!(r(&app), r(&inline));
    // Requests sent faster than the worker answers: the newest one wins.
    for _ in 0..5 {
        press(&mut app, "u");
    }
    shift_weight(&mut app);
    app.settle(Duration::from_secs(20));
    assert_eq!(r(&app), r(&inline));
}

#[test]
fn a_bad_contacts_file_leaves_everything_as_it_was() {
    let mut app = app_with(fixture_model(), &fixture_csv());
    let model = app.model.clone();
    press(&mut app, "p o");
    for _ in 0..200 {
        press(&mut app, "Backspace");
    }
    type_text(&mut app, "/nonexistent/contacts.csv");
    press(&mut app, "Enter");
    // The path box stays open with the error, the old contacts are still previewed.
    assert!(!app.popups.is_empty());
    assert!(
        app.preview_error
            .as_deref()
            .unwrap()
            .contains("nonexistent")
    );
    assert_eq!(app.preview.as_ref().unwrap().table.rows(), 4);
    assert_eq!(app.model, model);
    insta::assert_snapshot!("open_failed", render(&mut app, 120, 32));
    press(&mut app, "Esc");

    // A file lacking a column the model reads: scored as missing, and named.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("no-demo.csv");
    std::fs::write(
        &csv,
        "id,visits,source,email,last_seen\nA,5,Google,a@x.com,2026-10-02\n",
    )
    .unwrap();
    press(&mut app, "o");
    for _ in 0..200 {
        press(&mut app, "Backspace");
    }
    type_text(&mut app, &csv.display().to_string());
    press(&mut app, "Enter");
    assert!(app.popups.is_empty());
    let p = app.preview.as_ref().unwrap();
    assert_eq!(p.table.rows(), 1);
    assert_eq!(p.missing_columns(), ["demo"]);
    let screen = render(&mut app, 120, 32);
    assert!(screen.contains("lacks column 'demo'"), "{screen}");
}

#[test]
fn tuning_suggests_weights_accepted_a_group_at_a_time_or_all_with_undo() {
    // 200 contacts whose outcome follows the demo flag, not the visits.
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("history.csv");
    let mut text = String::from("id,visits,source,demo,email,last_seen,won\n");
    for i in 0..200 {
        let demo = i % 2 == 0;
        let won = if i % 10 == 0 { !demo } else { demo };
        text.push_str(&format!(
            "C{i},{},Google,{},x@y.z,2026-10-{:02},{}\n",
            (i * 7) % 13,
            if demo { "yes" } else { "no" },
            1 + i % 28,
            u8::from(won)
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let mut model = fixture_model();
    model.outcome = Some("won".into());
    let mut app = app_with(model.clone(), &csv);
    press(&mut app, "T");
    assert_eq!((app.screen, app.panel), (Screen::Preview, Panel::Tuning));
    app.settle(Duration::from_secs(120));
    let s = app.tuning.suggestion().expect("tuning finished").clone();
    assert!(!s.weights.is_empty());
    insta::assert_snapshot!("tuning", render(&mut app, 120, 32));
    // The table's deltas are the suggestion's while it is on screen, the baseline's after.
    let p = app.preview.as_ref().unwrap();
    assert_eq!(p.comparison().unwrap().delta, s.comparison.delta);
    press(&mut app, "Tab");
    let p = app.preview.as_ref().unwrap();
    assert!(p.overlay.is_none());
    assert_eq!(p.comparison().unwrap().changed, 0);
    press(&mut app, "BackTab");
    // One weight, with the rest of its group: an ordinary edit, undone by u. The group stays
    // at 100%; the other groups are as they were.
    press(&mut app, "Enter");
    let first = &s.weights[0];
    let group = first.list.weights(&app.model).unwrap();
    assert_eq!(group.iter().map(|w| w.0).sum::<i64>(), 10_000, "{group:?}");
    for w in &s.weights {
        let now = w.list.weights(&app.model).unwrap()[w.index];
        if w.list == first.list {
            assert_eq!(now, w.after, "{}", w.at);
        } else {
            assert_eq!(now, w.list.weights(&model).unwrap()[w.index], "{}", w.at);
        }
    }
    press(&mut app, "u");
    assert_eq!(app.model, model);
    // All at once: the tuned model's weights, one step to undo.
    press(&mut app, "A");
    let mut tuned = s.report.model.clone();
    tuned.outcome = app.model.outcome.clone();
    assert_eq!(app.model.journeys, tuned.journeys);
    press(&mut app, "u");
    assert_eq!(app.model, model);
}

#[test]
fn tuning_without_an_outcome_says_why() {
    let mut app = app_with(fixture_model(), &fixture_csv());
    press(&mut app, "p T");
    let m = app.message.as_ref().unwrap();
    assert!(m.text.contains("outcome"), "{}", m.text);
}

/// The preview's numbers are `scorewright score`'s, on the real lead export.
#[test]
fn preview_equals_score_on_leads() {
    let leads = root().join("../shared/data/leads/Leads.csv");
    assert!(leads.exists(), "{} is missing", leads.display());
    let model_path = root().join("examples/x-education.yaml");
    let file = read_model(&model_path).unwrap();
    let app = App::from_file(file).with_contacts(Some(leads.clone()));
    let mut app = app;
    app.settle(Duration::from_secs(120));
    let p = app.preview.as_ref().unwrap();
    let r = p.result.as_ref().unwrap();
    assert_eq!(p.table.rows(), 9240);

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scorewright"))
        .arg("score")
        .arg(&model_path)
        .arg(&leads)
        .arg("--only-results")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rd = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = rd.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let m = &r.model;
    let mut n = 0;
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.unwrap();
        assert_eq!(&rec[0], p.cell(i, scorewright::tui::preview::Col::Id));
        for (j, journey) in m.journeys.iter().enumerate() {
            let want: f64 = rec[col(&format!("score_{}", journey.id))].parse().unwrap();
            // `score` writes scores rounded to six decimals (README, "Scoring, exactly").
            let shown = scorewright::engine::output::shown_score(r.scored.scores[j][i]);
            assert_eq!(shown, want, "row {i} {}", journey.id);
        }
        for (g, grade) in m.grades.iter().enumerate() {
            assert_eq!(
                &rec[col(&format!("grade_{}", grade.id))],
                r.scored.grade(m, g, i).unwrap_or("")
            );
        }
        let tier = r.scored.tier(m, i).map(|t| t.name.as_str()).unwrap_or("");
        assert_eq!(&rec[col("tier")], tier, "row {i}");
        let seg = r
            .scored
            .segment(m, i)
            .map(|s| s.name.as_str())
            .unwrap_or("");
        assert_eq!(&rec[col("segment")], seg, "row {i}");
        n += 1;
    }
    assert_eq!(n, 9240);
}

#[test]
fn the_worker_says_it_is_recomputing_until_its_answer_is_taken() {
    let mut app = App::new(fixture_model(), PathBuf::from("/nonexistent/m.yaml"));
    app.worker_min_rows = 1;
    let mut app = app.with_contacts(Some(fixture_csv()));
    app.settle(Duration::from_secs(20));
    press(&mut app, "p");
    shift_weight(&mut app);
    assert!(app.busy());
    let screen = render(&mut app, 120, 32);
    assert!(screen.contains("recomputing…"), "{screen}");
    app.settle(Duration::from_secs(20));
    let screen = render(&mut app, 120, 32);
    assert!(!screen.contains("recomputing…"), "{screen}");
    assert!(screen.contains("3 of 4 contacts change"), "{screen}");
}

#[test]
fn a_click_selects_a_contact() {
    let mut app = app_with(fixture_model(), &fixture_csv());
    press(&mut app, "p");
    // The table's first row is under its border and its heading: row 3 of the screen.
    app.update(Action::Click { column: 5, row: 5 });
    assert_eq!(app.preview.as_ref().unwrap().selected_row(), Some(2));
    assert_eq!(
        app.preview.as_ref().unwrap().detail.as_ref().unwrap().row,
        2
    );
}

#[test]
fn contacts_that_do_not_load_are_named_and_samples_stand_in() {
    let mut app = app_with(fixture_model(), Path::new("/nonexistent/contacts.csv"));
    assert!(app.preview.is_none());
    press(&mut app, "p");
    let screen = render(&mut app, 120, 32);
    assert!(screen.contains("could not be loaded"), "{screen}");

    let text = std::fs::read_to_string(root().join("tests/fixtures/engine.yaml")).unwrap();
    let text = format!("{text}samples:\n  - {{ id: S1, visits: 12, demo: yes }}\n");
    let model = parse_model(&text, "s.yaml").unwrap();
    let app = App::new(model, PathBuf::from("/nonexistent/s.yaml")).with_contacts(None);
    let p = app.preview.as_ref().unwrap();
    assert_eq!(p.table.rows(), 1);
    assert_eq!(p.cell(0, scorewright::tui::preview::Col::Id), "S1");
}

#[test]
fn a_long_explanation_scrolls() {
    let root = root();
    let model = read_model(&root.join("examples/b2b-customer.yaml"))
        .unwrap()
        .model;
    let mut app = app_with(model, &root.join("examples/b2b-customer.csv"));
    press(&mut app, "p");
    let screen = render(&mut app, 120, 32);
    assert!(screen.contains("▼ more"), "{screen}");
    for _ in 0..40 {
        press(&mut app, "]");
    }
    let screen = render(&mut app, 120, 32);
    assert!(screen.contains("What would move it"), "{screen}");
    assert!(!screen.contains("▼ more"), "{screen}");
    insta::assert_snapshot!("explanation_scrolled", screen);
    // A new contact starts at the top again.
    press(&mut app, "Down");
    assert_eq!(app.panel_scroll, 0);
}

#[test]
fn a_large_file_is_read_in_the_background() {
    let mut app = App::new(fixture_model(), PathBuf::from("/nonexistent/m.yaml"));
    app.async_load_bytes = 0;
    let mut app = app.with_contacts(Some(fixture_csv()));
    press(&mut app, "p");
    if app.preview.is_none() {
        let screen = render(&mut app, 120, 32);
        assert!(screen.contains("loading engine.csv…"), "{screen}");
    }
    app.settle(Duration::from_secs(20));
    assert!(app.loading.is_none());
    assert_eq!(app.preview.as_ref().unwrap().table.rows(), 4);
    // Opened from inside: the box closes at once, the preview follows.
    press(&mut app, "o");
    for _ in 0..200 {
        press(&mut app, "Backspace");
    }
    type_text(&mut app, &fixture_csv().display().to_string());
    press(&mut app, "Enter");
    assert!(app.popups.is_empty());
    app.settle(Duration::from_secs(20));
    assert_eq!(app.preview.as_ref().unwrap().table.rows(), 4);
    assert!(
        app.message
            .as_ref()
            .unwrap()
            .text
            .starts_with("4 contacts from")
    );
}

#[test]
fn weights_typed_in_the_tree_move_the_preview_as_the_engine_says() {
    let before = fixture_model();
    let mut app = app_with(before.clone(), &fixture_csv());
    // The cursor starts on the journey; one down is t1. Type 80 for it, then find t2: 20.
    press(&mut app, "Down 8 0 Enter / t 2 Enter 2 0 Enter");
    let weights: Vec<Weight> = app.model.journeys[0]
        .touchpoints
        .iter()
        .map(|t| t.weight)
        .collect();
    assert_eq!(weights, [Weight(8000), Weight(2000)]);
    let table = read_contacts(&fixture_csv()).unwrap();
    let want = compare(
        &before,
        &score_table(&before, &table),
        &app.model,
        &score_table(&app.model, &table),
    );
    let got = &app
        .preview
        .as_ref()
        .unwrap()
        .result
        .as_ref()
        .unwrap()
        .comparison;
    assert_eq!(got.delta, want.delta);
    assert_eq!((got.tier_up, got.tier_down), (want.tier_up, want.tier_down));
    assert_eq!(got.segments.len(), want.segments.len());
    for (g, w) in got.segments.iter().zip(&want.segments) {
        assert_eq!(
            (g.before_count, g.after_count, g.before_avg, g.after_avg),
            (w.before_count, w.after_count, w.before_avg, w.after_avg)
        );
    }
}

#[test]
fn every_theme_draws_every_panel_at_every_size() {
    let dir = tempfile::tempdir().unwrap();
    let (model, csv) = lead_model_with_outcome(dir.path(), |i| (i % 2 == 0).to_string());
    for name in ["dark", "light", "high-contrast"] {
        let mut app = app_with(model.clone(), &csv);
        app.theme = scorewright::tui::theme::Themes::built_in().get(name);
        press(&mut app, "p");
        for _ in 0..Panel::ALL.len() {
            for (w, h) in [(80, 24), (120, 40), (200, 60)] {
                let screen = render(&mut app, w, h);
                assert!(screen.contains("Contacts: 29 of 29"), "{name}: {screen}");
            }
            press(&mut app, "Tab");
        }
    }
    // Without colour, zones stay apart by their modifiers.
    let t = scorewright::tui::theme::Theme::fallback().without_color();
    assert_ne!(t.style("zone_green"), t.style("zone_none"));
    assert_ne!(t.style("zone_amber"), t.style("zone_none"));
}

/// Whatever half-finished state an edit leaves the model in, the preview scores it.
#[test]
fn deleting_any_node_keeps_the_preview_alive() {
    let root = root();
    let model = read_model(&root.join("examples/lead-fit-activity.yaml"))
        .unwrap()
        .model;
    let csv = root.join("examples/lead-fit-activity.csv");
    let n = app_with(model.clone(), &csv).rows.len();
    for i in 0..n {
        let mut app = app_with(model.clone(), &csv);
        app.selected = i;
        press(&mut app, "x y");
        press(&mut app, "p");
        let r = app.preview.as_ref().unwrap().result.as_ref().unwrap();
        assert_eq!(r.model, app.model, "row {i}");
        for _ in 0..Panel::ALL.len() {
            render(&mut app, 100, 30);
            press(&mut app, "Tab");
        }
    }
}

/// Issue 12, item 19: a `show` column that the preview already has (a score column of a file
/// scored before, the id) or that is named twice is shown once, in its own column.
#[test]
fn a_shown_column_the_table_already_has_appears_once() {
    let dir = tempfile::tempdir().unwrap();
    let scored = dir.path().join("scored.csv");
    let text = std::fs::read_to_string(fixture_csv()).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        out.push_str(line);
        out.push_str(if i == 0 {
            ",score_j1,city\n"
        } else {
            ",12.5,Oslo\n"
        });
    }
    std::fs::write(&scored, out).unwrap();
    let mut model = fixture_model();
    model.show = ["score_j1", "city", "id", "city"]
        .map(String::from)
        .to_vec();
    let mut app = app_with(model, &scored);
    press(&mut app, "p");
    assert_eq!(app.preview.as_ref().unwrap().show, vec!["city".to_string()]);
    let screen = render(&mut app, 120, 32);
    let header = screen.lines().nth(2).unwrap_or_default();
    assert_eq!(header.matches("j1").count(), 1, "{header}");
}
