//! Pull requests: reads, creation (draft or not), updates, reviewers.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Page, Response};
use serde_json::json;

use super::branch_name;
use super::repository::{user_id, user_ref};
use crate::client::Req;
use crate::pagination::{MAX_PAGELEN, MAX_PR_PAGELEN};
use crate::schema::commits::{CommitJson, DiffStat};
use crate::schema::pull_requests::PullRequestJson;
use crate::Bitbucket;

#[async_trait]
impl Handle<GetPullRequest> for Bitbucket {
    async fn handle(
        &self,
        a: GetPullRequest,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>, Error> {
        let req = Req::get(self.pr_path(ctx, &a.pull_request_id)?);
        self.read(req, ctx, PullRequestJson::neutral).await
    }
}

/// `open` lists OPEN; `closed` lists MERGED, DECLINED and SUPERSEDED;
/// `null` all four. `head` filters on the source branch with BBQL.
#[async_trait]
impl Handle<GetPullRequests> for Bitbucket {
    async fn handle(
        &self,
        a: GetPullRequests,
        ctx: &CallContext,
    ) -> Result<Response<Page<PullRequest>>, Error> {
        let states: &[&str] = match a.state {
            Some(PullRequestState::Open) => &["OPEN"],
            Some(PullRequestState::Closed) => &["MERGED", "DECLINED", "SUPERSEDED"],
            None => &["OPEN", "MERGED", "DECLINED", "SUPERSEDED"],
        };
        let mut req = Req::get(format!("{}/pullrequests", self.repo(ctx)?));
        for state in states {
            req = req.q("state", state);
        }
        if let Some(head) = a.head.as_deref().filter(|h| !h.is_empty()) {
            // `owner:branch` (GitHub style) names the branch after the colon.
            let branch = branch_name(head.rsplit(':').next().unwrap_or(head));
            if branch.contains('"') || branch.contains('\\') {
                return Err(Error::invalid_input("a branch name cannot contain quotes"));
            }
            req = req.q("q", format!("source.branch.name=\"{branch}\""));
        }
        self.list(req, &a.page, MAX_PR_PAGELEN, ctx, |p: PullRequestJson| {
            p.neutral().map(Some)
        })
        .await
    }
}

/// The pull request's diffstat (Bitbucket redirects to the diffstat of
/// its commit range; the redirect is followed).
#[async_trait]
impl Handle<GetPullRequestFiles> for Bitbucket {
    async fn handle(
        &self,
        a: GetPullRequestFiles,
        ctx: &CallContext,
    ) -> Result<Response<Page<PullRequestFile>>, Error> {
        let req = Req::get(format!(
            "{}/diffstat",
            self.pr_path(ctx, &a.pull_request_id)?
        ));
        self.list(
            req,
            &a.page,
            MAX_PAGELEN,
            ctx,
            |d: DiffStat| Ok(d.neutral()),
        )
        .await
    }
}

#[async_trait]
impl Handle<GetPullRequestCommits> for Bitbucket {
    async fn handle(
        &self,
        a: GetPullRequestCommits,
        ctx: &CallContext,
    ) -> Result<Response<Page<PullRequestCommit>>, Error> {
        let req = Req::get(format!(
            "{}/commits",
            self.pr_path(ctx, &a.pull_request_id)?
        ));
        self.list(req, &a.page, MAX_PAGELEN, ctx, |c: CommitJson| {
            c.pull_request_commit().map(Some)
        })
        .await
    }
}

/// The unified diff (through Bitbucket's redirect to the range's diff).
#[async_trait]
impl Handle<GetPullRequestDiff> for Bitbucket {
    async fn handle(
        &self,
        a: GetPullRequestDiff,
        ctx: &CallContext,
    ) -> Result<Response<String>, Error> {
        let req = Req::get(format!("{}/diff", self.pr_path(ctx, &a.pull_request_id)?));
        self.text(req, ctx).await
    }
}

impl Bitbucket {
    async fn create_pull_request(
        &self,
        ctx: &CallContext,
        title: &str,
        body: &str,
        head: &str,
        base: &str,
        draft: bool,
    ) -> Result<Response<PullRequest>, Error> {
        let payload = json!({
            "type": "pullrequest",
            "title": title,
            "description": body,
            "source": { "branch": { "name": branch_name(head) } },
            "destination": { "branch": { "name": branch_name(base) } },
            "draft": draft,
        });
        let req = Req::post(format!("{}/pullrequests", self.repo(ctx)?), payload);
        self.write(req, ctx, PullRequestJson::neutral).await
    }

