//! The HTTP routes. Handlers are short: the body cap, signature check and
//! scoping happen in `AppState::authorize` before anything is parsed.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use scm_core::actions::ActionKind;
use scm_core::provider::ProviderResolver;
use scm_core::{ActionName, AnyAction, AnyOutput, Capabilities, RequestOptions, SourceCodeManager};

use crate::error::ApiError;
use crate::observability;
use crate::registry::Registry;
use crate::signing::{unix_now, Verified, Verifier};

/// The body cap: larger requests are refused with 413 before hashing.
pub const MAX_BODY: usize = 10 * 1024 * 1024;

/// What every handler shares.
pub struct AppState {
    pub registry: Registry,
    pub resolver: Arc<dyn ProviderResolver>,
    pub verifier: Verifier<Registry>,
    pub max_body: usize,
}

pub type SharedState = Arc<AppState>;

impl AppState {
    pub fn new(registry: Registry, resolver: Arc<dyn ProviderResolver>) -> Self {
        Self {
            verifier: Verifier::new(registry.clone()),
            registry,
            resolver,
            max_body: MAX_BODY,
        }
    }

    /// Checks the signing headers, reads the body under the cap, then
    /// verifies the signature; the body is returned unparsed.
    async fn authorize(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
        body: Body,
        action: Option<ActionName>,
    ) -> Result<(Verified, bytes::Bytes), ApiError> {
        let declared = headers
            .get(http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        if declared.is_some_and(|len| len > self.max_body as u64) {
            return Err(ApiError::too_large(self.max_body));
        }
        // Malformed headers, a stale timestamp or an unknown key are
        // refused before a byte of the body is read.
        self.verifier.precheck(headers, unix_now()).await?;
        let body = axum::body::to_bytes(body, self.max_body)
            .await
            .map_err(|err| crate::limits::body_error(&err, self.max_body))?;
        let verified = self
            .verifier
            .verify(method.as_str(), path, headers, &body, action, unix_now())
            .await?;
        observability::record("referrer", &verified.referrer);
        if let Some(action) = action {
            observability::record("action", action.as_str());
        }
        Ok((verified, body))
    }

    async fn open(&self, verified: &Verified) -> Result<SourceCodeManager, ApiError> {
        let scm = SourceCodeManager::open(
            &self.registry,
            self.resolver.as_ref(),
            verified.organization_id,
            &verified.repository,
            verified.referrer.clone(),
        )
        .await?;
        observability::record("provider", scm.provider_name());
        Ok(scm)
    }
}

/// All routes.
pub fn router(state: SharedState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/v1/capabilities", get(capabilities))
        .route("/v1/openapi.json", get(crate::openapi::openapi))
        .route("/v1/actions/{action}", post(action))
        .fallback(fallback)
        .with_state(state)
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(state): State<SharedState>) -> Response {
    if state.registry.ping().await {
        "ready".into_response()
    } else {
        ApiError::unavailable("the registry does not answer").into_response()
    }
}

/// The process-wide Prometheus recorder (crate::observability::exporters),
/// installed on first use when the server did not install it.
fn prometheus() -> Option<&'static metrics_exporter_prometheus::PrometheusHandle> {
    observability::exporters::prometheus()
}

/// Installs the default recorder, Prometheus only (call before serving, so
/// the first actions are counted).
pub fn install_metrics() {
    let _ = prometheus();
}

