//! Issues and issue comments.

use scm_core::model::{Comment, Issue, IssueState, Timestamp};
use serde::Deserialize;

use super::{author, id_string, GhLabel, GhUser};

#[derive(Debug, Clone, Deserialize)]
pub struct GhIssue {
    pub number: u64,
    pub node_id: Option<String>,
    pub title: String,
    pub body: Option<String>,
    pub state: String,
    pub user: Option<GhUser>,
    #[serde(default)]
    pub assignees: Option<Vec<GhUser>>,
    #[serde(default)]
    pub labels: Vec<GhLabel>,
    pub html_url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
}

pub fn issue_state(state: &str) -> IssueState {
    if state.eq_ignore_ascii_case("closed") {
        IssueState::Closed
    } else {
        IssueState::Open
    }
}

impl From<GhIssue> for Issue {
    fn from(issue: GhIssue) -> Self {
        Issue {
            id: issue.number.to_string(),
            node_id: issue.node_id,
            title: issue.title,
            body: issue.body,
            state: issue_state(&issue.state),
            author: author(issue.user),
            assignees: issue
                .assignees
                .unwrap_or_default()
                .into_iter()
                .map(Into::into)
                .collect(),
            labels: issue.labels.into_iter().map(Into::into).collect(),
            html_url: issue.html_url,
            created_at: issue.created_at,
            updated_at: issue.updated_at,
            closed_at: issue.closed_at,
        }
    }
}

/// An issue comment (also a pull request conversation comment).
#[derive(Debug, Clone, Deserialize)]
pub struct GhComment {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub node_id: Option<String>,
    pub body: Option<String>,
    pub user: Option<GhUser>,
    pub html_url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

impl From<GhComment> for Comment {
    fn from(comment: GhComment) -> Self {
        Comment {
            id: comment.id,
            node_id: comment.node_id,
            body: comment.body.unwrap_or_default(),
            author: author(comment.user),
            html_url: comment.html_url,
            created_at: comment.created_at,
            updated_at: comment.updated_at,
        }
    }
}
