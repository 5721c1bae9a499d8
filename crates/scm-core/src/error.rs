//! The one error type of the platform.
//!
//! Every failure has a stable machine-readable [`Error::code`] and one HTTP
//! status ([`Error::http_status`]) used by the RPC layer, so callers in any
//! language can branch on the code instead of parsing messages. Messages
//! never contain credentials: providers build them from status codes and
//! the provider's own error text, never from request headers.
//!
//! ```
//! use scm_core::{ActionName, Error};
//!
//! // Errors of an action say where they came from; match on the root.
//! let err = Error::unsupported(ActionName::GetAppInstallation, "gitlab")
//!     .in_action("gitlab", ActionName::GetAppInstallation);
//! assert_eq!(err.origin(), Some(("gitlab", ActionName::GetAppInstallation)));
//! assert!(matches!(err.root(), Error::Unsupported { .. }));
//!
//! // Or branch on the code: the same string over RPC and in every client.
//! let advice = match err.code() {
//!     "rate_limit_exceeded" => "retry later",
//!     "unsupported" => "use another way",
//!     "resource_not_found" => "nothing to do",
//!     _ => "report it",
//! };
//! assert_eq!(advice, "use another way");
//! assert_eq!(err.http_status(), 501);
//!
//! // A coded error from the wire becomes the same variant again.
//! let remote = Error::from_code("repository_inactive", 403, "");
//! assert_eq!(remote, Error::RepositoryInactive);
//! ```

use std::time::Duration;

use crate::actions::ActionName;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A platform error. Each variant maps to one stable code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The provider answered 404.
    NotFound { detail: String },
    /// The provider answered 403 for a reason other than rate limiting.
    Forbidden { detail: String },
    /// The provider answered 401: the credentials are missing, wrong or expired.
    /// Over RPC this is a 502: the caller's own credentials were fine, ours
    /// towards the provider were not.
    Unauthorized { detail: String },
    /// The provider answered 409.
    Conflict { detail: String },
    /// The provider answered 422 (or 400 for a well-formed but refused request);
    /// `detail` keeps the provider's validation messages.
    UnprocessableContent { detail: String },
    /// The provider's quota (or our referrer allocation) is used up.
    RateLimited {
        detail: String,
        retry_after: Option<Duration>,
    },
    /// The action exists but this provider cannot express it.
    Unsupported {
        action: ActionName,
        provider: String,
    },
    /// The provider answered 5xx, or could not be reached.
    ProviderUnavailable { status: Option<u16>, detail: String },
    /// The provider did not answer in time.
    Timeout { detail: String },
    /// The provider's answer could not be understood (bad JSON, missing
    /// fields, wrong shape, too large).
    MalformedResponse { detail: String },
    /// The caller's input is invalid before anything is sent (bad cursor,
    /// bad path, unknown action, bad JSON arguments).
    InvalidInput { detail: String },
    /// The repository is not in the registry.
    RepositoryNotFound,
    /// The repository is registered but deactivated.
    RepositoryInactive,
    /// The repository belongs to another organization than the caller's.
    RepositoryOrganizationMismatch,
    /// The provider answered a status no mapping covers (431, a redirect
    /// to another host, a teapot): a 502 with the provider's status in the
    /// detail, so callers see what the provider said.
    UnexpectedStatus { status: u16, detail: String },
    /// Something went wrong that has no better code (an internal bug
    /// rather than a provider answer).
    Unhandled { status: Option<u16>, detail: String },
    /// The RPC server refused the request itself (signature, grants, size,
    /// path): one of [`Error::RPC_CODES`] with the status it answered.
    Rpc {
        code: &'static str,
        status: u16,
        detail: String,
    },
    /// An error of one action at one provider: where it came from, around
    /// the error itself (its `source`). Code, status, title and retry hint
    /// are the inner error's; the layers around every provider add it, so
    /// callers match on [`Error::root`] rather than on this variant.
    Action {
        provider: String,
        action: ActionName,
        source: Box<Error>,
    },
}

impl Error {
    /// Says which provider and action `self` came from, once (an error
    /// that already says so keeps what it says).
    pub fn in_action(self, provider: impl Into<String>, action: ActionName) -> Self {
        match self {
            already @ Error::Action { .. } => already,
            source => Error::Action {
                provider: provider.into(),
                action,
                source: Box::new(source),
            },
        }
    }

