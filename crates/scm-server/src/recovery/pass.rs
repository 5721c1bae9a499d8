//! One reconciler pass over one hook source.
//!
//! 1. List the source's deliveries since `since` (every page).
//! 2. Group the attempts by delivery id: an event with any successful
//!    attempt arrived; the others failed every time.
//! 3. Drop those the queue accepted anyway (a slow answer the provider
//!    gave up on still enqueued the event).
//! 4. Ask for a redelivery of each remaining one, newest attempt's id.
//!
//! The redelivered webhook comes back through the normal ingress: verified
//! and deduplicated by its delivery id, so even a redelivery that was not
//! needed is processed once. A pass stops at the first refusal for quota
//! (its `recovery` allocation is spent); the next pass lists the same
//! window again, and what this one redelivered then shows a successful
//! attempt (or sits in the queue) and is skipped: it resumes where it
//! stopped without sending anything twice.

use std::collections::{BTreeMap, HashSet};

use metrics::{counter, gauge};
use scm_core::actions::{ListHookDeliveries, RedeliverHookDelivery};
use scm_core::model::{HookDelivery, HookDeliveryStatus, Timestamp};
use scm_core::telemetry::metric_name;
use scm_core::{Error, PageRequest, SourceCodeManager};
use scm_stream::EventQueue;
use serde::Serialize;

use super::config::HookSourceConfig;

/// What one pass found and did (printed by `scm deliveries recover`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PassReport {
    pub integration: i64,
    /// The integration's provider, which decides what `delivery_ids` are
    /// (each provider's delivery id header; see `docs/deliveries.md`).
    pub provider: String,
    /// `app`, `repository` (a project hook) or `organization` (a group hook).
    pub source: String,
    pub hook_id: Option<String>,
    pub since: Option<Timestamp>,
    pub dry_run: bool,
    /// Delivery attempts listed.
    pub listed: usize,
    /// Events whose every attempt failed.
    pub failed: usize,
    /// Of those, events the queue had accepted anyway.
    pub already_received: usize,
    /// Redeliveries the provider accepted (or, in a dry run, would be asked).
    pub redelivered: usize,
    pub redelivery_failed: usize,
    /// Events left for the next pass (quota spent).
    pub remaining: usize,
    /// The delivery ids redelivered (or to be, in a dry run).
    pub delivery_ids: Vec<String>,
    /// Why the pass stopped early, if it did (an error code).
    pub stopped: Option<String>,
    /// The error's message, which tells a provider's own refusal (an
    /// instance too old for the delivery API, a provider's limit on
    /// redeliveries) from the reconciler's quota share running out.
    pub stopped_detail: Option<String>,
}

impl PassReport {
    /// A pass that saw the whole window and handled every missed event.
    pub fn finished(&self) -> bool {
        self.stopped.is_none() && self.remaining == 0 && self.redelivery_failed == 0
    }
}

/// The events to redeliver: delivery id → the newest failed attempt, for
/// events with no successful attempt, oldest event first.
fn missed(deliveries: &[HookDelivery]) -> Vec<(String, String)> {
    let mut by_event: BTreeMap<&str, (Timestamp, &str, bool)> = BTreeMap::new();
    for delivery in deliveries {
        let success = delivery.status == HookDeliveryStatus::Success;
        let entry = by_event.entry(delivery.delivery_id.as_str()).or_insert((
            delivery.delivered_at,
            delivery.id.as_str(),
            success,
        ));
        if delivery.delivered_at > entry.0 {
            entry.0 = delivery.delivered_at;
            entry.1 = delivery.id.as_str();
        }
        entry.2 |= success;
    }
    let mut missed: Vec<_> = by_event
        .into_iter()
        .filter(|(_, (_, _, success))| !success)
        .map(|(event, (at, id, _))| (at, event.to_owned(), id.to_owned()))
        .collect();
    missed.sort();
    missed
        .into_iter()
        .map(|(_, event, id)| (event, id))
        .collect()
}

async fn list_all(
    scm: &SourceCodeManager,
    source: &HookSourceConfig,
    since: Option<Timestamp>,
) -> Result<Vec<HookDelivery>, Error> {
    let mut all = Vec::new();
    let mut page = PageRequest {
        cursor: None,
        per_page: Some(PageRequest::MAX_PER_PAGE),
    };
    loop {
        let answer = scm
            .execute(ListHookDeliveries {
                source: source.source,
                hook_id: source.hook_id.clone(),
                since,
                page: page.clone(),
            })
            .await?;
        let Some(found) = answer.into_data() else {
            return Err(Error::malformed("the delivery list answered not modified"));
        };
        all.extend(found.items);
        match found.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => return Ok(all),
        }
    }
}

