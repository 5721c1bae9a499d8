//! Check runs (build statuses) and Bitbucket Pipelines.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::http_util::encode_segment;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Download, Error, Handle, Page, PageRequest, Response, ResponseMeta};
use serde_json::json;

use crate::client::Req;
use crate::pagination::MAX_PAGELEN;
use crate::schema::checks::{
    split_check_run_id, split_job_id, state_for, status_of, CommitStatus, Pipeline, Step,
};
use crate::Bitbucket;

/// Bitbucket's limit on a build status description.
const DESCRIPTION_LIMIT: usize = 255;

impl Bitbucket {
    fn statuses_path(&self, ctx: &CallContext, sha: &Sha) -> Result<String, Error> {
        Ok(format!("{}/commit/{sha}/statuses", self.repo(ctx)?))
    }

    fn status_path(&self, ctx: &CallContext, sha: &Sha, key: &str) -> Result<String, Error> {
        Ok(format!(
            "{}/build/{}",
            self.statuses_path(ctx, sha)?,
            encode_segment(key)?
        ))
    }

    /// The build statuses of a commit, filtered by name and status here
    /// (Bitbucket keeps only the latest status per key).
    async fn statuses(
        &self,
        ctx: &CallContext,
        sha: Sha,
        page: &PageRequest,
        check_name: Option<String>,
        status: Option<CheckRunStatusFilter>,
    ) -> Result<Response<Page<CheckRun>>, Error> {
        let req = Req::get(self.statuses_path(ctx, &sha)?);
        self.list(req, page, MAX_PAGELEN, ctx, move |s: CommitStatus| {
            let run = s.check_run(Some(&sha))?;
            if check_name.as_ref().is_some_and(|n| *n != run.name) {
                return Ok(None);
            }
            let keep = match status {
                None => true,
                Some(CheckRunStatusFilter::Completed) => run.status == BuildStatus::Completed,
                Some(CheckRunStatusFilter::InProgress) => run.status == BuildStatus::Running,
                Some(CheckRunStatusFilter::Queued) => run.status == BuildStatus::Pending,
            };
            Ok(keep.then_some(run))
        })
        .await
    }

    fn pipeline_web(&self, ctx: &CallContext, build_number: i64) -> Option<String> {
        self.web_repo(ctx)
            .ok()
            .map(|base| format!("{base}/pipelines/results/{build_number}"))
    }
}

/// The description: the output's summary, else its title (Bitbucket has
/// one short text field; annotations are not sent).
fn description(output: Option<&CheckRunOutput>) -> Option<String> {
    let output = output?;
    let text = output.summary.clone().or_else(|| output.title.clone())?;
    Some(text.chars().take(DESCRIPTION_LIMIT).collect())
}

#[async_trait]
impl Handle<GetCheckRun> for Bitbucket {
    async fn handle(&self, a: GetCheckRun, ctx: &CallContext) -> Result<Response<CheckRun>, Error> {
        let (sha, key) = split_check_run_id(&a.check_run_id)?;
        let req = Req::get(self.status_path(ctx, &sha, &key)?);
        self.read(req, ctx, move |s: CommitStatus| s.check_run(Some(&sha)))
            .await
    }
}

/// A build status keyed by `external_id` (else the name). Bitbucket
/// requires a URL and has no field for one here: the commit's page is
/// sent. Timestamps cannot be set; states map as `schema::checks` says.
#[async_trait]
impl Handle<CreateCheckRun> for Bitbucket {
    async fn handle(
        &self,
        a: CreateCheckRun,
        ctx: &CallContext,
    ) -> Result<Response<CheckRun>, Error> {
        let key = a
            .external_id
            .clone()
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| a.name.clone());
        let mut body = json!({
            "type": "commitstatus",
            "key": key,
            "name": a.name,
            "state": state_for(a.status, a.conclusion),
            "url": format!("{}/commits/{}", self.web_repo(ctx)?, a.head_sha),
        });
        if let Some(text) = description(a.output.as_ref()) {
            body["description"] = json!(text);
        }
        let req = Req::post(
            format!("{}/build", self.statuses_path(ctx, &a.head_sha)?),
            body,
        );
        let sha = a.head_sha.clone();
        self.write(req, ctx, move |s: CommitStatus| s.check_run(Some(&sha)))
            .await
    }
}