    /// The error itself, without where it came from: what to match on.
    pub fn root(&self) -> &Error {
        match self {
            Error::Action { source, .. } => source.root(),
            other => other,
        }
    }

    /// [`Error::root`], by value.
    pub fn into_root(self) -> Error {
        match self {
            Error::Action { source, .. } => source.into_root(),
            other => other,
        }
    }

    /// The provider and action the error came from, when known.
    pub fn origin(&self) -> Option<(&str, ActionName)> {
        match self {
            Error::Action {
                provider, action, ..
            } => Some((provider, *action)),
            _ => None,
        }
    }

    /// The stable wire code. Never change an existing one.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Action { source, .. } => source.code(),
            Error::NotFound { .. } => "resource_not_found",
            Error::Forbidden { .. } => "resource_forbidden",
            Error::Unauthorized { .. } => "provider_unauthorized",
            Error::Conflict { .. } => "resource_conflict",
            Error::UnprocessableContent { .. } => "resource_unprocessable_content",
            Error::RateLimited { .. } => "rate_limit_exceeded",
            Error::Unsupported { .. } => "unsupported",
            Error::ProviderUnavailable { .. } => "provider_unavailable",
            Error::Timeout { .. } => "provider_timeout",
            Error::MalformedResponse { .. } => "provider_malformed_response",
            Error::InvalidInput { .. } => "invalid_input",
            Error::RepositoryNotFound => "repository_not_found",
            Error::RepositoryInactive => "repository_inactive",
            Error::RepositoryOrganizationMismatch => "repository_organization_mismatch",
            Error::UnexpectedStatus { .. } => "provider_unexpected_status",
            Error::Unhandled { .. } => "unhandled",
            Error::Rpc { code, .. } => code,
        }
    }

    /// The HTTP status the RPC layer answers with for this error.
    pub fn http_status(&self) -> u16 {
        match self {
            Error::Action { source, .. } => source.http_status(),
            Error::NotFound { .. } => 404,
            Error::Forbidden { .. } => 403,
            Error::Unauthorized { .. } => 502,
            Error::Conflict { .. } => 409,
            Error::UnprocessableContent { .. } => 422,
            Error::RateLimited { .. } => 429,
            Error::Unsupported { .. } => 501,
            Error::ProviderUnavailable { .. } => 503,
            Error::Timeout { .. } => 504,
            Error::MalformedResponse { .. } => 502,
            Error::InvalidInput { .. } => 400,
            Error::RepositoryNotFound
            | Error::RepositoryInactive
            | Error::RepositoryOrganizationMismatch => 404,
            Error::UnexpectedStatus { .. } => 502,
            Error::Unhandled { .. } => 500,
            Error::Rpc { status, .. } => *status,
        }
    }

    /// A short human title for the code.
    pub fn title(&self) -> &'static str {
        match self {
            Error::Action { source, .. } => source.title(),
            Error::NotFound { .. } => "Resource not found",
            Error::Forbidden { .. } => "Forbidden by the provider",
            Error::Unauthorized { .. } => "Provider rejected the credentials",
            Error::Conflict { .. } => "Conflict",
            Error::UnprocessableContent { .. } => "Unprocessable content",
            Error::RateLimited { .. } => "Rate limit exceeded",
            Error::Unsupported { .. } => "Unsupported action",
            Error::ProviderUnavailable { .. } => "Provider unavailable",
            Error::Timeout { .. } => "Provider timed out",
            Error::MalformedResponse { .. } => "Malformed provider response",
            Error::InvalidInput { .. } => "Invalid input",
            Error::RepositoryNotFound => "Repository not found",
            Error::RepositoryInactive => "Repository inactive",
            Error::RepositoryOrganizationMismatch => "Repository belongs to another organization",
            Error::UnexpectedStatus { .. } => "Unexpected provider status",
            Error::Unhandled { .. } => "Unhandled provider response",
            Error::Rpc { .. } => "Refused by the RPC server",
        }
    }

    /// How long the caller should wait before trying again, when known.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Action { source, .. } => source.retry_after(),
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub fn invalid_input(detail: impl Into<String>) -> Self {
        Error::InvalidInput {
            detail: detail.into(),
        }
    }

    pub fn malformed(detail: impl Into<String>) -> Self {
        Error::MalformedResponse {
            detail: detail.into(),
        }
    }

    pub fn unsupported(action: ActionName, provider: impl Into<String>) -> Self {
        Error::Unsupported {
            action,
            provider: provider.into(),
        }
    }

    /// Rebuilds an error from its wire form (`code`, HTTP `status`,
    /// `detail`), as an RPC client receives it. Unknown codes become
    /// [`Error::Unhandled`] with the code kept in the detail; `unsupported`
    /// needs the action, so callers that know it build it themselves.
    pub fn from_code(code: &str, status: u16, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        // The wire detail is `Display`, which starts with the code.
        let detail = match detail.strip_prefix(code) {
            Some(rest) if rest.starts_with(": ") => rest[2..].to_owned(),
            _ => detail,
        };
        match code {
            "resource_not_found" => Error::NotFound { detail },
            "resource_forbidden" => Error::Forbidden { detail },
            "provider_unauthorized" => Error::Unauthorized { detail },
            "resource_conflict" => Error::Conflict { detail },
            "resource_unprocessable_content" => Error::UnprocessableContent { detail },
            "rate_limit_exceeded" => Error::RateLimited {
                detail,
                retry_after: None,
            },
            "provider_unavailable" => Error::ProviderUnavailable {
                status: None,
                detail,
            },
            "provider_timeout" => Error::Timeout { detail },
            "provider_malformed_response" => Error::MalformedResponse { detail },
            "provider_unexpected_status" => {
                let (provider_status, detail) = split_provider_status(code, detail);
                Error::UnexpectedStatus {
                    status: provider_status.unwrap_or(status),
                    detail,
                }
            }
            "invalid_input" => Error::InvalidInput { detail },
            "repository_not_found" => Error::RepositoryNotFound,
            "repository_inactive" => Error::RepositoryInactive,
            "repository_organization_mismatch" => Error::RepositoryOrganizationMismatch,
            other => match Self::RPC_CODES.iter().find(|c| **c == other) {
                Some(code) => Error::Rpc {
                    code,
                    status,
                    detail,
                },
                None => Error::Unhandled {
                    status: Some(status),
                    detail: format!("{}: {detail}", other.chars().take(64).collect::<String>()),
                },
            },
        }
    }

    /// Codes of the RPC server's own refusals ([`Error::Rpc`]).
    pub const RPC_CODES: &'static [&'static str] = &[
        "rpc_malformed_request",
        "rpc_invalid_signature",
        "rpc_stale_request",
        "rpc_replayed_request",
        "rpc_invalid_grant",
        "rpc_request_too_large",
        "rpc_invalid_path",
        "not_found",
        "service_unavailable",
        "method_not_allowed",
        "uri_too_long",
        "request_header_fields_too_large",
        "request_timeout",
    ];

    /// All codes, for documentation and exhaustive tests.
    pub const CODES: &'static [&'static str] = &[
        "resource_not_found",
        "resource_forbidden",
        "provider_unauthorized",
        "resource_conflict",
        "resource_unprocessable_content",
        "rate_limit_exceeded",
        "unsupported",
        "provider_unavailable",
        "provider_timeout",
        "provider_malformed_response",
        "invalid_input",
        "repository_not_found",
        "repository_inactive",
        "repository_organization_mismatch",
        "unhandled",
        "provider_unexpected_status",
    ];
}

