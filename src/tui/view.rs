//! Drawing: the main screen (title, tree, detail pane, checks, status bar) and the pop-ups.
//!
//! Views take `&App` and only draw: no edits, no checks, no file access. Every style comes
//! from the theme's roles. Every text that may not fit is cut with an ellipsis (`fit`), and a
//! terminal smaller than 80x24 gets a message instead of a broken screen.

use super::app::{App, Focus, Tone};
use super::keys::Mode;
use super::ops::{ListRef, Node};
use super::popups::{Input, Picker, Popup, RuleForm};
use super::props::{self, EditKind, Prop};
use super::tree::{Row, RowKind};
use super::widgets::WeightGauge;
use crate::model::check::Severity;
use crate::model::weight::describe_sum;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// The smallest terminal the designer draws in.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// Where each part of the main screen goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Areas {
    pub title: Rect,
    pub tree: Rect,
    pub detail: Rect,
    pub diagnostics: Rect,
    pub status: Rect,
    pub hints: Rect,
}

/// The main screen's layout for a terminal area. The app uses it too, to map clicks.
pub fn layout(area: Rect) -> Areas {
    let diag = if area.height >= 40 {
        9
    } else if area.height >= 30 {
        7
    } else {
        5
    };
    let [title, body, diagnostics, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(6),
        Constraint::Length(diag),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let [tree, detail] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(body);
    Areas {
        title,
        tree,
        detail,
        diagnostics,
        status,
        hints,
    }
}

/// The first item shown of a list whose `selected` item must be visible in `height` rows.
pub fn list_offset(selected: usize, height: usize) -> usize {
    if height == 0 {
        selected
    } else {
        (selected + 1).saturating_sub(height)
    }
}

pub fn text_width(s: &str) -> usize {
    Span::raw(s).width()
}

/// `s` cut to `width` columns, ending with an ellipsis when cut.
pub fn fit(s: &str, width: usize) -> String {
    if text_width(s) <= width {
        s.to_string()
    } else {
        cut(s, width)
    }
}

/// The start of `s` and an ellipsis, in at most `width` columns.
fn cut(s: &str, width: usize) -> String {
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    let mut buf = [0u8; 4];
    for c in s.chars() {
        let w = text_width(c.encode_utf8(&mut buf));
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// A line cut to `width` columns, span by span, ending with an ellipsis when cut.
pub fn fit_line(line: Line<'_>, width: usize) -> Line<'static> {
    let style = line.style;
    let fits = line.width() <= width;
    let mut out: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for span in line.spans {
        let w = span.width();
        if fits || used + w < width {
            out.push(Span::styled(span.content.into_owned(), span.style));
            used += w;
        } else {
            out.push(Span::styled(cut(&span.content, width - used), span.style));
            break;
        }
    }
    Line::from(out).style(style)
}

/// A line drawn as selected: the selection's colours win over each span's own, so that a
/// coloured word never vanishes into the selection bar.
fn highlight(line: Line<'static>, style: Style) -> Line<'static> {
    let spans = line
        .spans
        .into_iter()
        .map(|s| Span::styled(s.content, s.style.patch(style)))
        .collect::<Vec<_>>();
    Line::from(spans).style(line.style.patch(style))
}

/// Draws the whole screen.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    let t = &app.theme;
    f.render_widget(Block::default().style(t.base()), area);
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        let msg = format!(
            "The terminal is {}x{}: the designer needs at least {}x{}. Make the window larger, or press q to quit.",
            area.width, area.height, MIN_SIZE.0, MIN_SIZE.1
        );
        let p = Paragraph::new(msg)
            .style(t.style("warning"))
            .wrap(Wrap { trim: true });
        f.render_widget(p, area);
        return;
    }
    let a = layout(area);
    draw_title(f, app, a.title);
    draw_tree(f, app, a.tree);
    draw_detail(f, app, a.detail);
    draw_diagnostics(f, app, a.diagnostics);
    draw_status(f, app, a.status);
    draw_hints(f, app, a.hints);
    for popup in &app.popups {
        draw_popup(f, app, popup, area);
    }
}

fn draw_title(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let file = app
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let right = format!(" theme: {} │ ? keys ", t.name);
    let mut spans = vec![
        Span::styled(" scorewright ", t.style("title")),
        Span::styled(format!("│ {file}"), t.style("text")),
    ];
    if app.is_dirty() {
        spans.push(Span::styled(" ● unsaved changes", t.style("dirty")));
    }
    spans.push(Span::styled(
        format!(" │ {}", app.model.name),
        t.style("muted"),
    ));
    let width = (area.width as usize).saturating_sub(text_width(&right));
    f.render_widget(fit_line(Line::from(spans), width), area);
    let r = Rect {
        x: area.right().saturating_sub(text_width(&right) as u16),
        width: text_width(&right) as u16,
        ..area
    };
    f.render_widget(Span::styled(right, t.style("muted")), r);
}

fn block<'a>(app: &App, title: String, focused: bool) -> Block<'a> {
    let t = &app.theme;
    Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(focused))
        .title(Span::styled(
            title,
            t.style(if focused { "title" } else { "header" }),
        ))
        .style(t.base())
}

fn icon(kind: RowKind) -> &'static str {
    match kind {
        RowKind::Section => "",
        RowKind::Journey => "◆ ",
        RowKind::Touchpoint => "● ",
        RowKind::Signal => "· ",
        RowKind::Adjustment => "± ",
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
        left.push(Span::styled(format!("  {}", row.detail), t.style("muted")));
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
        Node::Grades => "Grades",
        Node::Grade(_) => "Grade",
        Node::Tiers => "Tiers",
        Node::Tier(_) => "Tier",
        Node::Segments => "Segments",
        Node::Segment(_) => "Segment",
        Node::Fields => "Fields",
        Node::Field(_) => "Field",
    }
}

/// The gauges the detail pane shows for the selected node: its siblings', then its children's.
fn detail_gauges(app: &App) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    if let (Some((list, _)), Some(sum)) = (app.weighted_place(), app.sibling_sum()) {
        let label = match list {
            ListRef::Signals { .. } => "Signals",
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
            (_, Some(super::ops::Item::Touchpoint(t))) if !t.touchpoints.is_empty() => "Children",
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
    if let super::ops::Item::Signal(s) = &item {
        let words = props::describe_rule(&s.rule, &props::field_words(&app.model, &s.field));
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
        super::ops::Item::Journey(j) if room >= 7 && !j.touchpoints.is_empty() => {
            draw_pillar_shares(f, app, j, rest);
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

/// One bar per pillar: the share of the journey's weight it carries.
fn draw_pillar_shares(f: &mut Frame, app: &App, j: &crate::model::Journey, area: Rect) {
    let t = &app.theme;
    let shares = crate::model::check::pillar_shares(j);
    f.render_widget(
        Line::styled("Weight by pillar", t.style("muted")),
        Rect { height: 1, ..area },
    );
    let label_w = 16usize;
    let bar_w = (area.width as usize).saturating_sub(label_w + 8);
    for (i, (p, share)) in crate::model::Pillar::ALL.iter().zip(shares).enumerate() {
        let y = area.y + 1 + i as u16;
        if y >= area.bottom() {
            break;
        }
        let filled = ((bar_w as f64) * share / 100.0).round() as usize;
        let line = Line::from(vec![
            Span::styled(
                format!("{:<label_w$}", fit(p.label(), label_w - 1)),
                t.style("text"),
            ),
            Span::styled("█".repeat(filled.min(bar_w)), t.pillar(*p)),
            Span::styled(
                "░".repeat(bar_w - filled.min(bar_w)),
                t.style("gauge_empty"),
            ),
            Span::styled(
                format!(
                    " {:>5}%",
                    super::tree::fmt_num((share * 10.0).round() / 10.0)
                ),
                if share == 0.0 {
                    t.style("warning")
                } else {
                    t.style("muted")
                },
            ),
        ]);
        f.render_widget(
            fit_line(line, area.width as usize),
            Rect {
                y,
                height: 1,
                ..area
            },
        );
    }
}

fn prop_value(app: &App, item: &super::ops::Item, prop: Prop) -> Vec<Span<'static>> {
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
                vec![Span::styled(v, t.style("text"))]
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
        Node::Grades => format!(
            "{} grades: bands over a journey score (Fit A to D, Activity 1 to 4). a: add a grade.",
            m.grades.len()
        ),
        Node::Segments => format!(
            "{} segments, in order: the first that matches takes the contact; the last should catch everyone else. a: add a segment.",
            m.segments.len()
        ),
        Node::Fields => format!(
            "{} fields: the columns of contact data the model reads. a: add a field.",
            m.fields.len()
        ),
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
    let h = inner.height as usize;
    let offset = list_offset(app.diag_selected, h);
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
            Span::styled(d.message.clone(), t.style("text")),
            Span::styled(
                if d.at.is_empty() {
                    String::new()
                } else {
                    format!("  at {}", d.at)
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

fn draw_status(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let (e, w, q) = (app.errors(), app.warnings(), app.open_questions);
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let mut spans = vec![
        Span::styled(
            format!(" ✖ {}", plural(e, "error", "errors")),
            t.style(if e > 0 { "error" } else { "muted" }),
        ),
        Span::styled(
            format!("  ⚠ {}", plural(w, "warning", "warnings")),
            t.style(if w > 0 { "warning" } else { "muted" }),
        ),
        Span::styled(
            format!("  ? {}", plural(q, "open question", "open questions")),
            t.style(if q > 0 { "open_question" } else { "muted" }),
        ),
    ];
    if let Some(m) = &app.message {
        let role = match m.tone {
            Tone::Info => "info",
            Tone::Ok => "ok",
            Tone::Warning => "warning",
            Tone::Error => "error",
        };
        spans.push(Span::styled("  │ ", t.style("muted")));
        spans.push(Span::styled(m.text.clone(), t.style(role)));
    }
    f.render_widget(fit_line(Line::from(spans), area.width as usize), area);
}

/// The key hints of a mode, as spans: `a add  x delete ...`.
fn hint_spans(app: &App, mode: Mode) -> Vec<Span<'static>> {
    let t = &app.theme;
    let mut spans = vec![Span::raw(" ")];
    for b in app.keymap.hints(mode, app) {
        spans.push(Span::styled(b.first_key_text(), t.style("key")));
        spans.push(Span::styled(format!(" {}  ", b.label), t.style("muted")));
    }
    spans
}

fn draw_hints(f: &mut Frame, app: &App, area: Rect) {
    let line = Line::from(hint_spans(app, app.mode()));
    f.render_widget(fit_line(line, area.width as usize), area);
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width.saturating_sub(2));
    let h = height.min(area.height.saturating_sub(2));
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn popup_block(app: &App, title: &str, mode: Mode, width: u16) -> Block<'static> {
    let t = &app.theme;
    let hints = fit_line(
        Line::from(hint_spans(app, mode)),
        width.saturating_sub(4) as usize,
    );
    Block::default()
        .borders(Borders::ALL)
        .border_style(t.border(true))
        .title(Span::styled(
            format!(" {} ", fit(title, width.saturating_sub(6) as usize)),
            t.style("title"),
        ))
        .title_bottom(hints)
        .style(t.base())
}

fn draw_popup(f: &mut Frame, app: &App, popup: &Popup, area: Rect) {
    match popup {
        Popup::Input(i) => draw_input(f, app, i, area),
        Popup::Picker(p) => draw_picker(f, app, p, area),
        Popup::Rule(r) => draw_rule(f, app, r, area),
        Popup::Confirm(c) => {
            let r = centered(area, 60, 7);
            f.render_widget(Clear, r);
            let b = popup_block(app, &c.title, Mode::Confirm, r.width);
            let inner = b.inner(r);
            f.render_widget(b, r);
            let p = Paragraph::new(c.message.clone())
                .style(app.theme.style("text"))
                .wrap(Wrap { trim: true });
            f.render_widget(p, inner);
        }
        Popup::Help { scroll } => draw_help(f, app, *scroll, area),
    }
}

fn textarea_widget(
    app: &App,
    ta: &ratatui_textarea::TextArea<'static>,
    focused: bool,
) -> ratatui_textarea::TextArea<'static> {
    let t = &app.theme;
    let mut ta = ta.clone();
    ta.set_style(t.style("input"));
    ta.set_cursor_line_style(Style::default());
    if focused {
        ta.set_cursor_style(
            t.style("input")
                .add_modifier(ratatui::style::Modifier::REVERSED),
        );
    } else {
        ta.set_cursor_style(t.style("input"));
    }
    ta
}

fn draw_input(f: &mut Frame, app: &App, i: &Input, area: Rect) {
    let t = &app.theme;
    let height = if i.multiline { 14 } else { 7 };
    let r = centered(area, 72, height);
    f.render_widget(Clear, r);
    let mode = if i.multiline { Mode::Note } else { Mode::Input };
    let b = popup_block(app, &i.title, mode, r.width);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let text_h = if i.multiline {
        inner.height.saturating_sub(2)
    } else {
        1
    };
    let [text, msg, help] = Layout::vertical([
        Constraint::Length(text_h),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    f.render_widget(&textarea_widget(app, &i.text, true), text);
    let w = inner.width as usize;
    if let Some(e) = &i.error {
        f.render_widget(
            fit_line(Line::styled(format!("✖ {e}"), t.style("error")), w),
            msg,
        );
    } else if let Some(info) = &i.info {
        f.render_widget(fit_line(Line::styled(info.clone(), t.style("ok")), w), msg);
    }
    if !i.help.is_empty() {
        let p = Paragraph::new(i.help.clone())
            .style(t.style("muted"))
            .wrap(Wrap { trim: true });
        f.render_widget(p, help);
    }
}

fn draw_picker(f: &mut Frame, app: &App, p: &Picker, area: Rect) {
    let t = &app.theme;
    let visible = p.visible();
    let widest = p
        .items
        .iter()
        .map(|i| text_width(&i.label) + text_width(&i.detail) + 4)
        .max()
        .unwrap_or(0);
    let width = (widest.max(text_width(&p.title) + 6) as u16).clamp(40, 90);
    let r = centered(area, width, (visible.len() as u16 + 5).clamp(8, 20));
    f.render_widget(Clear, r);
    let b = popup_block(app, &p.title, Mode::Picker, r.width);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let [filter, list] = Layout::vertical([Constraint::Length(2), Constraint::Min(1)]).areas(inner);
    let [label, field] =
        Layout::horizontal([Constraint::Length(8), Constraint::Min(1)]).areas(Rect {
            height: 1,
            ..filter
        });
    f.render_widget(Span::styled("Filter: ", t.style("muted")), label);
    f.render_widget(&textarea_widget(app, &p.filter, true), field);
    let h = list.height as usize;
    let offset = list_offset(p.selected, h);
    let w = list.width as usize;
    for (i, item) in visible.iter().enumerate().skip(offset).take(h) {
        let line = Line::from(vec![
            Span::styled(item.label.clone(), t.style("text")),
            Span::styled(
                if item.detail.is_empty() {
                    String::new()
                } else {
                    format!("  {}", item.detail)
                },
                t.style("muted"),
            ),
        ]);
        let mut line = fit_line(line, w);
        if i == p.selected {
            line = highlight(line, t.selection(true));
        }
        f.render_widget(
            line,
            Rect {
                y: list.y + (i - offset) as u16,
                height: 1,
                ..list
            },
        );
    }
    if visible.is_empty() {
        f.render_widget(
            Line::styled("nothing matches", t.style("muted")),
            Rect { height: 1, ..list },
        );
    }
}

fn draw_rule(f: &mut Frame, app: &App, form: &RuleForm, area: Rect) {
    let t = &app.theme;
    let r = centered(area, 72, 8 + form.inputs.len() as u16 * 2);
    f.render_widget(Clear, r);
    let b = popup_block(
        app,
        &format!("Rule of '{}'", form.field),
        Mode::RuleForm,
        r.width,
    );
    let inner = b.inner(r);
    f.render_widget(b, r);
    let w = inner.width as usize;
    let label_w = 28.min(w / 2) as u16;
    let mut y = inner.y;
    let kind_line = Line::from(vec![
        Span::styled(
            format!("{:<width$}", "Kind", width = label_w as usize),
            t.style("muted"),
        ),
        Span::styled(format!("◂ {} ▸", form.kind_name()), t.style("text")),
    ]);
    let kind_line = if form.focus == 0 {
        highlight(kind_line, t.selection(true))
    } else {
        kind_line
    };
    f.render_widget(
        fit_line(kind_line, w),
        Rect {
            y,
            height: 1,
            ..inner
        },
    );
    y += 2;
    for (i, (label, ta)) in form.inputs.iter().enumerate() {
        let focused = form.focus == i + 1;
        let style = if focused {
            t.style("key")
        } else {
            t.style("muted")
        };
        f.render_widget(
            Span::styled(fit(label, (label_w as usize).saturating_sub(1)), style),
            Rect {
                y,
                height: 1,
                width: label_w,
                ..inner
            },
        );
        let field = Rect {
            x: inner.x + label_w,
            y,
            width: inner.width.saturating_sub(label_w),
            height: 1,
        };
        f.render_widget(&textarea_widget(app, ta, focused), field);
        y += 2;
    }
    let rest = Rect {
        y,
        height: inner.bottom().saturating_sub(y),
        ..inner
    };
    let line = match &form.result {
        Ok(rule) => Line::from(vec![
            Span::styled("What it does: ", t.style("muted")),
            Span::styled(props::describe_rule(rule, &form.field), t.style("ok")),
        ]),
        Err(e) => Line::styled(format!("✖ {e}"), t.style("error")),
    };
    f.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), rest);
}

/// Every binding, grouped by mode: the help screen's lines.
pub fn help_lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut lines = Vec::new();
    let modes = [
        Mode::Global,
        Mode::Tree,
        Mode::Detail,
        Mode::Diagnostics,
        Mode::Input,
        Mode::Note,
        Mode::Picker,
        Mode::RuleForm,
        Mode::Confirm,
        Mode::Help,
    ];
    for mode in modes {
        let bs: Vec<_> = app
            .keymap
            .bindings
            .iter()
            .filter(|b| b.mode == mode)
            .collect();
        if bs.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        lines.push(Line::styled(mode.title().to_string(), t.style("header")));
        for b in bs {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<22}", b.keys_text()), t.style("key")),
                Span::styled(b.label.to_string(), t.style("text")),
            ]));
        }
    }
    lines
}

fn draw_help(f: &mut Frame, app: &App, scroll: u16, area: Rect) {
    let r = centered(area, 70, area.height.saturating_sub(2));
    f.render_widget(Clear, r);
    let b = popup_block(app, "Keys", Mode::Help, r.width);
    let inner = b.inner(r);
    f.render_widget(b, r);
    let lines = help_lines(app);
    let max = (lines.len() as u16).saturating_sub(inner.height);
    let w = inner.width as usize;
    let lines: Vec<Line> = lines.into_iter().map(|l| fit_line(l, w)).collect();
    f.render_widget(Paragraph::new(lines).scroll((scroll.min(max), 0)), inner);
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        assert_eq!(fit("hello", 5), "hello");
        assert_eq!(fit("hello world", 8), "hello w…");
        assert_eq!(fit("hello", 0), "");
        let l = fit_line(Line::from(vec![Span::raw("abc"), Span::raw("defgh")]), 6);
        assert_eq!(l.to_string(), "abcde…");
        let l = fit_line(Line::from(vec![Span::raw("abc"), Span::raw("def")]), 6);
        assert_eq!(l.to_string(), "abcdef");
    }
}
