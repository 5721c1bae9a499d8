//! rpc0: the older platform's signed proxy protocol, at
//! `GET|POST /api/0/internal/scm-rpc/`, served for its existing clients.
//!
//! - `GET` looks a repository up (organization and repository headers are
//!   signed);
//! - `POST` sends a provider request for that repository through the
//!   provider's own stack (auth, quota, retry); only the body is signed.
//!
//! Unlike the original, every proxied path is scoped to the repository the
//! request names ([`scm_core::proxy::ProxyScope`]). The protocol's other
//! weaknesses (unsigned headers on `POST`, no timestamp, no replay
//! protection, shared secrets without grants) are documented in
//! `docs/rpc0.md`; operators turn it off with `rpc0.enabled = false`.

pub mod signature;
pub mod wire;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use futures::TryStreamExt;
use scm_core::proxy::{CredentialSet, LookupFields, ProxyResolver, RawRequest};
use scm_core::registry::{resolve_scoped, RepositoryKey, RepositoryRecord, RepositoryRegistry};
use scm_core::telemetry::metric_name;
use scm_core::{CallContext, Secret};
use serde::Deserialize;

use crate::config_error::ConfigError;
use crate::error::ApiError;

/// Where rpc0 is served.
pub const PATH: &str = "/api/0/internal/scm-rpc/";

pub const ORGANIZATION: &str = "x-organization-id";
pub const REPOSITORY: &str = "x-repository-id";
pub const REFERRER: &str = "x-referrer";
pub const CREDENTIALS_SET: &str = "x-credentials-set";

/// `[rpc0]` in the config file.
///
/// ```toml
/// [rpc0]
/// enabled = true                 # false answers 404 `rpc0_disabled`
/// secrets = ["current", "previous"]
/// allow_extra_routes = false     # GitHub: POST /graphql (see docs/rpc0.md)
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Rpc0Config {
    /// Served only when enabled *and* at least one secret is configured.
    pub enabled: bool,
    /// Any of them may sign (rotation: add the new one, move clients, drop
    /// the old one).
    pub secrets: Vec<Secret>,
    /// Lets through the routes outside a repository prefix that a provider
    /// lists (GitHub: `POST /graphql`), which are not scoped.
    pub allow_extra_routes: bool,
}

impl Default for Rpc0Config {
    fn default() -> Self {
        Self {
            enabled: true,
            secrets: Vec::new(),
            allow_extra_routes: false,
        }
    }
}

impl Rpc0Config {
    /// Applies `SCM_RPC0_ENABLED`, `SCM_RPC0_SECRETS` (comma-separated)
    /// and `SCM_RPC0_ALLOW_EXTRA_ROUTES`.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        let flag = |name: &str, value: &str| match value.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "on" => Ok(true),
            "0" | "false" | "no" | "off" => Ok(false),
            _ => Err(ConfigError::Invalid {
                name: name.into(),
                detail: "expected true or false".into(),
            }),
        };
        if let Some(value) = env.get("SCM_RPC0_ENABLED") {
            self.enabled = flag("SCM_RPC0_ENABLED", value)?;
        }
        if let Some(value) = env.get("SCM_RPC0_ALLOW_EXTRA_ROUTES") {
            self.allow_extra_routes = flag("SCM_RPC0_ALLOW_EXTRA_ROUTES", value)?;
        }
        if let Some(value) = env.get("SCM_RPC0_SECRETS") {
            self.secrets = value
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(Secret::new)
                .collect();
        }
        Ok(())
    }

    pub fn active(&self) -> bool {
        self.enabled && self.secrets.iter().any(|s| !s.is_empty())
    }
}

/// What the rpc0 handlers share.
pub struct Rpc0State {
    pub config: Rpc0Config,
    pub registry: Arc<dyn RepositoryRegistry>,
    pub proxies: Arc<dyn ProxyResolver>,
    pub max_body: usize,
}

/// The rpc0 route (merge it into the main router).
pub fn router(state: Arc<Rpc0State>) -> Router {
    Router::new()
        .route(PATH, get(lookup).post(proxy))
        .with_state(state)
}

