//! The model: its types, reading and writing YAML, and the checks.
//!
//! Nothing here knows about terminals or contacts files; it reads only the model file it is
//! asked to read.

pub mod check;
pub mod date;
pub mod expr;
pub mod locate;
pub mod operand;
pub mod preserve;
pub mod rules;
pub mod types;
pub mod weight;
pub mod yaml;

pub use date::Date;
pub use locate::{Path, Position, Seg, SourceMap};
pub use operand::{Compare, Operand};
pub use rules::RuleKind;
pub use types::*;
pub use weight::Weight;
pub use yaml::{
    ModelError, ModelFile, parse_model, read_model, to_yaml, to_yaml_value, write_model,
};
