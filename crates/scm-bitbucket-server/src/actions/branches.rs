//! Branches and refs. Branches are created through the core API and
//! deleted through the branch-utils module; nothing can move a branch.

use async_trait::async_trait;
use scm_core::actions::{CreateBranch, DeleteBranch, GetBranch, GetGitRef};
use scm_core::http_util::encode_segment;
use scm_core::model::GitRef;
use scm_core::{CallContext, Error, Handle, Response, Result};
use serde_json::json;

use crate::client::{module_repo_path, ok, repo_path, Call};
use crate::schema::BbRef;
use crate::BitbucketServer;

#[async_trait]
impl Handle<GetBranch> for BitbucketServer {
    async fn handle(&self, a: GetBranch, ctx: &CallContext) -> Result<Response<GitRef>> {
        let branch = self.find_branch(&a.branch, ctx).await?;
        Ok(ok(branch.git_ref("refs/heads/")?, None))
    }
}

#[async_trait]
impl Handle<CreateBranch> for BitbucketServer {
    async fn handle(&self, a: CreateBranch, ctx: &CallContext) -> Result<Response<GitRef>> {
        let call = Call::post(
            format!("{}/branches", repo_path(ctx)?),
            json!({ "name": a.branch, "startPoint": a.sha.as_str() }),
        );
        self.client()
            .json_map(call, ctx, |b: BbRef| b.git_ref("refs/heads/"))
            .await
    }
}

/// Data Center answers 204 even when the branch did not exist.
#[async_trait]
impl Handle<DeleteBranch> for BitbucketServer {
    async fn handle(&self, a: DeleteBranch, ctx: &CallContext) -> Result<Response<()>> {
        let name = a.branch.strip_prefix("refs/heads/").unwrap_or(&a.branch);
        let call = Call::delete(format!(
            "{}/branches",
            module_repo_path("branch-utils", ctx)?
        ))
        .json(json!({ "name": format!("refs/heads/{name}"), "dryRun": false }));
        self.client().empty(call, ctx).await
    }
}

/// `heads/x`, `tags/x` or the same under `refs/`.
#[async_trait]
impl Handle<GetGitRef> for BitbucketServer {
    async fn handle(&self, a: GetGitRef, ctx: &CallContext) -> Result<Response<GitRef>> {
        let name = a.r#ref.strip_prefix("refs/").unwrap_or(&a.r#ref);
        if let Some(branch) = name.strip_prefix("heads/") {
            let found = self.find_branch(branch, ctx).await?;
            return Ok(ok(found.git_ref("refs/heads/")?, None));
        }
        if let Some(tag) = name.strip_prefix("tags/") {
            let call = Call::get(format!("{}/tags/{}", repo_path(ctx)?, encode_segment(tag)?));
            return self
                .client()
                .json_map(call, ctx, |t: BbRef| t.git_ref("refs/tags/"))
                .await;
        }
        Err(Error::invalid_input(format!(
            "`{}` is not a branch or tag ref (`heads/…`, `tags/…`)",
            a.r#ref.chars().take(80).collect::<String>()
        )))
    }
}
