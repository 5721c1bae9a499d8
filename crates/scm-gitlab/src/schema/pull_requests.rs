//! Merge requests (GitLab's pull requests) and their draft markers.

use scm_core::model::{PullRequest, PullRequestBranch, PullRequestState, Timestamp};
use scm_core::Error;
use serde::Deserialize;

use super::common::{author, de_id, de_ts, sha, GlLabelRef, GlUser};

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct GlDiffRefs {
    pub base_sha: Option<String>,
    pub head_sha: Option<String>,
    pub start_sha: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlMergeRequest {
    #[serde(default, deserialize_with = "de_id")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "de_id")]
    pub iid: Option<String>,
    #[serde(default)]
    pub title: String,
    pub description: Option<String>,
    pub state: Option<String>,
    pub draft: Option<bool>,
    pub work_in_progress: Option<bool>,
    pub author: Option<GlUser>,
    #[serde(default)]
    pub source_branch: String,
    #[serde(default)]
    pub target_branch: String,
    pub sha: Option<String>,
    pub diff_refs: Option<GlDiffRefs>,
    #[serde(default)]
    pub labels: Vec<GlLabelRef>,
    #[serde(default)]
    pub reviewers: Vec<GlUser>,
    pub web_url: Option<String>,
    pub merge_commit_sha: Option<String>,
    pub squash_commit_sha: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub updated_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub closed_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "de_ts")]
    pub merged_at: Option<Timestamp>,
}

/// Title prefixes that make a merge request a draft.
const DRAFT_PREFIXES: &[&str] = &["draft:", "[draft]", "(draft)", "draft -", "wip:", "[wip]"];

/// The title without its draft prefix, if it had one.
pub(crate) fn strip_draft_prefix(title: &str) -> Option<&str> {
    let trimmed = title.trim_start();
    DRAFT_PREFIXES.iter().find_map(|prefix| {
        let head = trimmed.get(..prefix.len())?;
        head.eq_ignore_ascii_case(prefix)
            .then(|| trimmed[prefix.len()..].trim_start())
    })
}

impl GlMergeRequest {
    pub fn is_draft(&self) -> bool {
        self.draft
            .or(self.work_in_progress)
            .unwrap_or_else(|| strip_draft_prefix(&self.title).is_some())
    }

    pub fn pull_request(self) -> Result<PullRequest, Error> {
        let draft = self.is_draft();
        let state = self.state.as_deref().unwrap_or("opened");
        let merged = state == "merged";
        let refs = self.diff_refs.unwrap_or_default();
        Ok(PullRequest {
            id: self
                .iid
                .ok_or_else(|| Error::malformed("GitLab sent a merge request without an iid"))?,
            node_id: self.id,
            title: self.title,
            body: self.description,
            state: if matches!(state, "closed" | "merged") {
                PullRequestState::Closed
            } else {
                PullRequestState::Open
            },
            merged,
            draft,
            author: author(&self.author),
            head: PullRequestBranch {
                ref_name: self.source_branch,
                sha: sha(self.sha.as_deref().or(refs.head_sha.as_deref())),
                repository_full_name: None,
            },
            base: PullRequestBranch {
                ref_name: self.target_branch,
                sha: sha(refs.start_sha.as_deref().or(refs.base_sha.as_deref())),
                repository_full_name: None,
            },
            labels: self.labels.into_iter().map(GlLabelRef::label).collect(),
            html_url: self.web_url,
            merge_commit_sha: sha(self
                .merge_commit_sha
                .as_deref()
                .or(self.squash_commit_sha.as_deref())),
            created_at: self.created_at,
            updated_at: self.updated_at,
            closed_at: self
                .closed_at
                .or(if merged { self.merged_at } else { None }),
            merged_at: self.merged_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_prefixes() {
        assert_eq!(strip_draft_prefix("Draft: x"), Some("x"));
        assert_eq!(strip_draft_prefix("[Draft] x"), Some("x"));
        assert_eq!(strip_draft_prefix("WIP: x"), Some("x"));
        assert_eq!(strip_draft_prefix("(draft)x"), Some("x"));
        assert_eq!(strip_draft_prefix("Drafting x"), None);
        assert_eq!(strip_draft_prefix("é"), None);
    }

    fn mr(state: &str) -> GlMergeRequest {
        serde_json::from_value(serde_json::json!({
            "id": 1, "iid": 7, "title": "t", "state": state,
            "source_branch": "f", "target_branch": "main",
            "merged_at": if state == "merged" { "2020-01-01T00:00:00Z" } else { "" },
        }))
        .unwrap()
    }

    #[test]
    fn merged_is_never_merely_closed() {
        let merged = mr("merged").pull_request().unwrap();
        assert_eq!(merged.state, PullRequestState::Closed);
        assert!(merged.merged);
        assert!(merged.merged_at.is_some());
        let closed = mr("closed").pull_request().unwrap();
        assert_eq!(closed.state, PullRequestState::Closed);
        assert!(!closed.merged);
        let open = mr("opened").pull_request().unwrap();
        assert_eq!(open.state, PullRequestState::Open);
        let locked = mr("locked").pull_request().unwrap();
        assert_eq!(locked.state, PullRequestState::Open);
    }
}
