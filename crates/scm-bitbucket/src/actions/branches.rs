//! Branches and refs.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::http_util::encode_segment;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Response};
use serde_json::json;

use super::branch_name;
use crate::client::Req;
use crate::schema::refs::RefJson;
use crate::Bitbucket;

impl Bitbucket {
    fn branch_path(&self, ctx: &CallContext, branch: &str) -> Result<String, Error> {
        Ok(format!(
            "{}/refs/branches/{}",
            self.repo(ctx)?,
            encode_segment(branch_name(branch))?
        ))
    }
}

#[async_trait]
impl Handle<GetBranch> for Bitbucket {
    async fn handle(&self, a: GetBranch, ctx: &CallContext) -> Result<Response<GitRef>, Error> {
        let req = Req::get(self.branch_path(ctx, &a.branch)?);
        self.read(req, ctx, RefJson::git_ref).await
    }
}

/// Send the full commit id: Bitbucket may refuse short prefixes.
#[async_trait]
impl Handle<CreateBranch> for Bitbucket {
    async fn handle(&self, a: CreateBranch, ctx: &CallContext) -> Result<Response<GitRef>, Error> {
        let req = Req::post(
            format!("{}/refs/branches", self.repo(ctx)?),
            json!({ "name": branch_name(&a.branch), "target": { "hash": a.sha.as_str() } }),
        );
        self.write(req, ctx, RefJson::git_ref).await
    }
}

#[async_trait]
impl Handle<DeleteBranch> for Bitbucket {
    async fn handle(&self, a: DeleteBranch, ctx: &CallContext) -> Result<Response<()>, Error> {
        self.write_empty(Req::delete(self.branch_path(ctx, &a.branch)?), ctx)
            .await
    }
}

/// `heads/x`, `refs/heads/x` and a bare `x` read branch `x`; `tags/v1`
/// and `refs/tags/v1` read the tag (its commit: Bitbucket does not expose
/// annotated tag objects).
#[async_trait]
impl Handle<GetGitRef> for Bitbucket {
    async fn handle(&self, a: GetGitRef, ctx: &CallContext) -> Result<Response<GitRef>, Error> {
        let name = a.r#ref.strip_prefix("refs/").unwrap_or(&a.r#ref);
        if let Some(tag) = name.strip_prefix("tags/") {
            let req = Req::get(format!(
                "{}/refs/tags/{}",
                self.repo(ctx)?,
                encode_segment(tag)?
            ));
            return self.read(req, ctx, |r: RefJson| r.tag().git_ref()).await;
        }
        let req = Req::get(self.branch_path(ctx, name)?);
        self.read(req, ctx, RefJson::git_ref).await
    }
}
