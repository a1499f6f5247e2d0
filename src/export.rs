//! Exports and reports: the model as one SQL query per warehouse dialect, back-test metrics
//! against a historical outcome, and the difference between two models.
//!
//! Invariant: the SQL export computes exactly what the engine computes (`engine::score`), with
//! the same floating-point operations in the same order, so that scores agree to the last bit
//! on engines with IEEE doubles (but for an engine's POWER rounding an ulp apart from Rust's, in
//! recency and decay) and labels agree; `tests/sql_parity.rs` holds it to that on DuckDB,
//! Spark SQL and PostgreSQL, and parses the BigQuery and Snowflake queries. Nothing here
//! touches a terminal.

pub mod accounts;
pub mod backtest;
pub mod dbt;
pub mod dialect;
pub mod diff;
pub mod events;
pub mod plan;
pub mod reasons;
pub mod report;
pub mod rolling;
pub mod sql;

pub use dialect::Dialect;
pub use sql::{Source, SqlOptions, to_sql};

/// How a report is written: text for a terminal or a pull request, JSON for tools, CSV for
/// spreadsheets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            _ => Err(format!("unknown format '{s}': use text, json or csv")),
        }
    }
}

/// Why a model could not be exported.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ExportError {
    /// The model has check errors; the export is refused unless errors are allowed.
    #[error("the model has {} check error{}, so it is not exported:\n  {}\nfix them, or pass --allow-errors to export anyway", .0.len(), if .0.len() == 1 { "" } else { "s" }, .0.join("\n  "))]
    CheckErrors(Vec<String>),
    /// A NUL character cannot be carried by any SQL dialect's literals or identifiers.
    #[error("{0} holds a NUL character (\\0), which SQL cannot carry: remove it from the model")]
    Nul(String),
    /// Something in the model that this dialect cannot express.
    #[error("{at}: {message}")]
    Unsupported { at: String, message: String },
}
