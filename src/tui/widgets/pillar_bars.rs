//! One bar per pillar of the Six Pillars: the share of a journey's weight it carries.
//!
//! A pillar that carries nothing is drawn in the `warning` role: that is what a room should
//! see ("empathy carries nothing"). Bars never overflow their area.

use crate::model::Pillar;
use crate::tui::theme::Theme;
use crate::tui::view::{fit, fit_line};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub struct PillarBars<'a> {
    /// Per pillar, in `Pillar::ALL` order: its share of the weight, 0 to 100.
    pub shares: [f64; 6],
    pub theme: &'a Theme,
}

impl Widget for PillarBars<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let label_w = 16usize;
        let bar_w = (area.width as usize).saturating_sub(label_w + 8);
        for (i, (p, share)) in Pillar::ALL.iter().zip(self.shares).enumerate() {
            let y = area.y + i as u16;
            if y >= area.bottom() {
                break;
            }
            let filled = (((bar_w as f64) * share / 100.0).round() as usize).min(bar_w);
            let line = Line::from(vec![
                Span::styled(
                    format!("{:<label_w$}", fit(p.label(), label_w - 1)),
                    t.style("text"),
                ),
                Span::styled("█".repeat(filled), t.pillar(*p)),
                Span::styled("░".repeat(bar_w - filled), t.style("gauge_empty")),
                Span::styled(
                    format!(
                        " {:>5}%",
                        crate::tui::tree::fmt_num((share * 10.0).round() / 10.0)
                    ),
                    if share == 0.0 {
                        t.style("warning")
                    } else {
                        t.style("muted")
                    },
                ),
            ]);
            fit_line(line, area.width as usize).render(
                Rect {
                    y,
                    height: 1,
                    ..area
                },
                buf,
            );
        }
    }
}
