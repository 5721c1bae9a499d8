//! One `Handle` impl per supported action, grouped like the catalogue,
//! and the lookups several actions share.

mod branches;
mod checks;
mod comments;
mod commits;
mod files;
mod issues;
mod moderation;
mod pull_requests;
mod repository;
mod reviews;
mod urls;

use scm_core::http_util::encode_segment;
use scm_core::model::Sha;
use scm_core::provider::CallContext;
use scm_core::Error;

use crate::client::{Json, Req};
use crate::schema::pull_requests::PullRequestJson;
use crate::schema::refs::RefJson;
use crate::schema::repository::Repository;
use crate::Bitbucket;

/// A ref that is already a commit id (7 to 64 hex digits).
fn as_sha(reference: &str) -> Option<Sha> {
    (reference.len() >= 7)
        .then(|| Sha::new(reference).ok())
        .flatten()
}

/// A branch name without `refs/heads/` or `heads/`.
pub(crate) fn branch_name(branch: &str) -> &str {
    branch
        .strip_prefix("refs/heads/")
        .or_else(|| branch.strip_prefix("heads/"))
        .unwrap_or(branch)
}

impl Bitbucket {
    /// `…/pullrequests/<id>`.
    pub(crate) fn pr_path(&self, ctx: &CallContext, id: &str) -> Result<String, Error> {
        Ok(format!(
            "{}/pullrequests/{}",
            self.repo(ctx)?,
            crate::number(id, "pull_request_id")?
        ))
    }

    /// The pull request as Bitbucket has it now (for read-modify-write).
    pub(crate) async fn pull_request_json(
        &self,
        ctx: &CallContext,
        id: &str,
    ) -> Result<Json<PullRequestJson>, Error> {
        self.call(Req::get(self.pr_path(ctx, id)?), ctx).await
    }

    /// The repository's main branch name.
    pub(crate) async fn main_branch(&self, ctx: &CallContext) -> Result<String, Error> {
        let repo = self
            .call::<Repository>(Req::get(self.repo(ctx)?), ctx)
            .await?;
        repo.value
            .mainbranch
            .and_then(|b| b.name)
            .ok_or_else(|| Error::NotFound {
                detail: "the Bitbucket repository has no main branch".into(),
            })
    }

    /// The revision to put in a path: the ref as given, or the main branch.
    /// A name with `/` is resolved to its commit first (Bitbucket cannot
    /// tell such a branch from a path).
    pub(crate) async fn revision(
        &self,
        ctx: &CallContext,
        reference: Option<&str>,
    ) -> Result<String, Error> {
        let reference = match reference.map(str::trim).filter(|r| !r.is_empty()) {
            Some(r) => r.to_owned(),
            None => self.main_branch(ctx).await?,
        };
        let name = branch_name(&reference);
        if name.contains('/') {
            return Ok(self.resolve_commit(ctx, name).await?.to_string());
        }
        encode_segment(name)
    }

    /// The commit a ref names: a sha as is, else the branch, else the tag.
    pub(crate) async fn resolve_commit(
        &self,
        ctx: &CallContext,
        reference: &str,
    ) -> Result<Sha, Error> {
        if let Some(sha) = as_sha(reference) {
            return Ok(sha);
        }
        let repo = self.repo(ctx)?;
        let name = reference.strip_prefix("refs/").unwrap_or(reference);
        if let Some(tag) = name.strip_prefix("tags/") {
            let req = Req::get(format!("{repo}/refs/tags/{}", encode_segment(tag)?));
            return Ok(self.call::<RefJson>(req, ctx).await?.value.git_ref()?.sha);
        }
        let branch = branch_name(name);
        let req = Req::get(format!("{repo}/refs/branches/{}", encode_segment(branch)?));
        match self.call::<RefJson>(req, ctx).await {
            Ok(json) => Ok(json.value.git_ref()?.sha),
            Err(Error::NotFound { .. }) => {
                let req = Req::get(format!("{repo}/refs/tags/{}", encode_segment(branch)?));
                Ok(self.call::<RefJson>(req, ctx).await?.value.git_ref()?.sha)
            }
            Err(err) => Err(err),
        }
    }
}
