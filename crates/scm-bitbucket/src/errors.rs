//! Bitbucket's error answers as typed platform errors.
//!
//! Bitbucket Cloud answers errors as
//! `{"type":"error","error":{"message":"…","detail":"…","fields":{…}}}`;
//! the message, detail and field messages are kept (in that order) in the
//! platform error's `detail`, prefixed with the status. Every status class
//! has its own code: 401, 403, 404, 409, 400/422, 429, 5xx.

use http::{HeaderMap, StatusCode};
use scm_core::quota::parse_retry_after;
use scm_core::Error;

/// Maps a non-2xx answer. `what` names the resource for 404/410 messages
/// that need more context than Bitbucket gives (the issue tracker).
pub(crate) fn map_error(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Error {
    let detail = error_detail(status, body);
    match status.as_u16() {
        400 | 422 => Error::UnprocessableContent { detail },
        401 => Error::Unauthorized { detail },
        403 => Error::Forbidden { detail },
        404 | 410 => Error::NotFound { detail },
        409 | 412 => Error::Conflict { detail },
        429 => Error::RateLimited {
            detail,
            retry_after: parse_retry_after(headers),
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

/// `Bitbucket answered 404 Not Found: <message>: <detail>`; the body's
/// start when it is not Bitbucket's error shape; just the status when empty.
pub(crate) fn error_detail(status: StatusCode, body: &[u8]) -> String {
    let reason = status.canonical_reason().unwrap_or("error");
    let prefix = format!("Bitbucket answered {} {reason}", status.as_u16());
    if let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) {
        let error = json.get("error").unwrap_or(&json);
        let mut parts: Vec<String> = Vec::new();
        for key in ["message", "detail"] {
            match error.get(key) {
                Some(serde_json::Value::String(text)) if !text.trim().is_empty() => {
                    parts.push(text.trim().to_owned())
                }
                Some(serde_json::Value::Null) | None => {}
                Some(serde_json::Value::String(_)) => {}
                Some(other) => parts.push(other.to_string()),
            }
        }
        if let Some(serde_json::Value::Object(fields)) = error.get("fields") {
            for (field, messages) in fields {
                let text = match messages {
                    serde_json::Value::Array(items) => items
                        .iter()
                        .map(|m| {
                            m.as_str()
                                .map(str::to_owned)
                                .unwrap_or_else(|| m.to_string())
                        })
                        .collect::<Vec<_>>()
                        .join(", "),
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                parts.push(format!("{field}: {text}"));
            }
        }
        if !parts.is_empty() {
            return format!("{prefix}: {}", parts.join(": "));
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

/// The issue tracker is sunset: a 404 or 410 from an issue endpoint most
/// likely means the workspace has no tracker any more, which the caller
/// should read in the error rather than guess.
pub(crate) fn issue_tracker_error(err: Error) -> Error {
    match err {
        Error::NotFound { detail } => Error::NotFound {
            detail: format!(
                "{detail} (Bitbucket Cloud's issue tracker is deprecated and was sunset; \
                 this repository may have no issue tracker)"
            ),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitbucket_error_bodies_keep_message_and_detail() {
        let body = br#"{"type":"error","error":{"message":"Bad request","detail":"title is required","fields":{"title":["required"]}}}"#;
        assert_eq!(
            error_detail(StatusCode::BAD_REQUEST, body),
            "Bitbucket answered 400 Bad Request: Bad request: title is required: title: required"
        );
        assert_eq!(
            error_detail(StatusCode::NOT_FOUND, b""),
            "Bitbucket answered 404 Not Found"
        );
        assert_eq!(
            error_detail(StatusCode::BAD_GATEWAY, b"<html>oops</html>"),
            "Bitbucket answered 502 Bad Gateway: <html>oops</html>"
        );
    }

    #[test]
    fn each_status_class_has_its_code() {
        let h = HeaderMap::new();
        let code = |s: u16| map_error(StatusCode::from_u16(s).unwrap(), &h, b"").code();
        assert_eq!(code(400), "resource_unprocessable_content");
        assert_eq!(code(401), "provider_unauthorized");
        assert_eq!(code(403), "resource_forbidden");
        assert_eq!(code(404), "resource_not_found");
        assert_eq!(code(409), "resource_conflict");
        assert_eq!(code(422), "resource_unprocessable_content");
        assert_eq!(code(429), "rate_limit_exceeded");
        assert_eq!(code(503), "provider_unavailable");
        let mut h = HeaderMap::new();
        h.insert("retry-after", "7".parse().unwrap());
        let err = map_error(StatusCode::TOO_MANY_REQUESTS, &h, b"");
        assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(7)));
    }
}
