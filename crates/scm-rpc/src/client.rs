//! The RPC v1 client as a [`Provider`]: a [`SourceCodeManager`] built over
//! it runs the same code remotely as in-process.
//!
//! Each call is one signed `POST /v1/actions/{name}` with the action's
//! JSON arguments; the neutral result is parsed back with
//! [`AnyOutput::from_json`], coded errors with [`Error::from_code`], and
//! downloads stay streamed. Capabilities come from `GET /v1/capabilities`
//! once ([`RpcProvider::connect`]) and are cached, so unsupported actions
//! are refused locally without a request.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use scm_core::registry::{RepositoryKey, RepositoryRecord};
use scm_core::transport::{HttpResponse, ReqwestTransport, Transport};
use scm_core::{
    ActionKind, AnyAction, AnyOutput, CallContext, Capabilities, CapabilitySet, Download, Error,
    Provider, Response, ResponseMeta, Secret, SourceCodeManager,
};
use serde::Deserialize;

use crate::signing::{new_nonce, unix_now, Signed, DEFAULT_REFERRER};

/// The largest JSON answer the client reads (downloads are streamed).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024 * 1024;

/// Where the server is, who signs, and what the calls are scoped to.
#[derive(Debug, Clone)]
pub struct RpcTarget {
    /// `http://127.0.0.1:8080` (no trailing path).
    pub base_url: String,
    pub key_id: String,
    pub secret: Secret,
    pub organization: i64,
    /// The repository: the platform's id, or (provider, external id).
    pub repository: RepositoryKey,
    pub referrer: String,
}

impl RpcTarget {
    /// Parses `--repo`: an id (`5`) or `provider:external id`
    /// (`github:owner/repo`).
    ///
    /// ```
    /// use scm_core::registry::RepositoryKey;
    /// use scm_rpc::RpcTarget;
    ///
    /// assert_eq!(RpcTarget::parse_repository("5").unwrap(), RepositoryKey::Id(5));
    /// assert_eq!(
    ///     RpcTarget::parse_repository("gitlab:platform/api").unwrap(),
    ///     RepositoryKey::External("gitlab".into(), "platform/api".into()),
    /// );
    /// assert_eq!(RpcTarget::parse_repository("api").unwrap_err().code(), "invalid_input");
    /// ```
    pub fn parse_repository(raw: &str) -> Result<RepositoryKey, Error> {
        if let Ok(id) = raw.parse::<i64>() {
            return Ok(RepositoryKey::Id(id));
        }
        match raw.split_once(':') {
            Some((provider, external)) if !provider.is_empty() && !external.is_empty() => Ok(
                RepositoryKey::External(provider.to_owned(), external.to_owned()),
            ),
            _ => Err(Error::invalid_input(
                "the repository is an id or PROVIDER:EXTERNAL-ID",
            )),
        }
    }
}

/// The remote provider.
pub struct RpcProvider {
    target: RpcTarget,
    organization: String,
    repository: String,
    transport: Arc<dyn Transport>,
    capabilities: OnceLock<Capabilities>,
}

impl std::fmt::Debug for RpcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RpcProvider")
            .field("base_url", &self.target.base_url)
            .field("key_id", &self.target.key_id)
            .field("organization", &self.organization)
            .field("repository", &self.repository)
            .field("referrer", &self.target.referrer)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct WireError {
    code: String,
    status: u16,
    #[serde(default)]
    detail: String,
    /// Where a provider error came from (`provider`, `action`).
    #[serde(default)]
    meta: Option<WireErrorMeta>,
}

#[derive(Deserialize)]
struct WireErrorMeta {
    provider: Option<String>,
    action: Option<String>,
}

#[derive(Deserialize)]
struct WireErrors {
    errors: Vec<WireError>,
}

impl RpcProvider {
    /// A client over reqwest (no request is made yet).
    pub fn new(target: RpcTarget) -> Result<Self, Error> {
        let transport = ReqwestTransport::new(Duration::from_secs(120))?;
        Ok(Self::with_transport(target, Arc::new(transport)))
    }

