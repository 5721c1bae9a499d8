//! The event stream: a durable queue of neutral events and the workers that
//! deliver them to listeners.
//!
//! - [`EventQueue`]: the queue contract. [`SqliteQueue`] is the embedded,
//!   zero-setup default; [`JetStreamQueue`] spreads work over several
//!   machines through NATS JetStream. Both give the same guarantees, and
//!   `tests/queue_behaviour.rs` runs one suite against both.
//! - [`ListenerRegistry`]: Rust handlers and [`HttpListener`]s, each under a
//!   unique name and subscribed to event types; a handler registered with
//!   [`ListenerRegistry::register_for`] receives the typed event it
//!   subscribed to ([`TypedEvent`]), beside the envelope.
//! - [`Worker`]: runs every delivery with a deadline, isolated from the
//!   others, retries with backoff and jitter, and dead-letters after the
//!   listener's attempt limit. It reports each attempt to a
//!   [`DeliveryObserver`] (a delivery history) and skips the listeners in
//!   its [`PausedListeners`], whose deliveries wait in the queue.
//!
//! The guarantees, in one place:
//! - an envelope is durable when [`EventQueue::enqueue`] returns, and a
//!   second envelope with the same `(provider, delivery_id)` is reported as
//!   [`EnqueueOutcome::Duplicate`] and never delivered again;
//! - every listener subscribed to an event type gets its own delivery of
//!   each event of that type (one per event and listener), at least once:
//!   a delivery that is neither acked nor nacked before its lease ends is
//!   delivered again;
//! - after `max_attempts` failed attempts a delivery becomes a
//!   [`DeadLetter`], which can be listed and replayed.

mod error;
mod handle;
mod http;
mod listener;
mod metrics;
pub mod nats;
mod observe;
mod queue;
mod retry;
pub mod signature;
pub mod sqlite;
mod typed;
mod worker;

pub use error::QueueError;
pub use http::HttpListener;
pub use listener::{Listener, ListenerError, ListenerRegistry, ListenerSpec, RegistryError};
pub use nats::{JetStreamConfig, JetStreamQueue};
pub use observe::{AttemptReport, DeliveryObserver, PausedListeners};
pub use queue::{
    DeadLetter, Delivery, EnqueueOutcome, EventQueue, ListenerSubscription, NackOutcome, StartFrom,
};
pub use retry::RetryPolicy;
pub use sqlite::{SqliteConfig, SqliteQueue};
pub use typed::TypedEvent;
pub use worker::{Redaction, RunOutcome, Worker, WorkerConfig};
