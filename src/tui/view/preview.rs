//! The preview screen: the contacts table (left), a side panel that shows the selected
//! contact's explanation or one of the pictures (right), and the what-if summary (bottom).
//!
//! Only draws `&App`: every number was computed by `update` (through the engine) and is read
//! from `app.preview`, `app.personas` and `app.tuning`. Only the rows on screen are drawn,
//! whatever the number of contacts. The areas are `view::layout`'s, so clicks map to rows.

use super::{block, fit, fit_line, highlight, text_width};
use crate::engine::explain::TouchpointPart;
use crate::engine::whatif::Comparison;
use crate::model::check::pillar_shares;
use crate::tui::app::App;
use crate::tui::preview::{Col, Detail, Panel, Preview};
use crate::tui::signals::{Signals, is_used};
use crate::tui::theme::Theme;
use crate::tui::tree::fmt_num;
use crate::tui::tuning::Tuning;
use crate::tui::widgets::{Distribution, MatrixGrid, PillarBars};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// Draws the preview screen's three parts.
pub fn draw(f: &mut Frame, app: &App, areas: &super::Areas) {
    let table = table_area(app, areas);
    if !super::accounts::draw_table(f, app, table) {
        draw_table(f, app, table);
    }
    if !app.preview.as_ref().is_some_and(|p| p.wide) {
        draw_panel(f, app, areas.detail);
    }
    draw_summary(f, app, areas.diagnostics);
}

/// Where the contacts table goes: beside the side panel, or (`z`) in its room too.
pub fn table_area(app: &App, areas: &super::Areas) -> Rect {
    if app.preview.as_ref().is_some_and(|p| p.wide) {
        areas.tree.union(areas.detail)
    } else {
        areas.tree
    }
}

/// A number of points with at most one decimal: `12.5`, `30`.
fn pts(v: f64) -> String {
    fmt_num((v * 10.0).round() / 10.0)
}

fn file_name(source: &str) -> String {
    std::path::Path::new(source)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| source.to_string())
}

fn lines_into(f: &mut Frame, lines: Vec<Line<'static>>, area: Rect) {
    for (i, line) in lines.into_iter().take(area.height as usize).enumerate() {
        f.render_widget(
            fit_line(line, area.width as usize),
            Rect {
                y: area.y + i as u16,
                height: 1,
                ..area
            },
        );
    }
}

/// Lines from the `scroll`th on; when more follow than fit, the last row says so.
fn scrolled_lines_into(
    f: &mut Frame,
    app: &App,
    lines: Vec<Line<'static>>,
    area: Rect,
    scroll: usize,
) {
    let h = area.height as usize;
    let skip = scroll.min(lines.len().saturating_sub(h));
    let mut rest: Vec<Line<'static>> = lines.into_iter().skip(skip).collect();
    if rest.len() > h && h > 0 {
        rest.truncate(h - 1);
        rest.push(Line::styled(
            "▼ more: ] scrolls down, [ up",
            app.theme.style("muted"),
        ));
    }
    lines_into(f, rest, area);
}

// ----- the contacts table -----

/// The widest a column may be, and whether it is right-aligned.
fn col_shape(col: Col) -> (usize, bool) {
    match col {
        Col::Id => (18, false),
        Col::Show(_) => (14, false),
        Col::Score(_) => (12, true),
        Col::Delta => (7, true),
        Col::Rank => (7, true),
        Col::Grade(_) => (6, false),
        Col::Rating => (6, false),
        Col::Tier => (10, false),
        Col::Segment => (20, false),
        Col::Action => (60, false),
    }
}

