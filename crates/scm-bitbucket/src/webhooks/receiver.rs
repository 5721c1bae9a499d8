//! [`WebhookReceiver`] for Bitbucket Cloud: what the server's generic
//! ingress calls for `/webhooks/bitbucket`.

use bytes::Bytes;
use scm_core::events::{
    EventEnvelope, ReceivedWebhook, RejectionKind, WebhookReceiver, WebhookRejection,
};
use scm_core::Secret;

use scm_core::events::signature::SignatureError;

use super::{parse, verify, Parsed, ParsedEvent};
use crate::PROVIDER;

/// The event type header (payloads carry none).
pub const EVENT_HEADER: &str = "x-event-key";
/// The delivery id header, the deduplication key.
pub const DELIVERY_HEADER: &str = "x-request-uuid";

/// Bitbucket Cloud deliveries: signature first, then the payload.
#[derive(Debug, Clone, Copy, Default)]
pub struct BitbucketReceiver;

/// A refused signature: 500 without a secret (the provider retries once
/// one is configured), else 401.
fn refused(err: SignatureError) -> WebhookRejection {
    let kind = match err {
        SignatureError::NoSecret => RejectionKind::Misconfigured,
        _ => RejectionKind::Unauthenticated,
    };
    let message = match err {
        SignatureError::NoSecret => "no webhook secret is configured for Bitbucket".to_owned(),
        SignatureError::Malformed => {
            "the X-Hub-Signature header is missing or not `sha256=<hex>`".to_owned()
        }
        other => format!("X-Hub-Signature: {other}"),
    };
    WebhookRejection::new(kind, super::verify::code(&err), message)
}

fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

impl WebhookReceiver for BitbucketReceiver {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    fn receive(
        &self,
        secrets: &[Secret],
        headers: &http::HeaderMap,
        body: Bytes,
    ) -> Result<ReceivedWebhook, WebhookRejection> {
        verify(headers, &body, secrets).map_err(refused)?;
        let missing = |name: &str| {
            WebhookRejection::new(
                RejectionKind::Malformed,
                "webhook_header_missing",
                format!("the {name} header is missing"),
            )
        };
        let id = header(headers, DELIVERY_HEADER)
            .ok_or_else(|| missing("X-Request-UUID"))?
            .to_owned();
        let key = header(headers, EVENT_HEADER)
            .ok_or_else(|| missing("X-Event-Key"))?
            .to_owned();
        let parsed = parse(&key, &body).map_err(|err| {
            WebhookRejection::new(
                RejectionKind::Malformed,
                "webhook_malformed",
                err.to_string(),
            )
        })?;
        match parsed {
            Parsed::Event(parsed) => {
                let ParsedEvent { event, repository } = *parsed;
                let mut envelope = EventEnvelope::new(PROVIDER, id, key, body, event);
                envelope.repository = repository;
                Ok(ReceivedWebhook::Event(Box::new(envelope)))
            }
            Parsed::Unsupported(event) => Ok(ReceivedWebhook::Unsupported {
                event,
                action: None,
                delivery_id: id,
            }),
        }
    }
}
