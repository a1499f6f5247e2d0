//! End to end: the real binary in a real terminal (tmux) opens the x-education model on the
//! real lead export, shows the preview, changes a weight, and the changed what-if summary is
//! read off the screen and held equal to the engine's comparison.
//!
//! Needs tmux (`.ci/install-engines` installs it) and `../shared/data/leads/Leads.csv`:
//! without either the test fails, it never skips.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::tmux::Tmux;

use scorewright::contacts::read_contacts;
use scorewright::engine::score_table;
use scorewright::engine::whatif::compare;
use scorewright::model::{Weight, read_model};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[test]
fn preview_of_leads_changes_with_a_weight() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let leads = root.join("../shared/data/leads/Leads.csv");
    assert!(leads.exists(), "{} is missing", leads.display());
    // A copy of the model, so that nothing is ever written beside the shipped one.
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("x-education.yaml");
    std::fs::copy(root.join("examples/x-education.yaml"), &model).unwrap();
    let config = dir.path().join("config");
    std::fs::create_dir(&config).unwrap();

    // What the engine says the edit does: the first touchpoint of the journey, one point up.
    let before = read_model(&model).unwrap().model;
    let mut after = before.clone();
    let w = &mut after.journeys[0].touchpoints[0].weight;
    *w = Weight(w.0 + 100);
    let table = read_contacts(&leads).unwrap();
    let c = compare(
        &before,
        &score_table(&before, &table),
        &after,
        &score_table(&after, &table),
    );
    assert!(c.changed > 0);

    let tmux = Tmux::designer(
        "preview-e2e",
        &config,
        &[&model, Path::new("--contacts"), &leads],
        (140, 40),
        std::time::Duration::from_secs(60),
    );

    tmux.wait_for("Who the lead is");
    tmux.keys(&["p"]);
    tmux.wait_for("Contacts: 9240 of 9240");
    tmux.wait_for("No contact's enrolment score changed against the model as opened");
    // Back to the model: the cursor is where it was, on the journey; one down is the first
    // touchpoint. One point more for it, then the preview again.
    tmux.keys(&["p"]);
    tmux.wait_for("Weight by pillar");
    tmux.keys(&["Down"]);
    tmux.keys(&["+"]);
    tmux.wait_for("unsaved changes");
    tmux.keys(&["p"]);
    let changed = format!(
        "{} of 9240 contacts change their enrolment score",
        c.changed
    );
    let screen = tmux.wait_for(&changed);
    let tiers = format!("↑ {} hotter  ↓ {} colder", c.tier_up, c.tier_down);
    assert!(screen.contains(&tiers), "{tiers}\n{screen}");
    let sales = format!("To a person: +{}  −{}", c.sales_enter, c.sales_leave);
    assert!(screen.contains(&sales), "{sales}\n{screen}");

    // Quit without saving: the copy on disk is as it was.
    tmux.keys(&["q"]);
    tmux.wait_for("Unsaved changes");
    tmux.keys(&["d"]);
    let start = Instant::now();
    while tmux.alive() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "still running after q:\n{}",
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(read_model(&model).unwrap().model, before);
}
