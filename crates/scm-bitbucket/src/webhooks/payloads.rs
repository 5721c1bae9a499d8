//! The JSON of Bitbucket Cloud webhook deliveries (what the event key's
//! payload carries). Resources inside (pull requests, comments, statuses,
//! commits) share their shapes with the REST answers in `schema`.

use serde::Deserialize;

use crate::schema::checks::CommitStatus;
use crate::schema::comments::CommentJson;
use crate::schema::commits::CommitJson;
use crate::schema::common::{timestamp, Account};
use crate::schema::pull_requests::PullRequestJson;

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RepositoryPayload {
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub is_private: Option<bool>,
}

/// A ref before or after a push.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RefState {
    #[serde(default)]
    pub name: Option<String>,
    /// `branch`, `tag`, `named_branch`, `bookmark`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub target: Option<CommitJson>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ChangeLinks {
    #[serde(default)]
    pub html: Option<crate::schema::common::Link>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Change {
    #[serde(default)]
    pub old: Option<RefState>,
    #[serde(default)]
    pub new: Option<RefState>,
    #[serde(default)]
    pub created: bool,
    #[serde(default)]
    pub closed: bool,
    #[serde(default)]
    pub forced: bool,
    #[serde(default)]
    pub commits: Vec<CommitJson>,
    #[serde(default)]
    pub links: ChangeLinks,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Push {
    #[serde(default)]
    pub changes: Vec<Change>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PushPayload {
    pub push: Push,
    #[serde(default)]
    pub repository: RepositoryPayload,
    #[serde(default)]
    pub actor: Option<Account>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PullRequestPayload {
    pub pullrequest: PullRequestJson,
    #[serde(default)]
    pub repository: RepositoryPayload,
    #[serde(default)]
    pub actor: Option<Account>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CommentPayload {
    pub comment: CommentJson,
    pub pullrequest: PullRequestJson,
    #[serde(default)]
    pub repository: RepositoryPayload,
    #[serde(default)]
    pub actor: Option<Account>,
}

/// `approval` and `changes_request` objects: who and when.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Verdict {
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub user: Option<Account>,
}

impl Verdict {
    pub fn date(&self) -> Option<scm_core::model::Timestamp> {
        timestamp(&self.date)
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ApprovalPayload {
    #[serde(default)]
    pub approval: Option<Verdict>,
    #[serde(default)]
    pub changes_request: Option<Verdict>,
    pub pullrequest: PullRequestJson,
    #[serde(default)]
    pub repository: RepositoryPayload,
    #[serde(default)]
    pub actor: Option<Account>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CommitStatusPayload {
    pub commit_status: CommitStatus,
    #[serde(default)]
    pub repository: RepositoryPayload,
    #[serde(default)]
    pub actor: Option<Account>,
}
