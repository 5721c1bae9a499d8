//! Commits and their diffstats.

use scm_core::model::{Commit, CommitAuthor, CommitFile, FileStatus, PullRequestCommit, Sha};
use serde::Deserialize;

use super::common::{sha, timestamp, Account, CommitRef, Links, Rendered};

/// `{raw: "Name <email>", user?}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct CommitAuthorJson {
    #[serde(default)]
    pub raw: Option<String>,
    #[serde(default)]
    pub user: Option<Account>,
}

/// Splits git's `Name <email>`.
pub(crate) fn split_raw_author(raw: &str) -> (Option<String>, Option<String>) {
    match (raw.find('<'), raw.rfind('>')) {
        (Some(open), Some(close)) if open < close => {
            let name = raw[..open].trim();
            let email = raw[open + 1..close].trim();
            (
                (!name.is_empty()).then(|| name.to_owned()),
                (!email.is_empty()).then(|| email.to_owned()),
            )
        }
        _ => {
            let name = raw.trim();
            ((!name.is_empty()).then(|| name.to_owned()), None)
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct CommitJson {
    #[serde(default)]
    pub hash: Option<String>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub summary: Option<Rendered>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub author: Option<CommitAuthorJson>,
    #[serde(default)]
    pub parents: Vec<CommitRef>,
    #[serde(default)]
    pub links: Links,
}

impl CommitJson {
    pub fn sha(&self) -> Result<Sha, scm_core::Error> {
        sha(&self.hash, "commit")
    }

    /// The author's name and e-mail (from git's `raw` line) and the date
    /// (Bitbucket's commit date is the author date).
    fn author(&self) -> Option<CommitAuthor> {
        let raw = self
            .author
            .as_ref()
            .and_then(|a| a.raw.as_deref())
            .unwrap_or("");
        let (name, email) = split_raw_author(raw);
        let date = timestamp(&self.date);
        if name.is_none() && email.is_none() && date.is_none() {
            return None;
        }
        Some(CommitAuthor { name, email, date })
    }

    pub fn neutral(self) -> Result<Commit, scm_core::Error> {
        let author = self.author();
        Ok(Commit {
            sha: self.sha()?,
            message: self
                .message
                .clone()
                .or_else(|| self.summary.as_ref().and_then(|s| s.raw.clone()))
                .unwrap_or_default(),
            // Bitbucket reports only the author; the committer is unknown.
            committer: None,
            author_account: self
                .author
                .as_ref()
                .and_then(|a| a.user.as_ref())
                .map(Account::author),
            author,
            parent_shas: self.parents.iter().filter_map(CommitRef::sha).collect(),
            html_url: self.links.html(),
        })
    }

    pub fn pull_request_commit(self) -> Result<PullRequestCommit, scm_core::Error> {
        let commit = self.neutral()?;
        Ok(PullRequestCommit {
            sha: commit.sha,
            message: commit.message,
            author: commit.author,
            author_account: commit.author_account,
            html_url: commit.html_url,
        })
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct DiffFile {
    #[serde(default)]
    pub path: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct DiffStat {
    /// added, removed, modified, renamed (and merge conflict states).
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub lines_added: Option<u64>,
    #[serde(default)]
    pub lines_removed: Option<u64>,
    #[serde(default)]
    pub old: Option<DiffFile>,
    #[serde(default)]
    pub new: Option<DiffFile>,
}

impl DiffStat {
    pub fn neutral(self) -> Option<CommitFile> {
        let old = self.old.and_then(|f| f.path).filter(|p| !p.is_empty());
        let new = self.new.and_then(|f| f.path).filter(|p| !p.is_empty());
        let status = match self.status.as_deref().unwrap_or("") {
            "added" => FileStatus::Added,
            "removed" => FileStatus::Removed,
            "modified" => FileStatus::Modified,
            "renamed" => FileStatus::Renamed,
            _ => FileStatus::Changed,
        };
        let path = new.clone().or_else(|| old.clone())?;
        let previous_path = (status == FileStatus::Renamed).then_some(old).flatten();
        Some(CommitFile {
            path,
            previous_path,
            status,
            additions: self.lines_added,
            deletions: self.lines_removed,
            changes: match (self.lines_added, self.lines_removed) {
                (Some(a), Some(r)) => Some(a + r),
                _ => None,
            },
            patch: None,
            sha: None,
        })
    }
}
