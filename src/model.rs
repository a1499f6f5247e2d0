//! The model: its types, reading and writing YAML, and the checks.
//!
//! Nothing here knows about terminals or contacts files; it reads only the model file it is
//! asked to read.

pub mod accounts;
pub mod check;
pub mod date;
pub mod events;
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

/// `base`, or `base_2`, `base_3`... whichever is not among `taken`: an id for something new
/// (a field, a touchpoint) that clashes with none already there.
pub fn unique_id(base: &str, taken: &[&str]) -> String {
    if !taken.contains(&base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|c| !taken.contains(&c.as_str()))
        .unwrap_or_else(|| base.to_string())
}
