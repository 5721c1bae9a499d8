//! Every GraphQL document the provider sends, in one place.
//!
//! GitHub's REST API cannot minimize comments, list review threads or
//! resolve them; these operations can. Each document is named (the
//! conformance harness answers by operation name) and is checked against
//! GitHub's published GraphQL schema by `tests/graphql_schema.rs`, which
//! reads them through [`graphql_documents`]. A new document must be added
//! to [`DOCUMENTS`] too.

/// Review threads of a pull request, one page, with their comments (and
/// the comments' reactions when `$withReactions`).
pub const REVIEW_THREADS: &str = r#"query PullRequestReviewThreads($owner: String!, $name: String!, $number: Int!, $first: Int!, $after: String, $withReactions: Boolean!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          isResolved
          isOutdated
          path
          line
          diffSide
          comments(first: 100) {
            nodes {
              id
              fullDatabaseId
              body
              path
              line
              startLine
              commit { oid }
              replyTo { fullDatabaseId }
              pullRequestReview { fullDatabaseId }
              author { login avatarUrl url ... on User { databaseId } }
              url
              createdAt
              updatedAt
              reactions(first: 100) @include(if: $withReactions) {
                nodes {
                  id
                  databaseId
                  content
                  createdAt
                  user { login databaseId avatarUrl url }
                }
              }
            }
          }
        }
      }
    }
  }
}"#;

/// Review threads with only the ids of their comments: enough to find
/// which thread holds a comment.
pub const REVIEW_THREAD_COMMENT_IDS: &str = r#"query ReviewThreadCommentIds($owner: String!, $name: String!, $number: Int!, $first: Int!, $after: String) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes {
          id
          comments(first: 100) {
            nodes { fullDatabaseId }
          }
        }
      }
    }
  }
}"#;

/// Hide a comment (issue, pull request or review comment) with a reason.
pub const MINIMIZE_COMMENT: &str = r#"mutation MinimizeComment($subjectId: ID!, $classifier: ReportedContentClassifiers!) {
  minimizeComment(input: {subjectId: $subjectId, classifier: $classifier}) {
    minimizedComment { isMinimized minimizedReason }
  }
}"#;

/// Resolve a review thread and hide one of its comments, in one request.
pub const RESOLVE_AND_MINIMIZE: &str = r#"mutation ResolveThreadAndMinimizeComment($threadId: ID!, $subjectId: ID!, $classifier: ReportedContentClassifiers!) {
  resolveReviewThread(input: {threadId: $threadId}) {
    thread { id isResolved }
  }
  minimizeComment(input: {subjectId: $subjectId, classifier: $classifier}) {
    minimizedComment { isMinimized minimizedReason }
  }
}"#;

/// Take a pull request out of draft (REST cannot).
pub const MARK_READY_FOR_REVIEW: &str = r#"mutation MarkPullRequestReadyForReview($pullRequestId: ID!) {
  markPullRequestReadyForReview(input: {pullRequestId: $pullRequestId}) {
    pullRequest { id isDraft }
  }
}"#;

/// React to a review (REST has no endpoint for review reactions).
pub const ADD_REVIEW_REACTION: &str = r#"mutation AddReviewReaction($subjectId: ID!, $content: ReactionContent!) {
  addReaction(input: {subjectId: $subjectId, content: $content}) {
    reaction { id databaseId content createdAt user { login databaseId avatarUrl url } }
  }
}"#;

/// Remove the acting account's reaction from a review.
pub const REMOVE_REVIEW_REACTION: &str = r#"mutation RemoveReviewReaction($subjectId: ID!, $content: ReactionContent!) {
  removeReaction(input: {subjectId: $subjectId, content: $content}) {
    reaction { id content }
  }
}"#;

/// Every document above, by operation name.
pub const DOCUMENTS: &[(&str, &str)] = &[
    ("PullRequestReviewThreads", REVIEW_THREADS),
    ("ReviewThreadCommentIds", REVIEW_THREAD_COMMENT_IDS),
    ("MinimizeComment", MINIMIZE_COMMENT),
    ("ResolveThreadAndMinimizeComment", RESOLVE_AND_MINIMIZE),
    ("MarkPullRequestReadyForReview", MARK_READY_FOR_REVIEW),
    ("AddReviewReaction", ADD_REVIEW_REACTION),
    ("RemoveReviewReaction", REMOVE_REVIEW_REACTION),
];

/// Every GraphQL document the provider may send, with its operation name.
pub fn graphql_documents() -> &'static [(&'static str, &'static str)] {
    DOCUMENTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_is_named_as_listed() {
        for (name, document) in DOCUMENTS {
            let head = document.split(['(', ' ', '{']).nth(1).unwrap_or_default();
            assert_eq!(head, *name, "document listed as {name}");
        }
    }
}