    /// A client over any transport (tests, custom TLS).
    pub fn with_transport(mut target: RpcTarget, transport: Arc<dyn Transport>) -> Self {
        target.base_url = target.base_url.trim_end_matches('/').to_owned();
        if target.referrer.is_empty() {
            target.referrer = DEFAULT_REFERRER.to_owned();
        }
        let repository = match &target.repository {
            RepositoryKey::Id(id) => id.to_string(),
            key => serde_json::to_string(key).unwrap_or_default(),
        };
        Self {
            organization: target.organization.to_string(),
            repository,
            target,
            transport,
            capabilities: OnceLock::new(),
        }
    }

    /// A client whose capabilities are already fetched.
    ///
    /// [`RpcProvider::into_manager`] makes it a [`SourceCodeManager`], so
    /// code written against the facade runs unchanged against a server:
    ///
    /// ```
    /// # mod support { include!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/support/mod.rs")); }
    /// use scm_core::actions::{GetRepository, GetRepositoryLabels};
    /// use scm_rpc::{RpcProvider, RpcTarget};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let github = support::recorded_github();
    /// # let dir = tempfile::tempdir()?;
    /// // `scm serve` on 127.0.0.1 with one repository and one client key.
    /// let served = support::serve_rpc(dir.path(), github.base_url()).await?;
    /// let target = RpcTarget {
    ///     base_url: served.base_url,
    ///     key_id: served.key_id,
    ///     secret: served.secret,
    ///     organization: 1,
    ///     repository: RpcTarget::parse_repository("github:octokit-fixture-org/hello-world")?,
    ///     referrer: "docs".into(),
    /// };
    /// let scm = RpcProvider::connect(target.clone()).await?.into_manager();
    /// assert_eq!(scm.provider_name(), "github");
    /// assert!(scm.supports::<GetRepositoryLabels>());
    ///
    /// let repository = scm.execute(GetRepository {}).await?.into_data().unwrap();
    /// assert_eq!(repository.full_name, "octokit-fixture-org/hello-world");
    ///
    /// // The server's refusals are coded errors like any other: this key
    /// // may not act for another organization.
    /// let stranger = RpcTarget { organization: 2, ..target };
    /// let refused = RpcProvider::connect(stranger).await.unwrap_err();
    /// assert_eq!(refused.code(), "rpc_invalid_grant");
    /// # Ok(())
    /// # }
    /// ```
    pub async fn connect(target: RpcTarget) -> Result<Self, Error> {
        let provider = Self::new(target)?;
        provider.fetch_capabilities().await?;
        Ok(provider)
    }

    pub fn target(&self) -> &RpcTarget {
        &self.target
    }

    /// `GET /v1/capabilities`, cached after the first answer.
    pub async fn fetch_capabilities(&self) -> Result<&Capabilities, Error> {
        if let Some(caps) = self.capabilities.get() {
            return Ok(caps);
        }
        let response = self
            .send("GET", "/v1/capabilities", Bytes::new(), &[])
            .await?;
        let (status, headers, body) = self.read(response).await?;
        if !(200..300).contains(&status) {
            return Err(Self::error(status, &headers, &body, None, "rpc"));
        }
        let caps: Capabilities = serde_json::from_slice(&body)
            .map_err(|err| Error::malformed(format!("capabilities from the RPC server: {err}")))?;
        Ok(self.capabilities.get_or_init(|| caps))
    }

    /// The record a [`SourceCodeManager`] over this client reports; the
    /// server resolves and scopes the real one on every call.
    pub fn repository_record(&self) -> RepositoryRecord {
        let (id, provider, external) = match &self.target.repository {
            RepositoryKey::Id(id) => (*id, self.name().to_owned(), id.to_string()),
            RepositoryKey::External(provider, external) => (0, provider.clone(), external.clone()),
        };
        RepositoryRecord {
            id,
            organization_id: self.target.organization,
            integration_id: 0,
            provider,
            full_name: external.clone(),
            external_id: external,
            active: true,
        }
    }

    /// The facade over this client.
    pub fn into_manager(self) -> SourceCodeManager {
        let record = self.repository_record();
        let referrer = self.target.referrer.clone();
        SourceCodeManager::for_repository(Arc::new(self), record, referrer)
    }