    /// PUT of an open pull request. Bitbucket requires `title` and clears
    /// the description and reviewers a PUT leaves out, so the current values
    /// are always resent unless the caller changes them.
    async fn put_pull_request(
        &self,
        ctx: &CallContext,
        id: &str,
        current: &PullRequestJson,
        changes: serde_json::Value,
    ) -> Result<Response<PullRequest>, Error> {
        let mut body = json!({
            "type": "pullrequest",
            "title": current.title.clone().unwrap_or_default(),
            "description": current.description.clone().unwrap_or_default(),
            "reviewers": current.reviewer_ids(),
        });
        if let (Some(target), Some(changes)) = (body.as_object_mut(), changes.as_object()) {
            for (key, value) in changes {
                target.insert(key.clone(), value.clone());
            }
        }
        let req = Req::put(self.pr_path(ctx, id)?, body);
        self.write(req, ctx, PullRequestJson::neutral).await
    }
}

#[async_trait]
impl Handle<CreatePullRequest> for Bitbucket {
    async fn handle(
        &self,
        a: CreatePullRequest,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>, Error> {
        self.create_pull_request(ctx, &a.title, &a.body, &a.head, &a.base, false)
            .await
    }
}

#[async_trait]
impl Handle<CreatePullRequestDraft> for Bitbucket {
    async fn handle(
        &self,
        a: CreatePullRequestDraft,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>, Error> {
        self.create_pull_request(ctx, &a.title, &a.body, &a.head, &a.base, true)
            .await
    }
}

#[async_trait]
impl Handle<MarkPullRequestReadyForReview> for Bitbucket {
    async fn handle(
        &self,
        a: MarkPullRequestReadyForReview,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        let current = self.pull_request_json(ctx, &a.pull_request_id).await?;
        let response = self
            .put_pull_request(
                ctx,
                &a.pull_request_id,
                &current.value,
                json!({ "draft": false }),
            )
            .await?;
        Ok(response.map(|_| ()))
    }
}

/// Title and body through a PUT that keeps every field the caller did not
/// set; `closed` declines (never merges). Declined pull requests cannot be
/// reopened on Bitbucket Cloud: `open` on a closed one is refused.
#[async_trait]
impl Handle<UpdatePullRequest> for Bitbucket {
    async fn handle(
        &self,
        a: UpdatePullRequest,
        ctx: &CallContext,
    ) -> Result<Response<PullRequest>, Error> {
        let id = a.pull_request_id.clone();
        let current = self.pull_request_json(ctx, &id).await?;
        let is_open = current.value.state.as_deref().unwrap_or("OPEN") == "OPEN";
        if a.state == Some(PullRequestState::Open) && !is_open {
            return Err(Error::UnprocessableContent {
                detail: "Bitbucket Cloud cannot reopen a declined or merged pull request".into(),
            });
        }
        let mut changes = serde_json::Map::new();
        if let Some(title) = &a.title {
            changes.insert("title".into(), json!(title));
        }
        if let Some(body) = &a.body {
            changes.insert("description".into(), json!(body));
        }
        let mut latest = None;
        if !changes.is_empty() {
            if !is_open {
                return Err(Error::UnprocessableContent {
                    detail: "Bitbucket Cloud only edits open pull requests".into(),
                });
            }
            latest = Some(
                self.put_pull_request(ctx, &id, &current.value, serde_json::Value::Object(changes))
                    .await?,
            );
        }
        if a.state == Some(PullRequestState::Closed) && is_open {
            let req = Req::new(
                http::Method::POST,
                format!("{}/decline", self.pr_path(ctx, &id)?),
            );
            latest = Some(self.write(req, ctx, PullRequestJson::neutral).await?);
        }
        match latest {
            Some(response) => Ok(response),
            None => Ok(self.ok(current.value.neutral()?, Some(current.raw), current.meta)),
        }
    }
}

/// Adds reviewers (by `{uuid}` or account id) to the current ones, with a
/// read-modify-write of the whole pull request (see `put_pull_request`).
#[async_trait]
impl Handle<RequestReview> for Bitbucket {
    async fn handle(&self, a: RequestReview, ctx: &CallContext) -> Result<Response<()>, Error> {
        if a.reviewers.is_empty() {
            return Err(Error::invalid_input("name at least one reviewer"));
        }
        let current = self.pull_request_json(ctx, &a.pull_request_id).await?;
        let mut reviewers = current.value.reviewer_ids();
        for reviewer in &a.reviewers {
            let id = user_id(reviewer)?;
            if current.value.reviewers.iter().any(|r| r.is(&id)) {
                continue;
            }
            reviewers.push(user_ref(&id));
        }
        let response = self
            .put_pull_request(
                ctx,
                &a.pull_request_id,
                &current.value,
                json!({ "reviewers": reviewers }),
            )
            .await?;
        Ok(response.map(|_| ()))
    }
}
