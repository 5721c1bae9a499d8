//! Reviews and review comments (REST), and review threads (GraphQL).

use scm_core::model::{
    Author, ReactionResult, Review, ReviewComment, ReviewEvent, ReviewSide, ReviewState,
    ReviewThread, Timestamp,
};
use serde::Deserialize;

use super::{author, id_string, lenient_sha, opt_id_string, GhUser, GqlActor, GqlReaction};

/// GitHub's review states → neutral.
pub fn review_state(state: &str) -> ReviewState {
    match state {
        "APPROVED" => ReviewState::Approved,
        "CHANGES_REQUESTED" => ReviewState::ChangesRequested,
        "COMMENTED" => ReviewState::Commented,
        "DISMISSED" => ReviewState::Dismissed,
        "PENDING" => ReviewState::Pending,
        _ => ReviewState::Unknown,
    }
}

/// Neutral review event → GitHub's `event`.
pub fn review_event(event: ReviewEvent) -> &'static str {
    match event {
        ReviewEvent::Approve => "APPROVE",
        ReviewEvent::ChangeRequest => "REQUEST_CHANGES",
        ReviewEvent::Comment => "COMMENT",
    }
}

/// Neutral diff side → GitHub's (`LEFT` is the old version).
pub fn github_side(side: ReviewSide) -> &'static str {
    match side {
        ReviewSide::Base => "LEFT",
        ReviewSide::Head => "RIGHT",
    }
}

