//! Build statuses, reported on a commit by external CI servers, as check
//! runs.

use scm_core::model::{BuildConclusion, BuildStatus, CheckRun, Sha, Timestamp};
use serde::Deserialize;

use super::de_date;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbBuildStatus {
    pub key: String,
    /// `INPROGRESS`, `SUCCESSFUL`, `FAILED`, `CANCELLED`, `UNKNOWN`.
    pub state: Option<String>,
    pub url: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    #[serde(default, deserialize_with = "de_date", alias = "dateAdded")]
    pub created_date: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_date")]
    pub updated_date: Option<Timestamp>,
    /// Milliseconds.
    pub duration: Option<i64>,
    pub build_number: Option<String>,
}

/// A check run id: `{commit}:{key}` (a status is addressed by both).
pub fn check_run_id(sha: &Sha, key: &str) -> String {
    format!("{sha}:{key}")
}

/// Splits a check run id into commit and key.
pub fn split_check_run_id(id: &str) -> scm_core::Result<(Sha, String)> {
    let (sha, key) = id.split_once(':').ok_or_else(|| {
        scm_core::Error::invalid_input(format!(
            "`{}` is not a Bitbucket Data Center check run id (`<commit>:<key>`)",
            id.chars().take(80).collect::<String>()
        ))
    })?;
    if key.is_empty() {
        return Err(scm_core::Error::invalid_input(
            "the check run id has no key",
        ));
    }
    Ok((Sha::new(sha)?, key.to_owned()))
}

/// Data Center's build state → neutral status and conclusion.
pub fn neutral_state(state: Option<&str>) -> (BuildStatus, Option<BuildConclusion>) {
    match state {
        Some("INPROGRESS") => (BuildStatus::Running, None),
        Some("SUCCESSFUL") => (BuildStatus::Completed, Some(BuildConclusion::Success)),
        Some("FAILED") => (BuildStatus::Completed, Some(BuildConclusion::Failure)),
        Some("CANCELLED") => (BuildStatus::Completed, Some(BuildConclusion::Cancelled)),
        _ => (BuildStatus::Pending, None),
    }
}

/// Neutral status and conclusion → Data Center's build state. Data Center
/// has no queued state: pending builds are reported in progress.
pub fn build_state(
    status: Option<BuildStatus>,
    conclusion: Option<BuildConclusion>,
) -> &'static str {
    match (conclusion, status) {
        (Some(BuildConclusion::Success), _)
        | (Some(BuildConclusion::Neutral), _)
        | (Some(BuildConclusion::Skipped), _) => "SUCCESSFUL",
        (Some(BuildConclusion::Failure), _)
        | (Some(BuildConclusion::TimedOut), _)
        | (Some(BuildConclusion::ActionRequired), _) => "FAILED",
        (Some(BuildConclusion::Cancelled), _) => "CANCELLED",
        (Some(BuildConclusion::Unknown), _) => "UNKNOWN",
        (None, Some(BuildStatus::Completed)) => "UNKNOWN",
        (None, _) => "INPROGRESS",
    }
}

impl BbBuildStatus {
    pub fn check_run(self, sha: &Sha) -> CheckRun {
        let (status, conclusion) = neutral_state(self.state.as_deref());
        let completed_at = match status {
            BuildStatus::Completed => self.updated_date.or(self.created_date),
            _ => None,
        };
        CheckRun {
            id: check_run_id(sha, &self.key),
            name: self.name.unwrap_or_else(|| self.key.clone()),
            head_sha: Some(sha.clone()),
            status,
            conclusion,
            external_id: Some(self.key),
            html_url: self.url.clone(),
            details_url: self.url,
            check_suite_id: Some(sha.to_string()),
            started_at: self.created_date,
            completed_at,
            output: self
                .description
                .map(|summary| scm_core::model::CheckRunOutput {
                    title: None,
                    summary: Some(summary),
                    text: None,
                    annotations: Vec::new(),
                }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_both_ways_and_ids() {
        for state in ["INPROGRESS", "SUCCESSFUL", "FAILED", "CANCELLED"] {
            let (status, conclusion) = neutral_state(Some(state));
            assert_eq!(build_state(Some(status), conclusion), state);
        }
        let sha = Sha::new("abcdef0").unwrap();
        let id = check_run_id(&sha, "ci:lint");
        assert_eq!(
            split_check_run_id(&id).unwrap(),
            (sha, "ci:lint".to_owned())
        );
        assert!(split_check_run_id("nope").is_err());
        assert!(split_check_run_id("abcdef0:").is_err());
    }
}