fn disabled() -> ApiError {
    ApiError::new(
        404,
        "rpc0_disabled",
        "rpc0 is disabled",
        "this server does not serve the rpc0 protocol",
    )
}

/// 400 `rpc_invalid_path`.
pub fn invalid_path(detail: impl Into<String>) -> ApiError {
    ApiError::new(
        400,
        "rpc_invalid_path",
        "Path outside the repository",
        detail,
    )
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Result<Option<&'h str>, ApiError> {
    headers
        .get(name)
        .map(|v| {
            v.to_str()
                .map_err(|_| ApiError::malformed(format!("header `{name}` is not visible ASCII")))
        })
        .transpose()
}

/// The organization and repository headers, parsed.
fn scope_headers(headers: &HeaderMap) -> Result<(i64, RepositoryKey), ApiError> {
    let organization = header(headers, ORGANIZATION)?
        .ok_or_else(|| ApiError::malformed(format!("missing `{ORGANIZATION}`")))?
        .trim()
        .parse::<i64>()
        .map_err(|_| ApiError::malformed(format!("`{ORGANIZATION}` must be an integer")))?;
    let repository = header(headers, REPOSITORY)?
        .ok_or_else(|| ApiError::malformed(format!("missing `{REPOSITORY}`")))?;
    let repository = serde_json::from_str(repository).map_err(|_| {
        ApiError::malformed(format!(
            "`{REPOSITORY}` must be an id or [\"provider\",\"external id\"]"
        ))
    })?;
    Ok((organization, repository))
}

/// Every attribute the older platform's clients read; the provider's
/// [`LookupFields`] fill or override the last five.
#[derive(serde::Serialize)]
struct LookupAttributes<'a> {
    external_id: &'a str,
    integration_id: i64,
    is_active: bool,
    name: &'a str,
    organization_id: i64,
    provider_name: &'a str,
    web_base_url: Option<&'a str>,
    installation_id: Option<&'a str>,
    path: Option<&'a str>,
}

fn lookup_document(record: &RepositoryRecord, fields: &LookupFields) -> serde_json::Value {
    serde_json::json!({
        "data": {
            "id": record.id.to_string(),
            "type": "repository",
            "attributes": LookupAttributes {
                external_id: fields.external_id.as_deref().unwrap_or(&record.external_id),
                integration_id: record.integration_id,
                is_active: record.active,
                name: &record.full_name,
                organization_id: record.organization_id,
                provider_name: fields.provider_name.as_deref().unwrap_or(&record.provider),
                web_base_url: fields.web_base_url.as_deref(),
                installation_id: fields.installation_id.as_deref(),
                path: fields.path.as_deref(),
            },
        }
    })
}

/// What the repository's provider adds to the lookup. A provider that
/// cannot proxy (or an integration that cannot be built) adds nothing: the
/// lookup answers from the registry alone, as it always could.
async fn provider_fields(state: &Rpc0State, record: &RepositoryRecord) -> LookupFields {
    let Ok(proxy) = state.proxies.proxy_for(record).await else {
        return LookupFields::default();
    };
    let ctx = CallContext::new(Arc::new(record.clone()), crate::signing::DEFAULT_REFERRER);
    proxy.lookup_fields(&ctx).unwrap_or_default()
}

