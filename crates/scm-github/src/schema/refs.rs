//! Branches and git refs.

use scm_core::model::{GitRef, Sha};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct GhObjectRef {
    pub sha: Sha,
}

/// `GET/POST/PATCH …/git/ref(s)/…`.
#[derive(Debug, Clone, Deserialize)]
pub struct GhRef {
    #[serde(rename = "ref")]
    pub ref_name: String,
    pub object: GhObjectRef,
}

impl From<GhRef> for GitRef {
    fn from(r: GhRef) -> Self {
        GitRef {
            ref_name: r.ref_name,
            sha: r.object.sha,
        }
    }
}

/// `GET …/branches/{branch}`.
#[derive(Debug, Clone, Deserialize)]
pub struct GhBranch {
    pub name: String,
    pub commit: GhObjectRef,
}

impl From<GhBranch> for GitRef {
    fn from(branch: GhBranch) -> Self {
        GitRef {
            ref_name: format!("refs/heads/{}", branch.name),
            sha: branch.commit.sha,
        }
    }
}
