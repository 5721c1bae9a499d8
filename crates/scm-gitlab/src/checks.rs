//! Check run ids.
//!
//! GitLab check runs are commit statuses; CI jobs are commit statuses too
//! and share their id space. A status can only be read back or updated
//! through its commit, so a check run id carries both: `<id>@<sha>`. A bare
//! number (a job id from a webhook) is read as a CI job.

use scm_core::model::Sha;
use scm_core::Error;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckRunId {
    /// A commit status (external or a CI job) on a commit.
    Status { id: String, sha: Sha },
    /// A CI job by id alone.
    Job { id: String },
}

impl CheckRunId {
    pub fn format(id: &str, sha: &str) -> String {
        format!("{id}@{sha}")
    }

    pub fn parse(value: &str) -> Result<Self, Error> {
        let invalid = || {
            Error::invalid_input(format!(
                "`{}` is not a GitLab check run id (`<id>@<sha>` or a job id)",
                value.chars().take(80).collect::<String>()
            ))
        };
        match value.split_once('@') {
            Some((id, sha)) => Ok(CheckRunId::Status {
                id: crate::number(id, "check_run_id").map_err(|_| invalid())?,
                sha: Sha::new(sha).map_err(|_| invalid())?,
            }),
            None => Ok(CheckRunId::Job {
                id: crate::number(value, "check_run_id").map_err(|_| invalid())?,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip() {
        let sha = "18f3e63d05582537db6d183d9d557be09e1f90c8";
        let id = CheckRunId::format("93", sha);
        assert_eq!(
            CheckRunId::parse(&id).unwrap(),
            CheckRunId::Status {
                id: "93".into(),
                sha: Sha::new(sha).unwrap()
            }
        );
        assert_eq!(
            CheckRunId::parse("7").unwrap(),
            CheckRunId::Job { id: "7".into() }
        );
        assert!(CheckRunId::parse("7@zz").is_err());
        assert!(CheckRunId::parse("a/b").is_err());
    }
}