/// Splits a wire detail `{code} (HTTP 431): …` into the provider's
/// status and the rest; a detail without the status stays whole.
fn split_provider_status(code: &str, detail: String) -> (Option<u16>, String) {
    let rest = detail.strip_prefix(code).unwrap_or(&detail).trim_start();
    let parsed = rest
        .strip_prefix("(HTTP ")
        .and_then(|rest| rest.split_once("): "))
        .and_then(|(status, rest)| Some((status.parse().ok()?, rest.to_owned())));
    match parsed {
        Some((status, rest)) => (Some(status), rest),
        None => (None, detail),
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Action {
                provider,
                action,
                source,
            } => write!(f, "{source} (provider {provider}, action {action})"),
            Error::Unsupported { action, provider } => {
                write!(
                    f,
                    "{}: `{action}` is not supported by {provider}",
                    self.code()
                )
            }
            Error::RepositoryNotFound
            | Error::RepositoryInactive
            | Error::RepositoryOrganizationMismatch => {
                write!(f, "{}: {}", self.code(), self.title())
            }
            Error::ProviderUnavailable {
                status: Some(status),
                detail,
            }
            | Error::Unhandled {
                status: Some(status),
                detail,
            }
            | Error::UnexpectedStatus { status, detail } => {
                write!(f, "{} (HTTP {status}): {detail}", self.code())
            }
            Error::NotFound { detail }
            | Error::Forbidden { detail }
            | Error::Unauthorized { detail }
            | Error::Conflict { detail }
            | Error::UnprocessableContent { detail }
            | Error::RateLimited { detail, .. }
            | Error::ProviderUnavailable { detail, .. }
            | Error::Timeout { detail }
            | Error::MalformedResponse { detail }
            | Error::InvalidInput { detail }
            | Error::Unhandled { detail, .. }
            | Error::Rpc { detail, .. } => write!(f, "{}: {detail}", self.code()),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Action { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

impl From<serde_json::Error> for Error {
    /// A JSON error while reading a provider answer. Input JSON errors are
    /// mapped to [`Error::InvalidInput`] explicitly where they happen.
    fn from(err: serde_json::Error) -> Self {
        Error::malformed(format!("invalid JSON from provider: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_listed_and_statuses_are_http() {
        let samples = [
            Error::NotFound {
                detail: String::new(),
            },
            Error::Forbidden {
                detail: String::new(),
            },
            Error::Unauthorized {
                detail: String::new(),
            },
            Error::Conflict {
                detail: String::new(),
            },
            Error::UnprocessableContent {
                detail: String::new(),
            },
            Error::RateLimited {
                detail: String::new(),
                retry_after: None,
            },
            Error::unsupported(ActionName::GetIssue, "github"),
            Error::ProviderUnavailable {
                status: Some(502),
                detail: String::new(),
            },
            Error::Timeout {
                detail: String::new(),
            },
            Error::malformed(""),
            Error::invalid_input(""),
            Error::RepositoryNotFound,
            Error::RepositoryInactive,
            Error::RepositoryOrganizationMismatch,
            Error::Unhandled {
                status: None,
                detail: String::new(),
            },
            Error::UnexpectedStatus {
                status: 431,
                detail: "x".into(),
            },
        ];
        assert_eq!(samples.len(), Error::CODES.len());
        for (err, code) in samples.iter().zip(Error::CODES) {
            assert_eq!(err.code(), *code);
            assert!((400..600).contains(&err.http_status()));
        }
        for err in &samples {
            let has_status = matches!(
                err,
                Error::ProviderUnavailable {
                    status: Some(_),
                    ..
                }
            );
            if !has_status && !matches!(err, Error::Unsupported { .. } | Error::Unhandled { .. }) {
                let back = Error::from_code(err.code(), err.http_status(), err.to_string());
                assert_eq!(&back, err);
            }
        }
        // The provider's status survives the wire (the RPC status is 502).
        let unexpected = Error::UnexpectedStatus {
            status: 431,
            detail: "GitHub answered 431".into(),
        };
        assert_eq!(unexpected.http_status(), 502);
        assert_eq!(
            Error::from_code(unexpected.code(), 502, unexpected.to_string()),
            unexpected
        );
        let refused = Error::from_code("rpc_invalid_grant", 403, "not granted");
        assert_eq!(
            (refused.code(), refused.http_status()),
            ("rpc_invalid_grant", 403)
        );
        let odd = Error::from_code("brand_new", 418, "x");
        assert_eq!(
            (odd.code(), odd.to_string().as_str()),
            ("unhandled", "unhandled (HTTP 418): brand_new: x")
        );
        assert_eq!(
            Error::unsupported(ActionName::GetIssue, "gitlab").to_string(),
            "unsupported: `get_issue` is not supported by gitlab"
        );
    }

    #[test]
    fn an_action_error_says_where_it_came_from_and_keeps_its_code() {
        let inner = Error::RateLimited {
            detail: "slow down".into(),
            retry_after: Some(Duration::from_secs(7)),
        };
        let err = inner
            .clone()
            .in_action("prov", ActionName::GetIssue)
            .in_action("other", ActionName::CreateIssue);
        assert_eq!(err.code(), "rate_limit_exceeded");
        assert_eq!(err.http_status(), 429);
        assert_eq!(err.title(), inner.title());
        assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(err.root(), &inner);
        assert_eq!(err.origin(), Some(("prov", ActionName::GetIssue)));
        assert_eq!(
            err.to_string(),
            "rate_limit_exceeded: slow down (provider prov, action get_issue)"
        );
        let source = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(source, Some(inner.to_string()));
        assert_eq!(err.into_root(), inner);
    }
}
