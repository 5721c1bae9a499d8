//! Branches and tags.

use scm_core::model::GitRef;
use scm_core::Error;
use serde::Deserialize;

use super::commits::GlCommit;
use super::common::required_sha;

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlBranch {
    pub name: String,
    pub commit: Option<GlCommit>,
}

impl GlBranch {
    pub fn git_ref(self) -> Result<GitRef, Error> {
        let sha = required_sha(
            self.commit.as_ref().and_then(|c| c.id.as_deref()),
            "a branch",
        )?;
        Ok(GitRef {
            ref_name: format!("refs/heads/{}", self.name),
            sha,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct GlTag {
    pub name: String,
    /// The tag object for annotated tags, else the commit.
    pub target: Option<String>,
    pub commit: Option<GlCommit>,
}

impl GlTag {
    pub fn git_ref(self) -> Result<GitRef, Error> {
        let target = self
            .target
            .as_deref()
            .or(self.commit.as_ref().and_then(|c| c.id.as_deref()));
        Ok(GitRef {
            ref_name: format!("refs/tags/{}", self.name),
            sha: required_sha(target, "a tag")?,
        })
    }
}
