//! `POST /webhooks/{provider}` and `POST /webhooks/{provider}/{integration}`.
//!
//! The order is the contract:
//! 1. size cap: a `Content-Length` over the cap, or a body that grows over
//!    it while being read, is refused with 413 before anything else;
//! 2. `Content-Type` must be `application/json` (415 otherwise; GitHub's
//!    form-encoded deliveries are not supported, set the hook to JSON);
//! 3. the provider's [`WebhookReceiver`] verifies the signature on the raw
//!    bytes against every active secret (401), then parses (400);
//! 4. the repository is resolved through the registry;
//! 5. the envelope is enqueued durably (deduplicated by delivery id);
//! 6. an accepted delivery is recorded in the delivery history
//!    ([`super::history`]; a failure there is logged, not answered);
//! 7. only then the answer is 2xx.
//!
//! Every 2xx is **202 Accepted** with `{"status": …, "delivery_id": …}`:
//! `accepted` (stored), `duplicate` (this delivery id was stored before),
//! `unsupported` (an event type with no neutral event, counted and
//! skipped) or `skipped` (the repository is inactive, or unknown under
//! `unknown_repository = "skip"`). Providers only need to know the delivery
//! is safe; a duplicate answered 202 stops their retries.
//!
//! Errors are coded JSON (`{"errors":[{code,status,title,detail}]}`) and
//! nothing is enqueued: 413 `webhook_payload_too_large`, 415
//! `webhook_unsupported_media_type`, 401 `webhook_signature_*` (or the
//! provider's token code), 400 `webhook_malformed` /
//! `webhook_header_missing`, 404 `webhook_provider_unknown` /
//! `webhook_integration_unknown`, and 503 `webhook_secret_not_configured`
//! (saying how to configure one), `webhook_enqueue_failed` /
//! `webhook_registry_unavailable` (the provider retries later).
//!
//! Repositories: the envelope's repository is looked up by
//! `(provider, external id)`, then by `(provider, full name)` without
//! regard to case (a repository registered by its name). A known, active repository fills
//! `organization_id` and `repository.id`; an inactive one is skipped; an
//! unknown one is enqueued unresolved by default (installation events,
//! repositories registered later), or skipped by configuration. On the
//! per-integration route a repository registered under *another*
//! integration is enqueued unresolved: a hook's secret only vouches for
//! its own integration's organizations.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use bytes::{Bytes, BytesMut};
use futures::StreamExt as _;
use metrics::counter;
use scm_core::events::{
    EventEnvelope, ReceivedWebhook, TraceContext, WebhookReceiver, WebhookRejection,
};
use scm_core::registry::{RepositoryKey, RepositoryRegistry};
use scm_core::telemetry::metric_name;
use scm_core::Secret;
use scm_stream::{EnqueueOutcome, EventQueue};
use serde::Serialize;
use tracing::Instrument as _;

use super::{UnknownRepository, WebhooksConfig};
use crate::error::ApiError;
use crate::registry::Registry;

/// Bodies up to this size are verified and parsed on the request's task;
/// larger ones on the blocking pool so they cannot stall other requests.
const INLINE_PARSE_LIMIT: usize = 256 * 1024;

/// What the ingress needs: receivers by provider, their configured
/// secrets, the registry and the queue.
pub struct Ingress {
    receivers: HashMap<&'static str, Arc<dyn WebhookReceiver>>,
    secrets: HashMap<String, Arc<[Secret]>>,
    registry: Registry,
    queue: Arc<dyn EventQueue>,
    max_body: usize,
    unknown_repository: UnknownRepository,
}

impl Ingress {
    pub fn new(
        config: &WebhooksConfig,
        receivers: Vec<Arc<dyn WebhookReceiver>>,
        registry: Registry,
        queue: Arc<dyn EventQueue>,
    ) -> Self {
        let receivers: HashMap<_, _> = receivers.into_iter().map(|r| (r.provider(), r)).collect();
        let secrets = receivers
            .keys()
            .map(|provider| (provider.to_string(), config.secrets(provider).into()))
            .collect();
        Self {
            receivers,
            secrets,
            registry,
            queue,
            max_body: config.max_body_bytes,
            unknown_repository: config.unknown_repository,
        }
    }

    pub fn queue(&self) -> &Arc<dyn EventQueue> {
        &self.queue
    }
}

/// The webhook routes over an [`Ingress`].
pub fn router(ingress: Arc<Ingress>) -> Router {
    Router::new()
        .route("/webhooks/{provider}", post(provider_hook))
        .route("/webhooks/{provider}/{integration}", post(integration_hook))
        .with_state(ingress)
}

/// The body of every 2xx answer.
#[derive(Debug, Serialize)]
struct Answer<'a> {
    status: &'static str,
    delivery_id: &'a str,
}

async fn provider_hook(
    State(ingress): State<Arc<Ingress>>,
    Path(provider): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    respond(
        &provider,
        ingest(&ingress, &provider, None, &headers, body).await,
    )
}

