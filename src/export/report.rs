//! The workshop report: one self-contained HTML page (no scripts, no files beside it) for the
//! minutes and for people who never open a terminal. It shows the model (journeys,
//! touchpoints, pillars, weights, notes), the share of weight per pillar, and with contacts the
//! score distribution with the tier thresholds, the Fit x Activity matrix, the personas, and,
//! with an outcome column, the back-test.
//!
//! Every piece of text from the model or the contacts is escaped; charts are inline SVG.

use super::backtest::{Backtest, measure};
use crate::contacts::Table;
use crate::engine::insight::{self, Outcome};
use crate::engine::{Scored, persona_results, score_table};
use crate::model::check::{
    Diagnostic, Severity, dominant_pillar, pillar_gaps, pillar_shares, touchpoint_pillar_shares,
};
use crate::model::{Condition, Journey, Model, Pillar, Touchpoint};
use std::fmt::Write;

mod accounts;

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#1d2330;line-height:1.45}
h1{margin-bottom:.2rem}h2{border-bottom:2px solid #dde3ee;padding-bottom:.2rem;margin-top:2.2rem}
.muted{color:#667085}table{border-collapse:collapse;margin:.6rem 0}td,th{border:1px solid #dde3ee;padding:.25rem .55rem;text-align:left;vertical-align:top}
th{background:#f3f6fb}.num{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#16794a}.bad{color:#b42318}.warn{color:#9a6700}
.pill{display:inline-block;border-radius:.7rem;padding:0 .5rem;margin:0 .15rem .15rem 0;background:#eef2ff;font-size:.85em}
.q{background:#fff4d6}.green{background:#d9f5e4}.amber{background:#fff0c2}.note{white-space:pre-wrap;color:#344054}
svg text{font-family:system-ui,sans-serif;font-size:12px}";

/// The report as HTML. `contacts` and an outcome column, when given, add the pictures and the
/// back-test.
pub fn report(
    model: &Model,
    diagnostics: &[Diagnostic],
    contacts: Option<&Table>,
    outcome_column: Option<&str>,
    model_path: Option<&std::path::Path>,
) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">\
<title>{} — scorewright report</title><style>{STYLE}</style></head><body>\n",
        esc(&model.name)
    );
    let _ = writeln!(h, "<h1>{}</h1>", esc(&model.name));
    let as_of = model
        .as_of
        .map(|d| format!(" Scores as of {d}."))
        .unwrap_or_default();
    let _ = writeln!(
        h,
        "<p class=\"muted\">A scoring model designed with scorewright.{as_of}</p>"
    );
    if let Some(n) = &model.note {
        let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(n));
    }
    checks_section(&mut h, diagnostics);
    open_questions_section(&mut h, model);
    journey_map_section(&mut h, model);
    journeys_section(&mut h, model, "Journey");
    pillar_grid_section(&mut h, model);
    grades_section(&mut h, model, "Grades");
    tiers_section(&mut h, model, "Tiers and handovers");
    segments_section(&mut h, model, "Segments");
    if let Some(table) = contacts {
        contacts_sections(&mut h, model, table, outcome_column);
    }
    // The accounts file is read as `score` reads it; one that cannot be read is said in the
    // page, and the account level is shown without its fields.
    match crate::engine::accounts::Plan::for_file(model, model_path) {
        Ok(Some(plan)) => {
            accounts::accounts_sections(&mut h, model, &plan, contacts, outcome_column)
        }
        Ok(None) => {}
        Err(e) => {
            let _ = writeln!(
                h,
                "<h2>Accounts</h2>\n<p>The accounts file could not be read: {}</p>",
                esc(&e.to_string())
            );
        }
    }
    h.push_str("<p class=\"muted\">Made by scorewright.</p>\n</body></html>\n");
    h
}

/// Each journey of `model` under its own heading (`title`: "Journey", "Account journey"): its
/// touchpoints, adjustments and weight by pillar.
fn journeys_section(h: &mut String, model: &Model, title: &str) {
    for j in &model.journeys {
        let _ = writeln!(h, "<h2>{title}: {}</h2>", esc(j.title()));
        let _ = writeln!(
            h,
            "<p class=\"muted\">Ending: {}; stage: {}.</p>",
            j.ending.name(),
            j.stage.name()
        );
        if let Some(n) = &j.note {
            let _ = writeln!(h, "<p class=\"note\">{}</p>", esc(n));
        }
        h.push_str("<table><tr><th>Touchpoint</th><th class=\"num\">Weight</th><th>Kind</th><th>Owner</th><th>Pillars</th><th>Signals</th><th>Why</th></tr>\n");
        for t in &j.touchpoints {
            touchpoint_rows(h, model, t, 0);
        }
        h.push_str("</table>\n");
        if !j.adjustments.is_empty() {
            h.push_str("<p><b>Adjustments</b> (outside the 100%):</p><ul>\n");
            for a in &j.adjustments {
                let _ = writeln!(h, "<li>{}: {:+} points</li>", esc(&a.name), a.points);
            }
            h.push_str("</ul>\n");
        }
        h.push_str("<p><b>Weight by pillar</b></p>\n");
        pillar_chart(h, &pillar_shares(j));
    }
}

fn checks_section(h: &mut String, diagnostics: &[Diagnostic]) {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics.len() - errors;
    h.push_str("<h2>Checks</h2>\n");
    if diagnostics.is_empty() {
        h.push_str("<p class=\"ok\">No errors, no warnings.</p>\n");
        return;
    }
    let _ = writeln!(h, "<p>{errors} error(s), {warnings} warning(s).</p><ul>");
    for d in diagnostics {
        let class = if d.severity == Severity::Error {
            "bad"
        } else {
            "warn"
        };
        let _ = writeln!(
            h,
            "<li class=\"{class}\">{}: {} <span class=\"muted\">({})</span></li>",
            d.severity,
            esc(&d.message),
            esc(&d.at)
        );
    }
    h.push_str("</ul>\n");
}

/// The journeys and touchpoints the room flagged as open, with their notes.
fn open_questions_section(h: &mut String, model: &Model) {
    fn walk<'a>(j: &'a Journey, t: &'a Touchpoint, out: &mut Vec<(String, Option<&'a str>)>) {
        if t.open_question {
            out.push((format!("{}: {}", j.title(), t.title()), t.note.as_deref()));
        }
        for c in &t.touchpoints {
            walk(j, c, out);
        }
    }
    let mut open = Vec::new();
    for j in &model.journeys {
        if j.open_question {
            open.push((format!("Journey {}", j.title()), j.note.as_deref()));
        }
        for t in &j.touchpoints {
            walk(j, t, &mut open);
        }
    }
    h.push_str("<h2>Open questions</h2>\n");
    if open.is_empty() {
        h.push_str("<p class=\"muted\">The room left no question open.</p>\n");
        return;
    }
    h.push_str("<ul>\n");
    for (what, note) in open {
        let note = note
            .map(|n| format!(" <span class=\"note\">— {}</span>", esc(n)))
            .unwrap_or_default();
        let _ = writeln!(h, "<li class=\"q\">{}{note}</li>", esc(&what));
    }
    h.push_str("</ul>\n");
}

