//! [`WebhookReceiver`] for Data Center: what the server's generic ingress
//! calls for `/webhooks/bitbucket_server`.

use bytes::Bytes;
use scm_core::events::{
    EventEnvelope, ReceivedWebhook, RejectionKind, WebhookReceiver, WebhookRejection,
};
use scm_core::Secret;

use super::parse::{body_event_key, parse, Parsed};
use super::verify::{refusal_code, verify};
use crate::client::PROVIDER;
use scm_core::events::signature::SignatureError;

/// The delivery id header.
pub const DELIVERY_HEADER: &str = "x-request-id";
/// The event key header (the body repeats it as `eventKey`).
pub const EVENT_HEADER: &str = "x-event-key";
/// The "Test connection" delivery.
pub const PING: &str = "diagnostics:ping";

/// Data Center deliveries: `X-Hub-Signature` first, then the payload.
#[derive(Debug, Clone, Copy, Default)]
pub struct BitbucketServerReceiver;

/// A refused signature: 500 when nothing can be verified (so Data Center
/// retries once a secret is configured), else 401.
fn rejection(err: SignatureError) -> WebhookRejection {
    let kind = match err {
        SignatureError::NoSecret => RejectionKind::Misconfigured,
        _ => RejectionKind::Unauthenticated,
    };
    WebhookRejection::new(kind, refusal_code(err), err.to_string())
}

fn header<'a>(headers: &'a http::HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

impl WebhookReceiver for BitbucketServerReceiver {
    fn provider(&self) -> &'static str {
        PROVIDER
    }

    /// A connection test (`diagnostics:ping`, sent without a signature by
    /// some versions) is answered without verification and without an
    /// event: it carries nothing to act on. Everything else must be signed.
    ///
    /// A push that changed several refs parses into one event per ref, but
    /// a delivery carries one envelope: only the first ref's event is
    /// delivered (`parse` returns them all). Data Center sends several
    /// changes only when one push updates several refs at once.
    fn receive(
        &self,
        secrets: &[Secret],
        headers: &http::HeaderMap,
        body: Bytes,
    ) -> Result<ReceivedWebhook, WebhookRejection> {
        let delivery_id = header(headers, DELIVERY_HEADER).map(str::to_owned);
        if header(headers, EVENT_HEADER) == Some(PING) {
            return Ok(ReceivedWebhook::Unsupported {
                event: PING.into(),
                action: None,
                delivery_id: delivery_id.unwrap_or_default(),
            });
        }
        verify(headers, &body, secrets).map_err(rejection)?;
        let delivery_id = delivery_id.ok_or_else(|| {
            WebhookRejection::new(
                RejectionKind::Malformed,
                "webhook_header_missing",
                "the X-Request-Id header is missing",
            )
        })?;
        let event_key = match header(headers, EVENT_HEADER) {
            Some(key) => key.to_owned(),
            None => body_event_key(&body).ok_or_else(|| {
                WebhookRejection::new(
                    RejectionKind::Malformed,
                    "webhook_header_missing",
                    "neither X-Event-Key nor `eventKey` names the event",
                )
            })?,
        };
        let parsed = parse(&event_key, &body).map_err(|err| {
            WebhookRejection::new(
                RejectionKind::Malformed,
                "webhook_malformed",
                err.to_string(),
            )
        })?;
        match parsed {
            Parsed::Events(events) => match events.into_iter().next() {
                Some(first) => {
                    let mut envelope =
                        EventEnvelope::new(PROVIDER, delivery_id, event_key, body, first.event);
                    envelope.repository = first.repository;
                    Ok(ReceivedWebhook::Event(Box::new(envelope)))
                }
                None => Ok(ReceivedWebhook::Unsupported {
                    event: event_key,
                    action: None,
                    delivery_id,
                }),
            },
            Parsed::Unsupported { event_key, .. } => Ok(ReceivedWebhook::Unsupported {
                event: event_key,
                action: None,
                delivery_id,
            }),
        }
    }
}
