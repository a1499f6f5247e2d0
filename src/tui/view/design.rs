//! The design screen: the model's tree, the detail pane of the selected node, and the checks.
//!
//! Only draws `&App`; the layout comes from `view::layout`, so that clicks map to the same
//! rows the user sees.

use super::{block, fit, fit_line, highlight, list_offset, text_width};
use crate::model::check::Severity;
use crate::model::weight::describe_sum;
use crate::printable::printable;
use crate::tui::app::{App, Focus};
use crate::tui::ops::{ListRef, Node};
use crate::tui::props::{self, EditKind, Prop};
use crate::tui::tree::{Row, RowKind};
use crate::tui::widgets::WeightGauge;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

/// Draws the design screen's three panes.
pub fn draw(f: &mut Frame, app: &App, areas: &super::Areas) {
    draw_tree(f, app, areas.tree);
    draw_detail(f, app, areas.detail);
    draw_diagnostics(f, app, areas.diagnostics);
}

fn icon(kind: RowKind) -> &'static str {
    match kind {
        RowKind::Section => "",
        RowKind::Journey => "◆ ",
        RowKind::Touchpoint => "● ",
        RowKind::Signal => "· ",
        RowKind::Adjustment => "± ",
        RowKind::Part => "◇ ",
        RowKind::Item => "• ",
    }
}

fn draw_tree(f: &mut Frame, app: &App, area: Rect) {
    let focused = app.focus == Focus::Tree && app.popups.is_empty();
    let b = block(app, " Model ".into(), focused);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let width = inner.width as usize;
    for (i, row) in app
        .rows
        .iter()
        .enumerate()
        .skip(app.tree_offset)
        .take(inner.height as usize)
    {
        let y = inner.y + (i - app.tree_offset) as u16;
        let line = tree_line(app, row, width);
        let r = Rect {
            y,
            height: 1,
            ..inner
        };
        let line = if i == app.selected {
            highlight(line, app.theme.selection(focused))
        } else {
            line
        };
        f.render_widget(line, r);
    }
}

fn tree_line(app: &App, row: &Row, width: usize) -> Line<'static> {
    let t = &app.theme;
    let mut right: Vec<Span> = Vec::new();
    if let Some(sum) = row.group_sum {
        let style = t.style(if sum == crate::model::weight::FULL {
            "gauge_ok"
        } else {
            "gauge_warning"
        });
        let full = sum == crate::model::weight::FULL;
        // Narrow trees keep the title readable: a tick for a sound group, the sum otherwise
        // (the detail pane's gauge says how much is left).
        let text = match (width >= 50, full, row.kind) {
            (true, _, _) | (false, true, RowKind::Journey) => format!("Σ {}", describe_sum(sum)),
            (false, true, _) => "✓".to_string(),
            (false, false, _) => format!("Σ {}%", crate::model::Weight(sum)),
        };
        right.push(Span::styled(text, style));
    }
    if let Some(w) = row.weight {
        right.push(Span::styled(
            format!("{:>6}", format!("{w}%")),
            t.style("weight"),
        ));
    }
    if let Some(p) = row.points {
        let s = format!("{:+}", p);
        let s = s.trim_end_matches(".0").to_string();
        right.push(Span::styled(
            format!("{s:>7}"),
            t.style(if p < 0.0 { "negative" } else { "ok" }),
        ));
    }
    let right_w: usize = right.iter().map(|s| s.width() + 1).sum();
    let indent = "  ".repeat(row.depth as usize);
    let title_style = match row.kind {
        RowKind::Section | RowKind::Journey => t.style("header"),
        _ => t.style("text"),
    };
    let mut left = vec![
        Span::raw(indent),
        Span::styled(icon(row.kind), t.style("muted")),
        Span::styled(row.title.clone(), title_style),
    ];
    if row.open_question {
        left.push(Span::styled(" ?", t.style("open_question")));
    }
    if row.hidden > 0 {
        left.push(Span::styled(format!(" ▸{}", row.hidden), t.style("key")));
    }
    if !row.detail.is_empty() {
        left.push(Span::styled(
            format!("  {}", printable(&row.detail)),
            t.style("muted"),
        ));
    }
    let left_w = width.saturating_sub(right_w);
    let left = fit_line(Line::from(left), left_w);
    let pad = left_w.saturating_sub(left.width());
    let mut spans = left.spans;
    spans.push(Span::raw(" ".repeat(pad)));
    for s in right {
        spans.push(Span::raw(" "));
        spans.push(s);
    }
    fit_line(Line::from(spans), width)
}

