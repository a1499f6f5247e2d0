//! The journey map screen: each journey a lane of touchpoint cards under its stage's column,
//! with the lane's 100% gauge on its header line; or, with `g`, the Six Pillars grid of the
//! same touchpoints.
//!
//! Layout is computed here once (`board`, `grid_rows`) and used both to draw and, through
//! `node_at`, to map clicks, so a click lands on the card the user sees. When the lanes do not
//! fit the height, the lanes nearest the selection keep their cards and the others fold to
//! their header line, so every lane's gauge stays in view; a lane with more cards than fit
//! the width scrolls sideways to the selected card and says how many are hidden.

use super::{Areas, block, fit, fit_line, highlight, list_offset, text_width};
use crate::model::check::{dominant_pillar, pillar_gaps, pillar_shares, touchpoint_pillar_shares};
use crate::model::weight::FULL;
use crate::model::{Ending, Journey, Pillar, Stage, Touchpoint};
use crate::tui::app::{App, Screen};
use crate::tui::map::{card_node, owner_word, pillar_short, place};
use crate::tui::ops::Node;
use crate::tui::tree::fmt_num;
use crate::tui::widgets::WeightGauge;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

/// A card's height: its border and four lines.
const CARD_H: u16 = 6;
/// The narrowest and widest a card is drawn.
const MIN_CARD_W: u16 = 18;
const MAX_CARD_W: u16 = 30;
/// The room the lane's gauge takes on its header line, at most.
const GAUGE_W: u16 = 34;

/// The map's area: the whole screen between the title and the status bar.
pub fn area(a: &Areas) -> Rect {
    a.tree.union(a.detail).union(a.diagnostics)
}

/// Draws the map screen: the board or the grid.
pub fn draw(f: &mut Frame, app: &App, areas: &Areas) {
    let area = area(areas);
    let grid = matches!(app.screen, Screen::Map(s) if s.grid);
    let title = if grid {
        " Six Pillars: the weight each touchpoint carries per pillar (g: cards) "
    } else {
        " Journey map (g: Six Pillars grid) "
    };
    let b = block(app, title.into(), app.popups.is_empty());
    let inner = b.inner(area);
    f.render_widget(b, area);
    if app.model.journeys.is_empty() {
        let line = Line::styled(
            " No journeys yet: m goes to the tree, where a adds one.",
            app.theme.style("muted"),
        );
        f.render_widget(line, inner);
        return;
    }
    if grid {
        draw_grid(f, app, inner);
    } else {
        draw_board(f, app, inner);
    }
}

/// The node under a click on the map, if any.
pub fn node_at(app: &App, area: Rect, column: u16, row: u16) -> Option<Node> {
    let inner = Block::default().borders(Borders::ALL).inner(area);
    let at = Position { x: column, y: row };
    if !inner.contains(at) {
        return None;
    }
    if matches!(app.screen, Screen::Map(s) if s.grid) {
        let (rows, offset, body) = grid_view(app, inner);
        let i = offset + row.checked_sub(body.y)? as usize;
        return rows.get(i).and_then(|r| r.node.clone());
    }
    for lane in board(app, inner) {
        if lane.header.contains(at) {
            return Some(Node::Journey(lane.journey));
        }
        if let Some((k, _)) = lane.cards.iter().find(|(_, r)| r.contains(at)) {
            return Some(card_node(lane.journey, Some(*k)));
        }
    }
    None
}

// ----- the board -----

/// Where one lane goes: its header line and its visible cards.
struct Lane {
    journey: usize,
    header: Rect,
    /// The visible cards: index in the journey's touchpoints, and where it is drawn.
    cards: Vec<(usize, Rect)>,
    /// Cards scrolled out to the left and to the right.
    before: usize,
    after: usize,
    folded: bool,
}

/// The stages that have journeys, in the order a customer meets them: the board's columns.
fn stages(app: &App) -> Vec<Stage> {
    Stage::ALL
        .into_iter()
        .filter(|s| app.model.journeys.iter().any(|j| j.stage == *s))
        .collect()
}