/// A pillar's colour in the report's pictures.
fn pillar_colour(p: Pillar) -> &'static str {
    match p {
        Pillar::Integrity => "#3b5bdb",
        Pillar::Resolution => "#2b8a3e",
        Pillar::Expectations => "#e67700",
        Pillar::TimeAndEffort => "#0c8599",
        Pillar::Personalisation => "#ae3ec9",
        Pillar::Empathy => "#e03131",
    }
}

/// `s` cut to `n` characters, with an ellipsis when cut.
fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The journey map as a picture: a lane per journey, a card per touchpoint along it.
fn journey_map_section(h: &mut String, model: &Model) {
    if model.journeys.is_empty() {
        return;
    }
    let (label_w, card_w, card_h, gap, lane_h) = (170.0, 160.0, 78.0, 8.0, 96.0);
    let most = model
        .journeys
        .iter()
        .map(|j| j.touchpoints.len())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let width = label_w + most * (card_w + gap);
    let height = lane_h * model.journeys.len() as f64;
    h.push_str("<h2>Journey map</h2>\n");
    let _ = writeln!(
        h,
        "<svg role=\"img\" aria-label=\"journey map\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\">"
    );
    for (li, j) in model.journeys.iter().enumerate() {
        let y = li as f64 * lane_h;
        let sum = j.weight_sum();
        let sound = sum == crate::model::weight::FULL;
        let _ = writeln!(
            h,
            "<text x=\"0\" y=\"{}\" font-weight=\"bold\">{}</text><text x=\"0\" y=\"{}\" class=\"muted\" fill=\"#667085\">{} · {}</text><text x=\"0\" y=\"{}\" fill=\"{}\">Σ {}</text>",
            y + 20.0,
            esc(&cut(j.title(), 21)),
            y + 38.0,
            j.stage.name(),
            j.ending.name(),
            y + 56.0,
            if sound { "#16794a" } else { "#b42318" },
            esc(&crate::model::weight::describe_sum(sum))
        );
        if j.is_composite() {
            // A composite has no touchpoints of its own: its lane names its parts.
            let _ = writeln!(
                h,
                "<text x=\"{label_w}\" y=\"{}\">composite: {}</text>",
                y + 38.0,
                esc(&j.parts_words(model))
            );
        }
        for (ci, t) in j.touchpoints.iter().enumerate() {
            let x = label_w + ci as f64 * (card_w + gap);
            let fill = if t.open_question {
                "#fff4d6"
            } else {
                "#f3f6fb"
            };
            let _ = writeln!(
                h,
                "<g><title>{}</title><rect x=\"{x}\" y=\"{}\" width=\"{card_w}\" height=\"{card_h}\" rx=\"8\" fill=\"{fill}\" stroke=\"#98a2b3\"/><text x=\"{}\" y=\"{}\" font-weight=\"bold\">{}</text><text x=\"{}\" y=\"{}\">{}% · {}</text><text x=\"{}\" y=\"{}\" fill=\"#667085\">owner: {} · mkt {}</text>",
                esc(t.note.as_deref().unwrap_or(t.title())),
                y + 4.0,
                x + 8.0,
                y + 22.0,
                esc(&cut(t.title(), 21)),
                x + 8.0,
                y + 39.0,
                t.weight,
                t.kind.word(),
                x + 8.0,
                y + 55.0,
                t.owner.name(),
                if t.marketing_influence { "✓" } else { "✗" }
            );
            for (pi, p) in t.pillars.iter().enumerate() {
                let _ = write!(
                    h,
                    "<rect x=\"{}\" y=\"{}\" width=\"22\" height=\"10\" rx=\"4\" fill=\"{}\"><title>{}</title></rect>",
                    x + 8.0 + pi as f64 * 26.0,
                    y + 64.0,
                    pillar_colour(*p),
                    p.label()
                );
            }
            h.push_str("</g>\n");
        }
    }
    h.push_str("</svg>\n<p class=\"muted\">Chips: ");
    for p in Pillar::ALL {
        let _ = write!(
            h,
            "<span class=\"pill\" style=\"background:{};color:#fff\">{}</span>",
            pillar_colour(p),
            p.label()
        );
    }
    h.push_str(
        " Yellow cards are open questions; mkt ✓: marketing influences the touchpoint.</p>\n",
    );
}

