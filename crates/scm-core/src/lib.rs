//! The provider-neutral core of the SCM platform.
//!
//! Product code embeds it in-process: a [`SourceCodeManager`] for one
//! repository answers what its provider supports, runs actions and returns
//! typed results or coded errors. The same code runs over the network
//! against `scm serve` through the RPC client (`scm_rpc`), and events reach
//! typed listeners through `scm_stream`.
//!
//! - [`model`]: neutral data types; [`actions`]: the one action table.
//! - [`provider::Provider`] and [`transport::Transport`]: the two traits a
//!   provider crate implements against; [`registration`]: the one value a
//!   provider crate exports, and [`registration::connect`], which applies
//!   every layer to every provider;
//! - [`credential::Credential`]: how an integration authenticates.
//! - [`SourceCodeManager`]: the facade product code uses, scoped to one
//!   repository through a [`registry::RepositoryRegistry`].
//! - [`layers`] and [`quota`]: tracing, metrics, retry and referrer quotas,
//!   applied around every provider.
//!
//! # Quickstart
//!
//! The walk below runs as a doc test. GitHub is played by its own recorded
//! answers (`@octokit/fixtures`) served on 127.0.0.1 by the test kit, and
//! the server by an in-process `scm serve`; both stand-ins live in the
//! repository's `examples/support/mod.rs`, so nothing reaches the network.
//! The same walk is `cargo run --example quickstart` (in-process) and
//! `cargo run --example remote` (over RPC).
//!
//! 1. **A manager for one repository, from an integration's settings.**
//!    The provider's registration (`scm_providers::require("github")`) and
//!    the settings an operator gives (URLs, credential) make a provider
//!    with every layer ([`registration::connect`]); the manager scopes it
//!    to one repository and names the caller (the *referrer*, for quotas).
//! 2. **Capabilities, before any call.** [`SourceCodeManager::supports`]
//!    answers for one action; a [`CapabilitySet`] answers for several at
//!    once. An unsupported action fails with the code `unsupported`
//!    without a request.
//! 3. **An action.** Each action is a plain struct ([`actions`]);
//!    [`SourceCodeManager::execute`] returns its typed output inside a
//!    [`Response`], next to the provider's raw answer and validators.
//! 4. **A list, to its last page.** List actions take a [`PageRequest`]
//!    and return a [`Page`]; `next_cursor` is `None` exactly on the last
//!    page, on every provider.
//! 5. **A conditional read.** [`RequestOptions::if_none_match`] with the
//!    ETag of an earlier answer makes the read conditional; *unchanged* is
//!    [`Response::NotModified`], a normal outcome rather than an error.
//! 6. **The same code over RPC.** `scm_rpc::RpcProvider` is a
//!    [`Provider`] like any other: `into_manager()` gives a
//!    [`SourceCodeManager`], and `triage` below runs unchanged.
//!
//! ```
//! # mod support { include!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/support/mod.rs")); }
//! use scm_core::actions::{GetRepository, GetRepositoryLabels};
//! use scm_core::layers::ConnectOptions;
//! use scm_core::registration::connect;
//! use scm_core::registry::RepositoryRecord;
//! use scm_core::{ActionName, CapabilitySet, PageRequest, RequestOptions, Response};
//! use scm_core::SourceCodeManager;
//!
//! /// Product code: knows the facade, never the provider.
//! async fn triage(scm: &SourceCodeManager) -> scm_core::Result<Vec<String>> {
//!     // 2. One capability, then several at once.
//!     assert!(scm.supports::<GetRepository>());
//!     let needed = CapabilitySet::from_names(&[
//!         ActionName::GetRepository,
//!         ActionName::GetRepositoryLabels,
//!     ]);
//!     assert!(needed.iter().all(|action| scm.capabilities().contains(action)));
//!
//!     // 3. An action: typed output, plus the provider's validators.
//!     let response = scm.execute(GetRepository {}).await?;
//!     let etag = response.meta().etag.clone();
//!     let repository = response.into_data().expect("not a conditional read");
//!     assert_eq!(repository.default_branch.as_deref(), Some("master"));
//!
//!     // 4. A list, followed to its last page.
//!     let mut labels = Vec::new();
//!     let mut page = PageRequest::default();
//!     loop {
//!         let action = GetRepositoryLabels { page: page.clone() };
//!         let listed = scm.execute(action).await?.into_data().expect("a page");
//!         labels.extend(listed.items.into_iter().map(|label| label.name));
//!         match listed.next_cursor {
//!             Some(cursor) => page.cursor = Some(cursor),
//!             None => break,
//!         }
//!     }
//!
//!     // 5. A conditional read: unchanged is a typed outcome.
//!     let options = RequestOptions {
//!         if_none_match: etag,
//!         ..RequestOptions::default()
//!     };
//!     match scm.execute_with(GetRepository {}, options).await? {
//!         Response::NotModified { .. } => {}
//!         Response::Ok(_) => panic!("the repository is unchanged"),
//!     }
//!     Ok(labels)
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // 1. In-process: a manager from an integration's settings.
//! let github = support::recorded_github();
//! let settings = support::github_settings(github.base_url());
//! let registration = scm_providers::require("github")?;
//! let instance = connect(registration, &settings, ConnectOptions::default())?;
//! let scm = SourceCodeManager::for_repository(
//!     instance.provider,
//!     RepositoryRecord::direct("github", "octokit-fixture-org/hello-world"),
//!     "quickstart",
//! );
//! let labels = triage(&scm).await?;
//! assert_eq!(labels.len(), 9);
//! assert_eq!(labels[0], "bug");
//!
//! // 6. The same code over RPC, against `scm serve` in front of GitHub.
//! let github = support::recorded_github();
//! let dir = tempfile::tempdir()?;
//! let target = support::serve_rpc(dir.path(), github.base_url()).await?;
//! let remote = scm_rpc::RpcProvider::connect(target).await?.into_manager();
//! assert_eq!(remote.provider_name(), "github");
//! assert_eq!(triage(&remote).await?, labels);
//! # Ok(())
//! # }
//! ```
//!
//! ## Errors, matched by code
//!
//! Every [`Error`] has a stable [`Error::code`] (the same string over RPC
//! and in every client), so callers branch on codes rather than messages.
//! Errors of an action carry where they came from ([`Error::origin`]);
//! [`Error::root`] is the error itself. A manager opened through a
//! [`registry::RepositoryRegistry`] refuses repositories outside the
//! caller's organization, and inactive ones, before any provider is built:
//!
//! ```
//! use std::sync::Arc;
//!
//! use scm_core::provider::{Provider, ProviderResolver};
//! use scm_core::registry::{InMemoryRegistry, RepositoryKey, RepositoryRecord};
//! use scm_core::{Error, SourceCodeManager};
//!
//! /// Picks the provider of a repository's integration; a real one builds
//! /// it with `scm_core::registration::connect` from the stored settings.
//! struct NoProviders;
//!
//! #[async_trait::async_trait]
//! impl ProviderResolver for NoProviders {
//!     async fn provider_for(&self, _: &RepositoryRecord) -> scm_core::Result<Arc<dyn Provider>> {
//!         Err(Error::invalid_input("no integration is configured"))
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mut archived = RepositoryRecord::direct("github", "acme/archived");
//! archived.id = 7;
//! archived.organization_id = 1;
//! archived.active = false;
//! let registry = InMemoryRegistry::new(vec![archived]);
//!
//! for (organization, expected) in [
//!     (1, "repository_inactive"),
//!     (2, "repository_organization_mismatch"),
//! ] {
//!     let key = RepositoryKey::Id(7);
//!     let err = SourceCodeManager::open(&registry, &NoProviders, organization, &key, "triage")
//!         .await
//!         .unwrap_err();
//!     match err.code() {
//!         "repository_inactive" | "repository_organization_mismatch" => {
//!             assert_eq!(err.code(), expected)
//!         }
//!         other => panic!("unexpected error {other}: {err}"),
//!     }
//! }
//! let key = RepositoryKey::Id(8);
//! let missing = SourceCodeManager::open(&registry, &NoProviders, 1, &key, "triage")
//!     .await
//!     .unwrap_err();
//! assert_eq!(missing.root(), &Error::RepositoryNotFound);
//! assert_eq!(missing.http_status(), 404);
//! # }
//! ```

pub mod actions;
pub mod cache;
pub mod capability;
pub mod credential;
pub mod download;
pub mod error;
pub mod events;
pub mod http_util;
pub mod layers;
pub mod model;
pub mod page;
pub mod provider;
pub mod proxy;
pub mod quota;
pub mod raw_json;
pub mod registration;
pub mod registry;
pub mod response;
pub mod scm;
pub mod secret;
pub mod telemetry;
pub mod trace_context;
pub mod transport;

pub use actions::{Action, ActionKind, ActionName, AnyAction, AnyOutput};
pub use capability::{Capabilities, CapabilitySet};
pub use credential::{Credential, CredentialKind};
pub use download::Download;
pub use error::{Error, Result};
pub use events::{Event, EventEnvelope, EventType};
pub use page::{Cursor, Page, PageRequest};
pub use provider::{CallContext, Handle, Provider};
pub use raw_json::RawJson;
pub use response::{ActionResult, RawResponse, RequestOptions, Response, ResponseMeta};
pub use scm::SourceCodeManager;
pub use secret::Secret;
