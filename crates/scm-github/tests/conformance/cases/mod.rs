//! Conformance cases, one module per action group. Each returns actions
//! whose arguments name things that exist in prism's example world
//! (`octocat/hello-world`, numeric ids, hex shas).

mod branches;
mod checks;
mod commits;
mod deliveries;
mod files;
mod git;
mod issues;
mod moderation;
mod pull_requests;
mod reactions;
mod repository;
mod reviews;

use scm_core::AnyAction;

pub fn all() -> Vec<AnyAction> {
    [
        issues::cases(),
        pull_requests::cases(),
        git::cases(),
        checks::cases(),
        reviews::cases(),
        moderation::cases(),
        repository::cases(),
        reactions::cases(),
        branches::cases(),
        commits::cases(),
        files::cases(),
        deliveries::cases(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Cases run with GitHub App credentials instead of a token.
pub fn app() -> Vec<AnyAction> {
    [repository::app_cases(), deliveries::app_cases()]
        .into_iter()
        .flatten()
        .collect()
}
