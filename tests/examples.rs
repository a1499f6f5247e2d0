//! The shipped example models: each one reads, each one is clean under the checks (no errors,
//! no warnings) against the columns of its own sample contacts, its personas score as the room
//! agreed, and its sample contacts reach every tier and every segment. The X Education model
//! is also held to what it is for: converted leads score clearly higher than the rest. The
//! hand-written DuckDB queries and Polars scripts that `scripts/bench-peers.sh` times against
//! `score` (`benches/peers/`) score the benched examples as the engine does.
//!
//! The examples are what a new user starts from (`scorewright new --template ...`), so a
//! warning in one of them is a bug in the product, not a matter of taste.

use scorewright::contacts::read_contacts;
use scorewright::engine::{check_personas, score_table};
use scorewright::model::check::{self, Diagnostic, Severity};
use scorewright::model::{ModelFile, parse_model, read_model, to_yaml};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every example the product ships, by file name in `examples/`.
const EXAMPLES: [&str; 6] = [
    "b2b-customer.yaml",
    "lead-fit-activity.yaml",
    "b2c-hot-warm-cold.yaml",
    "x-education.yaml",
    "telco-churn.yaml",
    "abm-buying-group.yaml",
];

/// The examples that read a real public data set in place (in `../shared/data`) instead of
/// shipping sample contacts.
const ON_REAL_DATA: [&str; 2] = ["x-education.yaml", "telco-churn.yaml"];

fn ships_samples(name: &&&str) -> bool {
    !ON_REAL_DATA.contains(name)
}

fn example(name: &str) -> ModelFile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    match read_model(&path) {
        Ok(m) => m,
        Err(e) => panic!("{e}"),
    }
}

/// The header of a CSV file: the column names the checks compare the fields with.
fn csv_columns(path: &Path) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_path(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader
        .headers()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    headers
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect()
}

fn contacts_of(file: &ModelFile) -> Option<PathBuf> {
    file.contacts_path()
}

/// The contacts file a model names, which must be there: the shipped samples, or the public
/// data kept beside the project (`../shared/data/`, see the README). A missing file fails the
/// test, naming where it should be, rather than letting it pass without looking.
fn required_contacts(file: &ModelFile) -> Option<PathBuf> {
    let path = contacts_of(file)?;
    assert!(
        path.exists(),
        "{}: its contacts file {} is missing; put it there (the README's \"The X Education data\" \
         says where to get the public data sets) and run the tests again",
        file.path.display(),
        std::path::absolute(&path).unwrap_or(path.clone()).display()
    );
    Some(path)
}

