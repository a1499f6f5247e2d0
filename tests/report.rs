//! The workshop report, opened in a real browser (headless Chromium): the page renders, shows
//! the model, its pictures and the back-test. Needs Chromium (`.ci/install-engines` installs
//! it): without it the test fails, it never skips.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn chromium() -> &'static str {
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        if Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
        {
            return c;
        }
    }
    panic!("no Chromium found: run .ci/install-engines (Debian's chromium package)");
}

fn headless(args: &[&str], profile: &std::path::Path) -> std::process::Output {
    Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn the_report_renders_in_a_browser() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_scorewright"))
        .arg("report")
        .arg(root().join("examples/x-education.yaml"))
        .arg("--contacts")
        .arg(root().join("../shared/data/leads/Leads.csv"))
        .args(["--outcome", "Converted", "-o"])
        .arg(&page)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let url = format!("file://{}", page.display());
    let profile = dir.path().join("profile");
    // What the browser built from the page: the model, the pictures and the back-test.
    let dom = headless(&["--dump-dom", &url], &profile);
    let dom = String::from_utf8_lossy(&dom.stdout);
    let model = scorewright::model::read_model(&root().join("examples/x-education.yaml"))
        .unwrap()
        .model;
    assert!(
        dom.contains(&scorewright::export::report::esc(&model.name)),
        "model name missing"
    );
    assert!(dom.contains("Weight by pillar"));
    assert!(dom.contains("aria-label=\"weight by pillar\""));
    assert!(dom.contains("aria-label=\"score distribution\""));
    assert!(dom.contains("Back-test against 'Converted'"));
    assert!(dom.contains("9240 contacts from"));
    // What a score means: the calibration table with its intervals, and the Brier score.
    assert!(dom.contains("What a score means: how often contacts scoring like this converted"));
    assert!(dom.contains("<td>90-100</td>"), "no top score band");
    assert!(dom.contains("with the base rate for everyone"));
    for j in &model.journeys {
        assert!(dom.contains(&format!(
            "Journey: {}",
            scorewright::export::report::esc(j.title())
        )));
    }
    // And it paints: a screenshot with more than a blank page's worth of content.
    let shot = dir.path().join("shot.png");
    let s = headless(
        &[
            "--window-size=1200,2000",
            &format!("--screenshot={}", shot.display()),
            &url,
        ],
        &profile,
    );
    assert!(
        shot.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&s.stderr)
    );
    assert!(
        std::fs::metadata(&shot).unwrap().len() > 20_000,
        "the screenshot looks blank"
    );
}
