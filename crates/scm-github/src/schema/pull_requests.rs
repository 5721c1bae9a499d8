//! Pull requests, their files and commits.

use scm_core::model::{
    CommitAuthor, PullRequest, PullRequestBranch, PullRequestCommit, PullRequestState, Sha,
    Timestamp,
};
use serde::Deserialize;

use super::{author, GhGitActor, GhLabel, GhUser};

/// A sha GitHub sent, kept only when it is one (examples and odd answers
/// may carry something else; that must not fail the whole item).
pub fn lenient_sha(value: Option<String>) -> Option<Sha> {
    value.and_then(|v| Sha::new(v).ok())
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhRepoRef {
    pub full_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhPullBranch {
    #[serde(rename = "ref")]
    pub ref_name: String,
    pub sha: Option<String>,
    pub repo: Option<GhRepoRef>,
}

impl From<GhPullBranch> for PullRequestBranch {
    fn from(branch: GhPullBranch) -> Self {
        PullRequestBranch {
            ref_name: branch.ref_name,
            sha: lenient_sha(branch.sha),
            repository_full_name: branch.repo.and_then(|r| r.full_name),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhPullRequest {
    pub number: u64,
    pub node_id: Option<String>,
    pub title: String,
    pub body: Option<String>,
    pub state: String,
    /// Only the single-pull-request answer has it; lists only `merged_at`.
    pub merged: Option<bool>,
    pub merged_at: Option<Timestamp>,
    pub draft: Option<bool>,
    pub user: Option<GhUser>,
    pub head: GhPullBranch,
    pub base: GhPullBranch,
    #[serde(default)]
    pub labels: Vec<GhLabel>,
    pub html_url: Option<String>,
    pub merge_commit_sha: Option<String>,
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
}

/// GitHub's `open`/`closed` plus its merge markers → neutral state and
/// `merged`. A merged pull request is closed *and* merged, whichever of
/// `merged` / `merged_at` GitHub sent, and even if `state` lags behind.
pub fn pull_request_state(
    state: &str,
    merged: Option<bool>,
    merged_at: Option<&Timestamp>,
) -> (PullRequestState, bool) {
    let merged = merged.unwrap_or(false) || merged_at.is_some();
    let state = if merged || state.eq_ignore_ascii_case("closed") {
        PullRequestState::Closed
    } else {
        PullRequestState::Open
    };
    (state, merged)
}

impl From<GhPullRequest> for PullRequest {
    fn from(pr: GhPullRequest) -> Self {
        let (state, merged) = pull_request_state(&pr.state, pr.merged, pr.merged_at.as_ref());
        PullRequest {
            id: pr.number.to_string(),
            node_id: pr.node_id,
            title: pr.title,
            body: pr.body,
            state,
            merged,
            draft: pr.draft.unwrap_or(false),
            author: author(pr.user),
            head: pr.head.into(),
            base: pr.base.into(),
            labels: pr.labels.into_iter().map(Into::into).collect(),
            html_url: pr.html_url,
            merge_commit_sha: lenient_sha(pr.merge_commit_sha),
            created_at: pr.created_at,
            updated_at: pr.updated_at,
            closed_at: pr.closed_at,
            merged_at: pr.merged_at,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhPullCommitDetail {
    #[serde(default)]
    pub message: String,
    pub author: Option<GhGitActor>,
}

/// A commit of a pull request (`/pulls/{n}/commits`).
#[derive(Debug, Clone, Deserialize)]
pub struct GhPullCommit {
    pub sha: Sha,
    pub commit: GhPullCommitDetail,
    /// `{}` when the author has no account (see [`super::opt_account`]).
    #[serde(default, deserialize_with = "super::opt_account")]
    pub author: Option<GhUser>,
    pub html_url: Option<String>,
}

impl From<GhPullCommit> for PullRequestCommit {
    fn from(commit: GhPullCommit) -> Self {
        PullRequestCommit {
            sha: commit.sha,
            message: commit.commit.message,
            author: commit.commit.author.map(CommitAuthor::from),
            author_account: author(commit.author),
            html_url: commit.html_url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pr(extra: serde_json::Value) -> PullRequest {
        let mut value = json!({
            "number": 7, "title": "t", "body": null, "state": "open",
            "head": {"ref": "feature", "sha": "abc1234", "repo": null},
            "base": {"ref": "main", "sha": "not-a-sha", "repo": {"full_name": "o/r"}}
        });
        for (k, v) in extra.as_object().unwrap() {
            value[k] = v.clone();
        }
        serde_json::from_value::<GhPullRequest>(value)
            .unwrap()
            .into()
    }

    #[test]
    fn merged_is_never_merely_closed() {
        let open = pr(json!({}));
        assert_eq!((open.state, open.merged), (PullRequestState::Open, false));
        let closed = pr(json!({"state": "closed", "merged": false, "merged_at": null}));
        assert_eq!(
            (closed.state, closed.merged),
            (PullRequestState::Closed, false)
        );
        // List answers carry only `merged_at`.
        let merged = pr(json!({"state": "closed", "merged_at": "2024-01-02T03:04:05Z"}));
        assert_eq!(
            (merged.state, merged.merged),
            (PullRequestState::Closed, true)
        );
        // The single answer carries `merged`.
        let merged = pr(json!({"state": "closed", "merged": true}));
        assert!(merged.merged);
        // A state that lags behind the merge is still closed.
        let lagging = pr(json!({"state": "open", "merged": true}));
        assert_eq!(lagging.state, PullRequestState::Closed);
    }

    #[test]
    fn branches_and_odd_shas() {
        let pr = pr(json!({"draft": true}));
        assert!(pr.draft);
        assert_eq!(pr.head.sha.unwrap().as_str(), "abc1234");
        assert_eq!(pr.base.sha, None);
        assert_eq!(pr.base.repository_full_name.as_deref(), Some("o/r"));
        assert_eq!(pr.head.repository_full_name, None);
    }

    #[test]
    fn pull_request_files_map_statuses() {
        use super::super::GhCommitFile;
        use scm_core::model::{CommitFile, FileStatus};
        for (name, status) in [
            ("added", FileStatus::Added),
            ("removed", FileStatus::Removed),
            ("modified", FileStatus::Modified),
            ("renamed", FileStatus::Renamed),
            ("copied", FileStatus::Copied),
            ("changed", FileStatus::Changed),
            ("unchanged", FileStatus::Unchanged),
            ("typechange", FileStatus::Unknown),
        ] {
            let file: CommitFile = serde_json::from_value::<GhCommitFile>(json!({
                "filename": "b.rs", "previous_filename": "a.rs", "status": name
            }))
            .unwrap()
            .into();
            assert_eq!(file.status, status, "{name}");
        }
    }
}