/// GitHub's diff side → neutral; anything else is no side.
pub fn review_side(side: &str) -> Option<ReviewSide> {
    match side {
        "LEFT" => Some(ReviewSide::Base),
        "RIGHT" => Some(ReviewSide::Head),
        _ => None,
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhReview {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub node_id: Option<String>,
    pub state: Option<String>,
    pub body: Option<String>,
    pub user: Option<GhUser>,
    pub commit_id: Option<String>,
    pub html_url: Option<String>,
    pub submitted_at: Option<Timestamp>,
}

impl From<GhReview> for Review {
    fn from(review: GhReview) -> Self {
        Review {
            id: review.id,
            node_id: review.node_id,
            state: review
                .state
                .as_deref()
                .map_or(ReviewState::Unknown, review_state),
            body: review.body.filter(|b| !b.is_empty()),
            author: author(review.user),
            commit_sha: lenient_sha(review.commit_id),
            html_url: review.html_url,
            submitted_at: review.submitted_at,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhReviewComment {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub node_id: Option<String>,
    #[serde(default)]
    pub body: String,
    pub path: Option<String>,
    pub line: Option<u32>,
    pub start_line: Option<u32>,
    pub side: Option<String>,
    pub commit_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub in_reply_to_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub pull_request_review_id: Option<String>,
    pub user: Option<GhUser>,
    pub html_url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

impl From<GhReviewComment> for ReviewComment {
    fn from(comment: GhReviewComment) -> Self {
        ReviewComment {
            id: comment.id,
            node_id: comment.node_id,
            body: comment.body,
            path: comment.path,
            line: comment.line,
            start_line: comment.start_line,
            side: comment.side.as_deref().and_then(review_side),
            commit_sha: lenient_sha(comment.commit_id),
            in_reply_to_id: comment.in_reply_to_id,
            review_id: comment.pull_request_review_id,
            author: author(comment.user),
            html_url: comment.html_url,
            created_at: comment.created_at,
            updated_at: comment.updated_at,
            reactions: Vec::new(),
        }
    }
}

// ----- GraphQL shapes -----

/// A GraphQL actor as a neutral author.
pub fn gql_author(actor: GqlActor) -> Author {
    Author {
        id: actor.database_id.map(|id| id.to_string()),
        username: actor.login,
        avatar_url: actor.avatar_url,
        html_url: actor.url,
        ..Default::default()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GqlPageInfo {
    pub has_next_page: bool,
    pub end_cursor: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GqlNodes<T> {
    #[serde(default = "Vec::new")]
    pub nodes: Vec<Option<T>>,
}

impl<T> GqlNodes<T> {
    pub fn into_items(self) -> impl Iterator<Item = T> {
        self.nodes.into_iter().flatten()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GqlConnection<T> {
    pub page_info: GqlPageInfo,
    #[serde(default = "Vec::new")]
    pub nodes: Vec<Option<T>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GqlDatabaseId {
    #[serde(default, deserialize_with = "opt_id_string")]
    pub full_database_id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GqlOid {
    pub oid: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GqlReviewComment {
    pub id: String,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub full_database_id: Option<String>,
    #[serde(default)]
    pub body: String,
    pub path: Option<String>,
    pub line: Option<u32>,
    pub start_line: Option<u32>,
    pub commit: Option<GqlOid>,
    pub reply_to: Option<GqlDatabaseId>,
    pub pull_request_review: Option<GqlDatabaseId>,
    pub author: Option<GqlActor>,
    pub url: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub reactions: Option<GqlNodes<GqlReaction>>,
}

impl GqlReviewComment {
    fn into_comment(self, side: Option<ReviewSide>) -> ReviewComment {
        ReviewComment {
            // Neutral ids are the REST (database) ids other actions take.
            id: self.full_database_id.unwrap_or_else(|| self.id.clone()),
            node_id: Some(self.id),
            body: self.body,
            path: self.path,
            line: self.line,
            start_line: self.start_line,
            side,
            commit_sha: lenient_sha(self.commit.map(|c| c.oid)),
            in_reply_to_id: self.reply_to.and_then(|r| r.full_database_id),
            review_id: self.pull_request_review.and_then(|r| r.full_database_id),
            author: self.author.map(gql_author),
            html_url: self.url,
            created_at: self.created_at,
            updated_at: self.updated_at,
            reactions: self
                .reactions
                .map(|r| {
                    r.into_items()
                        .filter_map(|r| ReactionResult::try_from(r).ok())
                        .collect()
                })
                .unwrap_or_default(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GqlReviewThread {
    pub id: String,
    #[serde(default)]
    pub is_resolved: bool,
    #[serde(default)]
    pub is_outdated: bool,
    pub path: Option<String>,
    pub line: Option<u32>,
    pub diff_side: Option<String>,
    pub comments: GqlNodes<GqlReviewComment>,
}

impl From<GqlReviewThread> for ReviewThread {
    fn from(thread: GqlReviewThread) -> Self {
        let side = thread.diff_side.as_deref().and_then(review_side);
        ReviewThread {
            id: thread.id,
            is_resolved: thread.is_resolved,
            is_outdated: thread.is_outdated,
            path: thread.path,
            line: thread.line,
            comments: thread
                .comments
                .into_items()
                .map(|c| c.into_comment(side))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sides_and_events() {
        for side in [ReviewSide::Base, ReviewSide::Head] {
            assert_eq!(review_side(github_side(side)), Some(side));
        }
        assert_eq!(github_side(ReviewSide::Base), "LEFT");
        assert_eq!(review_side("side"), None);
        assert_eq!(review_event(ReviewEvent::Approve), "APPROVE");
        assert_eq!(review_event(ReviewEvent::ChangeRequest), "REQUEST_CHANGES");
        assert_eq!(review_event(ReviewEvent::Comment), "COMMENT");
    }

    #[test]
    fn review_states() {
        for (github, neutral) in [
            ("APPROVED", ReviewState::Approved),
            ("CHANGES_REQUESTED", ReviewState::ChangesRequested),
            ("COMMENTED", ReviewState::Commented),
            ("DISMISSED", ReviewState::Dismissed),
            ("PENDING", ReviewState::Pending),
            ("approved", ReviewState::Unknown),
        ] {
            assert_eq!(review_state(github), neutral, "{github}");
        }
    }

    #[test]
    fn threads_map_ids_sides_and_reactions() {
        let thread: GqlReviewThread = serde_json::from_value(json!({
            "id": "PRRT_1", "isResolved": true, "isOutdated": false, "path": "a.rs",
            "line": 3, "diffSide": "LEFT",
            "comments": {"nodes": [{
                "id": "PRRC_1", "fullDatabaseId": "99", "body": "hm", "path": "a.rs",
                "line": 3, "startLine": null, "commit": {"oid": "abcd1234"},
                "replyTo": null, "pullRequestReview": {"fullDatabaseId": "7"},
                "author": {"login": "octocat", "avatarUrl": null, "url": null},
                "url": null, "createdAt": "2024-01-01T00:00:00Z", "updatedAt": null,
                "reactions": {"nodes": [
                    {"id": "R_1", "databaseId": 5, "content": "HOORAY", "user": null, "createdAt": null},
                    {"id": "R_2", "databaseId": 6, "content": "NEW_EMOJI", "user": null, "createdAt": null}
                ]}
            }, null]}
        }))
        .unwrap();
        let thread = ReviewThread::from(thread);
        assert!(thread.is_resolved);
        let comment = &thread.comments[0];
        assert_eq!(thread.comments.len(), 1);
        assert_eq!(comment.id, "99");
        assert_eq!(comment.node_id.as_deref(), Some("PRRC_1"));
        assert_eq!(comment.side, Some(ReviewSide::Base));
        assert_eq!(comment.review_id.as_deref(), Some("7"));
        assert_eq!(comment.reactions.len(), 1);
        assert_eq!(
            comment.reactions[0].reaction,
            scm_core::model::Reaction::Hooray
        );
        assert_eq!(comment.reactions[0].id, "5");
    }
}
