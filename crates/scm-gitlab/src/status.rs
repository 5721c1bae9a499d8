//! GitLab pipeline, job and commit status values ↔ neutral build states.

use scm_core::model::{BuildConclusion, BuildStatus};

/// Maps a GitLab status (pipelines, jobs and commit statuses share one
/// vocabulary) and, for jobs, the failure reason.
pub fn build(status: &str, failure_reason: Option<&str>) -> (BuildStatus, Option<BuildConclusion>) {
    use BuildConclusion as C;
    use BuildStatus as S;
    match status {
        "created"
        | "waiting_for_resource"
        | "preparing"
        | "pending"
        | "scheduled"
        | "waiting_for_callback" => (S::Pending, None),
        "running" | "canceling" => (S::Running, None),
        "success" => (S::Completed, Some(C::Success)),
        "failed" => {
            let timed_out = matches!(
                failure_reason,
                Some("job_execution_timeout" | "stuck_or_timeout_failure")
            );
            (
                S::Completed,
                Some(if timed_out { C::TimedOut } else { C::Failure }),
            )
        }
        "canceled" | "cancelled" => (S::Completed, Some(C::Cancelled)),
        "skipped" => (S::Completed, Some(C::Skipped)),
        // A manual job or a blocked pipeline waits for a person.
        "manual" => (S::Completed, Some(C::ActionRequired)),
        _ => (S::Completed, Some(C::Unknown)),
    }
}

/// The commit status state to send for a neutral status and conclusion.
/// GitLab has no `neutral` state: it is reported as `skipped` (neither
/// pass nor fail). `unknown` cannot be expressed.
pub fn state_for(
    status: Option<BuildStatus>,
    conclusion: Option<BuildConclusion>,
) -> Result<&'static str, scm_core::Error> {
    use BuildConclusion as C;
    if let Some(conclusion) = conclusion {
        return Ok(match conclusion {
            C::Success => "success",
            C::Failure | C::TimedOut | C::ActionRequired => "failed",
            C::Cancelled => "canceled",
            C::Skipped | C::Neutral => "skipped",
            C::Unknown => {
                return Err(scm_core::Error::invalid_input(
                    "GitLab commit statuses cannot be set to an unknown conclusion",
                ))
            }
        });
    }
    match status.unwrap_or(BuildStatus::Pending) {
        BuildStatus::Pending => Ok("pending"),
        BuildStatus::Running => Ok("running"),
        BuildStatus::Completed => Err(scm_core::Error::invalid_input(
            "a completed check run needs a conclusion",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use BuildConclusion as C;
    use BuildStatus as S;

    #[test]
    fn every_gitlab_status() {
        let cases = [
            ("created", S::Pending, None),
            ("waiting_for_resource", S::Pending, None),
            ("preparing", S::Pending, None),
            ("pending", S::Pending, None),
            ("scheduled", S::Pending, None),
            ("running", S::Running, None),
            ("canceling", S::Running, None),
            ("success", S::Completed, Some(C::Success)),
            ("failed", S::Completed, Some(C::Failure)),
            ("canceled", S::Completed, Some(C::Cancelled)),
            ("skipped", S::Completed, Some(C::Skipped)),
            ("manual", S::Completed, Some(C::ActionRequired)),
            ("something_new", S::Completed, Some(C::Unknown)),
        ];
        for (gitlab, status, conclusion) in cases {
            assert_eq!(build(gitlab, None), (status, conclusion), "{gitlab}");
        }
        assert_eq!(
            build("failed", Some("job_execution_timeout")),
            (S::Completed, Some(C::TimedOut))
        );
        assert_eq!(
            build("failed", Some("script_failure")),
            (S::Completed, Some(C::Failure))
        );
    }

    #[test]
    fn states_to_send() {
        assert_eq!(state_for(None, None).unwrap(), "pending");
        assert_eq!(state_for(Some(S::Running), None).unwrap(), "running");
        assert_eq!(
            state_for(Some(S::Completed), Some(C::Success)).unwrap(),
            "success"
        );
        assert_eq!(state_for(None, Some(C::TimedOut)).unwrap(), "failed");
        assert_eq!(state_for(None, Some(C::Cancelled)).unwrap(), "canceled");
        assert_eq!(state_for(None, Some(C::Neutral)).unwrap(), "skipped");
        assert!(state_for(Some(S::Completed), None).is_err());
        assert!(state_for(None, Some(C::Unknown)).is_err());
        for (status, conclusion) in [
            ("success", C::Success),
            ("failed", C::Failure),
            ("canceled", C::Cancelled),
            ("skipped", C::Skipped),
        ] {
            assert_eq!(state_for(None, Some(conclusion)).unwrap(), status);
            assert_eq!(build(status, None).1, Some(conclusion));
        }
    }
}
