//! The process's log output: one `tracing` subscriber for every `scm`
//! command, writing to stderr.
//!
//! The filter is `RUST_LOG` (default `info` for `scm serve` and `scm
//! worker`, nothing for one-shot commands); the format is text or JSON
//! (`--log-format` / `SCM_LOG_FORMAT`). JSON lines carry the fields of the
//! current span (the request's provider, action, referrer, …) flattened
//! next to the event's own.
//!
//! The same subscriber feeds the optional exports of `[observability]`:
//! spans over OTLP (`SCM_OTLP_ENDPOINT`) and errors to Sentry
//! (`SCM_SENTRY_DSN`); [`Exports`] keeps them running until the command
//! ends. Without trace export, callers' trace context passes through
//! unchanged.

use std::str::FromStr;

use clap::{Arg, ArgMatches};
use scm_core::Error;
use scm_server::observability::errors::{self, ErrorReporting};
use scm_server::observability::pass_through;
use scm_server::observability::traces::{self, TraceExport};
use scm_server::observability::ObservabilityConfig;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use tracing_subscriber::{fmt, EnvFilter, Layer};

/// The variable that selects the format when the flag is not given.
pub const FORMAT_ENV: &str = "SCM_LOG_FORMAT";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// Human-readable lines (`2026-… INFO scm.request{…}: request status=200`).
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

impl FromStr for LogFormat {
    type Err = Error;

    fn from_str(value: &str) -> Result<Self, Error> {
        match value.trim().to_ascii_lowercase().as_str() {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(Error::invalid_input(format!(
                "log format `{}`: expected text or json",
                value.chars().take(20).collect::<String>()
            ))),
        }
    }
}

/// The global `--log-format` flag (falls back to `SCM_LOG_FORMAT`).
pub fn format_arg() -> Arg {
    Arg::new("log_format")
        .long("log-format")
        .value_name("FORMAT")
        .global(true)
        .env(FORMAT_ENV)
        .value_parser(["text", "json"])
        .help("Log line format on stderr: text or json (level: RUST_LOG; default info for serve and worker, off otherwise)")
}

/// The format the command line asks for.
pub fn format_of(matches: &ArgMatches) -> Result<LogFormat, Error> {
    matches
        .get_one::<String>("log_format")
        .map_or(Ok(LogFormat::default()), |value| value.parse())
}

/// The running exports; dropping them flushes what they hold (Sentry
/// events first, then the last batch of spans).
#[must_use = "dropping the exports stops them"]
pub struct Exports {
    _errors: Option<ErrorReporting>,
    _traces: Option<TraceExport>,
}

/// Installs the subscriber. `RUST_LOG` selects what is written, else
/// `default_level` (`info` for `scm serve` and `scm worker`, `off` for
/// one-shot commands, whose stderr carries their JSON error); an unusable
/// `RUST_LOG` falls back to `default_level` and says so. Trace export and
/// error reporting start when `observability` names their destinations
/// (they see the platform's spans whatever `RUST_LOG` says). When a
/// subscriber was already installed (tests), nothing is exported.
pub fn install(
    format: LogFormat,
    default_level: &str,
    observability: &ObservabilityConfig,
) -> Result<Exports, Error> {
    let (filter, bad_filter) = match EnvFilter::try_from_default_env() {
        Ok(filter) => (filter, None),
        Err(err) if std::env::var_os("RUST_LOG").is_some() => {
            (EnvFilter::new(default_level), Some(err.to_string()))
        }
        Err(_) => (EnvFilter::new(default_level), None),
    };
    let output = match format {
        LogFormat::Text => fmt::layer()
            .with_writer(std::io::stderr)
            .with_ansi(false)
            .boxed(),
        LogFormat::Json => fmt::layer()
            .json()
            .with_writer(std::io::stderr)
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
    };
    let invalid = |err: &dyn std::fmt::Display| Error::invalid_input(err.to_string());
    let (trace_layer, trace_export) = traces::layer(observability)
        .map_err(|err| invalid(&err))?
        .unzip();
    // Without export, the callers' trace context still passes through.
    let exporting = trace_layer.is_some();
    let (error_layer, error_reporting) = errors::layer(observability)
        .map_err(|err| invalid(&err))?
        .unzip();
    let installed = tracing_subscriber::registry()
        .with(output.with_filter(filter))
        .with(trace_layer)
        .with((!exporting).then(pass_through::layer))
        .with(error_layer)
        .try_init()
        .is_ok();
    if let Some(err) = bad_filter {
        tracing::warn!(error = %err, "RUST_LOG is not a valid filter; using the default");
    }
    Ok(Exports {
        _errors: error_reporting.filter(|_| installed),
        _traces: trace_export.filter(|_| installed),
    })
}

#[cfg(test)]
mod tests {
    use super::LogFormat;

    #[test]
    fn formats_parse() {
        assert_eq!("JSON".parse::<LogFormat>().unwrap(), LogFormat::Json);
        assert_eq!("text".parse::<LogFormat>().unwrap(), LogFormat::Text);
        assert!("xml".parse::<LogFormat>().is_err());
    }
}
