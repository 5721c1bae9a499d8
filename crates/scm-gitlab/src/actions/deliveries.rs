//! Webhook deliveries of a project hook (`repository` source) and of a
//! group hook (`organization` source: the group owning the project).
//!
//! GitLab lists a hook's events of the last seven days from 17.3 and
//! resends one from 17.4 (`…/hooks/:hook_id/events`,
//! `…/events/:hook_event_id/resend`). A resend carries a new
//! `X-Gitlab-Event-UUID` but the same `Idempotency-Key`, which is why both
//! the receiver and these actions name an event by that key. GitLab has
//! no endpoint for one event: `get_hook_delivery` pages through the list.
//! The resend endpoint allows five requests a minute per hook and user
//! unless an administrator turns that limit off; beyond it GitLab answers
//! 429, which ends a recovery pass until the next one.

use async_trait::async_trait;
use http::Method;
use scm_core::actions::{GetHookDelivery, ListHookDeliveries, RedeliverHookDelivery};
use scm_core::http_util::{encode_path, encode_segment};
use scm_core::model::{since_filter, HookDelivery, HookSource};
use scm_core::provider::CallContext;
use scm_core::{Error, Handle, Page, PageRequest, Response};

use crate::client::Req;
use crate::pagination::{apply, next_cursor, Mode};
use crate::schema::GlHookEvent;
use crate::{number, GitLab};

/// The documented default page of the events list, used as its largest:
/// the log entries carry whole payloads.
const EVENTS_PER_PAGE: u32 = 20;
/// How many pages `get_hook_delivery` reads looking for one event (a
/// week of a busy hook is longer; older events are rarely asked for).
const GET_MAX_PAGES: usize = 50;

impl GitLab {
    /// `projects/…/hooks/N` or `groups/…/hooks/N`.
    fn hook_base(
        &self,
        source: HookSource,
        hook_id: Option<&str>,
        ctx: &CallContext,
    ) -> Result<String, Error> {
        let hook_id = hook_id.ok_or_else(|| {
            Error::invalid_input(format!(
                "a `{}` hook source needs `hook_id`",
                source.as_str()
            ))
        })?;
        let hook_id = number(hook_id, "hook_id")?;
        match source {
            HookSource::App => Err(Error::invalid_input(
                "GitLab has no app webhook: use a `repository` (project) or `organization` (group) hook source",
            )),
            HookSource::Repository => Ok(format!("{}/hooks/{hook_id}", self.project(ctx)?)),
            HookSource::Organization => Ok(format!(
                "groups/{}/hooks/{hook_id}",
                group_of(&ctx.repository.full_name)?
            )),
        }
    }
}

/// The group owning a project, as one encoded path segment:
/// `group/sub/proj` → `group%2Fsub`.
fn group_of(full_name: &str) -> Result<String, Error> {
    let full_name = full_name.trim().trim_matches('/');
    let group = full_name
        .rsplit_once('/')
        .map(|(group, _)| group)
        .filter(|group| !group.is_empty())
        .ok_or_else(|| {
            Error::invalid_input(
                "a group hook source needs the repository's full name as `group/project`",
            )
        })?;
    encode_path(group)?;
    encode_segment(group)
}

#[async_trait]
impl Handle<ListHookDeliveries> for GitLab {
    async fn handle(
        &self,
        a: ListHookDeliveries,
        ctx: &CallContext,
    ) -> Result<Response<Page<HookDelivery>>, Error> {
        let base = self.hook_base(a.source, a.hook_id.as_deref(), ctx)?;
        let page = PageRequest {
            cursor: a.page.cursor.clone(),
            per_page: Some(a.page.per_page_or(EVENTS_PER_PAGE).min(EVENTS_PER_PAGE)),
        };
        let answer = self
            .list(
                Req::get(format!("{base}/events")),
                &page,
                Mode::Offset,
                ctx,
                |event: GlHookEvent| event.into_delivery(false).map(Some),
            )
            .await?;
        Ok(answer.map(|page| since_filter(page, a.since)))
    }
}

#[async_trait]
impl Handle<GetHookDelivery> for GitLab {
    async fn handle(
        &self,
        a: GetHookDelivery,
        ctx: &CallContext,
    ) -> Result<Response<HookDelivery>, Error> {
        let base = self.hook_base(a.source, a.hook_id.as_deref(), ctx)?;
        let wanted = number(&a.delivery_id, "delivery_id")?;
        let mut page = PageRequest {
            cursor: None,
            per_page: Some(EVENTS_PER_PAGE),
        };
        for _ in 0..GET_MAX_PAGES {
            let req = apply(Req::get(format!("{base}/events")), &page, Mode::Offset)?;
            let json = self.call::<Vec<GlHookEvent>>(req, ctx).await?;
            if let Some(event) = json
                .value
                .into_iter()
                .find(|event| event.id.as_deref() == Some(wanted.as_str()))
            {
                let delivery = event.into_delivery(true)?;
                return Ok(self.ok(delivery, Some(json.raw), json.meta));
            }
            match next_cursor(&json.headers, Mode::Offset) {
                Some(next) => page.cursor = Some(next),
                None => break,
            }
        }
        Err(Error::NotFound {
            detail: format!("GitLab lists no event {wanted} for this hook"),
        })
    }
}

#[async_trait]
impl Handle<RedeliverHookDelivery> for GitLab {
    async fn handle(
        &self,
        a: RedeliverHookDelivery,
        ctx: &CallContext,
    ) -> Result<Response<()>, Error> {
        let base = self.hook_base(a.source, a.hook_id.as_deref(), ctx)?;
        let id = number(&a.delivery_id, "delivery_id")?;
        self.write_empty(
            Req::new(Method::POST, format!("{base}/events/{id}/resend")),
            ctx,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_group_is_the_projects_namespace() {
        assert_eq!(group_of("group/sub/proj").unwrap(), "group%2Fsub");
        assert_eq!(group_of("group/proj").unwrap(), "group");
        assert!(group_of("proj").is_err());
        assert!(group_of("../proj").is_err());
        assert!(group_of("").is_err());
    }
}
