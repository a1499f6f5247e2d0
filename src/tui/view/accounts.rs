//! The preview at the account level: the accounts table (`a` switches to it from the
//! contacts), the contacts of one account (`Enter` on it) with their scores and roles, and the
//! what-if line counted in accounts.
//!
//! Only draws: every number was computed by the preview's step (`tui::accounts::step`) and is
//! read from the preview's newest result. Only the rows on screen are drawn.

use super::{block, fit, fit_line, highlight, text_width};
use crate::tui::accounts::{AccountsComputed, tier_move_words};
use crate::tui::app::App;
use crate::tui::preview::{Col, Preview};
use crate::tui::theme::Theme;
use crate::tui::tree::fmt_num;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

/// A score as the table shows it: one decimal.
fn pts(v: f64) -> String {
    format!("{v:.1}")
}

/// Draws the accounts table (or one account's contacts) into `area` when the preview shows
/// it; false when it shows the contacts.
pub fn draw_table(f: &mut Frame, app: &App, area: Rect) -> bool {
    let Some(p) = &app.preview else { return false };
    let Some(state) = &p.accounts_table else {
        return false;
    };
    let t = &app.theme;
    let focused = app.popups.is_empty();
    let accounts = p.result.as_ref().and_then(|r| r.accounts.clone());
    let Some(a) = accounts else {
        let b = block(app, " Accounts ".into(), focused);
        let inner = b.inner(area);
        f.render_widget(b, area);
        let text = if p.result.is_none() || p.pending {
            "scoring the accounts…"
        } else {
            "No accounts to show (no accounts block, or more than a column holds): a shows the contacts again."
        };
        f.render_widget(Line::styled(text, t.style("muted")), inner);
        return true;
    };
    let (title, table) = match &state.drill {
        Some(d) => drill_table(p, &a, d.account, &d.rows),
        None => accounts_table(&a),
    };
    let mut title = title;
    if p.pending {
        title.push_str("· recomputing… ");
    }
    let b = block(app, title, focused);
    let inner = b.inner(area);
    f.render_widget(b, area);
    let (cursor, offset) = match &state.drill {
        Some(d) => (d.cursor, d.offset),
        None => (state.cursor, state.offset),
    };
    draw_rows(f, t, &table, inner, cursor, offset, focused);
    true
}

/// A table to draw: the headings (each right-aligned or not) and the rows of text.
struct Table {
    headings: Vec<(String, bool)>,
    rows: Vec<Vec<String>>,
}

/// The accounts: id, contacts, each account journey's score, Δ on the main one against the
/// baseline, tier and segment.
fn accounts_table(a: &AccountsComputed) -> (String, Table) {
    let n = a.accounts.book.ids.len();
    let title = format!(" Accounts: {n} · Enter: its contacts · a: the contacts ");
    let mut headings = vec![("Account".to_string(), false), ("Contacts".into(), true)];
    headings.extend(
        a.model
            .journeys
            .iter()
            .map(|j| (j.title().to_string(), true)),
    );
    headings.extend([
        ("Δ".into(), true),
        ("Tier".into(), false),
        ("Segment".into(), false),
    ]);
    let rows = (0..n)
        .map(|k| {
            let mut row = vec![
                a.accounts.book.ids[k].clone(),
                a.accounts.book.states[k].contacts.to_string(),
            ];
            row.extend(
                a.accounts
                    .scored
                    .scores
                    .iter()
                    .map(|col| col.get(k).map_or_else(String::new, |s| pts(*s))),
            );
            row.push(
                a.comparison
                    .as_ref()
                    .and_then(|c| c.delta.get(k))
                    .map_or_else(String::new, |d| delta(*d)),
            );
            row.push(a.tier(k).to_string());
            row.push(a.segment(k).to_string());
            row
        })
        .collect();
    (title, Table { headings, rows })
}

/// A change of score: `+12.5`, `-3`, or empty when there is none.
fn delta(d: f64) -> String {
    let r = (d * 10.0).round() / 10.0;
    if r == 0.0 {
        String::new()
    } else if r > 0.0 {
        format!("+{}", fmt_num(r))
    } else {
        fmt_num(r)
    }
}

