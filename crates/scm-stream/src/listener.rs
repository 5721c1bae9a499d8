//! Listeners and the registry that names them.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use scm_core::events::{EventEnvelope, EventType};

use crate::queue::{validate_name, ListenerSubscription, StartFrom};
use crate::retry::RetryPolicy;
use crate::typed::{TypedEvent, TypedListener};

/// Why a listener run failed. `reason` is a short, low-cardinality code
/// used as a metric tag (`error`, `http_status`, …); `message` is for logs
/// and the dead-letter store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerError {
    reason: String,
    message: String,
}

impl ListenerError {
    pub fn new(message: impl fmt::Display) -> Self {
        Self::with_reason("error", message)
    }

    pub fn with_reason(reason: impl Into<String>, message: impl fmt::Display) -> Self {
        Self {
            reason: reason.into(),
            message: message.to_string(),
        }
    }

    pub fn reason(&self) -> &str {
        &self.reason
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for ListenerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.reason, self.message)
    }
}

impl std::error::Error for ListenerError {}

/// Something that reacts to events. Runs may be concurrent and repeated
/// (delivery is at least once), so handlers should be idempotent, e.g. by
/// keying side effects on `envelope.delivery_id`.
#[async_trait]
pub trait Listener: Send + Sync + 'static {
    async fn handle(&self, envelope: Arc<EventEnvelope>) -> Result<(), ListenerError>;
}

/// A closure as a listener.
struct FnListener<F>(F);

#[async_trait]
impl<F, Fut> Listener for FnListener<F>
where
    F: Fn(Arc<EventEnvelope>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<(), ListenerError>> + Send + 'static,
{
    async fn handle(&self, envelope: Arc<EventEnvelope>) -> Result<(), ListenerError> {
        (self.0)(envelope).await
    }
}

/// How a listener is subscribed and run.
#[derive(Debug, Clone, PartialEq)]
pub struct ListenerSpec {
    /// Unique among listeners: `[A-Za-z0-9_-]`, at most 64 characters.
    pub name: String,
    pub event_types: Vec<EventType>,
    /// Longest one run may take; a run past it counts as a failure.
    pub deadline: Duration,
    /// Attempts before the delivery is dead-lettered.
    pub max_attempts: u32,
    /// Delay between attempts.
    pub retry: RetryPolicy,
    /// How long a delivery stays leased to a worker; must exceed the
    /// deadline. `None`: twice the deadline plus one second.
    pub lease: Option<Duration>,
    pub start: StartFrom,
    /// Runs of this listener in flight at once, per worker.
    pub concurrency: usize,
}

impl ListenerSpec {
    pub fn new(name: impl Into<String>, event_types: &[EventType]) -> Self {
        Self {
            name: name.into(),
            event_types: event_types.to_vec(),
            deadline: Duration::from_secs(30),
            max_attempts: 5,
            retry: RetryPolicy::default(),
            lease: None,
            start: StartFrom::New,
            concurrency: 8,
        }
    }

    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts;
        self
    }

    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn lease(mut self, lease: Duration) -> Self {
        self.lease = Some(lease);
        self
    }

    pub fn start(mut self, start: StartFrom) -> Self {
        self.start = start;
        self
    }

    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency;
        self
    }

    pub fn effective_lease(&self) -> Duration {
        self.lease
            .unwrap_or_else(|| self.deadline.saturating_mul(2) + Duration::from_secs(1))
    }

    /// What the queue needs to know about this listener.
    pub fn subscription(&self) -> ListenerSubscription {
        ListenerSubscription {
            name: self.name.clone(),
            event_types: self.event_types.clone(),
            max_attempts: self.max_attempts,
            lease: self.effective_lease(),
            start: self.start,
        }
    }

    fn validate(&self) -> Result<(), RegistryError> {
        validate_name(&self.name).map_err(RegistryError::Invalid)?;
        let invalid = |why: &str| {
            Err(RegistryError::Invalid(format!(
                "listener `{}`: {why}",
                self.name
            )))
        };
        if self.event_types.is_empty() {
            return invalid("subscribes to no event type");
        }
        if self.max_attempts == 0 {
            return invalid("max_attempts must be at least 1");
        }
        if self.concurrency == 0 {
            return invalid("concurrency must be at least 1");
        }
        if self.deadline.is_zero() {
            return invalid("the deadline must be positive");
        }
        if self.effective_lease() <= self.deadline {
            return invalid("the lease must be longer than the deadline");
        }
        Ok(())
    }
}

/// Registration refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegistryError {
    /// Names are identities (queue subscriptions, metrics, dead letters),
    /// so a second listener under a taken name is an error, never a
    /// silent replacement.
    #[error("a listener named `{0}` is already registered")]
    DuplicateName(String),
    #[error("{0}")]
    Invalid(String),
}

pub(crate) struct Registered {
    pub spec: ListenerSpec,
    pub listener: Arc<dyn Listener>,
}

