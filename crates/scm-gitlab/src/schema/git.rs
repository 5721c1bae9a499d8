//! Repository tree entries.

use scm_core::model::{ContentKind, FileContent, TreeEntry, TreeEntryMode, TreeEntryType};
use scm_core::Error;
use serde::Deserialize;

use super::common::{required_sha, sha};

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlTreeEntry {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub path: String,
    pub mode: String,
}

impl GlTreeEntry {
    pub fn entry_kind(&self) -> TreeEntryType {
        match self.kind.as_str() {
            "tree" => TreeEntryType::Tree,
            "commit" => TreeEntryType::Commit,
            _ => TreeEntryType::Blob,
        }
    }

    pub fn mode(&self) -> TreeEntryMode {
        TreeEntryMode::parse(&self.mode).unwrap_or(match self.entry_kind() {
            TreeEntryType::Tree => TreeEntryMode::Directory,
            TreeEntryType::Commit => TreeEntryMode::Submodule,
            TreeEntryType::Blob => TreeEntryMode::File,
        })
    }

    pub fn tree_entry(self) -> Result<TreeEntry, Error> {
        Ok(TreeEntry {
            mode: self.mode(),
            kind: self.entry_kind(),
            sha: required_sha(Some(&self.id), "a tree entry")?,
            path: self.path,
            size: None,
        })
    }

    pub fn file_content(self, html_url: Option<String>) -> FileContent {
        let kind = match (self.entry_kind(), self.mode()) {
            (TreeEntryType::Tree, _) => ContentKind::Dir,
            (TreeEntryType::Commit, _) => ContentKind::Submodule,
            (_, TreeEntryMode::Symlink) => ContentKind::Symlink,
            _ => ContentKind::File,
        };
        FileContent {
            sha: sha(Some(&self.id)),
            path: self.path,
            name: self.name,
            kind,
            size: None,
            content: None,
            encoding: None,
            html_url,
        }
    }
}