/// The Six Pillars grid: each top-level touchpoint's weight per pillar, totals per journey,
/// and the gaps (a pillar nothing serves, a pillar carrying most of the weight).
fn pillar_grid_section(h: &mut String, model: &Model) {
    if model.journeys.is_empty() {
        return;
    }
    h.push_str("<h2>Six Pillars</h2>\n<table><tr><th>Touchpoint</th><th class=\"num\">Weight</th>");
    for p in Pillar::ALL {
        let _ = write!(h, "<th class=\"num\">{}</th>", p.label());
    }
    h.push_str("</tr>\n");
    let num = |v: f64| format!("{}", (v * 10.0).round() / 10.0);
    // A composite's pillars are its parts': it has no rows of its own here.
    for j in model.journeys.iter().filter(|j| !j.is_composite()) {
        let _ = writeln!(h, "<tr><th colspan=\"8\">{}</th></tr>", esc(j.title()));
        for t in &j.touchpoints {
            let _ = write!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}%</td>",
                esc(t.title()),
                t.weight
            );
            for v in touchpoint_pillar_shares(t) {
                let cell = if v == 0.0 { "·".to_string() } else { num(v) };
                let _ = write!(h, "<td class=\"num\">{cell}</td>");
            }
            h.push_str("</tr>\n");
        }
        let shares = pillar_shares(j);
        let dominant = dominant_pillar(&shares).map(|(p, _)| p);
        let sum: i64 = j.touchpoints.iter().map(|t| t.weight.0).sum();
        let _ = write!(
            h,
            "<tr><td><b>Total</b></td><td class=\"num\"><b>{}%</b></td>",
            crate::model::Weight(sum)
        );
        for (p, v) in Pillar::ALL.iter().zip(shares) {
            let cell = if v == 0.0 {
                "<span class=\"bad\">gap</span>".to_string()
            } else if dominant == Some(*p) {
                format!("<span class=\"warn\">{} ▲</span>", num(v))
            } else {
                num(v)
            };
            let _ = write!(h, "<td class=\"num\"><b>{cell}</b></td>");
        }
        h.push_str("</tr>\n");
        for g in pillar_gaps(j) {
            let _ = writeln!(
                h,
                "<tr><td colspan=\"8\" class=\"warn\">⚠ {}</td></tr>",
                esc(&g)
            );
        }
    }
    h.push_str("</table>\n");
}