/// Runs one pass; errors of the provider end the pass and are reported
/// in [`PassReport::stopped`], not returned.
pub async fn run(
    scm: &SourceCodeManager,
    queue: &dyn EventQueue,
    source: &HookSourceConfig,
    since: Option<Timestamp>,
    dry_run: bool,
) -> PassReport {
    let mut report = PassReport {
        integration: source.integration,
        provider: scm.provider_name().to_owned(),
        source: source.source.as_str().to_owned(),
        hook_id: source.hook_id.clone(),
        since,
        dry_run,
        ..PassReport::default()
    };
    let deliveries = match list_all(scm, source, since).await {
        Ok(deliveries) => deliveries,
        Err(err) => {
            tracing::warn!(integration = source.integration, code = err.code(), error = %err, "listing deliveries failed");
            report.stopped = Some(err.code().to_owned());
            report.stopped_detail = Some(err.to_string());
            return report;
        }
    };
    report.listed = deliveries.len();
    let missed = missed(&deliveries);
    report.failed = missed.len();
    let ids: Vec<String> = missed.iter().map(|(event, _)| event.clone()).collect();
    let accepted: HashSet<String> = match queue.accepted(scm.provider_name(), &ids).await {
        Ok(accepted) => accepted,
        Err(err) => {
            tracing::warn!(integration = source.integration, error = %err, "the queue could not say what it accepted");
            report.stopped = Some("queue_unavailable".into());
            return report;
        }
    };
    report.already_received = accepted.len();
    let todo: Vec<_> = missed
        .into_iter()
        .filter(|(event, _)| !accepted.contains(event))
        .collect();
    report.remaining = todo.len();
    if dry_run {
        report.delivery_ids = todo.into_iter().map(|(event, _)| event).collect();
        report.redelivered = report.delivery_ids.len();
        report.remaining = 0;
        return report;
    }
    let labels = vec![
        ("integration", source.integration.to_string()),
        ("provider", scm.provider_name().to_owned()),
    ];
    for (event, attempt) in todo {
        let asked = scm
            .execute(RedeliverHookDelivery {
                source: source.source,
                hook_id: source.hook_id.clone(),
                delivery_id: attempt,
            })
            .await;
        match asked {
            Ok(_) => {
                report.remaining -= 1;
                report.redelivered += 1;
                report.delivery_ids.push(event);
                counter!(metric_name("deliveries.recovered"), &labels).increment(1);
            }
            // Errors come wrapped with the action's name; the code is the
            // cause's.
            Err(err) if err.code() == "rate_limit_exceeded" => {
                tracing::info!(integration = source.integration, remaining = report.remaining, error = %err, "recovery paused: its quota share is spent");
                report.stopped = Some(err.code().to_owned());
                report.stopped_detail = Some(err.to_string());
                break;
            }
            Err(err) => {
                report.remaining -= 1;
                report.redelivery_failed += 1;
                tracing::warn!(integration = source.integration, delivery_id = %event, code = err.code(), error = %err, "redelivery failed");
                let mut labels = labels.clone();
                labels.push(("code", err.code().to_owned()));
                counter!(metric_name("deliveries.recovery_failed"), &labels).increment(1);
            }
        }
    }
    report
}

/// Sets the alert-friendly gauge: when the integration's last finished
/// pass began.
pub fn record_success(integration: i64, at: i64) {
    gauge!(
        metric_name("deliveries.recovery_last_success"),
        "integration" => integration.to_string()
    )
    .set(at as f64);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attempt(id: &str, event: &str, minute: u32, ok: bool) -> HookDelivery {
        HookDelivery {
            id: id.into(),
            delivery_id: event.into(),
            event: "issues".into(),
            action: None,
            status: if ok {
                HookDeliveryStatus::Success
            } else {
                HookDeliveryStatus::Failed
            },
            status_text: None,
            status_code: None,
            delivered_at: format!("2026-11-27T10:{minute:02}:00Z").parse().unwrap(),
            redelivery: false,
            request: None,
        }
    }

    #[test]
    fn an_event_with_any_successful_attempt_is_not_missed() {
        let listed = [
            attempt("5", "b", 5, false),
            attempt("4", "a", 4, true),
            attempt("3", "c", 3, false),
            attempt("2", "a", 2, false),
            attempt("1", "c", 1, false),
        ];
        assert_eq!(
            missed(&listed),
            vec![("c".to_owned(), "3".to_owned()), ("b".into(), "5".into())]
        );
    }
}
