//! Reusable pieces of the designer's screens, each a ratatui `Widget`.

pub mod distribution;
pub mod matrix_grid;
pub mod pillar_bars;
pub mod weight_gauge;

pub use distribution::Distribution;
pub use matrix_grid::MatrixGrid;
pub use pillar_bars::PillarBars;
pub use weight_gauge::WeightGauge;
