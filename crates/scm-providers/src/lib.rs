//! The providers this build of the platform knows: one line each.
//!
//! This list is the only place outside the provider crates that names a
//! provider. The server's resolver and webhook ingress, `scm <provider>
//! <action>`, `scm integration add` and the capability matrix all read it,
//! so adding a provider is one line here (and its dependency line), and
//! nothing else outside its crate changes. A test in this crate fails when
//! a provider's name, URL or header shows up anywhere else.

use scm_core::registration::ProviderRegistration;

/// Every registered provider, in the order help texts and the capability
/// matrix list them.
pub static PROVIDERS: &[&dyn ProviderRegistration] = &[
    &scm_github::REGISTRATION,
    &scm_gitlab::REGISTRATION,
    &scm_bitbucket::REGISTRATION,
    &scm_bitbucket_server::REGISTRATION,
];

/// The registration of a provider by name.
pub fn find(name: &str) -> Option<&'static dyn ProviderRegistration> {
    PROVIDERS.iter().copied().find(|p| p.name() == name)
}

/// The registration of a provider by name, or an `invalid_input` error
/// listing the valid names.
pub fn require(name: &str) -> scm_core::Result<&'static dyn ProviderRegistration> {
    find(name).ok_or_else(|| {
        scm_core::Error::invalid_input(format!(
            "unknown provider `{}` (known: {})",
            name.chars().take(64).collect::<String>(),
            names().join(", ")
        ))
    })
}

/// The registered names, in list order.
pub fn names() -> Vec<&'static str> {
    PROVIDERS.iter().map(|p| p.name()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_unknown_names_are_refused_with_the_list() {
        let mut names = names();
        let count = names.len();
        names.dedup();
        assert_eq!(names.len(), count);
        for name in &names {
            assert_eq!(find(name).map(|p| p.name()), Some(*name));
        }
        let err = require("gitlub").err().expect("unknown");
        assert_eq!(err.code(), "invalid_input");
        assert!(err.to_string().contains(&names.join(", ")), "{err}");
    }
}
