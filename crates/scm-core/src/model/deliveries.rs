//! Webhook deliveries as the provider recorded them: what it sent, when,
//! and whether the receiver answered. They are what makes missed webhooks
//! recoverable: a delivery the provider marks failed can be sent again.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{ResourceId, Timestamp};
use crate::page::Page;

/// Which hook's deliveries an action reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum HookSource {
    /// The integration's own webhook (a GitHub App's); no `hook_id`.
    App,
    /// A hook of the repository (a GitLab project hook), by `hook_id`;
    /// `project` is accepted as GitLab's name for it.
    #[serde(alias = "project")]
    Repository,
    /// A hook of the organization (GitLab group) owning the repository,
    /// by `hook_id`; `group` is accepted as GitLab's name for it.
    #[serde(alias = "group")]
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
            "repository" | "project" => Ok(HookSource::Repository),
            "organization" | "group" => Ok(HookSource::Organization),
            other => Err(crate::error::Error::invalid_input(format!(
                "hook source `{}` is not one of app, repository (project), organization (group)",
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
    /// `X-GitHub-Delivery`; GitLab's `Idempotency-Key`, else its
    /// `X-Gitlab-Event-UUID`), shared by every attempt of the same event:
    /// what the ingress deduplicates on.
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

/// Keeps the deliveries of a page at or after `since`. Providers list
/// newest first, so a page reaching past `since` is the last one needed:
/// its next cursor is dropped.
pub fn since_filter(page: Page<HookDelivery>, since: Option<Timestamp>) -> Page<HookDelivery> {
    let Some(since) = since else {
        return page;
    };
    let reached_older = page.items.iter().any(|d| d.delivered_at < since);
    let items = page
        .items
        .into_iter()
        .filter(|d| d.delivered_at >= since)
        .collect();
    let next_cursor = if reached_older {
        None
    } else {
        page.next_cursor
    };
    Page::new(items, next_cursor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(id: &str, at: &str) -> HookDelivery {
        HookDelivery {
            id: id.into(),
            delivery_id: format!("guid-{id}"),
            event: "issues".into(),
            action: None,
            status: HookDeliveryStatus::Failed,
            status_text: None,
            status_code: Some(502),
            delivered_at: at.parse().unwrap(),
            redelivery: false,
            request: None,
        }
    }

    #[test]
    fn project_and_group_name_repository_and_organization() {
        assert_eq!(
            "project".parse::<HookSource>().unwrap(),
            HookSource::Repository
        );
        assert_eq!(
            "group".parse::<HookSource>().unwrap(),
            HookSource::Organization
        );
        let parsed: HookSource = serde_json::from_str("\"group\"").unwrap();
        assert_eq!(parsed, HookSource::Organization);
        assert_eq!(HookSource::Repository.as_str(), "repository");
        assert!("installation".parse::<HookSource>().is_err());
    }

    #[test]
    fn since_stops_at_the_first_older_delivery() {
        let page = Page::new(
            vec![
                delivery("3", "2026-11-27T10:00:00Z"),
                delivery("2", "2026-11-27T09:00:00Z"),
                delivery("1", "2026-11-27T08:00:00Z"),
            ],
            Some(crate::page::Cursor::from_raw("next")),
        );
        let since = "2026-11-27T09:00:00Z".parse().ok();
        let kept = since_filter(page.clone(), since);
        assert_eq!(kept.items.len(), 2);
        assert!(kept.next_cursor.is_none());
        let all = since_filter(page, "2026-11-27T07:00:00Z".parse().ok());
        assert_eq!(all.items.len(), 3);
        assert!(all.next_cursor.is_some());
    }
}