/// Each stage column's x range, and the card width in it.
fn columns(app: &App, inner: Rect) -> Vec<(Stage, Rect, u16)> {
    let stages = stages(app);
    let need = |s: Stage| {
        app.model
            .journeys
            .iter()
            .filter(|j| j.stage == s)
            .map(|j| j.touchpoints.len().max(1))
            .max()
            .unwrap_or(1) as u16
    };
    let total: u16 = stages.iter().map(|s| need(*s)).sum::<u16>().max(1);
    let mut x = inner.x;
    let mut out = Vec::new();
    for (i, s) in stages.iter().enumerate() {
        let n = need(*s);
        let left = inner.right().saturating_sub(x);
        let w = if i + 1 == stages.len() {
            left
        } else {
            (inner.width as u32 * n as u32 / total as u32) as u16
        }
        .max(MIN_CARD_W)
        .min(left);
        let fit = (w / MIN_CARD_W).clamp(1, n);
        let card_w = (w / fit).min(MAX_CARD_W);
        out.push((*s, Rect::new(x, inner.y, w, inner.height), card_w));
        x = x.saturating_add(w);
    }
    out
}

/// The board's layout inside `inner` (whose first line names the stage columns).
fn board(app: &App, inner: Rect) -> Vec<Lane> {
    let journeys = &app.model.journeys;
    let n = journeys.len();
    let avail = inner.height.saturating_sub(1) as usize;
    let sel = place(&app.node());
    let sel_lane = sel.map_or(0, |(j, _)| j).min(n.saturating_sub(1));
    // Which lanes show their cards: all when they fit, else those nearest the selection.
    let full = 1 + CARD_H as usize;
    let mut open = vec![false; n];
    if n * full <= avail {
        open.iter_mut().for_each(|o| *o = true);
    } else {
        let mut budget = avail.saturating_sub(n);
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&j| (j.abs_diff(sel_lane), j < sel_lane));
        for j in order {
            if budget >= CARD_H as usize {
                open[j] = true;
                budget -= CARD_H as usize;
            }
        }
    }
    let height = |j: usize| if open[j] { full } else { 1 };
    // The first lane shown: the selected lane must fit below it.
    let mut first = 0;
    while first < sel_lane && (first..=sel_lane).map(height).sum::<usize>() > avail {
        first += 1;
    }
    let cols = columns(app, inner);
    let mut y = inner.y + 1;
    let mut out = Vec::new();
    for (j, journey) in journeys.iter().enumerate().skip(first) {
        let h = height(j) as u16;
        if y + h > inner.bottom() {
            break;
        }
        let header = Rect::new(inner.x, y, inner.width, 1);
        let mut lane = Lane {
            journey: j,
            header,
            cards: Vec::new(),
            before: 0,
            after: 0,
            folded: !open[j],
        };
        if let Some((_, col, card_w)) = cols.iter().find(|(s, _, _)| *s == journey.stage)
            && open[j]
        {
            let m = journey.touchpoints.len();
            let fits = (col.width / card_w.max(&1)).max(1) as usize;
            let chosen = match sel {
                Some((sj, Some(k))) if sj == j => k,
                _ => 0,
            };
            let offset = chosen.saturating_sub(fits - 1).min(m.saturating_sub(fits));
            lane.before = offset;
            lane.after = m.saturating_sub(offset + fits);
            for (slot, k) in (offset..m.min(offset + fits)).enumerate() {
                let x = col.x + slot as u16 * card_w;
                lane.cards.push((k, Rect::new(x, y + 1, *card_w, CARD_H)));
            }
        }
        out.push(lane);
        y += h;
    }
    out
}

fn draw_board(f: &mut Frame, app: &App, inner: Rect) {
    let t = &app.theme;
    // The stage columns' heads.
    for (s, col, _) in columns(app, inner) {
        let label = format!("── {} ", s.name().to_uppercase());
        let rule = "─".repeat((col.width as usize).saturating_sub(text_width(&label) + 1));
        let line = Line::from(vec![
            Span::styled(label, t.style("header")),
            Span::styled(rule, t.style("border")),
        ]);
        f.render_widget(
            fit_line(line, col.width as usize),
            Rect::new(col.x, col.y, col.width, 1),
        );
    }
    let sel = place(&app.node());
    let lanes = board(app, inner);
    // What the marks on the cards mean, when there is a line to spare.
    let used = lanes.last().map_or(inner.y + 1, |l| {
        l.cards
            .first()
            .map_or(l.header.bottom(), |(_, r)| r.bottom())
    });
    if used < inner.bottom() {
        let legend = "chips: pillars · mkt ✓ marketing influences it, mkt ✗ it does not · ✎ note · ? open question · ◂ ▸ cards out of view";
        f.render_widget(
            Line::styled(fit(legend, inner.width as usize), t.style("muted")),
            Rect::new(inner.x, inner.bottom() - 1, inner.width, 1),
        );
    }
    for lane in lanes {
        let Some(journey) = app.model.journeys.get(lane.journey) else {
            continue;
        };
        let lane_selected = sel == Some((lane.journey, None));
        draw_lane_header(f, app, journey, &lane, lane_selected);
        for (k, r) in &lane.cards {
            if let Some(tp) = journey.touchpoints.get(*k) {
                let selected = sel == Some((lane.journey, Some(*k)));
                draw_card(f, app, tp, *r, selected);
            }
        }
    }
}