/// The name of a node's kind, for the detail pane's title.
fn kind_name(node: &Node) -> &'static str {
    match node {
        Node::Model => "Model",
        Node::Journeys => "Journeys",
        Node::Journey(_) => "Journey",
        Node::Touchpoint { path, .. } if path.len() > 1 => "Child touchpoint",
        Node::Touchpoint { .. } => "Touchpoint",
        Node::Signal { .. } => "Signal",
        Node::Adjustment { .. } => "Adjustment",
        Node::Part { .. } => "Part",
        Node::Grades => "Grades",
        Node::Grade(_) => "Grade",
        Node::Matrix => "Matrix",
        Node::Tiers => "Tiers",
        Node::Tier(_) => "Tier",
        Node::Segments => "Segments",
        Node::Segment(_) => "Segment",
        Node::Personas => "Personas",
        Node::Persona(_) => "Persona",
        Node::Samples => "Samples",
        Node::Sample(_) => "Sample",
        Node::Fields => "Fields",
        Node::Field(_) => "Field",
        Node::Account(n) => match **n {
            Node::Journeys => "Accounts",
            Node::Journey(_) => "Account journey",
            Node::Touchpoint { .. } => "Account touchpoint",
            Node::Signal { .. } => "Account signal",
            Node::Field(_) => "Roll-up or role",
            ref n => kind_name(n),
        },
    }
}

/// The gauges the detail pane shows for the selected node: its siblings', then its children's.
fn detail_gauges(app: &App) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    if let (Some((list, _)), Some(sum)) = (app.weighted_place(), app.sibling_sum()) {
        // An account node's group is named as the contact level's.
        let list = match list {
            ListRef::Account(l) => *l,
            l => l,
        };
        let label = match list {
            ListRef::Signals { .. } => "Signals",
            ListRef::Parts { .. } => "Parts",
            ListRef::Touchpoints { parent, .. } if parent.is_empty() => "Touchpoints",
            _ => "Children",
        };
        out.push((label.to_string(), sum));
    }
    let node = app.node();
    if let Some(row) = app.rows.get(app.selected)
        && let Some(sum) = row.group_sum
    {
        let what = match (&node, node.item(&app.model)) {
            (Node::Journey(_), _) => "Touchpoints",
            (Node::Account(n), _) if matches!(**n, Node::Journey(_)) => "Touchpoints",
            (_, Some(crate::tui::ops::Item::Touchpoint(t))) if !t.touchpoints.is_empty() => {
                "Children"
            }
            _ => "Signals",
        };
        out.push((what.to_string(), sum));
    }
    out
}

/// Lines above the property list in the detail pane.
fn detail_header_height(app: &App) -> u16 {
    2 + detail_gauges(app).len() as u16
}

/// The height of the detail pane's property list.
fn detail_list_height(app: &App, inner: Rect) -> usize {
    let extra = if matches!(app.node(), Node::Signal { .. }) {
        3
    } else {
        0
    };
    (inner
        .height
        .saturating_sub(detail_header_height(app) + extra))
    .max(1) as usize
}

/// The property under a screen row of the detail pane, for clicks.
pub fn detail_prop_at(app: &App, area: Rect, row: u16) -> Option<usize> {
    let inner = Block::default().borders(Borders::ALL).inner(area);
    let top = inner.y + detail_header_height(app);
    if row < top {
        return None;
    }
    let offset = list_offset(app.prop_selected, detail_list_height(app, inner));
    let i = offset + (row - top) as usize;
    (i < app.props().len()).then_some(i)
}

