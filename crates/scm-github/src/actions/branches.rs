//! Branches and refs.
//!
//! Branch and ref names go into the URL as one percent-encoded segment
//! (`feature/x` → `feature%2Fx`): GitHub accepts it, GitHub's OpenAPI
//! description requires it (`{ref}` is one segment), and Octokit's URL
//! templates send it that way. Names with `.`/`..`/empty segments are
//! refused before anything is sent.

use async_trait::async_trait;
use http::Method;
use scm_core::actions::{CreateBranch, DeleteBranch, GetBranch, GetGitRef, UpdateBranch};
use scm_core::http_util::{encode_path, encode_segment};
use scm_core::model::{GitRef, Sha};
use scm_core::{CallContext, Error, Handle, Response, Result};
use serde_json::json;

use crate::client::{Call, Client};
use crate::schema::{GhBranch, GhRef};
use crate::GitHub;

/// A `/`-separated name as one URL segment, refusing names that could
/// move up the path once decoded.
pub(crate) fn name_segment(name: &str) -> Result<String> {
    if name.starts_with('/') || name.ends_with('/') {
        return Err(Error::invalid_input(format!(
            "`{name}` is not a valid ref name"
        )));
    }
    encode_path(name)?;
    encode_segment(name)
}

/// `heads/x`, `refs/heads/x` → `heads%2Fx` (the part after `refs/`).
pub(crate) fn ref_segment(name: &str) -> Result<String> {
    name_segment(name.strip_prefix("refs/").unwrap_or(name))
}

/// The path of a branch's ref: `…/git/refs/heads%2F{branch}`.
pub(crate) fn branch_ref_path(ctx: &CallContext, branch: &str) -> Result<String> {
    Ok(format!(
        "{}/git/refs/{}",
        Client::repo_path(ctx)?,
        ref_segment(&format!("heads/{branch}"))?
    ))
}

impl GitHub {
    pub(crate) async fn create_branch_ref(
        &self,
        branch: &str,
        sha: &Sha,
        ctx: &CallContext,
    ) -> Result<Response<GitRef>> {
        name_segment(branch)?;
        let call = Call::new(
            Method::POST,
            format!("{}/git/refs", Client::repo_path(ctx)?),
        )
        .json(json!({ "ref": format!("refs/heads/{branch}"), "sha": sha.as_str() }));
        Ok(self
            .client()
            .json::<GhRef>(call, ctx)
            .await?
            .map(Into::into))
    }

    pub(crate) async fn update_branch_ref(
        &self,
        branch: &str,
        sha: &Sha,
        force: bool,
        ctx: &CallContext,
    ) -> Result<Response<GitRef>> {
        // `force: false` is GitHub's default; it is only sent when true.
        let mut body = json!({ "sha": sha.as_str() });
        if force {
            body["force"] = json!(true);
        }
        let call = Call::new(Method::PATCH, branch_ref_path(ctx, branch)?).json(body);
        Ok(self
            .client()
            .json::<GhRef>(call, ctx)
            .await?
            .map(Into::into))
    }
}

#[async_trait]
impl Handle<GetBranch> for GitHub {
    async fn handle(&self, action: GetBranch, ctx: &CallContext) -> Result<Response<GitRef>> {
        let path = format!(
            "{}/branches/{}",
            Client::repo_path(ctx)?,
            name_segment(&action.branch)?
        );
        Ok(self
            .client()
            .json::<GhBranch>(Call::get(path), ctx)
            .await?
            .map(Into::into))
    }
}

#[async_trait]
impl Handle<CreateBranch> for GitHub {
    async fn handle(&self, action: CreateBranch, ctx: &CallContext) -> Result<Response<GitRef>> {
        self.create_branch_ref(&action.branch, &action.sha, ctx)
            .await
    }
}

#[async_trait]
impl Handle<UpdateBranch> for GitHub {
    async fn handle(&self, action: UpdateBranch, ctx: &CallContext) -> Result<Response<GitRef>> {
        self.update_branch_ref(&action.branch, &action.sha, action.force, ctx)
            .await
    }
}

#[async_trait]
impl Handle<DeleteBranch> for GitHub {
    async fn handle(&self, action: DeleteBranch, ctx: &CallContext) -> Result<Response<()>> {
        let call = Call::new(Method::DELETE, branch_ref_path(ctx, &action.branch)?);
        self.client().empty(call, ctx).await
    }
}

#[async_trait]
impl Handle<GetGitRef> for GitHub {
    async fn handle(&self, action: GetGitRef, ctx: &CallContext) -> Result<Response<GitRef>> {
        let path = format!(
            "{}/git/ref/{}",
            Client::repo_path(ctx)?,
            ref_segment(&action.r#ref)?
        );
        Ok(self
            .client()
            .json::<GhRef>(Call::get(path), ctx)
            .await?
            .map(Into::into))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ref_names_are_one_segment() {
        assert_eq!(ref_segment("heads/main").unwrap(), "heads%2Fmain");
        assert_eq!(
            ref_segment("refs/heads/feature/x").unwrap(),
            "heads%2Ffeature%2Fx"
        );
        assert_eq!(name_segment("feature/x").unwrap(), "feature%2Fx");
        assert!(name_segment("../main").is_err());
        assert!(name_segment("a//b").is_err());
        assert!(name_segment("a/").is_err());
        assert!(ref_segment("refs/heads/../../x").is_err());
    }
}