/// The listeners a worker runs, by unique name.
///
/// A listener is a Rust closure over the typed event it subscribes to
/// ([`ListenerRegistry::register_for`]), a closure or [`Listener`] over the
/// whole envelope ([`ListenerRegistry::register_fn`],
/// [`ListenerRegistry::register`]), or an [`HttpListener`](crate::HttpListener)
/// that receives signed JSON. Names are identities: a second listener under
/// a taken name is refused.
///
/// ```
/// use std::time::Duration;
///
/// use scm_core::events::{Event, EventType};
/// use scm_stream::{ListenerError, ListenerRegistry, ListenerSpec, RegistryError};
///
/// let mut registry = ListenerRegistry::new();
/// let spec = ListenerSpec::new("audit", &[EventType::PullRequest, EventType::Push])
///     .deadline(Duration::from_secs(10))
///     .max_attempts(3);
/// registry
///     .register_fn(spec.clone(), |envelope| async move {
///         match &envelope.event {
///             Event::PullRequest(_) | Event::Push(_) => Ok(()),
///             other => Err(ListenerError::new(format!("not subscribed: {}", other.event_type()))),
///         }
///     })
///     .unwrap();
/// let taken = registry.register_fn(spec, |_| async { Ok(()) }).unwrap_err();
/// assert_eq!(taken, RegistryError::DuplicateName("audit".into()));
/// ```
#[derive(Default)]
pub struct ListenerRegistry {
    listeners: BTreeMap<String, Arc<Registered>>,
}

impl ListenerRegistry {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register(
        &mut self,
        spec: ListenerSpec,
        listener: impl Listener,
    ) -> Result<(), RegistryError> {
        self.register_arc(spec, Arc::new(listener))
    }

    pub fn register_arc(
        &mut self,
        spec: ListenerSpec,
        listener: Arc<dyn Listener>,
    ) -> Result<(), RegistryError> {
        spec.validate()?;
        if self.listeners.contains_key(&spec.name) {
            return Err(RegistryError::DuplicateName(spec.name));
        }
        self.listeners
            .insert(spec.name.clone(), Arc::new(Registered { spec, listener }));
        Ok(())
    }

    /// Registers an async closure:
    /// `registry.register_fn(spec, |envelope| async move { Ok(()) })`.
    pub fn register_fn<F, Fut>(
        &mut self,
        spec: ListenerSpec,
        handler: F,
    ) -> Result<(), RegistryError>
    where
        F: Fn(Arc<EventEnvelope>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ListenerError>> + Send + 'static,
    {
        self.register(spec, FnListener(handler))
    }

    /// Registers an async closure that receives the typed event it
    /// subscribed to, beside its envelope. The spec must subscribe to
    /// exactly `E`'s event type ([`TypedEvent::EVENT_TYPE`]); anything else
    /// is refused here rather than failing at delivery.
    ///
    /// ```
    /// use scm_core::events::CheckRunEvent;
    /// use scm_stream::{ListenerError, ListenerRegistry, ListenerSpec, TypedEvent};
    ///
    /// let mut registry = ListenerRegistry::new();
    /// registry
    ///     .register_for(
    ///         ListenerSpec::new("ci-status", &[CheckRunEvent::EVENT_TYPE]),
    ///         |event: CheckRunEvent, envelope| async move {
    ///             // Keyed on the delivery: runs are at least once.
    ///             let _ = (&envelope.delivery_id, event.check_run.conclusion);
    ///             Ok::<_, ListenerError>(())
    ///         },
    ///     )
    ///     .unwrap();
    /// assert_eq!(registry.len(), 1);
    ///
    /// // A spec that subscribes to other event types is refused.
    /// let wrong = ListenerSpec::new("mixed", &[scm_core::EventType::Push]);
    /// assert!(registry
    ///     .register_for(wrong, |_: CheckRunEvent, _| async { Ok(()) })
    ///     .is_err());
    /// ```
    pub fn register_for<E, F, Fut>(
        &mut self,
        spec: ListenerSpec,
        handler: F,
    ) -> Result<(), RegistryError>
    where
        E: TypedEvent,
        F: Fn(E, Arc<EventEnvelope>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), ListenerError>> + Send + 'static,
    {
        if spec.event_types != [E::EVENT_TYPE] {
            return Err(RegistryError::Invalid(format!(
                "listener `{}` takes `{}` events and must subscribe to exactly that type",
                spec.name,
                E::EVENT_TYPE
            )));
        }
        self.register(spec, TypedListener::<E, F>::new(handler))
    }

    pub fn specs(&self) -> impl Iterator<Item = &ListenerSpec> {
        self.listeners.values().map(|r| &r.spec)
    }

    pub fn len(&self) -> usize {
        self.listeners.len()
    }

    pub fn is_empty(&self) -> bool {
        self.listeners.is_empty()
    }

    pub(crate) fn get(&self, name: &str) -> Option<Arc<Registered>> {
        self.listeners.get(name).cloned()
    }

    pub(crate) fn all(&self) -> impl Iterator<Item = &Arc<Registered>> {
        self.listeners.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_names_are_refused_at_registration() {
        let mut registry = ListenerRegistry::new();
        let spec = ListenerSpec::new("notify", &[EventType::PullRequest]);
        registry
            .register_fn(spec.clone(), |_| async { Ok(()) })
            .unwrap();
        let err = registry
            .register_fn(spec, |_| async { Err(ListenerError::new("never runs")) })
            .unwrap_err();
        assert_eq!(err, RegistryError::DuplicateName("notify".into()));
        assert_eq!(registry.len(), 1);
    }

    #[test]
    fn invalid_specs_are_refused() {
        let mut registry = ListenerRegistry::new();
        let bad_name = ListenerSpec::new("has space", &[EventType::Push]);
        assert!(registry
            .register_fn(bad_name, |_| async { Ok(()) })
            .is_err());
        let no_types = ListenerSpec::new("x", &[]);
        assert!(registry
            .register_fn(no_types, |_| async { Ok(()) })
            .is_err());
        let short_lease = ListenerSpec::new("y", &[EventType::Push])
            .deadline(Duration::from_secs(10))
            .lease(Duration::from_secs(5));
        assert!(registry
            .register_fn(short_lease, |_| async { Ok(()) })
            .is_err());
        assert!(registry.is_empty());
    }
}