fn draw_detail(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let focused = app.focus == Focus::Detail && app.popups.is_empty();
    let node = app.node();
    let b = block(app, format!(" {} ", kind_name(&node)), focused);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let width = inner.width as usize;
    let mut y = inner.y;
    let title = app
        .item()
        .map(|i| i.title())
        .unwrap_or_else(|| kind_name(&node).to_string());
    f.render_widget(
        fit_line(Line::styled(title, t.style("title")), width),
        Rect {
            y,
            height: 1,
            ..inner
        },
    );
    y += 1;
    for (label, sum) in detail_gauges(app) {
        f.render_widget(
            WeightGauge {
                label: &label,
                sum,
                theme: t,
            },
            Rect {
                y,
                height: 1,
                ..inner
            },
        );
        y += 1;
    }
    y += 1;
    let props = app.props();
    let Some(item) = app.item() else {
        let text = section_help(app, &node);
        let p = Paragraph::new(text)
            .style(t.style("muted"))
            .wrap(Wrap { trim: true });
        f.render_widget(
            p,
            Rect {
                y,
                height: inner.bottom().saturating_sub(y),
                ..inner
            },
        );
        return;
    };
    let list_h = detail_list_height(app, inner);
    let offset = list_offset(app.prop_selected, list_h);
    let label_w = props
        .iter()
        .map(|p| text_width(p.label()))
        .max()
        .unwrap_or(0)
        .min(width / 2)
        .min(15);
    for (i, prop) in props.iter().enumerate().skip(offset).take(list_h) {
        if y >= inner.bottom() {
            break;
        }
        let value = prop_value(app, &item, *prop);
        let label = fit(prop.label(), label_w);
        let mut spans = vec![Span::styled(
            format!("{label:<label_w$} "),
            t.style("muted"),
        )];
        spans.extend(value);
        let mut line = fit_line(Line::from(spans), width);
        if i == app.prop_selected {
            line = highlight(line, t.selection(focused));
        }
        f.render_widget(
            line,
            Rect {
                y,
                height: 1,
                ..inner
            },
        );
        y += 1;
    }
    if let crate::tui::ops::Item::Signal(s) = &item {
        let words = s.words_in(&app.model);
        let rest = Rect {
            y: inner.bottom().saturating_sub(3).max(y),
            height: 3.min(inner.bottom().saturating_sub(y)),
            ..inner
        };
        let text = Text::from(vec![Line::from(vec![
            Span::styled("What it does: ", t.style("muted")),
            Span::styled(words, t.style("info")),
        ])]);
        f.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), rest);
        return;
    }
    // Below the properties, if there is room: how a journey's weight spreads over the Six
    // Pillars, or the whole note (the list shows only its first line).
    let room = inner.bottom().saturating_sub(y + 1);
    let rest = Rect {
        y: y + 1,
        height: room,
        ..inner
    };
    match &item {
        crate::tui::ops::Item::Journey(j) if room >= 7 && !j.touchpoints.is_empty() => {
            draw_pillar_shares(f, app, j, rest);
        }
        crate::tui::ops::Item::Persona(_) if room >= 2 => {
            if let Node::Persona(i) = node
                && let Some(r) = app.personas.get(i)
            {
                f.render_widget(
                    Paragraph::new(persona_lines(app, r)).wrap(Wrap { trim: true }),
                    rest,
                );
            }
        }
        _ => {
            let note = props::raw(&item, Prop::Note);
            if room >= 2 && note.contains('\n') {
                let mut lines = vec![Line::styled("Note", t.style("muted"))];
                lines.extend(
                    note.lines()
                        .map(|l| Line::styled(l.to_string(), t.style("text"))),
                );
                f.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
            }
        }
    }
}

