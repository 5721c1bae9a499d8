//! Bitbucket Cloud's JSON, as the official OpenAPI description and the
//! recorded answers show it, and its mapping into the neutral model.
//! Nothing else lives here: no requests, no policy.

pub(crate) mod checks;
pub(crate) mod comments;
pub(crate) mod commits;
pub(crate) mod common;
pub(crate) mod contents;
pub(crate) mod issues;
pub(crate) mod pull_requests;
pub(crate) mod refs;
pub(crate) mod repository;
