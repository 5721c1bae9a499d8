//! How GitHub states its rate limit: `x-ratelimit-*` headers on every
//! answer, `Retry-After` on secondary limits.

use scm_core::quota::{header_u64, parse_retry_after, RateLimitInfo, RateLimits};

/// `x-ratelimit-limit/remaining/used/reset` (reset in epoch seconds) and
/// `Retry-After` (secondary limits).
#[derive(Debug, Clone, Copy, Default)]
pub struct GitHubRateLimits;

impl RateLimits for GitHubRateLimits {
    fn read(&self, headers: &http::HeaderMap) -> RateLimitInfo {
        RateLimitInfo {
            limit: header_u64(headers, &["x-ratelimit-limit"]),
            remaining: header_u64(headers, &["x-ratelimit-remaining"]),
            used: header_u64(headers, &["x-ratelimit-used"]),
            reset_at: header_u64(headers, &["x-ratelimit-reset"]),
            retry_after: parse_retry_after(headers),
        }
    }

    /// GitHub documents it ("Best practices for using the REST API", use
    /// conditional requests): a conditional request answered `304 Not
    /// Modified` does not count against the primary rate limit when it is
    /// made with a correct `Authorization` header.
    fn not_modified_is_free(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_github_s_rate_limit_headers() {
        let mut headers = http::HeaderMap::new();
        for (name, value) in [
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "4999"),
            ("x-ratelimit-used", "1"),
            ("x-ratelimit-reset", "1700000000"),
        ] {
            headers.insert(name, value.parse().unwrap());
        }
        let info = GitHubRateLimits.read(&headers);
        assert_eq!(info.limit, Some(5000));
        assert_eq!(info.remaining, Some(4999));
        assert_eq!(info.used, Some(1));
        assert_eq!(info.reset_at, Some(1_700_000_000));
        assert!(GitHubRateLimits.read(&http::HeaderMap::new()).is_empty());
    }
}
