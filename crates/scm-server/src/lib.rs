//! The SCM service: the registry, signed RPC over the action table,
//! health and metrics.
//!
//! - [`crypto`]: sealing credentials and client secrets at rest;
//! - [`registry`]: integrations, repositories and RPC client keys in
//!   SQLite or PostgreSQL, implementing scm-core's `RepositoryRegistry`;
//! - [`resolver`]: one provider per integration, behind the standard layers.

pub mod crypto;
pub mod error;
pub mod registry;
pub mod resolver;
pub mod signing;
