//! Reusable pieces of the designer's screens, each a ratatui `Widget`.

pub mod weight_gauge;

pub use weight_gauge::WeightGauge;
