//! Branches and tags.

use scm_core::model::GitRef;
use scm_core::Result;
use serde::Deserialize;

use super::required_sha;

/// A branch or tag: `id` is the full ref, `displayId` the short name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BbRef {
    pub id: Option<String>,
    pub display_id: Option<String>,
    /// `BRANCH` or `TAG`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub latest_commit: Option<String>,
    pub latest_changeset: Option<String>,
    /// Annotated tags: the tag object's id.
    pub hash: Option<String>,
    #[serde(default)]
    pub is_default: bool,
}

impl BbRef {
    /// The neutral ref; `prefix` (`refs/heads/`, `refs/tags/`) completes a
    /// short `id`.
    pub fn git_ref(self, prefix: &str) -> Result<GitRef> {
        let sha = required_sha(
            self.latest_commit
                .as_deref()
                .or(self.latest_changeset.as_deref()),
            "ref target",
        )?;
        let name = self.id.or(self.display_id).unwrap_or_default();
        let ref_name = if name.starts_with("refs/") {
            name
        } else {
            format!("{prefix}{name}")
        };
        Ok(GitRef { ref_name, sha })
    }
}
