//! What an operator needs to see quotas: per integration and referrer,
//! the budget used and remaining in the current window (gauges), the
//! provider's own remaining count, and refusals (a counter).
//!
//! Labels are bounded: `integration` is the integration's id when the
//! server named the bucket (`integration:<id>`), else `direct`; `referrer`
//! is a referrer with its own allocation, else `shared` (the pool every
//! other referrer draws from). Counts are this process's view of the
//! window; with a shared store several servers each report their own.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::telemetry::metric_name;

/// The `integration` label of a bucket.
pub(crate) fn integration_label(bucket: &str) -> String {
    match bucket.strip_prefix("integration:") {
        Some(id) if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) => id.to_owned(),
        _ => "direct".to_owned(),
    }
}

/// Units taken per (referrer label, window) in this process.
#[derive(Debug, Default)]
pub(crate) struct QuotaGauges {
    used: Mutex<HashMap<String, (u64, u64)>>,
}

impl QuotaGauges {
    /// One unit admitted for `referrer` in `window_id`, whose limit is
    /// `limit`: updates `quota.used` and `quota.remaining`.
    pub(crate) fn admitted(&self, integration: &str, referrer: &str, window_id: u64, limit: u64) {
        let used = {
            let mut map = self.used.lock().unwrap_or_else(|e| e.into_inner());
            let entry = map.entry(referrer.to_owned()).or_insert((window_id, 0));
            if entry.0 != window_id {
                *entry = (window_id, 0);
            }
            entry.1 += 1;
            entry.1
        };
        let labels = [
            ("integration", integration.to_owned()),
            ("referrer", referrer.to_owned()),
        ];
        super::usage::record_admitted(integration, referrer, window_id, used, limit);
        metrics::gauge!(metric_name("quota.used"), &labels).set(used as f64);
        metrics::gauge!(metric_name("quota.remaining"), &labels)
            .set(limit.saturating_sub(used) as f64);
    }
}

/// A refusal for `referrer`'s allocation of `limit` in `window_id`.
pub(crate) fn refused(integration: &str, referrer: &str, window_id: u64, limit: u64) {
    super::usage::record_refused(integration, referrer, window_id, limit);
    metrics::counter!(
        metric_name("quota.refused"),
        "integration" => integration.to_owned(),
        "referrer" => referrer.to_owned()
    )
    .increment(1);
    metrics::gauge!(
        metric_name("quota.remaining"),
        "integration" => integration.to_owned(),
        "referrer" => referrer.to_owned()
    )
    .set(0.0);
}

/// The provider's own remaining count, from its rate-limit answer.
pub(crate) fn provider_remaining(integration: &str, remaining: u64) {
    metrics::gauge!(
        metric_name("quota.provider_remaining"),
        "integration" => integration.to_owned()
    )
    .set(remaining as f64);
}
