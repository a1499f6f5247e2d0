//! Big and hostile inputs: YAML alias bombs inside valid model keys, a contacts row of 20 MB,
//! and a model of 10,000 touchpoints in the designer. Each is refused with a clear message or
//! handled, quickly and in bounded memory. (Peak memory is measured by
//! `scripts/measure-hostile.sh`, not here: timings in tests only guard against the
//! catastrophic, since CI machines are shared.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use scorewright::model::{Field, FieldKind, Journey, Model, Rule, Signal, Touchpoint, Weight};
use scorewright::model::{parse_model, to_yaml};
use scorewright::tui::ops::Node;
use scorewright::tui::recovery::Guard;
use scorewright::tui::{Action, App, view};
use std::time::{Duration, Instant};

fn bin() -> Command {
    Command::cargo_bin("scorewright").unwrap()
}

const FIELDS: &str = "fields:\n  - { id: f, kind: number }\n";

/// Alias bombs that expand to 2^39 items, each under a key a model has, of the type it takes.
fn bombs() -> Vec<(&'static str, String)> {
    let mut touchpoints = format!(
        "name: x\n{FIELDS}journeys:\n  - id: j\n    touchpoints:\n      - &t0 {{id: t, weight: 100, signals: [{{field: f, weight: 100, rule: flag}}]}}\n"
    );
    let mut conditions = format!(
        "name: x\n{FIELDS}journeys: []\nsegments:\n  - {{name: s0, action: a, when: &c0 {{field: f, at_least: 1}}}}\n"
    );
    let mut samples = "name: x\njourneys: []\nsamples:\n  - &r0 {id: a, v: lol}\n".to_string();
    let mut personas =
        "name: x\njourneys: []\npersonas:\n  - &p0 {name: p, values: {f: 1}, expect: {tier: hot}}\n".to_string();
    let mut notes =
        "name: x\njourneys: []\nnote: &n0 lol\nsamples:\n  - &s0 [lol, lol]\n".to_string();
    for i in 1..40 {
        let p = i - 1;
        touchpoints.push_str(&format!(
            "      - &t{i} {{id: t{i}, weight: 0, touchpoints: [*t{p}, *t{p}]}}\n"
        ));
        conditions.push_str(&format!(
            "  - {{name: s{i}, action: a, when: &c{i} {{any: [*c{p}, *c{p}]}}}}\n"
        ));
        samples.push_str(&format!("  - &r{i} {{id: *r{p}, v: *r{p}}}\n"));
        personas.push_str(&format!(
            "  - &p{i} {{name: p, values: *p{p}, expect: *p{p}}}\n"
        ));
        notes.push_str(&format!("  - &s{i} [*s{p}, *s{p}]\n"));
    }
    // The classic: nine levels of nine, 387 million strings, where a list of rows is read.
    let mut laughs = "name: x\njourneys: []\nsamples:\n".to_string();
    laughs.push_str("  - &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..9 {
        let refs = vec![format!("*l{}", i - 1); 9].join(", ");
        laughs.push_str(&format!("  - &l{i} [{refs}]\n"));
    }
    vec![
        ("touchpoints", touchpoints),
        ("conditions", conditions),
        ("samples", samples),
        ("personas", personas),
        ("notes", notes),
        ("laughs", laughs),
    ]
}

#[test]
fn alias_bombs_under_model_keys_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in bombs() {
        let start = Instant::now();
        let err = parse_model(&text, "bomb.yaml").unwrap_err().to_string();
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{name}: {:?}",
            start.elapsed()
        );
        assert!(err.starts_with("bomb.yaml:"), "{name}: {err}");
        let path = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&path, &text).unwrap();
        let out = bin()
            .arg("check")
            .arg(&path)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&path.display().to_string()),
            "{name}: {stderr}"
        );
    }
    // Where the bomb builds a structure the model takes, the message names the cause.
    let (_, text) = &bombs()[0];
    let err = parse_model(text, "bomb.yaml").unwrap_err().to_string();
    assert!(err.contains("aliases expand too far"), "{err}");
}

#[test]
fn a_20_mb_row_is_refused_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.yaml");
    std::fs::write(
        &model,
        format!(
            "name: x\n{FIELDS}journeys:\n  - id: j\n    touchpoints:\n      - {{id: t, weight: 100, pillars: [empathy], signals: [{{field: f, weight: 100, rule: {{scale: {{from: 0, to: 1}}}}}}]}}\nsegments:\n  - {{name: all, action: a}}\n"
        ),
    )
    .unwrap();
    // A quoted cell is taken for an unclosed quote at 1 MB, before the row limit.
    for (name, quote, why) in [
        (
            "quoted",
            "\"",
            "a quoted cell opens here and runs on past 1000 lines or 1 MB",
        ),
        ("bare", "", "a row runs on past 16 MB"),
    ] {
        let contacts = dir.path().join(format!("{name}.csv"));
        let mut text = String::from("id,f\n1,2\n2,");
        text.push_str(quote);
        text.push_str(&"x".repeat(20 << 20));
        text.push_str(quote);
        text.push_str("\n3,4\n");
        std::fs::write(&contacts, text).unwrap();
        let out = bin()
            .args(["score"])
            .arg(&model)
            .arg(&contacts)
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{} line 3: {why}", contacts.display())),
            "{name}: {stderr}"
        );
    }
}