fn draw_table(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let loading = app
        .loading
        .as_ref()
        .map(|l| file_name(&l.path.display().to_string()));
    let Some(p) = &app.preview else {
        let b = block(app, " Contacts ".into(), app.popups.is_empty());
        let inner = b.inner(area);
        f.render_widget(b, area);
        if let Some(name) = loading {
            f.render_widget(
                Line::styled(format!("loading {name}…"), t.style("info")),
                inner,
            );
            return;
        }
        let mut lines = Vec::new();
        if let Some(e) = &app.preview_error {
            lines.push(Line::styled(
                format!("The contacts could not be loaded: {e}"),
                t.style("error"),
            ));
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(
            "No contacts to preview. Press o to open a CSV or JSON Lines file, or start the designer with --contacts FILE. The model is unchanged.",
            t.style("muted"),
        ));
        f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
        return;
    };
    let mut title = format!(
        " Contacts: {} of {} · {} ",
        p.order.len(),
        p.table.rows(),
        file_name(&p.source)
    );
    if !p.filter.is_empty() {
        title.push_str(&format!("· filter: {} ", p.filter.describe()));
    }
    if p.overlay.is_some() {
        title.push_str("· Δ: suggested weights ");
    }
    if let Some(r) = &p.result {
        title.push_str(&format!("· what-if on {} (> next) ", r.comparison.journey));
    }
    if p.col_offset > 0 {
        title.push_str(&format!("· ◂ {} columns (←) ", p.col_offset));
    }
    if let Some(name) = loading {
        title.push_str(&format!("· loading {name}… "));
    }
    if p.pending {
        title.push_str("· recomputing… ");
    }
    let b = block(app, title, app.popups.is_empty());
    let inner = b.inner(area);
    f.render_widget(b, area);
    if p.result.is_none() {
        f.render_widget(
            Line::styled("scoring the contacts…", t.style("info")),
            inner,
        );
        return;
    }
    let height = inner.height.saturating_sub(1) as usize;
    let end = (p.offset + height).min(p.order.len());
    let shown = &p.order[p.offset.min(end)..end];
    let (cols, widths) = table_columns(p, shown, inner.width as usize);
    // The heading, with the sort column marked.
    let mut spans = Vec::new();
    for (c, w) in cols.iter().zip(&widths) {
        let mut h = p.heading(*c);
        let sorted = Some(*c) == p.sort;
        if sorted {
            h = format!("{}{}", p.sort_arrow(), h);
        }
        spans.push(Span::styled(
            pad(&h, *w, col_shape(*c).1),
            t.style(if sorted { "key" } else { "header" }),
        ));
        spans.push(Span::raw(" "));
    }
    f.render_widget(
        fit_line(Line::from(spans), inner.width as usize),
        Rect { height: 1, ..inner },
    );
    for (i, &row) in shown.iter().enumerate() {
        let mut spans = Vec::new();
        for (c, w) in cols.iter().zip(&widths) {
            let text = crate::printable::printable(&p.cell(row, *c)).into_owned();
            spans.push(Span::styled(
                pad(&text, *w, col_shape(*c).1),
                cell_style(t, *c, &text),
            ));
            spans.push(Span::raw(" "));
        }
        let mut line = fit_line(Line::from(spans), inner.width as usize);
        if p.offset + i == p.cursor {
            line = highlight(line, t.selection(app.popups.is_empty()));
        }
        f.render_widget(
            line,
            Rect {
                y: inner.y + 1 + i as u16,
                height: 1,
                ..inner
            },
        );
    }
}

fn cell_style(t: &Theme, col: Col, text: &str) -> Style {
    match col {
        Col::Delta | Col::Rank if text.starts_with('+') || text.starts_with('↑') => t.style("ok"),
        Col::Delta | Col::Rank if text.starts_with('-') || text.starts_with('↓') => {
            t.style("negative")
        }
        Col::Delta | Col::Rank => t.style("muted"),
        Col::Score(_) => t.style("weight"),
        Col::Action => t.style("muted"),
        _ => t.style("text"),
    }
}

fn pad(s: &str, w: usize, right: bool) -> String {
    let s = fit(s, w);
    if right {
        format!("{s:>w$}")
    } else {
        format!("{s:<w$}")
    }
}

/// The columns that fit in `width`, with their widths (from the rows on screen only).
fn table_columns(p: &Preview, shown: &[usize], width: usize) -> (Vec<Col>, Vec<usize>) {
    let mut cols = Vec::new();
    let mut widths = Vec::new();
    let mut used = 0;
    for c in p.columns() {
        let (max, _) = col_shape(c);
        let mut w = text_width(&p.heading(c)) + usize::from(Some(c) == p.sort);
        for &row in shown {
            w = w.max(text_width(&p.cell(row, c)));
        }
        let w = w.clamp(1, max);
        if used + w + 1 > width {
            // The last column that fits takes what is left, if that is worth showing.
            let left = width.saturating_sub(used + 1);
            if left >= 6 {
                cols.push(c);
                widths.push(left);
            }
            break;
        }
        used += w + 1;
        cols.push(c);
        widths.push(w);
    }
    (cols, widths)
}

// ----- the side panel -----

