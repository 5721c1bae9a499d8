//! Issues.

use async_trait::async_trait;
use http::Method;
use scm_core::actions::{CreateIssue, GetIssue, UpdateIssue};
use scm_core::model::{Issue, IssueState};
use scm_core::{CallContext, Handle, Response, Result};
use serde_json::{json, Map, Value};

use super::id_segment;
use crate::client::{Call, Client};
use crate::schema::GhIssue;
use crate::GitHub;

#[async_trait]
impl Handle<GetIssue> for GitHub {
    async fn handle(&self, action: GetIssue, ctx: &CallContext) -> Result<Response<Issue>> {
        let path = format!(
            "{}/issues/{}",
            Client::repo_path(ctx)?,
            id_segment(&action.issue_id)?
        );
        self.client()
            .json_into::<GhIssue, Issue>(Call::get(path), ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreateIssue> for GitHub {
    async fn handle(&self, action: CreateIssue, ctx: &CallContext) -> Result<Response<Issue>> {
        let mut body = json!({ "title": action.title, "body": action.body });
        if let Some(assignees) = action.assignees {
            body["assignees"] = json!(assignees);
        }
        if let Some(labels) = action.labels {
            body["labels"] = json!(labels);
        }
        let call =
            Call::new(Method::POST, format!("{}/issues", Client::repo_path(ctx)?)).json(body);
        self.client().json_into::<GhIssue, Issue>(call, ctx).await
    }
}

#[async_trait]
impl Handle<UpdateIssue> for GitHub {
    async fn handle(&self, action: UpdateIssue, ctx: &CallContext) -> Result<Response<Issue>> {
        let mut body = Map::new();
        if let Some(state) = action.state {
            let state = match state {
                IssueState::Open => "open",
                IssueState::Closed => "closed",
            };
            body.insert("state".into(), json!(state));
        }
        if let Some(assignees) = action.assignees {
            body.insert("assignees".into(), json!(assignees));
        }
        if let Some(labels) = action.labels {
            body.insert("labels".into(), json!(labels));
        }
        let path = format!(
            "{}/issues/{}",
            Client::repo_path(ctx)?,
            id_segment(&action.issue_id)?
        );
        let call = Call::new(Method::PATCH, path).json(Value::Object(body));
        self.client().json_into::<GhIssue, Issue>(call, ctx).await
    }
}
