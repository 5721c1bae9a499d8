//! Conformance cases, one module per action group. Each returns actions
//! whose arguments name things that exist in prism's example world
//! (`octocat/hello-world`, numeric ids, hex shas).

mod issues;

use scm_core::AnyAction;

pub fn all() -> Vec<AnyAction> {
    [issues::cases()].into_iter().flatten().collect()
}
