//! The event stream's rows in the registry: per-integration webhook
//! secrets and HTTP listeners. Secrets are sealed like integration
//! credentials and only opened where they are used (verifying a delivery,
//! signing a request to a listener); listings never carry them.

use scm_core::events::EventType;
use scm_core::Secret;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::registry::{changed_one, Registry, RegistryError, Result};

/// A webhook secret as listed: which integration, when, never the value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookSecretRecord {
    pub id: i64,
    pub integration_id: i64,
    pub created_at: i64,
}

/// A new HTTP listener.
#[derive(Debug, Clone)]
pub struct NewListener {
    pub name: String,
    pub url: String,
    pub events: Vec<EventType>,
    /// Signs each request to the listener (`X-Hub-Signature-256`).
    pub secret: Secret,
    pub max_attempts: u32,
    pub deadline_ms: u64,
    /// Where its subscription starts when a worker first subscribes it.
    pub from: ListenerFrom,
}

/// Where a listener's subscription starts, the first time a worker
/// subscribes it (later starts continue where it stopped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ListenerFrom {
    /// Events accepted from then on.
    #[default]
    New,
    /// Every event the queue still holds (its retention), then new ones.
    Earliest,
}

impl ListenerFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            ListenerFrom::New => "new",
            ListenerFrom::Earliest => "earliest",
        }
    }

    /// The queue's name for it.
    pub fn start(self) -> scm_stream::StartFrom {
        match self {
            ListenerFrom::New => scm_stream::StartFrom::New,
            ListenerFrom::Earliest => scm_stream::StartFrom::All,
        }
    }
}

impl std::str::FromStr for ListenerFrom {
    type Err = RegistryError;

    fn from_str(value: &str) -> Result<Self> {
        match value {
            "new" => Ok(ListenerFrom::New),
            "earliest" => Ok(ListenerFrom::Earliest),
            other => Err(RegistryError::Invalid(format!(
                "`{}` is not a start: use `new` or `earliest`",
                other.chars().take(32).collect::<String>()
            ))),
        }
    }
}

/// An HTTP listener as listed (the secret is never returned here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerRecord {
    pub name: String,
    pub url: String,
    pub events: Vec<EventType>,
    pub max_attempts: u32,
    pub deadline_ms: u64,
    pub from: ListenerFrom,
    pub created_at: i64,
    /// `scm worker` holds a paused listener's deliveries in the queue.
    #[serde(default)]
    pub paused: bool,
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

