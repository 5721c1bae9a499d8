//! Issues.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Response};
use serde_json::{json, Map, Value};

use crate::client::Req;
use crate::schema::GlIssue;
use crate::{number, GitLab};

#[async_trait]
impl Handle<GetIssue> for GitLab {
    async fn handle(&self, a: GetIssue, ctx: &CallContext) -> Result<Response<Issue>, Error> {
        let req = Req::get(format!(
            "{}/issues/{}",
            self.project(ctx)?,
            number(&a.issue_id, "issue_id")?
        ));
        self.read(req, ctx, GlIssue::issue).await
    }
}

#[async_trait]
impl Handle<CreateIssue> for GitLab {
    async fn handle(&self, a: CreateIssue, ctx: &CallContext) -> Result<Response<Issue>, Error> {
        let mut body = Map::new();
        body.insert("title".into(), json!(a.title));
        body.insert("description".into(), json!(a.body));
        if let Some(assignees) = &a.assignees {
            body.insert(
                "assignee_ids".into(),
                json!(self.user_ids(assignees, ctx).await?),
            );
        }
        if let Some(labels) = &a.labels {
            body.insert("labels".into(), json!(labels.join(",")));
        }
        let req = Req::post(
            format!("{}/issues", self.project(ctx)?),
            Value::Object(body),
        );
        self.write(req, ctx, GlIssue::issue).await
    }
}

/// `assignees` and `labels` replace the current ones; an empty list
/// clears them.
#[async_trait]
impl Handle<UpdateIssue> for GitLab {
    async fn handle(&self, a: UpdateIssue, ctx: &CallContext) -> Result<Response<Issue>, Error> {
        let path = format!(
            "{}/issues/{}",
            self.project(ctx)?,
            number(&a.issue_id, "issue_id")?
        );
        let mut body = Map::new();
        if let Some(state) = a.state {
            let event = match state {
                IssueState::Open => "reopen",
                IssueState::Closed => "close",
            };
            body.insert("state_event".into(), json!(event));
        }
        if let Some(assignees) = &a.assignees {
            body.insert(
                "assignee_ids".into(),
                json!(self.user_ids(assignees, ctx).await?),
            );
        }
        if let Some(labels) = &a.labels {
            body.insert("labels".into(), json!(labels.join(",")));
        }
        if body.is_empty() {
            return self.write(Req::get(path), ctx, GlIssue::issue).await;
        }
        self.write(Req::put(path, Value::Object(body)), ctx, GlIssue::issue)
            .await
    }
}
