//! Webhook events (`GET /projects/:id/hooks/:hook_id/events`, and the
//! same under `/groups/:id`): GitLab's log of each request a hook made,
//! mapped to neutral [`HookDelivery`] items.
//!
//! One log entry is one attempt. Its `id` is what a resend takes; the
//! event's delivery id is the request's `Idempotency-Key` header, which
//! GitLab keeps on retries and resends (17.4+), else its
//! `X-Gitlab-Event-UUID`: the same rule the webhook receiver applies, so
//! the reconciler and the queue speak of the same ids.

use std::collections::BTreeMap;

use scm_core::model::{HookDelivery, HookDeliveryRequest, HookDeliveryStatus, Timestamp};
use scm_core::Error;
use serde::Deserialize;

use super::{de_id, de_ts};

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlHookEvent {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    /// `push_hooks`, `merge_request_hooks`, …
    pub trigger: Option<String>,
    pub request_headers: Option<BTreeMap<String, serde_json::Value>>,
    pub request_data: Option<serde_json::Value>,
    /// The receiver's status as text (`"200"`), or `internal error` when
    /// GitLab got no answer.
    pub response_status: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "de_ts")]
    pub created_at: Option<Timestamp>,
}

/// Request headers that carry the hook's secret. GitLab already shows
/// `X-Gitlab-Token` as `[REDACTED]`; any of these is blanked again here
/// so that no version's log can pass a secret on.
const SECRET_HEADERS: &[&str] = &["x-gitlab-token", "authorization", "webhook-signature"];

impl GlHookEvent {
    fn header(&self, name: &str) -> Option<&str> {
        self.request_headers
            .iter()
            .flatten()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .and_then(|(_, value)| value.as_str())
            .map(str::trim)
            .filter(|value| !value.is_empty())
    }

    /// The event's delivery id: `Idempotency-Key`, else `X-Gitlab-Event-UUID`.
    pub fn delivery_id(&self) -> Option<&str> {
        self.header("idempotency-key")
            .or_else(|| self.header("x-gitlab-event-uuid"))
    }

    /// Maps one log entry; `with_request` keeps the headers and payload
    /// (single deliveries only, as for other providers).
    pub fn into_delivery(self, with_request: bool) -> Result<HookDelivery, Error> {
        let id = self
            .id
            .clone()
            .ok_or_else(|| Error::malformed("GitLab sent a hook event without an id"))?;
        let delivered_at = self.created_at.ok_or_else(|| {
            Error::malformed(format!("GitLab's hook event {id} has no `created_at`"))
        })?;
        let delivery_id = self
            .delivery_id()
            .ok_or_else(|| {
                Error::malformed(format!(
                    "GitLab's hook event {id} names neither Idempotency-Key nor X-Gitlab-Event-UUID"
                ))
            })?
            .to_owned();
        let event = self
            .header("x-gitlab-event")
            .map(str::to_owned)
            .or_else(|| self.trigger.clone())
            .unwrap_or_default();
        let status_text = match &self.response_status {
            Some(serde_json::Value::String(text)) => Some(text.trim().to_owned()),
            Some(serde_json::Value::Number(number)) => Some(number.to_string()),
            _ => None,
        };
        let status_code = status_text
            .as_deref()
            .and_then(|text| text.parse::<u16>().ok())
            .filter(|code| *code > 0);
        let status = match status_code {
            Some(code) if (200..300).contains(&code) => HookDeliveryStatus::Success,
            _ => HookDeliveryStatus::Failed,
        };
        let action = self
            .request_data
            .as_ref()
            .and_then(|data| data.get("object_attributes"))
            .and_then(|attributes| attributes.get("action"))
            .and_then(|action| action.as_str())
            .map(str::to_owned);
        let request = with_request.then(|| HookDeliveryRequest {
            headers: self
                .request_headers
                .iter()
                .flatten()
                .map(|(name, value)| {
                    let value = if SECRET_HEADERS
                        .iter()
                        .any(|secret| name.eq_ignore_ascii_case(secret))
                    {
                        "[redacted]".to_owned()
                    } else {
                        match value {
                            serde_json::Value::String(text) => text.clone(),
                            other => other.to_string(),
                        }
                    };
                    (name.clone(), value)
                })
                .collect(),
            payload: self.request_data.clone(),
        });
        Ok(HookDelivery {
            id,
            delivery_id,
            event,
            action,
            status,
            // A numeric status says it all; GitLab's words (`internal
            // error`) are kept when there was no answer.
            status_text: status_text.filter(|_| status_code.is_none()),
            status_code,
            delivered_at,
            // GitLab's log does not mark resends.
            redelivery: false,
            request,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(headers: serde_json::Value, status: serde_json::Value) -> GlHookEvent {
        serde_json::from_value(json!({
            "id": 7,
            "url": "https://receiver.example/hook",
            "trigger": "merge_request_hooks",
            "request_headers": headers,
            "request_data": {"object_kind": "merge_request", "object_attributes": {"action": "open"}},
            "response_headers": {},
            "response_body": "",
            "execution_duration": 0.5,
            "response_status": status,
            "created_at": "2026-11-27T10:00:00.000Z",
        }))
        .unwrap()
    }

    #[test]
    fn the_idempotency_key_names_the_event() {
        let delivery = event(
            json!({"Idempotency-Key": "key-1", "X-Gitlab-Event-UUID": "uuid-1",
                   "X-Gitlab-Event": "Merge Request Hook", "X-Gitlab-Token": "[REDACTED]"}),
            json!("200"),
        )
        .into_delivery(true)
        .unwrap();
        assert_eq!(delivery.id, "7");
        assert_eq!(delivery.delivery_id, "key-1");
        assert_eq!(delivery.event, "Merge Request Hook");
        assert_eq!(delivery.action.as_deref(), Some("open"));
        assert_eq!(delivery.status, HookDeliveryStatus::Success);
        assert_eq!(delivery.status_code, Some(200));
        assert_eq!(delivery.status_text, None);
        let request = delivery.request.unwrap();
        assert_eq!(request.headers["X-Gitlab-Token"], "[redacted]");
    }

    #[test]
    fn without_the_key_the_event_uuid_and_no_answer_is_a_failure() {
        let delivery = event(
            json!({"X-Gitlab-Event-UUID": "uuid-1"}),
            json!("internal error"),
        )
        .into_delivery(false)
        .unwrap();
        assert_eq!(delivery.delivery_id, "uuid-1");
        assert_eq!(delivery.event, "merge_request_hooks");
        assert_eq!(delivery.status, HookDeliveryStatus::Failed);
        assert_eq!(delivery.status_code, None);
        assert_eq!(delivery.status_text.as_deref(), Some("internal error"));
        assert!(delivery.request.is_none());
        let server_error = event(json!({"Idempotency-Key": "k"}), json!(502))
            .into_delivery(false)
            .unwrap();
        assert_eq!(server_error.status, HookDeliveryStatus::Failed);
        assert_eq!(server_error.status_code, Some(502));
    }

    #[test]
    fn an_entry_naming_no_event_is_malformed() {
        let err = event(json!({}), json!("200"))
            .into_delivery(false)
            .unwrap_err();
        assert_eq!(err.code(), "provider_malformed_response");
    }
}
