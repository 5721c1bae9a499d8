//! GitHub's error answers → typed errors.
//!
//! Status alone is not enough: GitHub answers 403 both for "you may not"
//! and for primary/secondary rate limits. A 403 is a rate limit when
//! `x-ratelimit-remaining` is `0`, a `Retry-After` is present, or the
//! message says so. 422 keeps GitHub's validation messages in `detail`.
//! Request headers (and so tokens) never go into an error.

use http::{HeaderMap, StatusCode};
use scm_core::quota::RateLimits;

use crate::rate_limits::GitHubRateLimits;
use scm_core::Error;
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    message: Option<String>,
    #[serde(default)]
    errors: Vec<serde_json::Value>,
}

/// Longest provider message kept in an error.
const MAX_DETAIL: usize = 2000;

fn describe(status: StatusCode, body: &[u8]) -> String {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let mut detail = parsed
        .message
        .unwrap_or_else(|| format!("GitHub answered {status}"));
    let details: Vec<String> = parsed
        .errors
        .iter()
        .map(|e| match e {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Object(map) => {
                let field = |k: &str| map.get(k).and_then(|v| v.as_str());
                match (
                    field("message"),
                    field("resource"),
                    field("field"),
                    field("code"),
                ) {
                    (Some(message), ..) => message.to_owned(),
                    (None, resource, field, code) => format!(
                        "{} {} {}",
                        resource.unwrap_or(""),
                        field.unwrap_or(""),
                        code.unwrap_or("")
                    )
                    .trim()
                    .to_owned(),
                }
            }
            other => other.to_string(),
        })
        .collect();
    if !details.is_empty() {
        detail = format!("{detail}: {}", details.join("; "));
    }
    if detail.len() > MAX_DETAIL {
        let cut = (0..=MAX_DETAIL)
            .rev()
            .find(|i| detail.is_char_boundary(*i))
            .unwrap_or(0);
        detail.truncate(cut);
    }
    detail
}

/// Maps a non-success GitHub answer to an error.
pub fn error_from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let detail = describe(status, body);
    let limits = GitHubRateLimits.read(headers);
    match status.as_u16() {
        401 => Error::Unauthorized { detail },
        403 | 429 => {
            let rate_limited = status == StatusCode::TOO_MANY_REQUESTS
                || limits.remaining == Some(0)
                || limits.retry_after.is_some()
                || detail.to_ascii_lowercase().contains("rate limit");
            if rate_limited {
                Error::RateLimited {
                    detail,
                    retry_after: limits.wait(),
                }
            } else {
                Error::Forbidden { detail }
            }
        }
        404 | 410 => Error::NotFound { detail },
        409 => Error::Conflict { detail },
        400 | 422 => Error::UnprocessableContent { detail },
        500..=599 => Error::ProviderUnavailable {
            status: Some(status.as_u16()),
            detail,
        },
        other => Error::UnexpectedStatus {
            status: other,
            detail,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| (http::HeaderName::from_static(k), v.parse().unwrap()))
            .collect()
    }

    #[test]
    fn forbidden_vs_rate_limited() {
        let body = br#"{"message":"Resource not accessible by integration"}"#;
        let forbidden = error_from_response(StatusCode::FORBIDDEN, &HeaderMap::new(), body);
        assert_eq!(forbidden.code(), "resource_forbidden");
        let exhausted = error_from_response(
            StatusCode::FORBIDDEN,
            &headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1")]),
            br#"{"message":"API rate limit exceeded"}"#,
        );
        assert_eq!(exhausted.code(), "rate_limit_exceeded");
        let secondary = error_from_response(
            StatusCode::FORBIDDEN,
            &headers(&[("retry-after", "60")]),
            br#"{"message":"You have exceeded a secondary rate limit"}"#,
        );
        assert_eq!(
            secondary.retry_after(),
            Some(std::time::Duration::from_secs(60))
        );
        assert_eq!(
            error_from_response(StatusCode::TOO_MANY_REQUESTS, &HeaderMap::new(), b"").code(),
            "rate_limit_exceeded"
        );
    }

    #[test]
    fn statuses_have_their_own_codes() {
        let code = |s: u16| {
            error_from_response(StatusCode::from_u16(s).unwrap(), &HeaderMap::new(), b"").code()
        };
        assert_eq!(code(401), "provider_unauthorized");
        assert_eq!(code(404), "resource_not_found");
        assert_eq!(code(409), "resource_conflict");
        assert_eq!(code(422), "resource_unprocessable_content");
        assert_eq!(code(502), "provider_unavailable");
        assert_eq!(code(418), "provider_unexpected_status");
        assert_eq!(code(431), "provider_unexpected_status");
        assert_eq!(code(307), "provider_unexpected_status");
    }

    #[test]
    fn validation_messages_are_kept() {
        let body = br#"{"message":"Validation Failed","errors":[{"resource":"Issue","field":"title","code":"missing_field"}]}"#;
        let err = error_from_response(StatusCode::UNPROCESSABLE_ENTITY, &HeaderMap::new(), body);
        assert_eq!(
            err.to_string(),
            "resource_unprocessable_content: Validation Failed: Issue title missing_field"
        );
    }
}
