//! Check runs, workflow runs and jobs (CI results).

use serde::{Deserialize, Serialize};

use super::{ResourceId, Sha, Timestamp};

/// Where a build is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum BuildStatus {
    Pending,
    Running,
    Completed,
}

/// How a completed build ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum BuildConclusion {
    Success,
    Failure,
    Cancelled,
    Skipped,
    TimedOut,
    Neutral,
    ActionRequired,
    Unknown,
}

/// Filter for listing check runs by status (provider names, not neutral ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CheckRunStatusFilter {
    Queued,
    InProgress,
    Completed,
}

/// Which check runs to list when a check was re-run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TimestampFilter {
    #[default]
    Latest,
    All,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckRunAnnotation {
    pub path: String,
    pub start_line: u32,
    pub end_line: u32,
    /// `notice`, `warning` or `failure`; another level is refused when
    /// read, as the schema says.
    #[cfg_attr(
        feature = "schema",
        schemars(regex(pattern = r"^(notice|warning|failure)$"))
    )]
    #[serde(deserialize_with = "annotation_level")]
    pub annotation_level: String,
    pub message: String,
    pub title: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckRunOutput {
    pub title: Option<String>,
    pub summary: Option<String>,
    pub text: Option<String>,
    #[serde(default)]
    pub annotations: Vec<CheckRunAnnotation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckRun {
    pub id: ResourceId,
    pub name: String,
    pub head_sha: Option<Sha>,
    pub status: BuildStatus,
    pub conclusion: Option<BuildConclusion>,
    pub external_id: Option<String>,
    pub html_url: Option<String>,
    pub details_url: Option<String>,
    pub check_suite_id: Option<ResourceId>,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
    pub output: Option<CheckRunOutput>,
}

/// A CI pipeline run (GitHub Actions workflow run, GitLab pipeline).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowRun {
    pub id: ResourceId,
    pub name: Option<String>,
    pub head_sha: Option<Sha>,
    pub head_branch: Option<String>,
    pub status: BuildStatus,
    pub conclusion: Option<BuildConclusion>,
    /// What started it (`push`, `pull_request`, …).
    pub event: Option<String>,
    pub html_url: Option<String>,
    pub run_attempt: Option<u32>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

/// One job of a workflow run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WorkflowJob {
    pub id: ResourceId,
    pub run_id: Option<ResourceId>,
    pub name: String,
    pub status: BuildStatus,
    pub conclusion: Option<BuildConclusion>,
    pub html_url: Option<String>,
    pub started_at: Option<Timestamp>,
    pub completed_at: Option<Timestamp>,
}

fn annotation_level<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let level = String::deserialize(deserializer)?;
    match level.as_str() {
        "notice" | "warning" | "failure" => Ok(level),
        _ => Err(serde::de::Error::custom(format!(
            "`{}` is not an annotation level (notice, warning or failure)",
            level.chars().take(40).collect::<String>()
        ))),
    }
}