/// How the room says where a journey ends.
fn ending_words(e: Ending) -> &'static str {
    match e {
        Ending::Conversion => "→ conversion",
        Ending::Expansion => "→ expansion (happy ending)",
        Ending::Attrition => "→ attrition (sad ending)",
        Ending::Dimension => "(a score dimension)",
    }
}

fn draw_lane_header(f: &mut Frame, app: &App, j: &Journey, lane: &Lane, selected: bool) {
    let t = &app.theme;
    let area = lane.header;
    let gauge_w = GAUGE_W.min(area.width / 3);
    let left_w = area.width.saturating_sub(gauge_w + 1);
    let mut spans = vec![
        Span::styled(if lane.folded { "▸ " } else { "◆ " }, t.style("muted")),
        Span::styled(j.title().to_string(), t.style("header")),
    ];
    if j.open_question {
        spans.push(Span::styled(" ?", t.style("open_question")));
    }
    let n = j.touchpoints.len();
    let cards = match (lane.folded, lane.before + lane.after) {
        // A composite has no cards of its own: its lane lists its parts.
        _ if j.is_composite() => format!("  composite: {}", j.parts_words(&app.model)),
        (true, _) => format!("  {n} card{} folded", if n == 1 { "" } else { "s" }),
        (false, 0) if n == 0 => "  no cards: i adds one".to_string(),
        (false, 0) => String::new(),
        (false, _) => format!("  ◂{} {}▸", lane.before, lane.after),
    };
    spans.push(Span::styled(cards, t.style("key")));
    spans.push(Span::styled(
        format!("  {} {}", j.stage.name(), ending_words(j.ending)),
        t.style("muted"),
    ));
    let line = fit_line(Line::from(spans), left_w as usize);
    let line = if selected {
        highlight(line, t.selection(true))
    } else {
        line
    };
    f.render_widget(
        line,
        Rect {
            width: left_w,
            ..area
        },
    );
    let sum = j.weight_sum();
    let gauge = WeightGauge {
        label: "Σ",
        sum,
        theme: t,
    };
    f.render_widget(
        gauge,
        Rect {
            x: area.right().saturating_sub(gauge_w),
            width: gauge_w,
            ..area
        },
    );
}