/// A condition as the model writes it, on one line: `{ field: visits, at_least: 3 }`.
pub(crate) fn condition_text(c: &Condition) -> String {
    fn flow(v: &serde_json::Value) -> String {
        match v {
            serde_json::Value::Object(m) => {
                let parts: Vec<String> =
                    m.iter().map(|(k, v)| format!("{k}: {}", flow(v))).collect();
                format!("{{ {} }}", parts.join(", "))
            }
            serde_json::Value::Array(a) => {
                let parts: Vec<String> = a.iter().map(flow).collect();
                format!("[{}]", parts.join(", "))
            }
            serde_json::Value::String(s) => s.clone(),
            // 55, not 55.0: as the room wrote it.
            serde_json::Value::Number(n) => match n.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
                _ => n.to_string(),
            },
            other => other.to_string(),
        }
    }
    serde_json::to_value(c)
        .map(|v| flow(&v))
        .unwrap_or_else(|e| format!("(cannot be shown: {e})"))
}

/// The grades: their bands over a journey's score, and the matrix they make.
fn grades_section(h: &mut String, model: &Model, title: &str) {
    if model.grades.is_empty() {
        return;
    }
    let _ = write!(
        h,
        "<h2>{title}</h2>\n<table><tr><th>Grade</th><th>Journey</th><th>Bands (score at least)</th></tr>\n"
    );
    for g in &model.grades {
        let bands: Vec<String> = g
            .bands
            .iter()
            .map(|(name, at)| format!("<b>{}</b> ≥ {at}", esc(name)))
            .collect();
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&g.id),
            esc(&g.journey),
            bands.join(" · ")
        );
    }
    h.push_str("</table>\n");
    if let Some(m) = &model.matrix {
        let list = |v: &[String]| {
            if v.is_empty() {
                "none".to_string()
            } else {
                esc(&v.join(", "))
            }
        };
        let _ = writeln!(
            h,
            "<p>Matrix: {} (rows) by {} (columns); green: {}; amber: {}.</p>",
            esc(&m.rows),
            esc(&m.columns),
            list(&m.green),
            list(&m.amber)
        );
    }
}

/// The tiers and the handover each triggers.
fn tiers_section(h: &mut String, model: &Model, title: &str) {
    let Some(t) = &model.tiers else { return };
    let _ = writeln!(
        h,
        "<h2>{title}</h2>\n<p>On the {} score.</p>\n<table><tr><th>Tier</th><th class=\"num\">At least</th><th>Handover</th><th>To a person</th></tr>",
        esc(&t.journey)
    );
    for l in &t.levels {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td>{}</td><td>{}</td></tr>",
            esc(&l.name),
            l.at_least,
            esc(if l.handover.is_empty() {
                "-"
            } else {
                &l.handover
            }),
            if l.to_person() { "yes" } else { "no" }
        );
    }
    h.push_str("</table>\n");
}

