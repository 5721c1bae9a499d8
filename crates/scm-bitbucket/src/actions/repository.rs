//! The repository, the acting account, people and permissions.

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::http_util::encode_segment;
use scm_core::model::*;
use scm_core::provider::CallContext;
use scm_core::{Cursor, Error, Handle, Page, PageRequest, Response};
use serde::{Deserialize, Serialize};

use crate::client::Req;
use crate::pagination::MAX_PAGELEN;
use crate::schema::common::Account;
use crate::schema::repository::{
    permission, Membership, RepoPermission, Repository, WorkspaceAccess,
};
use crate::Bitbucket;

#[async_trait]
impl Handle<GetAuthenticatedActor> for Bitbucket {
    /// Needs the `account` scope: repository and project access tokens
    /// cannot carry it and get a 403.
    async fn handle(
        &self,
        _: GetAuthenticatedActor,
        ctx: &CallContext,
    ) -> Result<Response<Author>, Error> {
        self.read(Req::get("user"), ctx, |a: Account| Ok(a.author()))
            .await
    }
}

#[async_trait]
impl Handle<GetRepository> for Bitbucket {
    async fn handle(
        &self,
        _: GetRepository,
        ctx: &CallContext,
    ) -> Result<Response<GitRepository>, Error> {
        self.read(Req::get(self.repo(ctx)?), ctx, |r: Repository| {
            Ok(r.neutral())
        })
        .await
    }
}

/// Pull requests have no assignees on Bitbucket; the people who can be
/// asked for a review are the workspace's members (a superset of those
/// with access to the repository: effective permissions need repository
/// admin rights and are not available to access tokens).
#[async_trait]
impl Handle<GetRepositoryAssignees> for Bitbucket {
    async fn handle(
        &self,
        a: GetRepositoryAssignees,
        ctx: &CallContext,
    ) -> Result<Response<Page<Author>>, Error> {
        let req = Req::get(format!("workspaces/{}/members", self.workspace(ctx)?));
        self.list(req, &a.page, MAX_PAGELEN, ctx, |m: Membership| {
            Ok(m.author())
        })
        .await
    }
}

/// `workspaces/<ws>/permissions/repositories/<slug>`: effective permissions.
fn effective_permissions_path(ctx: &CallContext) -> Result<String, Error> {
    let name = Bitbucket::repo_name(ctx)?;
    Ok(format!(
        "workspaces/{}/permissions/repositories/{}",
        encode_segment(&name.workspace)?,
        encode_segment(&name.slug)?
    ))
}

/// Effective permissions (direct, group and workspace grants) per user.
/// Needs repository admin rights; access tokens are refused by Bitbucket.
#[async_trait]
impl Handle<ListRepositoryUserPermissions> for Bitbucket {
    async fn handle(
        &self,
        a: ListRepositoryUserPermissions,
        ctx: &CallContext,
    ) -> Result<Response<Page<UserPermissions>>, Error> {
        let req = Req::get(effective_permissions_path(ctx)?);
        self.list(req, &a.page, MAX_PAGELEN, ctx, |p: RepoPermission| {
            Ok(p.neutral())
        })
        .await
    }
}

/// `username` must be a `{uuid}` or an Atlassian account id (Bitbucket has
/// no usernames). Filtered with BBQL on the effective permissions; a user
/// without any permission reads as `none`.
#[async_trait]
impl Handle<GetRepositoryUserPermission> for Bitbucket {
    async fn handle(
        &self,
        a: GetRepositoryUserPermission,
        ctx: &CallContext,
    ) -> Result<Response<UserPermissions>, Error> {
        let id = user_id(&a.username)?;
        let field = if id.starts_with('{') {
            "user.uuid"
        } else {
            "user.account_id"
        };
        let req = Req::get(effective_permissions_path(ctx)?).q("q", format!("{field}=\"{id}\""));
        let wanted = id.clone();
        self.read(
            req,
            ctx,
            move |page: crate::schema::common::Paged<RepoPermission>| {
                // Filtered by BBQL; Bitbucket may leave the user out of the
                // entries it matched.
                let found = page
                    .values
                    .into_iter()
                    .find(|p| p.user.as_ref().is_none_or(|u| u.is(&wanted)))
                    .map(|p| UserPermissions {
                        user: p
                            .user
                            .as_ref()
                            .map(Account::author)
                            .unwrap_or_else(|| Author {
                                id: Some(wanted.clone()),
                                username: wanted.clone(),
                                ..Author::default()
                            }),
                        permission: permission(p.permission.as_deref()),
                        role_name: p.permission.clone(),
                    });
                Ok(found.unwrap_or(UserPermissions {
                    user: Author {
                        id: Some(wanted.clone()),
                        username: wanted.clone(),
                        ..Author::default()
                    },
                    permission: Permission::None,
                    role_name: None,
                }))
            },
        )
        .await
    }
}