fn draw_panel(f: &mut Frame, app: &App, area: Rect) {
    let n = Panel::ALL.len();
    let i = Panel::ALL.iter().position(|p| *p == app.panel).unwrap_or(0);
    let title = format!(" {} ({}/{n}) · Tab: next ", app.panel.title(), i + 1);
    let b = block(app, title, false);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let width = inner.width as usize;
    match app.panel {
        Panel::Explain => {
            let lines = match app.preview.as_ref().and_then(|p| p.detail.as_ref()) {
                Some(d) => explain_lines(app, d),
                None => vec![Line::styled(
                    "Select a contact to see why it scored what it did.",
                    app.theme.style("muted"),
                )],
            };
            scrolled_lines_into(f, app, lines, inner, app.panel_scroll);
        }
        Panel::Distribution => draw_distribution(f, app, inner),
        Panel::Matrix => draw_matrix(f, app, inner),
        Panel::Pillars => draw_pillars(f, app, inner),
        Panel::Personas => scrolled_lines_into(f, app, persona_lines(app), inner, app.panel_scroll),
        Panel::Tuning => lines_into(f, tuning_lines(app, width, inner.height as usize), inner),
        Panel::Signals => lines_into(f, signal_lines(app, width, inner.height as usize), inner),
    }
}

/// How far the side panel can scroll: lines past its height (journeys, for the pillars).
pub fn panel_scroll_max(app: &App) -> usize {
    let a = super::layout(Rect::new(0, 0, app.size.0, app.size.1));
    let h = a.detail.height.saturating_sub(2) as usize;
    match app.panel {
        Panel::Explain => app
            .preview
            .as_ref()
            .and_then(|p| p.detail.as_ref())
            .map_or(0, |d| explain_lines(app, d).len().saturating_sub(h)),
        Panel::Personas => persona_lines(app).len().saturating_sub(h),
        Panel::Pillars => app.model.journeys.len().saturating_sub(1),
        _ => 0,
    }
}

/// The selected contact's explanation and what would move it, as lines.
pub fn explain_lines(app: &App, d: &Detail) -> Vec<Line<'static>> {
    let t = &app.theme;
    let e = &d.explanation;
    let id = app
        .preview
        .as_ref()
        .map(|p| p.cell(d.row, Col::Id))
        .unwrap_or_default();
    let mut lines = vec![Line::from(vec![
        Span::styled("Contact ", t.style("muted")),
        Span::styled(id, t.style("title")),
    ])];
    // The journey the what-if is about comes first, the others after it in model order.
    let about = app
        .preview
        .as_ref()
        .and_then(|p| p.result.as_ref())
        .map(|r| r.comparison.journey.as_str());
    let mut journeys: Vec<_> = e.journeys.iter().collect();
    journeys.sort_by_key(|j| Some(j.id.as_str()) != about);
    for j in journeys {
        lines.push(Line::from(vec![
            Span::styled(j.name.clone(), t.style("header")),
            Span::styled(format!("  {}", pts(j.score)), t.style("weight")),
        ]));
        // What the score means comes first, before the points that make it.
        if Some(j.id.as_str()) == about {
            lines.extend(calibration_lines(app, d.row));
        }
        for tp in &j.touchpoints {
            touchpoint_lines(t, tp, 1, &mut lines);
        }
        for a in &j.adjustments {
            lines.push(Line::from(vec![
                Span::styled("  ± ", t.style("muted")),
                Span::styled(a.name.clone(), t.style("text")),
                Span::styled(
                    format!("  {:+} points", (a.points * 10.0).round() / 10.0),
                    t.style(if a.points < 0.0 { "negative" } else { "ok" }),
                ),
            ]));
        }
        if (j.unclamped - j.score).abs() > 1e-9 {
            lines.push(Line::styled(
                format!(
                    "  clamped: {} is outside 0..100, so the score is {}",
                    pts(j.unclamped),
                    pts(j.score)
                ),
                t.style("warning"),
            ));
        }
    }
    let mut facts = Vec::new();
    for (g, v) in &e.grades {
        facts.push(format!("{g} {}", v.as_deref().unwrap_or("-")));
    }
    if let Some(r) = &e.rating {
        facts.push(format!("rating {r}"));
    }
    if let Some(tier) = &e.tier {
        facts.push(format!(
            "tier {tier} ({})",
            e.handover.as_deref().unwrap_or("no handover")
        ));
    }
    if !facts.is_empty() {
        lines.push(Line::styled(facts.join(" · "), t.style("info")));
    }
    if let Some(s) = &e.segment {
        lines.push(Line::from(vec![
            Span::styled(format!("{s}: "), t.style("info")),
            Span::styled(e.action.clone().unwrap_or_default(), t.style("text")),
        ]));
    }
    lines.push(Line::styled("What would move it", t.style("header")));
    if d.moves.is_empty() {
        lines.push(Line::styled(
            "  nothing: every signal is at its best",
            t.style("muted"),
        ));
    }
    for m in &d.moves {
        let mut spans = vec![
            Span::styled(format!("  +{:<5} ", pts(m.points)), t.style("ok")),
            Span::styled(m.change.clone(), t.style("text")),
        ];
        if let Some(r) = &m.reaches {
            spans.push(Span::styled(format!("  → {r}"), t.style("key")));
        }
        lines.push(Line::from(spans));
    }
    // Ids, values and names come from the contacts and the model: shown as escapes, never
    // obeyed (the terminal library drops control characters, so `ESC [2J` showed as `[2J`).
    lines.into_iter().map(printable_line).collect()
}

