//! One `Handle` impl per supported action, grouped like the catalogue.

mod branches;
mod checks;
mod comments;
mod commits;
mod deliveries;
mod files;
mod issues;
mod moderation;
mod pull_requests;
mod reactions;
mod repository;
mod reviews;
mod urls;

use scm_core::provider::CallContext;
use scm_core::Error;

use crate::client::Req;
use crate::schema::GlUser;
use crate::GitLab;

impl GitLab {
    /// Resolves usernames to GitLab user ids (`GET /users?username=`).
    pub(crate) async fn user_ids(
        &self,
        usernames: &[String],
        ctx: &CallContext,
    ) -> Result<Vec<u64>, Error> {
        let mut ids = Vec::with_capacity(usernames.len());
        for username in usernames {
            let user = self.user_by_username(username, ctx).await?;
            let id = user
                .id
                .as_deref()
                .and_then(|id| id.parse::<u64>().ok())
                .ok_or_else(|| Error::malformed("GitLab sent a user without a numeric id"))?;
            ids.push(id);
        }
        Ok(ids)
    }

    pub(crate) async fn user_by_username(
        &self,
        username: &str,
        ctx: &CallContext,
    ) -> Result<GlUser, Error> {
        Ok(self.user_lookup(username, ctx).await?.0)
    }

    /// The user and the raw answer of the lookup.
    pub(crate) async fn user_lookup(
        &self,
        username: &str,
        ctx: &CallContext,
    ) -> Result<(GlUser, scm_core::RawResponse), Error> {
        let wanted = username.trim().trim_start_matches('@');
        let users = self
            .call::<Vec<GlUser>>(Req::get("users").q("username", wanted), ctx)
            .await?;
        let user = users
            .value
            .into_iter()
            .find(|u| {
                u.username
                    .as_deref()
                    .is_some_and(|name| name.eq_ignore_ascii_case(wanted))
            })
            .ok_or_else(|| Error::NotFound {
                detail: format!("GitLab has no user `{wanted}`"),
            })?;
        Ok((user, users.raw))
    }

    /// The account the token belongs to.
    pub(crate) async fn current_user(&self, ctx: &CallContext) -> Result<GlUser, Error> {
        Ok(self.call::<GlUser>(Req::get("user"), ctx).await?.value)
    }
}
