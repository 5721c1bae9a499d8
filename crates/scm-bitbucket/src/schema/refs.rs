//! Branches and tags.

use scm_core::model::GitRef;
use serde::Deserialize;

use super::common::{sha, CommitRef};

/// A branch or a tag.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct RefJson {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub target: Option<CommitRef>,
}

impl RefJson {
    pub fn git_ref(self) -> Result<GitRef, scm_core::Error> {
        let name = self
            .name
            .ok_or_else(|| scm_core::Error::malformed("Bitbucket sent a ref without a name"))?;
        let prefix = if self.kind.as_deref() == Some("tag") {
            "refs/tags/"
        } else {
            "refs/heads/"
        };
        let hash = self.target.and_then(|t| t.hash);
        Ok(GitRef {
            ref_name: format!("{prefix}{name}"),
            sha: sha(&hash, "ref")?,
        })
    }

    pub fn tag(mut self) -> Self {
        self.kind = Some("tag".into());
        self
    }
}