/// A line with the text of each of its spans made printable (`crate::printable`).
fn printable_line(line: Line<'static>) -> Line<'static> {
    let spans = line
        .spans
        .into_iter()
        .map(|s| Span {
            content: crate::printable::printable(&s.content).into_owned().into(),
            ..s
        })
        .collect();
    Line { spans, ..line }
}

/// "Leads scoring like this converted 64% of the time", in the model's words, with the count
/// behind it (two lines, to fit the side panel); nothing when the outcome is not known.
fn calibration_lines(app: &App, row: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    let Some(p) = app.preview.as_ref() else {
        return Vec::new();
    };
    let (Some(band), Some(r)) = (p.band_of(row), p.result.as_ref()) else {
        return Vec::new();
    };
    let Some(rate) = band.group.rate else {
        return Vec::new();
    };
    let words = r.model.outcome_words();
    // Who is scored: leads on a conversion journey, customers on a customer's.
    use crate::model::Ending;
    let ending = r
        .model
        .journeys
        .iter()
        .find(|j| j.id == r.comparison.journey)
        .map(|j| j.ending);
    let who = match ending {
        Some(Ending::Conversion) => "Leads",
        Some(Ending::Expansion | Ending::Attrition) => "Customers",
        Some(Ending::Dimension) | None => "Contacts",
    };
    vec![
        Line::styled(
            format!(
                "{who} scoring like this ({}-{} on {})",
                band.from, band.to, r.comparison.journey
            ),
            t.style("info"),
        ),
        Line::styled(
            format!(
                "  {} {:.0}% of the time ({} of {})",
                words.did,
                rate * 100.0,
                band.group.converted,
                band.group.known
            ),
            t.style("info"),
        ),
    ]
}

fn touchpoint_lines(t: &Theme, tp: &TouchpointPart, depth: usize, out: &mut Vec<Line<'static>>) {
    let pad = "  ".repeat(depth);
    out.push(Line::from(vec![
        Span::styled(format!("{pad}● "), t.style("muted")),
        Span::styled(tp.name.clone(), t.style("text")),
        Span::styled(format!(" [{}%]", tp.weight), t.style("muted")),
        Span::styled(
            format!("  {} of {}", pts(tp.points), pts(tp.max_points)),
            t.style("weight"),
        ),
    ]));
    for s in &tp.signals {
        let value = s
            .value
            .as_deref()
            .map(|v| format!("'{v}'"))
            .unwrap_or_else(|| "missing".into());
        out.push(Line::from(vec![
            Span::styled(format!("{pad}  · "), t.style("muted")),
            Span::styled(format!("{} = ", s.field), t.style("text")),
            Span::styled(
                value,
                t.style(if s.value.is_some() { "info" } else { "warning" }),
            ),
            Span::styled(
                format!(
                    "  ×{:.2}",
                    crate::engine::explain::unsigned_zero(s.attainment)
                ),
                t.style("muted"),
            ),
            Span::styled(
                format!("  {} of {}", pts(s.points), pts(s.max_points)),
                t.style("weight"),
            ),
        ]));
    }
    for c in &tp.children {
        touchpoint_lines(t, c, depth + 1, out);
    }
}

fn draw_distribution(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let Some(r) = app.preview.as_ref().and_then(|p| p.result.as_ref()) else {
        lines_into(f, vec![no_contacts(t)], area);
        return;
    };
    let thresholds: Vec<(String, f64)> = r
        .model
        .tiers
        .as_ref()
        .filter(|ti| ti.journey == r.comparison.journey)
        .map(|ti| {
            ti.levels
                .iter()
                .map(|l| (l.name.clone(), l.at_least))
                .collect()
        })
        .unwrap_or_default();
    let mut head = vec![Line::styled(
        format!("Scores on {}, contacts per band", r.comparison.journey),
        t.style("muted"),
    )];
    head.extend(capacity_lines(app, r));
    let head = wrap(head, area.width as usize);
    let n = head.len() as u16;
    lines_into(f, head, area);
    f.render_widget(
        Distribution {
            before: &r.hist_before,
            after: &r.hist_after,
            thresholds: &thresholds,
            theme: t,
        },
        Rect {
            y: area.y + n,
            height: area.height.saturating_sub(n),
            ..area
        },
    );
}

/// Beside each tier threshold, the one that fits the tier's `capacity:` and what it captures.
fn capacity_lines(app: &App, r: &crate::tui::preview::Computed) -> Vec<Line<'static>> {
    let t = &app.theme;
    let Some(tiers) = &r.model.tiers else {
        return Vec::new();
    };
    let did = r.model.outcome_words().did;
    let mut lines = Vec::new();
    for (i, proposal) in &r.capacity {
        let Some(l) = tiers.levels.get(*i) else {
            continue;
        };
        match proposal {
            Err(e) => lines.push(Line::styled(
                format!("{}: capacity: {e}", l.name),
                t.style("warning"),
            )),
            Ok(c) => {
                let per = match c.ask.per.as_str() {
                    "file" => "in this file".to_string(),
                    p => format!("a {p}"),
                };
                let captured = match c.rate {
                    Some(rate) => format!(
                        ", {:.0}% of them {did} ({:.0}% of all who {did})",
                        rate * 100.0,
                        c.share_of_conversions * 100.0
                    ),
                    None => String::new(),
                };
                let moved = (c.at_least - l.at_least).abs() > 1e-9;
                lines.push(Line::styled(
                    format!(
                        "{} at {}; capacity {} {per} fits {}: {} {per}{captured}{}",
                        l.name,
                        fmt_num(l.at_least),
                        c.ask.capacity,
                        fmt_num(c.at_least),
                        fmt_num((c.per_period * 10.0).round() / 10.0),
                        if moved {
                            " · C moves it"
                        } else {
                            " · as set"
                        },
                    ),
                    t.style(if moved { "info" } else { "ok" }),
                ));
            }
        }
    }
    lines
}

