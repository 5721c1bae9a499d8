//! The registry: integrations, repositories and RPC clients, in SQLite
//! (default) or PostgreSQL, through one code path (`sqlx::Any`).
//!
//! Columns are restricted to `BIGINT` and `TEXT` so both engines decode
//! the same way; booleans are `0`/`1`. Credentials and client secrets are
//! sealed with [`SecretBox`] before they reach a row and are only opened
//! where they are used.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use scm_core::credential::Credential;
use scm_core::registration::check_credential;
use scm_core::registry::{RepositoryKey, RepositoryRecord, RepositoryRegistry};
use scm_core::{ActionName, Secret};
use serde::{Deserialize, Serialize};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, Row};

use crate::cache::TtlCache;
use crate::crypto::{CryptoError, SecretBox};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("registry database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("registry migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    #[error("{0}")]
    Invalid(String),
    #[error("{0} not found")]
    NotFound(String),
}

impl From<RegistryError> for scm_core::Error {
    fn from(err: RegistryError) -> Self {
        scm_core::Error::Unhandled {
            status: None,
            detail: err.to_string(),
        }
    }
}

pub type Result<T, E = RegistryError> = std::result::Result<T, E>;

/// `Ok` when a statement that names one row by its key changed it;
/// `NotFound(what)` when no row had that key.
pub(crate) fn changed_one(
    done: &sqlx::any::AnyQueryResult,
    what: impl FnOnce() -> String,
) -> Result<()> {
    if done.rows_affected() == 0 {
        return Err(RegistryError::NotFound(what()));
    }
    Ok(())
}

/// A new integration. Missing URLs are filled by the provider (its public
/// service, or derived from the other URL for a self-managed instance).
#[derive(Debug, Clone)]
pub struct NewIntegration {
    /// A registered provider's name (`github`, `gitlab`, …).
    pub provider: String,
    /// Unique among integrations.
    pub name: String,
    pub api_url: Option<String>,
    pub web_url: Option<String>,
    pub credential: Credential,
}

/// An integration as listed (credentials are never returned here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IntegrationRecord {
    pub id: i64,
    pub provider: String,
    pub name: String,
    pub api_url: String,
    pub web_url: String,
    /// `token`, `oauth`, `basic` or `app`.
    pub credentials_kind: String,
}

/// A new repository.
#[derive(Debug, Clone)]
pub struct NewRepository {
    pub organization_id: i64,
    pub integration_id: i64,
    pub external_id: String,
    pub full_name: String,
}

/// What an RPC client key may do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grants {
    /// Organizations the key may act for; empty grants none.
    pub organizations: Vec<i64>,
    /// Referrers the key may claim; `"*"` allows any.
    pub referrers: Vec<String>,
    /// Actions the key may run; `None` allows every action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actions: Option<Vec<String>>,
}

impl Grants {
    pub fn allows_organization(&self, organization_id: i64) -> bool {
        self.organizations.contains(&organization_id)
    }

    pub fn allows_referrer(&self, referrer: &str) -> bool {
        self.referrers.iter().any(|r| r == "*" || r == referrer)
    }

    pub fn allows_action(&self, action: ActionName) -> bool {
        match &self.actions {
            None => true,
            Some(list) => list.iter().any(|a| a == action.as_str()),
        }
    }

    /// Refuses grants naming unknown actions.
    pub fn validate(&self) -> Result<()> {
        if let Some(actions) = &self.actions {
            for action in actions {
                action
                    .parse::<ActionName>()
                    .map_err(|_| RegistryError::Invalid(format!("unknown action `{action}`")))?;
            }
        }
        Ok(())
    }
}

/// An RPC client key as listed (without its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRecord {
    pub key_id: String,
    pub name: String,
    pub grants: Grants,
    pub revoked: bool,
}

/// A client key with its secret, for request verification.
#[derive(Debug, Clone)]
pub struct ClientKey {
    pub record: ClientRecord,
    pub secret: Secret,
}

