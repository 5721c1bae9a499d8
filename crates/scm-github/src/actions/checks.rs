//! Check runs, GitHub Actions workflow runs and jobs, job logs.

use async_trait::async_trait;
use http::header::{CONTENT_DISPOSITION, CONTENT_LENGTH, CONTENT_TYPE};
use http::Method;
use scm_core::actions::{
    CreateCheckRun, DownloadWorkflowJobLog, GetCheckRun, ListCheckRunsForRef,
    ListCheckRunsInCheckSuite, ListWorkflowJobs, ListWorkflowRuns, UpdateCheckRun,
};
use scm_core::model::{
    BuildConclusion, BuildStatus, CheckRun, CheckRunOutput, CheckRunStatusFilter, TimestampFilter,
    WorkflowJob, WorkflowRun,
};
use scm_core::transport::HttpResponse;
use scm_core::{CallContext, Download, Error, Handle, Page, PageRequest, Response, Result};
use serde_json::{json, Map, Value};

use super::{id_segment, seg};
use crate::client::{Call, Client, PROVIDER};
use crate::schema::{github_conclusion, github_status, GhCheckRun, GhWorkflowJob, GhWorkflowRun};
use crate::GitHub;

fn check_run_path(ctx: &CallContext, id: &str) -> Result<String> {
    Ok(format!(
        "{}/check-runs/{}",
        Client::repo_path(ctx)?,
        id_segment(id)?
    ))
}

fn output_json(output: CheckRunOutput) -> Result<Value> {
    // GitHub requires both; refusing here gives a clearer error than a 422.
    let (Some(title), Some(summary)) = (output.title, output.summary) else {
        return Err(Error::invalid_input(
            "a GitHub check run output needs a title and a summary",
        ));
    };
    let mut value = json!({ "title": title, "summary": summary });
    if let Some(text) = output.text {
        value["text"] = json!(text);
    }
    if !output.annotations.is_empty() {
        let annotations: Vec<Value> = output
            .annotations
            .into_iter()
            .map(|a| {
                let mut item = json!({
                    "path": a.path,
                    "start_line": a.start_line,
                    "end_line": a.end_line,
                    "annotation_level": a.annotation_level,
                    "message": a.message,
                });
                if let Some(title) = a.title {
                    item["title"] = json!(title);
                }
                item
            })
            .collect();
        value["annotations"] = json!(annotations);
    }
    Ok(value)
}

/// The status/conclusion/output part of a create or update body: only
/// what the caller gave. GitHub requires a conclusion for a completed run.
pub(crate) fn check_run_fields(
    body: &mut Map<String, Value>,
    status: Option<BuildStatus>,
    conclusion: Option<BuildConclusion>,
    output: Option<CheckRunOutput>,
) -> Result<()> {
    if status == Some(BuildStatus::Completed) && conclusion.is_none() {
        return Err(Error::invalid_input(
            "a completed check run needs a conclusion",
        ));
    }
    if let Some(status) = status {
        body.insert("status".into(), json!(github_status(status)));
    }
    if let Some(conclusion) = conclusion {
        body.insert("conclusion".into(), json!(github_conclusion(conclusion)?));
    }
    if let Some(output) = output {
        body.insert("output".into(), output_json(output)?);
    }
    Ok(())
}

fn status_filter(status: CheckRunStatusFilter) -> &'static str {
    match status {
        CheckRunStatusFilter::Queued => "queued",
        CheckRunStatusFilter::InProgress => "in_progress",
        CheckRunStatusFilter::Completed => "completed",
    }
}

fn timestamp_filter(filter: TimestampFilter) -> &'static str {
    match filter {
        TimestampFilter::Latest => "latest",
        TimestampFilter::All => "all",
    }
}

