//! The worker runtime: runs deliveries, isolated from each other.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use futures::{FutureExt as _, StreamExt as _};
use tokio::sync::watch;
use tracing::Instrument as _;

use crate::error::QueueError;
use crate::listener::{ListenerRegistry, Registered};
use crate::metrics::{self, RunTimes};
use crate::observe::{AttemptReport, DeliveryObserver, PausedListeners};
use crate::queue::{Delivery, EventQueue, NackOutcome};

/// Settings shared by every listener of a worker.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Deliveries reserved at once per listener.
    pub batch_size: usize,
    /// Longest a reservation waits for work; also bounds how long a
    /// shutdown waits for an idle listener loop.
    pub poll_wait: Duration,
    /// Pause after a queue error before trying again.
    pub error_pause: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            batch_size: 32,
            poll_wait: Duration::from_secs(1),
            error_pause: Duration::from_secs(1),
        }
    }
}

/// What became of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    Succeeded,
    /// Failed; will be delivered again.
    Retrying {
        reason: String,
    },
    /// Failed on its last attempt; now a dead letter.
    DeadLettered {
        reason: String,
    },
    /// The queue could not record the outcome; the delivery will come back
    /// when its lease ends.
    Unrecorded {
        error: String,
    },
}

/// Runs the listeners of a registry against a queue.
///
/// Isolation: each listener has its own loop, and each run its own task
/// with a deadline; a panic is caught and counted as that run's failure.
/// A failing, slow or panicking listener therefore only delays its own
/// deliveries. (A handler that blocks its thread without awaiting cannot
/// be interrupted by the deadline: keep blocking work in
/// `spawn_blocking`.)
///
/// ```
/// use std::time::Duration;
/// use std::sync::Arc;
///
/// use bytes::Bytes;
/// use scm_core::events::{Event, EventEnvelope, PushAction, PushEvent};
/// use scm_stream::{
///     EventQueue, ListenerRegistry, ListenerSpec, RunOutcome, SqliteConfig, SqliteQueue,
///     TypedEvent, Worker, WorkerConfig,
/// };
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let queue: Arc<dyn EventQueue> =
///     Arc::new(SqliteQueue::open(SqliteConfig::new(dir.path().join("events.db"))).await?);
/// let mut listeners = ListenerRegistry::new();
/// listeners.register_for(
///     ListenerSpec::new("deploy", &[PushEvent::EVENT_TYPE]),
///     |push: PushEvent, _envelope| async move {
///         assert_eq!(push.ref_name, "refs/heads/main");
///         Ok(())
///     },
/// )?;
/// let worker = Worker::new(queue.clone(), listeners, WorkerConfig::default());
/// worker.subscribe().await?;
///
/// // What the webhook ingress queues (a provider's receiver builds these).
/// let push = Event::Push(PushEvent {
///     action: PushAction::Pushed,
///     ref_name: "refs/heads/main".into(),
///     before: None,
///     after: None,
///     forced: false,
///     commits: vec![],
///     compare_url: None,
///     pusher: None,
///     sender: None,
/// });
/// queue.enqueue(&EventEnvelope::new("github", "d-1", "push", Bytes::new(), push)).await?;
///
/// // `run` loops until shutdown; one batch at a time is `poll_once`.
/// let outcomes = worker.poll_once("deploy", Duration::from_secs(1)).await?;
/// assert_eq!(outcomes, [RunOutcome::Succeeded]);
/// # Ok(())
/// # }
/// ```
pub struct Worker {
    queue: Arc<dyn EventQueue>,
    registry: Arc<ListenerRegistry>,
    config: WorkerConfig,
    observer: Option<Arc<dyn DeliveryObserver>>,
    redaction: Option<Redaction>,
    paused: PausedListeners,
}

/// Masks credentials in a listener's failure text. A listener's error is
/// its own words (an HTTP listener may quote a URL with a token in it, a
/// function listener anything), and the worker logs it, stores it with
/// the retry or dead letter and reports it to the delivery history, so it
/// passes through this first. The server's text scrubber is the one
/// `scm worker` installs.
pub type Redaction = Arc<dyn Fn(&str) -> String + Send + Sync>;

