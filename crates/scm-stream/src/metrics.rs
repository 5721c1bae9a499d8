//! The event stream's metrics, named as in the platform design and
//! prefixed through [`scm_core::telemetry::metric_name`].
//!
//! Durations are recorded in seconds (histograms), sizes in bytes.

use std::time::Duration;

use metrics::{counter, histogram};
use scm_core::telemetry::metric_name;

use crate::queue::EnqueueOutcome;

pub(crate) fn produce_success(backend: &'static str, outcome: EnqueueOutcome) {
    let outcome = match outcome {
        EnqueueOutcome::Accepted => "accepted",
        EnqueueOutcome::Duplicate => "duplicate",
    };
    counter!(metric_name("produce_event_to_scm_stream.success"), "backend" => backend, "outcome" => outcome)
        .increment(1);
}

pub(crate) fn produce_failed(backend: &'static str, reason: &'static str) {
    counter!(metric_name("produce_event_to_scm_stream.failed"), "backend" => backend, "reason" => reason)
        .increment(1);
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
