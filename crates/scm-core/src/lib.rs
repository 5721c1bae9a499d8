//! The provider-neutral core of the SCM platform.
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
