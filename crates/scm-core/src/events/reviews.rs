//! Pull request reviews and comments on a pull request's diff.

use serde::{Deserialize, Serialize};

use super::action::event_action;
use super::PullRequestSnapshot;
use crate::model::{Author, Review, ReviewComment};

event_action! {
    /// What happened to a review.
    pub enum PullRequestReviewAction {
        Submitted => "submitted",
        Edited => "edited",
        Dismissed => "dismissed",
    }
}

event_action! {
    /// What happened to a review (diff) comment.
    pub enum ReviewCommentAction {
        Created => "created",
        Edited => "edited",
        Deleted => "deleted",
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequestReviewEvent {
    pub action: PullRequestReviewAction,
    pub review: Review,
    pub pull_request: PullRequestSnapshot,
    #[serde(default)]
    pub sender: Option<Author>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewCommentEvent {
    pub action: ReviewCommentAction,
    pub comment: ReviewComment,
    pub pull_request: PullRequestSnapshot,
    #[serde(default)]
    pub sender: Option<Author>,
}
