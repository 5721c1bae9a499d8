//! What Bitbucket Cloud's answers say about the rate limit.
//!
//! Cloud does not report a remaining budget: only answers to access-token
//! requests under the scaled limits carry `X-RateLimit-Limit` (the hourly
//! allowance) and `X-RateLimit-NearLimit` (a boolean). The quota layer
//! therefore counts locally against a documented capacity
//! ([`HOURLY_CAPACITY`], 1,000 requests an hour per user, token or OAuth
//! consumer; configurable per integration), and honours 429 with
//! `Retry-After` when present.

use std::time::Duration;

use http::HeaderMap;
use scm_core::quota::{parse_retry_after, RateLimitInfo};

/// Bitbucket Cloud's documented hourly allowance for authenticated calls.
pub const HOURLY_CAPACITY: u64 = 1_000;
/// The window of that allowance.
pub const WINDOW: Duration = Duration::from_secs(3600);

/// Reads Bitbucket Cloud's rate-limit headers.
#[derive(Debug, Clone, Copy, Default)]
pub struct BitbucketRateLimits;

impl BitbucketRateLimits {
    /// `limit` from `X-RateLimit-Limit`; with `X-RateLimit-NearLimit: true`
    /// an estimated `remaining` of a fifth of the limit (the header only says
    /// the budget is running low), so the quota layer slows down before
    /// Bitbucket refuses; `Retry-After` as sent.
    pub fn info(&self, headers: &HeaderMap) -> RateLimitInfo {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::trim)
        };
        let limit = text("x-ratelimit-limit").and_then(|v| v.parse::<u64>().ok());
        let near = text("x-ratelimit-nearlimit").is_some_and(|v| v.eq_ignore_ascii_case("true"));
        RateLimitInfo {
            limit,
            remaining: if near { limit.map(|l| l / 5) } else { None },
            used: None,
            reset_at: None,
            retry_after: parse_retry_after(headers),
        }
    }

    /// Capacity and window to count against: Bitbucket never reports them.
    pub fn capacity(&self) -> (u64, Duration) {
        (HOURLY_CAPACITY, WINDOW)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scaled_limit_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(BitbucketRateLimits.info(&h), RateLimitInfo::default());
        h.insert("x-ratelimit-limit", "1500".parse().unwrap());
        h.insert("x-ratelimit-resource", "api-repository".parse().unwrap());
        h.insert("x-ratelimit-nearlimit", "false".parse().unwrap());
        let info = BitbucketRateLimits.info(&h);
        assert_eq!((info.limit, info.remaining), (Some(1500), None));
        h.insert("x-ratelimit-nearlimit", "true".parse().unwrap());
        h.insert("retry-after", "12".parse().unwrap());
        let info = BitbucketRateLimits.info(&h);
        assert_eq!(info.remaining, Some(300));
        assert_eq!(info.retry_after, Some(Duration::from_secs(12)));
        assert_eq!(BitbucketRateLimits.capacity(), (1000, WINDOW));
    }
}
