//! Repository & identity.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Page, Response};

use crate::client::Req;
use crate::pagination::Mode;
use crate::schema::{permission, GlLabel, GlMember, GlProject, GlUser};
use crate::GitLab;

#[async_trait]
impl Handle<GetAuthenticatedActor> for GitLab {
    async fn handle(
        &self,
        _: GetAuthenticatedActor,
        ctx: &CallContext,
    ) -> Result<Response<Author>, Error> {
        self.read(Req::get("user"), ctx, |user: GlUser| Ok(user.author()))
            .await
    }
}

#[async_trait]
impl Handle<GetRepository> for GitLab {
    async fn handle(
        &self,
        _: GetRepository,
        ctx: &CallContext,
    ) -> Result<Response<GitRepository>, Error> {
        self.read(Req::get(self.project(ctx)?), ctx, GlProject::repository)
            .await
    }
}

#[async_trait]
impl Handle<GetRepositoryTopics> for GitLab {
    async fn handle(
        &self,
        _: GetRepositoryTopics,
        ctx: &CallContext,
    ) -> Result<Response<Vec<String>>, Error> {
        self.read(Req::get(self.project(ctx)?), ctx, |p: GlProject| {
            Ok(p.topics())
        })
        .await
    }
}

/// Users who can be assigned: GitLab's project users list.
#[async_trait]
impl Handle<GetRepositoryAssignees> for GitLab {
    async fn handle(
        &self,
        a: GetRepositoryAssignees,
        ctx: &CallContext,
    ) -> Result<Response<Page<Author>>, Error> {
        let req = Req::get(format!("{}/users", self.project(ctx)?));
        self.list(req, &a.page, Mode::Offset, ctx, |u: GlUser| {
            Ok(Some(u.author()))
        })
        .await
    }
}

/// Every member, inherited ones included (`members/all`).
#[async_trait]
impl Handle<ListRepositoryUserPermissions> for GitLab {
    async fn handle(
        &self,
        a: ListRepositoryUserPermissions,
        ctx: &CallContext,
    ) -> Result<Response<Page<UserPermissions>>, Error> {
        let req = Req::get(format!("{}/members/all", self.project(ctx)?));
        self.list(req, &a.page, Mode::Offset, ctx, |m: GlMember| {
            Ok(Some(m.permissions()))
        })
        .await
    }
}

/// A user who is not a member has permission `none`.
#[async_trait]
impl Handle<GetRepositoryUserPermission> for GitLab {
    async fn handle(
        &self,
        a: GetRepositoryUserPermission,
        ctx: &CallContext,
    ) -> Result<Response<UserPermissions>, Error> {
        let (user, lookup_raw) = self.user_lookup(&a.username, ctx).await?;
        let id = crate::number(user.id.as_deref().unwrap_or_default(), "user id")?;
        let req = Req::get(format!("{}/members/all/{id}", self.project(ctx)?));
        match self.read(req, ctx, |m: GlMember| Ok(m.permissions())).await {
            Err(Error::NotFound { .. }) => {
                let (permission, role_name) = permission(None);
                Ok(self.ok(
                    UserPermissions {
                        user: user.author(),
                        permission,
                        role_name,
                    },
                    Some(lookup_raw),
                    Default::default(),
                ))
            }
            other => other,
        }
    }
}

#[async_trait]
impl Handle<GetRepositoryLabels> for GitLab {
    async fn handle(
        &self,
        a: GetRepositoryLabels,
        ctx: &CallContext,
    ) -> Result<Response<Page<Label>>, Error> {
        let req = Req::get(format!("{}/labels", self.project(ctx)?));
        self.list(req, &a.page, Mode::Offset, ctx, |l: GlLabel| {
            Ok(Some(l.label()))
        })
        .await
    }
}

/// Projects the token is a member of, keyset-paginated by id.
#[async_trait]
impl Handle<ListRepositories> for GitLab {
    async fn handle(
        &self,
        a: ListRepositories,
        ctx: &CallContext,
    ) -> Result<Response<Page<GitRepository>>, Error> {
        let req = Req::get("projects")
            .q("membership", "true")
            .q("pagination", "keyset")
            .q("order_by", "id")
            .q("sort", "asc");
        self.list(req, &a.page, Mode::Keyset, ctx, |p: GlProject| {
            p.repository().map(Some)
        })
        .await
    }
}
