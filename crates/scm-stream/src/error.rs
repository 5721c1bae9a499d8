//! Queue errors.

/// A queue operation failed. The message says which backend and why; it
/// never contains event payloads or secrets.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error("{backend} event queue: {detail}")]
    Backend {
        backend: &'static str,
        detail: String,
    },
    /// `reserve`/`ack` for a listener that was never subscribed.
    #[error("listener `{0}` is not subscribed to the event queue")]
    UnknownListener(String),
    #[error("invalid listener subscription: {0}")]
    InvalidSubscription(String),
    /// The queue's background writer is gone (the queue is shutting down).
    #[error("the event queue is closed")]
    Closed,
}

impl QueueError {
    pub(crate) fn sqlite(err: impl std::fmt::Display) -> Self {
        QueueError::Backend {
            backend: "sqlite",
            detail: err.to_string(),
        }
    }

    pub(crate) fn nats(err: impl std::fmt::Display) -> Self {
        QueueError::Backend {
            backend: "nats",
            detail: err.to_string(),
        }
    }

    /// A short, low-cardinality reason for metric tags.
    pub fn reason(&self) -> &'static str {
        match self {
            QueueError::Backend { .. } => "backend_error",
            QueueError::UnknownListener(_) => "unknown_listener",
            QueueError::InvalidSubscription(_) => "invalid_subscription",
            QueueError::Closed => "closed",
        }
    }
}