fn header(response: &HttpResponse, name: http::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `attachment; filename="job.txt"` → `job.txt`.
pub(crate) fn disposition_filename(value: &str) -> Option<String> {
    value.split(';').find_map(|part| {
        let part = part.trim();
        let name = part.strip_prefix("filename=")?;
        let name = name.trim_matches('"');
        (!name.is_empty()).then(|| name.to_owned())
    })
}

/// Wraps a successful answer as a stream; the body is never buffered.
fn download(response: HttpResponse) -> Download {
    let content_type = header(&response, CONTENT_TYPE);
    let content_length = header(&response, CONTENT_LENGTH).and_then(|v| v.parse().ok());
    let filename = header(&response, CONTENT_DISPOSITION).and_then(|v| disposition_filename(&v));
    Download {
        content_type,
        content_length,
        filename,
        body: response.into_body(),
    }
}

impl GitHub {
    async fn list_check_runs(
        &self,
        path: String,
        check_name: Option<String>,
        status: Option<CheckRunStatusFilter>,
        filter: TimestampFilter,
        page: &PageRequest,
        ctx: &CallContext,
    ) -> Result<Response<Page<CheckRun>>> {
        let call = Call::get(path)
            .query_opt("check_name", check_name)
            .query_opt("status", status.map(status_filter))
            .query("filter", timestamp_filter(filter));
        self.client()
            .list_under_into::<GhCheckRun, CheckRun>(call, "check_runs", page, ctx)
            .await
    }
}

#[async_trait]
impl Handle<GetCheckRun> for GitHub {
    async fn handle(&self, action: GetCheckRun, ctx: &CallContext) -> Result<Response<CheckRun>> {
        let call = Call::get(check_run_path(ctx, &action.check_run_id)?);
        self.client()
            .json_into::<GhCheckRun, CheckRun>(call, ctx)
            .await
    }
}

#[async_trait]
impl Handle<CreateCheckRun> for GitHub {
    async fn handle(
        &self,
        action: CreateCheckRun,
        ctx: &CallContext,
    ) -> Result<Response<CheckRun>> {
        let mut body = Map::new();
        body.insert("name".into(), json!(action.name));
        body.insert("head_sha".into(), json!(action.head_sha));
        if action.completed_at.is_some() && action.conclusion.is_none() {
            return Err(Error::invalid_input(
                "a check run with completed_at needs a conclusion",
            ));
        }
        check_run_fields(&mut body, action.status, action.conclusion, action.output)?;
        if let Some(external_id) = action.external_id {
            body.insert("external_id".into(), json!(external_id));
        }
        let stamp = |t: scm_core::model::Timestamp| {
            json!(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        };
        if let Some(started_at) = action.started_at {
            body.insert("started_at".into(), stamp(started_at));
        }
        if let Some(completed_at) = action.completed_at {
            body.insert("completed_at".into(), stamp(completed_at));
        }
        let call = Call::new(
            Method::POST,
            format!("{}/check-runs", Client::repo_path(ctx)?),
        )
        .json(Value::Object(body));
        self.client()
            .json_into::<GhCheckRun, CheckRun>(call, ctx)
            .await
    }
}

#[async_trait]
impl Handle<UpdateCheckRun> for GitHub {
    async fn handle(
        &self,
        action: UpdateCheckRun,
        ctx: &CallContext,
    ) -> Result<Response<CheckRun>> {
        let mut body = Map::new();
        check_run_fields(&mut body, action.status, action.conclusion, action.output)?;
        let call = Call::new(Method::PATCH, check_run_path(ctx, &action.check_run_id)?)
            .json(Value::Object(body));
        self.client()
            .json_into::<GhCheckRun, CheckRun>(call, ctx)
            .await
    }
}

#[async_trait]
impl Handle<ListCheckRunsInCheckSuite> for GitHub {
    async fn handle(
        &self,
        action: ListCheckRunsInCheckSuite,
        ctx: &CallContext,
    ) -> Result<Response<Page<CheckRun>>> {
        let path = format!(
            "{}/check-suites/{}/check-runs",
            Client::repo_path(ctx)?,
            id_segment(&action.check_suite_id)?
        );
        self.list_check_runs(
            path,
            action.check_name,
            action.status,
            action.timestamp_filter,
            &action.page,
            ctx,
        )
        .await
    }
}

#[async_trait]
impl Handle<ListCheckRunsForRef> for GitHub {
    async fn handle(
        &self,
        action: ListCheckRunsForRef,
        ctx: &CallContext,
    ) -> Result<Response<Page<CheckRun>>> {
        let path = format!(
            "{}/commits/{}/check-runs",
            Client::repo_path(ctx)?,
            seg(&action.r#ref)?
        );
        self.list_check_runs(
            path,
            action.check_name,
            action.status,
            action.timestamp_filter,
            &action.page,
            ctx,
        )
        .await
    }
}

#[async_trait]
impl Handle<ListWorkflowRuns> for GitHub {
    async fn handle(
        &self,
        action: ListWorkflowRuns,
        ctx: &CallContext,
    ) -> Result<Response<Page<WorkflowRun>>> {
        let call = Call::get(format!("{}/actions/runs", Client::repo_path(ctx)?))
            .query_opt("head_sha", action.head_sha);
        self.client()
            .list_under_into::<GhWorkflowRun, WorkflowRun>(call, "workflow_runs", &action.page, ctx)
            .await
    }
}

#[async_trait]
impl Handle<ListWorkflowJobs> for GitHub {
    async fn handle(
        &self,
        action: ListWorkflowJobs,
        ctx: &CallContext,
    ) -> Result<Response<Page<WorkflowJob>>> {
        let call = Call::get(format!(
            "{}/actions/runs/{}/jobs",
            Client::repo_path(ctx)?,
            id_segment(&action.workflow_run_id)?
        ));
        self.client()
            .list_under_into::<GhWorkflowJob, WorkflowJob>(call, "jobs", &action.page, ctx)
            .await
    }
}

#[async_trait]
impl Handle<DownloadWorkflowJobLog> for GitHub {
    async fn handle(
        &self,
        action: DownloadWorkflowJobLog,
        ctx: &CallContext,
    ) -> Result<Response<Download>> {
        let path = format!(
            "{}/actions/jobs/{}/logs",
            Client::repo_path(ctx)?,
            id_segment(&action.job_id)?
        );
        let mut call = Call::get(path);
        call.conditional = false;
        // GitHub answers with a redirect to a short-lived signed URL, which
        // is fetched without our credentials and streamed, not buffered.
        let (location, redirect) = self.client().redirect_location(call, ctx).await?;
        drop(redirect);
        let response = self.client().get_absolute(&location, ctx).await?;
        Ok(Response::ok(
            download(response),
            PROVIDER,
            None,
            Default::default(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completed_needs_a_conclusion() {
        let mut body = Map::new();
        let err = check_run_fields(&mut body, Some(BuildStatus::Completed), None, None);
        assert_eq!(err.unwrap_err().code(), "invalid_input");
        check_run_fields(
            &mut body,
            Some(BuildStatus::Completed),
            Some(BuildConclusion::TimedOut),
            None,
        )
        .unwrap();
        assert_eq!(body["status"], "completed");
        assert_eq!(body["conclusion"], "timed_out");
    }

    #[test]
    fn only_given_fields_are_sent() {
        let mut body = Map::new();
        check_run_fields(&mut body, Some(BuildStatus::Running), None, None).unwrap();
        assert_eq!(Value::Object(body), json!({"status": "in_progress"}));
        let mut body = Map::new();
        check_run_fields(&mut body, None, None, None).unwrap();
        assert!(body.is_empty());
        let mut body = Map::new();
        check_run_fields(&mut body, None, Some(BuildConclusion::Unknown), None).unwrap();
        assert_eq!(Value::Object(body), json!({"conclusion": "neutral"}));
    }

    #[test]
    fn outputs_need_title_and_summary() {
        let output = CheckRunOutput {
            title: Some("t".into()),
            summary: None,
            text: None,
            annotations: vec![],
        };
        assert!(output_json(output).is_err());
    }

    #[test]
    fn filenames_from_disposition() {
        assert_eq!(
            disposition_filename(r#"attachment; filename="logs_1.txt""#).as_deref(),
            Some("logs_1.txt")
        );
        assert_eq!(disposition_filename("inline"), None);
    }
}
