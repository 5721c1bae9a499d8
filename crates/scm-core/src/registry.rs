//! Which repositories exist, whose they are and whether they are active.
//!
//! A [`crate::SourceCodeManager`] is only ever built through a
//! [`RepositoryRegistry`]: the registry resolves the repository, the
//! facade checks it is active and belongs to the caller's organization,
//! and a [`crate::provider::ProviderResolver`] picks the provider for its
//! integration.
//! Nothing can act outside that scope.

use std::sync::RwLock;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// A registered repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryRecord {
    /// The platform's own id.
    pub id: i64,
    pub organization_id: i64,
    /// The integration (credentials, API base) used to reach it.
    pub integration_id: i64,
    /// `github`, `gitlab`, …
    pub provider: String,
    /// The provider's id of the repository.
    pub external_id: String,
    /// `owner/name` (GitHub) or `group/subgroup/name` (GitLab).
    pub full_name: String,
    pub active: bool,
}

impl RepositoryRecord {
    /// A record for direct use without a registry (the CLI's provider
    /// commands): the caller names the repository explicitly.
    pub fn direct(provider: impl Into<String>, full_name: impl Into<String>) -> Self {
        let full_name = full_name.into();
        Self {
            id: 0,
            organization_id: 0,
            integration_id: 0,
            provider: provider.into(),
            external_id: full_name.clone(),
            full_name,
            active: true,
        }
    }
}

/// How a caller names a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RepositoryKey {
    /// The platform's id.
    Id(i64),
    /// `(provider, external id)`, e.g. `("github", "owner/repo")`.
    External(String, String),
}

#[async_trait]
pub trait RepositoryRegistry: Send + Sync {
    async fn find_repository(&self, key: &RepositoryKey) -> Result<Option<RepositoryRecord>>;
}

/// Resolves a key and enforces the scope rules, with a distinct error for
/// each way it can fail.
pub async fn resolve_scoped(
    registry: &dyn RepositoryRegistry,
    organization_id: i64,
    key: &RepositoryKey,
) -> Result<RepositoryRecord> {
    let record = registry
        .find_repository(key)
        .await?
        .ok_or(Error::RepositoryNotFound)?;
    if record.organization_id != organization_id {
        return Err(Error::RepositoryOrganizationMismatch);
    }
    if !record.active {
        return Err(Error::RepositoryInactive);
    }
    Ok(record)
}

/// A registry held in memory: for tests, the CLI and embedding.
#[derive(Debug, Default)]
pub struct InMemoryRegistry {
    repositories: RwLock<Vec<RepositoryRecord>>,
}

impl InMemoryRegistry {
    pub fn new(repositories: Vec<RepositoryRecord>) -> Self {
        Self {
            repositories: RwLock::new(repositories),
        }
    }

    pub fn insert(&self, record: RepositoryRecord) {
        let mut repos = self.repositories.write().unwrap_or_else(|e| e.into_inner());
        repos.retain(|r| r.id != record.id);
        repos.push(record);
    }
}

#[async_trait]
impl RepositoryRegistry for InMemoryRegistry {
    async fn find_repository(&self, key: &RepositoryKey) -> Result<Option<RepositoryRecord>> {
        let repos = self.repositories.read().unwrap_or_else(|e| e.into_inner());
        Ok(repos
            .iter()
            .find(|r| match key {
                RepositoryKey::Id(id) => r.id == *id,
                RepositoryKey::External(provider, external_id) => {
                    &r.provider == provider && &r.external_id == external_id
                }
            })
            .cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: i64, org: i64, active: bool) -> RepositoryRecord {
        RepositoryRecord {
            id,
            organization_id: org,
            integration_id: 1,
            provider: "github".into(),
            external_id: format!("o/r{id}"),
            full_name: format!("o/r{id}"),
            active,
        }
    }

    #[tokio::test]
    async fn scope_rules_have_distinct_codes() {
        let registry = InMemoryRegistry::new(vec![record(1, 10, true), record(2, 10, false)]);
        let ok = resolve_scoped(&registry, 10, &RepositoryKey::Id(1))
            .await
            .unwrap();
        assert_eq!(ok.id, 1);
        let by_external = RepositoryKey::External("github".into(), "o/r1".into());
        assert_eq!(
            resolve_scoped(&registry, 10, &by_external)
                .await
                .unwrap()
                .id,
            1
        );
        let code = |r: Result<RepositoryRecord>| r.unwrap_err().code();
        assert_eq!(
            code(resolve_scoped(&registry, 10, &RepositoryKey::Id(9)).await),
            "repository_not_found"
        );
        assert_eq!(
            code(resolve_scoped(&registry, 11, &RepositoryKey::Id(1)).await),
            "repository_organization_mismatch"
        );
        assert_eq!(
            code(resolve_scoped(&registry, 10, &RepositoryKey::Id(2)).await),
            "repository_inactive"
        );
    }

    #[test]
    fn keys_parse_from_rpc0_json() {
        assert_eq!(
            serde_json::from_str::<RepositoryKey>("5").unwrap(),
            RepositoryKey::Id(5)
        );
        assert_eq!(
            serde_json::from_str::<RepositoryKey>(r#"["github","owner/repo"]"#).unwrap(),
            RepositoryKey::External("github".into(), "owner/repo".into())
        );
    }
}
