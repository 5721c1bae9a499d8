//! RPC v1 of the SCM platform, shared by the server and its clients.
//!
//! - [`signing`]: the canonical message and HMAC of request signing v1 —
//!   the one implementation both sides use;
//! - [`client`]: [`RpcProvider`], the RPC client as a `Provider`, so a
//!   `SourceCodeManager` runs the same code remotely as in-process;
//! - [`openapi`]: the OpenAPI 3 document, generated from the action table.

pub mod client;
pub mod openapi;
pub mod signing;

pub use client::{RpcProvider, RpcTarget};
