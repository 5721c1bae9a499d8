//! Commits and the files they change.

use scm_core::model::{
    Author, Commit, CommitAuthor, CommitFile, FileStatus, PullRequestCommit, Sha, Timestamp,
};
use scm_core::Result;
use serde::Deserialize;

use super::{de_date, required_sha, sha, BbUser};

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbCommit {
    pub id: Option<String>,
    pub display_id: Option<String>,
    /// A user when the e-mail matches an account, else just name and e-mail.
    pub author: Option<BbUser>,
    #[serde(default, deserialize_with = "de_date")]
    pub author_timestamp: Option<Timestamp>,
    pub committer: Option<BbUser>,
    #[serde(default, deserialize_with = "de_date")]
    pub committer_timestamp: Option<Timestamp>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub parents: Vec<BbParent>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BbParent {
    pub id: Option<String>,
}

fn person(user: Option<&BbUser>, date: Option<Timestamp>) -> Option<CommitAuthor> {
    let user = user?;
    Some(CommitAuthor {
        name: user.display_name.clone().or(user.name.clone()),
        email: user.email_address.clone(),
        date,
    })
}

/// An author that is a Data Center account (it has a slug or an id).
fn account(user: Option<&BbUser>) -> Option<Author> {
    let user = user?;
    (user.slug.is_some() || user.id.is_some()).then(|| Author::from(user.clone()))
}

impl BbCommit {
    pub fn sha(&self) -> Result<Sha> {
        required_sha(self.id.as_deref(), "commit id")
    }

    /// `commit_web`: `{web}/projects/K/repos/s/commits`, for links.
    pub fn into_commit(self, commit_web: Option<&str>) -> Result<Commit> {
        let sha = self.sha()?;
        Ok(Commit {
            html_url: commit_web.map(|base| format!("{base}/{sha}")),
            author: person(self.author.as_ref(), self.author_timestamp),
            committer: person(self.committer.as_ref(), self.committer_timestamp),
            author_account: account(self.author.as_ref()),
            parent_shas: self
                .parents
                .iter()
                .filter_map(|p| sha_of(p.id.as_deref()))
                .collect(),
            message: self.message.unwrap_or_default(),
            sha,
        })
    }

    pub fn into_pull_request_commit(self, commit_web: Option<&str>) -> Result<PullRequestCommit> {
        let commit = self.into_commit(commit_web)?;
        Ok(PullRequestCommit {
            sha: commit.sha,
            message: commit.message,
            author: commit.author,
            author_account: commit.author_account,
            html_url: commit.html_url,
        })
    }
}

fn sha_of(value: Option<&str>) -> Option<Sha> {
    sha(value)
}

/// `{components, parent, name, extension, toString}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct BbPath {
    #[serde(rename = "toString")]
    pub to_string: Option<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub components: Vec<String>,
}

impl BbPath {
    /// The path as text, from `toString` or the components.
    pub fn text(&self) -> Option<String> {
        self.to_string
            .clone()
            .or_else(|| (!self.components.is_empty()).then(|| self.components.join("/")))
            .or_else(|| self.name.clone())
    }
}

/// One changed file (`/changes`, `/compare/changes`, pull request changes).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbChange {
    pub content_id: Option<String>,
    pub path: Option<BbPath>,
    pub src_path: Option<BbPath>,
    /// `ADD`, `COPY`, `DELETE`, `MODIFY`, `MOVE`, `UNKNOWN`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

impl From<BbChange> for CommitFile {
    fn from(change: BbChange) -> Self {
        let status = match change.kind.as_deref() {
            Some("ADD") => FileStatus::Added,
            Some("DELETE") => FileStatus::Removed,
            Some("MODIFY") => FileStatus::Modified,
            Some("MOVE") => FileStatus::Renamed,
            Some("COPY") => FileStatus::Copied,
            _ => FileStatus::Unknown,
        };
        let previous_path = match status {
            FileStatus::Renamed | FileStatus::Copied => change.src_path.and_then(|p| p.text()),
            _ => None,
        };
        CommitFile {
            path: change.path.and_then(|p| p.text()).unwrap_or_default(),
            previous_path,
            status,
            additions: None,
            deletions: None,
            changes: None,
            patch: None,
            // A deleted file's content id is the old blob's.
            sha: (status != FileStatus::Removed)
                .then(|| sha(change.content_id.as_deref()))
                .flatten(),
        }
    }
}
