//! Files and directories read through the contents API.

use serde::{Deserialize, Serialize};

use super::{ContentEncoding, Sha};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ContentKind {
    File,
    Dir,
    Symlink,
    Submodule,
}

/// A file or directory entry at a ref.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct FileContent {
    pub path: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: ContentKind,
    pub sha: Option<Sha>,
    pub size: Option<u64>,
    /// The file's bytes, encoded as `encoding` says. `None` for directory
    /// entries and for files the provider would not inline.
    pub content: Option<String>,
    pub encoding: Option<ContentEncoding>,
    pub html_url: Option<String>,
}

impl FileContent {
    /// The decoded bytes of the file, when content was included.
    pub fn decoded(&self) -> Option<Result<Vec<u8>, base64::DecodeError>> {
        use base64::Engine;
        let content = self.content.as_ref()?;
        Some(match self.encoding.unwrap_or_default() {
            ContentEncoding::Utf8 => Ok(content.clone().into_bytes()),
            ContentEncoding::Base64 => {
                let compact: String = content.split_whitespace().collect();
                base64::engine::general_purpose::STANDARD.decode(compact)
            }
        })
    }
}
