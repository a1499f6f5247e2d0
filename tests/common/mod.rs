//! Helpers shared by the integration tests.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod app;
pub mod cli;
pub mod tmux;
