// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

//! Shared helpers for scm-github's integration tests.

use std::sync::Arc;

use scm_core::registry::RepositoryRecord;
use scm_core::CallContext;

/// A call context for `octocat/hello-world` on behalf of `referrer`.
pub fn ctx(referrer: &str) -> CallContext {
    CallContext::new(
        Arc::new(RepositoryRecord::direct("github", "octocat/hello-world")),
        referrer,
    )
}

/// A minimal issue as GitHub returns it.
pub fn issue_json(number: u64) -> serde_json::Value {
    serde_json::json!({
        "number": number,
        "title": "Found a bug",
        "state": "open",
        "labels": [],
        "user": {"login": "octocat", "id": 1},
    })
}
