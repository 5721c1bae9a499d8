//! Prometheus's naming rule for counters (`_total`), applied in front of
//! the Prometheus recorder only: StatsD keeps the platform's names
//! (`sentry.scm.actions.success`), Prometheus shows
//! `sentry_scm_actions_success_total`, as `promtool check metrics` asks.

use metrics::{Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit};

/// Wraps a recorder, appending `.total` to every counter's name.
pub struct CounterTotals<R>(pub R);

fn total(name: &str) -> String {
    format!("{name}.total")
}

impl<R: Recorder> Recorder for CounterTotals<R> {
    fn describe_counter(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.0
            .describe_counter(KeyName::from(total(key.as_str())), unit, description)
    }

    fn describe_gauge(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.0.describe_gauge(key, unit, description)
    }

    fn describe_histogram(&self, key: KeyName, unit: Option<Unit>, description: SharedString) {
        self.0.describe_histogram(key, unit, description)
    }

    fn register_counter(&self, key: &Key, metadata: &Metadata<'_>) -> Counter {
        let renamed = Key::from_parts(total(key.name()), key.labels().cloned().collect::<Vec<_>>());
        self.0.register_counter(&renamed, metadata)
    }

    fn register_gauge(&self, key: &Key, metadata: &Metadata<'_>) -> Gauge {
        self.0.register_gauge(key, metadata)
    }

    fn register_histogram(&self, key: &Key, metadata: &Metadata<'_>) -> Histogram {
        self.0.register_histogram(key, metadata)
    }
}
