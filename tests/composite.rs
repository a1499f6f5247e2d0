//! Composite journeys (issue 14): a journey whose parts are other journeys, weighted to 100%,
//! as a user meets it through the binary: `check`, `score`, `explain` and `diff`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::cli::{bin, root, stderr, stdout, write};

fn lead_model() -> String {
    std::fs::read_to_string(root().join("examples/lead-fit-activity.yaml")).unwrap()
}

/// The example with its composite's parts replaced by `parts` (YAML lines under `parts:`).
fn with_parts(parts: &str) -> String {
    lead_model().replace(
        "      - { journey: fit, weight: 40 }\n      - { journey: activity, weight: 60 }\n",
        parts,
    )
}

#[test]
fn check_locates_each_composite_fault_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "      - { journey: fit, weight: 40 }\n      - { journey: activty, weight: 60 }\n",
            "journey 'lead': part names unknown journey 'activty': did you mean 'activity'?",
            "journeys.lead.parts.activty.journey",
        ),
        (
            "      - { journey: fit, weight: 40 }\n      - { journey: activity, weight: 50 }\n",
            "journey 'lead': part weights sum to 90%, 10% unassigned",
            "journeys.lead.parts",
        ),
        (
            "      - { journey: fit, weight: 40 }\n      - { journey: lead, weight: 60 }\n",
            "journey 'lead' is a part of itself: lead -> lead; take one of these parts out",
            "journeys.lead.parts",
        ),
    ];
    for (parts, message, at) in cases {
        let m = write(dir.path(), "m.yaml", &with_parts(parts));
        let out = bin().arg("check").arg(&m).output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{parts}");
        let s = stdout(&out);
        assert!(s.contains(&format!("{message} (at {at})")), "{s}");
    }
    // A longer cycle names every journey on it, at the file line of the first one's parts.
    let text = lead_model().replace(
        "  - id: activity\n    name: Activity\n",
        "  - id: activity\n    name: Activity\n    parts: [ { journey: lead, weight: 100 } ]\n",
    );
    let m = write(dir.path(), "m.yaml", &text);
    let out = bin().arg("check").arg(&m).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let s = stdout(&out);
    assert!(
        s.contains("error: journey 'activity' has both parts and touchpoints: a composite journey's score is its parts'"),
        "{s}"
    );
    assert!(
        s.contains("journey 'activity' is a part of itself: activity -> lead -> activity"),
        "{s}"
    );
    // `score` refuses the cycle rather than loop or guess.
    let out = bin()
        .arg("score")
        .arg(&m)
        .arg(root().join("examples/lead-fit-activity.csv"))
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn score_writes_the_composite_like_any_journey_and_explain_shows_its_parts() {
    let model = root().join("examples/lead-fit-activity.yaml");
    let csv = root().join("examples/lead-fit-activity.csv");
    let out = bin().arg("score").arg(&model).arg(&csv).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (fit, activity, lead) = (col("score_fit"), col("score_activity"), col("score_lead"));
    let mut rows = 0;
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        if cells.len() != header.len() {
            continue; // a quoted comma; the other rows cover the sum
        }
        let v = |i: usize| cells[i].parse::<f64>().unwrap();
        // No adjustment on the composite: 40% of fit and 60% of activity, to the rounding.
        let want = 0.4 * v(fit) + 0.6 * v(activity);
        assert!((v(lead) - want).abs() < 1e-5, "{line}");
        rows += 1;
    }
    assert!(rows >= 15, "{rows} rows checked");

    let out = bin()
        .arg("explain")
        .arg(&model)
        .arg(&csv)
        .args(["--id", "L-2004"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(s.contains("Lead score (lead): 63.71\n  part Fit [40%]: score 80.55 x 40% = 32.22 of 40 points\n  part Activity [60%]: score 52.49 x 60% = 31.49 of 60 points\n"), "{s}");
}

#[test]
fn diff_reports_a_composite_weight_change() {
    let dir = tempfile::tempdir().unwrap();
    let old = write(dir.path(), "old.yaml", &lead_model());
    let new = write(
        dir.path(),
        "new.yaml",
        &with_parts(
            "      - { journey: fit, weight: 50 }\n      - { journey: activity, weight: 50 }\n",
        ),
    );
    let out = bin().arg("diff").arg(&old).arg(&new).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(
        s.contains("~ journeys.lead.parts.fit.weight: 40 -> 50"),
        "{s}"
    );
    assert!(
        s.contains("~ journeys.lead.parts.activity.weight: 60 -> 50"),
        "{s}"
    );
}

#[test]
fn the_report_names_a_composites_parts_in_its_lane() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("r.html");
    let out = bin()
        .arg("report")
        .arg(root().join("examples/lead-fit-activity.yaml"))
        .arg("-o")
        .arg(&html)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&html).unwrap();
    assert!(
        text.contains(">composite: Fit 40% + Activity 60%<"),
        "{text}"
    );
    // Its parts' weights sum to 100%: the lane's sum is not flagged.
    assert_eq!(text.matches("fill=\"#b42318\">Σ").count(), 0);
}

