//! CI results: check runs and check suites.

use serde::{Deserialize, Serialize};

use super::action::event_action;
use crate::model::{Author, BuildConclusion, BuildStatus, ResourceId, Sha, Timestamp};

event_action! {
    /// What happened to a check run.
    pub enum CheckRunAction {
        Created => "created",
        Completed => "completed",
        Rerequested => "rerequested",
        /// A user pressed one of the run's custom action buttons.
        RequestedAction => "requested_action",
    }
}

event_action! {
    /// What happened to a check suite.
    pub enum CheckSuiteAction {
        Completed => "completed",
        Requested => "requested",
        Rerequested => "rerequested",
    }
}

/// A check run as it was when the event was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRunSnapshot {
    pub id: ResourceId,
    pub name: String,
    /// The id the creating app chose; how an app finds its own runs again.
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub details_url: Option<String>,
    pub status: BuildStatus,
    #[serde(default)]
    pub conclusion: Option<BuildConclusion>,
    pub head_sha: Sha,
    #[serde(default)]
    pub check_suite_id: Option<ResourceId>,
    /// Numbers of the pull requests whose head is `head_sha`.
    #[serde(default)]
    pub pull_request_ids: Vec<ResourceId>,
    /// Slug of the app that owns the run.
    #[serde(default)]
    pub app_slug: Option<String>,
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    #[serde(default)]
    pub completed_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckRunEvent {
    pub action: CheckRunAction,
    pub check_run: CheckRunSnapshot,
    /// For `requested_action`: the identifier of the button pressed.
    #[serde(default)]
    pub requested_action: Option<String>,
    #[serde(default)]
    pub sender: Option<Author>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSuiteSnapshot {
    pub id: ResourceId,
    pub head_sha: Sha,
    #[serde(default)]
    pub head_branch: Option<String>,
    /// `None` when the provider reports a state we cannot map.
    #[serde(default)]
    pub status: Option<BuildStatus>,
    #[serde(default)]
    pub conclusion: Option<BuildConclusion>,
    #[serde(default)]
    pub pull_request_ids: Vec<ResourceId>,
    #[serde(default)]
    pub app_slug: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckSuiteEvent {
    pub action: CheckSuiteAction,
    pub check_suite: CheckSuiteSnapshot,
    #[serde(default)]
    pub sender: Option<Author>,
}
