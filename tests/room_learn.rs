//! Issue 16 in the designer: the room learns the model from history while it edits. The
//! "Suggested signals" panel shows `scorewright suggest`'s list and adds one as a single
//! undoable edit; the explanation says what a score means in the model's words; the tier
//! thresholds sit beside the threshold that fits sales' capacity. Driven as a user drives it,
//! on the real exports in `../shared/data`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::app::{press, render};

use scorewright::model::{Model, read_model};
use scorewright::tui::preview::Panel;
use scorewright::tui::signals::Signals;
use scorewright::tui::{Action, App, Screen};
use std::path::PathBuf;
use std::time::Duration;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn leads() -> PathBuf {
    let p = root().join("../shared/data/leads/Leads.csv");
    assert!(p.exists(), "{} is missing", p.display());
    p
}

fn churn() -> PathBuf {
    let p = root().join("../shared/data/churn/Telco-Customer-Churn.csv");
    assert!(p.exists(), "{} is missing", p.display());
    p
}

/// A designer on a copy of a shipped example (so that saving writes the copy), with contacts.
fn app_on(example: &str, contacts: PathBuf, dir: &tempfile::TempDir) -> App {
    let path = dir.path().join(format!("{example}.yaml"));
    std::fs::copy(root().join(format!("examples/{example}.yaml")), &path).unwrap();
    let file = read_model(&path).unwrap();
    let mut app = App::from_file(file).with_contacts(Some(contacts));
    app.update(Action::Resize(120, 40));
    app.settle(Duration::from_secs(120));
    app
}

fn weights_sum(m: &Model, journey: usize) -> i64 {
    m.journeys[journey]
        .touchpoints
        .iter()
        .map(|t| t.weight.0)
        .sum()
}

#[test]
fn suggested_signals_panel_lists_what_suggest_prints_and_adds_one_as_one_edit() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_on("x-education", leads(), &dir);
    let opened = app.model.clone();
    press(&mut app, "p");
    // Tab to the panel: the columns are measured in the background, with a notice meanwhile.
    while app.panel != Panel::Signals {
        press(&mut app, "Tab");
    }
    assert!(app.signals.is_running(), "the panel starts measuring");
    let screen = render(&mut app, 120, 40);
    assert!(
        screen.contains("measuring the columns the model does not use"),
        "{screen}"
    );
    app.settle(Duration::from_secs(300));
    let Signals::Ready(list) = &app.signals else {
        panic!("the list did not come")
    };
    let list = list.clone();
    let shown: Vec<String> = list.list.columns.iter().map(|c| c.column.clone()).collect();

    // The same list as `scorewright suggest`, in the same order.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scorewright"))
        .args(["suggest", "--format", "json"])
        .arg(root().join("examples/x-education.yaml"))
        .arg(leads())
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let printed: Vec<String> = json["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["column"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(shown, printed);
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("Suggested signals"), "{screen}");
    assert!(screen.contains("Asymmetrique Activity"), "{screen}");

    // A leak is not added, and says why.
    let tags = shown.iter().position(|c| c == "Tags").unwrap();
    for _ in 0..tags {
        press(&mut app, "Down");
    }
    let screen = render(&mut app, 120, 40);
    assert!(
        screen.contains("Tags") && screen.contains("LEAK?"),
        "{screen}"
    );
    assert!(screen.contains("Looks like a leak"), "{screen}");
    press(&mut app, "Enter");
    assert_eq!(app.model, opened);
    let m = app.message.clone().unwrap().text;
    assert!(m.contains("Tags is not added"), "{m}");

    // The best one: its field and its touchpoint (and the journey still at 100%), one edit.
    for _ in 0..tags {
        press(&mut app, "Up");
    }
    let best = &list.list.columns[0];
    let column = best.column.clone();
    press(&mut app, "Enter");
    let j = app
        .model
        .journeys
        .iter()
        .position(|j| j.id == list.list.journey)
        .unwrap();
    assert_eq!(app.model.fields.len(), opened.fields.len() + 1);
    let field = app.model.fields.last().unwrap().clone();
    assert_eq!(field.column(), column);
    assert_eq!(field.label.as_deref(), Some(column.as_str()));
    let tp = app.model.journeys[j].touchpoints.last().unwrap().clone();
    assert_eq!(
        app.model.journeys[j].touchpoints.len(),
        opened.journeys[j].touchpoints.len() + 1
    );
    assert_eq!(tp.signals[0].field, field.id);
    assert_eq!(weights_sum(&app.model, j), 10_000);
    let m = app.message.clone().unwrap().text;
    assert!(m.contains("suggested signal added"), "{m}");
    // Shown as added; adding it again does nothing.
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains(&format!("✓ {}", &column[..20])), "{screen}");
    let added = app.model.clone();
    press(&mut app, "Enter");
    assert_eq!(app.model, added);

    // One undo takes all of it back; redo brings all of it.
    press(&mut app, "u");
    assert_eq!(app.model, opened);
    press(&mut app, "Ctrl-r");
    assert_eq!(app.model, added);

    // Saved like any edit: the file's own text, patched, reads back as the model.
    let path = app.path.clone();
    let before = std::fs::read_to_string(&path).unwrap();
    press(&mut app, "Ctrl-s");
    let after = std::fs::read_to_string(&path).unwrap();
    assert_eq!(read_model(&path).unwrap().model, added);
    // The model's long note and its first lines are kept byte for byte.
    let head: String = before.lines().take(20).collect::<Vec<_>>().join("\n");
    assert!(after.starts_with(&head), "{after}");
    assert!(after.contains(&format!("column: {column}")) || after.contains(&column));
}

