//! The Fit x Activity matrix as a grid of cells: each cell its rating, the count of contacts
//! in it and, when the data has an outcome column, its conversion rate; coloured by zone
//! (`zone_green`, `zone_amber`, `zone_none`).

use crate::engine::insight::Cell;
use crate::tui::theme::Theme;
use crate::tui::view::fit;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Widget;

pub struct MatrixGrid<'a> {
    /// Rows of cells, as `insight::matrix` gives them.
    pub cells: &'a [Vec<Cell>],
    /// Whether to show conversion rates (the outcome column is usable).
    pub rates: bool,
    pub theme: &'a Theme,
}

impl MatrixGrid<'_> {
    /// Lines per cell: the rating, the count, and the rate when there are rates.
    fn cell_lines(&self) -> u16 {
        if self.rates { 3 } else { 2 }
    }

    /// The height the grid needs with a gap between rows of cells.
    pub fn height(&self) -> u16 {
        (self.cells.len() as u16 * (self.cell_lines() + 1)).saturating_sub(1)
    }
}

impl Widget for MatrixGrid<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let t = self.theme;
        let cols = self.cells.iter().map(Vec::len).max().unwrap_or(0);
        if cols == 0 || area.is_empty() {
            return;
        }
        let cw = ((area.width as usize + 1) / cols)
            .saturating_sub(1)
            .clamp(3, 12);
        // Rows of cells are a line apart when there is room, else touching.
        let lines = self.cell_lines();
        let pitch = if self.height() <= area.height {
            lines + 1
        } else {
            lines
        };
        for (r, row) in self.cells.iter().enumerate() {
            let y0 = area.y + (r as u16) * pitch;
            for (c, cell) in row.iter().enumerate() {
                let x = area.x + (c * (cw + 1)) as u16;
                if x + cw as u16 > area.right() {
                    break;
                }
                let role = match cell.zone.as_str() {
                    "green" => "zone_green",
                    "amber" => "zone_amber",
                    _ => "zone_none",
                };
                let style = t.style(role);
                let rate = match (self.rates, cell.rate()) {
                    (true, Some(v)) => format!("{:.0}%", v * 100.0),
                    (true, None) => "–".into(),
                    (false, _) => String::new(),
                };
                for (i, text) in [cell.rating.clone(), cell.count.to_string(), rate]
                    .into_iter()
                    .take(lines as usize)
                    .enumerate()
                {
                    let y = y0 + i as u16;
                    if y >= area.bottom() {
                        break;
                    }
                    let text = fit(&text, cw);
                    let span = Span::styled(format!("{text:^cw$}"), style);
                    buf.set_span(x, y, &span, cw as u16);
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn cells_show_count_and_rate_in_their_zone() {
        let theme = Theme::fallback();
        let cell = |rating: &str, count, known, converted, zone: &str| Cell {
            rating: rating.into(),
            count,
            known,
            converted,
            zone: zone.into(),
        };
        let cells = vec![vec![cell("A2", 4, 4, 3, "green"), cell("A1", 2, 0, 0, "")]];
        let grid = MatrixGrid {
            cells: &cells,
            rates: true,
            theme: &theme,
        };
        assert_eq!(grid.height(), 3);
        let mut buf = Buffer::empty(Rect::new(0, 0, 9, 3));
        grid.render(buf.area, &mut buf);
        // Cells 4 wide, one column apart: 4 of 4 known, 3 converted: 75%; none known: a dash.
        let mut want = Buffer::with_lines([" A2   A1 ", " 4    2  ", "75%   –  "]);
        want.set_style(Rect::new(0, 0, 4, 3), theme.style("zone_green"));
        want.set_style(Rect::new(5, 0, 4, 3), theme.style("zone_none"));
        assert_eq!(buf, want);
    }
}
