//! Check runs, workflow runs and jobs, and the status/conclusion mapping
//! in both directions.

use scm_core::model::{
    BuildConclusion, BuildStatus, CheckRun, CheckRunOutput, Timestamp, WorkflowJob, WorkflowRun,
};
use scm_core::Error;
use serde::Deserialize;

use super::{lenient_sha, opt_id_string};

/// GitHub's statuses → neutral: everything before a runner picks the job
/// up (`queued`, `requested`, `waiting`, `pending`) is pending. Unknown
/// future statuses are treated as pending too: not running, not done.
pub fn build_status(status: &str) -> BuildStatus {
    match status {
        "in_progress" => BuildStatus::Running,
        "completed" => BuildStatus::Completed,
        _ => BuildStatus::Pending,
    }
}

/// Neutral → the status GitHub accepts when creating or updating.
pub fn github_status(status: BuildStatus) -> &'static str {
    match status {
        BuildStatus::Pending => "queued",
        BuildStatus::Running => "in_progress",
        BuildStatus::Completed => "completed",
    }
}

/// GitHub's conclusions → neutral. `stale` (set by GitHub after 14 days
/// incomplete) and anything new become `unknown`; `startup_failure` (a
/// workflow that could not start) is a failure.
pub fn build_conclusion(conclusion: &str) -> BuildConclusion {
    match conclusion {
        "success" => BuildConclusion::Success,
        "failure" | "startup_failure" => BuildConclusion::Failure,
        "cancelled" => BuildConclusion::Cancelled,
        "skipped" => BuildConclusion::Skipped,
        "timed_out" => BuildConclusion::TimedOut,
        "neutral" => BuildConclusion::Neutral,
        "action_required" => BuildConclusion::ActionRequired,
        _ => BuildConclusion::Unknown,
    }
}

/// Neutral → the conclusion GitHub accepts.
pub fn github_conclusion(conclusion: BuildConclusion) -> Result<&'static str, Error> {
    Ok(match conclusion {
        BuildConclusion::Success => "success",
        BuildConclusion::Failure => "failure",
        BuildConclusion::Cancelled => "cancelled",
        BuildConclusion::Skipped => "skipped",
        BuildConclusion::TimedOut => "timed_out",
        BuildConclusion::Neutral => "neutral",
        BuildConclusion::ActionRequired => "action_required",
        // GitHub has no `unknown`; `neutral` is its conclusion that says
        // neither success nor failure.
        BuildConclusion::Unknown => "neutral",
    })
}

fn conclusion(value: Option<String>) -> Option<BuildConclusion> {
    value.as_deref().map(build_conclusion)
}

