//! Conversation comments: notes on issues and merge requests. System notes
//! ("changed the description") and diff notes are not conversation
//! comments and are left out of the lists.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Page, Response};
use serde_json::json;

use crate::client::Req;
use crate::pagination::Mode;
use crate::schema::GlNote;
use crate::{number, GitLab};

impl GitLab {
    fn issue_path(&self, ctx: &CallContext, iid: &str) -> Result<String, Error> {
        Ok(format!(
            "{}/issues/{}",
            self.project(ctx)?,
            number(iid, "issue_id")?
        ))
    }

    pub(crate) fn mr_path(&self, ctx: &CallContext, iid: &str) -> Result<String, Error> {
        Ok(format!(
            "{}/merge_requests/{}",
            self.project(ctx)?,
            number(iid, "pull_request_id")?
        ))
    }

    async fn list_notes(
        &self,
        parent: String,
        html: Option<String>,
        page: &scm_core::PageRequest,
        ctx: &CallContext,
    ) -> Result<Response<Page<Comment>>, Error> {
        let req = Req::get(format!("{parent}/notes"))
            .q("sort", "asc")
            .q("order_by", "created_at");
        self.list(req, page, Mode::Offset, ctx, |n: GlNote| {
            n.comment(html.as_deref())
        })
        .await
    }
}

#[async_trait]
impl Handle<GetIssueComments> for GitLab {
    async fn handle(
        &self,
        a: GetIssueComments,
        ctx: &CallContext,
    ) -> Result<Response<Page<Comment>>, Error> {
        let html = self.issue_web(ctx, &a.issue_id);
        self.list_notes(self.issue_path(ctx, &a.issue_id)?, html, &a.page, ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreateIssueComment> for GitLab {
    async fn handle(
        &self,
        a: CreateIssueComment,
        ctx: &CallContext,
    ) -> Result<Response<Comment>, Error> {
        let html = self.issue_web(ctx, &a.issue_id);
        let req = Req::post(
            format!("{}/notes", self.issue_path(ctx, &a.issue_id)?),
            json!({ "body": a.body }),
        );
        self.write(req, ctx, |n: GlNote| n.comment_any(html.as_deref()))
            .await
    }
}

#[async_trait]
impl Handle<DeleteIssueComment> for GitLab {
    async fn handle(
        &self,
        a: DeleteIssueComment,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        let req = Req::delete(format!(
            "{}/notes/{}",
            self.issue_path(ctx, &a.issue_id)?,
            number(&a.comment_id, "comment_id")?
        ));
        self.write_empty(req, ctx).await
    }
}

#[async_trait]
impl Handle<GetPullRequestComments> for GitLab {
    async fn handle(
        &self,
        a: GetPullRequestComments,
        ctx: &CallContext,
    ) -> Result<Response<Page<Comment>>, Error> {
        let html = self.mr_web(ctx, &a.pull_request_id);
        self.list_notes(self.mr_path(ctx, &a.pull_request_id)?, html, &a.page, ctx)
            .await
    }
}

/// GitLab notes cannot carry extensions; asking for any is refused.
#[async_trait]
impl Handle<CreatePullRequestComment> for GitLab {
    async fn handle(
        &self,
        a: CreatePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<Comment>, Error> {
        if a.extensions.as_ref().is_some_and(|e| !e.is_empty()) {
            return Err(Error::invalid_input(
                "GitLab comments cannot carry extensions",
            ));
        }
        let html = self.mr_web(ctx, &a.pull_request_id);
        let req = Req::post(
            format!("{}/notes", self.mr_path(ctx, &a.pull_request_id)?),
            json!({ "body": a.body }),
        );
        self.write(req, ctx, |n: GlNote| n.comment_any(html.as_deref()))
            .await
    }
}

#[async_trait]
impl Handle<DeletePullRequestComment> for GitLab {
    async fn handle(
        &self,
        a: DeletePullRequestComment,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        let req = Req::delete(format!(
            "{}/notes/{}",
            self.mr_path(ctx, &a.pull_request_id)?,
            number(&a.comment_id, "comment_id")?
        ));
        self.write_empty(req, ctx).await
    }
}
