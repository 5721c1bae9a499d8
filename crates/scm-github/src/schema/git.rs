//! Git data objects: trees, blobs and raw commits.

use scm_core::model::{
    GitBlob, GitCommitObject, GitTree, Sha, TreeEntry, TreeEntryMode, TreeEntryType,
};
use scm_core::Error;
use serde::Deserialize;

use super::GhGitActor;

#[derive(Debug, Clone, Deserialize)]
pub struct GhTreeEntry {
    pub path: String,
    pub mode: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub sha: Sha,
    pub size: Option<u64>,
}

impl TryFrom<GhTreeEntry> for TreeEntry {
    type Error = Error;

    fn try_from(entry: GhTreeEntry) -> Result<Self, Error> {
        let mode = TreeEntryMode::parse(&entry.mode)
            .ok_or_else(|| Error::malformed(format!("unknown tree entry mode `{}`", entry.mode)))?;
        let kind = match entry.kind.as_str() {
            "blob" => TreeEntryType::Blob,
            "tree" => TreeEntryType::Tree,
            "commit" => TreeEntryType::Commit,
            other => {
                return Err(Error::malformed(format!(
                    "unknown tree entry type `{other}`"
                )))
            }
        };
        Ok(TreeEntry {
            path: entry.path,
            mode,
            kind,
            sha: entry.sha,
            size: entry.size,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhTree {
    pub sha: Sha,
    #[serde(default)]
    pub tree: Vec<GhTreeEntry>,
    #[serde(default)]
    pub truncated: bool,
}

impl TryFrom<GhTree> for GitTree {
    type Error = Error;

    fn try_from(tree: GhTree) -> Result<Self, Error> {
        Ok(GitTree {
            sha: tree.sha,
            entries: tree
                .tree
                .into_iter()
                .map(TreeEntry::try_from)
                .collect::<Result<_, _>>()?,
            truncated: tree.truncated,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhBlob {
    pub sha: Sha,
}

impl From<GhBlob> for GitBlob {
    fn from(blob: GhBlob) -> Self {
        GitBlob { sha: blob.sha }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct GhShaRef {
    pub sha: Sha,
}

/// A raw commit object (`/git/commits`), also embedded in contents writes.
#[derive(Debug, Clone, Deserialize)]
pub struct GhGitCommit {
    pub sha: Sha,
    #[serde(default)]
    pub message: String,
    pub tree: GhShaRef,
    #[serde(default)]
    pub parents: Vec<GhShaRef>,
    pub author: Option<GhGitActor>,
    pub committer: Option<GhGitActor>,
}

impl From<GhGitCommit> for GitCommitObject {
    fn from(commit: GhGitCommit) -> Self {
        GitCommitObject {
            sha: commit.sha,
            message: commit.message,
            tree_sha: commit.tree.sha,
            parent_shas: commit.parents.into_iter().map(|p| p.sha).collect(),
            author: commit.author.map(Into::into),
            committer: commit.committer.map(Into::into),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn trees_map_modes_and_types() {
        let tree: GhTree = serde_json::from_value(json!({
            "sha": "abcd1234", "truncated": true,
            "tree": [
                {"path": "src", "mode": "040000", "type": "tree", "sha": "aaaa1111"},
                {"path": "run.sh", "mode": "100755", "type": "blob", "sha": "bbbb2222", "size": 3},
                {"path": "lib", "mode": "160000", "type": "commit", "sha": "cccc3333"}
            ]
        }))
        .unwrap();
        let tree = GitTree::try_from(tree).unwrap();
        assert!(tree.truncated);
        assert_eq!(tree.entries[0].mode, TreeEntryMode::Directory);
        assert_eq!(tree.entries[1].mode, TreeEntryMode::Executable);
        assert_eq!(tree.entries[1].size, Some(3));
        assert_eq!(tree.entries[2].kind, TreeEntryType::Commit);
    }

    #[test]
    fn unknown_modes_are_malformed_not_panics() {
        let tree: GhTree = serde_json::from_value(json!({
            "sha": "abcd1234",
            "tree": [{"path": "x", "mode": "777", "type": "blob", "sha": "aaaa1111"}]
        }))
        .unwrap();
        assert_eq!(
            GitTree::try_from(tree).unwrap_err().code(),
            "provider_malformed_response"
        );
    }
}
