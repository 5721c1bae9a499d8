//! The facade product code uses: one object per (organization, repository).

use std::sync::Arc;

use crate::actions::{Action, AnyAction, AnyOutput};
use crate::capability::CapabilitySet;
use crate::error::{Error, Result};
use crate::provider::{CallContext, Provider, ProviderResolver};
use crate::registry::{resolve_scoped, RepositoryKey, RepositoryRecord, RepositoryRegistry};
use crate::response::{ActionResult, RequestOptions, Response};
use crate::transport::RequestContext;

/// Runs actions against one repository, through one provider.
///
/// Built with [`SourceCodeManager::open`], which resolves the repository
/// in the registry and refuses unknown, inactive or other-organization
/// repositories, or with [`SourceCodeManager::for_repository`] over a
/// provider built from an integration's settings. Every call goes through
/// the provider's layers. The crate's quickstart walks through actions,
/// lists, conditional reads and the same code over RPC.
///
/// ```
/// use scm_core::actions::{GetAppInstallation, GetPullRequestUrl};
/// use scm_core::layers::ConnectOptions;
/// use scm_core::registration::{connect, IntegrationSpec};
/// use scm_core::registry::RepositoryRecord;
/// use scm_core::{Credential, SourceCodeManager};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> scm_core::Result<()> {
/// // A self-managed GitLab, named by its web URL alone.
/// let settings = IntegrationSpec {
///     api_url: None,
///     web_url: Some("https://gitlab.example.com".into()),
///     credential: Credential::token("a-project-access-token"),
/// };
/// let gitlab = scm_providers::require("gitlab")?;
/// let provider = connect(gitlab, &settings, ConnectOptions::default())?.provider;
/// let scm = SourceCodeManager::for_repository(
///     provider,
///     RepositoryRecord::direct("gitlab", "platform/api"),
///     "release-bot",
/// );
/// assert_eq!(scm.provider_name(), "gitlab");
/// assert_eq!(scm.repository().full_name, "platform/api");
///
/// // Web URLs are built locally: no request.
/// let url = scm.execute(GetPullRequestUrl { pull_request_id: "7".into() }).await?;
/// assert!(url.into_data().unwrap().ends_with("/platform/api/-/merge_requests/7"));
///
/// // What the provider cannot do is known before the call, and refused
/// // without one.
/// assert!(!scm.supports::<GetAppInstallation>());
/// let err = scm.execute(GetAppInstallation {}).await.unwrap_err();
/// assert_eq!(err.code(), "unsupported");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct SourceCodeManager {
    provider: Arc<dyn Provider>,
    repository: Arc<RepositoryRecord>,
    referrer: String,
}

impl std::fmt::Debug for SourceCodeManager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SourceCodeManager")
            .field("provider", &self.provider.name())
            .field("repository", &self.repository.full_name)
            .field("referrer", &self.referrer)
            .finish()
    }
}

impl SourceCodeManager {
    /// Resolves `key` for `organization_id` and picks its provider.
    pub async fn open(
        registry: &dyn RepositoryRegistry,
        resolver: &dyn ProviderResolver,
        organization_id: i64,
        key: &RepositoryKey,
        referrer: impl Into<String>,
    ) -> Result<Self> {
        let record = resolve_scoped(registry, organization_id, key).await?;
        let provider = resolver.provider_for(&record).await?;
        Ok(Self::for_repository(provider, record, referrer))
    }

    /// A facade over an already resolved repository (the registry path
    /// goes through [`SourceCodeManager::open`]).
    pub fn for_repository(
        provider: Arc<dyn Provider>,
        repository: RepositoryRecord,
        referrer: impl Into<String>,
    ) -> Self {
        let referrer = referrer.into();
        Self {
            provider,
            repository: Arc::new(repository),
            referrer: if referrer.is_empty() {
                RequestContext::DEFAULT_REFERRER.to_owned()
            } else {
                referrer
            },
        }
    }

    /// The same repository, on behalf of another referrer.
    pub fn with_referrer(&self, referrer: impl Into<String>) -> Self {
        Self::for_repository(self.provider.clone(), (*self.repository).clone(), referrer)
    }

    pub fn provider_name(&self) -> &str {
        self.provider.name()
    }

    pub fn repository(&self) -> &RepositoryRecord {
        &self.repository
    }

    pub fn referrer(&self) -> &str {
        &self.referrer
    }

    pub fn capabilities(&self) -> CapabilitySet {
        self.provider.capabilities()
    }

    pub fn supports<A: Action>(&self) -> bool {
        self.capabilities().supports::<A>()
    }

    /// Runs a typed action.
    pub async fn execute<A: Action>(&self, action: A) -> Result<Response<A::Output>> {
        self.execute_with(action, RequestOptions::default()).await
    }

    /// Runs a typed action with conditional request options.
    pub async fn execute_with<A: Action>(
        &self,
        action: A,
        options: RequestOptions,
    ) -> Result<Response<A::Output>> {
        let response = self.execute_any(action.into_any(), options).await?;
        match response {
            Response::Ok(result) => {
                let ActionResult {
                    data,
                    provider,
                    raw,
                    meta,
                } = result;
                let data = A::output_from_any(data).ok_or_else(|| Error::Unhandled {
                    status: None,
                    detail: format!(
                        "provider returned the output of another action than `{}`",
                        A::NAME
                    ),
                })?;
                Ok(Response::Ok(ActionResult {
                    data,
                    provider,
                    raw,
                    meta,
                }))
            }
            Response::NotModified { provider, meta } => {
                Ok(Response::NotModified { provider, meta })
            }
        }
    }

    /// Runs an action chosen at run time (RPC, CLI).
    pub async fn execute_any(
        &self,
        action: AnyAction,
        options: RequestOptions,
    ) -> Result<Response<AnyOutput>> {
        let name = action.name();
        if !self.provider.capabilities().contains(name) {
            return Err(Error::unsupported(name, self.provider.name()));
        }
        let ctx = CallContext {
            repository: self.repository.clone(),
            referrer: self.referrer.clone(),
            options,
        };
        self.provider.execute(action, &ctx).await
    }
}
