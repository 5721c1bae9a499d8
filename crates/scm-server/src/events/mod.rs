//! The event stream's server side: the webhook ingress, the queue it
//! writes to, and the registry rows listeners and per-integration webhook
//! secrets live in.
//!
//! - [`ingress`]: `POST /webhooks/{provider}[/{integration}]`;
//! - [`history`]: every accepted delivery and what each listener made of
//!   it, for `scm events list|show` and the console;
//! - [`redeliver`]: sending a recorded delivery to its listeners again;
//! - [`store`]: webhook secrets and HTTP listeners in the registry;
//! - [`dead_letters`]: listing and replaying them (CLI and console);
//! - [`WebhooksConfig`] (`[webhooks]`) and [`QueueConfig`] (`[queue]`).
//!
//! Providers plug in through [`scm_core::events::WebhookReceiver`], which
//! [`receivers`] reads from their registrations.

pub mod dead_letters;
pub mod history;
pub mod ingress;
pub mod redeliver;
pub mod store;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;

use scm_core::events::WebhookReceiver;
use scm_core::Secret;
use scm_stream::{
    EventQueue, JetStreamConfig, JetStreamQueue, QueueError, SqliteConfig, SqliteQueue,
};
use serde::Deserialize;

use crate::config_error::ConfigError;

pub use ingress::{router, Ingress};

/// Largest webhook body accepted: GitHub caps deliveries at 25 MB.
pub const MAX_WEBHOOK_BODY: usize = 25 * 1024 * 1024;

/// Every registered provider's webhook receiver.
pub fn receivers() -> Vec<Arc<dyn WebhookReceiver>> {
    scm_providers::PROVIDERS
        .iter()
        .filter_map(|provider| provider.webhooks())
        .collect()
}

/// What to do with an event whose repository the registry does not know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownRepository {
    /// Enqueue it with `organization_id` and `repository.id` left empty
    /// (the default). Installation events and repositories registered
    /// after the fact still reach listeners, which see that the event is
    /// unresolved.
    #[default]
    Enqueue,
    /// Answer 202, count it (`reason=repository_unknown`) and drop it.
    Skip,
}

/// `[webhooks]`: the body cap, the unknown-repository policy and one
/// table per provider: `[webhooks.github] secrets = ["…", "…"]`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct WebhooksConfig {
    pub max_body_bytes: usize,
    pub unknown_repository: UnknownRepository,
    #[serde(flatten)]
    pub providers: BTreeMap<String, ProviderWebhooks>,
}

impl Default for WebhooksConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: MAX_WEBHOOK_BODY,
            unknown_repository: UnknownRepository::default(),
            providers: BTreeMap::new(),
        }
    }
}

/// `[webhooks.<provider>]`: the secrets `/webhooks/<provider>` verifies
/// against; any one may match (rotation).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProviderWebhooks {
    pub secrets: Vec<Secret>,
}

impl WebhooksConfig {
    /// `SCM_WEBHOOKS_MAX_BODY_BYTES`, `SCM_WEBHOOKS_UNKNOWN_REPOSITORY`
    /// and `SCM_WEBHOOKS_<PROVIDER>_SECRETS` (comma-separated).
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        let invalid = |name: &str, detail: String| ConfigError::Invalid {
            name: name.into(),
            detail,
        };
        for (name, value) in env {
            let Some(rest) = name.strip_prefix("SCM_WEBHOOKS_") else {
                continue;
            };
            match rest {
                "MAX_BODY_BYTES" => {
                    self.max_body_bytes = value
                        .parse()
                        .map_err(|err| invalid(name, format!("{err}")))?;
                }
                "UNKNOWN_REPOSITORY" => {
                    self.unknown_repository = match value.as_str() {
                        "enqueue" => UnknownRepository::Enqueue,
                        "skip" => UnknownRepository::Skip,
                        _ => return Err(invalid(name, "expected `enqueue` or `skip`".into())),
                    };
                }
                _ => {
                    if let Some(provider) = rest.strip_suffix("_SECRETS") {
                        self.providers
                            .entry(provider.to_ascii_lowercase())
                            .or_default()
                            .secrets = value
                            .split(',')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(Secret::from)
                            .collect();
                    }
                }
            }
        }
        Ok(())
    }

    /// The configured secrets of a provider (empty when none).
    pub fn secrets(&self, provider: &str) -> Vec<Secret> {
        self.providers
            .get(provider)
            .map(|p| p.secrets.clone())
            .unwrap_or_default()
    }
}

/// Which queue backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueBackend {
    /// An embedded SQLite file (default, zero setup).
    #[default]
    Sqlite,
    /// NATS JetStream, for several machines.
    Nats,
}

