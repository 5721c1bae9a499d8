//! How GitLab states its rate limit: `RateLimit-Limit`, `-Remaining`,
//! `-Observed` and `-Reset` (epoch seconds) on answers of instances that
//! enforce one, and `Retry-After` on 429.

use scm_core::quota::{header_u64, parse_retry_after, RateLimitInfo, RateLimits};

/// Reads GitLab's `RateLimit-*` headers.
#[derive(Debug, Clone, Copy, Default)]
pub struct GitLabRateLimits;

impl RateLimits for GitLabRateLimits {
    fn read(&self, headers: &http::HeaderMap) -> RateLimitInfo {
        RateLimitInfo {
            limit: header_u64(headers, &["ratelimit-limit"]),
            remaining: header_u64(headers, &["ratelimit-remaining"]),
            used: header_u64(headers, &["ratelimit-observed"]),
            reset_at: header_u64(headers, &["ratelimit-reset"]),
            retry_after: parse_retry_after(headers),
        }
    }

    /// `false` (the default, spelled out): GitLab's rate limits ("Rate
    /// limits" and "User and IP rate limits" in its documentation) count
    /// requests per user or IP address and path, whatever the answer; we
    /// found no statement exempting `304 Not Modified`, so a revalidated
    /// read still costs one unit. The cache still saves the transfer.
    fn not_modified_is_free(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_gitlab_s_rate_limit_headers() {
        let mut headers = http::HeaderMap::new();
        for (name, value) in [
            ("RateLimit-Limit", "600"),
            ("RateLimit-Remaining", "0"),
            ("RateLimit-Observed", "600"),
            ("RateLimit-Reset", "1700000000"),
        ] {
            headers.insert(name, value.parse().unwrap());
        }
        let info = GitLabRateLimits.read(&headers);
        assert_eq!(info.limit, Some(600));
        assert_eq!(info.remaining, Some(0));
        assert_eq!(info.used, Some(600));
        assert_eq!(info.reset_at, Some(1_700_000_000));
        assert!(GitLabRateLimits.read(&http::HeaderMap::new()).is_empty());
    }
}
