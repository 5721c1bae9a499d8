//! Pull requests (merge requests on GitLab).

use serde::{Deserialize, Serialize};

use super::{Author, CommitAuthor, Label, ResourceId, Sha, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PullRequestState {
    Open,
    Closed,
}

/// One end of a pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PullRequestBranch {
    #[serde(rename = "ref")]
    pub ref_name: String,
    pub sha: Option<Sha>,
    /// `owner/name` of the repository the branch lives in (forks differ).
    pub repository_full_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PullRequest {
    /// The number shown in the UI; actions take this as `pull_request_id`.
    pub id: ResourceId,
    pub node_id: Option<String>,
    pub title: String,
    pub body: Option<String>,
    /// `closed` for merged pull requests too; look at `merged`.
    pub state: PullRequestState,
    /// A merged pull request is never reported as merely closed.
    pub merged: bool,
    pub draft: bool,
    pub author: Option<Author>,
    pub head: PullRequestBranch,
    pub base: PullRequestBranch,
    pub labels: Vec<Label>,
    pub html_url: Option<String>,
    pub merge_commit_sha: Option<Sha>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub merged_at: Option<Timestamp>,
}

/// A file changed by a pull request.
pub type PullRequestFile = super::CommitFile;

/// A commit of a pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PullRequestCommit {
    pub sha: Sha,
    pub message: String,
    pub author: Option<CommitAuthor>,
    pub author_account: Option<Author>,
    pub html_url: Option<String>,
}
