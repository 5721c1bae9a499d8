//! Commits, their diffs and the line counts derived from them.

use scm_core::model::{
    Commit, CommitAuthor, CommitFile, FileStatus, PullRequestCommit, Sha, Timestamp,
};
use scm_core::Error;
use serde::Deserialize;

use super::common::{de_ts, required_sha};

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlCommit {
    pub id: Option<String>,
    pub title: Option<String>,
    pub message: Option<String>,
    pub author_name: Option<String>,
    pub author_email: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub authored_date: Option<Timestamp>,
    pub committer_name: Option<String>,
    pub committer_email: Option<String>,
    #[serde(default, deserialize_with = "de_ts")]
    pub committed_date: Option<Timestamp>,
    #[serde(default)]
    pub parent_ids: Vec<String>,
    pub web_url: Option<String>,
    pub stats: Option<GlStats>,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlStats {
    pub additions: Option<u64>,
    pub deletions: Option<u64>,
}

impl GlCommit {
    pub fn commit(self, web_commit_base: Option<&str>) -> Result<Commit, Error> {
        let sha = required_sha(self.id.as_deref(), "a commit")?;
        Ok(Commit {
            html_url: self
                .web_url
                .or_else(|| web_commit_base.map(|base| format!("{base}/{sha}"))),
            message: self.message.or(self.title).unwrap_or_default(),
            author: Some(CommitAuthor {
                name: self.author_name,
                email: self.author_email,
                date: self.authored_date,
            }),
            committer: Some(CommitAuthor {
                name: self.committer_name,
                email: self.committer_email,
                date: self.committed_date,
            }),
            author_account: None,
            parent_shas: self
                .parent_ids
                .iter()
                .filter_map(|p| Sha::new(p).ok())
                .collect(),
            sha,
        })
    }

    pub fn pull_request_commit(
        self,
        web_commit_base: Option<&str>,
    ) -> Result<PullRequestCommit, Error> {
        let commit = self.commit(web_commit_base)?;
        Ok(PullRequestCommit {
            sha: commit.sha,
            message: commit.message,
            author: commit.author,
            author_account: None,
            html_url: commit.html_url,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlDiff {
    #[serde(default)]
    pub old_path: String,
    #[serde(default)]
    pub new_path: String,
    pub a_mode: Option<String>,
    pub b_mode: Option<String>,
    #[serde(default)]
    pub diff: String,
    #[serde(default)]
    pub new_file: bool,
    #[serde(default)]
    pub renamed_file: bool,
    #[serde(default)]
    pub deleted_file: bool,
}

impl GlDiff {
    pub fn file(self) -> CommitFile {
        let (additions, deletions) = count_changes(&self.diff);
        let status = if self.new_file {
            FileStatus::Added
        } else if self.deleted_file {
            FileStatus::Removed
        } else if self.renamed_file {
            FileStatus::Renamed
        } else if self.a_mode != self.b_mode && self.diff.is_empty() {
            FileStatus::Changed
        } else {
            FileStatus::Modified
        };
        let has_diff = !self.diff.is_empty();
        CommitFile {
            previous_path: self.renamed_file.then(|| self.old_path.clone()),
            path: if self.deleted_file && self.new_path.is_empty() {
                self.old_path
            } else {
                self.new_path
            },
            status,
            additions: has_diff.then_some(additions),
            deletions: has_diff.then_some(deletions),
            changes: has_diff.then_some(additions + deletions),
            patch: has_diff.then_some(self.diff),
            sha: None,
        }
    }
}

/// Added and removed lines of a unified diff (headers excluded).
pub(crate) fn count_changes(diff: &str) -> (u64, u64) {
    let mut in_hunk = false;
    let (mut add, mut del) = (0, 0);
    for line in diff.lines() {
        if line.starts_with("@@") {
            in_hunk = true;
            continue;
        }
        if !in_hunk {
            continue;
        }
        if line.starts_with('+') {
            add += 1;
        } else if line.starts_with('-') {
            del += 1;
        }
    }
    (add, del)
}
