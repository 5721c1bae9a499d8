//! CI: commit statuses as check runs, pipelines as workflow runs and check
//! suites, jobs as workflow jobs.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Download, Error, Handle, Page, Response};
use serde_json::{json, Map, Value};

use crate::checks::CheckRunId;
use crate::client::Req;
use crate::pagination::Mode;
use crate::schema::{GlJob, GlPipeline, GlStatus};
use crate::status::state_for;
use crate::{number, GitLab};

/// Pages of a commit's statuses searched to find one status by id.
const MAX_STATUS_PAGES: usize = 20;
/// GitLab's limit on a status description.
const DESCRIPTION_LIMIT: usize = 255;

fn description(output: &CheckRunOutput) -> Option<String> {
    let text = output
        .summary
        .as_deref()
        .filter(|s| !s.is_empty())
        .or(output.title.as_deref())?;
    Some(text.chars().take(DESCRIPTION_LIMIT).collect())
}

/// GitLab job scopes for a neutral status filter.
fn job_scopes(filter: CheckRunStatusFilter) -> &'static [&'static str] {
    match filter {
        CheckRunStatusFilter::Queued => &["created", "pending", "waiting_for_resource"],
        CheckRunStatusFilter::InProgress => &["running"],
        CheckRunStatusFilter::Completed => &["success", "failed", "canceled", "skipped", "manual"],
    }
}

fn matches_filter(run: &CheckRun, filter: Option<CheckRunStatusFilter>) -> bool {
    match filter {
        None => true,
        Some(CheckRunStatusFilter::Queued) => run.status == BuildStatus::Pending,
        Some(CheckRunStatusFilter::InProgress) => run.status == BuildStatus::Running,
        Some(CheckRunStatusFilter::Completed) => run.status == BuildStatus::Completed,
    }
}

impl GitLab {
    /// Finds a status on a commit by id (GitLab has no single-status read).
    async fn find_status(
        &self,
        id: &str,
        sha: &Sha,
        ctx: &CallContext,
    ) -> Result<(GlStatus, scm_core::RawResponse), Error> {
        let req = Req::get(format!(
            "{}/repository/commits/{sha}/statuses",
            self.project(ctx)?
        ))
        .q("all", "true");
        self.find_in_pages::<GlStatus>(req, Mode::Offset, MAX_STATUS_PAGES, ctx, |s| {
            s.id.as_deref() == Some(id)
        })
        .await?
        .ok_or_else(|| Error::NotFound {
            detail: format!("no commit status {id} on {sha}"),
        })
    }
}

#[async_trait]
impl Handle<GetCheckRun> for GitLab {
    async fn handle(&self, a: GetCheckRun, ctx: &CallContext) -> Result<Response<CheckRun>, Error> {
        match CheckRunId::parse(&a.check_run_id)? {
            CheckRunId::Status { id, sha } => {
                let (status, raw) = self.find_status(&id, &sha, ctx).await?;
                Ok(self.ok(
                    status.check_run(Some(sha.as_str()))?,
                    Some(raw),
                    Default::default(),
                ))
            }
            CheckRunId::Job { id } => {
                let req = Req::get(format!("{}/jobs/{id}", self.project(ctx)?));
                self.read(req, ctx, GlJob::check_run).await
            }
        }
    }
}

/// Posts a commit status. GitLab statuses have a name, state, target URL
/// and a short description (the output's summary or title); external ids
/// and explicit timestamps have no place in them.
#[async_trait]
impl Handle<CreateCheckRun> for GitLab {
    async fn handle(
        &self,
        a: CreateCheckRun,
        ctx: &CallContext,
    ) -> Result<Response<CheckRun>, Error> {
        let mut body = Map::new();
        body.insert("state".into(), json!(state_for(a.status, a.conclusion)?));
        body.insert("name".into(), json!(a.name));
        if let Some(text) = a.output.as_ref().and_then(description) {
            body.insert("description".into(), json!(text));
        }
        let sha = a.head_sha.clone();
        let req = Req::post(
            format!("{}/statuses/{}", self.project(ctx)?, a.head_sha),
            Value::Object(body),
        );
        self.write(req, ctx, |s: GlStatus| s.check_run(Some(sha.as_str())))
            .await
    }
}

