//! What the server tells operators about itself: one log line per request
//! and the facts handlers add to it.
//!
//! - [`request_log`]: the `scm.request` span around every request and its
//!   closing line (method, route, status, latency, and what the handler
//!   recorded: provider, action or event, referrer, delivery id; refusals
//!   at warn with their code);
//! - [`startup`]: the configuration summary logged at start-up, without
//!   secrets.
//!
//! Handlers never log the request themselves: they call [`record`] (or
//! [`record_webhook`]) with what they learned, and the request's line
//! carries it.

pub mod request_log;
pub mod startup;

pub use request_log::{log_requests, record, record_webhook, ErrorCode};
