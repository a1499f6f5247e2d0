//! The live gauge of a group of sibling weights: a bar and the words "92.5%: 7.5% left".
//!
//! Exactly 100% is drawn in the theme's `gauge_ok` role; anything else in `gauge_warning`,
//! with how much is left or over. The bar never overflows its area: over 100% it is full.

use crate::model::weight::{FULL, describe_sum};
use crate::tui::theme::Theme;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

pub struct WeightGauge<'a> {
    /// What the group is: "Touchpoints", "Signals".
    pub label: &'a str,
    /// The sum of the group's weights, in hundredths of a percent.
    pub sum: i64,
    pub theme: &'a Theme,
}

impl Widget for WeightGauge<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.is_empty() {
            return;
        }
        let text = describe_sum(self.sum);
        let ok = self.sum == FULL;
        let style = self
            .theme
            .style(if ok { "gauge_ok" } else { "gauge_warning" });
        let label = format!("{} ", self.label);
        let width = area.width as usize;
        let fixed = Span::raw(&label).width() + text.len() + 1;
        let mut spans = vec![Span::styled(label.clone(), self.theme.style("text"))];
        if width >= fixed + 4 {
            let bar = width - fixed;
            let filled = (bar as i64 * self.sum.clamp(0, FULL) / FULL) as usize;
            spans.push(Span::styled("█".repeat(filled), style));
            spans.push(Span::styled(
                "░".repeat(bar - filled),
                self.theme.style("gauge_empty"),
            ));
            spans.push(Span::raw(" "));
        }
        spans.push(Span::styled(text, style));
        let line = Line::from(spans);
        let line = crate::tui::view::fit_line(line, width);
        line.render(area, buf);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use ratatui::style::Style;

    #[test]
    fn full_group_is_ok_and_short_group_says_what_is_left() {
        let theme = crate::tui::theme::Theme::fallback();
        let mut buf = Buffer::empty(Rect::new(0, 0, 30, 1));
        WeightGauge {
            label: "Signals",
            sum: 10_000,
            theme: &theme,
        }
        .render(buf.area, &mut buf);
        let mut want = Buffer::with_lines(["Signals █████████████████ 100%"]);
        want.set_style(Rect::new(0, 0, 8, 1), theme.style("text"));
        want.set_style(Rect::new(8, 0, 17, 1), theme.style("gauge_ok"));
        want.set_style(Rect::new(25, 0, 1, 1), Style::default());
        want.set_style(Rect::new(26, 0, 4, 1), theme.style("gauge_ok"));
        assert_eq!(buf, want);

        let mut buf = Buffer::empty(Rect::new(0, 0, 34, 1));
        WeightGauge {
            label: "Signals",
            sum: 9_250,
            theme: &theme,
        }
        .render(buf.area, &mut buf);
        let text: String = (0..34).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert_eq!(text, "Signals ████████░ 92.5%: 7.5% left");
        assert_eq!(buf[(33, 0)].fg, theme.style("gauge_warning").fg.unwrap());
    }

    #[test]
    fn narrow_gauge_keeps_the_words() {
        let theme = crate::tui::theme::Theme::fallback();
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 1));
        WeightGauge {
            label: "Signals",
            sum: 9_000,
            theme: &theme,
        }
        .render(buf.area, &mut buf);
        let text: String = (0..20).map(|x| buf[(x, 0)].symbol().to_string()).collect();
        assert_eq!(text, "Signals 90%: 10% le…");
    }
}
