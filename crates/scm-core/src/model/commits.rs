//! Commits, their changes and comparisons.

use serde::{Deserialize, Serialize};

use super::{Author, Sha, Timestamp};

/// Name, email and date recorded in a commit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommitAuthor {
    pub name: Option<String>,
    pub email: Option<String>,
    pub date: Option<Timestamp>,
}

/// The author to record in a new commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommitAuthorParam {
    pub name: String,
    pub email: String,
    pub date: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Commit {
    pub sha: Sha,
    pub message: String,
    pub author: Option<CommitAuthor>,
    pub committer: Option<CommitAuthor>,
    /// The provider account of the author, when the provider links one.
    pub author_account: Option<Author>,
    pub parent_shas: Vec<Sha>,
    pub html_url: Option<String>,
}

/// How a file changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum FileStatus {
    Added,
    Removed,
    Modified,
    Renamed,
    Copied,
    Changed,
    Unchanged,
    Unknown,
}

/// One file changed by a commit or a pull request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommitFile {
    pub path: String,
    pub previous_path: Option<String>,
    pub status: FileStatus,
    pub additions: Option<u64>,
    pub deletions: Option<u64>,
    pub changes: Option<u64>,
    /// Unified diff of the file, when the provider includes it.
    pub patch: Option<String>,
    pub sha: Option<Sha>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommitWithChanges {
    #[serde(flatten)]
    pub commit: Commit,
    pub additions: Option<u64>,
    pub deletions: Option<u64>,
    pub files: Vec<CommitFile>,
}

/// Which side of a comparison a commit is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ComparisonSide {
    /// In `end_sha` but not in `start_sha`.
    Ahead,
    /// In `start_sha` but not in `end_sha` (only with `include_behind`).
    Behind,
}

/// One commit of a comparison between two commits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CommitComparison {
    pub side: ComparisonSide,
    #[serde(flatten)]
    pub commit: Commit,
}

/// A change to apply with `create_commit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum CommitAction {
    /// Create or overwrite a file.
    Write {
        path: String,
        content: String,
        #[serde(default)]
        encoding: ContentEncoding,
        /// Make the file executable (mode 100755).
        #[serde(default)]
        executable: bool,
    },
    Delete {
        path: String,
    },
    /// Rename a file, keeping its mode (an executable stays executable).
    Move {
        previous_path: String,
        path: String,
    },
    Chmod {
        path: String,
        executable: bool,
    },
}

/// How file content is encoded in a request or a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContentEncoding {
    #[default]
    #[serde(rename = "utf-8")]
    Utf8,
    Base64,
}

impl ContentEncoding {
    pub fn as_str(self) -> &'static str {
        match self {
            ContentEncoding::Utf8 => "utf-8",
            ContentEncoding::Base64 => "base64",
        }
    }
}
