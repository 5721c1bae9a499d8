//! Review comments and review threads: notes on the diff and the
//! discussions that hold them.

use scm_core::model::{ReviewComment, ReviewSide, ReviewThread};
use scm_core::Error;
use serde::Deserialize;

use super::common::{author, sha};
use super::issues::GlNote;

impl GlNote {
    /// A review comment (a note on the diff, or a reply in its thread).
    pub fn review_comment(
        self,
        in_reply_to: Option<String>,
        html_base: Option<&str>,
    ) -> Result<ReviewComment, Error> {
        let id = self.id()?;
        let position = self.position.unwrap_or_default();
        let (side, line) = match (position.new_line, position.old_line) {
            (Some(new), _) => (Some(ReviewSide::Head), Some(new)),
            (None, Some(old)) => (Some(ReviewSide::Base), Some(old)),
            (None, None) => (None, None),
        };
        let start_line = position
            .line_range
            .as_ref()
            .and_then(|range| range.start.as_ref())
            .and_then(|start| match side {
                Some(ReviewSide::Base) => start.old_line.or(start.new_line),
                _ => start.new_line.or(start.old_line),
            })
            .filter(|start| Some(*start) != line);
        let path = match side {
            Some(ReviewSide::Base) => position.old_path.or(position.new_path),
            _ => position.new_path.or(position.old_path),
        };
        let author = author(&self.author);
        Ok(ReviewComment {
            html_url: html_base.map(|base| format!("{base}#note_{id}")),
            id,
            node_id: None,
            body: self.body,
            path,
            line,
            start_line,
            side,
            commit_sha: sha(position.head_sha.as_deref()),
            in_reply_to_id: in_reply_to,
            // A GitLab "review" is one reviewer's state on the merge
            // request; its id is the reviewer's user id.
            review_id: author.as_ref().and_then(|a| a.id.clone()),
            author,
            created_at: self.created_at,
            updated_at: self.updated_at,
            reactions: Vec::new(),
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlDiscussion {
    pub id: String,
    #[serde(default)]
    pub notes: Vec<GlNote>,
}

impl GlDiscussion {
    /// Whether this is a thread on the diff (its first note has a position).
    pub fn is_diff_thread(&self) -> bool {
        self.notes
            .first()
            .is_some_and(|n| n.position.is_some() || n.note_type.as_deref() == Some("DiffNote"))
    }

    pub fn review_comments(self, html_base: Option<&str>) -> Result<Vec<ReviewComment>, Error> {
        let first_id = self.notes.first().and_then(|n| n.id.clone());
        let mut out = Vec::with_capacity(self.notes.len());
        for (i, note) in self.notes.into_iter().enumerate() {
            if note.system {
                continue;
            }
            let reply_to = if i == 0 { None } else { first_id.clone() };
            out.push(note.review_comment(reply_to, html_base)?);
        }
        Ok(out)
    }

    pub fn thread(
        self,
        current_head: Option<&str>,
        html_base: Option<&str>,
    ) -> Result<ReviewThread, Error> {
        let resolvable: Vec<&GlNote> = self.notes.iter().filter(|n| n.resolvable).collect();
        let is_resolved = !resolvable.is_empty() && resolvable.iter().all(|n| n.resolved);
        let is_outdated = match (
            current_head,
            self.notes
                .first()
                .and_then(|n| n.position.as_ref())
                .and_then(|p| p.head_sha.as_deref()),
        ) {
            (Some(current), Some(head)) => current != head,
            _ => false,
        };
        let id = self.id.clone();
        let comments = self.review_comments(html_base)?;
        Ok(ReviewThread {
            id,
            is_resolved,
            is_outdated,
            path: comments.first().and_then(|c| c.path.clone()),
            line: comments.first().and_then(|c| c.line),
            comments,
        })
    }
}
