//! What an action returns: the data plus the provider's truth.
//!
//! [`ActionResult`] keeps the provider's raw JSON and headers next to the
//! neutral data, so nothing the provider said is lost. Reads can be made
//! conditional with [`RequestOptions`]; when the provider answers *not
//! modified*, the result is [`Response::NotModified`] — a normal outcome,
//! not an error.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::raw_json::RawJson;

/// Validators the provider sent, to make the next read conditional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ResponseMeta {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// The answer was served from the shared cache after the provider
    /// confirmed it unchanged (`304`): current data that cost no transfer
    /// (and, where the provider does not count `304`s, no quota).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub revalidated: bool,
}

impl ResponseMeta {
    pub fn from_headers(headers: &http::HeaderMap) -> Self {
        let get = |name: http::header::HeaderName| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            etag: get(http::header::ETAG),
            last_modified: get(http::header::LAST_MODIFIED),
            revalidated: headers
                .get(crate::cache::CACHE_STATUS_HEADER)
                .is_some_and(|v| v == "revalidated"),
        }
    }
}

/// The provider's answer as it was (minus anything carrying credentials).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RawResponse {
    pub status: u16,
    /// Response headers, lower-cased names.
    pub headers: BTreeMap<String, String>,
    // Kept as the answer's own bytes, serialized as the JSON they are (see
    // `RawJson`); the doc line below is the OpenAPI description.
    /// The JSON body, when it was JSON.
    pub body: Option<RawJson>,
}

impl RawResponse {
    /// Headers that never go into a result: they carry credentials or
    /// cookies.
    const HIDDEN_HEADERS: [&'static str; 3] =
        ["set-cookie", "authorization", "proxy-authorization"];

    pub fn new(status: u16, headers: &http::HeaderMap, body: Option<RawJson>) -> Self {
        let headers = headers
            .iter()
            .filter(|(name, _)| !Self::HIDDEN_HEADERS.contains(&name.as_str()))
            .filter_map(|(name, value)| {
                value
                    .to_str()
                    .ok()
                    .map(|v| (name.as_str().to_owned(), v.to_owned()))
            })
            .collect();
        Self {
            status,
            headers,
            body,
        }
    }
}

/// Successful data with the provider's name, raw answer and validators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionResult<T> {
    pub data: T,
    pub provider: String,
    /// The provider's raw answer(s). `None` for actions that make no HTTP
    /// call (web URLs) and for streamed downloads.
    pub raw: Option<RawResponse>,
    pub meta: ResponseMeta,
}

impl<T> ActionResult<T> {
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ActionResult<U> {
        ActionResult {
            data: f(self.data),
            provider: self.provider,
            raw: self.raw,
            meta: self.meta,
        }
    }
}

/// The outcome of an action: data, or *not modified* for a conditional read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Response<T> {
    Ok(ActionResult<T>),
    NotModified {
        provider: String,
        meta: ResponseMeta,
    },
}

impl<T> Response<T> {
    pub fn ok(
        data: T,
        provider: impl Into<String>,
        raw: Option<RawResponse>,
        meta: ResponseMeta,
    ) -> Self {
        Response::Ok(ActionResult {
            data,
            provider: provider.into(),
            raw,
            meta,
        })
    }

    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        match self {
            Response::Ok(result) => Response::Ok(result.map(f)),
            Response::NotModified { provider, meta } => Response::NotModified { provider, meta },
        }
    }

    /// The data, or `None` when the provider answered *not modified*.
    pub fn into_data(self) -> Option<T> {
        match self {
            Response::Ok(result) => Some(result.data),
            Response::NotModified { .. } => None,
        }
    }

    pub fn data(&self) -> Option<&T> {
        match self {
            Response::Ok(result) => Some(&result.data),
            Response::NotModified { .. } => None,
        }
    }

    pub fn is_not_modified(&self) -> bool {
        matches!(self, Response::NotModified { .. })
    }

    pub fn meta(&self) -> &ResponseMeta {
        match self {
            Response::Ok(result) => &result.meta,
            Response::NotModified { meta, .. } => meta,
        }
    }

    pub fn provider(&self) -> &str {
        match self {
            Response::Ok(result) => &result.provider,
            Response::NotModified { provider, .. } => provider,
        }
    }
}

/// Per-call options for reads: conditional request validators.
///
/// Pass the validators of an earlier answer ([`Response::meta`]); when
/// nothing changed the provider answers *not modified*, which is
/// [`Response::NotModified`], not an error. A full round trip against a
/// provider is in the crate's quickstart.
///
/// ```
/// use scm_core::{RequestOptions, Response, ResponseMeta};
///
/// // The validators of an earlier answer …
/// let earlier: Response<String> = Response::ok(
///     "README".to_owned(),
///     "github",
///     None,
///     ResponseMeta { etag: Some("\"abc\"".into()), ..ResponseMeta::default() },
/// );
/// // … make the next read conditional.
/// let options = RequestOptions {
///     if_none_match: earlier.meta().etag.clone(),
///     ..RequestOptions::default()
/// };
/// assert!(!options.is_empty());
/// assert!(RequestOptions::default().is_empty());
///
/// // What an unchanged resource looks like to the caller.
/// let unchanged: Response<String> = Response::NotModified {
///     provider: "github".into(),
///     meta: earlier.meta().clone(),
/// };
/// assert!(unchanged.is_not_modified());
/// assert_eq!(unchanged.into_data(), None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestOptions {
    /// Send `If-None-Match`; a match yields [`Response::NotModified`].
    pub if_none_match: Option<String>,
    /// Send `If-Modified-Since` (an HTTP date).
    pub if_modified_since: Option<String>,
}

impl RequestOptions {
    pub fn is_empty(&self) -> bool {
        self.if_none_match.is_none() && self.if_modified_since.is_none()
    }
}
