//! Drawing: the main screen (title, tree, detail pane, checks, status bar) and the pop-ups.
//!
//! Views take `&App` and only draw: no edits, no checks, no file access. Every style comes
//! from the theme's roles. Every text that may not fit is cut with an ellipsis (`fit`), and a
//! terminal smaller than 80x24 gets a message instead of a broken screen.

pub mod accounts;
pub mod design;
pub mod map;
pub mod popups;
pub mod preview;

pub use design::detail_prop_at;
pub use popups::help_lines;

use super::app::{App, Screen, Tone};
use super::keys::Mode;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

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
pub(crate) fn highlight(line: Line<'static>, style: Style) -> Line<'static> {
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
    match app.screen {
        Screen::Design => design::draw(f, app, &a),
        Screen::Preview => preview::draw(f, app, &a),
        Screen::Map(_) => map::draw(f, app, &a),
    }
    draw_status(f, app, a.status);
    draw_hints(f, app, a.hints);
    for popup in &app.popups {
        popups::draw_popup(f, app, popup, area);
    }
}

fn draw_title(f: &mut Frame, app: &App, area: Rect) {
    let t = &app.theme;
    let file = app
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // Without colour every theme looks the same: no theme to name.
    let right = if t.is_plain() {
        " ? keys ".to_string()
    } else {
        format!(" theme: {} │ ? keys ", t.name)
    };
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

pub(crate) fn block<'a>(app: &App, title: String, focused: bool) -> Block<'a> {
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
        spans.push(Span::styled(
            crate::printable::printable(&m.text).into_owned(),
            t.style(role),
        ));
    }
    f.render_widget(fit_line(Line::from(spans), area.width as usize), area);
}

/// The key hints of a mode, as spans: `a add  x delete ...`.
pub(crate) fn hint_spans(app: &App, mode: Mode) -> Vec<Span<'static>> {
    hint_spans_in(app, mode, usize::MAX)
}

/// The key hints of a mode in at most `width` columns. The ways out and to the other screens
/// (help, preview, map, quit) are never cut: they stand at the end, and the other hints are
/// cut before them.
fn hint_spans_in(app: &App, mode: Mode, width: usize) -> Vec<Span<'static>> {
    use super::app::Action;
    let t = &app.theme;
    let mut others = Vec::new();
    let mut kept = Vec::new();
    for b in app.keymap.hints(mode, app) {
        let (keys, label) = match b.hint_as {
            Some((k, l)) => (k.to_string(), l),
            None => (b.first_key_text(), b.label),
        };
        let pair = [
            Span::styled(keys, t.style("key")),
            Span::styled(format!(" {label}  "), t.style("muted")),
        ];
        let rank = match b.action {
            Action::TogglePreview => 0,
            Action::ToggleMap => 1,
            Action::Help => 2,
            Action::Quit => 3,
            _ => {
                others.extend(pair);
                continue;
            }
        };
        kept.push((rank, pair));
    }
    kept.sort_by_key(|(rank, _)| *rank);
    let kept: Vec<Span<'static>> = kept.into_iter().flat_map(|(_, pair)| pair).collect();
    let kept_w: usize = kept.iter().map(Span::width).sum();
    // Whole hints only: a hint cut in half tells nothing.
    let room = width.saturating_sub(kept_w);
    let mut spans = vec![Span::raw(" ")];
    let mut used = 1;
    for pair in others.chunks(2) {
        let w: usize = pair.iter().map(Span::width).sum();
        if used + w > room {
            break;
        }
        used += w;
        spans.extend(pair.iter().cloned());
    }
    spans.extend(kept);
    spans
}

fn draw_hints(f: &mut Frame, app: &App, area: Rect) {
    let line = Line::from(hint_spans_in(app, app.mode(), area.width as usize));
    f.render_widget(fit_line(line, area.width as usize), area);
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
