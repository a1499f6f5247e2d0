//! End to end: the real binary in a real terminal (tmux), driven by keys and read from the
//! screen: open a model, edit a weight, save, quit, and check the file on disk.
//!
//! Needs tmux (`.ci/install-engines` installs it): without it the test fails, it never skips.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::tmux::Tmux;

use std::time::{Duration, Instant};

const MODEL: &str = r#"name: End to end
fields:
  - { id: visits, kind: number }
  - { id: webinar, kind: boolean }
journeys:
  - id: fit
    name: Fit
    touchpoints:
      - id: web
        name: Visits the site
        pillars: [time_and_effort]
        weight: 50
        signals:
          - { field: visits, weight: 100, rule: { scale: { from: 0, to: 10 } } }
      - id: webinar
        name: Attends a webinar
        pillars: [personalisation]
        weight: 50
        signals:
          - { field: webinar, weight: 100, rule: flag }
"#;

#[test]
fn open_edit_a_weight_save_and_quit() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.yaml");
    std::fs::write(&model, MODEL).unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();

    let tmux = Tmux::designer(
        "e2e",
        &config,
        &[&model],
        (100, 30),
        Duration::from_secs(20),
    );

    tmux.wait_for("Visits the site");
    // The cursor starts on the journey; one down is the first touchpoint. Type 30 for it.
    tmux.keys(&["Down"]);
    tmux.keys(&["3", "0"]);
    tmux.wait_for("Weight of 'Visits the site'");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("unsaved changes");
    assert!(screen.contains("80%: 20% left"), "{screen}");
    tmux.keys(&["C-s"]);
    tmux.wait_for("saved to");
    // Without colour (the helper sets NO_COLOR) there is no theme to pick: t says so and
    // writes no config (a theme picked with t is kept: `src/tui/theme.rs` tests).
    tmux.keys(&["t"]);
    tmux.wait_for("t does not work here");
    assert!(!config.join("config.yaml").exists());
    tmux.keys(&["q"]);
    let start = Instant::now();
    while tmux.alive() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "still running after q:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }

    let saved = scorewright::model::read_model(&model).unwrap();
    let weights: Vec<String> = saved.model.journeys[0]
        .touchpoints
        .iter()
        .map(|t| t.weight.to_string())
        .collect();
    assert_eq!(weights, ["30", "50"]);
    let text = std::fs::read_to_string(&model).unwrap();
    assert!(text.contains("weight: 30"), "{text}");
    // Nothing else changed.
    let mut expected = scorewright::model::parse_model(MODEL, "m").unwrap();
    expected.journeys[0].touchpoints[0].weight = scorewright::model::Weight(3000);
    assert_eq!(saved.model, expected);
}

/// Issue 14 (leftover): in the real binary, a composite's part is a row of the tree; `+`
/// raises its weight, the journey's gauge and the checks say 105%, `-` brings it back after
/// the other part is lowered, and the save writes the two part weights, nothing else.
#[test]
fn a_composites_part_weight_is_nudged_in_the_tree_and_saved() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.yaml");
    let text = format!(
        "{MODEL}  - id: lead\n    name: Lead\n    parts:\n      - {{ journey: fit, weight: 50 }}\n      - {{ journey: fit2, weight: 50 }}\n  - id: fit2\n    name: Fit again\n    touchpoints:\n      - {{ id: w2, name: Webinars, pillars: [empathy], weight: 100, signals: [ {{ field: webinar, weight: 100, rule: flag }} ] }}\n"
    );
    std::fs::write(&model, &text).unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let tmux = Tmux::designer(
        "e2e-parts",
        &config,
        &[&model],
        (120, 34),
        Duration::from_secs(20),
    );
    tmux.wait_for("Visits the site");
    // From the first journey: its two touchpoints and their signals, then Lead, then its
    // parts (Fit, then Fit again).
    for _ in 0..6 {
        tmux.keys(&["Down"]);
    }
    tmux.keys(&["+", "+", "+", "+", "+"]);
    let screen = tmux.wait_for("part weights sum to 105%");
    assert!(screen.contains("Σ 105%"), "{screen}");
    tmux.keys(&["Down", "-", "-", "-", "-", "-"]);
    tmux.wait_for("weight of 'fit2' set to 45%");
    tmux.keys(&["C-s"]);
    tmux.wait_for("saved to");
    tmux.keys(&["q"]);
    let start = Instant::now();
    while tmux.alive() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "still running after q:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let saved = std::fs::read_to_string(&model).unwrap();
    let want = text
        .replace(
            "{ journey: fit, weight: 50 }",
            "{ journey: fit, weight: 55 }",
        )
        .replace(
            "{ journey: fit2, weight: 50 }",
            "{ journey: fit2, weight: 45 }",
        );
    assert_eq!(saved, want);
}

/// `scorewright MODEL`, the way a newcomer types it, opens the model in the designer as
/// `scorewright edit MODEL` does (it said "unrecognized subcommand").
#[test]
fn a_model_named_without_edit_opens_in_the_designer() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.yaml");
    std::fs::write(&model, MODEL).unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();
    let tmux = Tmux::scorewright(
        "bare",
        &config,
        None,
        &[&model],
        (100, 30),
        Duration::from_secs(20),
    );
    let screen = tmux.wait_for("Visits the site");
    assert!(screen.contains("model.yaml"), "{screen}");
    tmux.keys(&["q"]);
}