/// A model of 100 journeys of 100 touchpoints, each with a signal on its own field.
fn big_model() -> Model {
    let mut m = Model {
        name: "Ten thousand touchpoints".into(),
        ..Model::default()
    };
    for j in 0..100 {
        let mut journey = Journey {
            name: format!("Journey {j}"),
            ..Journey::new(&format!("j{j}"))
        };
        for t in 0..100 {
            let field = format!("f{}", (j * 100 + t) % 500);
            let mut tp = Touchpoint::new(&format!("t{j}_{t}"), Weight(100));
            tp.name = format!("Touchpoint {t} of journey {j}");
            tp.signals.push(Signal {
                field,
                weight: Weight(10_000),
                rule: Rule::Scale {
                    from: 0.0,
                    to: 10.0,
                },
                missing: None,
                decay: None,
                note: None,
            });
            journey.touchpoints.push(tp);
        }
        m.journeys.push(journey);
    }
    m.fields = (0..500)
        .map(|i| Field::new(&format!("f{i}"), FieldKind::Number))
        .collect();
    m
}

#[test]
fn ten_thousand_touchpoints_open_and_take_an_edit() {
    let m = big_model();
    let text = to_yaml(&m);
    let start = Instant::now();
    let back = parse_model(&text, "big.yaml").unwrap();
    let load = start.elapsed();
    assert_eq!(back, m);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yaml");
    let start = Instant::now();
    let guard = Guard::with_copy(&path, None, Some(dir.path().join("copy.yaml")));
    let mut app = App::new(back, path).with_guard(guard);
    app.update(Action::Resize(120, 40));
    let open = start.elapsed();
    app.select(&Node::Touchpoint {
        journey: 50,
        path: vec![50],
    });
    let start = Instant::now();
    app.update(Action::Nudge(100));
    let edit = start.elapsed();
    assert_eq!(app.model.journeys[50].touchpoints[50].weight, Weight(200));
    // The recovery copy: the event loop only notices the change and hands a copy over; a
    // thread writes the YAML.
    let start = Instant::now();
    app.keep_recovery();
    let keep = start.elapsed();
    let start = Instant::now();
    app.flush_recovery().unwrap();
    let written = start.elapsed();
    let start = Instant::now();
    app.keep_recovery();
    let keep_unchanged = start.elapsed();
    let start = Instant::now();
    app.update(Action::Undo);
    let undo = start.elapsed();
    assert_eq!(app.model, m);
    let start = Instant::now();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    terminal.draw(|f| view::draw(f, &app)).unwrap();
    let frame = start.elapsed();
    eprintln!(
        "10,000 touchpoints ({} KB of YAML): parse {load:?}, open {open:?}, nudge {edit:?}, \
         undo {undo:?}, frame {frame:?}; recovery copy handed over in {keep:?} \
         ({keep_unchanged:?} when unchanged), written by its thread in {written:?}",
        text.len() / 1024
    );
    // Generous bounds for an unoptimised build on a shared machine: the measured numbers are
    // in the README's "Bad input" section.
    for (what, took) in [
        ("parse", load),
        ("open", open),
        ("nudge", edit),
        ("undo", undo),
        ("frame", frame),
        ("recovery hand-over", keep),
        ("recovery write", written),
    ] {
        assert!(took < Duration::from_secs(10), "{what} took {took:?}");
    }
}

#[test]
fn model_files_that_are_not_models_are_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let check = |path: &std::path::Path| {
        let out = bin()
            .arg("check")
            .arg(path)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    // A folder.
    let err = check(dir.path());
    assert!(err.contains("is a folder, not a model file"), "{err}");
    // A contacts file of 100 MB passed as the model: refused before it is read.
    let big = dir.path().join("big.yaml");
    std::fs::File::create(&big)
        .unwrap()
        .set_len(100 << 20)
        .unwrap();
    let err = check(&big);
    assert!(
        err.contains("is 100 MB; a model file is at most 64 MB"),
        "{err}"
    );
    // Latin-1 text: located at the first byte that is not UTF-8.
    let latin = dir.path().join("latin.yaml");
    std::fs::write(&latin, b"name: x\nnote: M\xfcnchen\njourneys: []\n").unwrap();
    let err = check(&latin);
    assert!(
        err.contains("latin.yaml:2:8: is not valid UTF-8 text"),
        "{err}"
    );
    // Nothing in it.
    let empty = dir.path().join("empty.yaml");
    std::fs::write(&empty, "\n\n").unwrap();
    let err = check(&empty);
    assert!(err.contains("empty.yaml: is empty"), "{err}");
}

#[test]
fn a_contacts_folder_or_missing_file_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.yaml");
    std::fs::write(
        &model,
        "name: x\njourneys: []\nsegments:\n  - { name: all, action: a }\n",
    )
    .unwrap();
    for (contacts, want) in [
        (dir.path().to_path_buf(), "is a folder, not a contacts file"),
        (dir.path().join("nope.csv"), "nope.csv: cannot read it"),
    ] {
        let out = bin()
            .args(["score", "--allow-errors"])
            .arg(&model)
            .arg(&contacts)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "{err}");
    }
}