mod designer {
    use super::common::app::{press, render, type_text};
    use scorewright::model::read_model;
    use scorewright::tui::App;
    use std::path::PathBuf;

    fn lead_app() -> App {
        let path = PathBuf::from("examples/lead-fit-activity.yaml");
        let file = read_model(&path).unwrap();
        App::new(file.model, path)
    }

    /// The tree shows the composite with its parts, their weights and the 100% gauge.
    #[test]
    fn the_tree_shows_a_composite_with_its_parts() {
        let mut app = lead_app();
        let screen = render(&mut app, 220, 60);
        assert!(
            screen.contains("composite: Fit 40% + Activity 60%"),
            "{screen}"
        );
    }

    /// Selects part `index` of the example's composite (`lead`) and presses `keys`.
    fn on_part(app: &mut App, index: usize, keys: &str) {
        app.select(&scorewright::tui::ops::Node::Part { journey: 2, index });
        press(app, keys);
    }

    fn comparison(app: &App) -> &scorewright::engine::whatif::Comparison {
        &app.preview
            .as_ref()
            .unwrap()
            .result
            .as_ref()
            .unwrap()
            .comparison
    }

    /// Issue 14 (leftover): each part is a node under its composite, with the part journey's
    /// name and weight. Selected, `+` and `-` move its weight (the live check says when the
    /// parts leave 100%), `b` on the composite balances them, the preview's lead scores and
    /// tiers move by what the engine says, one undo per run of nudges brings it all back,
    /// and the save changes the two weights' text only.
    #[test]
    fn a_part_weight_is_nudged_balanced_and_moves_the_lead_scores_and_tiers() {
        use scorewright::engine::{score_table, whatif::compare};
        use scorewright::tui::Action;
        use scorewright::tui::ops::Node;
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let before = read_model(&root.join("examples/lead-fit-activity.yaml"))
            .unwrap()
            .model;
        let csv = root.join("examples/lead-fit-activity.csv");
        let mut app = App::new(before.clone(), PathBuf::from("/nonexistent/model.yaml"))
            .with_contacts(Some(csv.clone()));
        app.update(Action::Resize(160, 60));
        let screen = render(&mut app, 160, 60);
        let row = |name: &str| {
            screen
                .lines()
                .find(|l| l.contains(&format!("◇ {name}")))
                .unwrap_or_else(|| panic!("no part {name}: {screen}"))
                .to_string()
        };
        assert!(row("Fit").contains("part: journey fit") && row("Fit").contains("40%"));
        assert!(row("Activity").contains("60%"), "{}", row("Activity"));
        // Activity 60% -> 70%: the parts sum to 110%, an error the live check names.
        on_part(&mut app, 1, "+ + + + + + + + + +");
        assert_eq!(app.model.journeys[2].parts[1].weight.0, 7000);
        assert_eq!(app.errors(), 1, "{:?}", app.diagnostics);
        assert!(
            app.diagnostics[0]
                .message
                .contains("journey 'lead': part weights sum to 110%"),
            "{:?}",
            app.diagnostics[0]
        );
        // Fit 40% -> 30%: 100% again, and the preview is what the engine gives.
        on_part(&mut app, 0, "- - - - - - - - - -");
        assert_eq!(app.model.journeys[2].parts[0].weight.0, 3000);
        assert_eq!(app.errors(), 0, "{:?}", app.diagnostics);
        let table = scorewright::contacts::read_contacts(&csv).unwrap();
        let want = compare(
            &before,
            &score_table(&before, &table),
            &app.model,
            &score_table(&app.model, &table),
        );
        let got = comparison(&app);
        assert_eq!(got.journey, "lead");
        assert_eq!(got.delta, want.delta);
        assert_eq!(got.tier_moves, want.tier_moves);
        // 10 points from fit to activity: each lead moves by 0.1 x (activity - fit).
        let s = score_table(&before, &table);
        for (r, d) in got.delta.iter().enumerate() {
            assert!(
                (d - 0.1 * (s.scores[1][r] - s.scores[0][r])).abs() < 1e-9,
                "row {r}"
            );
        }
        assert!(got.changed > 0 && !got.tier_moves.is_empty(), "{got:?}");
        // `b` on the composite shares the parts equally; undo steps back through it all.
        app.select(&Node::Journey(2));
        press(&mut app, "b");
        let parts: Vec<i64> = app.model.journeys[2]
            .parts
            .iter()
            .map(|p| p.weight.0)
            .collect();
        assert_eq!(parts, [5000, 5000]);
        press(&mut app, "u");
        assert_eq!(app.model.journeys[2].parts[0].weight.0, 3000);
        press(&mut app, "u u");
        assert_eq!(app.model, before);
        assert_eq!(comparison(&app).changed, 0);
        // Saved over the file's text: the two weights' lines change, nothing else.
        press(&mut app, "Ctrl-r Ctrl-r");
        let text = std::fs::read_to_string(root.join("examples/lead-fit-activity.yaml")).unwrap();
        let saved = scorewright::model::preserve::preserve(Some(&text), &app.model).unwrap();
        let changed: Vec<(&str, &str)> = text
            .lines()
            .zip(saved.text.lines())
            .filter(|(a, b)| a != b)
            .collect();
        assert_eq!(
            changed,
            [
                (
                    "      - { journey: fit, weight: 40 }",
                    "      - { journey: fit, weight: 30 }"
                ),
                (
                    "      - { journey: activity, weight: 60 }",
                    "      - { journey: activity, weight: 70 }"
                ),
            ]
        );
        // A weight typed in the part's detail pane, as a touchpoint's: one undoable edit.
        on_part(&mut app, 1, "Enter Down Enter");
        for _ in 0..6 {
            press(&mut app, "Backspace");
        }
        type_text(&mut app, "75");
        press(&mut app, "Enter");
        assert_eq!(app.model.journeys[2].parts[1].weight.0, 7500);
        assert!(
            app.diagnostics[0]
                .message
                .contains("part weights sum to 105%"),
            "{:?}",
            app.diagnostics
        );
        press(&mut app, "Esc u");
        assert_eq!(app.model.journeys[2].parts[1].weight.0, 7000);
        // Removed and brought back: one edit each way.
        press(&mut app, "x y");
        assert_eq!(app.model.journeys[2].parts.len(), 1);
        press(&mut app, "u");
        assert_eq!(app.model.journeys[2].parts[1].journey, "activity");
    }

