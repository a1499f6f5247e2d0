//! Drawing the pop-ups: text boxes, pickers, the rule form, questions and the key list.
//!
//! Each pop-up shows the keys that work in it along its bottom border, from the key table.

use super::{fit, fit_line, highlight, hint_spans, list_offset, text_width};
use crate::tui::app::App;
use crate::tui::keys::Mode;
use crate::tui::popups::{Input, Picker, Popup, RuleForm};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

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
            format!(
                " {} ",
                fit(
                    &crate::printable::printable(title),
                    width.saturating_sub(6) as usize
                )
            ),
            t.style("title"),
        ))
        .title_bottom(hints)
        .style(t.base())
}

pub fn draw_popup(f: &mut Frame, app: &App, popup: &Popup, area: Rect) {
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
            let p = Paragraph::new(crate::printable::printable_lines(&c.message).into_owned())
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
    if i.multiline {
        draw_wrapped(f, app, &i.text, text);
    } else {
        f.render_widget(&textarea_widget(app, &i.text, true), text);
    }
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

/// Where a line of `width` columns breaks: after the last space that fits, else at the width.
/// Each piece is a range of char indices; an empty line is one empty piece.
fn wrap_points(line: &[char], width: usize) -> Vec<(usize, usize)> {
    let width = width.max(1);
    let mut out = Vec::new();
    let mut start = 0;
    while line.len() - start > width {
        let end = (start + 1..start + width)
            .rev()
            .find(|&i| line[i - 1] == ' ')
            .unwrap_or(start + width);
        out.push((start, end));
        start = end;
    }
    out.push((start, line.len()));
    out
}

/// The note editor's text, wrapped at the box's width (the text area itself does not wrap),
/// scrolled so that the cursor's row is in view; the cursor is the reversed cell.
fn draw_wrapped(f: &mut Frame, app: &App, text: &ratatui_textarea::TextArea, area: Rect) {
    let t = &app.theme;
    let cursor = text.cursor();
    let (crow, ccol) = (cursor.0, cursor.1);
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut cursor_row = 0;
    for (r, line) in text.lines().iter().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let pieces = wrap_points(&chars, area.width.saturating_sub(1) as usize);
        let last = pieces.len() - 1;
        for (k, (a, b)) in pieces.into_iter().enumerate() {
            let piece: String = chars[a..b].iter().collect();
            let here = r == crow && ccol >= a && (ccol < b || (k == last && ccol == b));
            if !here {
                rows.push(Line::styled(piece, t.style("input")));
                continue;
            }
            cursor_row = rows.len();
            let at = ccol - a;
            let before: String = chars[a..a + at].iter().collect();
            let under: String = chars
                .get(ccol)
                .filter(|_| ccol < b)
                .map_or(" ".into(), |c| c.to_string());
            let after: String = chars[(a + at + 1).min(b)..b].iter().collect();
            rows.push(Line::from(vec![
                Span::styled(before, t.style("input")),
                Span::styled(
                    under,
                    t.style("input")
                        .add_modifier(ratatui::style::Modifier::REVERSED),
                ),
                Span::styled(after, t.style("input")),
            ]));
        }
    }
    let h = area.height as usize;
    let skip = list_offset(cursor_row, h);
    f.render_widget(Block::default().style(t.style("input")), area);
    for (i, line) in rows.into_iter().skip(skip).take(h).enumerate() {
        f.render_widget(
            line,
            Rect {
                y: area.y + i as u16,
                height: 1,
                ..area
            },
        );
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
            Span::styled(rule.words(&form.field), t.style("ok")),
        ]),
        Err(e) => Line::styled(format!("✖ {e}"), t.style("error")),
    };
    f.render_widget(Paragraph::new(line).wrap(Wrap { trim: true }), rest);
}

/// Every binding, grouped by mode: the help screen's lines.
pub fn help_lines(app: &App) -> Vec<Line<'static>> {
    let t = &app.theme;
    let mut lines = Vec::new();
    // The keys of the pane the user is on come first, then the keys that work everywhere.
    let here = app.pane_mode();
    let mut modes = vec![here, Mode::Global];
    modes.extend(
        [
            Mode::Tree,
            Mode::Detail,
            Mode::Diagnostics,
            Mode::Map,
            Mode::Preview,
            Mode::Tuning,
            Mode::Signals,
            Mode::Input,
            Mode::Note,
            Mode::Picker,
            Mode::RuleForm,
            Mode::Confirm,
            Mode::Help,
        ]
        .into_iter()
        .filter(|m| *m != here),
    );
    // A global key the current pane binds itself means the pane's action here (`/` filters
    // the preview, not the tree): help lists it with the pane, not as "everywhere".
    let shadowed = |g: &crate::tui::keys::Binding| {
        here.is_pane()
            && g.mode == Mode::Global
            && app
                .keymap
                .bindings
                .iter()
                .any(|b| b.mode == here && b.keys.iter().any(|k| g.keys.contains(k)))
    };
    for mode in modes {
        let bs: Vec<_> = app
            .keymap
            .bindings
            .iter()
            .filter(|b| b.mode == mode && !shadowed(b))
            .collect();
        if bs.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Line::raw(""));
        }
        let title = match mode {
            Mode::Global => {
                "Everywhere on the model, map and preview screens (a pane's own key wins)"
            }
            m if m == here => &format!("{} (where you are)", m.title()),
            m => m.title(),
        };
        lines.push(Line::styled(title.to_string(), t.style("header")));
        for b in bs {
            lines.push(Line::from(vec![
                Span::styled(format!("  {:<22}", b.keys_text()), t.style("key")),
                Span::styled(b.label.to_string(), t.style("text")),
            ]));
        }
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("Mouse", t.style("header")));
    for (what, does) in [
        (
            "click",
            "selects a row, a card, a property, a check or a contact",
        ),
        ("wheel", "scrolls the pane under the pointer, and this help"),
    ] {
        lines.push(Line::from(vec![
            Span::styled(format!("  {what:<22}"), t.style("key")),
            Span::styled(does.to_string(), t.style("text")),
        ]));
    }
    lines.push(Line::from(vec![
        Span::styled(format!("  {:<22}", "Ctrl-j / Ctrl-k"), t.style("key")),
        Span::styled(
            "in a text box: delete to the start / to the end (Ctrl-u undoes typing)".to_string(),
            t.style("text"),
        ),
    ]));
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
