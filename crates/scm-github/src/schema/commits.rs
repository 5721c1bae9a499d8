//! Commits, their changed files and comparisons.

use scm_core::model::{
    Commit, CommitAuthor, CommitFile, CommitWithChanges, FileStatus, Sha, Timestamp,
};
use serde::Deserialize;

use super::{author, GhUser};

/// GitHub's file `status` → neutral. Anything GitHub may add later is
/// `Unknown`, not an error.
pub fn commit_file_status(status: &str) -> FileStatus {
    match status {
        "added" => FileStatus::Added,
        "removed" => FileStatus::Removed,
        "modified" => FileStatus::Modified,
        "renamed" => FileStatus::Renamed,
        "copied" => FileStatus::Copied,
        "changed" => FileStatus::Changed,
        "unchanged" => FileStatus::Unchanged,
        _ => FileStatus::Unknown,
    }
}

/// A name/email/date triple as git records it.
#[derive(Debug, Clone, Deserialize)]
pub struct GhGitActor {
    pub name: Option<String>,
    pub email: Option<String>,
    pub date: Option<Timestamp>,
}

impl From<GhGitActor> for CommitAuthor {
    fn from(actor: GhGitActor) -> Self {
        CommitAuthor {
            name: actor.name,
            email: actor.email,
            date: actor.date,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhParent {
    pub sha: Sha,
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhCommitData {
    #[serde(default)]
    pub message: String,
    pub author: Option<GhGitActor>,
    pub committer: Option<GhGitActor>,
}

/// One file of a commit, a comparison or a pull request.
#[derive(Debug, Clone, Deserialize)]
pub struct GhCommitFile {
    pub filename: String,
    pub previous_filename: Option<String>,
    pub status: String,
    pub additions: Option<u64>,
    pub deletions: Option<u64>,
    pub changes: Option<u64>,
    pub patch: Option<String>,
    /// `null` for some removed files and submodule changes.
    pub sha: Option<String>,
}

impl From<GhCommitFile> for CommitFile {
    fn from(file: GhCommitFile) -> Self {
        CommitFile {
            status: commit_file_status(&file.status),
            path: file.filename,
            previous_path: file.previous_filename,
            additions: file.additions,
            deletions: file.deletions,
            changes: file.changes,
            patch: file.patch,
            sha: file.sha.and_then(|sha| Sha::new(sha).ok()),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhStats {
    pub additions: Option<u64>,
    pub deletions: Option<u64>,
}

/// A commit from `GET …/commits` and `GET …/commits/{ref}`.
#[derive(Debug, Clone, Deserialize)]
pub struct GhCommit {
    pub sha: Sha,
    pub commit: GhCommitData,
    /// `{}` when the author has no account (see [`super::opt_account`]).
    #[serde(default, deserialize_with = "super::opt_account")]
    pub author: Option<GhUser>,
    #[serde(default)]
    pub parents: Vec<GhParent>,
    pub html_url: Option<String>,
    pub stats: Option<GhStats>,
    #[serde(default)]
    pub files: Vec<GhCommitFile>,
}

impl From<GhCommit> for Commit {
    fn from(commit: GhCommit) -> Self {
        Commit {
            sha: commit.sha,
            message: commit.commit.message,
            author: commit.commit.author.map(Into::into),
            committer: commit.commit.committer.map(Into::into),
            author_account: author(commit.author),
            parent_shas: commit.parents.into_iter().map(|p| p.sha).collect(),
            html_url: commit.html_url,
        }
    }
}

impl From<GhCommit> for CommitWithChanges {
    fn from(mut commit: GhCommit) -> Self {
        let files = std::mem::take(&mut commit.files);
        let stats = commit.stats.take();
        CommitWithChanges {
            commit: commit.into(),
            additions: stats.as_ref().and_then(|s| s.additions),
            deletions: stats.as_ref().and_then(|s| s.deletions),
            files: files.into_iter().map(Into::into).collect(),
        }
    }
}

/// A commit object from the git data API (`POST …/git/commits`).
#[derive(Debug, Clone, Deserialize)]
pub struct GhGitCommitCreated {
    pub sha: Sha,
    #[serde(default)]
    pub message: String,
    pub author: Option<GhGitActor>,
    pub committer: Option<GhGitActor>,
    #[serde(default)]
    pub parents: Vec<GhParent>,
    pub html_url: Option<String>,
}

impl From<GhGitCommitCreated> for Commit {
    fn from(commit: GhGitCommitCreated) -> Self {
        Commit {
            sha: commit.sha,
            message: commit.message,
            author: commit.author.map(Into::into),
            committer: commit.committer.map(Into::into),
            author_account: None,
            parent_shas: commit.parents.into_iter().map(|p| p.sha).collect(),
            html_url: commit.html_url,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_statuses() {
        for (github, neutral) in [
            ("added", FileStatus::Added),
            ("removed", FileStatus::Removed),
            ("modified", FileStatus::Modified),
            ("renamed", FileStatus::Renamed),
            ("copied", FileStatus::Copied),
            ("changed", FileStatus::Changed),
            ("unchanged", FileStatus::Unchanged),
            ("teleported", FileStatus::Unknown),
            ("", FileStatus::Unknown),
        ] {
            assert_eq!(commit_file_status(github), neutral, "{github}");
        }
    }

    /// Our own fixture: GitHub answers `"author": {}` for a commit whose
    /// author has no account (seen in production answers); that is no
    /// account, not a malformed commit.
    #[test]
    fn empty_author_object_is_no_account() {
        let commit = |author: serde_json::Value| {
            serde_json::from_value::<GhCommit>(serde_json::json!({
                "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e",
                "commit": {"message": "m", "author": {"name": "A", "email": "a@example.com", "date": "2011-04-14T16:00:49Z"}, "committer": null},
                "author": author,
                "parents": [],
            }))
            .map(Commit::from)
        };
        for author in [
            serde_json::json!({}),
            serde_json::Value::Null,
            serde_json::json!({"login": null}),
        ] {
            let commit = commit(author.clone()).unwrap();
            assert_eq!(commit.author_account, None, "{author}");
            assert_eq!(commit.author.unwrap().name.as_deref(), Some("A"));
        }
        let commit = commit(serde_json::json!({"login": "octocat", "id": 1})).unwrap();
        assert_eq!(commit.author_account.unwrap().username, "octocat");
    }

    #[test]
    fn renamed_file_keeps_its_previous_path() {
        let file: GhCommitFile = serde_json::from_value(serde_json::json!({
            "filename": "b.txt", "previous_filename": "a.txt", "status": "renamed",
            "additions": 0, "deletions": 0, "changes": 0, "sha": null
        }))
        .unwrap();
        let file = CommitFile::from(file);
        assert_eq!(file.status, FileStatus::Renamed);
        assert_eq!(file.previous_path.as_deref(), Some("a.txt"));
        assert_eq!(file.sha, None);
    }
}
