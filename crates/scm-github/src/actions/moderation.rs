//! Moderation through GraphQL: hiding comments and resolving threads,
//! which GitHub's REST API cannot do.

use async_trait::async_trait;
use scm_core::actions::{
    CollapsePullRequestComment, GetThreadIdFromReviewCommentUniqueId, MinimizeComment,
    UpdateAndCollapsePullRequestComment,
};
use scm_core::model::{MinimizeReason, ReviewComment};
use scm_core::{CallContext, Error, Handle, Response, Result};
use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{json, Value};

use super::reviews::pull_variables;
use crate::graphql::{MINIMIZE_COMMENT, RESOLVE_AND_MINIMIZE, REVIEW_THREAD_COMMENT_IDS};
use crate::GitHub;

/// Most thread pages read while looking for a comment (100 threads each).
const MAX_THREAD_PAGES: usize = 100;

impl GitHub {
    async fn resolve_and_minimize(
        &self,
        thread_id: &str,
        comment_node_id: &str,
        reason: MinimizeReason,
        ctx: &CallContext,
    ) -> Result<Response<()>> {
        check_node_ids(thread_id, comment_node_id)?;
        let vars = json!({
            "threadId": thread_id,
            "subjectId": comment_node_id,
            "classifier": reason.as_str(),
        });
        Ok(self
            .client()
            .graphql::<IgnoredAny>(RESOLVE_AND_MINIMIZE, vars, ctx)
            .await?
            .map(|_| ()))
    }
}

/// Both node ids a resolve-and-hide names must be given.
fn check_node_ids(thread_id: &str, comment_node_id: &str) -> Result<()> {
    if thread_id.is_empty() || comment_node_id.is_empty() {
        return Err(Error::invalid_input(
            "thread and comment node ids are required",
        ));
    }
    Ok(())
}

/// Whether a GraphQL `fullDatabaseId` names the same comment as `wanted`.
pub(crate) fn same_database_id(found: &str, wanted: &str) -> bool {
    match (found.trim().parse::<u64>(), wanted.trim().parse::<u64>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => found == wanted,
    }
}

#[async_trait]
impl Handle<MinimizeComment> for GitHub {
    async fn handle(&self, action: MinimizeComment, ctx: &CallContext) -> Result<Response<()>> {
        if action.comment_node_id.is_empty() {
            return Err(Error::invalid_input("comment_node_id is required"));
        }
        let vars = json!({
            "subjectId": action.comment_node_id,
            "classifier": action.reason.as_str(),
        });
        Ok(self
            .client()
            .graphql::<IgnoredAny>(MINIMIZE_COMMENT, vars, ctx)
            .await?
            .map(|_| ()))
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ThreadIds {
    pub id: String,
    pub comments: crate::schema::GqlNodes<CommentId>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CommentId {
    #[serde(default, deserialize_with = "crate::schema::opt_id_string")]
    pub full_database_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ThreadIdsData {
    repository: Option<ThreadIdsRepository>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ThreadIdsRepository {
    pull_request: Option<super::reviews::ThreadsPull<ThreadIds>>,
}

#[async_trait]
impl Handle<GetThreadIdFromReviewCommentUniqueId> for GitHub {
    async fn handle(
        &self,
        action: GetThreadIdFromReviewCommentUniqueId,
        ctx: &CallContext,
    ) -> Result<Response<Option<String>>> {
        let wanted = action.review_comment_unique_id;
        let mut after: Option<String> = None;
        for _ in 0..MAX_THREAD_PAGES {
            let mut vars = pull_variables(ctx, &action.pull_request_id)?;
            vars.insert("first".into(), json!(100));
            vars.insert("after".into(), json!(after));
            let response = self
                .client()
                .graphql::<ThreadIdsData>(REVIEW_THREAD_COMMENT_IDS, Value::Object(vars), ctx)
                .await?;
            let Response::Ok(result) = response else {
                return Err(Error::malformed("GraphQL answered not modified"));
            };
            let threads = result
                .data
                .repository
                .and_then(|r| r.pull_request)
                .ok_or_else(|| Error::NotFound {
                    detail: format!("pull request {} not found", action.pull_request_id),
                })?
                .review_threads;
            let found = threads.nodes.into_iter().flatten().find(|thread| {
                thread.comments.nodes.iter().flatten().any(|c| {
                    c.full_database_id
                        .as_deref()
                        .is_some_and(|id| same_database_id(id, &wanted))
                })
            });
            let page_info = threads.page_info;
            let last_page = found.is_some() || !page_info.has_next_page;
            if last_page {
                let id = found.map(|thread| thread.id);
                return Ok(Response::ok(id, result.provider, result.raw, result.meta));
            }
            match page_info.end_cursor {
                Some(cursor) => after = Some(cursor),
                None => return Ok(Response::ok(None, result.provider, result.raw, result.meta)),
            }
        }
        Err(Error::Unhandled {
            status: None,
            detail: format!(
                "gave up looking for review comment {wanted} after {MAX_THREAD_PAGES} pages of threads"
            ),
        })
    }
}

#[async_trait]
impl Handle<CollapsePullRequestComment> for GitHub {
    async fn handle(
        &self,
        action: CollapsePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<()>> {
        self.resolve_and_minimize(
            &action.thread_id,
            &action.comment_node_id,
            action.reason,
            ctx,
        )
        .await
    }
}

#[async_trait]
impl Handle<UpdateAndCollapsePullRequestComment> for GitHub {
    async fn handle(
        &self,
        action: UpdateAndCollapsePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>> {
        // Every id is checked before the first request: an invalid thread
        // id must not leave an edited comment behind.
        check_node_ids(&action.thread_id, &action.comment_node_id)?;
        // The edit comes first: if hiding then fails, the comment already
        // says what it should, and the error tells the caller to retry.
        let edited = self
            .edit_review_comment(&action.comment_id, action.body, ctx)
            .await?;
        self.resolve_and_minimize(
            &action.thread_id,
            &action.comment_node_id,
            action.reason,
            ctx,
        )
        .await?;
        Ok(edited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_ids_compare_as_numbers() {
        assert!(same_database_id("0042", "42"));
        assert!(same_database_id("42", " 42"));
        assert!(!same_database_id("42", "43"));
        assert!(same_database_id("abc", "abc"));
    }
}
