//! The engine: the one place where scores are computed.
//!
//! A model is scored over a table of contacts column by column: each field is read once into a
//! typed column, each signal's attainment column is computed once and kept, and a journey's
//! score is a weighted sum of those columns. `Scorer` keeps the columns between calls, so that
//! after an edit only what the edit touched is computed again (a weight edit recomputes only
//! the sums; a rule edit only its own column). The designer's preview, `score`, `explain`,
//! `backtest` and the tests of the SQL export all go through here.

pub mod accounts;
pub mod attain;
pub mod attainments;
pub mod condition;
pub mod derive;
pub mod events;
pub mod explain;
pub mod insight;
pub mod key;
pub mod metrics;
pub mod output;
pub mod personas;
pub mod reasons;
pub mod score;
pub mod suggest;
pub mod tune;
pub mod version;
pub mod whatif;

pub use explain::{Explanation, explain};
pub use output::{ROW_ID, id_column, output_columns, output_row};
pub use personas::{PersonaResult, check_personas, persona_results};
pub use score::{Scored, Scorer, score_table};
