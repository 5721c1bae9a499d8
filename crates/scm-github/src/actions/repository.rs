//! The repository itself, the people in it, and who we are.

use async_trait::async_trait;
use scm_core::actions::{
    GetAppInstallation, GetAuthenticatedActor, GetRepository, GetRepositoryAssignees,
    GetRepositoryLabels, GetRepositoryTopics, GetRepositoryUserPermission, ListRepositories,
    ListRepositoryUserPermissions,
};
use scm_core::model::{AppInstallation, Author, GitRepository, Label, UserPermissions};
use scm_core::{CallContext, Error, Handle, Page, Response, Result};

use super::seg;
use crate::auth::CredentialMode;
use crate::client::{Call, Client};
use crate::config::Credentials;
use crate::schema::{
    GhApp, GhCollaborator, GhInstallation, GhLabel, GhPermissionAnswer, GhRepository, GhTopics,
    GhUser,
};
use crate::GitHub;

#[async_trait]
impl Handle<GetAppInstallation> for GitHub {
    async fn handle(
        &self,
        _action: GetAppInstallation,
        ctx: &CallContext,
    ) -> Result<Response<AppInstallation>> {
        let Credentials::App(app) = self.credentials() else {
            // Allowed input, which these credentials cannot serve.
            return Err(Error::Forbidden {
                detail: "get_app_installation needs GitHub App credentials; a personal token has no installation".into(),
            });
        };
        let call = Call::get(format!("/app/installations/{}", seg(&app.installation_id)?))
            .mode(CredentialMode::Application);
        Ok(self
            .client()
            .json::<GhInstallation>(call, ctx)
            .await?
            .map(Into::into))
    }
}

/// With a personal token this is the token's user (`GET /user`).
///
/// An installation token is refused by `GET /user`: it acts as the App's
/// bot account (`{slug}[bot]`), which is what authors its comments and
/// reviews. So for App credentials we ask for the App (`GET /app`, with
/// the App's own JWT) and then for its bot user (`GET /users/{slug}[bot]`),
/// returning the account GitHub shows as the actor.
#[async_trait]
impl Handle<GetAuthenticatedActor> for GitHub {
    async fn handle(
        &self,
        _action: GetAuthenticatedActor,
        ctx: &CallContext,
    ) -> Result<Response<Author>> {
        match self.credentials() {
            Credentials::Token(_) => Ok(self
                .client()
                .json::<GhUser>(Call::get("/user".into()), ctx)
                .await?
                .map(Into::into)),
            Credentials::App(_) => {
                let app = self
                    .client()
                    .json::<GhApp>(
                        Call::get("/app".into()).mode(CredentialMode::Application),
                        ctx,
                    )
                    .await?;
                let Some(app) = app.into_data() else {
                    return Err(Error::malformed("GET /app answered not modified"));
                };
                let slug = app
                    .slug
                    .ok_or_else(|| Error::malformed("GitHub App without a slug"))?;
                let bot = format!("{slug}[bot]");
                let call = Call::get(format!("/users/{}", seg(&bot)?));
                Ok(self.client().json::<GhUser>(call, ctx).await?.map(|user| {
                    let mut author = Author::from(user);
                    if author.display_name.is_none() {
                        author.display_name = app.name;
                    }
                    author
                }))
            }
        }
    }
}

#[async_trait]
impl Handle<GetRepository> for GitHub {
    async fn handle(
        &self,
        _action: GetRepository,
        ctx: &CallContext,
    ) -> Result<Response<GitRepository>> {
        Ok(self
            .client()
            .json::<GhRepository>(Call::get(Client::repo_path(ctx)?), ctx)
            .await?
            .map(Into::into))
    }
}

#[async_trait]
impl Handle<GetRepositoryAssignees> for GitHub {
    async fn handle(
        &self,
        action: GetRepositoryAssignees,
        ctx: &CallContext,
    ) -> Result<Response<Page<Author>>> {
        let path = format!("{}/assignees", Client::repo_path(ctx)?);
        Ok(self
            .client()
            .list::<GhUser>(Call::get(path), &action.page, ctx)
            .await?
            .map(|page| page.map(Author::from)))
    }
}

#[async_trait]
impl Handle<ListRepositoryUserPermissions> for GitHub {
    async fn handle(
        &self,
        action: ListRepositoryUserPermissions,
        ctx: &CallContext,
    ) -> Result<Response<Page<UserPermissions>>> {
        let path = format!("{}/collaborators", Client::repo_path(ctx)?);
        Ok(self
            .client()
            .list::<GhCollaborator>(Call::get(path), &action.page, ctx)
            .await?
            .map(|page| page.map(UserPermissions::from)))
    }
}

#[async_trait]
impl Handle<GetRepositoryUserPermission> for GitHub {
    async fn handle(
        &self,
        action: GetRepositoryUserPermission,
        ctx: &CallContext,
    ) -> Result<Response<UserPermissions>> {
        let path = format!(
            "{}/collaborators/{}/permission",
            Client::repo_path(ctx)?,
            seg(&action.username)?
        );
        let username = action.username;
        Ok(self
            .client()
            .json::<GhPermissionAnswer>(Call::get(path), ctx)
            .await?
            .map(|answer| answer.into_permissions(&username)))
    }
}

#[async_trait]
impl Handle<GetRepositoryLabels> for GitHub {
    async fn handle(
        &self,
        action: GetRepositoryLabels,
        ctx: &CallContext,
    ) -> Result<Response<Page<Label>>> {
        let path = format!("{}/labels", Client::repo_path(ctx)?);
        Ok(self
            .client()
            .list::<GhLabel>(Call::get(path), &action.page, ctx)
            .await?
            .map(|page| page.map(Label::from)))
    }
}

#[async_trait]
impl Handle<GetRepositoryTopics> for GitHub {
    async fn handle(
        &self,
        _action: GetRepositoryTopics,
        ctx: &CallContext,
    ) -> Result<Response<Vec<String>>> {
        let path = format!("{}/topics", Client::repo_path(ctx)?);
        Ok(self
            .client()
            .json::<GhTopics>(Call::get(path), ctx)
            .await?
            .map(|topics| topics.names))
    }
}

/// App installations list what they were granted
/// (`/installation/repositories`, items under `repositories`); personal
/// tokens list what their user can reach (`/user/repos`).
#[async_trait]
impl Handle<ListRepositories> for GitHub {
    async fn handle(
        &self,
        action: ListRepositories,
        ctx: &CallContext,
    ) -> Result<Response<Page<GitRepository>>> {
        let client = self.client();
        let page = match self.credentials() {
            Credentials::App(_) => {
                client
                    .list_under::<GhRepository>(
                        Call::get("/installation/repositories".into()),
                        "repositories",
                        &action.page,
                        ctx,
                    )
                    .await?
            }
            Credentials::Token(_) => {
                client
                    .list::<GhRepository>(Call::get("/user/repos".into()), &action.page, ctx)
                    .await?
            }
        };
        Ok(page.map(|page| page.map(GitRepository::from)))
    }
}
