//! Coalescing: concurrent identical reads make one provider request.
//!
//! The first read of a key becomes its leader; reads of the same key that
//! arrive while it is in flight wait (bounded) for the leader's answer
//! instead of sending their own. A leader that fails, is cancelled or
//! gets an answer that may not be shared releases its waiters without an
//! answer, and each then sends its own request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;

use super::CachedResponse;

/// What a leader hands its waiters: the answer and whether it was
/// revalidated; `None` when it may not be shared.
pub type Shared = Option<(Arc<CachedResponse>, bool)>;

/// The keys in flight.
#[derive(Default)]
pub struct Flights {
    in_flight: Mutex<HashMap<String, watch::Receiver<Option<Shared>>>>,
}

/// The role of one read.
pub enum Role {
    /// Send the request, then [`Leader::finish`].
    Leader(Leader),
    /// Another read of the key is in flight: wait for it.
    Waiter(watch::Receiver<Option<Shared>>),
}

/// The one read of a key in flight. Dropping it without
/// [`Leader::finish`] releases the waiters without an answer.
pub struct Leader {
    flights: Arc<Flights>,
    key: String,
    sender: watch::Sender<Option<Shared>>,
}

impl Flights {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Receiver<Option<Shared>>>> {
        self.in_flight.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Leads `key`, or waits for the read of it already in flight.
    pub fn join(self: &Arc<Self>, key: &str) -> Role {
        let mut map = self.map();
        if let Some(receiver) = map.get(key) {
            return Role::Waiter(receiver.clone());
        }
        let (sender, receiver) = watch::channel(None);
        map.insert(key.to_owned(), receiver);
        Role::Leader(Leader {
            flights: self.clone(),
            key: key.to_owned(),
            sender,
        })
    }
}

impl Leader {
    /// Hands `answer` to the waiters.
    pub fn finish(self, answer: Shared) {
        let _ = self.sender.send(Some(answer));
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        self.flights.map().remove(&self.key);
    }
}

/// Waits up to `wait` for the leader's answer; `None`: send your own.
pub async fn wait(mut receiver: watch::Receiver<Option<Shared>>, wait: Duration) -> Shared {
    let answer = tokio::time::timeout(wait, receiver.wait_for(Option::is_some)).await;
    match answer {
        Ok(Ok(answer)) => answer.clone().flatten(),
        _ => None,
    }
}
