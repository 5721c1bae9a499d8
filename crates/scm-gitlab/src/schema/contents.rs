//! Files from the repository files API.

use scm_core::model::{ContentEncoding, ContentKind, FileContent};
use serde::Deserialize;

use super::common::sha;

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlFile {
    pub file_name: Option<String>,
    pub file_path: String,
    pub size: Option<u64>,
    pub encoding: Option<String>,
    pub content: Option<String>,
    pub blob_id: Option<String>,
}

impl GlFile {
    pub fn file_content(self, html_url: Option<String>) -> FileContent {
        let name = self.file_name.clone().unwrap_or_else(|| {
            self.file_path
                .rsplit('/')
                .next()
                .unwrap_or(&self.file_path)
                .to_owned()
        });
        FileContent {
            path: self.file_path,
            name,
            kind: ContentKind::File,
            sha: sha(self.blob_id.as_deref()),
            size: self.size,
            encoding: self
                .content
                .as_ref()
                .map(|_| match self.encoding.as_deref() {
                    Some("base64") => ContentEncoding::Base64,
                    _ => ContentEncoding::Utf8,
                }),
            content: self.content,
            html_url,
        }
    }
}