async fn integration_hook(
    State(ingress): State<Arc<Ingress>>,
    Path((provider, integration)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = match integration.parse::<i64>() {
        Ok(id) => ingest(&ingress, &provider, Some(id), &headers, body).await,
        Err(_) => Err(ApiError::new(
            404,
            "webhook_integration_unknown",
            "Unknown integration",
            "the integration in the path must be its numeric id",
        )),
    };
    respond(&provider, result)
}

fn respond(provider: &str, result: Result<(&'static str, String), ApiError>) -> Response {
    match result {
        Ok((status, delivery_id)) => {
            let body = serde_json::to_vec(&Answer {
                status,
                delivery_id: &delivery_id,
            })
            .unwrap_or_default();
            (
                StatusCode::ACCEPTED,
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response()
        }
        Err(err) => {
            counted(provider, err.code);
            tracing::debug!(
                provider,
                code = err.code,
                status = err.status,
                "webhook refused"
            );
            err.into_response()
        }
    }
}

/// `produce_event_to_scm_stream.failed` for everything that did not become
/// a queued event here (the queue counts its own successes and failures).
fn counted(provider: &str, reason: &'static str) {
    let provider = if provider.len() <= 32 && provider.bytes().all(|b| b.is_ascii_alphanumeric()) {
        provider.to_owned()
    } else {
        "invalid".to_owned()
    };
    counter!(
        metric_name("produce_event_to_scm_stream.failed"),
        "provider" => provider,
        "reason" => reason
    )
    .increment(1);
}

fn too_large(limit: usize) -> ApiError {
    ApiError::new(
        413,
        "webhook_payload_too_large",
        "Payload too large",
        format!("the body exceeds {limit} bytes"),
    )
}

fn rejection(err: WebhookRejection) -> ApiError {
    let title = match err.http_status() {
        401 => "Invalid webhook signature",
        400 => "Malformed webhook",
        _ => "Webhook verification unavailable",
    };
    ApiError::new(err.http_status(), err.code, title, err.message)
}

/// 503 with how to configure the missing secret: the provider retries,
/// and the delivery succeeds once an operator has set one.
fn no_secret(provider: &str, integration: Option<i64>) -> ApiError {
    let detail = match integration {
        None => format!(
            "no webhook secret is configured for /webhooks/{provider}: set \
             `[webhooks.{provider}] secrets = [\"…\"]` in the config file or \
             SCM_WEBHOOKS_{}_SECRETS, or point the hook at /webhooks/{provider}/<integration id> \
             and run `scm webhook-secret add --integration <id> --secret …`",
            provider.to_ascii_uppercase()
        ),
        Some(id) => format!(
            "integration {id} has no webhook secret: run \
             `scm webhook-secret add --integration {id} --secret …`"
        ),
    };
    ApiError::new(
        503,
        "webhook_secret_not_configured",
        "Webhook secret not configured",
        detail,
    )
}

fn unavailable(code: &'static str, detail: impl Into<String>) -> ApiError {
    ApiError::new(503, code, "Temporarily unavailable", detail)
}

async fn ingest(
    ingress: &Ingress,
    provider: &str,
    integration: Option<i64>,
    headers: &HeaderMap,
    body: Body,
) -> Result<(&'static str, String), ApiError> {
    let receiver = ingress.receivers.get(provider).cloned().ok_or_else(|| {
        ApiError::new(
            404,
            "webhook_provider_unknown",
            "Unknown provider",
            "no webhook receiver for this provider",
        )
    })?;
    check_content_length(headers, ingress.max_body)?;
    check_content_type(headers)?;
    let body = read_body(body, ingress.max_body).await?;
    let size = body.len();

    let secrets: Arc<[Secret]> = match integration {
        None => ingress.secrets.get(provider).cloned().unwrap_or_default(),
        Some(id) => integration_secrets(&ingress.registry, provider, id).await?,
    };
    if secrets.iter().all(Secret::is_empty) {
        return Err(no_secret(provider, integration));
    }
    let received = if body.len() <= INLINE_PARSE_LIMIT {
        receiver.receive(&secrets, headers, body)
    } else {
        let headers = headers.clone();
        tokio::task::spawn_blocking(move || receiver.receive(&secrets, &headers, body))
            .await
            .map_err(|_| unavailable("webhook_parse_failed", "parsing the webhook failed"))?
    }
    .and_then(ReceivedWebhook::check_delivery_id)
    .map_err(rejection)?;
    crate::observability::record_webhook(provider, &received);

    let mut envelope = match received {
        ReceivedWebhook::Event(envelope) => envelope,
        ReceivedWebhook::Unsupported {
            event,
            action,
            delivery_id,
        } => {
            tracing::debug!(provider, event, action, "unsupported webhook event counted");
            counted(provider, "unsupported_event");
            return Ok(("unsupported", delivery_id));
        }
    };
    if let Some(skip) = resolve(ingress, integration, &mut envelope).await? {
        counted(provider, skip);
        return Ok(("skipped", envelope.delivery_id));
    }
    let span = tracing::info_span!(
        "scm.enqueue",
        otel.kind = "producer",
        backend = ingress.queue.backend(),
        provider,
        delivery_id = %envelope.delivery_id,
    );
    let outcome = async {
        // The listener runs continue the trace this enqueue belongs to.
        envelope.trace = TraceContext::current();
        ingress.queue.enqueue(&envelope).await
    }
    .instrument(span)
    .await
    .map_err(|err| {
        tracing::error!(provider, error = %err, "enqueue failed; the provider will retry");
        unavailable("webhook_enqueue_failed", "the event queue is unavailable")
    })?;
    let status = match outcome {
        EnqueueOutcome::Accepted => {
            // The event is durable in the queue already; a history that
            // cannot be written must not make the provider send it again.
            if let Err(err) = ingress
                .registry
                .record_delivery(&envelope, headers, size)
                .await
            {
                tracing::warn!(provider, error = %err, "delivery history not written");
            }
            "accepted"
        }
        EnqueueOutcome::Duplicate => "duplicate",
    };
    Ok((status, envelope.delivery_id))
}

fn check_content_length(headers: &HeaderMap, max: usize) -> Result<(), ApiError> {
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    match declared {
        Some(length) if length > max as u64 => Err(too_large(max)),
        _ => Ok(()),
    }
}

fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    // Exactly one Content-Type: with two, which one would the parser trust?
    let mut values = headers.get_all(axum::http::header::CONTENT_TYPE).iter();
    let content_type = match (values.next(), values.next()) {
        (Some(value), None) => value.to_str().unwrap_or("invalid"),
        (None, _) => "",
        (Some(_), Some(_)) => "multiple values",
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" {
        return Ok(());
    }
    let detail = if essence == "application/x-www-form-urlencoded" {
        "form-encoded deliveries are not supported; set the hook's content type to application/json"
            .to_owned()
    } else if essence.is_empty() {
        "the Content-Type header is missing; webhooks must be application/json".to_owned()
    } else {
        format!(
            "Content-Type `{}` is not supported; webhooks must be application/json",
            essence.chars().take(64).collect::<String>()
        )
    };
    Err(ApiError::new(
        415,
        "webhook_unsupported_media_type",
        "Unsupported media type",
        detail,
    ))
}

/// Reads the body, refusing it as soon as it grows over `max`.
async fn read_body(body: Body, max: usize) -> Result<Bytes, ApiError> {
    let mut stream = body.into_data_stream();
    let mut buffer = BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|err| {
            crate::limits::refused(&err).unwrap_or_else(|| {
                ApiError::new(
                    400,
                    "webhook_body_unreadable",
                    "Malformed webhook",
                    "the request body could not be read to its end",
                )
            })
        })?;
        if buffer.len() + chunk.len() > max {
            return Err(too_large(max));
        }
        buffer.extend_from_slice(&chunk);
    }
    Ok(buffer.freeze())
}

