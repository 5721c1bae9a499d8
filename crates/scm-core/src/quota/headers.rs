//! What providers say about their rate limits.
//!
//! Every provider names its rate-limit headers differently, so each one
//! reads its own answers through [`RateLimits`] (supplied with its
//! registration); this module holds the neutral result, [`RateLimitInfo`],
//! and the parsing every provider shares (`Retry-After`, integer headers).

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

/// How a provider's answers describe its rate limit. Each provider
/// supplies its own, so the quota layer knows no provider's header names.
pub trait RateLimits: Send + Sync + 'static {
    /// Limit, remaining, used, reset and `Retry-After` from one answer.
    fn read(&self, headers: &HeaderMap) -> RateLimitInfo;

    /// Capacity and window to assume when the answers never report one
    /// (a provider that documents a budget but sends no headers). `None`:
    /// the quota policy's default until the headers say otherwise.
    fn assumed_capacity(&self) -> Option<(u64, Duration)> {
        None
    }

    /// Whether the provider leaves an authorized `304 Not Modified` out of
    /// its rate limit. When it does, the quota layer gives the referrer's
    /// unit back for such an answer. The default, `false`, counts it: only
    /// a provider that documents the exemption says `true`.
    fn not_modified_is_free(&self) -> bool {
        false
    }
}

/// A provider whose answers say nothing about rate limits beyond
/// `Retry-After`.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryAfterOnly;

impl RateLimits for RetryAfterOnly {
    fn read(&self, headers: &HeaderMap) -> RateLimitInfo {
        RateLimitInfo {
            retry_after: parse_retry_after(headers),
            ..RateLimitInfo::default()
        }
    }
}

/// The first of `names` present as an unsigned integer.
pub fn header_u64(headers: &HeaderMap, names: &[&str]) -> Option<u64> {
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
    fn integer_headers_take_the_first_name_present() {
        let map = headers(&[("b-limit", " 600 "), ("c-limit", "x")]);
        assert_eq!(header_u64(&map, &["a-limit", "b-limit"]), Some(600));
        assert_eq!(header_u64(&map, &["c-limit"]), None);
        let only = RetryAfterOnly.read(&headers(&[("retry-after", "5")]));
        assert_eq!(only.retry_after, Some(Duration::from_secs(5)));
        assert!(RetryAfterOnly.read(&HeaderMap::new()).is_empty());
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
