//! Issues and notes (GitLab's comments, on issues, merge requests and
//! the diff). Notes on the diff become review comments in
//! [`reviews`](super::reviews).

use scm_core::model::{Comment, Issue, IssueState, Timestamp};
use scm_core::Error;
use serde::Deserialize;

use super::common::{author, de_id, de_ts, GlLabelRef, GlUser};

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlIssue {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "de_id")]
    pub iid: Option<String>,
    #[serde(default)]
    pub title: String,
    pub description: Option<String>,
    pub state: Option<String>,
    pub author: Option<GlUser>,
    #[serde(default)]
    pub assignees: Vec<GlUser>,
    #[serde(default)]
    pub labels: Vec<GlLabelRef>,
    pub web_url: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub updated_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub closed_at: Option<Timestamp>,
}

impl GlIssue {
    pub fn issue(self) -> Result<Issue, Error> {
        Ok(Issue {
            id: self
                .iid
                .ok_or_else(|| Error::malformed("GitLab sent an issue without an iid"))?,
            node_id: self.id,
            title: self.title,
            body: self.description,
            state: if self.state.as_deref() == Some("closed") {
                IssueState::Closed
            } else {
                IssueState::Open
            },
            author: author(&self.author),
            assignees: self.assignees.iter().map(GlUser::author).collect(),
            labels: self.labels.into_iter().map(GlLabelRef::label).collect(),
            html_url: self.web_url,
            created_at: self.created_at,
            updated_at: self.updated_at,
            closed_at: self.closed_at,
        })
    }
}

/// A diff position of a note.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GlPosition {
    pub head_sha: Option<String>,
    pub old_path: Option<String>,
    pub new_path: Option<String>,
    pub old_line: Option<u32>,
    pub new_line: Option<u32>,
    pub line_range: Option<GlLineRange>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GlLineRange {
    pub start: Option<GlRangeEnd>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GlRangeEnd {
    pub old_line: Option<u32>,
    pub new_line: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlNote {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    #[serde(rename = "type")]
    pub note_type: Option<String>,
    #[serde(default)]
    pub body: String,
    pub author: Option<GlUser>,
    #[serde(default)]
    pub system: bool,
    pub position: Option<GlPosition>,
    #[serde(default)]
    pub resolvable: bool,
    #[serde(default)]
    pub resolved: bool,
    #[serde(default, deserialize_with = "de_ts")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub updated_at: Option<Timestamp>,
}

impl GlNote {
    pub(super) fn id(&self) -> Result<String, Error> {
        self.id
            .clone()
            .ok_or_else(|| Error::malformed("GitLab sent a note without an id"))
    }

    /// A conversation comment, `None` for system notes and diff notes.
    pub fn comment(self, html_base: Option<&str>) -> Result<Option<Comment>, Error> {
        if self.system || self.position.is_some() || self.note_type.as_deref() == Some("DiffNote") {
            return Ok(None);
        }
        self.comment_any(html_base).map(Some)
    }

    /// Any note as a comment (a note just created is always one).
    pub fn comment_any(self, html_base: Option<&str>) -> Result<Comment, Error> {
        let id = self.id()?;
        Ok(Comment {
            html_url: html_base.map(|base| format!("{base}#note_{id}")),
            id,
            node_id: None,
            body: self.body,
            author: author(&self.author),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}