    /// Renaming a journey's id moves the composite's part that names it (and the tiers on
    /// the composite stay), as one edit with no errors after it (issue 17).
    #[test]
    fn renaming_a_part_journey_updates_the_composite() {
        let mut app = lead_app();
        let before = app.model.clone();
        app.select(&scorewright::tui::ops::Node::Journey(0));
        press(&mut app, "Enter Enter");
        type_text(&mut app, "who");
        press(&mut app, "Enter");
        assert_eq!(app.model.journeys[0].id, "who");
        assert_eq!(app.model.journeys[2].parts[0].journey, "who");
        assert_eq!(app.errors(), 0, "{:?}", app.diagnostics);
        let said = app.message.as_ref().unwrap().text.clone();
        assert!(said.contains("composite journey 'lead'"), "{said}");
        press(&mut app, "Esc u");
        assert_eq!(app.model, before);
    }
}

/// The map screen gives a composite a lane that lists its parts, with its gauge at 100%.
#[test]
fn the_map_lists_a_composites_parts_in_its_lane() {
    use common::app::{press, render};
    let path = std::path::PathBuf::from("examples/lead-fit-activity.yaml");
    let file = scorewright::model::read_model(&path).unwrap();
    let mut app = scorewright::tui::App::new(file.model, path);
    press(&mut app, "m");
    let screen = render(&mut app, 200, 50);
    let line = screen
        .lines()
        .find(|l| l.contains("Lead score"))
        .unwrap_or_else(|| panic!("{screen}"));
    assert!(line.contains("composite: Fit 40% + Activity 60%"), "{line}");
    assert!(line.contains("100%"), "{line}");
}

/// The what-if is about the tier journey, here the composite: raising Activity's demo-request
/// touchpoint in the part journey moves the composite's scores, ranks and tiers.
#[test]
fn the_what_if_counts_moves_on_a_composite_when_a_part_changes() {
    use scorewright::engine::{score_table, whatif};
    use scorewright::model::Weight;
    let model = scorewright::model::read_model(&root().join("examples/lead-fit-activity.yaml"))
        .unwrap()
        .model;
    let table =
        scorewright::contacts::read_contacts(&root().join("examples/lead-fit-activity.csv"))
            .unwrap();
    let before = score_table(&model, &table);
    let mut after_model = model.clone();
    // Activity: demo request 30 -> 50, website 20 -> 0.
    after_model.journeys[1].touchpoints[0].weight = Weight(5000);
    after_model.journeys[1].touchpoints[3].weight = Weight(0);
    let after = score_table(&after_model, &table);
    let c = whatif::compare(&model, &before, &after_model, &after);
    assert_eq!(c.journey, "lead");
    assert!(c.changed > 10, "{} of {} changed", c.changed, c.rows);
    for row in 0..c.rows {
        // The composite moves by 60% of Activity's move (no adjustment on it, no clamp hit).
        let activity = after.scores[1][row] - before.scores[1][row];
        assert!((c.delta[row] - 0.6 * activity).abs() < 1e-9, "row {row}");
    }
}

#[test]
fn backtest_measures_the_composite_like_any_journey() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("examples/lead-fit-activity.csv")).unwrap();
    let mut out = String::new();
    for (i, line) in text.lines().enumerate() {
        let won = if i == 0 {
            "won"
        } else if i % 3 == 0 {
            "yes"
        } else {
            "no"
        };
        out.push_str(&format!("{line},{won}\n"));
    }
    let csv = write(dir.path(), "won.csv", &out);
    let model = write(
        dir.path(),
        "m.yaml",
        &lead_model().replace("contacts: lead-fit-activity.csv\n", ""),
    );
    let out = bin()
        .arg("backtest")
        .arg(&model)
        .arg(&csv)
        .args(["--outcome", "won"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let s = stdout(&out);
    assert!(s.contains("Journey lead (Lead score)\n  AUC "), "{s}");
}
