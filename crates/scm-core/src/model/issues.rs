//! Issues and comments.

use serde::{Deserialize, Serialize};

use super::{Author, Label, ResourceId, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum IssueState {
    Open,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Issue {
    /// The number shown in the UI (`#12`); actions take this as `issue_id`.
    pub id: ResourceId,
    /// The provider's global id (GraphQL node id on GitHub), if any.
    pub node_id: Option<String>,
    pub title: String,
    pub body: Option<String>,
    pub state: IssueState,
    pub author: Option<Author>,
    pub assignees: Vec<Author>,
    pub labels: Vec<Label>,
    pub html_url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
}

/// A comment on an issue or on a pull request's conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Comment {
    pub id: ResourceId,
    /// GraphQL node id on GitHub, needed to minimize the comment.
    pub node_id: Option<String>,
    pub body: String,
    pub author: Option<Author>,
    pub html_url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}