#[test]
fn the_explanation_says_how_often_contacts_scoring_like_this_converted() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_on("x-education", leads(), &dir);
    press(&mut app, "p");
    let p = app.preview.as_ref().unwrap();
    let row = p.selected_row().unwrap();
    let band = p.band_of(row).unwrap().clone();
    // The band's counts are the back-test's calibration table's.
    let scores = &p.result.as_ref().unwrap().scored.scores[0];
    let values = &p.outcome.as_ref().unwrap().values;
    let (n, k) = (0..scores.len())
        .filter(|&i| scores[i] >= band.from && (scores[i] < band.to || band.to >= 100.0))
        .filter_map(|i| values[i])
        .fold((0, 0), |(n, k), v| (n + 1, k + usize::from(v)));
    assert_eq!((band.group.known, band.group.converted), (n, k));
    let screen = render(&mut app, 120, 40);
    let want = format!(
        "Leads scoring like this ({}-{} on enrolment)",
        band.from, band.to
    );
    assert!(screen.contains(&want), "{want}\n{screen}");
    let want = format!(
        "converted {:.0}% of the time ({k} of {n})",
        k as f64 * 100.0 / n as f64
    );
    assert!(screen.contains(&want), "{want}\n{screen}");
}

#[test]
fn the_explanation_uses_the_models_words_for_the_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app_on("telco-churn", churn(), &dir);
    press(&mut app, "p");
    let screen = render(&mut app, 120, 40);
    assert!(
        screen.contains("Customers scoring like this (") && screen.contains("  left "),
        "{screen}"
    );
    assert_eq!(app.screen, Screen::Preview);
}

