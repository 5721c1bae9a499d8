//! The `scm` command's logic, kept in a library so it can be tested
//! without spawning the binary.
//!
//! - [`providers`]: which providers the binary knows and what they support;
//! - [`capabilities`]: the capability matrix as a table, JSON or the
//!   Markdown of `docs/capabilities.md`;
//! - [`action_args`]: one subcommand per action, its flags derived from
//!   the action table's fields;
//! - [`credential_args`]: credential flags from the kinds providers take;
//! - [`direct`]: running an action straight against a provider;
//! - [`remote`]: the same actions through an `scm serve` (signed RPC);
//! - [`admin`]: `scm serve` and the registry administration commands;
//! - [`bench`](mod@bench): the RPC load benchmark;
//! - [`quota_bench`]: what the shared conditional-request cache saves;
//! - [`deliveries_cli`]: `scm deliveries recover`, one missed-delivery
//!   recovery pass;
//! - [`load_bench`]: well-behaved clients beside slow and stalled
//!   connections;
//! - [`tails_bench`]: RPC latency tails beside an nginx reverse proxy;
//! - [`events_cli`]: `scm worker`, dead letters and replay, listeners and
//!   per-integration webhook secrets;
//! - [`logging`]: the `tracing` subscriber every command installs.

pub mod action_args;
pub mod admin;
pub mod bench;
pub mod capabilities;
pub mod credential_args;
pub mod deliveries_cli;
pub mod direct;
pub mod events_cli;
pub mod load_bench;
pub mod logging;
pub mod providers;
pub mod quota_bench;
pub mod remote;
pub mod tails_bench;