/// What a persona gets with the model as it is now, and whether that is what was agreed.
fn persona_lines(app: &App, r: &crate::engine::PersonaResult) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut gets: Vec<String> = r
        .scores
        .iter()
        .map(|(j, s)| {
            format!(
                "{j} {}",
                crate::tui::tree::fmt_num((s * 10.0).round() / 10.0)
            )
        })
        .collect();
    for (what, v) in [
        ("tier", &r.tier),
        ("rating", &r.rating),
        ("segment", &r.segment),
    ] {
        if let Some(v) = v {
            gets.push(format!("{what} {v}"));
        }
    }
    let mut lines = vec![Line::from(vec![
        Span::styled("Gets: ", t.style("muted")),
        Span::styled(gets.join(", "), t.style("text")),
    ])];
    if r.passed() {
        lines.push(Line::styled("✓ as expected", t.style("pass")));
    } else {
        for failure in &r.failures {
            lines.push(Line::styled(format!("✗ {failure}"), t.style("fail")));
        }
    }
    lines
}

/// One bar per pillar: the share of the journey's weight it carries.
fn draw_pillar_shares(f: &mut Frame, app: &App, j: &crate::model::Journey, area: Rect) {
    let t = &app.theme;
    f.render_widget(
        Line::styled("Weight by pillar", t.style("muted")),
        Rect { height: 1, ..area },
    );
    f.render_widget(
        crate::tui::widgets::PillarBars {
            shares: crate::model::check::pillar_shares(j),
            theme: t,
        },
        Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        },
    );
}

fn prop_value(app: &App, item: &crate::tui::ops::Item, prop: Prop) -> Vec<Span<'static>> {
    let t = &app.theme;
    match prop.edit_kind() {
        EditKind::Toggle => {
            let on = props::raw(item, prop) == "yes";
            let style = match prop {
                Prop::Pillar(p) if on => t.pillar(p),
                Prop::OpenQuestion if on => t.style("open_question"),
                _ if on => t.style("text"),
                _ => t.style("muted"),
            };
            vec![Span::styled(if on { "[x]" } else { "[ ]" }, style)]
        }
        EditKind::Weight => vec![Span::styled(
            format!("{}%", props::raw(item, prop)),
            t.style("weight"),
        )],
        _ => {
            let v = props::display(item, prop, &app.model);
            if v.is_empty() {
                vec![Span::styled("—", t.style("muted"))]
            } else {
                vec![Span::styled(printable(&v).into_owned(), t.style("text"))]
            }
        }
    }
}

fn section_help(app: &App, node: &Node) -> String {
    let m = &app.model;
    match node {
        Node::Journeys => format!(
            "{} journeys. Each yields a score from 0 to 100; its touchpoints' weights sum to 100%. a: add a journey.",
            m.journeys.len()
        ),
        Node::Grades => {
            let mut text = format!(
                "{} grades: bands over a journey score (Fit A to D, Activity 1 to 4). a: add a grade.",
                m.grades.len()
            );
            if let Some(x) = &m.matrix {
                text.push_str(&format!(
                    "\n\nMatrix: {} by {}. Green: {}. Amber: {}.",
                    x.rows,
                    x.columns,
                    crate::tui::tree::ratings(&x.green),
                    crate::tui::tree::ratings(&x.amber),
                ));
            }
            text
        }
        Node::Segments => format!(
            "{} segments, in order: the first that matches takes the contact; the last should catch everyone else. a: add a segment.",
            m.segments.len()
        ),
        Node::Personas => format!(
            "{} personas: made-up contacts the room agreed on, each with the values it has and what it should get. A persona that gets something else is a check error; the preview's Personas panel shows each one passing or failing. a: add a persona.",
            m.personas.len()
        ),
        Node::Samples => format!(
            "{} samples: contacts kept in the model, which the preview scores when no contacts file is given. a: add a sample.",
            m.samples.len()
        ),
        Node::Fields => format!(
            "{} fields: the columns of contact data the model reads. a: add a field.",
            m.fields.len()
        ),
        Node::Account(n) => match (&**n, &m.accounts) {
            (Node::Journeys, Some(a)) => format!(
                "The account level: contacts grouped by their '{}' column, each account scored by {} journey{} over its {} roll-up{} and {} role{}. +/-, digits, b/v/B move its weights, as the contacts'; the roll-ups and roles are edited in the file.",
                a.id_column,
                a.journeys.len(),
                if a.journeys.len() == 1 { "" } else { "s" },
                a.rollups.len(),
                if a.rollups.len() == 1 { "" } else { "s" },
                a.roles.len(),
                if a.roles.len() == 1 { "" } else { "s" },
            ),
            (Node::Fields, _) => "The account model's fields: each roll-up (a number over the account's contacts) and role (true when an engaged contact holds it), as the accounts block defines them.".into(),
            _ => String::new(),
        },
        _ => String::new(),
    }
}

