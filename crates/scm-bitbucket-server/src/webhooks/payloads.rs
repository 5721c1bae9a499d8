//! Data Center webhook payloads (the fields we map; everything else is
//! ignored). Every event repeats its key as `eventKey` and has `date` and
//! `actor`; pull request events embed the pull request as REST answers it.

use serde::Deserialize;

use crate::schema::{BbComment, BbCommit, BbParticipant, BbPullRequest, BbRepository, BbUser};

/// What every payload carries.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub event_key: Option<String>,
}

/// `repo:refs_changed`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefsChanged {
    pub actor: Option<BbUser>,
    pub repository: Option<BbRepository>,
    #[serde(default)]
    pub changes: Vec<RefChange>,
    /// Not sent by Data Center itself; some add-ons include the pushed
    /// commits (newest first).
    #[serde(default)]
    pub commits: Vec<BbCommit>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefChange {
    #[serde(rename = "ref")]
    pub reference: Option<ChangedRef>,
    pub ref_id: Option<String>,
    pub from_hash: Option<String>,
    pub to_hash: Option<String>,
    /// `ADD`, `UPDATE`, `DELETE`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChangedRef {
    pub id: Option<String>,
    pub display_id: Option<String>,
    /// `BRANCH` or `TAG`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// Every `pr:*` event: the pull request, plus what the event adds.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PullRequestPayload {
    pub actor: Option<BbUser>,
    pub pull_request: BbPullRequest,
    /// `pr:modified` on 8.18 and later, when the draft flag changed.
    pub previous_draft: Option<bool>,
    /// `pr:reviewer:*`: the reviewer whose status changed.
    pub participant: Option<BbParticipant>,
    /// `pr:reviewer:updated`.
    #[serde(default)]
    pub added_reviewers: Vec<BbUser>,
    #[serde(default)]
    pub removed_reviewers: Vec<BbUser>,
    /// `pr:comment:*`.
    pub comment: Option<BbComment>,
    pub comment_parent_id: Option<i64>,
}