/// `[queue]`: where accepted events are stored until listeners have them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QueueConfig {
    pub backend: QueueBackend,
    /// SQLite: the queue file.
    pub path: PathBuf,
    /// SQLite: fsync every commit (survives power loss, not only a crash).
    pub fsync: bool,
    /// NATS: the server URL.
    pub url: String,
    /// NATS: the stream name (dead letters go to `<stream>_DEAD`).
    pub stream: String,
    /// NATS: the first subject token.
    pub subject_prefix: String,
}

impl Default for QueueConfig {
    fn default() -> Self {
        Self {
            backend: QueueBackend::Sqlite,
            path: PathBuf::from("scm-events.db"),
            fsync: true,
            url: "nats://127.0.0.1:4222".into(),
            stream: "SCM_EVENTS".into(),
            subject_prefix: "scm".into(),
        }
    }
}

impl QueueConfig {
    /// `SCM_QUEUE_BACKEND`, `SCM_QUEUE_PATH`, `SCM_QUEUE_FSYNC`,
    /// `SCM_QUEUE_URL`, `SCM_QUEUE_STREAM`, `SCM_QUEUE_SUBJECT_PREFIX`.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        let invalid = |name: &str, detail: &str| ConfigError::Invalid {
            name: name.into(),
            detail: detail.into(),
        };
        if let Some(backend) = env.get("SCM_QUEUE_BACKEND") {
            self.backend = match backend.as_str() {
                "sqlite" => QueueBackend::Sqlite,
                "nats" => QueueBackend::Nats,
                _ => return Err(invalid("SCM_QUEUE_BACKEND", "expected `sqlite` or `nats`")),
            };
        }
        if let Some(path) = env.get("SCM_QUEUE_PATH") {
            self.path = PathBuf::from(path);
        }
        if let Some(fsync) = env.get("SCM_QUEUE_FSYNC") {
            self.fsync = match fsync.as_str() {
                "true" | "1" => true,
                "false" | "0" => false,
                _ => return Err(invalid("SCM_QUEUE_FSYNC", "expected true or false")),
            };
        }
        if let Some(url) = env.get("SCM_QUEUE_URL") {
            self.url = url.clone();
        }
        if let Some(stream) = env.get("SCM_QUEUE_STREAM") {
            self.stream = stream.clone();
        }
        if let Some(prefix) = env.get("SCM_QUEUE_SUBJECT_PREFIX") {
            self.subject_prefix = prefix.clone();
        }
        Ok(())
    }

    /// Opens the configured backend.
    pub async fn open(&self) -> Result<Arc<dyn EventQueue>, QueueError> {
        Ok(match self.backend {
            QueueBackend::Sqlite => {
                let mut config = SqliteConfig::new(&self.path);
                config.fsync = self.fsync;
                Arc::new(SqliteQueue::open(config).await?)
            }
            QueueBackend::Nats => {
                let mut config = JetStreamConfig::new(&self.url);
                config.stream = self.stream.clone();
                config.subject_prefix = self.subject_prefix.clone();
                Arc::new(JetStreamQueue::connect(config).await?)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_and_queue_from_toml_then_env() {
        #[derive(Deserialize)]
        struct File {
            webhooks: WebhooksConfig,
            queue: QueueConfig,
        }
        let file: File = toml::from_str(
            "[webhooks]\nmax_body_bytes = 1000\nunknown_repository = \"skip\"\n\
             [webhooks.github]\nsecrets = [\"old\", \"new\"]\n\
             [queue]\nbackend = \"nats\"\nstream = \"EVENTS\"\n",
        )
        .unwrap();
        let (mut webhooks, mut queue) = (file.webhooks, file.queue);
        assert_eq!(webhooks.max_body_bytes, 1000);
        assert_eq!(webhooks.unknown_repository, UnknownRepository::Skip);
        assert_eq!(webhooks.secrets("github").len(), 2);
        assert!(webhooks.secrets("gitlab").is_empty());
        assert_eq!(queue.backend, QueueBackend::Nats);
        assert_eq!(queue.url, "nats://127.0.0.1:4222");

        let env = HashMap::from([
            ("SCM_WEBHOOKS_GITLAB_SECRETS".to_owned(), "a, b,".to_owned()),
            ("SCM_QUEUE_BACKEND".to_owned(), "sqlite".to_owned()),
            ("SCM_QUEUE_PATH".to_owned(), "q.db".to_owned()),
        ]);
        webhooks.apply_env(&env).unwrap();
        queue.apply_env(&env).unwrap();
        let gitlab = webhooks.secrets("gitlab");
        assert_eq!(
            gitlab.iter().map(Secret::expose).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(queue.backend, QueueBackend::Sqlite);
        assert_eq!(queue.path, PathBuf::from("q.db"));
        assert!(!format!("{webhooks:?}").contains("old"));

        assert!(toml::from_str::<QueueConfig>("backend = \"kafka\"").is_err());
        assert!(toml::from_str::<WebhooksConfig>("[github]\nsecret = \"x\"").is_err());
    }
}