/// `GET /metrics`: the Prometheus text format.
pub async fn metrics() -> Response {
    match prometheus() {
        Some(handle) => (
            [(http::header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            handle.render(),
        )
            .into_response(),
        None => ApiError::unavailable("another metrics recorder is installed").into_response(),
    }
}

async fn fallback() -> ApiError {
    ApiError::not_found("no such endpoint")
}

fn json(status: StatusCode, value: &impl serde::Serialize) -> Response {
    (
        status,
        [(http::header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(value).unwrap_or_default(),
    )
        .into_response()
}

async fn capabilities(
    State(state): State<SharedState>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let (verified, _) = state
        .authorize(&method, "/v1/capabilities", &headers, body, None)
        .await?;
    let scm = state.open(&verified).await?;
    Ok(json(
        StatusCode::OK,
        &Capabilities::new(scm.provider_name(), scm.capabilities()),
    ))
}

/// The conditional headers forwarded to the provider, each under
/// [`crate::limits::MAX_FORWARDED_HEADER_BYTES`].
fn request_options(headers: &HeaderMap) -> Result<RequestOptions, ApiError> {
    let get = |name: http::header::HeaderName| {
        let value = headers
            .get(&name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        if let Some(value) = &value {
            crate::limits::check_forwarded_header(name.as_str(), value)?;
        }
        Ok::<_, ApiError>(value)
    };
    Ok(RequestOptions {
        if_none_match: get(http::header::IF_NONE_MATCH)?,
        if_modified_since: get(http::header::IF_MODIFIED_SINCE)?,
    })
}

async fn action(
    State(state): State<SharedState>,
    Path(name): Path<String>,
    method: Method,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let action_name: ActionName = name.parse().map_err(|_| {
        ApiError::not_found(format!(
            "unknown action `{}`",
            name.chars().take(80).collect::<String>()
        ))
    })?;
    let path = format!("/v1/actions/{}", action_name.as_str());
    let (verified, body) = state
        .authorize(&method, &path, &headers, body, Some(action_name))
        .await?;
    // Only now, with a verified signature, is the body parsed: no body
    // means no arguments, and a body is the arguments object (as the
    // OpenAPI document says; `null` or a list is not one).
    let args: serde_json::Value = if body.is_empty() {
        serde_json::json!({})
    } else {
        serde_json::from_slice(&body)
            .map_err(|err| ApiError::malformed(format!("the body is not JSON: {err}")))?
    };
    if !args.is_object() {
        return Err(ApiError::malformed(
            "the body is not a JSON object of the action's arguments",
        ));
    }
    let any = AnyAction::from_json(action_name, args)?;
    let options = request_options(&headers)?;
    let scm = state.open(&verified).await?;
    let response = scm.execute_any(any, options).await?;
    match response {
        scm_core::Response::Ok(result) if action_name.kind() == ActionKind::Download => {
            match result.data {
                AnyOutput::DownloadArchive(download)
                | AnyOutput::DownloadWorkflowJobLog(download) => Ok(stream(download)),
                other => Err(ApiError::from(scm_core::Error::Unhandled {
                    status: None,
                    detail: format!("`{}` returned no stream", other.name()),
                })),
            }
        }
        response => {
            let response = match response {
                scm_core::Response::Ok(result) => {
                    let data = result.data.into_json()?;
                    scm_core::Response::Ok(scm_core::ActionResult {
                        data,
                        provider: result.provider,
                        raw: result.raw,
                        meta: result.meta,
                    })
                }
                scm_core::Response::NotModified { provider, meta } => {
                    scm_core::Response::NotModified { provider, meta }
                }
            };
            Ok(json(StatusCode::OK, &response))
        }
    }
}

fn stream(download: scm_core::Download) -> Response {
    let mut builder = Response::builder().status(StatusCode::OK).header(
        http::header::CONTENT_TYPE,
        download
            .content_type
            .as_deref()
            .unwrap_or("application/octet-stream"),
    );
    if let Some(len) = download.content_length {
        builder = builder.header(http::header::CONTENT_LENGTH, len);
    }
    if let Some(name) = download.filename.as_deref().filter(|n| {
        n.bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
    }) {
        builder = builder.header(
            http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        );
    }
    builder
        .body(Body::from_stream(download.body.into_stream()))
        .unwrap_or_else(|_| ApiError::malformed("bad download headers").into_response())
}
