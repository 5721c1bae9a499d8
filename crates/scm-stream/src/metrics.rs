//! The event stream's metrics, named as in the platform design and
//! prefixed through [`scm_core::telemetry::metric_name`].
//!
//! Durations are recorded in seconds (histograms), sizes in bytes.

use std::time::Duration;

use metrics::{counter, histogram};
use scm_core::telemetry::metric_name;

use crate::error::QueueError;
use crate::queue::EnqueueOutcome;

/// Counts one enqueue: `produce_event_to_scm_stream.success` with the
/// outcome, or `.failed` with the error's reason, tagged with the backend
/// and the event's provider (a receiver's name, a bounded set). Both
/// backends count here, after the queue answered.
pub(crate) fn produced(
    backend: &'static str,
    provider: &str,
    result: &Result<EnqueueOutcome, QueueError>,
) {
    let (name, tag, value) = match result {
        Ok(EnqueueOutcome::Accepted) => {
            ("produce_event_to_scm_stream.success", "outcome", "accepted")
        }
        Ok(EnqueueOutcome::Duplicate) => (
            "produce_event_to_scm_stream.success",
            "outcome",
            "duplicate",
        ),
        Err(err) => ("produce_event_to_scm_stream.failed", "reason", err.reason()),
    };
    let labels = [
        ("backend", backend.to_owned()),
        ("provider", provider.to_owned()),
        (tag, value.to_owned()),
    ];
    counter!(metric_name(name), &labels).increment(1);
}

pub(crate) fn run_success(listener: &str) {
    counter!(metric_name("run_listener.success"), "listener" => listener.to_owned()).increment(1);
}

pub(crate) fn run_failed(listener: &str, reason: &str) {
    counter!(
        metric_name("run_listener.failed"),
        "listener" => listener.to_owned(),
        "reason" => reason.to_owned()
    )
    .increment(1);
}

pub(crate) struct RunTimes {
    pub size: usize,
    /// Enqueued → handler started.
    pub queue_time: Duration,
    /// Handler started → finished.
    pub task_time: Duration,
    /// Webhook received by the ingress → handler finished.
    pub real_time: Duration,
}

pub(crate) fn run_times(listener: &str, times: &RunTimes) {
    let tag = || ("listener", listener.to_owned());
    histogram!(metric_name("run_listener.message.size"), &[tag()]).record(times.size as f64);
    histogram!(metric_name("run_listener.queue_time"), &[tag()])
        .record(times.queue_time.as_secs_f64());
    histogram!(metric_name("run_listener.task_time"), &[tag()])
        .record(times.task_time.as_secs_f64());
    histogram!(metric_name("run_listener.real_time"), &[tag()])
        .record(times.real_time.as_secs_f64());
}
