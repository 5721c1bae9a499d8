//! Build statuses (check runs) and Pipelines (workflow runs and jobs).
//!
//! A check run is a build status, identified by the commit and the
//! status's `key`: the neutral id is `<sha>:<key>` (a sha has no `:`).
//! States map both ways: INPROGRESS ↔ running (Bitbucket has no queued
//! state; pending is sent as INPROGRESS), SUCCESSFUL ↔ success, FAILED ↔
//! failure (timed_out and action_required are sent as FAILED), STOPPED ↔
//! cancelled (skipped and neutral are sent as STOPPED) — lossy where
//! Bitbucket has fewer states.

use scm_core::model::{BuildConclusion, BuildStatus, CheckRun, Sha, WorkflowJob, WorkflowRun};
use serde::Deserialize;

use super::common::{timestamp, CommitRef, Links};

/// `<sha>:<key>`.
pub(crate) fn check_run_id(sha: &str, key: &str) -> String {
    format!("{sha}:{key}")
}

/// Splits a check run id into the commit and the key.
pub(crate) fn split_check_run_id(id: &str) -> Result<(Sha, String), scm_core::Error> {
    let (sha, key) = id.split_once(':').ok_or_else(|| {
        scm_core::Error::invalid_input("a Bitbucket check run id is `<commit sha>:<status key>`")
    })?;
    if key.is_empty() {
        return Err(scm_core::Error::invalid_input(
            "a Bitbucket check run id needs a status key after `:`",
        ));
    }
    Ok((Sha::new(sha)?, key.to_owned()))
}

/// The neutral status and conclusion of a build status state.
pub(crate) fn status_of(state: &str) -> (BuildStatus, Option<BuildConclusion>) {
    match state {
        "SUCCESSFUL" => (BuildStatus::Completed, Some(BuildConclusion::Success)),
        "FAILED" => (BuildStatus::Completed, Some(BuildConclusion::Failure)),
        "STOPPED" => (BuildStatus::Completed, Some(BuildConclusion::Cancelled)),
        "INPROGRESS" => (BuildStatus::Running, None),
        _ => (BuildStatus::Pending, None),
    }
}

