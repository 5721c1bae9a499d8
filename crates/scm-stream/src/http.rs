//! HTTP listeners: any language can listen by exposing an endpoint.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use scm_core::events::EventEnvelope;
use scm_core::Secret;

use crate::listener::{Listener, ListenerError};
use crate::signature::{sign_sha256, SIGNATURE_HEADER};

/// POSTs each envelope as JSON (the same versioned form the queue stores),
/// signed like a GitHub webhook: `X-Hub-Signature-256: sha256=<hex>` over
/// the exact body, so existing GitHub webhook verifiers work unchanged.
/// Any non-2xx answer, or no answer before the listener's deadline, is a
/// failed run and is retried.
///
/// Headers: `X-Scm-Event` (neutral type), `X-Scm-Action`,
/// `X-Scm-Provider`, `X-Scm-Delivery` (the provider's delivery id, stable
/// across retries: use it to deduplicate).
#[derive(Clone)]
pub struct HttpListener {
    url: String,
    secret: Secret,
    client: reqwest::Client,
    include_raw_body: bool,
}

impl HttpListener {
    pub fn new(url: impl Into<String>, secret: Secret) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .user_agent(concat!("scm-stream/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds");
        Self {
            url: url.into(),
            secret,
            client,
            include_raw_body: false,
        }
    }

    pub fn with_client(mut self, client: reqwest::Client) -> Self {
        self.client = client;
        self
    }

    /// Also send the provider's raw body (base64 in `raw_body`). Off by
    /// default: it doubles the request size and most listeners only need
    /// the neutral event.
    pub fn include_raw_body(mut self, include: bool) -> Self {
        self.include_raw_body = include;
        self
    }

    /// The request body for an envelope.
    pub fn body(&self, envelope: &EventEnvelope) -> Vec<u8> {
        if self.include_raw_body {
            envelope.to_json()
        } else {
            envelope.to_json_without_raw_body()
        }
    }
}

#[async_trait]
impl Listener for HttpListener {
    async fn handle(&self, envelope: Arc<EventEnvelope>) -> Result<(), ListenerError> {
        let body = self.body(&envelope);
        let signature = sign_sha256(self.secret.expose().as_bytes(), &body);
        // The run's trace context (`traceparent`), so the listener's own
        // spans join the webhook's trace.
        let mut trace = reqwest::header::HeaderMap::new();
        scm_core::trace_context::inject(&mut trace);
        let response = self
            .client
            .post(&self.url)
            .headers(trace)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature)
            .header("x-scm-event", envelope.event_type().as_str())
            .header("x-scm-action", envelope.event.action())
            .header("x-scm-provider", envelope.provider.as_str())
            .header("x-scm-delivery", envelope.delivery_id.as_str())
            .body(body)
            .send()
            .await
            .map_err(|err| {
                // Without the URL: it may carry credentials in its query.
                ListenerError::with_reason("http_error", err.without_url())
            })?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(ListenerError::with_reason(
                "http_status",
                format!("the listener answered {status}"),
            ))
        }
    }
}
