//! Threads: finding a comment's thread and resolving it. Bitbucket cannot
//! hide comments, so "collapse" resolves the thread only (the same
//! concession as GitLab's).

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Response};

use super::comments::content;
use crate::client::Req;
use crate::schema::comments::CommentJson;
use crate::Bitbucket;

/// How many parents are followed to find a thread's root.
const MAX_DEPTH: usize = 50;

impl Bitbucket {
    /// Resolves the thread whose root comment is `thread_id`; resolving a
    /// resolved thread (Bitbucket's 409) is not an error.
    async fn resolve_thread(
        &self,
        ctx: &CallContext,
        pr: &str,
        thread_id: &str,
    ) -> Result<(), Error> {
        let req = Req::new(
            http::Method::POST,
            format!("{}/resolve", self.comment_path(ctx, pr, thread_id)?),
        );
        match self.call_empty(req, ctx).await {
            Ok(_) | Err(Error::Conflict { .. }) => Ok(()),
            Err(err) => Err(err),
        }
    }
}

/// The thread id is the id of the thread's root comment: parents are
/// followed up from the comment. `None` when the comment is not inline
/// (conversation comments have no review thread).
#[async_trait]
impl Handle<GetThreadIdFromReviewCommentUniqueId> for Bitbucket {
    async fn handle(
        &self,
        a: GetThreadIdFromReviewCommentUniqueId,
        ctx: &CallContext,
    ) -> Result<Response<Option<String>>, Error> {
        let pr = a.pull_request_id.clone();
        let mut id = crate::number(&a.review_comment_unique_id, "review_comment_unique_id")?;
        let mut first_raw = None;
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..MAX_DEPTH {
            if !seen.insert(id.clone()) {
                return Err(Error::malformed("Bitbucket's comment parents form a cycle"));
            }
            let json = self
                .call::<CommentJson>(Req::get(self.comment_path(ctx, &pr, &id)?), ctx)
                .await?;
            first_raw.get_or_insert(json.raw);
            match json.value.parent_id() {
                Some(parent) => id = parent,
                None => {
                    let thread = json.value.is_inline().then_some(id);
                    return Ok(self.ok(thread, first_raw, Default::default()));
                }
            }
        }
        Err(Error::malformed(
            "Bitbucket's comment replies nest too deeply",
        ))
    }
}

#[async_trait]
impl Handle<CollapsePullRequestComment> for Bitbucket {
    async fn handle(
        &self,
        a: CollapsePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        self.resolve_thread(ctx, &a.pull_request_id, &a.thread_id)
            .await?;
        Ok(self.ok((), None, Default::default()))
    }
}

/// Edits the comment, then resolves its thread.
#[async_trait]
impl Handle<UpdateAndCollapsePullRequestComment> for Bitbucket {
    async fn handle(
        &self,
        a: UpdateAndCollapsePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>, Error> {
        let req = Req::put(
            self.comment_path(ctx, &a.pull_request_id, &a.comment_id)?,
            content(&a.body),
        );
        let updated = self
            .write(req, ctx, |c: CommentJson| c.review_comment())
            .await?;
        self.resolve_thread(ctx, &a.pull_request_id, &a.thread_id)
            .await?;
        Ok(updated)
    }
}
