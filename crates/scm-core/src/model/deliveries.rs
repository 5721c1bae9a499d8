//! Webhook deliveries as the provider recorded them: what it sent, when,
//! and whether the receiver answered. They are what makes missed webhooks
//! recoverable: a delivery the provider marks failed can be sent again.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ResourceId, Timestamp};

/// Which hook's deliveries an action reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HookSource {
    /// The integration's own webhook (a GitHub App's); no `hook_id`.
    App,
    /// A hook of the repository, by `hook_id`.
    Repository,
    /// A hook of the organization (group) owning the repository, by `hook_id`.
    Organization,
}

impl HookSource {
    pub fn as_str(self) -> &'static str {
        match self {
            HookSource::App => "app",
            HookSource::Repository => "repository",
            HookSource::Organization => "organization",
        }
    }
}

impl std::str::FromStr for HookSource {
    type Err = crate::error::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "app" => Ok(HookSource::App),
            "repository" => Ok(HookSource::Repository),
            "organization" => Ok(HookSource::Organization),
            other => Err(crate::error::Error::invalid_input(format!(
                "hook source `{}` is not one of app, repository, organization",
                other.chars().take(40).collect::<String>()
            ))),
        }
    }
}

/// Whether the receiver accepted a delivery (a 2xx answer in time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HookDeliveryStatus {
    Success,
    Failed,
}

/// One attempt to deliver a webhook. A redelivery is a new attempt with
/// its own `id` and the same `delivery_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HookDelivery {
    /// The provider's id of this attempt: what `get_hook_delivery` and
    /// `redeliver_hook_delivery` take.
    pub id: ResourceId,
    /// The event's delivery id as the webhook carries it (GitHub's
    /// `X-GitHub-Delivery`, GitLab's `X-Gitlab-Event-UUID`), shared by
    /// every attempt of the same event: what the ingress deduplicates on.
    pub delivery_id: String,
    /// The provider's event name (`pull_request`, `Merge Request Hook`, …).
    pub event: String,
    pub action: Option<String>,
    pub status: HookDeliveryStatus,
    /// The provider's description of the outcome (`OK`, `failed to connect`, …).
    pub status_text: Option<String>,
    /// The receiver's HTTP status; `None` when there was no answer.
    pub status_code: Option<u16>,
    pub delivered_at: Timestamp,
    pub redelivery: bool,
    /// Request headers and payload, when the provider gives them (single
    /// deliveries only).
    pub request: Option<HookDeliveryRequest>,
}

/// What was sent in one delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HookDeliveryRequest {
    pub headers: BTreeMap<String, String>,
    pub payload: Option<serde_json::Value>,
}