    /// Signs and sends one request.
    async fn send(
        &self,
        method: &str,
        path: &str,
        body: Bytes,
        extra: &[(http::HeaderName, String)],
    ) -> Result<HttpResponse, Error> {
        let nonce = new_nonce();
        let signed = Signed {
            method,
            path,
            timestamp: unix_now(),
            nonce: &nonce,
            organization: &self.organization,
            repository: &self.repository,
            referrer: &self.target.referrer,
            body: &body,
        };
        let mut builder = http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.target.base_url));
        for (name, value) in signed.headers(&self.target.key_id, &self.target.secret) {
            builder = builder.header(name, value);
        }
        for (name, value) in extra {
            builder = builder.header(name, value);
        }
        if !body.is_empty() {
            builder = builder.header(http::header::CONTENT_TYPE, "application/json");
        }
        let request = builder
            .body(body)
            .map_err(|err| Error::invalid_input(format!("invalid RPC request: {err}")))?;
        self.transport.send(request).await.map_err(|err| match err {
            Error::ProviderUnavailable { status, detail } => Error::ProviderUnavailable {
                status,
                detail: format!("the RPC server could not be reached: {detail}"),
            },
            other => other,
        })
    }

    async fn read(&self, response: HttpResponse) -> Result<(u16, http::HeaderMap, Bytes), Error> {
        let (parts, body) = response.into_parts();
        let body = body.collect(MAX_RESPONSE_BYTES).await?;
        Ok((parts.status.as_u16(), parts.headers, body))
    }

    /// The coded error of a non-2xx answer.
    fn error(
        status: u16,
        headers: &http::HeaderMap,
        body: &[u8],
        action: Option<scm_core::ActionName>,
        provider: &str,
    ) -> Error {
        let Ok(WireErrors { errors }) = serde_json::from_slice::<WireErrors>(body) else {
            let detail = format!("the RPC server answered HTTP {status} without a coded error");
            return if status >= 500 {
                Error::ProviderUnavailable {
                    status: Some(status),
                    detail,
                }
            } else {
                Error::Unhandled {
                    status: Some(status),
                    detail,
                }
            };
        };
        let Some(first) = errors.into_iter().next() else {
            return Error::malformed(format!("HTTP {status} with an empty error list"));
        };
        let origin = first.meta.as_ref().and_then(|meta| {
            let action = meta.action.as_deref()?.parse().ok()?;
            Some((meta.provider.clone()?, action))
        });
        let err = match (first.code.as_str(), action) {
            ("unsupported", Some(action)) => Error::unsupported(action, provider),
            ("rate_limit_exceeded", _) => Error::RateLimited {
                detail: first
                    .detail
                    .strip_prefix("rate_limit_exceeded: ")
                    .unwrap_or(&first.detail)
                    .to_owned(),
                retry_after: headers
                    .get(http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.parse::<u64>().ok())
                    .map(Duration::from_secs),
            },
            (code, _) => Error::from_code(code, first.status, first.detail),
        };
        match origin {
            Some((provider, action)) => err.in_action(provider, action),
            None => err,
        }
    }
}

