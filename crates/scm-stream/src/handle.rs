//! How a backend finds a reserved delivery again to ack or nack it.
//!
//! Every backend's handle is named here, so the queue contract in
//! [`queue`](crate::queue) carries a [`Handle`] without knowing any
//! backend, and no backend module is imported by the contract.

use async_nats::jetstream;

/// The backend's own reference to one reserved delivery.
pub(crate) enum Handle {
    Sqlite { id: i64, lease_token: i64 },
    Nats(Box<NatsHandle>),
}

/// The message a NATS delivery came from.
pub(crate) struct NatsHandle {
    pub(crate) message: jetstream::Message,
    pub(crate) stream_sequence: u64,
}
