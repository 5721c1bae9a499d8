//! Missed-delivery recovery: webhooks the provider could not deliver
//! while this service was down, restarting or too slow are asked for
//! again.
//!
//! Providers that keep a delivery log (GitHub, GitLab 17.4+) do not
//! redeliver failed deliveries by themselves. For every hook source
//! configured in `[recovery]` (see [`config`]) a [`Reconciler`] runs a
//! [`pass`] at start-up and then every interval: it lists the deliveries
//! since the last finished pass, keeps the events that failed every
//! attempt and that the queue has not accepted, and asks the provider to
//! deliver each again. The redelivery arrives at the normal ingress,
//! verified and deduplicated by delivery id. Requests go out under the
//! referrer `recovery`, whose quota allocation caps what a pass spends;
//! a pass that runs out stops and the next one resumes.
//! `scm deliveries recover` runs one pass by hand.

pub mod config;
pub mod pass;
mod state;

use std::sync::Arc;

use scm_core::model::Timestamp;
use scm_core::provider::ProviderResolver;
use scm_core::{Error, SourceCodeManager};
use scm_stream::EventQueue;

pub use config::{HookSourceConfig, RecoveryConfig, REFERRER};
pub use pass::PassReport;

use crate::registry::Registry;

/// Provider clocks and ours disagree a little; the next pass starts this
/// much before the last one did (what it sees twice is skipped).
const CLOCK_MARGIN_SECS: i64 = 300;

/// Runs passes for the configured hook sources.
pub struct Reconciler {
    registry: Registry,
    resolver: Arc<dyn ProviderResolver>,
    queue: Arc<dyn EventQueue>,
    config: RecoveryConfig,
}

impl Reconciler {
    pub fn new(
        registry: Registry,
        resolver: Arc<dyn ProviderResolver>,
        queue: Arc<dyn EventQueue>,
        config: RecoveryConfig,
    ) -> Self {
        Self {
            registry,
            resolver,
            queue,
            config,
        }
    }

    pub fn sources(&self) -> &[HookSourceConfig] {
        &self.config.sources
    }

    /// The facade a source's requests go through: the named repository,
    /// or the integration's first active one.
    async fn scm_for(&self, source: &HookSourceConfig) -> Result<SourceCodeManager, Error> {
        let repositories = self.registry.list_repositories(None).await.map_err(|err| {
            Error::ProviderUnavailable {
                status: None,
                detail: format!("the registry is unavailable: {err}"),
            }
        })?;
        let record = repositories
            .into_iter()
            .filter(|r| r.integration_id == source.integration && r.active)
            .find(|r| {
                source
                    .repository
                    .as_deref()
                    .is_none_or(|name| r.full_name.eq_ignore_ascii_case(name))
            })
            .ok_or_else(|| {
                Error::invalid_input(format!(
                    "integration {} has no active repository {}to scope recovery to",
                    source.integration,
                    source
                        .repository
                        .as_deref()
                        .map(|name| format!("`{name}` "))
                        .unwrap_or_default()
                ))
            })?;
        let provider = self.resolver.provider_for(&record).await?;
        Ok(SourceCodeManager::for_repository(
            provider, record, REFERRER,
        ))
    }

    /// One pass over `source`. `since` overrides the stored position (and
    /// then the position is left as it was); a finished pass without it
    /// moves the position to its own start.
    pub async fn pass(
        &self,
        source: &HookSourceConfig,
        since: Option<Timestamp>,
        dry_run: bool,
    ) -> Result<PassReport, Error> {
        let started = chrono::Utc::now();
        let stored = self
            .registry
            .recovery_last_success(source.integration)
            .await
            .map_err(|err| Error::ProviderUnavailable {
                status: None,
                detail: format!("the registry is unavailable: {err}"),
            })?;
        let from = match (since, stored) {
            (Some(since), _) => since,
            (None, Some(at)) => {
                chrono::DateTime::from_timestamp(at - CLOCK_MARGIN_SECS, 0).unwrap_or(started)
            }
            (None, None) => started - chrono::Duration::seconds(self.config.lookback_secs as i64),
        };
        let scm = self.scm_for(source).await?;
        let report = pass::run(&scm, self.queue.as_ref(), source, Some(from), dry_run).await;
        if report.finished() && !dry_run && since.is_none() {
            let at = started.timestamp();
            if let Err(err) = self
                .registry
                .set_recovery_last_success(source.integration, at)
                .await
            {
                tracing::warn!(integration = source.integration, error = %err, "could not store the recovery position");
            }
            pass::record_success(source.integration, at);
        }
        tracing::info!(
            integration = report.integration,
            source = %report.source,
            listed = report.listed,
            failed = report.failed,
            already_received = report.already_received,
            redelivered = report.redelivered,
            redelivery_failed = report.redelivery_failed,
            remaining = report.remaining,
            stopped = report.stopped.as_deref().unwrap_or(""),
            "recovery pass"
        );
        Ok(report)
    }

    /// Runs every source's passes in the background: one now, then one
    /// per interval, until the process ends.
    pub fn spawn(self: Arc<Self>) {
        for source in self.config.sources.clone() {
            let reconciler = self.clone();
            let interval = self.config.interval(&source);
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(interval);
                ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                loop {
                    ticks.tick().await;
                    if let Err(err) = reconciler.pass(&source, None, false).await {
                        tracing::warn!(integration = source.integration, code = err.code(), error = %err, "recovery pass failed");
                    }
                }
            });
        }
    }
}
