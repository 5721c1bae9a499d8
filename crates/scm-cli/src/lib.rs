//! The `scm` command's logic, kept in a library so it can be tested
//! without spawning the binary.
//!
//! - [`providers`]: which providers the binary knows and what they support;
//! - [`capabilities`]: the capability matrix as a table, JSON or the
//!   Markdown of `docs/capabilities.md`;
//! - [`action_args`]: one subcommand per action, its flags derived from
//!   the action table's fields;
//! - [`direct`]: running an action straight against a provider.

pub mod action_args;
pub mod capabilities;
pub mod direct;
pub mod providers;
