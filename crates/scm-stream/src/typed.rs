//! Listeners that receive the typed event they subscribed to.
//!
//! An envelope-level [`Listener`] gets every event as an
//! [`EventEnvelope`] and matches on [`Event`] itself. Most listeners care
//! about one kind of event, so
//! [`ListenerRegistry::register_for`](crate::ListenerRegistry::register_for)
//! takes a closure over that kind's struct (`CheckRunEvent`, `PushEvent`, …)
//! beside the envelope: the subscription is derived from the type, and the
//! match lives here, once.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;
use scm_core::events::{
    CheckRunEvent, CheckSuiteEvent, CommentEvent, Event, EventEnvelope, EventType,
    InstallationEvent, IssueEvent, PullRequestEvent, PullRequestReviewEvent, PushEvent,
    ReviewCommentEvent,
};

use crate::listener::{Listener, ListenerError};

/// One kind of [`Event`] as its own type: which [`EventType`] it is and how
/// to take it out of an [`Event`].
///
/// Implemented for every event struct of [`scm_core::events`]; a typed
/// listener subscribes to exactly [`TypedEvent::EVENT_TYPE`].
///
/// ```
/// use scm_core::events::{CheckRunEvent, EventType, PushEvent};
/// use scm_stream::TypedEvent;
///
/// assert_eq!(CheckRunEvent::EVENT_TYPE, EventType::CheckRun);
/// assert_eq!(PushEvent::EVENT_TYPE.as_str(), "push");
/// ```
pub trait TypedEvent: Clone + Send + Sync + 'static {
    /// The event type a listener of this event subscribes to.
    const EVENT_TYPE: EventType;

    /// This kind's payload, when `event` is of this kind.
    fn from_event(event: &Event) -> Option<&Self>;
}

/// One impl per [`Event`] variant; the variant and the type share a name
/// in [`EventType`], so a missing or mismatched line does not compile.
macro_rules! typed_events {
    ($($variant:ident => $event:ty),* $(,)?) => {
        $(
            impl TypedEvent for $event {
                const EVENT_TYPE: EventType = EventType::$variant;

                fn from_event(event: &Event) -> Option<&Self> {
                    match event {
                        Event::$variant(inner) => Some(inner),
                        _ => None,
                    }
                }
            }
        )*
    };
}

typed_events! {
    CheckRun => CheckRunEvent,
    CheckSuite => CheckSuiteEvent,
    Comment => CommentEvent,
    PullRequest => PullRequestEvent,
    PullRequestReview => PullRequestReviewEvent,
    ReviewComment => ReviewCommentEvent,
    Push => PushEvent,
    Issue => IssueEvent,
    Installation => InstallationEvent,
}

/// A closure over one event type as a [`Listener`].
pub(crate) struct TypedListener<E, F> {
    handler: F,
    event: PhantomData<fn() -> E>,
}

impl<E, F> TypedListener<E, F> {
    pub(crate) fn new(handler: F) -> Self {
        Self {
            handler,
            event: PhantomData,
        }
    }
}

#[async_trait]
impl<E, F, Fut> Listener for TypedListener<E, F>
where
    E: TypedEvent,
    F: Fn(E, Arc<EventEnvelope>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), ListenerError>> + Send + 'static,
{
    async fn handle(&self, envelope: Arc<EventEnvelope>) -> Result<(), ListenerError> {
        // The subscription only lets `E::EVENT_TYPE` through, so another
        // kind here means the queue delivered against it: a failure to
        // retry and, if it persists, a dead letter to look at, never a
        // silent success.
        let Some(event) = E::from_event(&envelope.event).cloned() else {
            return Err(ListenerError::with_reason(
                "event_type",
                format!(
                    "listener of `{}` events got a `{}` event",
                    E::EVENT_TYPE,
                    envelope.event_type()
                ),
            ));
        };
        (self.handler)(event, envelope).await
    }
}
