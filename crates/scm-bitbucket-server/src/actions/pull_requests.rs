//! Pull requests: reading, listing, opening, updating, review requests.
//!
//! A pull request carries a `version`; every change sends the current one
//! (read first), and a stale one is a `resource_conflict` with Data
//! Center's message. `PUT` replaces the whole pull request: an update
//! resends the reviewers, description and draft flag it does not change,
//! so nothing the caller did not mention is lost.

use async_trait::async_trait;
use scm_core::actions::{
    CreatePullRequest, CreatePullRequestDraft, GetPullRequest, GetPullRequestCommits,
    GetPullRequestDiff, GetPullRequestFiles, GetPullRequests, MarkPullRequestReadyForReview,
    RequestReview, UpdatePullRequest,
};
use scm_core::model::{
    CommitFile, PullRequest, PullRequestCommit, PullRequestFile, PullRequestState,
};
use scm_core::{CallContext, Error, Handle, Page, Response, Result};
use serde_json::{json, Map, Value};

use super::pull_request_path;
use crate::client::{ok, project_and_slug, repo_path, Call};
use crate::schema::{BbChange, BbCommit, BbPullRequest};
use crate::BitbucketServer;

/// A branch name from `branch`, `owner:branch` or `refs/heads/branch`.
fn branch_name(head: &str) -> &str {
    let head = head.rsplit(':').next().unwrap_or(head);
    head.strip_prefix("refs/heads/").unwrap_or(head)
}