/// One account's contacts: id, each contact journey's score, tier, and the roles each holds.
fn drill_table(p: &Preview, a: &AccountsComputed, k: usize, rows: &[usize]) -> (String, Table) {
    let id = a.accounts.book.ids.get(k).map_or("", String::as_str);
    let title = format!(
        " Account {id}: {} contact{} · {} {} · Enter: back to the accounts ",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        a.tier(k),
        a.main_journey()
            .and_then(|j| a.accounts.scored.scores.get(j)?.get(k))
            .map_or_else(String::new, |s| pts(*s)),
    );
    let journeys = p.result.as_ref().map_or(0, |r| r.model.journeys.len());
    let mut headings = vec![(p.heading(Col::Id), false)];
    headings.extend((0..journeys).map(|j| (p.heading(Col::Score(j)), true)));
    headings.extend([("Tier".into(), false), ("Roles".into(), false)]);
    let table_rows = rows
        .iter()
        .map(|&row| {
            let mut cells = vec![p.cell(row, Col::Id)];
            cells.extend((0..journeys).map(|j| p.cell(row, Col::Score(j))));
            cells.push(p.cell(row, Col::Tier));
            cells.push(a.roles_of(row));
            cells
        })
        .collect();
    (
        title,
        Table {
            headings,
            rows: table_rows,
        },
    )
}

fn draw_rows(
    f: &mut Frame,
    t: &Theme,
    table: &Table,
    inner: Rect,
    cursor: usize,
    offset: usize,
    focused: bool,
) {
    let width = inner.width as usize;
    let height = inner.height.saturating_sub(1) as usize;
    let end = (offset + height).min(table.rows.len());
    let shown = &table.rows[offset.min(end)..end];
    // Each column as wide as its heading and the rows on screen, at most 24.
    let widths: Vec<usize> = table
        .headings
        .iter()
        .enumerate()
        .map(|(c, (h, _))| {
            shown
                .iter()
                .map(|r| r.get(c).map_or(0, |s| text_width(s)))
                .fold(text_width(h), usize::max)
                .clamp(1, 24)
        })
        .collect();
    let cells = |texts: Vec<(String, bool)>, style: &dyn Fn(usize) -> ratatui::style::Style| {
        let mut spans = Vec::new();
        for (c, ((s, right), w)) in texts.into_iter().zip(&widths).enumerate() {
            let s = fit(&crate::printable::printable(&s), *w);
            let s = if right {
                format!("{s:>w$} ")
            } else {
                format!("{s:<w$} ")
            };
            spans.push(Span::styled(s, style(c)));
        }
        fit_line(Line::from(spans), width)
    };
    let header = cells(table.headings.clone(), &|_| t.style("header"));
    f.render_widget(header, Rect { height: 1, ..inner });
    for (i, row) in shown.iter().enumerate() {
        let texts = row
            .iter()
            .cloned()
            .zip(table.headings.iter().map(|(_, r)| *r))
            .collect();
        let mut line = cells(texts, &|c| {
            if table.headings.get(c).is_some_and(|(_, r)| *r) {
                t.style("weight")
            } else {
                t.style("text")
            }
        });
        if offset + i == cursor {
            line = highlight(line, t.selection(focused));
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

/// The what-if in accounts: how many accounts changed their score on the account model's main
/// journey, and the tier moves in words (`2 accounts become hot, 1 account becomes cold`).
pub fn summary_line(t: &Theme, a: &AccountsComputed) -> Option<Line<'static>> {
    let c = a.comparison.as_ref()?;
    let n = a.accounts.book.ids.len();
    let moves = tier_move_words(c, &a.model);
    let mut spans = vec![Span::styled("Accounts: ", t.style("muted"))];
    if c.changed == 0 {
        spans.push(Span::styled(
            format!("no account's {} score changed ({n} accounts)", c.journey),
            t.style("muted"),
        ));
    } else {
        spans.push(Span::styled(
            format!("{} of {n} accounts", c.changed),
            t.style("weight"),
        ));
        spans.push(Span::styled(
            format!(" change their {} score", c.journey),
            t.style("text"),
        ));
    }
    if !moves.is_empty() {
        spans.push(Span::styled(" · ", t.style("muted")));
        spans.push(Span::styled(moves, t.style("ok")));
    }
    Some(Line::from(spans))
}
