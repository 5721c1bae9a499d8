//! The error body every endpoint answers with:
//! `{"errors":[{"code","status","title","detail"}]}`, plus
//! `"meta":{"provider","action"}` when a provider's action failed.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A coded HTTP error. Details never carry secrets: they are built from
/// codes, header names and provider messages only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    pub code: &'static str,
    pub status: u16,
    pub title: &'static str,
    pub detail: String,
    /// Where a provider error came from, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meta: Option<ErrorOrigin>,
    /// Seconds for a `Retry-After` header, when waiting helps.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

/// The provider and action an error came from (JSON:API `meta`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorOrigin {
    pub provider: String,
    pub action: &'static str,
}

impl ApiError {
    pub fn new(
        status: u16,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            code,
            status,
            title,
            detail: detail.into(),
            meta: None,
            retry_after: None,
        }
    }

    /// Adds a `Retry-After` of `seconds` to the answer.
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    /// 400: a header, the path or the body is malformed.
    pub fn malformed(detail: impl Into<String>) -> Self {
        Self::new(400, "rpc_malformed_request", "Malformed request", detail)
    }

    /// 401: missing, unknown, revoked or wrong signature.
    pub fn bad_signature(detail: impl Into<String>) -> Self {
        Self::new(401, "rpc_invalid_signature", "Invalid signature", detail)
    }

    /// 401: the timestamp is outside the accepted window.
    pub fn stale(detail: impl Into<String>) -> Self {
        Self::new(
            401,
            "rpc_stale_request",
            "Request timestamp outside the window",
            detail,
        )
    }

    /// 401: the nonce was already used within the window.
    pub fn replayed() -> Self {
        Self::new(
            401,
            "rpc_replayed_request",
            "Replayed request",
            "this nonce was already used",
        )
    }

    /// 403: the key's grants do not cover the request.
    pub fn grant(detail: impl Into<String>) -> Self {
        Self::new(403, "rpc_invalid_grant", "Not granted", detail)
    }

    /// 413: the body exceeds the cap.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            413,
            "rpc_request_too_large",
            "Request too large",
            format!("the body exceeds {limit} bytes"),
        )
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(404, "not_found", "Not found", detail)
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(503, "service_unavailable", "Service unavailable", detail)
    }
}

impl From<scm_core::Error> for ApiError {
    fn from(err: scm_core::Error) -> Self {
        let meta = err.origin().map(|(provider, action)| ErrorOrigin {
            provider: provider.to_owned(),
            action: action.as_str(),
        });
        // The origin goes in `meta`; the detail is the error itself.
        let root = err.root();
        let detail = match root {
            scm_core::Error::RepositoryNotFound
            | scm_core::Error::RepositoryInactive
            | scm_core::Error::RepositoryOrganizationMismatch => root.title().to_owned(),
            _ => root.to_string(),
        };
        Self {
            code: err.code(),
            status: err.http_status(),
            title: err.title(),
            retry_after: err.retry_after().map(|wait| wait.as_secs().max(1)),
            detail,
            meta,
        }
    }
}

#[derive(Serialize)]
struct Body<'a> {
    errors: [&'a ApiError; 1],
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&Body { errors: [&self] }).unwrap_or_default();
        let mut response = (
            status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        // For the request's log line (crate::observability).
        response
            .extensions_mut()
            .insert(crate::observability::ErrorCode(self.code));
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