impl Registry {
    /// Adds a webhook secret for deliveries to
    /// `/webhooks/{provider}/{integration}`. Several may be active (add the
    /// new one, switch the provider over, remove the old one).
    pub async fn add_webhook_secret(
        &self,
        integration_id: i64,
        secret: &Secret,
    ) -> Result<WebhookSecretRecord> {
        if secret.is_empty() {
            return Err(RegistryError::Invalid(
                "a webhook secret cannot be empty".into(),
            ));
        }
        if self.integration(integration_id).await?.is_none() {
            return Err(RegistryError::NotFound(format!(
                "integration {integration_id}"
            )));
        }
        let created_at = now();
        let row = sqlx::query(
            "INSERT INTO webhook_secrets (integration_id, secret, created_at) \
             VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(integration_id)
        .bind(self.secrets.seal(secret.expose().as_bytes()))
        .bind(created_at)
        .fetch_one(&self.pool)
        .await?;
        Ok(WebhookSecretRecord {
            id: row.try_get(0)?,
            integration_id,
            created_at,
        })
    }

    pub async fn list_webhook_secrets(
        &self,
        integration_id: Option<i64>,
    ) -> Result<Vec<WebhookSecretRecord>> {
        const COLUMNS: &str = "SELECT id, integration_id, created_at FROM webhook_secrets";
        let rows = match integration_id {
            Some(id) => {
                sqlx::query(&format!("{COLUMNS} WHERE integration_id = $1 ORDER BY id"))
                    .bind(id)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(&format!("{COLUMNS} ORDER BY id"))
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        rows.iter()
            .map(|row| {
                Ok(WebhookSecretRecord {
                    id: row.try_get("id")?,
                    integration_id: row.try_get("integration_id")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect()
    }

    /// The opened secrets of one integration (for verifying deliveries).
    pub async fn webhook_secrets(&self, integration_id: i64) -> Result<Vec<Secret>> {
        let rows = sqlx::query("SELECT secret FROM webhook_secrets WHERE integration_id = $1")
            .bind(integration_id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                let sealed: String = row.try_get(0)?;
                let plain = self.secrets.open(&sealed)?;
                Ok(Secret::new(String::from_utf8_lossy(&plain).into_owned()))
            })
            .collect()
    }

    pub async fn remove_webhook_secret(&self, id: i64) -> Result<()> {
        let done = sqlx::query("DELETE FROM webhook_secrets WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        changed_one(&done, || format!("webhook secret {id}"))
    }

    /// Registers an HTTP listener. A name already taken is refused, never
    /// overwritten.
    pub async fn add_listener(&self, new: NewListener) -> Result<ListenerRecord> {
        validate_listener(&new)?;
        if self.listener(&new.name).await?.is_some() {
            return Err(RegistryError::Invalid(format!(
                "a listener named `{}` already exists",
                new.name
            )));
        }
        let created_at = now();
        let events = events_text(&new.events);
        sqlx::query(
            "INSERT INTO listeners \
             (name, url, events, secret, max_attempts, deadline_ms, created_at, start_from) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&new.name)
        .bind(&new.url)
        .bind(&events)
        .bind(self.secrets.seal(new.secret.expose().as_bytes()))
        .bind(i64::from(new.max_attempts))
        .bind(new.deadline_ms as i64)
        .bind(created_at)
        .bind(new.from.as_str())
        .execute(&self.pool)
        .await?;
        Ok(ListenerRecord {
            name: new.name,
            url: new.url,
            events: new.events,
            max_attempts: new.max_attempts,
            deadline_ms: new.deadline_ms,
            from: new.from,
            created_at,
            paused: false,
        })
    }

    pub async fn listener(&self, name: &str) -> Result<Option<ListenerRecord>> {
        let row = sqlx::query(&format!("{LISTENER_COLUMNS} WHERE name = $1"))
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref()
            .map(|row| listener_from_row(row).map(|(record, _)| record))
            .transpose()
    }

    pub async fn list_listeners(&self) -> Result<Vec<ListenerRecord>> {
        Ok(self
            .listeners_with_secrets_sealed()
            .await?
            .into_iter()
            .map(|(record, _)| record)
            .collect())
    }

    /// Every listener with its opened secret (for `scm worker`).
    pub async fn listeners_with_secrets(&self) -> Result<Vec<(ListenerRecord, Secret)>> {
        self.listeners_with_secrets_sealed()
            .await?
            .into_iter()
            .map(|(record, sealed)| {
                let plain = self.secrets.open(&sealed)?;
                Ok((
                    record,
                    Secret::new(String::from_utf8_lossy(&plain).into_owned()),
                ))
            })
            .collect()
    }

    async fn listeners_with_secrets_sealed(&self) -> Result<Vec<(ListenerRecord, String)>> {
        let rows = sqlx::query(&format!("{LISTENER_COLUMNS} ORDER BY name"))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(listener_from_row).collect()
    }

    /// Pauses or resumes a listener. Workers poll the flag, so it takes
    /// effect within their poll interval without a restart; deliveries
    /// wait in the queue meanwhile.
    pub async fn set_listener_paused(&self, name: &str, paused: bool) -> Result<()> {
        let done = sqlx::query("UPDATE listeners SET paused = $1 WHERE name = $2")
            .bind(i64::from(paused))
            .bind(name)
            .execute(&self.pool)
            .await?;
        changed_one(&done, || format!("listener `{name}`"))
    }

    /// The names of the paused listeners.
    pub async fn paused_listeners(&self) -> Result<Vec<String>> {
        let rows = sqlx::query("SELECT name FROM listeners WHERE paused = 1 ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| row.try_get(0).map_err(RegistryError::from))
            .collect()
    }

    pub async fn remove_listener(&self, name: &str) -> Result<()> {
        let done = sqlx::query("DELETE FROM listeners WHERE name = $1")
            .bind(name)
            .execute(&self.pool)
            .await?;
        changed_one(&done, || format!("listener `{name}`"))
    }
}

const LISTENER_COLUMNS: &str = "SELECT name, url, events, secret, max_attempts, deadline_ms, \
     created_at, start_from, paused FROM listeners";

fn events_text(events: &[EventType]) -> String {
    events
        .iter()
        .map(|e| e.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

fn listener_from_row(row: &sqlx::any::AnyRow) -> Result<(ListenerRecord, String)> {
    let events: String = row.try_get("events")?;
    let events = events
        .split(',')
        .filter(|e| !e.is_empty())
        .map(|e| e.parse::<EventType>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| RegistryError::Invalid(err.to_string()))?;
    Ok((
        ListenerRecord {
            name: row.try_get("name")?,
            url: row.try_get("url")?,
            events,
            max_attempts: row
                .try_get::<i64, _>("max_attempts")?
                .clamp(1, u32::MAX as i64) as u32,
            deadline_ms: row.try_get::<i64, _>("deadline_ms")?.max(1) as u64,
            from: row.try_get::<String, _>("start_from")?.parse()?,
            created_at: row.try_get("created_at")?,
            paused: row.try_get::<i64, _>("paused")? != 0,
        },
        row.try_get("secret")?,
    ))
}

fn validate_listener(new: &NewListener) -> Result<()> {
    let invalid = |why: String| Err(RegistryError::Invalid(why));
    let name_ok = !new.name.is_empty()
        && new.name.len() <= 64
        && new
            .name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !name_ok {
        return invalid(
            "a listener name is 1 to 64 characters of A-Z, a-z, 0-9, `_` or `-`".into(),
        );
    }
    match url::Url::parse(&new.url) {
        Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
        _ => {
            return invalid(format!(
                "listener `{}`: the URL must be http(s)://host/…",
                new.name
            ))
        }
    }
    if new.events.is_empty() {
        return invalid(format!(
            "listener `{}` subscribes to no event type",
            new.name
        ));
    }
    if new.secret.is_empty() {
        return invalid(format!("listener `{}` needs a signing secret", new.name));
    }
    if new.max_attempts == 0 || new.deadline_ms == 0 {
        return invalid(format!(
            "listener `{}`: max attempts and deadline must be positive",
            new.name
        ));
    }
    Ok(())
}
