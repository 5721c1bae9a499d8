//! Comments on an issue's or a pull request's conversation.

use serde::{Deserialize, Serialize};

use super::action::event_action;
use crate::model::{Author, Comment, ResourceId};

event_action! {
    /// What happened to a comment.
    pub enum CommentAction {
        Created => "created",
        Edited => "edited",
        Deleted => "deleted",
        Pinned => "pinned",
        Unpinned => "unpinned",
    }
}

/// Where a conversation comment lives.
///
/// GitHub sends comments on pull requests as `issue_comment` events; the
/// provider crate resolves which one it is, so listeners that only care
/// about pull requests filter on this field instead of on payload details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommentType {
    Issue,
    PullRequest,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommentEvent {
    pub action: CommentAction,
    pub comment_type: CommentType,
    /// Number of the issue or pull request the comment is on.
    pub issue_id: ResourceId,
    /// Title of that issue or pull request.
    #[serde(default)]
    pub issue_title: Option<String>,
    /// `id`, `body`, `author` and links of the comment.
    pub comment: Comment,
    #[serde(default)]
    pub sender: Option<Author>,
}
