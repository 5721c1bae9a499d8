//! Pull request comments, their anchors and threads, activities, and the
//! reactions (comment likes) reported inside a comment.

use scm_core::model::{
    Author, Comment, Reaction, ReactionResult, ReviewComment, ReviewSide, Timestamp,
};
use serde::Deserialize;
use serde_json::Value;

use super::{de_date, sha, BbPath, BbUser};

/// A path in an anchor: a string in most answers, a path object in some.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum BbAnchorPath {
    Text(String),
    Object(BbPath),
}

impl BbAnchorPath {
    pub fn text(&self) -> Option<String> {
        match self {
            BbAnchorPath::Text(text) => Some(text.clone()),
            BbAnchorPath::Object(path) => path.text(),
        }
    }
}

/// Where a diff comment is attached.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbAnchor {
    pub path: Option<BbAnchorPath>,
    pub line: Option<i64>,
    /// `ADDED`, `REMOVED`, `CONTEXT`.
    pub line_type: Option<String>,
    /// `FROM` (the old file) or `TO` (the new file).
    pub file_type: Option<String>,
    pub from_hash: Option<String>,
    pub to_hash: Option<String>,
}

impl BbAnchor {
    pub fn side(&self) -> Option<ReviewSide> {
        match (self.file_type.as_deref(), self.line_type.as_deref()) {
            (Some("FROM"), _) | (None, Some("REMOVED")) => Some(ReviewSide::Base),
            (Some("TO"), _) | (None, Some(_)) => Some(ReviewSide::Head),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct BbCommentRef {
    pub id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbComment {
    #[serde(default)]
    pub id: i64,
    /// Optimistic locking: edits and deletes send the current version.
    #[serde(default)]
    pub version: i64,
    #[serde(default)]
    pub text: String,
    pub author: Option<BbUser>,
    #[serde(default, deserialize_with = "de_date")]
    pub created_date: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_date")]
    pub updated_date: Option<Timestamp>,
    /// Replies, nested.
    #[serde(default)]
    pub comments: Vec<BbComment>,
    pub anchor: Option<BbAnchor>,
    pub parent: Option<BbCommentRef>,
    #[serde(default)]
    pub thread_resolved: bool,
    /// Free-form; `reactions` lives here (comment likes).
    #[serde(default)]
    pub properties: Value,
}

impl BbComment {
    fn link(&self, pull_request_web: Option<&str>) -> Option<String> {
        pull_request_web.map(|web| format!("{web}/overview?commentId={}", self.id))
    }

    pub fn comment(&self, pull_request_web: Option<&str>) -> Comment {
        Comment {
            id: self.id.to_string(),
            node_id: None,
            body: self.text.clone(),
            author: self.author.clone().map(Author::from),
            html_url: self.link(pull_request_web),
            created_at: self.created_date,
            updated_at: self.updated_date,
        }
    }

    /// As a review comment. `anchor` is the thread's (replies carry none);
    /// `parent` the comment replied to.
    pub fn review_comment(
        &self,
        anchor: Option<&BbAnchor>,
        parent: Option<i64>,
        pull_request_web: Option<&str>,
    ) -> ReviewComment {
        let anchor = self.anchor.as_ref().or(anchor);
        ReviewComment {
            id: self.id.to_string(),
            node_id: None,
            body: self.text.clone(),
            path: anchor.and_then(|a| a.path.as_ref()).and_then(|p| p.text()),
            line: anchor
                .and_then(|a| a.line)
                .and_then(|l| u32::try_from(l).ok()),
            start_line: None,
            side: anchor.and_then(BbAnchor::side),
            commit_sha: anchor.and_then(|a| sha(a.to_hash.as_deref())),
            in_reply_to_id: parent
                .or_else(|| self.parent.as_ref().and_then(|p| p.id))
                .map(|id| id.to_string()),
            review_id: self
                .author
                .as_ref()
                .and_then(|a| a.id)
                .map(|id| id.to_string()),
            author: self.author.clone().map(Author::from),
            html_url: self.link(pull_request_web),
            created_at: self.created_date,
            updated_at: self.updated_date,
            reactions: Vec::new(),
        }
    }

    /// This comment and every reply below it, depth first, each with the
    /// id of the comment it answers.
    pub fn flatten(&self) -> Vec<(&BbComment, Option<i64>)> {
        let mut out = vec![(self, None)];
        let mut stack: Vec<(&BbComment, i64)> =
            self.comments.iter().rev().map(|c| (c, self.id)).collect();
        while let Some((comment, parent)) = stack.pop() {
            out.push((comment, Some(parent)));
            stack.extend(comment.comments.iter().rev().map(|c| (c, comment.id)));
        }
        out
    }

    /// Reactions Data Center reports in `properties.reactions`
    /// (`[{emoticon:{shortcut}, users:[..]}]`), one result per person.
    /// Shortcuts with no neutral reaction are left out.
    pub fn reactions(&self) -> Vec<ReactionResult> {
        let Some(entries) = self.properties.get("reactions").and_then(Value::as_array) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for entry in entries {
            let Some(shortcut) = entry.pointer("/emoticon/shortcut").and_then(Value::as_str) else {
                continue;
            };
            let Some(reaction) = reaction_for(shortcut) else {
                continue;
            };
            let users = entry
                .get("users")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for user in users {
                let author = serde_json::from_value::<BbUser>(user)
                    .ok()
                    .map(Author::from);
                out.push(ReactionResult {
                    id: shortcut.to_owned(),
                    reaction,
                    author,
                    created_at: None,
                });
            }
        }
        out
    }
}

/// The emoticon shortcut Data Center's comment likes use for a reaction.
pub fn emoticon_for(reaction: Reaction) -> &'static str {
    match reaction {
        Reaction::ThumbsUp => "thumbsup",
        Reaction::ThumbsDown => "thumbsdown",
        // `laugh` is not a shortcut Data Center knows; `laughing` is.
        Reaction::Laugh => "laughing",
        Reaction::Confused => "confused",
        Reaction::Heart => "heart",
        Reaction::Hooray => "tada",
        Reaction::Rocket => "rocket",
        Reaction::Eyes => "eyes",
    }
}

/// The neutral reaction of an emoticon shortcut (aliases included).
pub fn reaction_for(shortcut: &str) -> Option<Reaction> {
    Some(match shortcut.trim_matches(':') {
        "thumbsup" | "+1" => Reaction::ThumbsUp,
        "thumbsdown" | "-1" => Reaction::ThumbsDown,
        "laughing" | "laugh" | "smile" => Reaction::Laugh,
        "confused" => Reaction::Confused,
        "heart" => Reaction::Heart,
        "tada" | "hooray" => Reaction::Hooray,
        "rocket" => Reaction::Rocket,
        "eyes" => Reaction::Eyes,
        _ => return None,
    })
}

/// A reaction as `PUT …/reactions/{emoticon}` answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct BbUserReaction {
    pub emoticon: Option<BbEmoticon>,
    pub user: Option<BbUser>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BbEmoticon {
    pub shortcut: Option<String>,
}

/// One entry of a pull request's activity stream.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbActivity {
    pub id: Option<u64>,
    /// `COMMENTED`, `APPROVED`, `REVIEWED`, `RESCOPED`, …
    pub action: Option<String>,
    /// `ADDED`, `EDITED`, `DELETED` for comment activities.
    pub comment_action: Option<String>,
    pub comment: Option<BbComment>,
    /// Set for diff comments (the root's anchor).
    pub comment_anchor: Option<BbAnchor>,
    pub user: Option<BbUser>,
    #[serde(default, deserialize_with = "de_date")]
    pub created_date: Option<Timestamp>,
}

impl BbActivity {
    /// The root comment of a comment activity (added, not edited or
    /// deleted, so each thread appears once), with its anchor.
    pub fn thread(self) -> Option<(BbComment, Option<BbAnchor>)> {
        if self.action.as_deref() != Some("COMMENTED") {
            return None;
        }
        if !matches!(self.comment_action.as_deref(), None | Some("ADDED")) {
            return None;
        }
        let comment = self.comment?;
        let anchor = self.comment_anchor.or_else(|| comment.anchor.clone());
        Some((comment, anchor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emoticons_round_trip() {
        for reaction in Reaction::ALL {
            assert_eq!(reaction_for(emoticon_for(reaction)), Some(reaction));
        }
        assert_eq!(reaction_for("laugh"), Some(Reaction::Laugh));
        assert_eq!(reaction_for("pizza"), None);
    }

    #[test]
    fn replies_are_flattened_with_their_parents() {
        let json = serde_json::json!({
            "id": 1, "text": "root", "comments": [
                {"id": 2, "text": "a", "comments": [{"id": 4, "text": "c"}]},
                {"id": 3, "text": "b"}
            ],
            "properties": {"reactions": [
                {"emoticon": {"shortcut": "thumbsup"}, "users": [{"name": "jdoe", "id": 7}]},
                {"emoticon": {"shortcut": "unknown"}, "users": [{"name": "x"}]}
            ]}
        });
        let comment: BbComment = serde_json::from_value(json).unwrap();
        let ids: Vec<(i64, Option<i64>)> =
            comment.flatten().iter().map(|(c, p)| (c.id, *p)).collect();
        assert_eq!(
            ids,
            vec![(1, None), (2, Some(1)), (4, Some(2)), (3, Some(1))]
        );
        let reactions = comment.reactions();
        assert_eq!(reactions.len(), 1);
        assert_eq!(reactions[0].reaction, Reaction::ThumbsUp);
        assert_eq!(reactions[0].id, "thumbsup");
        assert_eq!(reactions[0].author.as_ref().unwrap().username, "jdoe");
    }
}
