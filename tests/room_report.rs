//! The report as the workshop's minutes: tier handovers, segments, grade bands, the Six
//! Pillars grid, the journey map as SVG, the open questions and each touchpoint's note, all
//! from the model with its text escaped.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use scorewright::export::report::report;
use scorewright::model::{parse_model, read_model};

#[test]
fn the_b2b_report_holds_the_minutes() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("minutes.html");
    Command::cargo_bin("scorewright")
        .unwrap()
        .arg("report")
        .arg("examples/b2b-customer.yaml")
        .arg("-o")
        .arg(&page)
        .assert()
        .success();
    let html = std::fs::read_to_string(&page).unwrap();
    let model = read_model(std::path::Path::new("examples/b2b-customer.yaml"))
        .unwrap()
        .model;
    for section in [
        "<h2>Open questions</h2>",
        "<h2>Journey map</h2>",
        "aria-label=\"journey map\"",
        "<h2>Six Pillars</h2>",
        "<h2>Grades</h2>",
        "<h2>Tiers and handovers</h2>",
        "<h2>Segments</h2>",
    ] {
        assert!(html.contains(section), "{section} missing");
    }
    let tiers = model.tiers.as_ref().unwrap();
    for l in &tiers.levels {
        let esc = scorewright::export::report::esc(&l.handover);
        assert!(html.contains(&esc), "handover {} missing", l.handover);
    }
    for s in &model.segments {
        for text in [&s.name, &s.action, &s.route] {
            let esc = scorewright::export::report::esc(text);
            assert!(html.contains(&esc), "segment text {text} missing");
        }
    }
    for g in &model.grades {
        for band in g.bands.keys() {
            assert!(
                html.contains(&format!("<b>{band}</b> ≥")),
                "band {band} of {}",
                g.id
            );
        }
    }
    // Every touchpoint is a card of the map and carries its note.
    for j in &model.journeys {
        for t in &j.touchpoints {
            if let Some(n) = &t.note {
                assert!(
                    html.contains(&scorewright::export::report::esc(n)),
                    "note of {}",
                    t.id
                );
            }
        }
    }
    let cards = html.matches("rx=\"8\"").count();
    let touchpoints: usize = model.journeys.iter().map(|j| j.touchpoints.len()).sum();
    assert_eq!(cards, touchpoints);
}

#[test]
fn gaps_and_open_questions_are_in_the_minutes_and_text_is_escaped() {
    let text = "name: gaps\nfields: []\njourneys:\n  - id: j\n    name: Leaning <b>\n    touchpoints:\n      - { id: a, name: \"Talks & <listens>\", weight: 70, pillars: [personalisation], open_question: true, note: \"Sales: <really>?\" }\n      - { id: b, name: Waits, weight: 30, pillars: [time_and_effort] }\nsegments:\n  - { name: \"<Hot>\", when: { journey: j, at_least: 50 }, action: Call, route: sales }\n  - { name: Rest, action: Mail, route: marketing }\n";
    let model = parse_model(text, "gaps.yaml").unwrap();
    let html = report(&model, &[], None, None, None);
    assert!(!html.contains("<b>\n") && !html.contains("<listens>") && !html.contains("<Hot>"));
    assert!(html.contains("Talks &amp; &lt;listens&gt;"));
    assert!(html.contains("<li class=\"q\">Leaning &lt;b&gt;: Talks &amp; &lt;listens&gt;"));
    assert!(html.contains("Sales: &lt;really&gt;?"));
    assert!(html.contains("<span class=\"bad\">gap</span>"));
    assert!(html.contains("70 ▲"));
    assert!(html.contains("Personalisation carries 70% of the weight"));
    assert!(html.contains("<code>{ journey: j, at_least: 50 }</code>"));
    assert!(html.contains("everyone else"));
}
