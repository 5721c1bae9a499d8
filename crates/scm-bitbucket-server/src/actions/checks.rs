//! Build statuses as check runs.
//!
//! A build status is addressed by commit and key: the check run id is
//! `<commit>:<key>`, and a commit's statuses are its check suite (id: the
//! commit). Statuses are written repository-scoped (Data Center 7.14 and
//! later). Listing all statuses of a commit exists only in the global
//! `build-status` module, so a listing may include statuses that other
//! repositories reported for the same commit.

use async_trait::async_trait;
use scm_core::actions::{
    CreateCheckRun, GetCheckRun, ListCheckRunsForRef, ListCheckRunsInCheckSuite, UpdateCheckRun,
};
use scm_core::model::{BuildStatus, CheckRun, CheckRunOutput, CheckRunStatusFilter, Sha};
use scm_core::{CallContext, Error, Handle, Page, PageRequest, Response, Result};
use serde_json::json;

use crate::client::{ok, repo_path, Call};
use crate::schema::{build_state, check_run_id, split_check_run_id, BbBuildStatus, BbRef};
use crate::BitbucketServer;

fn builds_path(ctx: &CallContext, sha: &Sha) -> Result<String> {
    Ok(format!("{}/commits/{sha}/builds", repo_path(ctx)?))
}

/// The status text: the output's title and summary. Data Center's build
/// status has one description field; annotations have no place in it.
fn description(output: Option<&CheckRunOutput>) -> Result<Option<String>> {
    let Some(output) = output else {
        return Ok(None);
    };
    if !output.annotations.is_empty() {
        return Err(Error::invalid_input(
            "Bitbucket Data Center build statuses cannot carry annotations",
        ));
    }
    let text: Vec<&str> = [output.title.as_deref(), output.summary.as_deref()]
        .into_iter()
        .flatten()
        .filter(|t| !t.is_empty())
        .collect();
    Ok((!text.is_empty()).then(|| text.join(": ")))
}

struct Status<'a> {
    key: &'a str,
    name: &'a str,
    state: &'static str,
    url: String,
    description: Option<String>,
    duration: Option<i64>,
}

impl BitbucketServer {
    /// Posts a status (an upsert by key) and reads it back as Data Center
    /// stored it.
    async fn post_status(
        &self,
        sha: &Sha,
        status: Status<'_>,
        ctx: &CallContext,
    ) -> Result<Response<CheckRun>> {
        let mut body = json!({
            "key": status.key,
            "name": status.name,
            "state": status.state,
            "url": status.url,
        });
        if let Some(description) = &status.description {
            body["description"] = json!(description);
        }
        if let Some(duration) = status.duration {
            body["duration"] = json!(duration);
        }
        let post = self
            .client()
            .empty(Call::post(builds_path(ctx, sha)?, body), ctx)
            .await?;
        let raw = match post {
            Response::Ok(result) => result.raw,
            Response::NotModified { .. } => None,
        };
        // Data Center answers 204 without a body: the check run is what
        // was stored.
        let (neutral, conclusion) = crate::schema::neutral_state(Some(status.state));
        Ok(ok(
            CheckRun {
                id: check_run_id(sha, status.key),
                name: status.name.to_owned(),
                head_sha: Some(sha.clone()),
                status: neutral,
                conclusion,
                external_id: Some(status.key.to_owned()),
                html_url: Some(status.url.clone()),
                details_url: Some(status.url),
                check_suite_id: Some(sha.to_string()),
                started_at: None,
                completed_at: None,
                output: status.description.map(|summary| CheckRunOutput {
                    title: None,
                    summary: Some(summary),
                    text: None,
                    annotations: Vec::new(),
                }),
            },
            raw,
        ))
    }

    async fn build_status(&self, sha: &Sha, key: &str, ctx: &CallContext) -> Result<BbBuildStatus> {
        let call = Call::get(builds_path(ctx, sha)?).query("key", key);
        Ok(self.client().value::<BbBuildStatus>(call, ctx).await?.0)
    }

    /// All statuses of a commit, filtered by name and status.
    async fn commit_statuses(
        &self,
        sha: Sha,
        name: Option<&str>,
        status: Option<CheckRunStatusFilter>,
        page: &PageRequest,
        ctx: &CallContext,
    ) -> Result<Response<Page<CheckRun>>> {
        let call = Call::get(format!("/build-status/latest/commits/{sha}"));
        self.client()
            .list(call, page, ctx, |s: BbBuildStatus| {
                let run = s.check_run(&sha);
                let name_ok =
                    name.is_none_or(|n| run.name == n || run.external_id.as_deref() == Some(n));
                let status_ok = match status {
                    None => true,
                    Some(CheckRunStatusFilter::Queued) => run.status == BuildStatus::Pending,
                    Some(CheckRunStatusFilter::InProgress) => run.status == BuildStatus::Running,
                    Some(CheckRunStatusFilter::Completed) => run.status == BuildStatus::Completed,
                };
                Ok((name_ok && status_ok).then_some(run))
            })
            .await
    }
}