fn no_contacts(t: &Theme) -> Line<'static> {
    Line::styled("No contacts loaded: o opens a file.", t.style("muted"))
}

fn draw_matrix(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let Some(p) = &app.preview else {
        lines_into(f, vec![no_contacts(t)], area);
        return;
    };
    let Some(r) = &p.result else { return };
    let Some(m) = &r.model.matrix else {
        let text = Line::styled(
            "The model has no matrix: name two grades under `matrix:` (rows and columns).",
            t.style("muted"),
        );
        lines_into(f, wrap(vec![text], area.width as usize), area);
        return;
    };
    let mut head = vec![Line::styled(
        format!("{} (rows) by {} (columns)", m.rows, m.columns),
        t.style("muted"),
    )];
    match (&p.outcome, &p.outcome_problem) {
        (Some(o), _) => head.push(Line::styled(
            format!(
                "count, and share who {} ('{}')",
                app.model.outcome_words().did,
                o.column
            ),
            t.style("muted"),
        )),
        (None, Some(problem)) => head.push(Line::styled(problem.clone(), t.style("warning"))),
        (None, None) => head.push(Line::styled(
            "count of contacts (no outcome column for outcome rates)",
            t.style("muted"),
        )),
    }
    let n = head.len() as u16 + 1;
    lines_into(f, head, area);
    f.render_widget(
        MatrixGrid {
            cells: &r.matrix,
            rates: p.outcome.is_some(),
            theme: t,
        },
        Rect {
            y: area.y + n,
            height: area.height.saturating_sub(n),
            ..area
        },
    );
}

/// Per journey, its title and one bar per pillar, as far as the panel reaches.
fn draw_pillars(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let mut y = area.y;
    let skip = app
        .panel_scroll
        .min(app.model.journeys.len().saturating_sub(1));
    for j in app.model.journeys.iter().skip(skip) {
        if y >= area.bottom() {
            break;
        }
        f.render_widget(
            fit_line(
                Line::styled(j.title().to_string(), t.style("header")),
                area.width as usize,
            ),
            Rect {
                y,
                height: 1,
                ..area
            },
        );
        let bars = Rect {
            y: y + 1,
            height: 6.min(area.bottom().saturating_sub(y + 1)),
            ..area
        };
        f.render_widget(
            PillarBars {
                shares: pillar_shares(j),
                theme: t,
            },
            bars,
        );
        y += 8;
    }
}

