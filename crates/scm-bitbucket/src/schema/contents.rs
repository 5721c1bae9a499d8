//! Source listings (`commit_file` / `commit_directory` entries).

use scm_core::model::{ContentKind, FileContent};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct TreeEntryJson {
    #[serde(default)]
    pub path: Option<String>,
    /// `commit_file` or `commit_directory`.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub size: Option<u64>,
    /// `executable`, `link`, `lfs`, `subrepository`, `binary`.
    #[serde(default)]
    pub attributes: Vec<String>,
}

impl TreeEntryJson {
    /// A listing entry (no content); `html_url` is built by the caller.
    pub fn entry(self, html_url: impl Fn(&str) -> Option<String>) -> Option<FileContent> {
        let path = self.path?;
        let kind = if self.kind.as_deref() == Some("commit_directory") {
            ContentKind::Dir
        } else if self.attributes.iter().any(|a| a == "link") {
            ContentKind::Symlink
        } else if self.attributes.iter().any(|a| a == "subrepository") {
            ContentKind::Submodule
        } else {
            ContentKind::File
        };
        Some(FileContent {
            name: path.rsplit('/').next().unwrap_or(&path).to_owned(),
            html_url: html_url(&path),
            path,
            kind,
            // Bitbucket listings carry no object ids.
            sha: None,
            size: self.size,
            content: None,
            encoding: None,
        })
    }
}