/// The segments in the order they are tried: the first that matches wins.
fn segments_section(h: &mut String, model: &Model, title: &str) {
    if model.segments.is_empty() {
        return;
    }
    let _ = write!(
        h,
        "<h2>{title}</h2>\n<p class=\"muted\">Tried in this order: the first that matches wins.</p>\n<table><tr><th>#</th><th>Segment</th><th>When</th><th>Next action</th><th>Route</th><th>Why</th></tr>\n"
    );
    for (i, s) in model.segments.iter().enumerate() {
        let when = s
            .when
            .as_ref()
            .map(|c| format!("<code>{}</code>", esc(&condition_text(c))))
            .unwrap_or_else(|| "everyone else".into());
        let _ = writeln!(
            h,
            "<tr><td class=\"num\">{}</td><td>{}</td><td>{when}</td><td>{}</td><td>{}</td><td class=\"note\">{}</td></tr>",
            i + 1,
            esc(&s.name),
            esc(&s.action),
            esc(&s.route),
            esc(s.note.as_deref().unwrap_or(""))
        );
    }
    h.push_str("</table>\n");
}

fn touchpoint_rows(h: &mut String, model: &Model, t: &Touchpoint, depth: usize) {
    let pad = "&nbsp;&nbsp;&nbsp;&nbsp;".repeat(depth);
    let pillars: String = t
        .pillars
        .iter()
        .map(|p| format!("<span class=\"pill\">{}</span>", p.label()))
        .collect();
    let signals: Vec<String> = t
        .signals
        .iter()
        .map(|s| {
            format!(
                "{} {}% ({})",
                esc(&s.field),
                s.weight,
                esc(&s.words_in(model))
            )
        })
        .collect();
    let q = if t.open_question {
        " class=\"q\" title=\"open question\""
    } else {
        ""
    };
    let _ = writeln!(
        h,
        "<tr{q}><td>{pad}{}{}</td><td class=\"num\">{}%</td><td>{}</td><td>{}</td><td>{pillars}</td><td>{}</td><td class=\"note\">{}</td></tr>",
        esc(t.title()),
        if t.open_question {
            " <b>(open question)</b>"
        } else {
            ""
        },
        t.weight,
        t.kind.name().replace('_', " "),
        t.owner.name(),
        signals.join("<br>"),
        esc(t.note.as_deref().unwrap_or(""))
    );
    for c in &t.touchpoints {
        touchpoint_rows(h, model, c, depth + 1);
    }
}

fn pillar_chart(h: &mut String, shares: &[f64; 6]) {
    let (w, row) = (520.0, 22.0);
    let _ = writeln!(
        h,
        "<svg role=\"img\" aria-label=\"weight by pillar\" width=\"{}\" height=\"{}\">",
        w + 200.0,
        row * 6.0 + 4.0
    );
    for (i, (p, s)) in Pillar::ALL.iter().zip(shares).enumerate() {
        let y = i as f64 * row + 2.0;
        let len = w * s / 100.0;
        let colour = if *s == 0.0 { "#b42318" } else { "#4f6bed" };
        let _ = writeln!(
            h,
            "<text x=\"0\" y=\"{}\">{}</text><rect x=\"130\" y=\"{y}\" width=\"{len:.1}\" height=\"{}\" fill=\"{colour}\"/><text x=\"{}\" y=\"{}\">{:.1}%</text>",
            y + 14.0,
            p.label(),
            row - 6.0,
            136.0 + len,
            y + 14.0,
            s
        );
    }
    h.push_str("</svg>\n");
}

