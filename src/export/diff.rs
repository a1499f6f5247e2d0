//! The difference between two models: what changed, and what the change does to contacts.
