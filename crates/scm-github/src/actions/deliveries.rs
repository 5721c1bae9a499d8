//! Webhook deliveries of the App's webhook (with the App's JWT), of a
//! repository hook and of an organization hook. GitHub keeps them for
//! three days and never redelivers by itself; a redelivery is a new
//! attempt with the same `guid`.

use async_trait::async_trait;
use http::Method;
use scm_core::actions::{GetHookDelivery, ListHookDeliveries, RedeliverHookDelivery};
use scm_core::model::{since_filter, HookDelivery, HookSource};
use scm_core::{CallContext, Error, Handle, Page, Response, Result};

use super::{id_segment, seg};
use crate::auth::CredentialMode;
use crate::client::{split_full_name, Call, Client};
use crate::config::Credentials;
use crate::schema::GhHookDelivery;
use crate::GitHub;

impl GitHub {
    /// The hook's path (`/app/hook`, `/repos/o/r/hooks/1`, `/orgs/o/hooks/1`)
    /// and the identity its deliveries are read with.
    fn hook_path(
        &self,
        source: HookSource,
        hook_id: Option<&str>,
        ctx: &CallContext,
    ) -> Result<(String, CredentialMode)> {
        let hook_id = |source: &str| {
            hook_id.ok_or_else(|| {
                Error::invalid_input(format!("a `{source}` hook source needs `hook_id`"))
            })
        };
        match source {
            HookSource::App => {
                if !matches!(self.credentials(), Credentials::App(_)) {
                    // Allowed input, which these credentials cannot serve.
                    return Err(Error::Forbidden {
                        detail: "the `app` hook source needs GitHub App credentials".into(),
                    });
                }
                Ok(("/app/hook".into(), CredentialMode::Application))
            }
            HookSource::Repository => Ok((
                format!(
                    "{}/hooks/{}",
                    Client::repo_path(ctx)?,
                    id_segment(hook_id("repository")?)?
                ),
                CredentialMode::Installation,
            )),
            HookSource::Organization => {
                let (owner, _) = split_full_name(&ctx.repository.full_name)?;
                Ok((
                    format!(
                        "/orgs/{}/hooks/{}",
                        seg(owner)?,
                        id_segment(hook_id("organization")?)?
                    ),
                    CredentialMode::Installation,
                ))
            }
        }
    }
}

#[async_trait]
impl Handle<ListHookDeliveries> for GitHub {
    async fn handle(
        &self,
        action: ListHookDeliveries,
        ctx: &CallContext,
    ) -> Result<Response<Page<HookDelivery>>> {
        let (path, mode) = self.hook_path(action.source, action.hook_id.as_deref(), ctx)?;
        let call = Call::get(format!("{path}/deliveries")).mode(mode);
        let since = action.since;
        Ok(self
            .client()
            .list::<GhHookDelivery>(call, &action.page, ctx)
            .await?
            .map(|page| since_filter(page.map(HookDelivery::from), since)))
    }
}

#[async_trait]
impl Handle<GetHookDelivery> for GitHub {
    async fn handle(
        &self,
        action: GetHookDelivery,
        ctx: &CallContext,
    ) -> Result<Response<HookDelivery>> {
        let (path, mode) = self.hook_path(action.source, action.hook_id.as_deref(), ctx)?;
        let id = id_segment(&action.delivery_id)?;
        let call = Call::get(format!("{path}/deliveries/{id}")).mode(mode);
        self.client()
            .json_into::<GhHookDelivery, HookDelivery>(call, ctx)
            .await
    }
}

#[async_trait]
impl Handle<RedeliverHookDelivery> for GitHub {
    async fn handle(
        &self,
        action: RedeliverHookDelivery,
        ctx: &CallContext,
    ) -> Result<Response<()>> {
        let (path, mode) = self.hook_path(action.source, action.hook_id.as_deref(), ctx)?;
        let id = id_segment(&action.delivery_id)?;
        let call = Call::new(Method::POST, format!("{path}/deliveries/{id}/attempts")).mode(mode);
        self.client().empty(call, ctx).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_are_not_numbers_name_nothing() {
        assert_eq!(id_segment("42").unwrap(), "42");
        assert_eq!(id_segment("007").unwrap(), "7");
        for other in ["../1", "", "AAA", "1/0", "-1", "9223372036854775808"] {
            assert_eq!(
                id_segment(other).unwrap_err().code(),
                "resource_not_found",
                "{other}"
            );
        }
    }
}