fn contacts_sections(h: &mut String, model: &Model, table: &Table, outcome_column: Option<&str>) {
    let scored = score_table(model, table);
    let _ = writeln!(
        h,
        "<h2>Contacts</h2><p>{} contacts from {}.</p>",
        table.rows(),
        esc(&table.source)
    );
    let missing: Vec<String> = scored
        .quality
        .iter()
        .filter_map(|q| q.describe(&table.source))
        .collect();
    if !missing.is_empty() {
        h.push_str("<p><b>Data quality</b></p><ul>\n");
        for m in missing {
            let _ = writeln!(h, "<li>{}</li>", esc(&m));
        }
        h.push_str("</ul>\n");
    }
    distribution_section(h, model, &scored, "Score distribution");
    let outcome: Option<Outcome> = outcome_column
        .and_then(|c| insight::outcome(table, c))
        .filter(Outcome::usable);
    let grid = insight::matrix(model, &scored, outcome.as_ref());
    let did = model.outcome_words().did;
    if !grid.is_empty() {
        h.push_str("<h2>Fit x Activity matrix</h2>\n<table>\n");
        for row in &grid {
            h.push_str("<tr>");
            for c in row {
                let rate = c
                    .rate()
                    .map(|r| {
                        format!(
                            "<br><span class=\"muted\">{:.0}% {}</span>",
                            r * 100.0,
                            esc(&did)
                        )
                    })
                    .unwrap_or_default();
                let _ = write!(
                    h,
                    "<td class=\"num {}\"><b>{}</b><br>{}{rate}</td>",
                    c.zone,
                    esc(&c.rating),
                    c.count
                );
            }
            h.push_str("</tr>\n");
        }
        h.push_str("</table>\n");
    }
    let personas = persona_results(model);
    if !personas.is_empty() {
        h.push_str("<h2>Personas</h2>\n<table><tr><th>Persona</th><th>Tier</th><th>Segment</th><th>Agreed outcome</th></tr>\n");
        for p in &personas {
            let verdict = if p.passed() {
                "<span class=\"ok\">as agreed</span>".to_string()
            } else {
                format!("<span class=\"bad\">{}</span>", esc(&p.failures.join("; ")))
            };
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{verdict}</td></tr>",
                esc(&p.name),
                esc(p.tier.as_deref().unwrap_or("-")),
                esc(p.segment.as_deref().unwrap_or("-"))
            );
        }
        h.push_str("</table>\n");
    }
    if let Some(o) = &outcome
        && o.positives() > 0
        && o.positives() < o.known()
    {
        backtest_section(h, &measure(model, &scored, o, &table.source), "contacts");
    }
}

/// The main journey's score distribution with the tier thresholds on it, under `title`.
fn distribution_section(h: &mut String, model: &Model, scored: &Scored, title: &str) {
    let Some(ji) = crate::engine::whatif::main_journey(model) else {
        return;
    };
    let j = &model.journeys[ji];
    let _ = writeln!(h, "<h2>{title}: {}</h2>", esc(j.title()));
    let thresholds: Vec<(String, f64)> = model
        .tiers
        .iter()
        .filter(|t| t.journey == j.id)
        .flat_map(|t| t.levels.iter().map(|l| (l.name.clone(), l.at_least)))
        .collect();
    histogram_chart(h, &insight::histogram(&scored.scores[ji], 20), &thresholds);
}

fn histogram_chart(h: &mut String, bins: &[usize], thresholds: &[(String, f64)]) {
    let (w, ht) = (600.0, 160.0);
    let max = bins.iter().copied().max().unwrap_or(1).max(1) as f64;
    let bw = w / bins.len() as f64;
    let _ = writeln!(
        h,
        "<svg role=\"img\" aria-label=\"score distribution\" width=\"{}\" height=\"{}\">",
        w + 40.0,
        ht + 40.0
    );
    for (i, &n) in bins.iter().enumerate() {
        let bh = ht * n as f64 / max;
        let _ = writeln!(
            h,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#4f6bed\"><title>{}–{}: {n}</title></rect>",
            20.0 + i as f64 * bw,
            10.0 + ht - bh,
            bw - 2.0,
            i * 5,
            i * 5 + 5
        );
    }
    for (name, at) in thresholds {
        let x = 20.0 + w * at / 100.0;
        let _ = writeln!(
            h,
            "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"5\" y2=\"{}\" stroke=\"#b42318\" stroke-dasharray=\"4 3\"/><text x=\"{:.1}\" y=\"{}\">{} {}</text>",
            ht + 12.0,
            x + 3.0,
            ht + 30.0,
            esc(name),
            at
        );
    }
    let _ = writeln!(
        h,
        "<text x=\"20\" y=\"{}\">0</text><text x=\"{}\" y=\"{}\">100</text></svg>",
        ht + 24.0,
        w,
        ht + 24.0
    );
}

