//! Comments on pull requests (general and inline) and on issues.

use scm_core::model::{Comment, ReviewComment, ReviewSide};
use serde::Deserialize;

use super::common::{timestamp, Account, Links, Rendered};

/// Where an inline comment sits: `to` is a line of the new file, `from` of
/// the old one; neither means the whole file. `start_*` open a range.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Inline {
    #[serde(default)]
    pub path: Option<String>,
    #[serde(default)]
    pub from: Option<u32>,
    #[serde(default)]
    pub to: Option<u32>,
    #[serde(default)]
    pub start_from: Option<u32>,
    #[serde(default)]
    pub start_to: Option<u32>,
    #[serde(default)]
    pub outdated: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ParentRef {
    #[serde(default)]
    pub id: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct CommentJson {
    #[serde(default)]
    pub id: Option<i64>,
    #[serde(default)]
    pub content: Rendered,
    #[serde(default)]
    pub user: Option<Account>,
    #[serde(default)]
    pub inline: Option<Inline>,
    #[serde(default)]
    pub parent: Option<ParentRef>,
    #[serde(default)]
    pub deleted: Option<bool>,
    /// Present (an object) when the thread is resolved.
    #[serde(default)]
    pub resolution: Option<serde_json::Value>,
    #[serde(default)]
    pub links: Links,
    #[serde(default)]
    pub created_on: Option<String>,
    #[serde(default)]
    pub updated_on: Option<String>,
}

impl CommentJson {
    pub fn id(&self) -> Result<String, scm_core::Error> {
        self.id
            .map(|id| id.to_string())
            .ok_or_else(|| scm_core::Error::malformed("Bitbucket sent a comment without an id"))
    }

    pub fn is_deleted(&self) -> bool {
        self.deleted.unwrap_or(false)
    }

    pub fn is_inline(&self) -> bool {
        self.inline.is_some()
    }

    pub fn parent_id(&self) -> Option<String> {
        self.parent
            .as_ref()
            .and_then(|p| p.id)
            .map(|id| id.to_string())
    }

    pub fn is_resolved(&self) -> bool {
        self.resolution.as_ref().is_some_and(|r| !r.is_null())
    }

    pub fn comment(&self) -> Result<Comment, scm_core::Error> {
        Ok(Comment {
            id: self.id()?,
            node_id: None,
            body: self.content.text(),
            author: self.user.as_ref().map(Account::author),
            html_url: self.links.html(),
            created_at: timestamp(&self.created_on),
            updated_at: timestamp(&self.updated_on),
        })
    }

    /// As a review comment. The review id is the author's `{uuid}` (a
    /// review is a reviewer's state); Bitbucket pins no commit.
    pub fn review_comment(&self) -> Result<ReviewComment, scm_core::Error> {
        let inline = self.inline.clone().unwrap_or_default();
        let (line, start_line, side) = match (inline.to, inline.from) {
            (Some(to), _) => (Some(to), inline.start_to, Some(ReviewSide::Head)),
            (None, Some(from)) => (Some(from), inline.start_from, Some(ReviewSide::Base)),
            (None, None) => (None, None, None),
        };
        let author = self.user.as_ref().map(Account::author);
        Ok(ReviewComment {
            id: self.id()?,
            node_id: None,
            body: self.content.text(),
            path: inline.path,
            line,
            start_line,
            side,
            commit_sha: None,
            in_reply_to_id: self.parent_id(),
            review_id: author.as_ref().and_then(|a| a.id.clone()),
            author,
            html_url: self.links.html(),
            created_at: timestamp(&self.created_on),
            updated_at: timestamp(&self.updated_on),
            reactions: Vec::new(),
        })
    }
}