fn draw_card(f: &mut Frame, app: &App, tp: &Touchpoint, r: Rect, selected: bool) {
    let t = &app.theme;
    let inner_w = r.width.saturating_sub(2) as usize;
    let mut title = tp.title().to_string();
    if tp.open_question {
        title.push_str(" ?");
    }
    let title = format!(" {} ", fit(&title, inner_w.saturating_sub(2)));
    let title_style = if selected {
        t.selection(true)
    } else {
        t.style("header")
    };
    let b = Block::default()
        .borders(Borders::ALL)
        .border_type(if selected {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(t.border(selected))
        .title(Span::styled(title, title_style))
        .style(t.base());
    let inner = b.inner(r);
    f.render_widget(b, r);
    let mut lines = Vec::new();
    let mut first = vec![
        Span::styled(format!("{}%", tp.weight), t.style("weight")),
        Span::styled(format!("  {}", tp.kind.word()), t.style("text")),
    ];
    if tp.note.is_some() {
        first.push(Span::styled(" ✎", t.style("muted")));
    }
    lines.push(Line::from(first));
    let influence = if tp.marketing_influence {
        "mkt ✓"
    } else {
        "mkt ✗"
    };
    lines.push(Line::from(vec![
        Span::styled(owner_word(tp.owner), t.style("text")),
        Span::styled(format!(" · {influence}"), t.style("muted")),
    ]));
    lines.push(chips(app, &tp.pillars));
    lines.push(inside(app, tp));
    for (i, line) in lines.into_iter().enumerate() {
        let y = inner.y + i as u16;
        if y >= inner.bottom() {
            break;
        }
        f.render_widget(
            fit_line(line, inner_w),
            Rect {
                y,
                height: 1,
                ..inner
            },
        );
    }
}

/// A touchpoint's pillars as coloured chips; "no pillar" when it has none.
fn chips(app: &App, pillars: &[Pillar]) -> Line<'static> {
    let t = &app.theme;
    if pillars.is_empty() {
        return Line::styled("no pillar", t.style("warning"));
    }
    let mut spans = Vec::new();
    for p in pillars {
        spans.push(Span::styled(
            pillar_short(*p).to_string(),
            t.pillar(*p).add_modifier(Modifier::REVERSED),
        ));
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}

/// What a card holds: its child touchpoints, or its signals.
fn inside(app: &App, tp: &Touchpoint) -> Line<'static> {
    let t = &app.theme;
    let (n, what, names): (usize, &str, Vec<String>) = if tp.touchpoints.is_empty() {
        (
            tp.signals.len(),
            "signal",
            tp.signals.iter().map(|s| s.field.clone()).collect(),
        )
    } else {
        (
            tp.touchpoints.len(),
            "inside",
            tp.touchpoints
                .iter()
                .map(|c| format!("{} {}%", c.title(), c.weight))
                .collect(),
        )
    };
    let head = match (what, n) {
        ("inside", _) => format!("{n} inside: "),
        (_, 1) => "1 signal: ".to_string(),
        _ => format!("{n} {what}s: "),
    };
    Line::from(vec![
        Span::styled(head, t.style("key")),
        Span::styled(names.join(", "), t.style("muted")),
    ])
}

// ----- the grid -----

/// One row of the grid: what it shows and the node it selects.
struct GridRow {
    kind: GridKind,
    node: Option<Node>,
}

enum GridKind {
    Journey(usize),
    Touchpoint(usize, usize),
    Total(usize),
    /// The gaps of a journey: pillars nothing serves, a pillar carrying most of the weight.
    Gaps(String),
    /// A composite journey's parts: its pillars are theirs, shown in their own rows.
    Parts(String),
}

fn grid_rows(app: &App) -> Vec<GridRow> {
    let mut rows = Vec::new();
    for (j, journey) in app.model.journeys.iter().enumerate() {
        rows.push(GridRow {
            kind: GridKind::Journey(j),
            node: Some(Node::Journey(j)),
        });
        if journey.is_composite() {
            rows.push(GridRow {
                kind: GridKind::Parts(journey.parts_words(&app.model)),
                node: Some(Node::Journey(j)),
            });
            continue;
        }
        for k in 0..journey.touchpoints.len() {
            rows.push(GridRow {
                kind: GridKind::Touchpoint(j, k),
                node: Some(card_node(j, Some(k))),
            });
        }
        rows.push(GridRow {
            kind: GridKind::Total(j),
            node: Some(Node::Journey(j)),
        });
        for g in pillar_gaps(journey) {
            rows.push(GridRow {
                kind: GridKind::Gaps(g),
                node: Some(Node::Journey(j)),
            });
        }
    }
    rows
}

/// The grid's rows, the first one shown, and where they are drawn (below the heading).
fn grid_view(app: &App, inner: Rect) -> (Vec<GridRow>, usize, Rect) {
    let rows = grid_rows(app);
    let body = Rect {
        y: inner.y + 1,
        height: inner.height.saturating_sub(1),
        ..inner
    };
    let node = app.node();
    let selected = rows
        .iter()
        .position(|r| {
            matches!(r.kind, GridKind::Journey(_) | GridKind::Touchpoint(..))
                && r.node.as_ref() == Some(&node)
        })
        .unwrap_or(0);
    // Keep the journey's total in view with its last touchpoint.
    let offset = list_offset(
        (selected + 1).min(rows.len().saturating_sub(1)),
        body.height as usize,
    );
    (rows, offset, body)
}

fn draw_grid(f: &mut Frame, app: &App, inner: Rect) {
    let t = &app.theme;
    let w = inner.width as usize;
    let weight_w = 8usize;
    let pw = (w.saturating_sub(weight_w + 28) / 6).clamp(6, 14);
    let name_w = w.saturating_sub(weight_w + 6 * pw);
    let cell = |s: String, width: usize| format!("{:>width$}", fit(&s, width - 1));
    let mut head = vec![
        Span::styled(format!("{:<name_w$}", "Touchpoint"), t.style("header")),
        Span::styled(cell("Weight".into(), weight_w), t.style("header")),
    ];
    for p in Pillar::ALL {
        let label = if text_width(p.label()) < pw {
            p.label()
        } else {
            pillar_short(p)
        };
        head.push(Span::styled(
            cell(label.into(), pw),
            t.pillar(p).add_modifier(Modifier::BOLD),
        ));
    }
    f.render_widget(fit_line(Line::from(head), w), Rect { height: 1, ..inner });
    let (rows, offset, body) = grid_view(app, inner);
    let node = app.node();
    let num = |v: f64| fmt_num((v * 10.0).round() / 10.0);
    for (i, row) in rows
        .iter()
        .enumerate()
        .skip(offset)
        .take(body.height as usize)
    {
        let mut spans = Vec::new();
        let selectable = matches!(row.kind, GridKind::Journey(_) | GridKind::Touchpoint(..));
        match &row.kind {
            GridKind::Journey(j) => {
                let Some(journey) = app.model.journeys.get(*j) else {
                    continue;
                };
                spans.push(Span::styled(
                    format!("◆ {}  {}", journey.title(), journey.stage.name()),
                    t.style("header"),
                ));
            }
            GridKind::Touchpoint(j, k) => {
                let Some(tp) = app
                    .model
                    .journeys
                    .get(*j)
                    .and_then(|x| x.touchpoints.get(*k))
                else {
                    continue;
                };
                // A mark that shows without colour which row is selected.
                let mark = if row.node.as_ref() == Some(&node) {
                    "▶ "
                } else {
                    "  "
                };
                spans.push(Span::styled(
                    format!(
                        "{:<name_w$}",
                        fit(&format!("{mark}{}", tp.title()), name_w - 1)
                    ),
                    t.style("text"),
                ));
                spans.push(Span::styled(
                    cell(format!("{}%", tp.weight), weight_w),
                    t.style("weight"),
                ));
                for (p, v) in Pillar::ALL.iter().zip(touchpoint_pillar_shares(tp)) {
                    let (s, style) = if v == 0.0 {
                        ("·".to_string(), t.style("muted"))
                    } else {
                        (num(v), t.pillar(*p))
                    };
                    spans.push(Span::styled(cell(s, pw), style));
                }
            }
            GridKind::Total(j) => {
                let Some(journey) = app.model.journeys.get(*j) else {
                    continue;
                };
                let sum = journey.weight_sum();
                let shares = pillar_shares(journey);
                let dominant = dominant_pillar(&shares).map(|(p, _)| p);
                spans.push(Span::styled(
                    format!(
                        "{:<name_w$}",
                        fit(&format!("  Σ {}", journey.title()), name_w - 1)
                    ),
                    t.style("header"),
                ));
                spans.push(Span::styled(
                    cell(format!("{}%", crate::model::Weight(sum)), weight_w),
                    t.style(if sum == FULL {
                        "gauge_ok"
                    } else {
                        "gauge_warning"
                    }),
                ));
                for (p, v) in Pillar::ALL.iter().zip(shares) {
                    let (s, role) = if v == 0.0 {
                        ("gap".to_string(), "warning")
                    } else if dominant == Some(*p) {
                        (format!("{}▲", num(v)), "warning")
                    } else {
                        (num(v), "text")
                    };
                    spans.push(Span::styled(cell(s, pw), t.style(role)));
                }
            }
            GridKind::Gaps(g) => {
                spans.push(Span::styled(format!("  ⚠ {g}"), t.style("warning")));
            }
            GridKind::Parts(p) => {
                spans.push(Span::styled(
                    format!("  composite of {p}: its pillars are its parts'"),
                    t.style("muted"),
                ));
            }
        }
        let mut line = fit_line(Line::from(spans), w);
        if selectable && row.node.as_ref() == Some(&node) {
            line = highlight(line, t.selection(true));
        }
        f.render_widget(
            line,
            Rect {
                y: body.y + (i - offset) as u16,
                height: 1,
                ..body
            },
        );
    }
}