/// Reads the status, then PUTs it back with the changes (the key cannot
/// change; name and URL are kept).
#[async_trait]
impl Handle<UpdateCheckRun> for Bitbucket {
    async fn handle(
        &self,
        a: UpdateCheckRun,
        ctx: &CallContext,
    ) -> Result<Response<CheckRun>, Error> {
        let (sha, key) = split_check_run_id(&a.check_run_id)?;
        let path = self.status_path(ctx, &sha, &key)?;
        let current = self
            .call::<CommitStatus>(Req::get(path.clone()), ctx)
            .await?
            .value;
        let (status, conclusion) = status_of(current.state.as_deref().unwrap_or(""));
        let state = match (a.status, a.conclusion) {
            (_, Some(c)) => state_for(Some(BuildStatus::Completed), Some(c)),
            (Some(BuildStatus::Completed), None) => {
                state_for(Some(BuildStatus::Completed), conclusion)
            }
            (Some(s), None) => state_for(Some(s), None),
            (None, None) => state_for(Some(status), conclusion),
        };
        let mut body = json!({
            "type": "commitstatus",
            "key": key,
            "state": state,
        });
        if let Some(name) = &current.name {
            body["name"] = json!(name);
        }
        if let Some(url) = &current.url {
            body["url"] = json!(url);
        }
        if let Some(text) = description(a.output.as_ref()).or(current.description.clone()) {
            body["description"] = json!(text);
        }
        let req = Req::put(path, body);
        self.write(req, ctx, move |s: CommitStatus| s.check_run(Some(&sha)))
            .await
    }
}

/// Bitbucket has no check suites: the suite is the commit (its id is the
/// commit sha, as check runs report it), and its runs are the commit's
/// build statuses.
#[async_trait]
impl Handle<ListCheckRunsInCheckSuite> for Bitbucket {
    async fn handle(
        &self,
        a: ListCheckRunsInCheckSuite,
        ctx: &CallContext,
    ) -> Result<Response<Page<CheckRun>>, Error> {
        let sha = Sha::new(a.check_suite_id.trim())?;
        self.statuses(ctx, sha, &a.page, a.check_name, a.status)
            .await
    }
}

/// The build statuses of the commit a ref names (`timestamp_filter` has
/// no effect: Bitbucket keeps only the latest status per key).
#[async_trait]
impl Handle<ListCheckRunsForRef> for Bitbucket {
    async fn handle(
        &self,
        a: ListCheckRunsForRef,
        ctx: &CallContext,
    ) -> Result<Response<Page<CheckRun>>, Error> {
        let sha = self.resolve_commit(ctx, &a.r#ref).await?;
        self.statuses(ctx, sha, &a.page, a.check_name, a.status)
            .await
    }
}

/// Bitbucket Pipelines runs in Bitbucket's order (external CI shows up
/// only as build statuses). No `sort`: the description allows only
/// ascending keys.
#[async_trait]
impl Handle<ListWorkflowRuns> for Bitbucket {
    async fn handle(
        &self,
        a: ListWorkflowRuns,
        ctx: &CallContext,
    ) -> Result<Response<Page<WorkflowRun>>, Error> {
        let req = Req::get(format!("{}/pipelines", self.repo(ctx)?))
            .q_opt("target.commit.hash", a.head_sha.as_ref());
        let web = |n: i64| self.pipeline_web(ctx, n);
        self.list(req, &a.page, MAX_PAGELEN, ctx, |p: Pipeline| {
            p.neutral(web).map(Some)
        })
        .await
    }
}

/// The steps of a pipeline; a job id is `<pipeline uuid>:<step uuid>`.
#[async_trait]
impl Handle<ListWorkflowJobs> for Bitbucket {
    async fn handle(
        &self,
        a: ListWorkflowJobs,
        ctx: &CallContext,
    ) -> Result<Response<Page<WorkflowJob>>, Error> {
        let pipeline = a.workflow_run_id.trim().to_owned();
        let req = Req::get(format!(
            "{}/pipelines/{}/steps",
            self.repo(ctx)?,
            encode_segment(&pipeline)?
        ));
        self.list(req, &a.page, MAX_PAGELEN, ctx, |s: Step| {
            s.neutral(&pipeline, None).map(Some)
        })
        .await
    }
}

/// The step's log, streamed (Bitbucket may redirect it to a media host,
/// which is followed without credentials).
#[async_trait]
impl Handle<DownloadWorkflowJobLog> for Bitbucket {
    async fn handle(
        &self,
        a: DownloadWorkflowJobLog,
        ctx: &CallContext,
    ) -> Result<Response<Download>, Error> {
        let (pipeline, step) = split_job_id(&a.job_id)?;
        let req = Req::get(format!(
            "{}/pipelines/{}/steps/{}/log",
            self.repo(ctx)?,
            encode_segment(&pipeline)?,
            encode_segment(&step)?
        ))
        .follow_foreign();
        let reply = self.send(req, ctx).await?;
        let header = |name: http::header::HeaderName| {
            reply
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let download = Download {
            content_type: header(http::header::CONTENT_TYPE).or(Some("text/plain".into())),
            content_length: header(http::header::CONTENT_LENGTH).and_then(|l| l.parse().ok()),
            filename: Some("step.log".into()),
            body: reply.body,
        };
        Ok(self.ok(download, None, ResponseMeta::default()))
    }
}
