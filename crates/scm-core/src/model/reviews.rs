//! Pull request reviews, review comments and threads.

use serde::{Deserialize, Serialize};

use super::{Author, ReactionResult, ResourceId, Sha, Timestamp};

/// Which side of a diff a review comment is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewSide {
    /// The old version (GitHub `LEFT`).
    Base,
    /// The new version (GitHub `RIGHT`).
    Head,
}

/// A line in a diff: its number in the file on `side`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DiffLine {
    pub line: u32,
    pub side: ReviewSide,
}

/// What a submitted review says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewEvent {
    Approve,
    ChangeRequest,
    Comment,
}

/// The state of a review as the provider reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReviewState {
    Approved,
    ChangesRequested,
    Commented,
    Dismissed,
    Pending,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Review {
    pub id: ResourceId,
    pub node_id: Option<String>,
    pub state: ReviewState,
    pub body: Option<String>,
    pub author: Option<Author>,
    pub commit_sha: Option<Sha>,
    pub html_url: Option<String>,
    pub submitted_at: Option<Timestamp>,
}

/// A comment attached to a line (or a file) of a pull request's diff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReviewComment {
    pub id: ResourceId,
    pub node_id: Option<String>,
    pub body: String,
    pub path: Option<String>,
    pub line: Option<u32>,
    pub start_line: Option<u32>,
    pub side: Option<ReviewSide>,
    pub commit_sha: Option<Sha>,
    pub in_reply_to_id: Option<ResourceId>,
    pub review_id: Option<ResourceId>,
    pub author: Option<Author>,
    pub html_url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    /// Filled only when asked for (`include_reactions`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<ReactionResult>,
}

/// A comment to include in `create_review`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReviewCommentInput {
    pub path: String,
    pub body: String,
    pub line: DiffLine,
    pub start_line: Option<DiffLine>,
}

/// A conversation on a diff: the first comment and its replies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReviewThread {
    pub id: ResourceId,
    pub is_resolved: bool,
    pub is_outdated: bool,
    pub path: Option<String>,
    pub line: Option<u32>,
    pub comments: Vec<ReviewComment>,
}

/// Why a comment is hidden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MinimizeReason {
    Abuse,
    Duplicate,
    OffTopic,
    Outdated,
    Resolved,
    Spam,
}

impl MinimizeReason {
    pub fn as_str(self) -> &'static str {
        match self {
            MinimizeReason::Abuse => "ABUSE",
            MinimizeReason::Duplicate => "DUPLICATE",
            MinimizeReason::OffTopic => "OFF_TOPIC",
            MinimizeReason::Outdated => "OUTDATED",
            MinimizeReason::Resolved => "RESOLVED",
            MinimizeReason::Spam => "SPAM",
        }
    }
}