/// The Bitbucket state for a neutral status and conclusion.
pub(crate) fn state_for(
    status: Option<BuildStatus>,
    conclusion: Option<BuildConclusion>,
) -> &'static str {
    match conclusion {
        Some(BuildConclusion::Success) => "SUCCESSFUL",
        Some(
            BuildConclusion::Failure | BuildConclusion::TimedOut | BuildConclusion::ActionRequired,
        ) => "FAILED",
        Some(
            BuildConclusion::Cancelled
            | BuildConclusion::Skipped
            | BuildConclusion::Neutral
            | BuildConclusion::Unknown,
        ) => "STOPPED",
        None => match status {
            // Completed without a conclusion: the caller did not say how.
            Some(BuildStatus::Completed) => "SUCCESSFUL",
            _ => "INPROGRESS",
        },
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct StatusLinks {
    #[serde(default)]
    pub commit: Option<super::common::Link>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct CommitStatus {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub commit: Option<CommitRef>,
    #[serde(default)]
    pub links: StatusLinks,
    #[serde(default)]
    pub created_on: Option<String>,
    #[serde(default)]
    pub updated_on: Option<String>,
}

impl CommitStatus {
    /// The commit the status is on: its `commit`, else the last segment of
    /// its `links.commit`, else the commit the caller asked about.
    pub fn commit_sha(&self, asked: Option<&Sha>) -> Option<Sha> {
        self.commit
            .as_ref()
            .and_then(CommitRef::sha)
            .or_else(|| {
                let href = self.links.commit.as_ref()?.href.as_deref()?;
                Sha::new(href.trim_end_matches('/').rsplit('/').next()?).ok()
            })
            .or_else(|| asked.cloned())
    }

    pub fn check_run(self, asked: Option<&Sha>) -> Result<CheckRun, scm_core::Error> {
        let key = self.key.clone().ok_or_else(|| {
            scm_core::Error::malformed("Bitbucket sent a build status without a key")
        })?;
        let head_sha = self.commit_sha(asked);
        let (status, conclusion) = status_of(self.state.as_deref().unwrap_or(""));
        let id = match &head_sha {
            Some(sha) => check_run_id(sha.as_str(), &key),
            None => key.clone(),
        };
        let completed_at = (status == BuildStatus::Completed)
            .then(|| timestamp(&self.updated_on))
            .flatten();
        Ok(CheckRun {
            id,
            name: self.name.clone().unwrap_or_else(|| key.clone()),
            check_suite_id: head_sha.as_ref().map(|s| s.to_string()),
            head_sha,
            status,
            conclusion,
            external_id: Some(key),
            html_url: self.url.clone(),
            details_url: self.url,
            started_at: timestamp(&self.created_on),
            completed_at,
            output: self.description.filter(|d| !d.is_empty()).map(|d| {
                scm_core::model::CheckRunOutput {
                    title: None,
                    summary: Some(d),
                    text: None,
                    annotations: Vec::new(),
                }
            }),
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Named {
    #[serde(default)]
    pub name: Option<String>,
}

/// `{name: PENDING|IN_PROGRESS|COMPLETED|…, result?: {name}, stage?: {name}}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct PipelineState {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub result: Option<Named>,
}

impl PipelineState {
    pub fn neutral(&self) -> (BuildStatus, Option<BuildConclusion>) {
        match self.name.as_deref().unwrap_or("") {
            "COMPLETED" => {
                let result = self.result.as_ref().and_then(|r| r.name.as_deref());
                let conclusion = match result.unwrap_or("") {
                    "SUCCESSFUL" => BuildConclusion::Success,
                    "FAILED" | "ERROR" => BuildConclusion::Failure,
                    "STOPPED" => BuildConclusion::Cancelled,
                    "EXPIRED" => BuildConclusion::TimedOut,
                    "NOT_RUN" | "SKIPPED" => BuildConclusion::Skipped,
                    _ => BuildConclusion::Unknown,
                };
                (BuildStatus::Completed, Some(conclusion))
            }
            "IN_PROGRESS" | "RUNNING" => (BuildStatus::Running, None),
            _ => (BuildStatus::Pending, None),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct PipelineTarget {
    #[serde(default)]
    pub ref_name: Option<String>,
    #[serde(default)]
    pub commit: Option<CommitRef>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Pipeline {
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub build_number: Option<i64>,
    #[serde(default)]
    pub state: Option<PipelineState>,
    #[serde(default)]
    pub target: Option<PipelineTarget>,
    #[serde(default)]
    pub trigger: Option<Named>,
    #[serde(default)]
    pub links: Links,
    #[serde(default)]
    pub created_on: Option<String>,
    #[serde(default)]
    pub completed_on: Option<String>,
}

impl Pipeline {
    /// `html_url` is built by the caller from the build number.
    pub fn neutral(
        self,
        html_url: impl Fn(i64) -> Option<String>,
    ) -> Result<WorkflowRun, scm_core::Error> {
        let id = self.uuid.clone().ok_or_else(|| {
            scm_core::Error::malformed("Bitbucket sent a pipeline without a uuid")
        })?;
        let (status, conclusion) = self
            .state
            .as_ref()
            .map(PipelineState::neutral)
            .unwrap_or((BuildStatus::Pending, None));
        let target = self.target.unwrap_or_default();
        Ok(WorkflowRun {
            id,
            name: self.build_number.map(|n| format!("#{n}")),
            head_sha: target.commit.as_ref().and_then(CommitRef::sha),
            head_branch: target.ref_name,
            status,
            conclusion,
            event: self
                .trigger
                .and_then(|t| t.name)
                .map(|t| t.to_ascii_lowercase()),
            html_url: self
                .links
                .html()
                .or_else(|| self.build_number.and_then(&html_url)),
            run_attempt: None,
            created_at: timestamp(&self.created_on),
            updated_at: timestamp(&self.completed_on).or_else(|| timestamp(&self.created_on)),
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Step {
    #[serde(default)]
    pub uuid: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub state: Option<PipelineState>,
    #[serde(default)]
    pub started_on: Option<String>,
    #[serde(default)]
    pub completed_on: Option<String>,
}

/// `<pipeline uuid>:<step uuid>`: a job needs both to be found again.
pub(crate) fn job_id(pipeline: &str, step: &str) -> String {
    format!("{pipeline}:{step}")
}

pub(crate) fn split_job_id(id: &str) -> Result<(String, String), scm_core::Error> {
    match id.split_once(':') {
        Some((p, s)) if !p.is_empty() && !s.is_empty() => Ok((p.to_owned(), s.to_owned())),
        _ => Err(scm_core::Error::invalid_input(
            "a Bitbucket job id is `<pipeline uuid>:<step uuid>`",
        )),
    }
}

impl Step {
    pub fn neutral(
        self,
        pipeline: &str,
        html_url: Option<String>,
    ) -> Result<WorkflowJob, scm_core::Error> {
        let step = self.uuid.clone().ok_or_else(|| {
            scm_core::Error::malformed("Bitbucket sent a pipeline step without a uuid")
        })?;
        let (status, conclusion) = self
            .state
            .as_ref()
            .map(PipelineState::neutral)
            .unwrap_or((BuildStatus::Pending, None));
        Ok(WorkflowJob {
            id: job_id(pipeline, &step),
            run_id: Some(pipeline.to_owned()),
            name: self.name.unwrap_or_else(|| step.clone()),
            status,
            conclusion,
            html_url,
            started_at: timestamp(&self.started_on),
            completed_at: timestamp(&self.completed_on),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_both_ways() {
        for state in ["SUCCESSFUL", "FAILED", "STOPPED", "INPROGRESS"] {
            let (status, conclusion) = status_of(state);
            assert_eq!(state_for(Some(status), conclusion), state);
        }
        assert_eq!(state_for(Some(BuildStatus::Pending), None), "INPROGRESS");
        assert_eq!(state_for(None, Some(BuildConclusion::TimedOut)), "FAILED");
        assert_eq!(state_for(None, Some(BuildConclusion::Skipped)), "STOPPED");
    }

    #[test]
    fn ids_split() {
        let sha = "a6e5e7d797edf751cbd839d6bd4aef86c941eec9";
        let (s, k) = split_check_run_id(&check_run_id(sha, "ci:lint")).unwrap();
        assert_eq!((s.as_str(), k.as_str()), (sha, "ci:lint"));
        assert!(split_check_run_id("nosha").is_err());
        assert!(split_check_run_id("zz:key").is_err());
        assert_eq!(
            split_job_id("{a}:{b}").unwrap(),
            ("{a}".to_owned(), "{b}".to_owned())
        );
        assert!(split_job_id("{a}").is_err());
    }
}