fn persona_lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    if app.personas.is_empty() {
        return vec![Line::styled(
            "The model has no personas: named example contacts with the outcome the room agreed on (`personas:` in the file).",
            t.style("muted"),
        )];
    }
    let failing = app.personas.iter().filter(|p| !p.passed()).count();
    let mut lines = vec![Line::styled(
        if failing == 0 {
            format!("All {} personas pass.", app.personas.len())
        } else {
            format!("{failing} of {} personas fail.", app.personas.len())
        },
        t.style(if failing == 0 { "pass" } else { "fail" }),
    )];
    for p in &app.personas {
        let (mark, role) = if p.passed() {
            ("✓ ", "pass")
        } else {
            ("✖ ", "fail")
        };
        let mut facts: Vec<String> = p
            .scores
            .iter()
            .map(|(j, s)| format!("{j} {}", pts(*s)))
            .collect();
        facts.extend(p.rating.clone());
        facts.extend(p.tier.clone());
        facts.extend(p.segment.clone());
        lines.push(Line::from(vec![
            Span::styled(mark, t.style(role)),
            Span::styled(p.name.clone(), t.style("text")),
        ]));
        lines.push(Line::styled(
            format!("    {}", facts.join(" · ")),
            t.style("muted"),
        ));
        for why in &p.failures {
            lines.push(Line::styled(format!("    {why}"), t.style("fail")));
        }
    }
    lines
}

fn tuning_lines(app: &App, width: usize, height: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    match &app.tuning {
        Tuning::Idle => {
            let mut lines = vec![Line::styled(
                "T tunes the weights on the loaded contacts' outcome column, in the background: the structure stays, only weights move, every group still sums to 100%.",
                t.style("muted"),
            )];
            lines.extend(outcome_line(app));
            wrap(lines, width)
        }
        Tuning::Running(_) => vec![Line::styled(
            "tuning… (cross-validated; keep editing meanwhile)",
            t.style("info"),
        )],
        Tuning::Failed(e) => wrap(
            vec![Line::styled(
                format!("Tuning failed: {e}"),
                t.style("error"),
            )],
            width,
        ),
        Tuning::Ready(s) => {
            let mut lines = Vec::new();
            for j in &s.report.journeys {
                lines.push(Line::from(vec![
                    Span::styled(format!("{}: ", j.journey), t.style("header")),
                    Span::styled(
                        format!("cross-validated AUC {:.3} → {:.3}", j.cv_before, j.cv_after),
                        t.style(if j.cv_after >= j.cv_before {
                            "ok"
                        } else {
                            "warning"
                        }),
                    ),
                ]));
            }
            lines.extend(wrap(
                vec![Line::styled(
                    "The table's Δ and the what-if below show what the suggestion does.",
                    t.style("muted"),
                )],
                width,
            ));
            lines.push(Line::styled(
                if s.weights.is_empty() {
                    "No weight would change."
                } else {
                    "Weights (✓ accepted):"
                },
                t.style("header"),
            ));
            let room = height.saturating_sub(lines.len()).max(1);
            let offset = super::list_offset(s.cursor, room);
            for (i, w) in s.weights.iter().enumerate().skip(offset).take(room) {
                let now = w
                    .list
                    .weights(&app.model)
                    .and_then(|ws| ws.get(w.index).copied());
                let accepted = now == Some(w.after);
                let mut line = Line::from(vec![
                    Span::styled(if accepted { "✓ " } else { "  " }, t.style("pass")),
                    Span::styled(format!("{} ", w.at), t.style("text")),
                    Span::styled(format!("{}% → ", w.before), t.style("muted")),
                    Span::styled(format!("{}%", w.after), t.style("weight")),
                ]);
                if i == s.cursor {
                    line = highlight(fit_line(line, width), t.selection(true));
                }
                lines.push(line);
            }
            lines
        }
    }
}

/// The outcome the preview would learn from, or why there is none.
fn outcome_line(app: &App) -> Option<Line<'static>> {
    let t = &app.theme;
    let p = app.preview.as_ref()?;
    Some(match (&p.outcome, &p.outcome_problem) {
        (Some(o), _) => Line::styled(
            format!(
                "Outcome: '{}', {} of {} known, {} yes.",
                o.column,
                o.known(),
                o.values.len(),
                o.positives()
            ),
            t.style("info"),
        ),
        (None, Some(e)) => Line::styled(e.clone(), t.style("warning")),
        (None, None) => Line::styled(
            "The model names no outcome column (`outcome:`).",
            t.style("warning"),
        ),
    })
}

