//! GitHub webhooks: signature verification and parsing into neutral events.
//!
//! The order is the security boundary: [`WebhookVerifier::verify`] checks
//! `X-Hub-Signature-256` on the raw bytes before a single byte is parsed,
//! so unauthenticated input never reaches the JSON parser. Then
//! [`parse_event`] maps the payload of the `X-GitHub-Event` type into a
//! neutral [`Event`](scm_core::events::Event). [`GitHubWebhooks::receive`]
//! does both and wraps the result in an
//! [`EventEnvelope`] ready to enqueue.
//!
//! Event types we do not map come back as
//! [`ParseOutcome::Unsupported`] / [`Received::Unsupported`], never as an
//! error: GitHub sends whatever an app subscribed to, and refusing it
//! would only make GitHub retry. Errors are for input that is not what
//! GitHub sends: a bad signature (401) or a payload that is not valid
//! JSON or lacks a field the event needs (400).

mod parse;
mod payloads;
mod receiver;
mod sha1;
mod verify;

#[cfg(test)]
mod tests;

use std::fmt;

use bytes::Bytes;
use scm_core::events::EventEnvelope;

pub use parse::{parse_event, ParseOutcome, SUPPORTED_EVENTS};
pub use receiver::GitHubReceiver;
pub use verify::{WebhookVerifier, SIGNATURE_256, SIGNATURE_SHA1};

/// The provider name in envelopes.
pub const PROVIDER: &str = "github";
/// The event type header.
pub const EVENT_HEADER: &str = "x-github-event";
/// The delivery id header (a GUID, stable across GitHub's redeliveries).
pub const DELIVERY_HEADER: &str = "x-github-delivery";

/// Why a delivery was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    /// No secret is configured, so nothing can be verified (a
    /// configuration error; deliveries are refused, never trusted).
    NoSecret,
    /// Neither signature header is present.
    MissingSignature,
    /// The signature is malformed or matches no secret.
    BadSignature,
    /// Only a SHA-1 signature was sent and SHA-1 is not enabled.
    Sha1NotAllowed,
    /// `X-GitHub-Event` or `X-GitHub-Delivery` is missing or not text.
    MissingHeader(&'static str),
    /// Not JSON, or a field the event needs is missing or wrong.
    Malformed { event: String, detail: String },
}

impl WebhookError {
    /// 401 for anything about signatures, 400 for bad input, 500 when we
    /// are misconfigured.
    pub fn http_status(&self) -> u16 {
        match self {
            WebhookError::NoSecret => 500,
            WebhookError::MissingSignature
            | WebhookError::BadSignature
            | WebhookError::Sha1NotAllowed => 401,
            WebhookError::MissingHeader(_) | WebhookError::Malformed { .. } => 400,
        }
    }

    /// A stable code for metric tags and error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            WebhookError::NoSecret => "webhook_secret_missing",
            WebhookError::MissingSignature => "webhook_signature_missing",
            WebhookError::BadSignature => "webhook_signature_invalid",
            WebhookError::Sha1NotAllowed => "webhook_signature_sha1_not_allowed",
            WebhookError::MissingHeader(_) => "webhook_header_missing",
            WebhookError::Malformed { .. } => "webhook_malformed",
        }
    }
}

impl fmt::Display for WebhookError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebhookError::NoSecret => f.write_str("no webhook secret is configured"),
            WebhookError::MissingSignature => {
                f.write_str("the delivery carries no X-Hub-Signature-256 header")
            }
            WebhookError::BadSignature => f.write_str("the webhook signature does not match"),
            WebhookError::Sha1NotAllowed => f.write_str(
                "only an X-Hub-Signature (SHA-1) header was sent and SHA-1 is not enabled",
            ),
            WebhookError::MissingHeader(name) => write!(f, "the {name} header is missing"),
            WebhookError::Malformed { event, detail } => {
                write!(f, "malformed `{event}` payload: {detail}")
            }
        }
    }
}

impl std::error::Error for WebhookError {}

/// What a received delivery became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Verified and mapped; enqueue it. `organization_id` and
    /// `repository.id` are left for the ingress to fill from the registry.
    Event(Box<EventEnvelope>),
    /// Verified, but of an event type we do not map: answer 2xx and count.
    Unsupported {
        event: String,
        action: Option<String>,
        delivery_id: String,
    },
}

/// Verify, parse and wrap GitHub deliveries.
#[derive(Debug, Clone)]
pub struct GitHubWebhooks {
    verifier: WebhookVerifier,
}

impl GitHubWebhooks {
    pub fn new(verifier: WebhookVerifier) -> Self {
        Self { verifier }
    }

    pub fn verifier(&self) -> &WebhookVerifier {
        &self.verifier
    }

    /// Verifies the signature on `body`, then parses it. `body` is kept,
    /// unchanged, as the envelope's raw body.
    pub fn receive(
        &self,
        headers: &http::HeaderMap,
        body: Bytes,
    ) -> Result<Received, WebhookError> {
        self.verifier.verify(headers, &body)?;
        receive_verified(headers, body)
    }
}

/// Parses and wraps a delivery whose signature has been checked.
fn receive_verified(headers: &http::HeaderMap, body: Bytes) -> Result<Received, WebhookError> {
    let text = |name: &'static str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .ok_or(WebhookError::MissingHeader(name))
    };
    let event_name = text(EVENT_HEADER)
        .map_err(|_| WebhookError::MissingHeader("X-GitHub-Event"))?
        .to_owned();
    let delivery_id = text(DELIVERY_HEADER)
        .map_err(|_| WebhookError::MissingHeader("X-GitHub-Delivery"))?
        .to_owned();
    match parse_event(&event_name, &body)? {
        ParseOutcome::Parsed { event, repository } => {
            let mut envelope = EventEnvelope::new(PROVIDER, delivery_id, event_name, body, *event);
            envelope.repository = repository;
            Ok(Received::Event(Box::new(envelope)))
        }
        ParseOutcome::Unsupported { event, action } => Ok(Received::Unsupported {
            event,
            action,
            delivery_id,
        }),
    }
}