fn status(value: Option<String>) -> BuildStatus {
    value.as_deref().map_or(BuildStatus::Pending, build_status)
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhCheckOutput {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub text: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhCheckSuiteRef {
    #[serde(default, deserialize_with = "opt_id_string")]
    pub id: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhCheckRun {
    #[serde(deserialize_with = "super::id_string")]
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub head_sha: Option<String>,
    pub status: Option<String>,
    pub conclusion: Option<String>,
    pub external_id: Option<String>,
    pub html_url: Option<String>,
    pub details_url: Option<String>,
    pub check_suite: Option<GhCheckSuiteRef>,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub output: Option<GhCheckOutput>,
}

impl From<GhCheckRun> for CheckRun {
    fn from(run: GhCheckRun) -> Self {
        CheckRun {
            id: run.id,
            name: run.name,
            head_sha: lenient_sha(run.head_sha),
            status: status(run.status),
            conclusion: conclusion(run.conclusion),
            external_id: run.external_id,
            html_url: run.html_url,
            details_url: run.details_url,
            check_suite_id: run.check_suite.and_then(|s| s.id),
            started_at: run.started_at,
            completed_at: run.completed_at,
            // GitHub answers with an annotation count, not the annotations.
            output: run.output.map(|o| CheckRunOutput {
                title: o.title,
                summary: o.summary,
                text: o.text,
                annotations: Vec::new(),
            }),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhWorkflowRun {
    #[serde(deserialize_with = "super::id_string")]
    pub id: String,
    pub name: Option<String>,
    pub head_sha: Option<String>,
    pub head_branch: Option<String>,
    pub status: Option<String>,
    pub conclusion: Option<String>,
    pub event: Option<String>,
    pub html_url: Option<String>,
    pub run_attempt: Option<u32>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

impl From<GhWorkflowRun> for WorkflowRun {
    fn from(run: GhWorkflowRun) -> Self {
        WorkflowRun {
            id: run.id,
            name: run.name,
            head_sha: lenient_sha(run.head_sha),
            head_branch: run.head_branch,
            status: status(run.status),
            conclusion: conclusion(run.conclusion),
            event: run.event,
            html_url: run.html_url,
            run_attempt: run.run_attempt,
            created_at: run.created_at,
            updated_at: run.updated_at,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhWorkflowJob {
    #[serde(deserialize_with = "super::id_string")]
    pub id: String,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub run_id: Option<String>,
    #[serde(default)]
    pub name: String,
    pub status: Option<String>,
    pub conclusion: Option<String>,
    pub html_url: Option<String>,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
}

impl From<GhWorkflowJob> for WorkflowJob {
    fn from(job: GhWorkflowJob) -> Self {
        WorkflowJob {
            id: job.id,
            run_id: job.run_id,
            name: job.name,
            status: status(job.status),
            conclusion: conclusion(job.conclusion),
            html_url: job.html_url,
            started_at: job.started_at,
            completed_at: job.completed_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statuses_both_ways() {
        for (github, neutral) in [
            ("queued", BuildStatus::Pending),
            ("requested", BuildStatus::Pending),
            ("waiting", BuildStatus::Pending),
            ("pending", BuildStatus::Pending),
            ("in_progress", BuildStatus::Running),
            ("completed", BuildStatus::Completed),
            ("something_new", BuildStatus::Pending),
        ] {
            assert_eq!(build_status(github), neutral, "{github}");
        }
        for neutral in [
            BuildStatus::Pending,
            BuildStatus::Running,
            BuildStatus::Completed,
        ] {
            assert_eq!(build_status(github_status(neutral)), neutral);
        }
    }

    #[test]
    fn conclusions_both_ways() {
        for (github, neutral) in [
            ("success", BuildConclusion::Success),
            ("failure", BuildConclusion::Failure),
            ("startup_failure", BuildConclusion::Failure),
            ("cancelled", BuildConclusion::Cancelled),
            ("skipped", BuildConclusion::Skipped),
            ("timed_out", BuildConclusion::TimedOut),
            ("neutral", BuildConclusion::Neutral),
            ("action_required", BuildConclusion::ActionRequired),
            ("stale", BuildConclusion::Unknown),
            ("", BuildConclusion::Unknown),
        ] {
            assert_eq!(build_conclusion(github), neutral, "{github}");
        }
        for neutral in [
            BuildConclusion::Success,
            BuildConclusion::Failure,
            BuildConclusion::Cancelled,
            BuildConclusion::Skipped,
            BuildConclusion::TimedOut,
            BuildConclusion::Neutral,
            BuildConclusion::ActionRequired,
        ] {
            assert_eq!(
                build_conclusion(github_conclusion(neutral).unwrap()),
                neutral
            );
        }
        assert_eq!(
            github_conclusion(BuildConclusion::Unknown).unwrap(),
            "neutral"
        );
    }

    #[test]
    fn check_runs_tolerate_nulls() {
        let run: CheckRun = serde_json::from_value::<GhCheckRun>(json!({
            "id": 4, "name": "ci", "head_sha": "abcd1234", "status": "completed",
            "conclusion": null, "check_suite": {"id": 5}, "output": {"title": null,
            "summary": "ok", "annotations_count": 2}
        }))
        .unwrap()
        .into();
        assert_eq!(run.id, "4");
        assert_eq!(run.status, BuildStatus::Completed);
        assert_eq!(run.conclusion, None);
        assert_eq!(run.check_suite_id.as_deref(), Some("5"));
        assert_eq!(run.output.unwrap().summary.as_deref(), Some("ok"));
    }
}
