//! What providers say about their rate limits, read from response headers.
//!
//! GitHub sends `x-ratelimit-limit/remaining/used/reset` (reset in epoch
//! seconds), GitLab `RateLimit-Limit/Remaining/Reset`, Bitbucket
//! `X-RateLimit-Limit/Remaining/Reset`; all may send `Retry-After` (seconds
//! or an HTTP date). One parser covers them all.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::HeaderMap;

/// Rate limit facts from one response. Every field is optional: providers
/// send different subsets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RateLimitInfo {
    pub limit: Option<u64>,
    pub remaining: Option<u64>,
    pub used: Option<u64>,
    /// When the window resets, as Unix seconds.
    pub reset_at: Option<u64>,
    pub retry_after: Option<Duration>,
}

fn header_u64(headers: &HeaderMap, names: &[&str]) -> Option<u64> {
    names.iter().find_map(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    })
}

pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Parses `Retry-After`: delta seconds or an HTTP date.
pub fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = u64::try_from(date.timestamp()).ok()?;
    Some(Duration::from_secs(at.saturating_sub(now_unix())))
}

impl RateLimitInfo {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        Self {
            limit: header_u64(headers, &["x-ratelimit-limit", "ratelimit-limit"]),
            remaining: header_u64(headers, &["x-ratelimit-remaining", "ratelimit-remaining"]),
            used: header_u64(headers, &["x-ratelimit-used", "ratelimit-observed"]),
            reset_at: header_u64(headers, &["x-ratelimit-reset", "ratelimit-reset"]),
            retry_after: parse_retry_after(headers),
        }
    }

    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// How long until the provider lets us in again, if it has said we
    /// are out: `Retry-After`, or the reset time when nothing remains.
    pub fn wait(&self) -> Option<Duration> {
        if let Some(retry_after) = self.retry_after {
            return Some(retry_after);
        }
        if self.remaining == Some(0) {
            let reset = self.reset_at?;
            return Some(Duration::from_secs(reset.saturating_sub(now_unix())));
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().unwrap());
        }
        map
    }

    #[test]
    fn reads_github_and_gitlab_headers() {
        let gh = RateLimitInfo::from_headers(&headers(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "4999"),
            ("x-ratelimit-used", "1"),
            ("x-ratelimit-reset", "1700000000"),
        ]));
        assert_eq!(gh.limit, Some(5000));
        assert_eq!(gh.remaining, Some(4999));
        assert_eq!(gh.reset_at, Some(1_700_000_000));
        let gl = RateLimitInfo::from_headers(&headers(&[
            ("ratelimit-limit", "600"),
            ("ratelimit-remaining", "0"),
        ]));
        assert_eq!(gl.limit, Some(600));
        assert_eq!(gl.remaining, Some(0));
        assert!(RateLimitInfo::from_headers(&HeaderMap::new()).is_empty());
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let secs = headers(&[("retry-after", "30")]);
        assert_eq!(parse_retry_after(&secs), Some(Duration::from_secs(30)));
        let past = headers(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]);
        assert_eq!(parse_retry_after(&past), Some(Duration::ZERO));
        let junk = headers(&[("retry-after", "soon")]);
        assert_eq!(parse_retry_after(&junk), None);
    }
}