/// The suggested signals: what `scorewright suggest` prints, as a list to accept from.
fn signal_lines(app: &App, width: usize, height: usize) -> Vec<Line<'static>> {
    let t = &app.theme;
    match &app.signals {
        Signals::Idle => {
            let mut lines = vec![Line::styled(
                "The columns of the contacts that no signal reads, ranked by what each would add to the tier journey (held-out AUC gain, 5 folds), with a proposed field, rule and touchpoint. They are measured when this panel opens, from the contacts' outcome column.",
                t.style("muted"),
            )];
            lines.extend(outcome_line(app));
            wrap(lines, width)
        }
        Signals::Running(_) => wrap(
            vec![Line::styled(
                "measuring the columns the model does not use… (in the background; keep editing meanwhile)",
                t.style("info"),
            )],
            width,
        ),
        Signals::Failed(e) => wrap(
            vec![Line::styled(
                format!("Suggesting signals failed: {e}. Tab away and back to try again."),
                t.style("error"),
            )],
            width,
        ),
        Signals::Ready(s) => {
            let list = &s.list;
            let mut lines = wrap(
                vec![Line::styled(
                    format!(
                        "What would add most to {} (AUC {:.3} now, 5 folds). Enter adds the field and its touchpoint as one edit (u undoes it); r measures again.",
                        list.journey, list.auc_now
                    ),
                    t.style("muted"),
                )],
                width,
            );
            if list.columns.is_empty() {
                lines.push(Line::styled(
                    "Every column of the contacts is read already.",
                    t.style("muted"),
                ));
                return lines;
            }
            lines.push(Line::styled(
                format!(
                    "  {:<22} {:>5} {:>7} {:>6}",
                    "column", "AUC", "gain", "weight"
                ),
                t.style("header"),
            ));
            // The selected suggestion's rule and warning, under the list.
            let mut below = Vec::new();
            if let Some(c) = list.columns.get(s.cursor) {
                let rule = c.rule.rule();
                below.push(Line::styled(
                    format!("{}: {}", c.column, rule.words(&c.column)),
                    t.style("text"),
                ));
                if let Some(why) = &c.leak {
                    below.push(Line::styled(
                        format!("Looks like a leak, so Enter does not add it: {why}"),
                        t.style("warning"),
                    ));
                }
            }
            let below = wrap(below, width);
            let room = height.saturating_sub(lines.len() + below.len()).max(1);
            let offset = super::list_offset(s.cursor, room);
            for (i, c) in list.columns.iter().enumerate().skip(offset).take(room) {
                let (mark, role) = if is_used(&app.model, c) {
                    ("✓ ", "pass")
                } else if c.leak.is_some() {
                    ("! ", "warning")
                } else {
                    ("  ", "text")
                };
                let mut line = Line::from(vec![
                    Span::styled(mark, t.style(role)),
                    Span::styled(format!("{:<22} ", fit(&c.column, 22)), t.style("text")),
                    Span::styled(format!("{:>5.3} ", c.auc), t.style("muted")),
                    Span::styled(
                        format!("{:>+7.3} ", c.gain),
                        t.style(if c.gain > 0.0 { "ok" } else { "muted" }),
                    ),
                    Span::styled(format!("{:>5}%", fmt_num(c.weight)), t.style("weight")),
                    Span::styled(
                        if c.leak.is_some() { " LEAK?" } else { "" },
                        t.style("warning"),
                    ),
                ]);
                if i == s.cursor {
                    line = highlight(fit_line(line, width), t.selection(true));
                }
                lines.push(line);
            }
            lines.extend(below);
            lines
        }
    }
}

/// Lines wrapped to `width` (one style per line, as these are).
fn wrap(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for l in lines {
        let text = l.to_string();
        let style = l.spans.first().map(|s| s.style).unwrap_or_default();
        let mut cur = String::new();
        for word in text.split(' ') {
            if !cur.is_empty() && text_width(&cur) + 1 + text_width(word) > width {
                out.push(Line::styled(std::mem::take(&mut cur), style));
            }
            if !cur.is_empty() {
                cur.push(' ');
            }
            cur.push_str(word);
        }
        out.push(Line::styled(cur, style));
    }
    out
}

// ----- the what-if summary -----

