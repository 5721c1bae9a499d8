//! Pushes to branches and tags.

use serde::{Deserialize, Serialize};

use super::action::event_action;
use crate::model::{Author, CommitAuthor, Sha, Timestamp};

event_action! {
    /// What a push did to its ref.
    ///
    /// Providers send pushes without an action; we derive one from the
    /// before/after commits so listeners can tell a branch deletion from
    /// new commits without comparing zero shas.
    pub enum PushAction {
        /// New commits on an existing ref.
        Pushed => "pushed",
        /// The ref was created.
        Created => "created",
        /// The ref was deleted.
        Deleted => "deleted",
    }
}

/// One commit of a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushCommit {
    pub sha: Sha,
    pub message: String,
    #[serde(default)]
    pub author: Option<CommitAuthor>,
    #[serde(default)]
    pub timestamp: Option<Timestamp>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub added: Vec<String>,
    #[serde(default)]
    pub removed: Vec<String>,
    #[serde(default)]
    pub modified: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushEvent {
    pub action: PushAction,
    /// The full ref, e.g. `refs/heads/main` or `refs/tags/v1`.
    #[serde(rename = "ref")]
    pub ref_name: String,
    /// The ref's commit before the push; `None` when the ref was created.
    #[serde(default)]
    pub before: Option<Sha>,
    /// The ref's commit after the push; `None` when the ref was deleted.
    #[serde(default)]
    pub after: Option<Sha>,
    #[serde(default)]
    pub forced: bool,
    /// Commits pushed (providers cap this list, GitHub at 20).
    #[serde(default)]
    pub commits: Vec<PushCommit>,
    #[serde(default)]
    pub compare_url: Option<String>,
    #[serde(default)]
    pub pusher: Option<Author>,
    #[serde(default)]
    pub sender: Option<Author>,
}