async fn lookup(State(state): State<Arc<Rpc0State>>, headers: HeaderMap) -> Response {
    match lookup_inner(&state, &headers).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn lookup_inner(state: &Rpc0State, headers: &HeaderMap) -> Result<Response, ApiError> {
    if !state.config.active() {
        return Err(disabled());
    }
    let given = signature::parse_authorization(headers)?;
    let (organization_id, key) = scope_headers(headers)?;
    let message = signature::lookup_message(organization_id, &key);
    if !signature::verify(&state.config.secrets, message.as_bytes(), &given) {
        return Err(ApiError::bad_signature("the signature does not match"));
    }
    let record = resolve_scoped(state.registry.as_ref(), organization_id, &key).await?;
    let fields = provider_fields(state, &record).await;
    Ok((
        StatusCode::OK,
        [(http::header::CONTENT_TYPE, "application/json")],
        lookup_document(&record, &fields).to_string(),
    )
        .into_response())
}

async fn proxy(State(state): State<Arc<Rpc0State>>, headers: HeaderMap, body: Body) -> Response {
    match proxy_inner(&state, &headers, body).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn proxy_inner(
    state: &Rpc0State,
    headers: &HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    if !state.config.active() {
        return Err(disabled());
    }
    // The cap first, then the signature over the raw bytes, then parsing.
    let declared = headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > state.max_body as u64) {
        return Err(ApiError::too_large(state.max_body));
    }
    let body = axum::body::to_bytes(body, state.max_body)
        .await
        .map_err(|err| crate::limits::body_error(&err, state.max_body))?;
    let given = signature::parse_authorization(headers)?;
    if !signature::verify(&state.config.secrets, &body, &given) {
        return Err(ApiError::bad_signature("the signature does not match"));
    }

    let (organization_id, key) = scope_headers(headers)?;
    let referrer = header(headers, REFERRER)?
        .unwrap_or(crate::signing::DEFAULT_REFERRER)
        .trim();
    if referrer.is_empty() || referrer.len() > 128 {
        return Err(ApiError::malformed(format!(
            "`{REFERRER}` must be 1-128 characters"
        )));
    }
    let credentials = match header(headers, CREDENTIALS_SET)?.map(str::trim) {
        None | Some("installation") => CredentialSet::Installation,
        Some("application") => CredentialSet::Application,
        Some(_) => {
            return Err(ApiError::malformed(format!(
                "`{CREDENTIALS_SET}` must be `installation` or `application`"
            )))
        }
    };
    let data = wire::parse_body(&body)?;
    let method = wire::parse_method(&data.method)?;
    let mut forwarded = wire::forwarded_headers(data.headers.as_ref())?;
    let params = wire::query_string(data.params.as_ref())?;
    let (payload, implied_type) = wire::request_body(data.data.as_ref())?;
    if let Some(content_type) = implied_type {
        forwarded
            .entry(http::header::CONTENT_TYPE)
            .or_insert(http::HeaderValue::from_static(content_type));
    }

    let record = resolve_scoped(state.registry.as_ref(), organization_id, &key).await?;
    let proxy = state.proxies.proxy_for(&record).await?;
    let ctx = CallContext::new(Arc::new(record), referrer);
    let mut path = proxy
        .scope(&ctx)?
        .check(&method, &data.path, state.config.allow_extra_routes)
        .map_err(|refused| invalid_path(refused.0))?;
    if !params.is_empty() {
        path.query = Some(match path.query.take() {
            Some(query) if !query.is_empty() => format!("{query}&{params}"),
            _ => params,
        });
    }

    let request = RawRequest {
        method,
        path,
        headers: forwarded,
        body: payload,
        credentials,
    };
    let result = proxy.send_raw(request, &ctx).await;
    crate::observability::count_rpc0_proxied(&ctx, &result);
    let status_tag = match &result {
        Ok(response) => response.status().as_u16().to_string(),
        Err(err) => err.code().to_owned(),
    };
    metrics::counter!(
        metric_name("rpc0.proxied"),
        "provider" => ctx.repository.provider.clone(),
        // Unsigned on POST: only configured values become labels.
        "referrer" => crate::metrics_guard::referrer_label(&ctx.referrer),
        "status" => status_tag,
    )
    .increment(1);
    let upstream = result?;

    let listed = wire::connection_listed(upstream.headers());
    let mut builder = Response::builder().status(upstream.status());
    if let Some(out) = builder.headers_mut() {
        for (name, value) in upstream.headers() {
            if wire::returned_header(name, &listed) {
                out.append(name.clone(), value.clone());
            }
        }
    }
    let stream = upstream
        .into_body()
        .into_stream()
        .map_err(|err| std::io::Error::other(err.to_string()));
    builder
        .body(Body::from_stream(stream))
        .map_err(|_| ApiError::malformed("the provider answered unusable headers"))
}