fn header_text(headers: &http::HeaderMap, name: http::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The file name of `attachment; filename="x.tar.gz"`.
fn filename(headers: &http::HeaderMap) -> Option<String> {
    let raw = header_text(headers, http::header::CONTENT_DISPOSITION)?;
    let start = raw.find("filename=\"")? + "filename=\"".len();
    let rest = &raw[start..];
    Some(rest[..rest.find('"')?].to_owned())
}

#[async_trait]
impl Provider for RpcProvider {
    /// The remote provider's name once capabilities are fetched, `rpc`
    /// before.
    fn name(&self) -> &str {
        self.capabilities
            .get()
            .map(|caps| caps.provider.as_str())
            .unwrap_or("rpc")
    }

    /// The remote capabilities; every action until they are fetched (the
    /// server then answers `unsupported` itself).
    fn capabilities(&self) -> CapabilitySet {
        self.capabilities
            .get()
            .map(Capabilities::set)
            .unwrap_or_else(CapabilitySet::all)
    }

    async fn execute(
        &self,
        action: AnyAction,
        ctx: &CallContext,
    ) -> scm_core::Result<Response<AnyOutput>> {
        let name = action.name();
        let body = serde_json::to_vec(&action.args_json())
            .map_err(|err| Error::invalid_input(format!("arguments: {err}")))?;
        let path = format!("/v1/actions/{}", name.as_str());
        let mut extra = Vec::new();
        if let Some(etag) = &ctx.options.if_none_match {
            extra.push((http::header::IF_NONE_MATCH, etag.clone()));
        }
        if let Some(since) = &ctx.options.if_modified_since {
            extra.push((http::header::IF_MODIFIED_SINCE, since.clone()));
        }
        let response = self.send("POST", &path, body.into(), &extra).await?;
        let status = response.status().as_u16();
        if name.kind() == ActionKind::Download && (200..300).contains(&status) {
            let (parts, body) = response.into_parts();
            let download = Download {
                content_type: header_text(&parts.headers, http::header::CONTENT_TYPE),
                content_length: header_text(&parts.headers, http::header::CONTENT_LENGTH)
                    .and_then(|v| v.parse().ok()),
                filename: filename(&parts.headers),
                body,
            };
            let data = AnyOutput::from_download(name, download)?;
            return Ok(Response::ok(
                data,
                self.name(),
                None,
                ResponseMeta::from_headers(&parts.headers),
            ));
        }
        let (status, headers, body) = self.read(response).await?;
        if !(200..300).contains(&status) {
            return Err(Self::error(
                status,
                &headers,
                &body,
                Some(name),
                self.name(),
            ));
        }
        let response: Response<serde_json::Value> = serde_json::from_slice(&body)
            .map_err(|err| Error::malformed(format!("result from the RPC server: {err}")))?;
        Ok(match response {
            Response::Ok(result) => Response::Ok(scm_core::ActionResult {
                data: AnyOutput::from_json(name, result.data)?,
                provider: result.provider,
                raw: result.raw,
                meta: result.meta,
            }),
            Response::NotModified { provider, meta } => Response::NotModified { provider, meta },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_flags_parse() {
        assert_eq!(
            RpcTarget::parse_repository("5").unwrap(),
            RepositoryKey::Id(5)
        );
        assert_eq!(
            RpcTarget::parse_repository("github:owner/repo").unwrap(),
            RepositoryKey::External("github".into(), "owner/repo".into())
        );
        assert_eq!(
            RpcTarget::parse_repository("owner/repo")
                .unwrap_err()
                .code(),
            "invalid_input"
        );
    }

    #[test]
    fn errors_keep_their_codes() {
        let headers = http::HeaderMap::new();
        let body = br#"{"errors":[{"code":"rpc_invalid_grant","status":403,"title":"Not granted","detail":"no"}]}"#;
        let err = RpcProvider::error(403, &headers, body, None, "github");
        assert_eq!((err.code(), err.http_status()), ("rpc_invalid_grant", 403));
        let body = br#"{"errors":[{"code":"unsupported","status":501,"title":"","detail":""}]}"#;
        let err = RpcProvider::error(
            501,
            &headers,
            body,
            Some(scm_core::ActionName::GetIssue),
            "gitlab",
        );
        assert_eq!(
            err,
            Error::unsupported(scm_core::ActionName::GetIssue, "gitlab")
        );
        let err = RpcProvider::error(502, &headers, b"<html>", None, "github");
        assert_eq!(err.code(), "provider_unavailable");
        let mut headers = http::HeaderMap::new();
        headers.insert(http::header::RETRY_AFTER, "7".parse().unwrap());
        let body = br#"{"errors":[{"code":"rate_limit_exceeded","status":429,"title":"","detail":"rate_limit_exceeded: slow down"}]}"#;
        let err = RpcProvider::error(429, &headers, body, None, "github");
        assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
        assert_eq!(err.to_string(), "rate_limit_exceeded: slow down");
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let provider = RpcProvider::new(RpcTarget {
            base_url: "http://127.0.0.1:9/".into(),
            key_id: "key_1".into(),
            secret: Secret::new("very-secret-value"),
            organization: 1,
            repository: RepositoryKey::Id(2),
            referrer: String::new(),
        })
        .unwrap();
        let shown = format!("{provider:?}");
        assert!(!shown.contains("very-secret-value"));
        assert_eq!(provider.target().referrer, "shared");
        assert_eq!(provider.target().base_url, "http://127.0.0.1:9");
    }
}
