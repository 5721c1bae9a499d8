//! Data Center's JSON shapes (the provider's, nothing else) and their
//! mapping into neutral types. Fields are optional wherever the REST
//! documentation or the recorded answers show them missing.

mod checks;
mod comments;
mod commits;
mod common;
mod content;
mod pull_requests;
mod refs;
mod repository;

pub use checks::*;
pub use comments::*;
pub use commits::*;
pub use common::*;
pub use content::*;
pub use pull_requests::*;
pub use refs::*;
pub use repository::*;
