//! Raw requests for one project (the rpc0 proxy), sent through this
//! provider's own transport stack (token, quota, retry) like any action.
//!
//! Scope: everything below `/projects/{id}`, where `{id}` is what the
//! repository is registered by — the numeric project id, or the project's
//! path encoded as one segment (`group%2Fsub%2Fproject`). GitLab names
//! files and branches by encoded paths too (`repository/files/docs%2Fa.md`),
//! so encoded slashes are admitted; the scope check still refuses any path
//! that has a dot-segment or an empty segment once they are decoded. GitLab
//! resolves project paths without regard to case, and so does the scope.
//! No route outside the project is offered (GitLab's GraphQL endpoint is
//! left out: it cannot be scoped to a project by path).
//!
//! GitLab has one identity per integration (its token): the application
//! credential set uses it too.

use async_trait::async_trait;
use scm_core::proxy::{LookupFields, ProxyScope, RawProxy, RawRequest};
use scm_core::transport::HttpResponse;
use scm_core::{CallContext, Error, Result};

use crate::GitLab;

const JSON_ACCEPT: &str = "application/json";

impl GitLab {
    /// `host[:port]` of the web base, as the older platform's external ids
    /// start.
    fn instance(&self) -> Result<String> {
        let url = url::Url::parse(&self.config().web_url)
            .map_err(|err| Error::invalid_input(format!("invalid GitLab web URL: {err}")))?;
        let host = url
            .host_str()
            .ok_or_else(|| Error::invalid_input("the GitLab web URL has no host"))?;
        Ok(match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        })
    }

    /// The project's path (`group/sub/project`) when the repository knows
    /// it: its full name, or its external id when that is not numeric.
    fn project_path(ctx: &CallContext) -> Option<String> {
        let repo = &ctx.repository;
        [&repo.full_name, &repo.external_id]
            .into_iter()
            .map(|name| name.trim().trim_matches('/'))
            .find(|name| !name.is_empty() && !name.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_owned)
    }
}

#[async_trait]
impl RawProxy for GitLab {
    fn scope(&self, ctx: &CallContext) -> Result<ProxyScope> {
        Ok(ProxyScope {
            prefix: format!("/{}", self.project(ctx)?),
            case_insensitive: true,
            extra: Vec::new(),
            encoded_slashes: true,
        })
    }

    async fn send_raw(&self, request: RawRequest, ctx: &CallContext) -> Result<HttpResponse> {
        let uri = format!("{}{}", self.config().api_url, request.path.path_and_query());
        let http_request = request.into_http(&uri, JSON_ACCEPT, ctx)?;
        self.transport.send(http_request).await
    }

    /// The older platform names a GitLab repository `{host}:{project}` and
    /// puts `{project}` into `/projects/{project}/…` as it is, so the
    /// project part is the id the scope accepts (numeric or encoded path).
    fn lookup_fields(&self, ctx: &CallContext) -> Result<LookupFields> {
        let project = self.project(ctx)?;
        let project = project.strip_prefix("projects/").unwrap_or(&project);
        Ok(LookupFields {
            external_id: Some(format!("{}:{project}", self.instance()?)),
            web_base_url: Some(self.config().web_url.clone()),
            path: Self::project_path(ctx),
            ..LookupFields::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use scm_core::registry::RepositoryRecord;
    use scm_core::transport::Transport;
    use scm_core::Secret;

    use super::*;
    use crate::{GitLabConfig, TokenKind};

    struct Unused;

    #[async_trait]
    impl Transport for Unused {
        async fn send(&self, _: scm_core::transport::HttpRequest) -> Result<HttpResponse> {
            Err(Error::invalid_input("not sent in this test"))
        }
    }

    fn ctx(external_id: &str, full_name: &str) -> CallContext {
        let record = RepositoryRecord {
            external_id: external_id.into(),
            ..RepositoryRecord::direct("gitlab", full_name)
        };
        CallContext::new(Arc::new(record), "test")
    }

    fn gitlab(web: &str) -> GitLab {
        let config = GitLabConfig::self_managed(web, Secret::new("t"), TokenKind::PrivateToken);
        GitLab::with_transport(config, Arc::new(Unused)).unwrap()
    }

    #[test]
    fn scope_and_lookup_follow_the_registered_id() {
        let gl = gitlab("https://git.example.com:8443/gitlab");
        let by_id = ctx("278964", "gitlab-org/gitlab");
        assert_eq!(gl.scope(&by_id).unwrap().prefix, "/projects/278964");
        let fields = gl.lookup_fields(&by_id).unwrap();
        assert_eq!(
            fields.external_id.as_deref(),
            Some("git.example.com:8443:278964")
        );
        assert_eq!(
            fields.web_base_url.as_deref(),
            Some("https://git.example.com:8443/gitlab")
        );
        assert_eq!(fields.path.as_deref(), Some("gitlab-org/gitlab"));
        assert_eq!(fields.installation_id, None);

        let by_path = ctx("gitlab-org/sub/my.project", "");
        assert_eq!(
            gl.scope(&by_path).unwrap().prefix,
            "/projects/gitlab-org%2Fsub%2Fmy.project"
        );
        let fields = gl.lookup_fields(&by_path).unwrap();
        assert_eq!(
            fields.external_id.as_deref(),
            Some("git.example.com:8443:gitlab-org%2Fsub%2Fmy.project")
        );
        assert_eq!(fields.path.as_deref(), Some("gitlab-org/sub/my.project"));
        assert_eq!(gl.lookup_fields(&ctx("5", "")).unwrap().path, None);
    }
}
