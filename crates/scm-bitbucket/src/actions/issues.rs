//! Issues and issue comments, against the deprecated issue tracker.
//!
//! The official description still documents these endpoints but flags
//! them deprecated, and Atlassian sunset Bitbucket Issues in 2026; many
//! workspaces have no tracker (never in admin.atlassian.com-managed ones).
//! A 404 or 410 therefore says so in its message
//! ([`issue_tracker_error`]). The tracker has one assignee and no labels:
//! more than one assignee or any label is refused, not dropped.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Page, Response};
use serde_json::json;

use super::comments::content;
use super::repository::{user_id, user_ref};
use crate::client::Req;
use crate::errors::issue_tracker_error;
use crate::pagination::MAX_PAGELEN;
use crate::schema::comments::CommentJson;
use crate::schema::issues::IssueJson;
use crate::Bitbucket;

impl Bitbucket {
    fn issue_path(&self, ctx: &CallContext, id: &str) -> Result<String, Error> {
        Ok(format!(
            "{}/issues/{}",
            self.repo(ctx)?,
            crate::number(id, "issue_id")?
        ))
    }
}

/// The single assignee the tracker allows, as `{account_id}` or `{uuid}`.
fn assignee(assignees: Option<&Vec<String>>) -> Result<Option<serde_json::Value>, Error> {
    let Some(list) = assignees else {
        return Ok(None);
    };
    match list.as_slice() {
        [] => Ok(Some(serde_json::Value::Null)),
        [one] => Ok(Some(user_ref(&user_id(one)?))),
        _ => Err(Error::invalid_input(
            "Bitbucket issues have a single assignee",
        )),
    }
}

fn refuse_labels(labels: Option<&Vec<String>>) -> Result<(), Error> {
    if labels.is_some_and(|l| !l.is_empty()) {
        return Err(Error::invalid_input("Bitbucket issues cannot carry labels"));
    }
    Ok(())
}

#[async_trait]
impl Handle<GetIssue> for Bitbucket {
    async fn handle(&self, a: GetIssue, ctx: &CallContext) -> Result<Response<Issue>, Error> {
        let req = Req::get(self.issue_path(ctx, &a.issue_id)?);
        self.read(req, ctx, IssueJson::neutral)
            .await
            .map_err(issue_tracker_error)
    }
}

#[async_trait]
impl Handle<CreateIssue> for Bitbucket {
    async fn handle(&self, a: CreateIssue, ctx: &CallContext) -> Result<Response<Issue>, Error> {
        refuse_labels(a.labels.as_ref())?;
        let mut body = json!({
            "type": "issue",
            "title": a.title,
            "content": { "raw": a.body },
        });
        if let Some(who) = assignee(a.assignees.as_ref())?.filter(|v| !v.is_null()) {
            body["assignee"] = who;
        }
        let req = Req::post(format!("{}/issues", self.repo(ctx)?), body);
        self.write(req, ctx, IssueJson::neutral)
            .await
            .map_err(issue_tracker_error)
    }
}

/// `closed` sends the tracker's `closed`, `open` sends `open`; a null
/// assignee list entry clears the assignee.
#[async_trait]
impl Handle<UpdateIssue> for Bitbucket {
    async fn handle(&self, a: UpdateIssue, ctx: &CallContext) -> Result<Response<Issue>, Error> {
        refuse_labels(a.labels.as_ref())?;
        let mut body = json!({ "type": "issue" });
        if let Some(state) = a.state {
            body["state"] = json!(match state {
                IssueState::Open => "open",
                IssueState::Closed => "closed",
            });
        }
        if let Some(who) = assignee(a.assignees.as_ref())? {
            body["assignee"] = who;
        }
        let req = Req::put(self.issue_path(ctx, &a.issue_id)?, body);
        self.write(req, ctx, IssueJson::neutral)
            .await
            .map_err(issue_tracker_error)
    }
}

#[async_trait]
impl Handle<GetIssueComments> for Bitbucket {
    async fn handle(
        &self,
        a: GetIssueComments,
        ctx: &CallContext,
    ) -> Result<Response<Page<Comment>>, Error> {
        let req = Req::get(format!("{}/comments", self.issue_path(ctx, &a.issue_id)?));
        self.list(req, &a.page, MAX_PAGELEN, ctx, |c: CommentJson| {
            c.comment().map(Some)
        })
        .await
        .map_err(issue_tracker_error)
    }
}

#[async_trait]
impl Handle<CreateIssueComment> for Bitbucket {
    async fn handle(
        &self,
        a: CreateIssueComment,
        ctx: &CallContext,
    ) -> Result<Response<Comment>, Error> {
        let mut body = content(&a.body);
        body["type"] = json!("issue_comment");
        let req = Req::post(
            format!("{}/comments", self.issue_path(ctx, &a.issue_id)?),
            body,
        );
        self.write_located(req, ctx, |c: CommentJson| c.comment())
            .await
            .map_err(issue_tracker_error)
    }
}

#[async_trait]
impl Handle<DeleteIssueComment> for Bitbucket {
    async fn handle(
        &self,
        a: DeleteIssueComment,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        let req = Req::delete(format!(
            "{}/comments/{}",
            self.issue_path(ctx, &a.issue_id)?,
            crate::number(&a.comment_id, "comment_id")?
        ));
        self.write_empty(req, ctx)
            .await
            .map_err(issue_tracker_error)
    }
}
