//! Thread lookup and resolution. GitLab collapses resolved threads; it
//! cannot hide a single comment, so `minimize_comment` is unsupported and
//! the collapse actions resolve the thread (the reason has no place).

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::http_util::encode_segment;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Response, ResponseMeta};
use serde_json::{json, Value};

use crate::client::Req;
use crate::schema::GlNote;
use crate::GitLab;

impl GitLab {
    async fn resolve_thread(
        &self,
        iid: &str,
        thread_id: &str,
        ctx: &CallContext,
    ) -> Result<scm_core::RawResponse, Error> {
        let req = self.resolve_request(iid, thread_id, ctx)?;
        Ok(self.call::<Value>(req, ctx).await?.raw)
    }

    /// The request resolving a thread; building it validates the ids.
    fn resolve_request(&self, iid: &str, thread_id: &str, ctx: &CallContext) -> Result<Req, Error> {
        Ok(Req::put(
            format!(
                "{}/discussions/{}",
                self.mr_path(ctx, iid)?,
                encode_segment(thread_id)?
            ),
            json!({ "resolved": true }),
        ))
    }
}

/// The discussion id holding a note (`None` when no discussion does).
#[async_trait]
impl Handle<GetThreadIdFromReviewCommentUniqueId> for GitLab {
    async fn handle(
        &self,
        a: GetThreadIdFromReviewCommentUniqueId,
        ctx: &CallContext,
    ) -> Result<Response<Option<String>>, Error> {
        match self
            .discussion_id_of(&a.pull_request_id, &a.review_comment_unique_id, ctx)
            .await?
        {
            Some((id, raw)) => Ok(self.ok(Some(id), Some(raw), ResponseMeta::default())),
            None => Ok(self.ok(None, None, ResponseMeta::default())),
        }
    }
}

#[async_trait]
impl Handle<CollapsePullRequestComment> for GitLab {
    async fn handle(
        &self,
        a: CollapsePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        let raw = self
            .resolve_thread(&a.pull_request_id, &a.thread_id, ctx)
            .await?;
        Ok(self.ok((), Some(raw), ResponseMeta::default()))
    }
}

#[async_trait]
impl Handle<UpdateAndCollapsePullRequestComment> for GitLab {
    async fn handle(
        &self,
        a: UpdateAndCollapsePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<ReviewComment>, Error> {
        let req = Req::put(
            format!(
                "{}/notes/{}",
                self.mr_path(ctx, &a.pull_request_id)?,
                crate::number(&a.comment_id, "comment_id")?
            ),
            json!({ "body": a.body }),
        );
        // Both requests are built (their ids validated) before the first
        // is sent: an invalid thread id must not leave an edited note.
        let resolve = self.resolve_request(&a.pull_request_id, &a.thread_id, ctx)?;
        let html = self.mr_web(ctx, &a.pull_request_id);
        let note = self.call::<GlNote>(req, ctx).await?;
        let comment = note.value.review_comment(None, html.as_deref())?;
        self.call::<Value>(resolve, ctx).await?;
        Ok(self.ok(comment, Some(note.raw), note.meta))
    }
}