/// Re-posts the status with the same name and ref, which GitLab applies
/// to the existing status.
#[async_trait]
impl Handle<UpdateCheckRun> for GitLab {
    async fn handle(
        &self,
        a: UpdateCheckRun,
        ctx: &CallContext,
    ) -> Result<Response<CheckRun>, Error> {
        let CheckRunId::Status { id, sha } = CheckRunId::parse(&a.check_run_id)? else {
            return Err(Error::invalid_input(
                "GitLab updates check runs through their commit: use an `<id>@<sha>` check run id",
            ));
        };
        let (current, _) = self.find_status(&id, &sha, ctx).await?;
        let state = if a.status.is_none() && a.conclusion.is_none() {
            current.status.clone().unwrap_or_else(|| "pending".into())
        } else {
            state_for(a.status, a.conclusion)?.to_owned()
        };
        let mut body = Map::new();
        body.insert("state".into(), json!(state));
        body.insert("name".into(), json!(current.name));
        if let Some(r#ref) = &current.ref_name {
            body.insert("ref".into(), json!(r#ref));
        }
        if let Some(url) = &current.target_url {
            body.insert("target_url".into(), json!(url));
        }
        let text = a
            .output
            .as_ref()
            .and_then(description)
            .or(current.description.clone());
        if let Some(text) = text {
            body.insert("description".into(), json!(text));
        }
        let req = Req::post(
            format!("{}/statuses/{sha}", self.project(ctx)?),
            Value::Object(body),
        );
        self.write(req, ctx, |s: GlStatus| s.check_run(Some(sha.as_str())))
            .await
    }
}

/// A check suite is a pipeline: its jobs (retried ones too with
/// `timestamp_filter: all`).
#[async_trait]
impl Handle<ListCheckRunsInCheckSuite> for GitLab {
    async fn handle(
        &self,
        a: ListCheckRunsInCheckSuite,
        ctx: &CallContext,
    ) -> Result<Response<Page<CheckRun>>, Error> {
        let mut req = Req::get(format!(
            "{}/pipelines/{}/jobs",
            self.project(ctx)?,
            number(&a.check_suite_id, "check_suite_id")?
        ));
        if a.timestamp_filter == TimestampFilter::All {
            req = req.q("include_retried", "true");
        }
        if let Some(filter) = a.status {
            for scope in job_scopes(filter) {
                req = req.q("scope[]", scope);
            }
        }
        let name = a.check_name.clone();
        self.list(req, &a.page, Mode::Offset, ctx, |job: GlJob| {
            let run = job.check_run()?;
            Ok(name.as_ref().is_none_or(|n| *n == run.name).then_some(run))
        })
        .await
    }
}

/// The commit statuses of a ref (CI jobs included); `latest` keeps only
/// the newest status per name, as GitLab does without `all`.
#[async_trait]
impl Handle<ListCheckRunsForRef> for GitLab {
    async fn handle(
        &self,
        a: ListCheckRunsForRef,
        ctx: &CallContext,
    ) -> Result<Response<Page<CheckRun>>, Error> {
        let r#ref = scm_core::http_util::encode_segment(&a.r#ref)?;
        let mut req = Req::get(format!(
            "{}/repository/commits/{ref}/statuses",
            self.project(ctx)?
        ))
        .q_opt("name", a.check_name.as_deref());
        if a.timestamp_filter == TimestampFilter::All {
            req = req.q("all", "true");
        }
        let filter = a.status;
        self.list(req, &a.page, Mode::Offset, ctx, |status: GlStatus| {
            let run = status.check_run(None)?;
            Ok(matches_filter(&run, filter).then_some(run))
        })
        .await
    }
}

#[async_trait]
impl Handle<ListWorkflowRuns> for GitLab {
    async fn handle(
        &self,
        a: ListWorkflowRuns,
        ctx: &CallContext,
    ) -> Result<Response<Page<WorkflowRun>>, Error> {
        let req =
            Req::get(format!("{}/pipelines", self.project(ctx)?)).q_opt("sha", a.head_sha.as_ref());
        self.list(req, &a.page, Mode::Offset, ctx, |p: GlPipeline| {
            p.workflow_run().map(Some)
        })
        .await
    }
}

#[async_trait]
impl Handle<ListWorkflowJobs> for GitLab {
    async fn handle(
        &self,
        a: ListWorkflowJobs,
        ctx: &CallContext,
    ) -> Result<Response<Page<WorkflowJob>>, Error> {
        let req = Req::get(format!(
            "{}/pipelines/{}/jobs",
            self.project(ctx)?,
            number(&a.workflow_run_id, "workflow_run_id")?
        ));
        self.list(req, &a.page, Mode::Offset, ctx, |j: GlJob| {
            j.workflow_job().map(Some)
        })
        .await
    }
}

/// Streams the job's trace.
#[async_trait]
impl Handle<DownloadWorkflowJobLog> for GitLab {
    async fn handle(
        &self,
        a: DownloadWorkflowJobLog,
        ctx: &CallContext,
    ) -> Result<Response<Download>, Error> {
        let req = Req::get(format!(
            "{}/jobs/{}/trace",
            self.project(ctx)?,
            number(&a.job_id, "job_id")?
        ));
        self.download(req, ctx).await
    }
}
