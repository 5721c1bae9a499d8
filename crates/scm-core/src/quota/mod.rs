//! Fair access to a provider's quota, allocated per referrer.
//!
//! A provider gives one credential a number of requests per window (GitHub:
//! 5,000/hour per installation). Without allocation, one noisy feature can
//! spend it all. Here each referrer listed in [`QuotaPolicy::allocations`]
//! may use its fraction of the window's capacity and no more; everybody
//! else (unknown referrers included) shares what is left. Capacity and the
//! window are learned from the provider's own answers, which each provider
//! reads for us ([`RateLimits`] → [`RateLimitInfo`]); when the provider says nothing remains, every
//! referrer waits for the reset.
//!
//! Counting happens in a [`QuotaStore`]: in memory by default, Redis when
//! several servers share one quota. If the store fails the request goes
//! through (fail open) and `quota.store_unavailable` is counted: losing
//! the store must not take the platform down.

mod headers;
mod store;
mod telemetry;
mod transport;
mod usage;

use std::collections::BTreeMap;
use std::time::Duration;

pub use headers::{
    header_u64, now_unix, parse_retry_after, RateLimitInfo, RateLimits, RetryAfterOnly,
};
pub use store::{InMemoryQuotaStore, QuotaStore, QuotaStoreError};
pub use transport::QuotaTransport;
pub use usage::{usage, QuotaUsage};

/// How a bucket's capacity is shared.
#[derive(Debug, Clone, PartialEq)]
pub struct QuotaPolicy {
    /// Capacity assumed until the provider's headers say otherwise.
    pub default_capacity: u64,
    /// Window length assumed until the provider's reset header says otherwise.
    pub window: Duration,
    /// Referrer → fraction of capacity reserved for it (0.0–1.0). The sum
    /// should stay below 1.0; what remains is the shared pool.
    pub allocations: BTreeMap<String, f64>,
}

impl Default for QuotaPolicy {
    fn default() -> Self {
        Self {
            default_capacity: 5000,
            window: Duration::from_secs(3600),
            allocations: BTreeMap::new(),
        }
    }
}

/// Where one request's unit of quota is counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuotaSlot {
    /// Store key: bucket, window and referrer (or `shared`).
    pub key: String,
    /// How many units that key may hold in this window.
    pub limit: u64,
    /// How long the key must live (until the window ends).
    pub ttl: Duration,
}

impl QuotaPolicy {
    /// The pool a referrer draws from, given the bucket's current capacity.
    pub fn slot(
        &self,
        bucket: &str,
        referrer: &str,
        capacity: u64,
        window_id: u64,
        ttl: Duration,
    ) -> QuotaSlot {
        let share = |fraction: f64| (capacity as f64 * fraction.clamp(0.0, 1.0)).floor() as u64;
        match self.allocations.get(referrer) {
            Some(fraction) => QuotaSlot {
                key: format!("scm:quota:{bucket}:{window_id}:ref:{referrer}"),
                limit: share(*fraction),
                ttl,
            },
            None => {
                let reserved: u64 = self.allocations.values().map(|f| share(*f)).sum();
                QuotaSlot {
                    key: format!("scm:quota:{bucket}:{window_id}:shared"),
                    limit: capacity.saturating_sub(reserved),
                    ttl,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocated_referrers_get_their_share_and_others_the_rest() {
        let policy = QuotaPolicy {
            allocations: [("autofix".to_owned(), 0.2), ("seer".to_owned(), 0.3)].into(),
            ..QuotaPolicy::default()
        };
        let ttl = Duration::from_secs(60);
        let autofix = policy.slot("gh:1", "autofix", 1000, 7, ttl);
        assert_eq!(autofix.limit, 200);
        assert!(autofix.key.ends_with(":7:ref:autofix"));
        let unknown = policy.slot("gh:1", "whoever", 1000, 7, ttl);
        assert_eq!(unknown.limit, 500);
        assert!(unknown.key.ends_with(":7:shared"));
        assert_eq!(policy.slot("gh:1", "shared", 1000, 7, ttl).key, unknown.key);
    }
}
