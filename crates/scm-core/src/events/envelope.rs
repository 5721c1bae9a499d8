//! The envelope every queued event travels in.

use base64::Engine as _;
use bytes::Bytes;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Event, EventType};
use crate::model::Timestamp;

/// The envelope format this build writes. Readers accept every version up
/// to this one and refuse newer ones with a clear error instead of
/// misreading them (a rolled-back worker meeting a newer envelope).
pub const ENVELOPE_VERSION: u32 = 1;

/// Which repository an event belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryRef {
    /// The platform's id, when the registry knows the repository.
    #[serde(default)]
    pub id: Option<i64>,
    /// The provider's id of the repository.
    pub external_id: String,
    /// `owner/name` or `group/subgroup/name`.
    pub full_name: String,
}

/// A neutral event plus what the ingress knew when it accepted it.
///
/// `raw_body` is the exact bytes the provider signed, kept so that a
/// listener needing a field we do not map can still read it, and so a
/// dead letter can be inspected as it arrived. It is base64 in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventEnvelope {
    #[serde(deserialize_with = "version")]
    pub version: u32,
    /// `github`, `gitlab`, …
    pub provider: String,
    /// The provider's id of this delivery (`X-GitHub-Delivery`), the
    /// deduplication key together with `provider`.
    pub delivery_id: String,
    /// The provider's own event name (`X-GitHub-Event`: `issue_comment`).
    pub event_type_hint: String,
    pub received_at: Timestamp,
    /// Resolved through the registry; `None` when the repository (or the
    /// whole event, e.g. an installation) is not registered.
    #[serde(default)]
    pub organization_id: Option<i64>,
    #[serde(default)]
    pub repository: Option<RepositoryRef>,
    #[serde(default, with = "base64_bytes")]
    pub raw_body: Bytes,
    pub event: Event,
    /// The trace of the webhook's receipt, so the listener runs continue
    /// it (across processes and restarts); absent when the receiving
    /// process exported no traces. Readers without the field ignore it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<TraceContext>,
}

/// A stored W3C trace context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceContext {
    pub traceparent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracestate: Option<String>,
}

impl TraceContext {
    /// The current span's context, `None` outside a trace.
    pub fn current() -> Option<Self> {
        crate::trace_context::current().map(|(traceparent, tracestate)| Self {
            traceparent,
            tracestate,
        })
    }

    /// As request headers (`traceparent`, `tracestate`).
    pub fn headers(&self) -> http::HeaderMap {
        crate::trace_context::headers_of(&self.traceparent, self.tracestate.as_deref())
    }
}

impl EventEnvelope {
    /// A current-version envelope received now, without registry data.
    pub fn new(
        provider: impl Into<String>,
        delivery_id: impl Into<String>,
        event_type_hint: impl Into<String>,
        raw_body: Bytes,
        event: Event,
    ) -> Self {
        Self {
            version: ENVELOPE_VERSION,
            provider: provider.into(),
            delivery_id: delivery_id.into(),
            event_type_hint: event_type_hint.into(),
            received_at: chrono::Utc::now(),
            organization_id: None,
            repository: None,
            raw_body,
            event,
            trace: None,
        }
    }

    pub fn event_type(&self) -> EventType {
        self.event.event_type()
    }

    /// `provider:delivery_id`: unique per delivery across providers.
    pub fn dedupe_key(&self) -> String {
        format!("{}:{}", self.provider, self.delivery_id)
    }

    /// The JSON wire form (what queues store and HTTP listeners receive).
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("an envelope always serializes")
    }

    /// The JSON without the provider's raw body (`raw_body` empty), as
    /// HTTP listeners receive it by default and the delivery history
    /// stores it: the neutral event is what they are for, and the raw body
    /// would double the size.
    pub fn to_json_without_raw_body(&self) -> Vec<u8> {
        if self.raw_body.is_empty() {
            return self.to_json();
        }
        let mut trimmed = self.clone();
        trimmed.raw_body = Bytes::new();
        trimmed.to_json()
    }

    pub fn from_json(bytes: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(bytes)
    }
}

fn version<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    let version = u32::deserialize(deserializer)?;
    if version == 0 || version > ENVELOPE_VERSION {
        return Err(serde::de::Error::custom(format!(
            "event envelope version {version} is not supported by this build (1..={ENVELOPE_VERSION})"
        )));
    }
    Ok(version)
}

mod base64_bytes {
    use super::*;

    const ENGINE: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

    pub fn serialize<S: Serializer>(bytes: &Bytes, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&ENGINE.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Bytes, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        ENGINE
            .decode(text.as_bytes())
            .map(Bytes::from)
            .map_err(serde::de::Error::custom)
    }
}
