//! Refs and low-level git objects (trees, blobs, commits).

use serde::{Deserialize, Serialize};

use super::{CommitAuthor, Sha};

/// A reference and the object it points at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GitRef {
    /// Fully qualified: `refs/heads/main`, `refs/tags/v1`.
    #[serde(rename = "ref")]
    pub ref_name: String,
    pub sha: Sha,
}

/// File modes git stores in trees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TreeEntryMode {
    #[serde(rename = "100644")]
    File,
    #[serde(rename = "100755")]
    Executable,
    #[serde(rename = "040000")]
    Directory,
    #[serde(rename = "160000")]
    Submodule,
    #[serde(rename = "120000")]
    Symlink,
}

impl TreeEntryMode {
    pub fn as_str(self) -> &'static str {
        match self {
            TreeEntryMode::File => "100644",
            TreeEntryMode::Executable => "100755",
            TreeEntryMode::Directory => "040000",
            TreeEntryMode::Submodule => "160000",
            TreeEntryMode::Symlink => "120000",
        }
    }

    /// Parses a mode as providers print it (`40000` and `040000` both mean a tree).
    pub fn parse(mode: &str) -> Option<Self> {
        match mode {
            "100644" | "100664" => Some(TreeEntryMode::File),
            "100755" => Some(TreeEntryMode::Executable),
            "040000" | "40000" => Some(TreeEntryMode::Directory),
            "160000" => Some(TreeEntryMode::Submodule),
            "120000" => Some(TreeEntryMode::Symlink),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TreeEntryType {
    Blob,
    Tree,
    Commit,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TreeEntry {
    pub path: String,
    pub mode: TreeEntryMode,
    #[serde(rename = "type")]
    pub kind: TreeEntryType,
    pub sha: Sha,
    pub size: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GitTree {
    pub sha: Sha,
    pub entries: Vec<TreeEntry>,
    /// The provider cut the listing short (too many entries).
    pub truncated: bool,
}

/// An entry to write with `create_git_tree`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InputTreeEntry {
    pub path: String,
    pub mode: TreeEntryMode,
    #[serde(rename = "type")]
    pub kind: TreeEntryType,
    /// The object to point at. With neither `sha` nor `content`, the entry
    /// is removed from the base tree.
    pub sha: Option<Sha>,
    /// Inline UTF-8 content, as an alternative to `sha`.
    pub content: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GitBlob {
    pub sha: Sha,
}

/// A raw git commit object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct GitCommitObject {
    pub sha: Sha,
    pub message: String,
    pub tree_sha: Sha,
    pub parent_shas: Vec<Sha>,
    pub author: Option<CommitAuthor>,
    pub committer: Option<CommitAuthor>,
}