/// A user argument: a `{uuid}` (braces added to a bare uuid) or an
/// Atlassian account id. Quotes and backslashes are refused (BBQL).
pub(crate) fn user_id(value: &str) -> Result<String, Error> {
    let value = value.trim().trim_start_matches('@');
    let bad = value.is_empty()
        || value.len() > 128
        || value
            .chars()
            .any(|c| c == '"' || c == '\\' || c.is_whitespace() || c.is_control());
    if bad {
        return Err(Error::invalid_input(
            "a Bitbucket user is named by `{uuid}` or Atlassian account id (usernames no longer exist)",
        ));
    }
    let is_bare_uuid = value.len() == 36
        && value.chars().filter(|c| *c == '-').count() == 4
        && value.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    Ok(if is_bare_uuid {
        format!("{{{value}}}")
    } else {
        value.to_owned()
    })
}

/// A user reference for request bodies (`{uuid}` or account id).
pub(crate) fn user_ref(id: &str) -> serde_json::Value {
    if id.starts_with('{') {
        serde_json::json!({ "type": "user", "uuid": id })
    } else {
        serde_json::json!({ "type": "user", "account_id": id })
    }
}

/// Where a listing of every reachable repository stands: the workspace
/// being listed (by index into the caller's workspaces) and its cursor.
#[derive(Debug, Serialize, Deserialize)]
struct ReposState {
    w: usize,
    c: Option<Cursor>,
}

/// Repositories the credentials reach, workspace by workspace (Bitbucket
/// lists repositories per workspace; `role=member` = explicit access).
#[async_trait]
impl Handle<ListRepositories> for Bitbucket {
    async fn handle(
        &self,
        a: ListRepositories,
        ctx: &CallContext,
    ) -> Result<Response<Page<GitRepository>>, Error> {
        let (workspaces, _, _) = self
            .list_all::<WorkspaceAccess>(Req::get("user/workspaces"), 20, ctx)
            .await?;
        let slugs: Vec<String> = workspaces
            .iter()
            .filter_map(WorkspaceAccess::slug)
            .collect();
        let state = match &a.page.cursor {
            Some(c) => c.decode::<ReposState>()?,
            None => ReposState { w: 0, c: None },
        };
        let Some(slug) = slugs.get(state.w) else {
            return Ok(self.ok(Page::new(Vec::new(), None), None, Default::default()));
        };
        let req = Req::get(format!("repositories/{}", encode_segment(slug)?)).q("role", "member");
        let page = PageRequest {
            cursor: state.c,
            per_page: a.page.per_page,
        };
        let (values, next, raw) = self
            .page_of::<Repository>(req, &page, MAX_PAGELEN, None, ctx)
            .await?;
        let next = match next {
            Some(c) => Some(ReposState {
                w: state.w,
                c: Some(c),
            }),
            None if state.w + 1 < slugs.len() => Some(ReposState {
                w: state.w + 1,
                c: None,
            }),
            None => None,
        };
        let items = values.into_iter().map(Repository::neutral).collect();
        Ok(self.ok(
            Page::new(items, next.map(|s| Cursor::encode(&s))),
            Some(raw),
            Default::default(),
        ))
    }
}
