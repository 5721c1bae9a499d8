//! The parts of GitHub's webhook payloads we map. Fields GitHub may omit
//! are optional; the few a neutral event cannot do without (a check run's
//! head sha, a pull request's branches) are required, so a payload
//! without them is reported as malformed rather than half-filled. No
//! `#[serde(flatten)]`: it buffers whole objects and slows parsing down.

use std::collections::BTreeMap;

use scm_core::model::{AppInstallation, Issue, IssueState, Timestamp};
use serde::de::IgnoredAny;
use serde::{Deserialize, Deserializer};

use crate::schema::{
    id_string, issue_state, opt_id_string, GhComment, GhLabel, GhPullRequest, GhReview,
    GhReviewComment, GhUser,
};

#[derive(Debug, Deserialize)]
pub struct GhHookRepository {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub full_name: String,
    #[serde(default)]
    pub private: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct PullRequestPayload {
    pub action: String,
    pub pull_request: GhPullRequest,
    #[serde(default)]
    pub repository: Option<GhHookRepository>,
    #[serde(default)]
    pub sender: Option<GhUser>,
}

#[derive(Debug, Deserialize)]
pub struct HookIssueRef {
    pub number: u64,
    #[serde(default)]
    pub title: Option<String>,
    /// Present (an object) only when the "issue" is a pull request.
    #[serde(default)]
    pub pull_request: Option<IgnoredAny>,
}

#[derive(Debug, Deserialize)]
pub struct IssueCommentPayload {
    pub action: String,
    pub issue: HookIssueRef,
    pub comment: GhComment,
    #[serde(default)]
    pub repository: Option<GhHookRepository>,
    #[serde(default)]
    pub sender: Option<GhUser>,
}

#[derive(Debug, Deserialize)]
pub struct HookNumber {
    pub number: u64,
}

#[derive(Debug, Deserialize)]
pub struct HookApp {
    #[serde(default)]
    pub slug: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct HookSuiteRef {
    #[serde(default, deserialize_with = "opt_id_string")]
    pub id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct HookCheckRun {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub head_sha: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub external_id: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub details_url: Option<String>,
    #[serde(default)]
    pub check_suite: Option<HookSuiteRef>,
    #[serde(default)]
    pub pull_requests: Vec<HookNumber>,
    #[serde(default)]
    pub app: Option<HookApp>,
    #[serde(default)]
    pub started_at: Option<Timestamp>,
    #[serde(default)]
    pub completed_at: Option<Timestamp>,
}

#[derive(Debug, Deserialize)]
pub struct HookRequestedAction {
    pub identifier: String,
}

#[derive(Debug, Deserialize)]
pub struct CheckRunPayload {
    pub action: String,
    pub check_run: HookCheckRun,
    #[serde(default)]
    pub requested_action: Option<HookRequestedAction>,
    #[serde(default)]
    pub repository: Option<GhHookRepository>,
    #[serde(default)]
    pub sender: Option<GhUser>,
}

#[derive(Debug, Deserialize)]
pub struct HookCheckSuite {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub head_sha: String,
    #[serde(default)]
    pub head_branch: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub pull_requests: Vec<HookNumber>,
    #[serde(default)]
    pub app: Option<HookApp>,
}

#[derive(Debug, Deserialize)]
pub struct CheckSuitePayload {
    pub action: String,
    pub check_suite: HookCheckSuite,
    #[serde(default)]
    pub repository: Option<GhHookRepository>,
    #[serde(default)]
    pub sender: Option<GhUser>,
}

#[derive(Debug, Deserialize)]
pub struct ReviewPayload {
    pub action: String,
    pub review: GhReview,
    pub pull_request: GhPullRequest,
    #[serde(default)]
    pub repository: Option<GhHookRepository>,
    #[serde(default)]
    pub sender: Option<GhUser>,
}

#[derive(Debug, Deserialize)]
pub struct ReviewCommentPayload {
    pub action: String,
    pub comment: GhReviewComment,
    pub pull_request: GhPullRequest,
    #[serde(default)]
    pub repository: Option<GhHookRepository>,
    #[serde(default)]
    pub sender: Option<GhUser>,
}

#[derive(Debug, Deserialize)]
pub struct HookCommitAuthor {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct HookPushCommit {
    pub id: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub timestamp: Option<Timestamp>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub author: Option<HookCommitAuthor>,
    #[serde(default)]
    pub added: Vec<String>,
    #[serde(default)]
    pub removed: Vec<String>,
    #[serde(default)]
    pub modified: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub struct HookPusher {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PushPayload {
    #[serde(rename = "ref")]
    pub ref_name: String,
    #[serde(default)]
    pub before: Option<String>,
    #[serde(default)]
    pub after: Option<String>,
    #[serde(default)]
    pub created: bool,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub forced: bool,
    #[serde(default)]
    pub commits: Vec<HookPushCommit>,
    #[serde(default)]
    pub compare: Option<String>,
    #[serde(default)]
    pub pusher: Option<HookPusher>,
    #[serde(default)]
    pub repository: Option<GhHookRepository>,
    #[serde(default)]
    pub sender: Option<GhUser>,
}

/// An issue as webhooks describe it. `state` is missing from some
/// deliveries (`pinned`, `unpinned`); then `closed_at` tells.
#[derive(Debug, Deserialize)]
pub struct HookIssue {
    pub number: u64,
    #[serde(default)]
    pub node_id: Option<String>,
    pub title: String,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub user: Option<GhUser>,
    #[serde(default)]
    pub assignees: Option<Vec<GhUser>>,
    #[serde(default)]
    pub labels: Option<Vec<GhLabel>>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub created_at: Option<Timestamp>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    #[serde(default)]
    pub closed_at: Option<Timestamp>,
}

impl From<HookIssue> for Issue {
    fn from(issue: HookIssue) -> Self {
        let state = match issue.state.as_deref() {
            Some(state) => issue_state(state),
            None if issue.closed_at.is_some() => IssueState::Closed,
            None => IssueState::Open,
        };
        Issue {
            id: issue.number.to_string(),
            node_id: issue.node_id,
            title: issue.title,
            body: issue.body,
            state,
            author: issue.user.map(Into::into),
            assignees: issue
                .assignees
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            labels: issue
                .labels
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            html_url: issue.html_url,
            created_at: issue.created_at,
            updated_at: issue.updated_at,
            closed_at: issue.closed_at,
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct IssuesPayload {
    pub action: String,
    pub issue: HookIssue,
    #[serde(default)]
    pub repository: Option<GhHookRepository>,
    #[serde(default)]
    pub sender: Option<GhUser>,
}

#[derive(Debug, Deserialize)]
pub struct HookInstallationRepository {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub full_name: String,
    #[serde(default)]
    pub private: Option<bool>,
}

/// An installation as webhooks describe it: like the REST answer, except
/// that `created_at`/`updated_at` are Unix seconds in some deliveries.
#[derive(Debug, Deserialize)]
pub struct HookInstallation {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub app_id: Option<String>,
    #[serde(default)]
    pub account: Option<GhUser>,
    #[serde(default)]
    pub repository_selection: Option<String>,
    #[serde(default)]
    pub permissions: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub suspended_at: Option<Timestamp>,
}

impl From<HookInstallation> for AppInstallation {
    fn from(installation: HookInstallation) -> Self {
        AppInstallation {
            id: installation.id,
            app_id: installation.app_id,
            account: installation.account.map(Into::into),
            repository_selection: installation.repository_selection,
            permissions: installation
                .permissions
                .into_iter()
                .filter_map(|(name, level)| level.as_str().map(|l| (name, l.to_owned())))
                .collect(),
            events: installation.events,
            html_url: installation.html_url,
            created_at: installation.created_at,
            suspended_at: installation.suspended_at,
        }
    }
}

/// RFC 3339 text or Unix seconds; anything else (or an impossible date)
/// becomes `None` rather than failing the delivery.
fn lenient_time<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Timestamp>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Time {
        Seconds(i64),
        Text(String),
        Other(IgnoredAny),
    }
    Ok(match Option::<Time>::deserialize(deserializer)? {
        Some(Time::Seconds(secs)) => chrono::DateTime::from_timestamp(secs, 0),
        Some(Time::Text(text)) => chrono::DateTime::parse_from_rfc3339(&text)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc)),
        Some(Time::Other(_)) | None => None,
    })
}

#[derive(Debug, Deserialize)]
pub struct InstallationPayload {
    pub action: String,
    pub installation: HookInstallation,
    #[serde(default)]
    pub repositories: Option<Vec<HookInstallationRepository>>,
    #[serde(default)]
    pub repositories_added: Vec<HookInstallationRepository>,
    #[serde(default)]
    pub repositories_removed: Vec<HookInstallationRepository>,
    #[serde(default)]
    pub sender: Option<GhUser>,
}

/// Just the action, for counting payloads of events we do not map.
#[derive(Debug, Deserialize)]
pub struct ActionOnly {
    #[serde(default)]
    pub action: Option<String>,
}