fn render(diags: &[Diagnostic], file: &ModelFile) -> String {
    let name = file.path.display().to_string();
    diags
        .iter()
        .map(|d| d.render(Some(&name)))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_example_is_clean_under_the_checks() {
    for name in EXAMPLES {
        let file = example(name);
        let columns = required_contacts(&file).map(|p| csv_columns(&p));
        let diags = check::check(&file.model, columns.as_deref(), Some(&file.map));
        assert!(
            diags.is_empty(),
            "{name} is not clean:\n{}",
            render(&diags, &file)
        );
        // Without the sample contacts too: nothing may depend on them.
        let diags = check::check(&file.model, None, Some(&file.map));
        let errors: Vec<_> = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .cloned()
            .collect();
        assert!(
            errors.is_empty(),
            "{name} has errors:\n{}",
            render(&errors, &file)
        );
    }
}

#[test]
fn every_example_on_made_up_data_ships_its_sample_contacts() {
    for name in EXAMPLES.iter().filter(ships_samples) {
        let file = example(name);
        let path = contacts_of(&file).unwrap_or_else(|| panic!("{name} names no contacts file"));
        assert!(
            path.exists(),
            "{name}: contacts file {} is missing",
            path.display()
        );
        assert!(
            path.starts_with(Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")),
            "{name}: sample contacts must live beside the model"
        );
        let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{e}"));
        let rows = reader.records().count();
        assert!(
            (20..=40).contains(&rows),
            "{name}: {rows} sample contacts, expected 20 to 40"
        );
        let columns = csv_columns(&path);
        if let Some(id) = &file.model.id_column {
            assert!(
                columns.contains(id),
                "{name}: the contacts have no id column '{id}'"
            );
        }
        for shown in &file.model.show {
            assert!(
                columns.contains(shown),
                "{name}: the contacts have no column '{shown}' to show"
            );
        }
    }
}

#[test]
fn every_example_repeats_and_is_fully_described() {
    for name in EXAMPLES {
        let m = example(name).model;
        assert!(
            m.as_of.is_some(),
            "{name}: no as_of, so previews would change every day"
        );
        assert!(!m.grades.is_empty(), "{name}: no grades");
        assert!(
            m.tiers.as_ref().is_some_and(|t| t.levels.len() >= 3),
            "{name}: fewer than three tiers"
        );
        assert!(
            m.tiers
                .iter()
                .flat_map(|t| &t.levels)
                .all(|l| !l.handover.is_empty()),
            "{name}: a tier without a handover"
        );
        assert!(
            (2..=3).contains(&m.personas.len()),
            "{name}: expected 2 or 3 personas"
        );
        assert!(
            m.journeys.iter().any(|j| !j.adjustments.is_empty()),
            "{name}: no negative scoring"
        );
        assert!(
            m.segments
                .iter()
                .all(|s| !s.action.is_empty() && !s.route.is_empty()),
            "{name}: a segment without an action or a route"
        );
        fn notes(t: &scorewright::model::Touchpoint, name: &str) {
            assert!(
                t.note.as_deref().is_some_and(|n| !n.trim().is_empty()),
                "{name}: touchpoint '{}' has no rationale note",
                t.id
            );
            for c in &t.touchpoints {
                notes(c, name);
            }
        }
        for j in &m.journeys {
            for t in &j.touchpoints {
                notes(t, name);
            }
        }
    }
}

#[test]
fn x_education_reads_the_real_lead_export() {
    let file = example("x-education.yaml");
    let m = &file.model;
    assert_eq!(m.id_column.as_deref(), Some("Prospect ID"));
    assert_eq!(m.outcome_column(), Some("Converted"));
    // Tags and Lead Quality are written by the rep after the call: they leak the outcome.
    for f in &m.fields {
        assert!(
            !matches!(f.column(), "Tags" | "Lead Quality" | "Converted"),
            "x-education reads '{}', which is known only after the call",
            f.column()
        );
    }
    let path = contacts_of(&file).unwrap_or_else(|| panic!("x-education names no contacts file"));
    assert!(
        path.ends_with("shared/data/leads/Leads.csv"),
        "x-education must read the shared Leads.csv, not a copy: {}",
        path.display()
    );
    assert!(
        !Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join("Leads.csv")
            .exists(),
        "Leads.csv must not be copied into the project"
    );
}

#[test]
fn every_persona_scores_as_the_room_agreed() {
    for name in EXAMPLES {
        let file = example(name);
        let failing = check_personas(&file.model, Some(&file.map));
        assert!(failing.is_empty(), "{name}:\n{}", render(&failing, &file));
    }
}

#[test]
fn sample_contacts_reach_every_tier_and_every_segment() {
    for name in EXAMPLES.iter().filter(ships_samples) {
        let file = example(name);
        let m = &file.model;
        let path = contacts_of(&file).unwrap_or_else(|| panic!("{name} names no contacts file"));
        let table = read_contacts(&path).unwrap_or_else(|e| panic!("{e}"));
        // With accounts, a contact segment may read its account: decided as `score` does.
        let scored = match scorewright::engine::accounts::Plan::new(m) {
            Some(plan) => {
                scorewright::engine::accounts::score_with_accounts(&plan, &table)
                    .unwrap_or_else(|e| panic!("{e}"))
                    .0
            }
            None => score_table(m, &table),
        };
        let tiers: BTreeSet<&str> = (0..scored.rows)
            .filter_map(|r| scored.tier(m, r))
            .map(|t| t.name.as_str())
            .collect();
        let segments: BTreeSet<&str> = (0..scored.rows)
            .filter_map(|r| scored.segment(m, r))
            .map(|s| s.name.as_str())
            .collect();
        for t in m.tiers.iter().flat_map(|t| &t.levels) {
            assert!(
                tiers.contains(t.name.as_str()),
                "{name}: no sample contact is in tier '{}'",
                t.name
            );
        }
        for s in &m.segments {
            assert!(
                segments.contains(s.name.as_str()),
                "{name}: no sample contact lands in segment '{}'",
                s.name
            );
        }
        for (g, grade) in m.grades.iter().enumerate() {
            let got: BTreeSet<&str> = (0..scored.rows)
                .filter_map(|r| scored.grade(m, g, r))
                .collect();
            for band in grade.bands.keys() {
                assert!(
                    got.contains(band.as_str()),
                    "{name}: no sample contact gets grade {} {band}",
                    grade.id
                );
            }
        }
    }
}

/// Needs the shared data set (it is not shipped; see the README): fails, naming where the file
/// should be, when it is missing.
#[test]
fn x_education_scores_converted_leads_higher() {
    let file = example("x-education.yaml");
    let m = &file.model;
    let path = required_contacts(&file)
        .unwrap_or_else(|| panic!("x-education.yaml names no contacts file"));
    let table = read_contacts(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(table.rows(), 9240);
    let scored = score_table(m, &table);
    let tier_journey = m
        .tiers
        .as_ref()
        .map(|t| t.journey.as_str())
        .unwrap_or("enrolment");
    let j = m
        .journeys
        .iter()
        .position(|x| x.id == tier_journey)
        .unwrap_or(0);
    let outcome = m.outcome_column().unwrap_or("Converted");
    let (mut yes, mut no) = (Vec::new(), Vec::new());
    let (mut hot, mut hot_converted) = (0usize, 0usize);
    for r in 0..scored.rows {
        let s = scored.scores[j][r];
        assert!(
            (0.0..=100.0).contains(&s),
            "row {r}: score {s} outside 0 to 100"
        );
        let converted = table.cell(r, outcome).trim() == "1";
        if converted {
            yes.push(s)
        } else {
            no.push(s)
        }
        if scored.tier(m, r).is_some_and(|t| t.name == "hot") {
            hot += 1;
            hot_converted += usize::from(converted);
        }
    }
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let (y, n) = (mean(&yes), mean(&no));
    // Measured when the model was written: 53.5 against 28.1, and 82% of hot leads converted.
    assert!(
        y - n >= 20.0,
        "converted leads average {y:.1}, the rest {n:.1}: the model no longer separates them"
    );
    let hot_rate = hot_converted as f64 / hot as f64;
    assert!(
        hot_rate >= 0.75,
        "only {:.0}% of hot leads converted",
        hot_rate * 100.0
    );
}

/// The designer saves a model by writing it back: an example must survive that unchanged.
#[test]
fn every_example_survives_a_save() {
    for name in EXAMPLES {
        let m = example(name).model;
        let written = to_yaml(&m);
        let back = parse_model(&written, name).unwrap_or_else(|e| panic!("{e}\n{written}"));
        assert_eq!(back, m, "{name} changes when written back");
        assert_eq!(
            to_yaml(&back),
            written,
            "{name}: a second save differs from the first"
        );
    }
}

/// The telco model reads the real churn export in place, and its back-test speaks of customers
/// who left, not of conversions. The file must be there: see the README's data section.
#[test]
fn telco_churn_reads_the_real_export_and_ranks_leavers_first() {
    let file = example("telco-churn.yaml");
    let path = contacts_of(&file).unwrap_or_else(|| panic!("telco-churn names no contacts file"));
    assert!(
        path.ends_with("shared/data/churn/Telco-Customer-Churn.csv"),
        "telco-churn must read the shared export, not a copy: {}",
        path.display()
    );
    assert!(
        path.exists(),
        "{} is missing: the churn export belongs in ../shared/data/churn/ beside the project (see the README)",
        path.display()
    );
    let table = read_contacts(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(table.rows(), 7043);
    let b = scorewright::export::backtest::backtest(&file.model, &table, "Churn")
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((b.known, b.converted), (7043, 1869));
    let attrition = b.journeys.iter().find(|j| j.id == "attrition");
    let auc = attrition.and_then(|j| j.auc).unwrap_or(0.0);
    // Measured when the model was written: 0.836 hand-set (a logistic regression on every
    // column reaches 0.845, cross-validated).
    assert!(
        auc >= 0.80,
        "attrition AUC {auc:.3}, below the 0.80 the example promises"
    );
    let text = scorewright::export::backtest::render(&b, scorewright::export::Format::Text);
    assert!(text.contains("1869 left: base rate"), "{text}");
    assert!(text.contains("of all who left"), "{text}");
    assert!(
        !text.contains("convert"),
        "the churn back-test speaks of conversions:\n{text}"
    );
    // At-risk customers go to a person on the retention team; the rest to automated flows.
    let tiers = &file
        .model
        .tiers
        .as_ref()
        .unwrap_or_else(|| panic!("no tiers"))
        .levels;
    assert!(tiers[0].to_person() && tiers[0].handover.contains("retention"));
    assert!(tiers[1..].iter().all(|t| !t.to_person()));
}

// ---------------------------------------------------------------------------------------------
// A save changes only what the edit changed, measured in lines on every example.

#[path = "common/lines.rs"]
mod lines;

use scorewright::model::preserve::preserve;
use scorewright::model::{Model, Touchpoint, Weight};

/// The text a save writes over the example's own text after `edit`; it reads back as the
/// edited model, and the file's layout is kept.
fn saved_after(name: &str, edit: impl FnOnce(&mut Model)) -> (String, String) {
    let file = example(name);
    let mut m = file.model.clone();
    edit(&mut m);
    let out = preserve(Some(&file.source), &m).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert!(out.kept_layout, "{name}: fell back to the canonical layout");
    let back = parse_model(&out.text, name).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(back, m, "{name}");
    (file.source, out.text)
}

/// Every touchpoint of a model, as (journey, path of indices).
fn touchpoints(m: &Model) -> Vec<(usize, Vec<usize>)> {
    fn walk(tps: &[Touchpoint], j: usize, at: &mut Vec<usize>, out: &mut Vec<(usize, Vec<usize>)>) {
        for (i, t) in tps.iter().enumerate() {
            at.push(i);
            out.push((j, at.clone()));
            walk(&t.touchpoints, j, at, out);
            at.pop();
        }
    }
    let mut out = Vec::new();
    for (j, journey) in m.journeys.iter().enumerate() {
        walk(&journey.touchpoints, j, &mut Vec::new(), &mut out);
    }
    out
}

fn touchpoint_mut<'a>(m: &'a mut Model, j: usize, path: &[usize]) -> &'a mut Touchpoint {
    let mut t = &mut m.journeys[j].touchpoints[path[0]];
    for &i in &path[1..] {
        t = &mut t.touchpoints[i];
    }
    t
}

#[test]
fn one_weight_edit_changes_exactly_one_line_on_every_example() {
    for name in EXAMPLES {
        for (j, path) in touchpoints(&example(name).model) {
            let (before, after) = saved_after(name, |m| {
                let t = touchpoint_mut(m, j, &path);
                t.weight = Weight(t.weight.0 + 250);
            });
            let (removed, added) = lines::diff(&before, &after);
            assert_eq!((removed.len(), added.len()), (1, 1), "{name} {j} {path:?}");
            assert!(added[0].contains("weight:"), "{name}: {added:?}");
        }
    }
}

#[test]
fn renaming_a_touchpoint_changes_one_line_on_every_example() {
    for name in EXAMPLES {
        for (j, path) in touchpoints(&example(name).model) {
            let (before, after) = saved_after(name, |m| {
                let t = touchpoint_mut(m, j, &path);
                t.id = format!("{}_renamed", t.id);
            });
            let (removed, added) = lines::diff(&before, &after);
            assert_eq!((removed.len(), added.len()), (1, 1), "{name} {j} {path:?}");
            assert!(added[0].contains("_renamed"), "{name}: {added:?}");
        }
    }
}

#[test]
fn adding_a_touchpoint_adds_only_its_own_lines_on_every_example() {
    for name in EXAMPLES {
        let m = example(name).model;
        // A composite journey has no touchpoints to copy (its part weights are held by
        // `src/model/preserve.rs` `a_part_weight_edit_changes_one_line`).
        for (j, journey) in m
            .journeys
            .iter()
            .enumerate()
            .filter(|(_, j)| !j.is_composite())
        {
            // A copy of the journey's last touchpoint under a new id, after it: the new lines
            // are that touchpoint's, in one block, and no line of the file changes.
            let last = journey.touchpoints.len() - 1;
            let (before, after) = saved_after(name, |m| {
                let mut t = m.journeys[j].touchpoints[last].clone();
                t.id = "added".into();
                m.journeys[j].touchpoints.push(t);
            });
            let (removed, added) = lines::diff(&before, &after);
            assert!(removed.is_empty(), "{name} {j}: {removed:?}");
            assert!(
                added[0].trim_start().starts_with("- id: added"),
                "{name}: {added:?}"
            );
            let block = added.join("\n");
            assert!(
                after.contains(&block),
                "{name} {j}: the new lines are not one block"
            );
            // The copy is written as its sibling is: the sibling's own lines, but the id.
            let id = &journey.touchpoints[last].id;
            let copy = block.replacen("- id: added", &format!("- id: {id}"), 1);
            assert!(
                before.contains(&copy),
                "{name} {j}: not in the sibling's style:\n{block}"
            );
        }
    }
}

/// Runs `scripts/bench-peers.sh --check` (the debug binary, small files) with the peers in
/// `peers`, on the models named (all when none); its output, or its failure with its output.
fn bench_peers_check(peers: &Path, models: &[&str]) -> Result<String, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = std::process::Command::new("bash")
        .arg(root.join("scripts/bench-peers.sh"))
        .arg("--check")
        .args(models)
        .env("SW_BIN", env!("CARGO_BIN_EXE_scorewright"))
        .env("WORK", work.path())
        .env("PEERS", peers)
        .current_dir(root)
        .output()
        .map_err(|e| format!("bash scripts/bench-peers.sh: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("exit {:?}: {text}", out.status.code()))
    }
}

/// The hand-written DuckDB queries and Polars scripts of `benches/peers/`, and DuckDB on the
/// exported query, give every benched model's scores as `score` writes them (to 1e-9, row by
/// row): the benchmark's own check, on 3,000 generated leads and the two real files once, so
/// a peer that drifts from the engine fails here and not in a benchmark nobody reruns. Needs
/// the DuckDB CLI and Polars (`.ci/install-engines`); fails without them.
#[test]
fn peers_score_as_the_engine_does() {
    let peers = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/peers");
    let out = bench_peers_check(&peers, &[]).unwrap_or_else(|e| panic!("{e}"));
    for (model, scores) in [
        (
            "lead-fit-activity: 3000 rows",
            "score_fit score_activity score_lead",
        ),
        ("x-education: 9240 rows", "score_enrolment"),
        ("telco-churn: 7043 rows", "score_attrition score_early_life"),
    ] {
        let line = out.lines().find(|l| l.starts_with(model));
        assert!(
            line.is_some_and(|l| l.ends_with(&format!("agree with score on {scores} (1e-9)"))),
            "{model}: {out}"
        );
    }
}

/// The check is not a formality: a hand-written query with one weight off (36% for the
/// contract instead of 35%) is refused, naming the model, the peer and the rows.
#[test]
fn a_peer_that_drifts_from_the_engine_fails_the_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for f in ["telco-churn.sql", "telco-churn.py"] {
        let text = std::fs::read_to_string(root.join("benches/peers").join(f)).unwrap();
        let text = text.replace("100.0 * (0.35 * commitment", "100.0 * (0.36 * commitment");
        std::fs::write(dir.path().join(f), text).unwrap();
    }
    let e = bench_peers_check(dir.path(), &["telco-churn"]).unwrap_err();
    assert!(
        e.starts_with("exit Some(1)")
            && e.contains("telco-churn: duckdb's scores differ from score's on 5110 of 7043 rows"),
        "{e}"
    );
}
