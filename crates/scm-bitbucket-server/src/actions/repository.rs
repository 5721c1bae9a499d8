//! The repository, people and permissions.

use async_trait::async_trait;
use scm_core::actions::{
    GetAuthenticatedActor, GetRepository, GetRepositoryAssignees, GetRepositoryTopics,
    GetRepositoryUserPermission, ListRepositories, ListRepositoryUserPermissions,
};
use scm_core::model::{Author, GitRepository, Permission, UserPermissions};
use scm_core::{CallContext, Error, Handle, Page, Response, Result};

use crate::client::{data_or_not_modified, ok, project_and_slug, repo_path, Call, Fetched};
use crate::schema::{BbLabel, BbPage, BbRef, BbRepository, BbUser, BbUserPermission};
use crate::BitbucketServer;

#[async_trait]
impl Handle<GetAuthenticatedActor> for BitbucketServer {
    async fn handle(
        &self,
        _: GetAuthenticatedActor,
        ctx: &CallContext,
    ) -> Result<Response<Author>> {
        let (user, raw) = self.current_user(ctx).await?;
        Ok(ok(user.into(), Some(raw)))
    }
}

/// The repository; on versions before 9.0 the default branch is not
/// embedded and is read from `/branches/default` (an empty repository
/// has none).
#[async_trait]
impl Handle<GetRepository> for BitbucketServer {
    async fn handle(&self, _: GetRepository, ctx: &CallContext) -> Result<Response<GitRepository>> {
        let path = repo_path(ctx)?;
        let response = self
            .client()
            .json::<BbRepository>(Call::get(path.clone()), ctx)
            .await?;
        let result = match data_or_not_modified(response) {
            Fetched::Data(result) => result,
            Fetched::NotModified(not_modified) => return Ok(not_modified),
        };
        let default = if result.data.default_branch.is_some() {
            None
        } else {
            let call = Call::get(format!("{path}/branches/default"));
            match self.client().value::<BbRef>(call, ctx).await {
                Ok((branch, _, _)) => Some(branch),
                Err(Error::NotFound { .. }) | Err(Error::MalformedResponse { .. }) => None,
                Err(other) => return Err(other),
            }
        };
        Ok(Response::Ok(
            result.map(|repo| repo.into_repository(default)),
        ))
    }
}

/// Pull requests have no assignees; the people who can review are the
/// users with read access to the repository (`permission.1=REPO_READ`
/// with the repository named in `permission.1.projectKey` and
/// `permission.1.repositorySlug`).
#[async_trait]
impl Handle<GetRepositoryAssignees> for BitbucketServer {
    async fn handle(
        &self,
        a: GetRepositoryAssignees,
        ctx: &CallContext,
    ) -> Result<Response<Page<Author>>> {
        let (key, slug) = project_and_slug(ctx)?;
        let call = Call::get("/api/latest/users".into())
            .query("permission.1", "REPO_READ")
            .query("permission.1.projectKey", key)
            .query("permission.1.repositorySlug", slug);
        self.client()
            .list(call, &a.page, ctx, |user: BbUser| Ok(Some(user.into())))
            .await
    }
}

/// Explicit repository grants (`/permissions/users`; needs repository
/// admin). Access inherited from the project or globally is not listed.
#[async_trait]
impl Handle<ListRepositoryUserPermissions> for BitbucketServer {
    async fn handle(
        &self,
        a: ListRepositoryUserPermissions,
        ctx: &CallContext,
    ) -> Result<Response<Page<UserPermissions>>> {
        let call = Call::get(format!("{}/permissions/users", repo_path(ctx)?));
        self.client()
            .list(call, &a.page, ctx, |entry: BbUserPermission| {
                Ok(Some(entry.into()))
            })
            .await
    }
}

/// One user's explicit grant on the repository; `none` when there is none.
#[async_trait]
impl Handle<GetRepositoryUserPermission> for BitbucketServer {
    async fn handle(
        &self,
        a: GetRepositoryUserPermission,
        ctx: &CallContext,
    ) -> Result<Response<UserPermissions>> {
        let call = Call::get(format!("{}/permissions/users", repo_path(ctx)?))
            .query("filter", &a.username)
            .query("limit", 100);
        self.client()
            .json_map(call, ctx, |page: BbPage<BbUserPermission>| {
                let found = page.values.into_iter().find(|entry| {
                    entry
                        .user
                        .name
                        .as_deref()
                        .is_some_and(|n| n.eq_ignore_ascii_case(&a.username))
                        || entry.user.slug.as_deref() == Some(a.username.as_str())
                });
                Ok(match found {
                    Some(entry) => entry.into(),
                    None => UserPermissions {
                        user: Author {
                            username: a.username.clone(),
                            ..Author::default()
                        },
                        permission: Permission::None,
                        role_name: None,
                    },
                })
            })
            .await
    }
}

/// Repository labels are Data Center's topics.
#[async_trait]
impl Handle<GetRepositoryTopics> for BitbucketServer {
    async fn handle(
        &self,
        _: GetRepositoryTopics,
        ctx: &CallContext,
    ) -> Result<Response<Vec<String>>> {
        let call = Call::get(format!("{}/labels", repo_path(ctx)?)).query("limit", 100);
        self.client()
            .json_map(call, ctx, |page: BbPage<BbLabel>| {
                Ok(page.values.into_iter().map(|label| label.name).collect())
            })
            .await
    }
}

#[async_trait]
impl Handle<ListRepositories> for BitbucketServer {
    async fn handle(
        &self,
        a: ListRepositories,
        ctx: &CallContext,
    ) -> Result<Response<Page<GitRepository>>> {
        let call = Call::get("/api/latest/repos".into()).query("permission", "REPO_READ");
        self.client()
            .list(call, &a.page, ctx, |repo: BbRepository| {
                Ok(Some(repo.into_repository(None)))
            })
            .await
    }
}
