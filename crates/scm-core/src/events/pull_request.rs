//! Pull request (merge request) events.

use serde::{Deserialize, Serialize};

use super::action::event_action;
use crate::model::{Author, Label, PullRequestBranch, PullRequestState, ResourceId, Sha};

event_action! {
    /// What happened to a pull request.
    ///
    /// A merge arrives as [`PullRequestAction::Closed`] with
    /// [`PullRequestSnapshot::merged`] set: providers that have a separate
    /// `merge` action (GitLab) map to the same pair, so listeners check one
    /// flag everywhere.
    pub enum PullRequestAction {
        Opened => "opened",
        Edited => "edited",
        Closed => "closed",
        Reopened => "reopened",
        /// New commits were pushed to the head branch.
        Synchronize => "synchronize",
        ReadyForReview => "ready_for_review",
        ConvertedToDraft => "converted_to_draft",
        Labeled => "labeled",
        Unlabeled => "unlabeled",
        Assigned => "assigned",
        Unassigned => "unassigned",
        ReviewRequested => "review_requested",
        ReviewRequestRemoved => "review_request_removed",
        Locked => "locked",
        Unlocked => "unlocked",
        Milestoned => "milestoned",
        Demilestoned => "demilestoned",
        Enqueued => "enqueued",
        Dequeued => "dequeued",
        AutoMergeEnabled => "auto_merge_enabled",
        AutoMergeDisabled => "auto_merge_disabled",
    }
}

/// The pull request as it was when the event was sent.
///
/// Deliberately smaller than [`crate::model::PullRequest`]: only what every
/// provider's webhook carries, so a listener never has to ask whether a
/// field is missing because of the provider or because of the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestSnapshot {
    /// The number shown in the UI (what actions take as `pull_request_id`).
    pub id: ResourceId,
    /// The provider's global id of the pull request, when it has one.
    #[serde(default)]
    pub external_id: Option<String>,
    pub title: String,
    /// The body text, `None` when empty.
    #[serde(default)]
    pub description: Option<String>,
    pub head: PullRequestBranch,
    pub base: PullRequestBranch,
    /// Whether the repository is private: listeners that post publicly
    /// (links, previews) must not leak private content.
    pub is_private_repo: bool,
    #[serde(default)]
    pub author: Option<Author>,
    pub state: PullRequestState,
    /// Never reported as merely closed when it was merged.
    pub merged: bool,
    pub draft: bool,
    #[serde(default)]
    pub merge_commit_sha: Option<Sha>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub labels: Vec<Label>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestEvent {
    pub action: PullRequestAction,
    pub pull_request: PullRequestSnapshot,
    /// Who caused the event (not necessarily the author).
    #[serde(default)]
    pub sender: Option<Author>,
}