async fn integration_secrets(
    registry: &Registry,
    provider: &str,
    id: i64,
) -> Result<Arc<[Secret]>, ApiError> {
    let unknown = || {
        ApiError::new(
            404,
            "webhook_integration_unknown",
            "Unknown integration",
            format!("no {provider} integration {id}"),
        )
    };
    let registry_down = |_| {
        unavailable(
            "webhook_registry_unavailable",
            "the registry is unavailable",
        )
    };
    let integration = registry
        .list_integrations()
        .await
        .map_err(registry_down)?
        .into_iter()
        .find(|i| i.id == id)
        .ok_or_else(unknown)?;
    if integration.provider != provider {
        return Err(unknown());
    }
    Ok(registry
        .webhook_secrets(id)
        .await
        .map_err(registry_down)?
        .into())
}

/// Fills the registry's ids; `Some(reason)` when the event is to be
/// skipped.
async fn resolve(
    ingress: &Ingress,
    integration: Option<i64>,
    envelope: &mut EventEnvelope,
) -> Result<Option<&'static str>, ApiError> {
    let Some(repository) = envelope.repository.as_mut() else {
        return Ok(None);
    };
    let registry_down = || {
        unavailable(
            "webhook_registry_unavailable",
            "the registry is unavailable",
        )
    };
    let key = RepositoryKey::External(envelope.provider.clone(), repository.external_id.clone());
    let mut found = ingress
        .registry
        .find_repository(&key)
        .await
        .map_err(|_| registry_down())?;
    // Registered by name (`scm repo add --full-name`) rather than by the
    // provider's id: match the name, as the provider does.
    if found.is_none() && !repository.full_name.is_empty() {
        found = ingress
            .registry
            .find_repository_by_name(&envelope.provider, &repository.full_name)
            .await
            .map_err(|_| registry_down())?;
    }
    match found {
        Some(record) if integration.is_none_or(|id| id == record.integration_id) => {
            if !record.active {
                return Ok(Some("repository_inactive"));
            }
            repository.id = Some(record.id);
            envelope.organization_id = Some(record.organization_id);
            Ok(None)
        }
        Some(_) => Ok(None),
        None => match ingress.unknown_repository {
            UnknownRepository::Enqueue => Ok(None),
            UnknownRepository::Skip => Ok(Some("repository_unknown")),
        },
    }
}
