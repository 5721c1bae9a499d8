//! Webhook deliveries (`/app/hook/deliveries`, `/repos/…/hooks/{id}/deliveries`,
//! `/orgs/…/hooks/{id}/deliveries`): the list item and the single delivery
//! share one shape, the single one adds the request.

use std::collections::BTreeMap;

use scm_core::model::{HookDelivery, HookDeliveryRequest, HookDeliveryStatus, Timestamp};
use serde::Deserialize;

use super::id_string;

#[derive(Debug, Clone, Deserialize)]
pub struct GhHookDelivery {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub guid: String,
    pub delivered_at: Timestamp,
    #[serde(default)]
    pub redelivery: bool,
    pub status: Option<String>,
    pub status_code: Option<i64>,
    pub event: String,
    pub action: Option<String>,
    pub request: Option<GhHookDeliveryRequest>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhHookDeliveryRequest {
    pub headers: Option<BTreeMap<String, serde_json::Value>>,
    pub payload: Option<serde_json::Value>,
}

impl From<GhHookDelivery> for HookDelivery {
    /// Accepted means a 2xx answer: GitHub records timeouts and refused
    /// connections without one (`status_code` 0 or absent).
    fn from(gh: GhHookDelivery) -> Self {
        let status_code = gh
            .status_code
            .and_then(|code| u16::try_from(code).ok())
            .filter(|code| *code > 0);
        let status = match status_code {
            Some(code) if (200..300).contains(&code) => HookDeliveryStatus::Success,
            _ => HookDeliveryStatus::Failed,
        };
        HookDelivery {
            id: gh.id,
            delivery_id: gh.guid,
            event: gh.event,
            action: gh.action,
            status,
            status_text: gh.status,
            status_code,
            delivered_at: gh.delivered_at,
            redelivery: gh.redelivery,
            request: gh.request.map(|request| HookDeliveryRequest {
                headers: request
                    .headers
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(name, value)| {
                        let value = match value {
                            serde_json::Value::String(text) => text,
                            other => other.to_string(),
                        };
                        (name, value)
                    })
                    .collect(),
                payload: request.payload,
            }),
        }
    }
}
