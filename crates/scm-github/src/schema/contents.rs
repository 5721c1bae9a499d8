//! Files and directories from the contents API.

use scm_core::model::{ContentEncoding, ContentKind, FileContent, Sha};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct GhContent {
    #[serde(rename = "type")]
    pub kind: String,
    pub name: String,
    pub path: String,
    pub sha: Option<String>,
    pub size: Option<u64>,
    pub content: Option<String>,
    pub encoding: Option<String>,
    pub html_url: Option<String>,
}

/// GitHub's `type` → neutral. A submodule is listed as `file` in
/// directory listings (with a `git_url` to another repository); GitHub
/// says `submodule` when the entry itself is asked for.
pub fn content_kind(kind: &str) -> ContentKind {
    match kind {
        "dir" => ContentKind::Dir,
        "symlink" => ContentKind::Symlink,
        "submodule" => ContentKind::Submodule,
        _ => ContentKind::File,
    }
}

impl From<GhContent> for FileContent {
    fn from(content: GhContent) -> Self {
        // GitHub answers `encoding: "none"` with empty content for files
        // over 1 MB: there is no inline content then.
        let encoding = match content.encoding.as_deref() {
            Some("base64") => Some(ContentEncoding::Base64),
            Some("utf-8") | Some("utf8") => Some(ContentEncoding::Utf8),
            _ => None,
        };
        let inline = encoding.is_some();
        FileContent {
            kind: content_kind(&content.kind),
            path: content.path,
            name: content.name,
            sha: content.sha.and_then(|sha| Sha::new(sha).ok()),
            size: content.size,
            content: content.content.filter(|_| inline),
            encoding,
            html_url: content.html_url,
        }
    }
}

/// The contents API answers an object for a file and an array for a
/// directory.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum GhContentAnswer {
    Directory(Vec<GhContent>),
    Entry(Box<GhContent>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_files_have_no_inline_content() {
        let content: GhContent = serde_json::from_value(serde_json::json!({
            "type": "file", "name": "big.bin", "path": "big.bin",
            "sha": "3d21ec53a331a6f037a91c368710b99387d012c1", "size": 5000000,
            "content": "", "encoding": "none"
        }))
        .unwrap();
        let file = FileContent::from(content);
        assert_eq!(file.content, None);
        assert_eq!(file.encoding, None);
        assert!(file.sha.is_some());
    }
}