impl BitbucketServer {
    async fn open_pull_request(
        &self,
        title: String,
        body: String,
        head: &str,
        base: &str,
        draft: bool,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>> {
        let (key, slug) = project_and_slug(ctx)?;
        let repository = json!({ "slug": slug, "project": { "key": key } });
        let mut payload = json!({
            "title": title,
            "description": body,
            "fromRef": { "id": format!("refs/heads/{}", branch_name(head)), "repository": repository },
            "toRef": { "id": format!("refs/heads/{}", branch_name(base)), "repository": repository },
        });
        if draft {
            payload["draft"] = json!(true);
        }
        let call = Call::post(format!("{}/pull-requests", repo_path(ctx)?), payload);
        self.mapped_pull_request(call, ctx).await
    }

    /// Sends a call answered with a pull request and maps it.
    pub(crate) async fn mapped_pull_request(
        &self,
        call: Call,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>> {
        let web_base = self.repo_web(ctx).ok();
        self.client()
            .json_map(call, ctx, |pr: BbPullRequest| {
                let web = web_base
                    .as_ref()
                    .map(|base| format!("{base}/pull-requests/{}", pr.id));
                Ok(pr.pull_request(web))
            })
            .await
    }

    /// The full-replace body of `PUT …/pull-requests/{id}`: the current
    /// version, title, description, reviewers and draft flag, with
    /// `changes` applied on top.
    fn replacement(current: &BbPullRequest, changes: Map<String, Value>) -> Value {
        let mut body = Map::new();
        body.insert("version".into(), json!(current.version));
        body.insert("title".into(), json!(current.title));
        body.insert(
            "description".into(),
            json!(current.description.clone().unwrap_or_default()),
        );
        body.insert("reviewers".into(), current.reviewers_body());
        if current.draft {
            body.insert("draft".into(), json!(true));
        }
        body.extend(changes);
        Value::Object(body)
    }
}

#[async_trait]
impl Handle<GetPullRequest> for BitbucketServer {
    async fn handle(&self, a: GetPullRequest, ctx: &CallContext) -> Result<Response<PullRequest>> {
        self.mapped_pull_request(Call::get(pull_request_path(ctx, &a.pull_request_id)?), ctx)
            .await
    }
}

/// `state` takes one value or `ALL`: closed pull requests (declined and
/// merged) are read as `ALL` and filtered. `head` lists pull requests
/// from that branch (`at=refs/heads/x&direction=OUTGOING`).
#[async_trait]
impl Handle<GetPullRequests> for BitbucketServer {
    async fn handle(
        &self,
        a: GetPullRequests,
        ctx: &CallContext,
    ) -> Result<Response<Page<PullRequest>>> {
        let state = match a.state {
            Some(PullRequestState::Open) => "OPEN",
            _ => "ALL",
        };
        let mut call =
            Call::get(format!("{}/pull-requests", repo_path(ctx)?)).query("state", state);
        if let Some(head) = &a.head {
            call = call
                .query("at", format!("refs/heads/{}", branch_name(head)))
                .query("direction", "OUTGOING");
        }
        let only_closed = a.state == Some(PullRequestState::Closed);
        let web_base = self.repo_web(ctx).ok();
        self.client()
            .list(call, &a.page, ctx, |pr: BbPullRequest| {
                let web = web_base
                    .as_ref()
                    .map(|base| format!("{base}/pull-requests/{}", pr.id));
                let pr = pr.pull_request(web);
                Ok((!only_closed || pr.state == PullRequestState::Closed).then_some(pr))
            })
            .await
    }
}

#[async_trait]
impl Handle<GetPullRequestFiles> for BitbucketServer {
    async fn handle(
        &self,
        a: GetPullRequestFiles,
        ctx: &CallContext,
    ) -> Result<Response<Page<PullRequestFile>>> {
        let call = Call::get(format!(
            "{}/changes",
            pull_request_path(ctx, &a.pull_request_id)?
        ));
        self.client()
            .list(call, &a.page, ctx, |c: BbChange| {
                Ok(Some(CommitFile::from(c)))
            })
            .await
    }
}

#[async_trait]
impl Handle<GetPullRequestCommits> for BitbucketServer {
    async fn handle(
        &self,
        a: GetPullRequestCommits,
        ctx: &CallContext,
    ) -> Result<Response<Page<PullRequestCommit>>> {
        let call = Call::get(format!(
            "{}/commits",
            pull_request_path(ctx, &a.pull_request_id)?
        ));
        let web = self.commit_web(ctx);
        self.client()
            .list(call, &a.page, ctx, |c: BbCommit| {
                c.into_pull_request_commit(web.as_deref()).map(Some)
            })
            .await
    }
}

/// The unified diff (`…/pull-requests/{id}.diff`, plain text).
#[async_trait]
impl Handle<GetPullRequestDiff> for BitbucketServer {
    async fn handle(&self, a: GetPullRequestDiff, ctx: &CallContext) -> Result<Response<String>> {
        let call = Call::get(format!(
            "{}.diff",
            pull_request_path(ctx, &a.pull_request_id)?
        ))
        .accept("text/plain");
        let response = self.client().bytes(call, ctx).await?;
        match response {
            Response::Ok(result) => {
                let text = String::from_utf8(result.data.to_vec())
                    .map_err(|_| Error::malformed("the diff is not UTF-8 text"))?;
                Ok(Response::Ok(result.map(|_| text)))
            }
            Response::NotModified { provider, meta } => {
                Ok(Response::NotModified { provider, meta })
            }
        }
    }
}

#[async_trait]
impl Handle<CreatePullRequest> for BitbucketServer {
    async fn handle(
        &self,
        a: CreatePullRequest,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>> {
        self.open_pull_request(a.title, a.body, &a.head, &a.base, false, ctx)
            .await
    }
}

/// Draft pull requests need Data Center 8.18.
#[async_trait]
impl Handle<CreatePullRequestDraft> for BitbucketServer {
    async fn handle(
        &self,
        a: CreatePullRequestDraft,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>> {
        self.open_pull_request(a.title, a.body, &a.head, &a.base, true, ctx)
            .await
    }
}

/// Clears the draft flag with a full replace that keeps everything else
/// (a no-op when the pull request is not a draft).
#[async_trait]
impl Handle<MarkPullRequestReadyForReview> for BitbucketServer {
    async fn handle(
        &self,
        a: MarkPullRequestReadyForReview,
        ctx: &CallContext,
    ) -> Result<Response<()>> {
        let current = self.current_pull_request(&a.pull_request_id, ctx).await?;
        if !current.draft {
            return Ok(ok((), None));
        }
        let mut changes = Map::new();
        changes.insert("draft".into(), json!(false));
        let call = Call::put(
            pull_request_path(ctx, &a.pull_request_id)?,
            Self::replacement(&current, changes),
        );
        let (_, raw, _) = self.client().value::<Value>(call, ctx).await?;
        Ok(ok((), Some(raw)))
    }
}

/// Title and body by full replace (keeping reviewers, draft flag and the
/// other field), then the state: `closed` declines, `open` reopens a
/// declined pull request. Each step sends the version the previous one
/// answered with. A merged pull request cannot be reopened.
#[async_trait]
impl Handle<UpdatePullRequest> for BitbucketServer {
    async fn handle(
        &self,
        a: UpdatePullRequest,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>> {
        let path = pull_request_path(ctx, &a.pull_request_id)?;
        let mut current = self.current_pull_request(&a.pull_request_id, ctx).await?;
        let mut changes = Map::new();
        if let Some(title) = &a.title {
            changes.insert("title".into(), json!(title));
        }
        if let Some(body) = &a.body {
            changes.insert("description".into(), json!(body));
        }
        let mut last = None;
        if !changes.is_empty() {
            let call = Call::put(path.clone(), Self::replacement(&current, changes));
            let (updated, raw, _) = self.client().value::<BbPullRequest>(call, ctx).await?;
            current = updated;
            last = Some(raw);
        }
        let transition = match (a.state, current.state.as_deref()) {
            (Some(PullRequestState::Closed), Some("OPEN")) => Some("decline"),
            (Some(PullRequestState::Open), Some("DECLINED")) => Some("reopen"),
            (Some(PullRequestState::Open), Some("MERGED")) => {
                return Err(Error::Conflict {
                    detail: format!(
                        "pull request {} is merged and cannot be reopened",
                        current.id
                    ),
                })
            }
            _ => None,
        };
        if let Some(transition) = transition {
            let call = Call::post(
                format!("{path}/{transition}"),
                json!({ "version": current.version }),
            )
            .query("version", current.version);
            let (updated, raw, _) = self.client().value::<BbPullRequest>(call, ctx).await?;
            current = updated;
            last = Some(raw);
        }
        let web = self.pull_request_web(ctx, &a.pull_request_id);
        Ok(ok(current.pull_request(web), last))
    }
}

/// Adds each person as a reviewer (one call each); existing reviewers stay.
#[async_trait]
impl Handle<RequestReview> for BitbucketServer {
    async fn handle(&self, a: RequestReview, ctx: &CallContext) -> Result<Response<()>> {
        if a.reviewers.is_empty() {
            return Err(Error::invalid_input("no reviewers given"));
        }
        let path = format!(
            "{}/participants",
            pull_request_path(ctx, &a.pull_request_id)?
        );
        let mut last = None;
        for reviewer in &a.reviewers {
            let call = Call::post(
                path.clone(),
                json!({ "user": { "name": reviewer }, "role": "REVIEWER" }),
            );
            let (_, raw, _) = self.client().value::<Value>(call, ctx).await?;
            last = Some(raw);
        }
        Ok(ok((), last))
    }
}