/// The registry over a SQLite file or a PostgreSQL database.
///
/// Clones share the pool and the caches (see [`Registry::set_cache_ttls`]).
#[derive(Clone, Debug)]
pub struct Registry {
    pub(crate) pool: AnyPool,
    pub(crate) secrets: Arc<SecretBox>,
    caches: Arc<Caches>,
}

/// How a cached repository was asked for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum RepositoryCacheKey {
    Id(i64),
    External(String, String),
}

impl From<&RepositoryKey> for RepositoryCacheKey {
    fn from(key: &RepositoryKey) -> Self {
        match key {
            RepositoryKey::Id(id) => Self::Id(*id),
            RepositoryKey::External(provider, external_id) => {
                Self::External(provider.clone(), external_id.clone())
            }
        }
    }
}

/// The hot-path caches (off unless [`Registry::set_cache_ttls`] set them).
#[derive(Debug)]
struct Caches {
    client_keys: TtlCache<String, ClientKey>,
    repositories: TtlCache<RepositoryCacheKey, RepositoryRecord>,
}

impl Caches {
    fn new(client_keys: Duration, repositories: Duration) -> Self {
        Self {
            client_keys: TtlCache::new(client_keys),
            repositories: TtlCache::new(repositories),
        }
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn random_token(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

impl Registry {
    /// Connects and runs the embedded migrations. `database_url` is
    /// `sqlite://file.db` (created when missing) or `postgres://…`.
    pub async fn connect(database_url: &str, secrets: SecretBox) -> Result<Self> {
        sqlx::any::install_default_drivers();
        let postgres =
            database_url.starts_with("postgres://") || database_url.starts_with("postgresql://");
        let url = if !postgres && database_url.starts_with("sqlite:") && !database_url.contains('?')
        {
            format!("{database_url}?mode=rwc")
        } else {
            database_url.to_owned()
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if postgres { 10 } else { 4 })
            .connect(&url)
            .await?;
        if postgres {
            POSTGRES_MIGRATIONS.run(&pool).await?;
        } else {
            SQLITE_MIGRATIONS.run(&pool).await?;
        }
        Ok(Self {
            pool,
            secrets: Arc::new(secrets),
            caches: Arc::new(Caches::new(Duration::ZERO, Duration::ZERO)),
        })
    }

    /// Caches client keys (with their opened secrets) and repository rows
    /// for the given times (zero: not cached). A key revoked or a
    /// repository deactivated through this registry or any of its clones
    /// is dropped from the cache at once; a change made by another process
    /// is seen within the TTL. See [`crate::cache`].
    pub fn set_cache_ttls(&self, client_keys: Duration, repositories: Duration) {
        self.caches.client_keys.set_ttl(client_keys);
        self.caches.repositories.set_ttl(repositories);
    }

    /// A plain pool on `database_url` without migrations (administration
    /// and tests: creating schemas or databases).
    pub async fn connect_raw(database_url: &str) -> Result<AnyPool> {
        sqlx::any::install_default_drivers();
        Ok(AnyPoolOptions::new()
            .max_connections(2)
            .connect(database_url)
            .await?)
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    // ---- integrations ----

    /// Adds an integration after checking it: a registered provider, a
    /// name no other integration has, a credential of a kind the provider
    /// takes with nothing blank, and URLs the provider accepts (missing
    /// ones filled by it). Nothing is stored when a check fails.
    pub async fn add_integration(&self, new: NewIntegration) -> Result<IntegrationRecord> {
        let invalid = |err: scm_core::Error| match err.into_root() {
            scm_core::Error::InvalidInput { detail } => RegistryError::Invalid(detail),
            other => RegistryError::Invalid(other.to_string()),
        };
        let provider = scm_providers::require(&new.provider).map_err(invalid)?;
        let name = new.name.trim();
        if name.is_empty() {
            return Err(RegistryError::Invalid(
                "an integration needs a non-empty name".into(),
            ));
        }
        check_credential(provider, &new.credential).map_err(invalid)?;
        let endpoints = provider
            .endpoints(new.api_url.as_deref(), new.web_url.as_deref())
            .map_err(invalid)?;
        let taken: i64 = sqlx::query("SELECT COUNT(*) AS n FROM integrations WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        if taken > 0 {
            return Err(RegistryError::Invalid(format!(
                "an integration named `{name}` exists already; choose another name"
            )));
        }
        let plaintext = new.credential.to_sealed_json();
        let row = sqlx::query(
            "INSERT INTO integrations (provider, name, api_url, web_url, credentials, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(provider.name())
        .bind(name)
        .bind(&endpoints.api_url)
        .bind(&endpoints.web_url)
        .bind(self.secrets.seal(plaintext.as_bytes()))
        .bind(now())
        .fetch_one(&self.pool)
        .await?;
        Ok(IntegrationRecord {
            id: row.try_get(0)?,
            provider: provider.name().to_owned(),
            name: name.to_owned(),
            api_url: endpoints.api_url,
            web_url: endpoints.web_url,
            credentials_kind: new.credential.kind().as_str().into(),
        })
    }

    pub async fn list_integrations(&self) -> Result<Vec<IntegrationRecord>> {
        let rows = sqlx::query(
            "SELECT id, provider, name, api_url, web_url, credentials FROM integrations ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| self.integration_from_row(row).map(|(record, _)| record))
            .collect()
    }

    /// An integration with its opened credentials (for building providers).
    pub async fn integration(&self, id: i64) -> Result<Option<(IntegrationRecord, Credential)>> {
        let row = sqlx::query(
            "SELECT id, provider, name, api_url, web_url, credentials FROM integrations WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| self.integration_from_row(&row)).transpose()
    }

    fn integration_from_row(&self, row: &AnyRow) -> Result<(IntegrationRecord, Credential)> {
        let sealed: String = row.try_get("credentials")?;
        let opened = self.secrets.open(&sealed)?;
        let opened = std::str::from_utf8(&opened).map_err(|_| CryptoError::Decrypt)?;
        let credential = Credential::from_sealed_json(opened).map_err(|_| CryptoError::Decrypt)?;
        Ok((
            IntegrationRecord {
                id: row.try_get("id")?,
                provider: row.try_get("provider")?,
                name: row.try_get("name")?,
                api_url: row.try_get("api_url")?,
                web_url: row.try_get("web_url")?,
                credentials_kind: credential.kind().as_str().into(),
            },
            credential,
        ))
    }

    /// Removes an integration; refused while repositories still use it.
    pub async fn remove_integration(&self, id: i64) -> Result<()> {
        let used: i64 =
            sqlx::query("SELECT COUNT(*) AS n FROM repositories WHERE integration_id = $1")
                .bind(id)
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
        if used > 0 {
            return Err(RegistryError::Invalid(format!(
                "integration {id} is used by {used} repositories"
            )));
        }
        let done = sqlx::query("DELETE FROM integrations WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        changed_one(&done, || format!("integration {id}"))
    }

    // ---- repositories ----

    pub async fn add_repository(&self, new: NewRepository) -> Result<RepositoryRecord> {
        let (integration, _) = self.integration(new.integration_id).await?.ok_or_else(|| {
            RegistryError::NotFound(format!("integration {}", new.integration_id))
        })?;
        let taken = sqlx::query(&format!(
            "{REPO_COLUMNS} WHERE provider = $1 AND external_id = $2"
        ))
        .bind(&integration.provider)
        .bind(&new.external_id)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(row) = taken {
            let existing = repository_from_row(&row)?;
            return Err(RegistryError::Invalid(format!(
                "{}:{} is registered already (repository {}, `{}`)",
                existing.provider, existing.external_id, existing.id, existing.full_name
            )));
        }
        let row = sqlx::query(
            "INSERT INTO repositories (organization_id, integration_id, provider, external_id, full_name, active) \
             VALUES ($1, $2, $3, $4, $5, 1) RETURNING id",
        )
        .bind(new.organization_id)
        .bind(new.integration_id)
        .bind(&integration.provider)
        .bind(&new.external_id)
        .bind(&new.full_name)
        .fetch_one(&self.pool)
        .await?;
        Ok(RepositoryRecord {
            id: row.try_get(0)?,
            organization_id: new.organization_id,
            integration_id: new.integration_id,
            provider: integration.provider,
            external_id: new.external_id,
            full_name: new.full_name,
            active: true,
        })
    }

    pub async fn list_repositories(
        &self,
        organization_id: Option<i64>,
    ) -> Result<Vec<RepositoryRecord>> {
        let rows = match organization_id {
            Some(org) => {
                sqlx::query(&format!(
                    "{REPO_COLUMNS} WHERE organization_id = $1 ORDER BY id"
                ))
                .bind(org)
                .fetch_all(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!("{REPO_COLUMNS} ORDER BY id"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter().map(repository_from_row).collect()
    }

    pub async fn deactivate_repository(&self, id: i64) -> Result<()> {
        self.set_repository_active(id, false).await
    }

    /// Activates or deactivates a repository. Either takes effect at once
    /// on this registry and its clones (the cached row is dropped).
    pub async fn set_repository_active(&self, id: i64, active: bool) -> Result<()> {
        let done = sqlx::query("UPDATE repositories SET active = $1 WHERE id = $2")
            .bind(i64::from(active))
            .bind(id)
            .execute(&self.pool)
            .await?;
        self.caches
            .repositories
            .remove_where(|record| record.id == id);
        changed_one(&done, || format!("repository {id}"))
    }

    // ---- RPC clients ----

    /// Creates a client key; the secret is returned once and stored sealed.
    pub async fn create_client_key(
        &self,
        name: &str,
        grants: Grants,
    ) -> Result<(ClientRecord, Secret)> {
        grants.validate()?;
        let key_id = format!("key_{}", random_token(8));
        let secret = Secret::new(random_token(32));
        sqlx::query(
            "INSERT INTO rpc_clients (key_id, name, secret, grants, revoked, created_at) \
             VALUES ($1, $2, $3, $4, 0, $5)",
        )
        .bind(&key_id)
        .bind(name)
        .bind(self.secrets.seal(secret.expose().as_bytes()))
        .bind(serde_json::to_string(&grants).expect("grants serialize"))
        .bind(now())
        .execute(&self.pool)
        .await?;
        Ok((
            ClientRecord {
                key_id,
                name: name.to_owned(),
                grants,
                revoked: false,
            },
            secret,
        ))
    }

    pub async fn list_client_keys(&self) -> Result<Vec<ClientRecord>> {
        let rows = sqlx::query(
            "SELECT key_id, name, secret, grants, revoked FROM rpc_clients ORDER BY created_at, key_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| client_from_row(row).map(|(record, _)| record))
            .collect()
    }

    pub async fn revoke_client_key(&self, key_id: &str) -> Result<()> {
        let done = sqlx::query("UPDATE rpc_clients SET revoked = 1 WHERE key_id = $1")
            .bind(key_id)
            .execute(&self.pool)
            .await?;
        self.caches
            .client_keys
            .remove_where(|key| key.record.key_id == key_id);
        changed_one(&done, || format!("client key {key_id}"))
    }

    /// A key with its opened secret, for verifying a request. Revoked keys
    /// are returned too (with `revoked: true`) so the caller can refuse them
    /// with the right code.
    ///
    /// Served from the cache when [`Registry::set_cache_ttls`] enabled it.
    pub async fn client_key(&self, key_id: &str) -> Result<Option<ClientKey>> {
        if let Some(key) = self.caches.client_keys.get(key_id) {
            return Ok(Some(key));
        }
        let generation = self.caches.client_keys.generation();
        let row = sqlx::query(
            "SELECT key_id, name, secret, grants, revoked FROM rpc_clients WHERE key_id = $1",
        )
        .bind(key_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let (record, sealed) = client_from_row(&row)?;
        let secret = Secret::new(
            String::from_utf8(self.secrets.open(&sealed)?).map_err(|_| CryptoError::Decrypt)?,
        );
        let key = ClientKey { record, secret };
        self.caches
            .client_keys
            .insert(key.record.key_id.clone(), key.clone(), generation);
        Ok(Some(key))
    }
}

const REPO_COLUMNS: &str = "SELECT id, organization_id, integration_id, provider, external_id, full_name, active FROM repositories";

impl Registry {
    /// A repository by its provider and full name, compared without regard
    /// to ASCII case (providers treat names so). For webhooks of
    /// repositories registered by name: their payloads name them both ways.
    pub async fn find_repository_by_name(
        &self,
        provider: &str,
        full_name: &str,
    ) -> Result<Option<RepositoryRecord>> {
        let row = sqlx::query(&format!(
            "{REPO_COLUMNS} WHERE provider = $1 AND LOWER(full_name) = LOWER($2) ORDER BY id LIMIT 1"
        ))
        .bind(provider)
        .bind(full_name)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(repository_from_row).transpose()
    }
}

fn repository_from_row(row: &AnyRow) -> Result<RepositoryRecord> {
    Ok(RepositoryRecord {
        id: row.try_get("id")?,
        organization_id: row.try_get("organization_id")?,
        integration_id: row.try_get("integration_id")?,
        provider: row.try_get("provider")?,
        external_id: row.try_get("external_id")?,
        full_name: row.try_get("full_name")?,
        active: row.try_get::<i64, _>("active")? != 0,
    })
}

fn client_from_row(row: &AnyRow) -> Result<(ClientRecord, String)> {
    let grants: String = row.try_get("grants")?;
    let grants = serde_json::from_str(&grants)
        .map_err(|err| RegistryError::Invalid(format!("stored grants: {err}")))?;
    Ok((
        ClientRecord {
            key_id: row.try_get("key_id")?,
            name: row.try_get("name")?,
            grants,
            revoked: row.try_get::<i64, _>("revoked")? != 0,
        },
        row.try_get("secret")?,
    ))
}

#[async_trait]
impl RepositoryRegistry for Registry {
    async fn find_repository(
        &self,
        key: &RepositoryKey,
    ) -> scm_core::Result<Option<RepositoryRecord>> {
        let cache = &self.caches.repositories;
        let cache_key = cache.enabled().then(|| RepositoryCacheKey::from(key));
        if let Some(record) = cache_key.as_ref().and_then(|k| cache.get(k)) {
            return Ok(Some(record));
        }
        let generation = cache.generation();
        let row = match key {
            RepositoryKey::Id(id) => {
                sqlx::query(&format!("{REPO_COLUMNS} WHERE id = $1"))
                    .bind(*id)
                    .fetch_optional(&self.pool)
                    .await
            }
            RepositoryKey::External(provider, external_id) => {
                sqlx::query(&format!(
                    "{REPO_COLUMNS} WHERE provider = $1 AND external_id = $2"
                ))
                .bind(provider)
                .bind(external_id)
                .fetch_optional(&self.pool)
                .await
            }
        }
        .map_err(RegistryError::from)?;
        let mut record = row.as_ref().map(repository_from_row).transpose()?;
        // `provider:owner/name` keeps naming a repository whose external id
        // is the provider's numeric id (and webhooks of one registered by
        // name resolve): the full name, without regard to case.
        if let (None, RepositoryKey::External(provider, name)) = (&record, key) {
            record = self.find_repository_by_name(provider, name).await?;
        }
        if let (Some(cache_key), Some(record)) = (cache_key, &record) {
            cache.insert(cache_key, record.clone(), generation);
        }
        Ok(record)
    }
}