/// A copy of x-education whose hot tier can take 2,000 leads from the file.
fn with_capacity(dir: &tempfile::TempDir, capacity: &str) -> PathBuf {
    let text = std::fs::read_to_string(root().join("examples/x-education.yaml")).unwrap();
    let hot =
        r#"    - { name: hot, at_least: 50, handover: "sales: counsellor calls within the hour" }"#;
    assert!(text.contains(hot));
    let text = text.replace(
        hot,
        &format!(
            r#"    - {{ name: hot, at_least: 50, handover: "sales: counsellor calls within the hour", capacity: {capacity} }}"#
        ),
    );
    let path = dir.path().join("x-education.yaml");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn the_preview_shows_the_threshold_that_fits_capacity_and_c_moves_the_tier_to_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = with_capacity(&dir, "{ contacts: 2000 }");
    let file = read_model(&path).unwrap();
    let opened = file.model.clone();
    let mut app = App::from_file(file).with_contacts(Some(leads()));
    app.update(Action::Resize(120, 40));
    app.settle(Duration::from_secs(120));
    // The engine's own proposal, as `backtest --capacity 2000 --per-file` makes it.
    let table = scorewright::contacts::read_contacts(&leads()).unwrap();
    let scored = scorewright::engine::score_table(&opened, &table);
    let outcome = scorewright::engine::insight::outcome(&table, "Converted").unwrap();
    let ask = scorewright::export::backtest::CapacityAsk::per_file(2000);
    let want = scorewright::export::backtest::propose(
        &scored.scores[0],
        &outcome.values,
        &ask,
        outcome.positives(),
    );
    assert!(want.handed_over <= 2000 && want.at_least > 50.0, "{want:?}");
    press(&mut app, "p");
    while app.panel != Panel::Distribution {
        press(&mut app, "Tab");
    }
    let screen = render(&mut app, 120, 40);
    let fmt = |v: f64| {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    let line = format!(
        "hot at 50; capacity 2000 in this file fits {}: {} in this file",
        fmt(want.at_least),
        want.handed_over
    );
    let flat: String = screen
        .lines()
        .map(|l| {
            l.trim_matches('"')
                .split('│')
                .nth(3)
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .collect::<Vec<_>>()
        .join(" ");
    assert!(flat.contains(&line), "{line}\n{screen}");
    assert!(
        flat.contains(&format!(
            "{:.0}% of them converted",
            want.rate.unwrap() * 100.0
        )),
        "{screen}"
    );
    assert!(app.capacity_moves());

    // C moves the threshold: one edit, undone by u, saved as the one number changed.
    press(&mut app, "C");
    let tiers = app.model.tiers.as_ref().unwrap();
    assert_eq!(tiers.levels[0].at_least, want.at_least);
    assert_eq!(app.screen, Screen::Preview);
    let m = app.message.clone().unwrap().text;
    assert!(
        m.contains(&format!(
            "hot from 50 to {}: {} contacts handed over",
            fmt(want.at_least),
            want.handed_over
        )),
        "{m}"
    );
    app.settle(Duration::from_secs(120));
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains("as set"), "{screen}");
    press(&mut app, "u");
    assert_eq!(app.model, opened);
    press(&mut app, "Ctrl-r");
    let before = std::fs::read_to_string(&path).unwrap();
    press(&mut app, "Ctrl-s");
    let after = std::fs::read_to_string(&path).unwrap();
    let changed: Vec<(&str, &str)> = before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(changed.len(), 1, "{changed:?}");
    assert!(
        changed[0]
            .1
            .contains(&format!("at_least: {}", fmt(want.at_least)))
            && changed[0].1.contains("capacity: { contacts: 2000 }"),
        "{changed:?}"
    );
}

#[test]
fn backtest_reads_a_tiers_capacity_as_it_reads_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let path = with_capacity(&dir, "{ contacts: 2000, per: file }");
    let run = |extra: &[&str], model: &std::path::Path| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_scorewright"))
            .arg("backtest")
            .arg(model)
            .arg(leads())
            .args(extra)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let by_key = run(&[], &path);
    let plain = root().join("examples/x-education.yaml");
    let by_flags = run(&["--capacity", "2000", "--per-file"], &plain);
    assert!(by_key.contains("2000"), "{by_key}");
    assert_eq!(by_key, by_flags.replace(&plain.display().to_string(), ""));
}

#[test]
fn check_says_what_a_capacity_lacks() {
    let dir = tempfile::tempdir().unwrap();
    for (capacity, says) in [
        (
            "{ contacts: 400, per: week }",
            "capacity per week needs the date column",
        ),
        (
            "{ contacts: 0 }",
            "has a capacity of 0 contacts: give how many sales can take per period",
        ),
        (
            "{ contacts: 400, date: Created }",
            "capacity per file reads no date column ('Created')",
        ),
    ] {
        let path = with_capacity(&dir, capacity);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_scorewright"))
            .arg("check")
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(1), "{capacity}: {text}");
        assert!(text.contains(says), "{capacity}: {text}");
        // Located on the hot tier's line, wherever the example has it.
        let model = std::fs::read_to_string(&path).unwrap();
        let line = 1 + model.lines().position(|l| l.contains("name: hot")).unwrap();
        assert!(
            text.contains(&format!("x-education.yaml:{line}:")),
            "{capacity}: {text}"
        );
    }
}

/// Issue 17: the rule form names the field by its label, however long, not by its id.
#[test]
fn the_rule_form_names_the_field_by_its_label() {
    let path = root().join("examples/b2b-customer.yaml");
    let file = read_model(&path).unwrap();
    let mut app = App::new(file.model, path);
    let model = app.model.clone();
    let label = "Annual recurring revenue (EUR)";
    assert_eq!(
        model
            .fields
            .iter()
            .find(|f| f.id == "arr")
            .unwrap()
            .label
            .as_deref(),
        Some(label)
    );
    // The first signal that reads `arr`.
    let mut node = None;
    for (j, journey) in model.journeys.iter().enumerate() {
        for (t, tp) in journey.touchpoints.iter().enumerate() {
            if let Some(index) = tp.signals.iter().position(|s| s.field == "arr") {
                node.get_or_insert(scorewright::tui::ops::Node::Signal {
                    journey: j,
                    touchpoint: vec![t],
                    index,
                });
            }
        }
    }
    app.select(&node.expect("a signal reads arr"));
    press(&mut app, "e");
    let screen = render(&mut app, 120, 40);
    assert!(screen.contains(&format!("Rule of '{label}'")), "{screen}");
    assert!(!screen.contains("Rule of 'arr'"), "{screen}");
    assert!(
        screen.contains(&format!("0 {label}")) || screen.contains(label),
        "{screen}"
    );
}

/// Issue 17: the detail pane names a signal's field by its label too, with the id beside it.
#[test]
fn the_detail_pane_names_a_signals_field_by_its_label() {
    let path = root().join("examples/b2b-customer.yaml");
    let file = read_model(&path).unwrap();
    let mut app = App::new(file.model, path);
    app.select(&scorewright::tui::ops::Node::Signal {
        journey: 0,
        touchpoint: vec![0, 0],
        index: 0,
    });
    let screen = render(&mut app, 120, 40);
    assert!(
        screen
            .lines()
            .any(|l| l.contains("│Field ")
                && l.contains(" Active seats as a percentage of licensed se")),
        "{screen}"
    );
}
