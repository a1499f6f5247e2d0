//! scorewright: design lead- and customer-scoring models, check them, preview them against
//! contacts, and deploy them as SQL.
//!
//! Knowledge flows one way: `tui -> engine -> contacts, model`. The model, contacts, engine
//! and export modules never touch a terminal, so all of them can be tested without one.

pub mod cli;
pub mod contacts;
pub mod engine;
pub mod export;
pub mod files;
pub mod model;
pub mod printable;
pub mod rng;
pub mod templates;
pub mod tui;
