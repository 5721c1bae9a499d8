//! The provider trait: one implementation per SCM vendor.
//!
//! A provider only translates: it turns an action into HTTP requests and
//! the answers into neutral types. Everything cross-cutting (quotas,
//! retries, metrics, tracing, scope) is applied around it by layers.
//!
//! A provider implements [`Handle<A>`] for each action it supports and
//! lists those actions once with [`provider_actions!`](crate::provider_actions),
//! which derives both its dispatch and its [`CapabilitySet`].

use std::sync::Arc;

use async_trait::async_trait;

use crate::actions::{Action, AnyAction, AnyOutput};
use crate::capability::CapabilitySet;
use crate::error::Result;
use crate::registry::RepositoryRecord;
use crate::response::{RequestOptions, Response};
use crate::transport::RequestContext;

/// Everything a provider needs to know about one call besides its arguments.
#[derive(Debug, Clone)]
pub struct CallContext {
    /// The one repository this call may touch.
    pub repository: Arc<RepositoryRecord>,
    /// Who is asking; quotas are allocated per referrer.
    pub referrer: String,
    /// Conditional request validators for reads.
    pub options: RequestOptions,
}

impl CallContext {
    pub fn new(repository: Arc<RepositoryRecord>, referrer: impl Into<String>) -> Self {
        Self {
            repository,
            referrer: referrer.into(),
            options: RequestOptions::default(),
        }
    }

    /// The context transport layers read from each request's extensions.
    pub fn request_context(&self, idempotent: bool) -> RequestContext {
        RequestContext {
            referrer: self.referrer.clone(),
            idempotent,
        }
    }
}

/// A source code provider (GitHub, GitLab, …) or a layer around one.
#[async_trait]
pub trait Provider: Send + Sync + 'static {
    /// The provider's name (`github`, `gitlab`, …), as results report it.
    fn name(&self) -> &str;
    /// The actions this provider can run.
    fn capabilities(&self) -> CapabilitySet;
    /// Runs one action. Unsupported actions answer `Error::Unsupported`
    /// without any network traffic.
    async fn execute(&self, action: AnyAction, ctx: &CallContext) -> Result<Response<AnyOutput>>;
}

#[async_trait]
impl<P: Provider + ?Sized> Provider for Arc<P> {
    fn name(&self) -> &str {
        (**self).name()
    }
    fn capabilities(&self) -> CapabilitySet {
        (**self).capabilities()
    }
    async fn execute(&self, action: AnyAction, ctx: &CallContext) -> Result<Response<AnyOutput>> {
        (**self).execute(action, ctx).await
    }
}

/// Picks (and caches) the provider for a repository's integration.
#[async_trait]
pub trait ProviderResolver: Send + Sync {
    async fn provider_for(&self, repository: &RepositoryRecord) -> Result<Arc<dyn Provider>>;
}

/// How a provider runs one action.
#[async_trait]
pub trait Handle<A: Action>: Send + Sync {
    async fn handle(&self, action: A, ctx: &CallContext) -> Result<Response<A::Output>>;
}

/// Declares which actions a provider supports and derives its dispatch.
///
/// ```text
/// scm_core::provider_actions!(GitHub => [GetIssue, CreateIssue]);
/// // gives GitHub::SUPPORTED, GitHub::capability_set() and GitHub::dispatch(..)
/// ```
/// Each listed action needs an `impl Handle<Action> for Provider`; a listed
/// action without one does not compile.
#[macro_export]
macro_rules! provider_actions {
    ($provider:ty => [$($action:ident),* $(,)?]) => {
        impl $provider {
            /// Every action this provider implements.
            pub const SUPPORTED: &'static [$crate::actions::ActionName] =
                &[$($crate::actions::ActionName::$action),*];

            pub fn capability_set() -> $crate::capability::CapabilitySet {
                $crate::capability::CapabilitySet::from_names(Self::SUPPORTED)
            }

            /// Routes an action to its `Handle` impl; anything else is unsupported.
            pub async fn dispatch(
                &self,
                action: $crate::actions::AnyAction,
                ctx: &$crate::provider::CallContext,
                provider_name: &str,
            ) -> $crate::error::Result<$crate::response::Response<$crate::actions::AnyOutput>> {
                match action {
                    $(
                        $crate::actions::AnyAction::$action(args) => {
                            <Self as $crate::provider::Handle<$crate::actions::$action>>::handle(self, args, ctx)
                                .await
                                .map(|response| response.map($crate::actions::AnyOutput::$action))
                        }
                    )*
                    #[allow(unreachable_patterns)]
                    other => Err($crate::error::Error::unsupported(other.name(), provider_name)),
                }
            }
        }
    };
}
