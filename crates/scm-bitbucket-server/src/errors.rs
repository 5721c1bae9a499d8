//! Data Center error answers → typed errors.
//!
//! Data Center answers errors as `{"errors":[{"context","message",
//! "exceptionName"}]}`. The messages (and the exception name, which tells
//! a `PullRequestOutOfDateException` from any other conflict) are kept in
//! the error's detail, in the provider's own words.

use http::{HeaderMap, StatusCode};
use scm_core::quota::parse_retry_after;
use scm_core::Error;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<ErrorEntry>,
    /// Some plugins answer a single `message`.
    message: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ErrorEntry {
    message: Option<String>,
    #[serde(rename = "exceptionName")]
    exception_name: Option<String>,
    context: Option<String>,
}

/// The provider's explanation: every `message` (with its `context` field
/// and the exception's short name), else the body's start, else the status.
pub fn error_detail(status: StatusCode, body: &[u8]) -> String {
    let prefix = format!(
        "Bitbucket Data Center answered {} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("error")
    );
    if let Ok(parsed) = serde_json::from_slice::<ErrorBody>(body) {
        let mut parts: Vec<String> = parsed
            .errors
            .iter()
            .filter_map(|entry| {
                let message = entry.message.as_deref()?;
                let mut text = match &entry.context {
                    Some(context) => format!("{context}: {message}"),
                    None => message.to_owned(),
                };
                if let Some(exception) = &entry.exception_name {
                    let short = exception.rsplit('.').next().unwrap_or(exception);
                    text.push_str(&format!(" ({short})"));
                }
                Some(text)
            })
            .collect();
        if parts.is_empty() {
            parts.extend(parsed.message);
        }
        if !parts.is_empty() {
            return format!("{prefix}: {}", parts.join("; "));
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        prefix
    } else {
        format!("{prefix}: {}", text.chars().take(300).collect::<String>())
    }
}

/// Maps an error answer; each status has its own code.
pub fn error_from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let detail = error_detail(status, body);
    match status.as_u16() {
        400 | 422 => Error::UnprocessableContent { detail },
        401 => Error::Unauthorized { detail },
        403 => Error::Forbidden { detail },
        404 => Error::NotFound { detail },
        // 409: an out-of-date `version` (PullRequestOutOfDateException,
        // CommentOutOfDateException), a duplicate reaction or branch.
        409 | 412 => Error::Conflict { detail },
        // Data Center's optional rate limiter says when to come back in
        // `Retry-After` and reports no budget otherwise.
        429 => Error::RateLimited {
            retry_after: parse_retry_after(headers),
            detail,
        },
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

    #[test]
    fn messages_and_codes() {
        let body = br#"{"errors":[{"context":null,"message":"Project dev does not exist.","exceptionName":"com.atlassian.bitbucket.project.NoSuchProjectException"}]}"#;
        let err = error_from_response(StatusCode::NOT_FOUND, &HeaderMap::new(), body);
        assert_eq!(err.code(), "resource_not_found");
        assert_eq!(
            err.to_string(),
            "resource_not_found: Bitbucket Data Center answered 404 Not Found: Project dev does not exist. (NoSuchProjectException)"
        );
        let conflict = error_from_response(
            StatusCode::CONFLICT,
            &HeaderMap::new(),
            br#"{"errors":[{"message":"You are attempting to modify a pull request based on out-of-date information.","exceptionName":"com.atlassian.bitbucket.pull.PullRequestOutOfDateException"}]}"#,
        );
        assert_eq!(conflict.code(), "resource_conflict");
        assert!(conflict.to_string().contains("out-of-date information"));
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", "7".parse().unwrap());
        let limited = error_from_response(StatusCode::TOO_MANY_REQUESTS, &headers, b"");
        assert_eq!(
            limited.retry_after(),
            Some(std::time::Duration::from_secs(7))
        );
        for (status, code) in [
            (400, "resource_unprocessable_content"),
            (401, "provider_unauthorized"),
            (403, "resource_forbidden"),
            (503, "provider_unavailable"),
            (418, "provider_unexpected_status"),
        ] {
            let status = StatusCode::from_u16(status).unwrap();
            assert_eq!(
                error_from_response(status, &HeaderMap::new(), b"<html>").code(),
                code
            );
        }
        assert_eq!(
            error_detail(StatusCode::BAD_REQUEST, b""),
            "Bitbucket Data Center answered 400 Bad Request"
        );
    }
}
