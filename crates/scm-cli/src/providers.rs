//! The providers this binary is built with.

use scm_core::CapabilitySet;

/// A provider the CLI can describe and (for some) run actions against.
#[derive(Debug, Clone, Copy)]
pub struct ProviderInfo {
    pub name: &'static str,
    pub title: &'static str,
    pub capabilities: fn() -> CapabilitySet,
}

/// Every provider, in documentation order. Adding a provider is one line.
pub const PROVIDERS: &[ProviderInfo] = &[
    ProviderInfo {
        name: "github",
        title: "GitHub",
        capabilities: scm_github::GitHub::capability_set,
    },
    ProviderInfo {
        name: "gitlab",
        title: "GitLab",
        capabilities: scm_gitlab::GitLab::capability_set,
    },
];

pub fn find(name: &str) -> Option<&'static ProviderInfo> {
    PROVIDERS.iter().find(|p| p.name == name)
}
