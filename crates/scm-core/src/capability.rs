//! What a provider can do, answered before any call.
//!
//! A [`CapabilitySet`] is a bit per action of the table. Providers derive
//! theirs from the same list that drives their dispatch
//! ([`crate::provider_actions!`]), so a capability can never be claimed
//! without an implementation behind it.

use serde::{Deserialize, Serialize};

use crate::actions::{Action, ActionName};

#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct CapabilitySet(u128);

const _: () = assert!(
    ActionName::ALL.len() <= 128,
    "CapabilitySet holds at most 128 actions"
);

impl CapabilitySet {
    pub fn from_names(names: &[ActionName]) -> Self {
        names
            .iter()
            .fold(Self::default(), |set, name| set.with(*name))
    }

    pub fn all() -> Self {
        Self::from_names(ActionName::ALL)
    }

    pub fn with(self, name: ActionName) -> Self {
        Self(self.0 | (1u128 << name.index()))
    }

    pub fn contains(&self, name: ActionName) -> bool {
        self.0 & (1u128 << name.index()) != 0
    }

    pub fn supports<A: Action>(&self) -> bool {
        self.contains(A::NAME)
    }

    pub fn iter(&self) -> impl Iterator<Item = ActionName> + '_ {
        ActionName::ALL
            .iter()
            .copied()
            .filter(|name| self.contains(*name))
    }

    pub fn len(&self) -> usize {
        self.0.count_ones() as usize
    }

    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }
}

impl std::fmt::Debug for CapabilitySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// The capability answer as it goes over the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    pub provider: String,
    pub supported: Vec<ActionName>,
    pub unsupported: Vec<ActionName>,
}

impl Capabilities {
    pub fn new(provider: impl Into<String>, set: CapabilitySet) -> Self {
        Self {
            provider: provider.into(),
            supported: set.iter().collect(),
            unsupported: ActionName::ALL
                .iter()
                .copied()
                .filter(|name| !set.contains(*name))
                .collect(),
        }
    }

    pub fn set(&self) -> CapabilitySet {
        CapabilitySet::from_names(&self.supported)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_operations() {
        let set = CapabilitySet::from_names(&[ActionName::GetIssue, ActionName::CreateIssue]);
        assert!(set.contains(ActionName::GetIssue));
        assert!(!set.contains(ActionName::DeleteBranch));
        assert_eq!(set.len(), 2);
        assert_eq!(CapabilitySet::all().len(), ActionName::ALL.len());
        let caps = Capabilities::new("x", set);
        assert_eq!(
            caps.supported.len() + caps.unsupported.len(),
            ActionName::ALL.len()
        );
        assert_eq!(caps.set(), set);
    }
}
