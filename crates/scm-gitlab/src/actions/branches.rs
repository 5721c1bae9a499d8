//! Branches and refs.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::http_util::encode_segment;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Response};
use serde_json::json;

use crate::client::Req;
use crate::schema::{GlBranch, GlTag};
use crate::GitLab;

/// A branch name as a single path segment (`feature/x` → `feature%2Fx`).
fn branch_segment(branch: &str) -> Result<String, Error> {
    let name = branch.strip_prefix("refs/heads/").unwrap_or(branch);
    encode_segment(name)
}

#[async_trait]
impl Handle<GetBranch> for GitLab {
    async fn handle(&self, a: GetBranch, ctx: &CallContext) -> Result<Response<GitRef>, Error> {
        let req = Req::get(format!(
            "{}/repository/branches/{}",
            self.project(ctx)?,
            branch_segment(&a.branch)?
        ));
        self.read(req, ctx, GlBranch::git_ref).await
    }
}

#[async_trait]
impl Handle<CreateBranch> for GitLab {
    async fn handle(&self, a: CreateBranch, ctx: &CallContext) -> Result<Response<GitRef>, Error> {
        let name = a.branch.strip_prefix("refs/heads/").unwrap_or(&a.branch);
        let req = Req::post(
            format!("{}/repository/branches", self.project(ctx)?),
            json!({ "branch": name, "ref": a.sha.as_str() }),
        );
        self.write(req, ctx, GlBranch::git_ref).await
    }
}

#[async_trait]
impl Handle<DeleteBranch> for GitLab {
    async fn handle(&self, a: DeleteBranch, ctx: &CallContext) -> Result<Response<()>, Error> {
        let req = Req::delete(format!(
            "{}/repository/branches/{}",
            self.project(ctx)?,
            branch_segment(&a.branch)?
        ));
        self.write_empty(req, ctx).await
    }
}

/// `heads/x`, `refs/heads/x` and a bare `x` read branch `x`; `tags/v1`
/// and `refs/tags/v1` read the tag (its tag object for annotated tags).
#[async_trait]
impl Handle<GetGitRef> for GitLab {
    async fn handle(&self, a: GetGitRef, ctx: &CallContext) -> Result<Response<GitRef>, Error> {
        let name = a.r#ref.strip_prefix("refs/").unwrap_or(&a.r#ref);
        let project = self.project(ctx)?;
        if let Some(tag) = name.strip_prefix("tags/") {
            let req = Req::get(format!(
                "{project}/repository/tags/{}",
                encode_segment(tag)?
            ));
            return self.read(req, ctx, GlTag::git_ref).await;
        }
        let branch = name.strip_prefix("heads/").unwrap_or(name);
        let req = Req::get(format!(
            "{project}/repository/branches/{}",
            encode_segment(branch)?
        ));
        self.read(req, ctx, GlBranch::git_ref).await
    }
}
