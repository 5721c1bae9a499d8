//! The process-wide `metrics` recorder: Prometheus (rendered at
//! `/metrics`) and, when configured, DogStatsD over UDP, fed by one
//! fan-out so both see every metric.
//!
//! Metric names keep scm-core's dotted names; the Prometheus exporter
//! writes underscores, DogStatsD keeps the dots and sends labels as tags.

use std::sync::OnceLock;

use metrics_exporter_dogstatsd::DogStatsDBuilder;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use metrics_util::layers::FanoutBuilder;

use super::prometheus_names::CounterTotals;
use super::ObservabilityConfig;

static PROMETHEUS: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Why the exporters could not be installed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("StatsD address `{addr}`: {detail}")]
    Statsd { addr: String, detail: String },
}

/// Installs the recorder once, before serving, so the first actions are
/// counted; sets the metric prefix. Later calls change nothing. A StatsD
/// address that does not resolve is an error (reported at start-up).
pub fn install(config: &ObservabilityConfig) -> Result<(), ExportError> {
    let mut result = Ok(());
    PROMETHEUS.get_or_init(|| {
        scm_core::telemetry::set_prefix(config.metrics_prefix.clone());
        let (prometheus, handle) = {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            (recorder, handle)
        };
        let mut fanout = FanoutBuilder::default().add_recorder(CounterTotals(prometheus));
        if let Some(addr) = &config.statsd_addr {
            match statsd(addr) {
                Ok(recorder) => fanout = fanout.add_recorder(recorder),
                Err(err) => {
                    result = Err(err);
                    return None;
                }
            }
        }
        match metrics::set_global_recorder(fanout.build()) {
            Ok(()) => {
                scm_core::telemetry::describe();
                Some(handle)
            }
            Err(err) => {
                tracing::warn!(error = %err, "another metrics recorder is installed");
                None
            }
        }
    });
    result
}

fn statsd(addr: &str) -> Result<metrics_exporter_dogstatsd::DogStatsDRecorder, ExportError> {
    let fail = |detail: String| ExportError::Statsd {
        addr: addr.to_owned(),
        detail,
    };
    DogStatsDBuilder::default()
        .with_remote_address(addr)
        .map_err(|err| fail(err.to_string()))?
        .with_telemetry(false)
        .send_histograms_as_distributions(false)
        .build()
        .map_err(|err| fail(err.to_string()))
}

/// The Prometheus handle, installing the default recorder (Prometheus
/// only) when nothing was installed yet.
pub fn prometheus() -> Option<&'static PrometheusHandle> {
    let _ = install(&ObservabilityConfig::default());
    PROMETHEUS.get().and_then(Option::as_ref)
}
