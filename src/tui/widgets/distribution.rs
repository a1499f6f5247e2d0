//! The distribution of scores over the contacts, before (the baseline) and after (the current
//! model), as two columns of horizontal bars, one row per band of ten points, the highest at
//! the top, with a line at each tier threshold.
//!
//! Both columns share one scale, so a bar that grows means more contacts. A threshold that
//! falls inside a band is drawn below that band, labelled with its exact value.

use crate::tui::theme::Theme;
use crate::tui::tree::fmt_num;
use crate::tui::view::fit_line;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub struct Distribution<'a> {
    /// Counts per band of scores, lowest band first (as `insight::histogram` gives them).
    pub before: &'a [usize],
    pub after: &'a [usize],
    /// Tier names and the score they start at.
    pub thresholds: &'a [(String, f64)],
    pub theme: &'a Theme,
}

impl Distribution<'_> {
    /// The lines the widget draws, top to bottom.
    pub fn lines(&self, width: usize) -> Vec<Line<'static>> {
        let t = self.theme;
        let bins = self.before.len().max(self.after.len()).max(1);
        let step = 100.0 / bins as f64;
        let max = self
            .before
            .iter()
            .chain(self.after)
            .copied()
            .max()
            .unwrap_or(0)
            .max(1);
        let count_w = max.to_string().len().max(3);
        let label_w = 7;
        // label, then two halves of bar + space + count + gap.
        let half = width.saturating_sub(label_w) / 2;
        let bar_w = half.saturating_sub(count_w + 2).max(1);
        let bar = |n: usize, role: &str| -> Vec<Span<'static>> {
            let filled = if n == 0 {
                0
            } else {
                ((bar_w * n).div_ceil(max)).clamp(1, bar_w)
            };
            vec![
                Span::styled("█".repeat(filled), t.style(role)),
                Span::raw(" ".repeat(bar_w - filled)),
                Span::styled(format!(" {n:>count_w$} "), t.style("muted")),
            ]
        };
        let mut lines = vec![Line::from(vec![
            Span::styled(format!("{:<label_w$}", "score"), t.style("muted")),
            Span::styled(format!("{:<half$}", "before"), t.style("header")),
            Span::styled("after", t.style("header")),
        ])];
        for b in (0..bins).rev() {
            let lo = step * b as f64;
            let hi = lo + step;
            let mut spans = vec![Span::styled(
                format!("{:<label_w$}", format!("{}-{}", fmt_num(lo), fmt_num(hi))),
                t.style("text"),
            )];
            spans.extend(bar(self.before.get(b).copied().unwrap_or(0), "bar_before"));
            spans.extend(bar(self.after.get(b).copied().unwrap_or(0), "bar_after"));
            lines.push(Line::from(spans));
            for (name, at) in self.thresholds {
                let band = ((at / step).floor() as usize).min(bins - 1);
                if band == b && *at > 0.0 {
                    let label = format!("── {name} ≥ {} ", fmt_num(*at));
                    let rest = width.saturating_sub(crate::tui::view::text_width(&label));
                    lines.push(Line::styled(
                        format!("{label}{}", "─".repeat(rest)),
                        t.style("threshold"),
                    ));
                }
            }
        }
        lines.into_iter().map(|l| fit_line(l, width)).collect()
    }
}

impl Widget for Distribution<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        for (i, line) in self
            .lines(area.width as usize)
            .into_iter()
            .take(area.height as usize)
            .enumerate()
        {
            line.render(
                Rect {
                    y: area.y + i as u16,
                    height: 1,
                    ..area
                },
                buf,
            );
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn bars_share_a_scale_and_thresholds_sit_under_their_band() {
        let theme = Theme::fallback();
        let d = Distribution {
            before: &[2, 0],
            after: &[1, 1],
            thresholds: &[("hot".into(), 50.0), ("cold".into(), 0.0)],
            theme: &theme,
        };
        let lines = d.lines(27);
        let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        // Two bands of 50; each half is 10 wide: a bar of up to 5, then the count in 3.
        // The scale is the larger count of both sides (2): 1 fills 3 of 5, rounding up.
        assert_eq!(
            text,
            [
                "score  before    after",
                "50-100         0 ███     1 ",
                "── hot ≥ 50 ───────────────",
                "0-50   █████   2 ███     1 ",
            ]
        );
        assert_eq!(lines[2].style, theme.style("threshold"));
        assert_eq!(lines[3].spans[1].style, theme.style("bar_before"));
    }
}
