//! [`WebhookReceiver`] for GitLab: what the server's generic ingress calls.

use bytes::Bytes;
use scm_core::events::{
    EventEnvelope, ReceivedWebhook, RejectionKind, WebhookReceiver, WebhookRejection,
};
use scm_core::Secret;

use super::{delivery_id, event_header, parse, verify, Parsed, VerifyError};

/// The provider name in routes and envelopes.
pub const PROVIDER: &str = "gitlab";

/// GitLab deliveries (project hooks, group hooks, system hooks) through
/// the provider-neutral trait: token or Standard Webhooks signature first,
/// then the payload.
#[derive(Debug, Clone, Copy, Default)]
pub struct GitLabReceiver;

impl From<VerifyError> for WebhookRejection {
    fn from(err: VerifyError) -> Self {
        let kind = match err {
            VerifyError::NoSecrets => RejectionKind::Misconfigured,
            _ => RejectionKind::Unauthenticated,
        };
        WebhookRejection::new(kind, err.code(), err.to_string())
    }
}

impl WebhookReceiver for GitLabReceiver {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn receive(
        &self,
        secrets: &[Secret],
        headers: &http::HeaderMap,
        body: Bytes,
    ) -> Result<ReceivedWebhook, WebhookRejection> {
        verify(headers, &body, secrets)?;
        let missing = |name: &str| {
            WebhookRejection::new(
                RejectionKind::Malformed,
                "webhook_header_missing",
                format!("the {name} header is missing"),
            )
        };
        let id = delivery_id(headers).ok_or_else(|| missing("X-Gitlab-Event-UUID"))?;
        let hint = event_header(headers)
            .filter(|event| !event.is_empty())
            .ok_or_else(|| missing("X-Gitlab-Event"))?
            .to_owned();
        let parsed = parse(&hint, &body).map_err(|err| {
            WebhookRejection::new(
                RejectionKind::Malformed,
                "webhook_malformed",
                err.to_string(),
            )
        })?;
        match parsed {
            Parsed::Event(parsed) => {
                let mut envelope = EventEnvelope::new(PROVIDER, id, hint, body, parsed.event);
                envelope.repository = parsed.repository;
                Ok(ReceivedWebhook::Event(Box::new(envelope)))
            }
            Parsed::Unsupported(unsupported) => Ok(ReceivedWebhook::Unsupported {
                event: if unsupported.kind.is_empty() {
                    hint
                } else {
                    unsupported.kind
                },
                action: None,
                delivery_id: id,
            }),
        }
    }
}
