//! CI: pipelines (workflow runs and check suites), jobs (workflow jobs)
//! and commit statuses (check runs).

use scm_core::model::{BuildStatus, CheckRun, CheckRunOutput, Timestamp, WorkflowJob, WorkflowRun};
use scm_core::Error;
use serde::Deserialize;

use super::commits::GlCommit;
use super::common::{de_id, de_ts, sha};
use crate::status;

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlPipeline {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    pub name: Option<String>,
    pub sha: Option<String>,
    #[serde(rename = "ref")]
    pub ref_name: Option<String>,
    pub status: Option<String>,
    pub source: Option<String>,
    pub web_url: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub updated_at: Option<Timestamp>,
}

impl GlPipeline {
    pub fn workflow_run(self) -> Result<WorkflowRun, Error> {
        let (status, conclusion) = status::build(self.status.as_deref().unwrap_or(""), None);
        Ok(WorkflowRun {
            id: self
                .id
                .ok_or_else(|| Error::malformed("GitLab sent a pipeline without an id"))?,
            name: self.name,
            head_sha: sha(self.sha.as_deref()),
            head_branch: self.ref_name,
            status,
            conclusion,
            event: self.source,
            html_url: self.web_url,
            run_attempt: None,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlJobPipeline {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlJob {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    #[serde(default)]
    pub name: String,
    pub status: Option<String>,
    pub failure_reason: Option<String>,
    pub web_url: Option<String>,
    pub commit: Option<GlCommit>,
    pub pipeline: Option<GlJobPipeline>,
    #[serde(default, deserialize_with = "de_ts")]
    pub started_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub finished_at: Option<Timestamp>,
}

impl GlJob {
    fn id(&self) -> Result<String, Error> {
        self.id
            .clone()
            .ok_or_else(|| Error::malformed("GitLab sent a job without an id"))
    }

    pub fn workflow_job(self) -> Result<WorkflowJob, Error> {
        let (status, conclusion) = status::build(
            self.status.as_deref().unwrap_or(""),
            self.failure_reason.as_deref(),
        );
        Ok(WorkflowJob {
            id: self.id()?,
            run_id: self.pipeline.and_then(|p| p.id),
            name: self.name,
            status,
            conclusion,
            html_url: self.web_url,
            started_at: self.started_at,
            completed_at: self.finished_at,
        })
    }

    pub fn check_run(self) -> Result<CheckRun, Error> {
        let (status, conclusion) = status::build(
            self.status.as_deref().unwrap_or(""),
            self.failure_reason.as_deref(),
        );
        let head_sha = sha(self.commit.as_ref().and_then(|c| c.id.as_deref()));
        let id = self.id()?;
        Ok(CheckRun {
            id: match &head_sha {
                Some(sha) => crate::checks::CheckRunId::format(&id, sha.as_str()),
                None => id,
            },
            name: self.name,
            head_sha,
            status,
            conclusion,
            external_id: None,
            html_url: self.web_url.clone(),
            details_url: self.web_url,
            check_suite_id: self.pipeline.and_then(|p| p.id),
            started_at: self.started_at,
            completed_at: self.finished_at,
            output: None,
        })
    }
}

/// A commit status (external, or the status of a CI job).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlStatus {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    pub sha: Option<String>,
    #[serde(rename = "ref")]
    pub ref_name: Option<String>,
    pub status: Option<String>,
    #[serde(default)]
    pub name: String,
    pub target_url: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "de_id")]
    pub pipeline_id: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub started_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub finished_at: Option<Timestamp>,
}

impl GlStatus {
    pub fn check_run(self, fallback_sha: Option<&str>) -> Result<CheckRun, Error> {
        let (status, conclusion) = status::build(self.status.as_deref().unwrap_or(""), None);
        let id = self
            .id
            .ok_or_else(|| Error::malformed("GitLab sent a commit status without an id"))?;
        let head_sha = sha(self.sha.as_deref().or(fallback_sha));
        Ok(CheckRun {
            id: match &head_sha {
                Some(sha) => crate::checks::CheckRunId::format(&id, sha.as_str()),
                None => id,
            },
            name: self.name,
            head_sha,
            status,
            conclusion,
            external_id: None,
            html_url: self.target_url.clone(),
            details_url: self.target_url,
            check_suite_id: self.pipeline_id,
            started_at: self.started_at,
            completed_at: if status == BuildStatus::Completed {
                self.finished_at
            } else {
                None
            },
            output: self
                .description
                .filter(|d| !d.is_empty())
                .map(|d| CheckRunOutput {
                    title: None,
                    summary: Some(d),
                    text: None,
                    annotations: Vec::new(),
                }),
        })
    }
}