impl Worker {
    pub fn new(
        queue: Arc<dyn EventQueue>,
        registry: ListenerRegistry,
        config: WorkerConfig,
    ) -> Self {
        Self {
            queue,
            registry: Arc::new(registry),
            config,
            observer: None,
            redaction: None,
            paused: PausedListeners::default(),
        }
    }

    /// Reports every finished attempt to `observer` (the delivery history).
    pub fn with_observer(mut self, observer: Arc<dyn DeliveryObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Runs every listener failure text through `redaction` before it is
    /// logged, stored or observed.
    pub fn with_redaction(mut self, redaction: Redaction) -> Self {
        self.redaction = Some(redaction);
        self
    }

    /// The paused listeners: their deliveries stay in the queue until they
    /// are resumed. Updating the returned set takes effect at the next poll.
    pub fn paused(&self) -> &PausedListeners {
        &self.paused
    }

    pub fn queue(&self) -> &Arc<dyn EventQueue> {
        &self.queue
    }

    /// Subscribes every registered listener (idempotent).
    pub async fn subscribe(&self) -> Result<(), QueueError> {
        for registered in self.registry.all() {
            self.queue
                .subscribe(&registered.spec.subscription())
                .await?;
        }
        Ok(())
    }

    /// Reserves one batch for `listener` (waiting up to `wait`) and runs
    /// it. Returns what became of each delivery.
    pub async fn poll_once(
        &self,
        listener: &str,
        wait: Duration,
    ) -> Result<Vec<RunOutcome>, QueueError> {
        let registered = self
            .registry
            .get(listener)
            .ok_or_else(|| QueueError::UnknownListener(listener.to_owned()))?;
        if self.paused.contains(listener) {
            // Nothing is reserved, so nothing is lost: the queue keeps the
            // deliveries. Waiting like an idle reservation keeps the loop
            // from spinning.
            tokio::time::sleep(wait).await;
            return Ok(Vec::new());
        }
        let deliveries = self
            .queue
            .reserve(listener, self.config.batch_size, wait)
            .await?;
        let queue = self.queue.clone();
        let observer = self.observer.clone();
        let redaction = self.redaction.clone();
        Ok(futures::stream::iter(deliveries)
            .map(|delivery| {
                run_delivery(
                    queue.clone(),
                    registered.clone(),
                    observer.clone(),
                    redaction.clone(),
                    delivery,
                )
            })
            .buffer_unordered(registered.spec.concurrency)
            .collect()
            .await)
    }

    /// Subscribes every listener, then runs them until `shutdown`
    /// completes. Batches in flight finish first; anything still leased
    /// afterwards is delivered again when its lease ends.
    pub async fn run(&self, shutdown: impl Future<Output = ()> + Send) -> Result<(), QueueError> {
        self.subscribe().await?;
        let (stop, stopped) = watch::channel(false);
        let loops = self.registry.all().map(|registered| {
            let name = registered.spec.name.clone();
            let mut stopped = stopped.clone();
            async move {
                let mut was_paused = false;
                while !*stopped.borrow() {
                    // Said between two polls: once "paused" is logged, no
                    // reservation of this listener is in flight.
                    let paused = self.paused.contains(&name);
                    if paused != was_paused {
                        was_paused = paused;
                        if paused {
                            tracing::info!(listener = %name, "listener paused; its deliveries wait in the queue");
                        } else {
                            tracing::info!(listener = %name, "listener resumed");
                        }
                    }
                    let poll = self.poll_once(&name, self.config.poll_wait);
                    if let Err(err) = poll.await {
                        tracing::error!(listener = %name, error = %err, "event queue error");
                        let pause = tokio::time::sleep(self.config.error_pause);
                        tokio::select! {
                            _ = pause => {}
                            _ = stopped.changed() => {}
                        }
                    }
                }
            }
        });
        let all = futures::future::join_all(loops);
        tokio::pin!(all);
        tokio::select! {
            _ = &mut all => {}
            _ = shutdown => {
                let _ = stop.send(true);
                all.await;
            }
        }
        Ok(())
    }
}

fn panic_message(panic: &(dyn Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string panic payload".to_owned())
}

async fn run_delivery(
    queue: Arc<dyn EventQueue>,
    registered: Arc<Registered>,
    observer: Option<Arc<dyn DeliveryObserver>>,
    redaction: Option<Redaction>,
    delivery: Delivery,
) -> RunOutcome {
    let spec = &registered.spec;
    let span = tracing::info_span!(
        "run_listener",
        otel.kind = "consumer",
        listener = %spec.name,
        delivery_id = %delivery.envelope.delivery_id,
        event_type = %delivery.envelope.event_type(),
        attempt = delivery.attempt,
        trace_id = tracing::field::Empty,
    );
    // The run continues the trace of the webhook's receipt, stored with
    // the event (across processes and restarts).
    if let Some(trace) = &delivery.envelope.trace {
        scm_core::trace_context::adopt(&span, &trace.headers());
    }
    if let Some(trace_id) = scm_core::trace_context::trace_id(&span) {
        span.record("trace_id", trace_id.as_str());
    }
    async {
        let queue_time = (Utc::now() - delivery.enqueued_at)
            .to_std()
            .unwrap_or_default();
        let started = Instant::now();
        let listener = registered.listener.clone();
        let envelope = delivery.envelope.clone();
        let deadline = spec.deadline;
        // Own task: runs in parallel with other listeners' runs, and a
        // panic that escapes catch_unwind still only fails this task.
        let run = tokio::spawn(
            async move {
                tokio::time::timeout(
                    deadline,
                    AssertUnwindSafe(listener.handle(envelope)).catch_unwind(),
                )
                .await
            }
            .in_current_span(),
        );
        let failure: Option<(String, String)> = match run.await {
            Ok(Ok(Ok(Ok(())))) => None,
            Ok(Ok(Ok(Err(err)))) => Some((err.reason().to_owned(), err.message().to_owned())),
            Ok(Ok(Err(panic))) => Some(("panic".into(), panic_message(panic.as_ref()))),
            Ok(Err(_)) => Some((
                "timeout".into(),
                format!("exceeded the {deadline:?} deadline"),
            )),
            Err(join) => Some(("panic".into(), join.to_string())),
        };
        let failure = match (failure, &redaction) {
            (Some((reason, message)), Some(redact)) => Some((reason, redact(&message))),
            (failure, _) => failure,
        };
        let task_time = started.elapsed();

        let outcome = match failure {
            None => {
                metrics::run_success(&spec.name);
                match queue.ack(&delivery).await {
                    Ok(()) => RunOutcome::Succeeded,
                    Err(err) => {
                        tracing::error!(error = %err, "ack failed; the delivery will be repeated");
                        RunOutcome::Unrecorded {
                            error: err.to_string(),
                        }
                    }
                }
            }
            Some((reason, message)) => {
                metrics::run_failed(&spec.name, &reason);
                let detail = format!("{reason}: {message}");
                tracing::warn!(reason = %reason, message = %message, "listener run failed");
                let retry_after = spec.retry.delay(delivery.attempt);
                match queue.nack(&delivery, retry_after, &detail).await {
                    Ok(NackOutcome::Retrying) => RunOutcome::Retrying { reason: detail },
                    Ok(NackOutcome::DeadLettered) => {
                        tracing::error!(reason = %detail, "delivery dead-lettered");
                        RunOutcome::DeadLettered { reason: detail }
                    }
                    Err(err) => {
                        tracing::error!(error = %err, "nack failed; the delivery will be repeated");
                        RunOutcome::Unrecorded {
                            error: err.to_string(),
                        }
                    }
                }
            }
        };
        let real_time = (Utc::now() - delivery.envelope.received_at)
            .to_std()
            .unwrap_or_default();
        metrics::run_times(
            &spec.name,
            &RunTimes {
                size: delivery.size,
                queue_time,
                task_time,
                real_time,
            },
        );
        if let Some(observer) = observer {
            observer
                .attempted(&AttemptReport {
                    listener: &spec.name,
                    envelope: &delivery.envelope,
                    attempt: delivery.attempt,
                    outcome: &outcome,
                    finished_at: Utc::now(),
                })
                .await;
        }
        outcome
    }
    .instrument(span)
    .await
}