/// The back-test; `unit` names what was scored (`contacts`, `accounts`).
fn backtest_section(h: &mut String, b: &Backtest, unit: &str) {
    let _ = writeln!(
        h,
        "<h2>Back-test against '{}'</h2><p>{} {unit} with a known outcome, {} {} ({:.1}%).</p>",
        esc(&b.outcome),
        b.known,
        b.converted,
        esc(&b.outcome_says),
        b.base_rate * 100.0
    );
    for j in &b.journeys {
        let auc = j
            .auc
            .map(|a| format!("{a:.3}"))
            .unwrap_or_else(|| "-".into());
        let _ = writeln!(h, "<h3>{}: AUC {auc}</h3>", esc(&j.name));
        let _ = writeln!(
            h,
            "<table><tr><th>Decile</th><th class=\"num\">Scores</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">Rate</th><th class=\"num\">Lift</th></tr>",
            capitalise(unit),
            esc(&capitalise(&b.outcome_says))
        );
        for d in &j.deciles {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{:.1}–{:.1}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                d.decile,
                d.min_score,
                d.max_score,
                d.group.contacts,
                d.group.converted,
                d.group
                    .rate
                    .map(|r| format!("{:.1}%", r * 100.0))
                    .unwrap_or_default(),
                d.group.lift.map(|l| format!("{l:.2}")).unwrap_or_default()
            );
        }
        h.push_str("</table>\n");
        calibration_table(h, j, &b.outcome_says, unit);
    }
    if !b.tiers.is_empty() {
        let _ = writeln!(
            h,
            "<h3>By tier</h3><table><tr><th>Tier</th><th class=\"num\">{}</th><th class=\"num\">Rate</th><th class=\"num\">Lift</th></tr>",
            capitalise(unit)
        );
        for g in &b.tiers {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                esc(&g.label),
                g.contacts,
                g.rate
                    .map(|r| format!("{:.1}%", r * 100.0))
                    .unwrap_or_default(),
                g.lift.map(|l| format!("{l:.2}")).unwrap_or_default()
            );
        }
        h.push_str("</table>\n");
    }
}

/// What a score means: per band of ten points, the observed rate with its 95% interval, and
/// the Brier score.
fn calibration_table(
    h: &mut String,
    j: &crate::export::backtest::JourneyBacktest,
    did: &str,
    unit: &str,
) {
    let _ = writeln!(
        h,
        "<p>What a score means: how often {unit} scoring like this {} (95% Wilson interval).</p>\n<table><tr><th>Scores</th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">Rate</th><th class=\"num\">Interval</th></tr>",
        esc(did),
        capitalise(unit),
        esc(&capitalise(did))
    );
    let pct = |v: Option<f64>| v.map(|r| format!("{:.1}%", r * 100.0)).unwrap_or_default();
    for c in &j.calibration {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}–{}</td></tr>",
            esc(&c.group.label),
            c.group.contacts,
            c.group.converted,
            pct(c.group.rate),
            pct(c.low),
            pct(c.high)
        );
    }
    h.push_str("</table>\n");
    if let (Some(b), Some(base)) = (j.brier, j.brier_base) {
        let _ = writeln!(
            h,
            "<p>Brier score {b:.4} with these rates, {base:.4} with the base rate for everyone (lower is better).</p>"
        );
    }
}

/// "left the bank" -> "Left the bank", for a table heading.
fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_from_the_model() {
        assert_eq!(
            esc("<b>\"R&D\" 'x'</b>"),
            "&lt;b&gt;&quot;R&amp;D&quot; &#39;x&#39;&lt;/b&gt;"
        );
        let mut model =
            crate::model::parse_model(include_str!("../../tests/fixtures/engine.yaml"), "t")
                .unwrap();
        model.name = "<script>alert(1)</script>".into();
        model.journeys[0].touchpoints[0].note = Some("a < b & \"c\"".into());
        let html = report(&model, &[], None, None, None);
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("a &lt; b &amp; &quot;c&quot;"));
    }
}