#[async_trait]
impl Handle<GetCheckRun> for BitbucketServer {
    async fn handle(&self, a: GetCheckRun, ctx: &CallContext) -> Result<Response<CheckRun>> {
        let (sha, key) = split_check_run_id(&a.check_run_id)?;
        let call = Call::get(builds_path(ctx, &sha)?).query("key", &key);
        self.client()
            .json_map(call, ctx, |s: BbBuildStatus| Ok(s.check_run(&sha)))
            .await
    }
}

/// The status key is `external_id` (else the name). Data Center requires
/// a URL; without one the commit's page is used. Pending builds are
/// reported in progress (there is no queued state).
#[async_trait]
impl Handle<CreateCheckRun> for BitbucketServer {
    async fn handle(&self, a: CreateCheckRun, ctx: &CallContext) -> Result<Response<CheckRun>> {
        let key = a.external_id.as_deref().unwrap_or(&a.name);
        let duration = match (a.started_at, a.completed_at) {
            (Some(start), Some(end)) if end >= start => Some((end - start).num_milliseconds()),
            _ => None,
        };
        let status = Status {
            key,
            name: &a.name,
            state: build_state(a.status, a.conclusion),
            url: format!("{}/commits/{}", self.repo_web(ctx)?, a.head_sha),
            description: description(a.output.as_ref())?,
            duration,
        };
        self.post_status(&a.head_sha, status, ctx).await
    }
}

/// Reads the current status, then posts it again with the new state and
/// output (statuses are upserts by key; name and URL are kept).
#[async_trait]
impl Handle<UpdateCheckRun> for BitbucketServer {
    async fn handle(&self, a: UpdateCheckRun, ctx: &CallContext) -> Result<Response<CheckRun>> {
        let (sha, key) = split_check_run_id(&a.check_run_id)?;
        let current = self.build_status(&sha, &key, ctx).await?;
        let state = if a.status.is_some() || a.conclusion.is_some() {
            build_state(a.status, a.conclusion)
        } else {
            match current.state.as_deref() {
                Some("SUCCESSFUL") => "SUCCESSFUL",
                Some("FAILED") => "FAILED",
                Some("CANCELLED") => "CANCELLED",
                Some("UNKNOWN") => "UNKNOWN",
                _ => "INPROGRESS",
            }
        };
        let name = current.name.clone().unwrap_or_else(|| key.clone());
        let status = Status {
            key: &key,
            name: &name,
            state,
            url: match current.url.clone() {
                Some(url) => url,
                None => format!("{}/commits/{sha}", self.repo_web(ctx)?),
            },
            description: match &a.output {
                Some(_) => description(a.output.as_ref())?,
                None => current.description.clone(),
            },
            duration: current.duration,
        };
        self.post_status(&sha, status, ctx).await
    }
}

/// The suite is the commit: its id is the commit id.
#[async_trait]
impl Handle<ListCheckRunsInCheckSuite> for BitbucketServer {
    async fn handle(
        &self,
        a: ListCheckRunsInCheckSuite,
        ctx: &CallContext,
    ) -> Result<Response<Page<CheckRun>>> {
        let sha = Sha::new(a.check_suite_id.as_str())?;
        self.commit_statuses(sha, a.check_name.as_deref(), a.status, &a.page, ctx)
            .await
    }
}

/// A commit id, or a branch or tag resolved to its commit first.
#[async_trait]
impl Handle<ListCheckRunsForRef> for BitbucketServer {
    async fn handle(
        &self,
        a: ListCheckRunsForRef,
        ctx: &CallContext,
    ) -> Result<Response<Page<CheckRun>>> {
        let sha = match Sha::new(a.r#ref.as_str()) {
            Ok(sha) if sha.as_str().len() >= 40 => sha,
            _ => self.resolve_ref(&a.r#ref, ctx).await?,
        };
        self.commit_statuses(sha, a.check_name.as_deref(), a.status, &a.page, ctx)
            .await
    }
}

impl BitbucketServer {
    /// A branch (or, under `tags/`, a tag) → its commit.
    async fn resolve_ref(&self, name: &str, ctx: &CallContext) -> Result<Sha> {
        let name = name.strip_prefix("refs/").unwrap_or(name);
        let found: BbRef = if let Some(tag) = name.strip_prefix("tags/") {
            let call = Call::get(format!(
                "{}/tags/{}",
                repo_path(ctx)?,
                scm_core::http_util::encode_segment(tag)?
            ));
            self.client().value::<BbRef>(call, ctx).await?.0
        } else {
            self.find_branch(name.strip_prefix("heads/").unwrap_or(name), ctx)
                .await?
        };
        Ok(found.git_ref("refs/")?.sha)
    }
}
