//! Threads: finding a comment's thread and resolving it. Data Center
//! cannot hide a comment, so "collapse" resolves the thread only.

use async_trait::async_trait;
use scm_core::actions::{
    CollapsePullRequestComment, GetThreadIdFromReviewCommentUniqueId,
    UpdateAndCollapsePullRequestComment,
};
use scm_core::model::ReviewComment;
use scm_core::{CallContext, Handle, Response, Result};
use serde_json::json;

use super::comment_path;
use crate::client::{number, ok, Call};
use crate::BitbucketServer;

/// The thread id is the root comment's id. A reply read on its own reports
/// no parent (BSERV-20114), so the root is found in the activity stream.
#[async_trait]
impl Handle<GetThreadIdFromReviewCommentUniqueId> for BitbucketServer {
    async fn handle(
        &self,
        a: GetThreadIdFromReviewCommentUniqueId,
        ctx: &CallContext,
    ) -> Result<Response<Option<String>>> {
        let wanted = number(&a.review_comment_unique_id, "review_comment_unique_id")? as i64;
        let threads = self.threads(&a.pull_request_id, ctx).await?;
        let root = threads
            .iter()
            .find(|(root, _)| root.flatten().iter().any(|(c, _)| c.id == wanted))
            .map(|(root, _)| root.id.to_string());
        Ok(ok(root, None))
    }
}

impl BitbucketServer {
    /// Marks a thread resolved (`threadResolved` on its root comment, with
    /// the root's current version).
    async fn resolve_thread(
        &self,
        pull: &str,
        thread: &str,
        ctx: &CallContext,
    ) -> Result<Response<()>> {
        let root = self.current_comment(pull, thread, ctx).await?;
        let call = Call::put(
            comment_path(ctx, pull, thread)?,
            json!({ "text": root.text, "version": root.version, "threadResolved": true }),
        );
        let (_, raw, _) = self.client().value::<serde_json::Value>(call, ctx).await?;
        Ok(ok((), Some(raw)))
    }
}

/// Resolves the thread (`thread_id`: its root comment id); the reason has
/// no place on Data Center and the comment stays visible.
#[async_trait]
impl Handle<CollapsePullRequestComment> for BitbucketServer {
    async fn handle(
        &self,
        a: CollapsePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<()>> {
        self.resolve_thread(&a.pull_request_id, &a.thread_id, ctx)
            .await
    }
}

/// Edits the comment, then resolves its thread.
#[async_trait]
impl Handle<UpdateAndCollapsePullRequestComment> for BitbucketServer {
    async fn handle(
        &self,
        a: UpdateAndCollapsePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>> {
        let edited = self
            .edit_comment(&a.pull_request_id, &a.comment_id, &a.body, ctx)
            .await?;
        self.resolve_thread(&a.pull_request_id, &a.thread_id, ctx)
            .await?;
        Ok(edited)
    }
}