/// The what-if in lines: who changed, tier moves each way, handovers to a person, segments.
pub fn summary_lines(t: &Theme, c: &Comparison, against: &str) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    if c.changed == 0 {
        lines.push(Line::styled(
            format!(
                "No contact's {} score changed against {against}.",
                c.journey
            ),
            t.style("muted"),
        ));
    } else {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{} of {} contacts", c.changed, c.rows),
                t.style("weight"),
            ),
            Span::styled(
                format!(
                    " change their {} score against {against} · rank correlation {}",
                    c.journey,
                    c.rank_correlation
                        .map_or_else(|| "n/a".to_string(), |r| format!("{r:.3}"))
                ),
                t.style("text"),
            ),
        ]));
    }
    let moves: Vec<String> = c
        .tier_moves
        .iter()
        .map(|(a, b, n)| format!("{a}→{b} {n}"))
        .collect();
    lines.push(Line::from(vec![
        Span::styled("Tiers: ", t.style("muted")),
        Span::styled(format!("↑ {} hotter", c.tier_up), t.style("ok")),
        Span::styled("  ", t.style("text")),
        Span::styled(format!("↓ {} colder", c.tier_down), t.style("negative")),
        Span::styled(
            if moves.is_empty() {
                String::new()
            } else {
                format!("  ({})", moves.join(", "))
            },
            t.style("muted"),
        ),
        Span::styled("   To a person: ", t.style("muted")),
        Span::styled(format!("+{}", c.sales_enter), t.style("ok")),
        Span::styled("  ", t.style("text")),
        Span::styled(format!("−{}", c.sales_leave), t.style("negative")),
    ]));
    let mut seg = vec![Span::styled("Average by segment: ", t.style("muted"))];
    for (i, s) in c.segments.iter().enumerate() {
        if i > 0 {
            seg.push(Span::styled(" · ", t.style("muted")));
        }
        let d = s.after_avg - s.before_avg;
        seg.push(Span::styled(format!("{} ", s.name), t.style("text")));
        seg.push(Span::styled(
            format!(
                "{}→{} ({}→{})",
                pts(s.before_avg),
                pts(s.after_avg),
                s.before_count,
                s.after_count
            ),
            t.style(if d > 0.05 {
                "ok"
            } else if d < -0.05 {
                "negative"
            } else {
                "muted"
            }),
        ));
    }
    lines.push(Line::from(seg));
    lines
}

fn draw_summary(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let Some(p) = &app.preview else {
        let b = block(app, " What-if ".into(), false);
        let inner = b.inner(area);
        f.render_widget(b, area);
        lines_into(
            f,
            vec![Line::styled(
                "Load contacts to see what each edit does to them.",
                t.style("muted"),
            )],
            inner,
        );
        return;
    };
    let against = if p.overlay.is_some() {
        "the model when tuning started"
    } else if p.pinned {
        "the pinned baseline"
    } else {
        "the model as opened"
    };
    let mut title = if p.overlay.is_some() {
        " What-if of the suggested weights, against the model when tuning started ".to_string()
    } else {
        format!(" What-if against {against} · b pins the current model ")
    };
    if p.pending {
        title = format!(" What-if against {against} · recomputing… ");
    }
    let b = block(app, title, false);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let Some(r) = &p.result else { return };
    let mut lines = Vec::new();
    let missing = p.missing_columns();
    if !missing.is_empty() {
        lines.push(Line::styled(
            format!(
                "{} lacks column{} {}: scored as missing",
                file_name(&p.source),
                if missing.len() == 1 { "" } else { "s" },
                missing
                    .iter()
                    .map(|m| format!("'{m}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            t.style("warning"),
        ));
    }
    lines.extend(summary_lines(
        t,
        p.comparison().unwrap_or(&r.comparison),
        against,
    ));
    if let Some(line) = r
        .accounts
        .as_ref()
        .filter(|_| p.overlay.is_none())
        .and_then(|a| super::accounts::summary_line(t, a))
    {
        lines.push(line);
    }
    let others: Vec<String> = r
        .other_journeys
        .iter()
        .filter(|(_, n, _)| *n > 0)
        .map(|(j, n, mean)| format!("{j}: {n} contacts, {:+.1} on average", mean))
        .collect();
    if p.overlay.is_none() && !others.is_empty() {
        lines.push(Line::from(vec![
            Span::styled("Other journeys changed: ", t.style("muted")),
            Span::styled(others.join(" · "), t.style("text")),
        ]));
    }
    let failing = app.personas.iter().filter(|p| !p.passed()).count();
    if failing > 0 {
        lines.push(Line::styled(
            format!(
                "{failing} persona{} fail{}: see the Personas panel",
                if failing == 1 { "" } else { "s" },
                if failing == 1 { "s" } else { "" }
            ),
            t.style("fail"),
        ));
    }
    f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}