fn draw_diagnostics(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let focused = app.focus == Focus::Diagnostics && app.popups.is_empty();
    let title = if app.diagnostics.is_empty() {
        " Checks: all good ".to_string()
    } else {
        let (e, w) = (app.errors(), app.warnings());
        format!(
            " Checks: {e} error{}, {w} warning{} ",
            if e == 1 { "" } else { "s" },
            if w == 1 { "" } else { "s" }
        )
    };
    let b = block(app, title, focused);
    let inner = b.inner(area);
    f.render_widget(b, area);
    if app.diagnostics.is_empty() {
        let ok = Line::styled(
            "No errors, no warnings: the model is ready to preview and deploy.",
            t.style("ok"),
        );
        f.render_widget(fit_line(ok, inner.width as usize), inner);
        return;
    }
    let total = app.diagnostics.len();
    let mut h = inner.height as usize;
    // When not all fit, the last row says how many more there are (errors come first).
    let more_row = total > h && h > 1;
    if more_row {
        h -= 1;
    }
    let offset = list_offset(app.diag_selected, h);
    if more_row {
        let below = total.saturating_sub(offset + h);
        let errors_below = app
            .diagnostics
            .iter()
            .skip(offset + h)
            .filter(|d| d.severity == Severity::Error)
            .count();
        let text = match (offset, below) {
            (0, n) => format!("▼ {n} more"),
            (above, 0) => format!("▲ {above} more above"),
            (above, n) => format!("▲ {above} above · ▼ {n} more"),
        };
        let text = if errors_below > 0 {
            format!("{text} ({errors_below} errors)  Tab, ↓ to see them")
        } else {
            format!("{text}  Tab, ↓ to see them")
        };
        f.render_widget(
            Line::styled(
                fit(&text, inner.width as usize),
                t.style(if errors_below > 0 { "error" } else { "muted" }),
            ),
            Rect {
                y: inner.y + h as u16,
                height: 1,
                ..inner
            },
        );
    }
    for (i, d) in app.diagnostics.iter().enumerate().skip(offset).take(h) {
        let (mark, style) = match d.severity {
            Severity::Error => ("✖ ", t.style("error")),
            Severity::Warning => ("⚠ ", t.style("warning")),
        };
        let line = Line::from(vec![
            Span::styled(mark, style),
            Span::styled(
                d.line.map(|l| format!("line {l}: ")).unwrap_or_default(),
                t.style("muted"),
            ),
            Span::styled(printable(&d.message).into_owned(), t.style("text")),
            Span::styled(
                if d.at.is_empty() {
                    String::new()
                } else {
                    format!("  at {}", printable(&d.at))
                },
                t.style("muted"),
            ),
        ]);
        let mut line = fit_line(line, inner.width as usize);
        if i == app.diag_selected && focused {
            line = highlight(line, t.selection(true));
        }
        f.render_widget(
            line,
            Rect {
                y: inner.y + (i - offset) as u16,
                height: 1,
                ..inner
            },
        );
    }
}
