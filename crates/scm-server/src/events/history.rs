//! Delivery history: what became of every webhook the ingress accepted.
//!
//! The queue forgets a delivery once every listener has it; operators
//! still ask "did the webhook for PR 42 arrive, which listeners ran, why
//! did one fail". So the registry keeps, per accepted webhook, a
//! [`DeliveryRecord`] (written by the ingress) and, per listener, a
//! [`ListenerAttempts`] row (written by `scm worker` after every attempt,
//! through [`scm_stream::DeliveryObserver`]). Both queue backends feed it
//! the same way, since neither the ingress nor the worker depends on which
//! queue runs.
//!
//! Nothing secret is stored: request headers pass an allow-list
//! ([`SAFE_HEADERS`] and each provider's own) rather than a deny-list, so
//! a provider adding a new token header cannot leak it; the envelope is stored without the raw
//! body (as HTTP listeners receive it); listener errors are the worker's
//! reasons, which never carry URLs or secrets.
//!
//! Rows older than the retention ([`HistoryConfig`]) are deleted by
//! [`Registry::prune_history`], which `scm serve` runs periodically.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use axum::http::HeaderMap;
use chrono::{DateTime, Utc};
use scm_core::events::EventEnvelope;
use serde::{Deserialize, Serialize};
use sqlx::any::AnyRow;
use sqlx::Row;

use crate::config_error::ConfigError;
use crate::registry::{Registry, RegistryError, Result};

/// Request headers kept with every delivery, lower-case, beside the
/// provider's own ([`ProviderRegistration::webhook_headers`]: event name,
/// delivery and hook ids). Everything else is dropped: signatures,
/// webhook tokens, `Authorization`, cookies and any header a provider adds
/// later.
///
/// [`ProviderRegistration::webhook_headers`]: scm_core::registration::ProviderRegistration::webhook_headers
pub const SAFE_HEADERS: &[&str] = &["content-type", "content-length", "user-agent"];

/// Longest header value kept; longer ones are cut (they are for reading).
const MAX_HEADER_VALUE: usize = 256;

/// Longest listener error kept.
const MAX_ERROR: usize = 1024;

/// The headers of [`SAFE_HEADERS`] and of `provider`'s webhook headers
/// present in `headers`.
pub fn safe_headers(provider: &str, headers: &HeaderMap) -> BTreeMap<String, String> {
    let own = scm_providers::find(provider).map_or(&[][..], |p| p.webhook_headers());
    SAFE_HEADERS
        .iter()
        .chain(own)
        .filter_map(|name| {
            let value = headers.get(*name)?.to_str().ok()?;
            Some((
                (*name).to_owned(),
                value.chars().take(MAX_HEADER_VALUE).collect(),
            ))
        })
        .collect()
}

/// `[events]`: how long the delivery history is kept.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HistoryConfig {
    /// Days a delivery and its listener outcomes are kept (default 14).
    pub history_retention_days: u32,
}

impl Default for HistoryConfig {
    fn default() -> Self {
        Self {
            history_retention_days: 14,
        }
    }
}

impl HistoryConfig {
    /// `SCM_EVENTS_HISTORY_RETENTION_DAYS`.
    pub fn apply_env(&mut self, env: &HashMap<String, String>) -> Result<(), ConfigError> {
        if let Some(days) = env.get("SCM_EVENTS_HISTORY_RETENTION_DAYS") {
            self.history_retention_days =
                days.trim().parse().ok().filter(|d| *d > 0).ok_or_else(|| {
                    ConfigError::Invalid {
                        name: "SCM_EVENTS_HISTORY_RETENTION_DAYS".into(),
                        detail: "expected a positive number of days".into(),
                    }
                })?;
        }
        Ok(())
    }

    pub fn retention(&self) -> Duration {
        Duration::from_secs(u64::from(self.history_retention_days.max(1)) * 24 * 3600)
    }
}

/// What became of one delivery to one listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Not attempted yet (or redelivered and waiting).
    Pending,
    /// The listener took it.
    Delivered,
    /// The last attempt failed; it will be retried.
    Failed,
    /// Every attempt failed; it is a dead letter until replayed.
    DeadLettered,
}

impl Outcome {
    pub const ALL: [Outcome; 4] = [
        Outcome::Pending,
        Outcome::Delivered,
        Outcome::Failed,
        Outcome::DeadLettered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pending => "pending",
            Outcome::Delivered => "delivered",
            Outcome::Failed => "failed",
            Outcome::DeadLettered => "dead_lettered",
        }
    }
}

impl std::str::FromStr for Outcome {
    type Err = RegistryError;

    fn from_str(value: &str) -> Result<Self> {
        Outcome::ALL
            .into_iter()
            .find(|o| o.as_str() == value)
            .ok_or_else(|| {
                RegistryError::Invalid(format!(
                    "`{}` is not an outcome: use pending, delivered, failed or dead_lettered",
                    value.chars().take(32).collect::<String>()
                ))
            })
    }
}

/// One listener's part of a delivery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListenerAttempts {
    pub listener: String,
    /// Attempts seen so far (replays and redeliveries add to them).
    pub attempts: u32,
    pub outcome: Outcome,
    /// The most recent failure, kept after a later success.
    pub last_error: Option<String>,
    /// Webhook received → the listener's last attempt done, milliseconds.
    pub latency_ms: Option<i64>,
    pub updated_at: DateTime<Utc>,
}

/// A delivery as listed: what arrived, and each listener's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliverySummary {
    /// The history's own id (the listing's cursor).
    pub id: i64,
    pub provider: String,
    /// The provider's delivery id (`X-GitHub-Delivery`, …).
    pub delivery_id: String,
    /// The neutral event type (`pull_request`, `push`, …).
    pub event_type: String,
    /// The provider's own event name (`X-GitHub-Event`).
    pub provider_event: String,
    pub action: String,
    pub received_at: DateTime<Utc>,
    pub organization_id: Option<i64>,
    /// The repository's full name, when the event names one.
    pub repository: Option<String>,
    /// Bytes of the webhook body.
    pub size: i64,
    pub listeners: Vec<ListenerAttempts>,
}

/// A delivery with everything kept about it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryRecord {
    #[serde(flatten)]
    pub summary: DeliverySummary,
    /// The allow-listed request headers ([`SAFE_HEADERS`]).
    pub headers: BTreeMap<String, String>,
    /// The neutral envelope as listeners receive it (no raw body).
    pub envelope: serde_json::Value,
}

/// What [`Registry::list_deliveries`] returns: every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFilter {
    pub provider: Option<String>,
    /// Neutral event type.
    pub event_type: Option<String>,
    /// Repository full name, compared without regard to ASCII case.
    pub repository: Option<String>,
    /// Deliveries this listener has a row for.
    pub listener: Option<String>,
    /// Deliveries with a listener in this outcome (of `listener` if given).
    pub outcome: Option<Outcome>,
    /// Received at or after.
    pub since: Option<DateTime<Utc>>,
    /// Received before.
    pub until: Option<DateTime<Utc>>,
    /// Only ids below this one (the last id of the previous page).
    pub before_id: Option<i64>,
    /// At most this many (default 50, at most 1000).
    pub limit: Option<u32>,
}

/// A finished attempt, as the worker reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptReport {
    pub provider: String,
    pub delivery_id: String,
    pub listener: String,
    pub outcome: Outcome,
    pub error: Option<String>,
    pub received_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
}

/// Deliveries accepted per minute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinuteCount {
    /// The minute's start.
    pub minute: DateTime<Utc>,
    pub deliveries: i64,
}

/// Figures over a window, for the overview.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HistorySummary {
    /// Deliveries received in the window.
    pub deliveries: i64,
    /// Listener rows updated in the window, by outcome.
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
    pub dead_lettered: i64,
    /// 99th percentile of webhook → listener done over the listener rows
    /// delivered in the window; `None` without any.
    pub p99_latency_ms: Option<i64>,
}

/// One listener's figures, for the listeners page.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ListenerHealth {
    pub listener: String,
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
    pub dead_lettered: i64,
    /// The latest failure kept in the history and when it happened.
    pub last_error: Option<String>,
    pub last_error_at: Option<DateTime<Utc>>,
}

fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

fn from_millis(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

fn clip(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// A value bound to a dynamically built query.
enum Bind {
    Text(String),
    Int(i64),
}

const SUMMARY_COLUMNS: &str = "SELECT id, provider, delivery_id, event_type, provider_event, \
     action, received_at, organization_id, repository, size FROM deliveries";

impl Registry {
    /// Records a delivery the ingress accepted, with a `pending` row for
    /// every registered HTTP listener subscribed to its event type (Rust
    /// listeners appear at their first attempt). A delivery recorded
    /// before is left as it is.
    pub async fn record_delivery(
        &self,
        envelope: &EventEnvelope,
        headers: &HeaderMap,
        size: usize,
    ) -> Result<()> {
        let envelope_json = String::from_utf8(envelope.to_json_without_raw_body())
            .map_err(|_| RegistryError::Invalid("envelope JSON is not UTF-8".into()))?;
        let headers =
            serde_json::to_string(&safe_headers(&envelope.provider, headers)).unwrap_or_default();
        let received_at = millis(envelope.received_at);
        let inserted = sqlx::query(
            "INSERT INTO deliveries (provider, delivery_id, event_type, provider_event, action, \
             received_at, organization_id, repository, size, headers, envelope) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (provider, delivery_id) DO NOTHING",
        )
        .bind(&envelope.provider)
        .bind(&envelope.delivery_id)
        .bind(envelope.event_type().as_str())
        .bind(&envelope.event_type_hint)
        .bind(envelope.event.action())
        .bind(received_at)
        .bind(envelope.organization_id)
        .bind(envelope.repository.as_ref().map(|r| r.full_name.clone()))
        .bind(i64::try_from(size).unwrap_or(i64::MAX))
        .bind(headers)
        .bind(envelope_json)
        .execute(&self.pool)
        .await?;
        if inserted.rows_affected() == 0 {
            return Ok(());
        }
        let event_type = envelope.event_type();
        let subscribed: Vec<String> = self
            .list_listeners()
            .await?
            .into_iter()
            .filter(|listener| listener.events.contains(&event_type))
            .map(|listener| listener.name)
            .collect();
        if subscribed.is_empty() {
            return Ok(());
        }
        // One statement for all of them: $1–$3 are shared, then a name each.
        let values = (0..subscribed.len())
            .map(|i| format!("($1, $2, ${}, 0, 'pending', $3)", i + 4))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO delivery_listeners (provider, delivery_id, listener, attempts, \
             outcome, updated_at) VALUES {values} \
             ON CONFLICT (provider, delivery_id, listener) DO NOTHING"
        );
        let mut query = sqlx::query(&sql)
            .bind(&envelope.provider)
            .bind(&envelope.delivery_id)
            .bind(received_at);
        for name in subscribed {
            query = query.bind(name);
        }
        query.execute(&self.pool).await?;
        Ok(())
    }

    /// Records one finished attempt: one more attempt, its outcome, its
    /// error (the previous one is kept after a success) and the latency
    /// from the webhook's receipt.
    pub async fn record_attempt(&self, report: &AttemptReport) -> Result<()> {
        let latency = (report.finished_at - report.received_at)
            .num_milliseconds()
            .max(0);
        sqlx::query(
            "INSERT INTO delivery_listeners (provider, delivery_id, listener, attempts, outcome, \
             last_error, latency_ms, updated_at) VALUES ($1, $2, $3, 1, $4, $5, $6, $7) \
             ON CONFLICT (provider, delivery_id, listener) DO UPDATE SET \
             attempts = delivery_listeners.attempts + 1, outcome = excluded.outcome, \
             last_error = COALESCE(excluded.last_error, delivery_listeners.last_error), \
             latency_ms = excluded.latency_ms, updated_at = excluded.updated_at",
        )
        .bind(&report.provider)
        .bind(&report.delivery_id)
        .bind(&report.listener)
        .bind(report.outcome.as_str())
        .bind(report.error.as_deref().map(|e| clip(e, MAX_ERROR)))
        .bind(latency)
        .bind(millis(report.finished_at))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Marks a listener's part of a delivery `pending` again (a replay or
    /// a redelivery is on its way); creates the row if there was none.
    pub async fn mark_pending(
        &self,
        provider: &str,
        delivery_id: &str,
        listener: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO delivery_listeners (provider, delivery_id, listener, attempts, outcome, \
             updated_at) VALUES ($1, $2, $3, 0, 'pending', $4) \
             ON CONFLICT (provider, delivery_id, listener) DO UPDATE SET \
             outcome = 'pending', updated_at = excluded.updated_at",
        )
        .bind(provider)
        .bind(delivery_id)
        .bind(listener)
        .bind(millis(Utc::now()))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deliveries, newest first, matching `filter`, each with its
    /// listeners. Page with `before_id` = the last id of a page.
    pub async fn list_deliveries(&self, filter: &DeliveryFilter) -> Result<Vec<DeliverySummary>> {
        let mut conditions: Vec<String> = Vec::new();
        let mut binds: Vec<Bind> = Vec::new();
        let mut push = |condition: &str, bind: Bind, binds: &mut Vec<Bind>| {
            binds.push(bind);
            conditions.push(condition.replace('?', &format!("${}", binds.len())));
        };
        if let Some(provider) = &filter.provider {
            push("provider = ?", Bind::Text(provider.clone()), &mut binds);
        }
        if let Some(event_type) = &filter.event_type {
            push("event_type = ?", Bind::Text(event_type.clone()), &mut binds);
        }
        if let Some(repository) = &filter.repository {
            push(
                "LOWER(repository) = LOWER(?)",
                Bind::Text(repository.clone()),
                &mut binds,
            );
        }
        if let Some(since) = filter.since {
            push("received_at >= ?", Bind::Int(millis(since)), &mut binds);
        }
        if let Some(until) = filter.until {
            push("received_at < ?", Bind::Int(millis(until)), &mut binds);
        }
        if let Some(before) = filter.before_id {
            push("id < ?", Bind::Int(before), &mut binds);
        }
        if filter.listener.is_some() || filter.outcome.is_some() {
            let mut inner = String::from(
                "EXISTS (SELECT 1 FROM delivery_listeners l WHERE l.provider = deliveries.provider \
                 AND l.delivery_id = deliveries.delivery_id",
            );
            if let Some(listener) = &filter.listener {
                binds.push(Bind::Text(listener.clone()));
                inner.push_str(&format!(" AND l.listener = ${}", binds.len()));
            }
            if let Some(outcome) = filter.outcome {
                binds.push(Bind::Text(outcome.as_str().to_owned()));
                inner.push_str(&format!(" AND l.outcome = ${}", binds.len()));
            }
            inner.push(')');
            conditions.push(inner);
        }
        let mut sql = SUMMARY_COLUMNS.to_owned();
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        let limit = filter.limit.unwrap_or(50).clamp(1, 1000);
        sql.push_str(&format!(" ORDER BY id DESC LIMIT {limit}"));
        let mut query = sqlx::query(&sql);
        for bind in binds {
            query = match bind {
                Bind::Text(text) => query.bind(text),
                Bind::Int(int) => query.bind(int),
            };
        }
        let rows = query.fetch_all(&self.pool).await?;
        let mut summaries = rows
            .iter()
            .map(summary_from_row)
            .collect::<Result<Vec<_>>>()?;
        self.attach_listeners(&mut summaries).await?;
        Ok(summaries)
    }

    /// One delivery by the provider's delivery id (and provider, when two
    /// providers used the same id; otherwise the latest).
    pub async fn delivery(
        &self,
        delivery_id: &str,
        provider: Option<&str>,
    ) -> Result<Option<DeliveryRecord>> {
        let columns = "SELECT id, provider, delivery_id, event_type, provider_event, action, \
             received_at, organization_id, repository, size, headers, envelope FROM deliveries";
        let row = match provider {
            Some(provider) => {
                sqlx::query(&format!(
                    "{columns} WHERE delivery_id = $1 AND provider = $2"
                ))
                .bind(delivery_id)
                .bind(provider)
                .fetch_optional(&self.pool)
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "{columns} WHERE delivery_id = $1 ORDER BY id DESC LIMIT 1"
                ))
                .bind(delivery_id)
                .fetch_optional(&self.pool)
                .await?
            }
        };
        let Some(row) = row else { return Ok(None) };
        let mut summary = vec![summary_from_row(&row)?];
        self.attach_listeners(&mut summary).await?;
        let headers: String = row.try_get("headers")?;
        let envelope: String = row.try_get("envelope")?;
        Ok(Some(DeliveryRecord {
            summary: summary.remove(0),
            headers: serde_json::from_str(&headers).unwrap_or_default(),
            envelope: serde_json::from_str(&envelope).unwrap_or_default(),
        }))
    }

    /// The stored envelope of a delivery (no raw body), for redelivery.
    pub async fn delivery_envelope(
        &self,
        provider: &str,
        delivery_id: &str,
    ) -> Result<Option<EventEnvelope>> {
        let row =
            sqlx::query("SELECT envelope FROM deliveries WHERE provider = $1 AND delivery_id = $2")
                .bind(provider)
                .bind(delivery_id)
                .fetch_optional(&self.pool)
                .await?;
        let Some(row) = row else { return Ok(None) };
        let json: String = row.try_get(0)?;
        EventEnvelope::from_json(json.as_bytes())
            .map(Some)
            .map_err(|err| RegistryError::Invalid(format!("stored envelope: {err}")))
    }

    /// Deliveries received per minute since `since` (minutes without any
    /// are left out), oldest first.
    pub async fn deliveries_per_minute(&self, since: DateTime<Utc>) -> Result<Vec<MinuteCount>> {
        let rows = sqlx::query(
            "SELECT received_at / 60000 AS minute, COUNT(*) AS n FROM deliveries \
             WHERE received_at >= $1 GROUP BY received_at / 60000 ORDER BY minute",
        )
        .bind(millis(since))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|row| {
                Ok(MinuteCount {
                    minute: from_millis(row.try_get::<i64, _>("minute")? * 60_000),
                    deliveries: row.try_get("n")?,
                })
            })
            .collect()
    }

    /// Deliveries, listener outcomes and the p99 latency since `since`.
    pub async fn history_summary(&self, since: DateTime<Utc>) -> Result<HistorySummary> {
        let since = millis(since);
        let mut summary = HistorySummary {
            deliveries: sqlx::query("SELECT COUNT(*) FROM deliveries WHERE received_at >= $1")
                .bind(since)
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?,
            ..HistorySummary::default()
        };
        let rows = sqlx::query(
            "SELECT outcome, COUNT(*) AS n FROM delivery_listeners WHERE updated_at >= $1 \
             GROUP BY outcome",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let n: i64 = row.try_get("n")?;
            match row.try_get::<String, _>("outcome")?.parse::<Outcome>() {
                Ok(Outcome::Pending) => summary.pending = n,
                Ok(Outcome::Delivered) => summary.delivered = n,
                Ok(Outcome::Failed) => summary.failed = n,
                Ok(Outcome::DeadLettered) => summary.dead_lettered = n,
                Err(_) => {}
            }
        }
        if summary.delivered > 0 {
            // The nearest-rank percentile: the ⌈0.99·n⌉-th smallest.
            let rank = ((summary.delivered * 99 + 99) / 100).max(1) - 1;
            let row = sqlx::query(&format!(
                "SELECT latency_ms FROM delivery_listeners WHERE updated_at >= $1 \
                 AND outcome = 'delivered' AND latency_ms IS NOT NULL \
                 ORDER BY latency_ms LIMIT 1 OFFSET {rank}"
            ))
            .bind(since)
            .fetch_optional(&self.pool)
            .await?;
            summary.p99_latency_ms = row.map(|row| row.try_get(0)).transpose()?;
        }
        Ok(summary)
    }

    /// Per listener: outcomes of the rows updated since `since` and the
    /// latest error kept, ordered by name.
    pub async fn listener_health(&self, since: DateTime<Utc>) -> Result<Vec<ListenerHealth>> {
        let since = millis(since);
        let mut health: BTreeMap<String, ListenerHealth> = BTreeMap::new();
        let rows = sqlx::query(
            "SELECT listener, outcome, COUNT(*) AS n FROM delivery_listeners \
             WHERE updated_at >= $1 GROUP BY listener, outcome",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let name: String = row.try_get("listener")?;
            let n: i64 = row.try_get("n")?;
            let entry = health
                .entry(name.clone())
                .or_insert_with(|| ListenerHealth {
                    listener: name,
                    ..ListenerHealth::default()
                });
            match row.try_get::<String, _>("outcome")?.parse::<Outcome>() {
                Ok(Outcome::Pending) => entry.pending = n,
                Ok(Outcome::Delivered) => entry.delivered = n,
                Ok(Outcome::Failed) => entry.failed = n,
                Ok(Outcome::DeadLettered) => entry.dead_lettered = n,
                Err(_) => {}
            }
        }
        let errors = sqlx::query(
            "SELECT l.listener, l.last_error, l.updated_at FROM delivery_listeners l \
             WHERE l.last_error IS NOT NULL AND l.updated_at = (SELECT MAX(m.updated_at) \
             FROM delivery_listeners m WHERE m.listener = l.listener AND m.last_error IS NOT NULL)",
        )
        .fetch_all(&self.pool)
        .await?;
        for row in &errors {
            let name: String = row.try_get("listener")?;
            let entry = health
                .entry(name.clone())
                .or_insert_with(|| ListenerHealth {
                    listener: name,
                    ..ListenerHealth::default()
                });
            entry.last_error = row.try_get("last_error")?;
            entry.last_error_at = Some(from_millis(row.try_get("updated_at")?));
        }
        Ok(health.into_values().collect())
    }

    /// Deletes deliveries received, and listener rows last updated, before
    /// `older_than` ago. Returns how many deliveries went.
    pub async fn prune_history(&self, older_than: Duration) -> Result<u64> {
        let cutoff =
            millis(Utc::now()) - i64::try_from(older_than.as_millis()).unwrap_or(i64::MAX / 2);
        sqlx::query(
            "DELETE FROM delivery_listeners WHERE updated_at < $1 AND NOT EXISTS \
             (SELECT 1 FROM deliveries d WHERE d.provider = delivery_listeners.provider \
             AND d.delivery_id = delivery_listeners.delivery_id AND d.received_at >= $1)",
        )
        .bind(cutoff)
        .execute(&self.pool)
        .await?;
        let done = sqlx::query("DELETE FROM deliveries WHERE received_at < $1")
            .bind(cutoff)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Fills each summary's listeners in one query.
    async fn attach_listeners(&self, summaries: &mut [DeliverySummary]) -> Result<()> {
        if summaries.is_empty() {
            return Ok(());
        }
        // Ids are integers from the database: safe to inline.
        let ids = summaries
            .iter()
            .map(|s| s.id.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT d.id AS delivery_row, l.listener, l.attempts, l.outcome, l.last_error, \
             l.latency_ms, l.updated_at FROM delivery_listeners l JOIN deliveries d \
             ON d.provider = l.provider AND d.delivery_id = l.delivery_id \
             WHERE d.id IN ({ids}) ORDER BY l.listener"
        ))
        .fetch_all(&self.pool)
        .await?;
        let mut by_id: HashMap<i64, Vec<ListenerAttempts>> = HashMap::new();
        for row in &rows {
            by_id
                .entry(row.try_get("delivery_row")?)
                .or_default()
                .push(attempts_from_row(row)?);
        }
        for summary in summaries {
            summary.listeners = by_id.remove(&summary.id).unwrap_or_default();
        }
        Ok(())
    }
}

/// How often `scm serve` prunes the history.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Prunes the history now and then every hour, for as long as the process
/// runs (`scm serve`; several servers pruning the same rows is harmless).
pub fn spawn_pruning(registry: Registry, retention: Duration) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(PRUNE_EVERY);
        loop {
            every.tick().await;
            match registry.prune_history(retention).await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "delivery history pruned"),
                Err(err) => tracing::warn!(error = %err, "pruning the delivery history failed"),
            }
        }
    });
}

/// Writes each attempt `scm worker` reports into the history. A history
/// write that fails is logged and the delivery goes on: the queue, not the
/// history, is what guarantees delivery.
#[derive(Clone, Debug)]
pub struct HistoryObserver(pub Registry);

#[async_trait::async_trait]
impl scm_stream::DeliveryObserver for HistoryObserver {
    async fn attempted(&self, report: &scm_stream::AttemptReport<'_>) {
        use scm_stream::RunOutcome;
        let (outcome, error) = match report.outcome {
            RunOutcome::Succeeded => (Outcome::Delivered, None),
            RunOutcome::Retrying { reason } => (Outcome::Failed, Some(reason.clone())),
            RunOutcome::DeadLettered { reason } => (Outcome::DeadLettered, Some(reason.clone())),
            // The queue did not take the outcome; the delivery comes back
            // and its next attempt is recorded.
            RunOutcome::Unrecorded { .. } => return,
        };
        let written = self
            .0
            .record_attempt(&AttemptReport {
                provider: report.envelope.provider.clone(),
                delivery_id: report.envelope.delivery_id.clone(),
                listener: report.listener.to_owned(),
                outcome,
                error,
                received_at: report.envelope.received_at,
                finished_at: report.finished_at,
            })
            .await;
        if let Err(err) = written {
            tracing::warn!(listener = report.listener, error = %err, "delivery history not written");
        }
    }
}

fn summary_from_row(row: &AnyRow) -> Result<DeliverySummary> {
    Ok(DeliverySummary {
        id: row.try_get("id")?,
        provider: row.try_get("provider")?,
        delivery_id: row.try_get("delivery_id")?,
        event_type: row.try_get("event_type")?,
        provider_event: row.try_get("provider_event")?,
        action: row.try_get("action")?,
        received_at: from_millis(row.try_get("received_at")?),
        organization_id: row.try_get("organization_id")?,
        repository: row.try_get("repository")?,
        size: row.try_get("size")?,
        listeners: Vec::new(),
    })
}

fn attempts_from_row(row: &AnyRow) -> Result<ListenerAttempts> {
    Ok(ListenerAttempts {
        listener: row.try_get("listener")?,
        attempts: row.try_get::<i64, _>("attempts")?.clamp(0, u32::MAX as i64) as u32,
        outcome: row.try_get::<String, _>("outcome")?.parse()?,
        last_error: row.try_get("last_error")?,
        latency_ms: row.try_get("latency_ms")?,
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allow_listed_headers_are_kept() {
        let mut headers = HeaderMap::new();
        headers.insert("x-github-event", "push".parse().unwrap());
        headers.insert("x-hub-signature-256", "sha256=abc".parse().unwrap());
        headers.insert("x-gitlab-token", "tok".parse().unwrap());
        headers.insert("authorization", "Bearer x".parse().unwrap());
        headers.insert("x-new-provider-secret", "s".parse().unwrap());
        headers.insert("x-gitlab-event", "Push Hook".parse().unwrap());
        headers.insert("user-agent", "GitHub-Hookshot/1".parse().unwrap());
        // Another provider's headers are not this delivery's.
        let kept = safe_headers("github", &headers);
        assert_eq!(
            kept.keys().collect::<Vec<_>>(),
            ["user-agent", "x-github-event"]
        );
        let kept = safe_headers("gitlab", &headers);
        assert_eq!(
            kept.keys().collect::<Vec<_>>(),
            ["user-agent", "x-gitlab-event"]
        );
    }

    #[test]
    fn retention_from_toml_then_env() {
        let mut config: HistoryConfig = toml::from_str("history_retention_days = 3").unwrap();
        assert_eq!(config.retention(), Duration::from_secs(3 * 86_400));
        let env = HashMap::from([(
            "SCM_EVENTS_HISTORY_RETENTION_DAYS".to_owned(),
            "30".to_owned(),
        )]);
        config.apply_env(&env).unwrap();
        assert_eq!(config.history_retention_days, 30);
        let zero = HashMap::from([(
            "SCM_EVENTS_HISTORY_RETENTION_DAYS".to_owned(),
            "0".to_owned(),
        )]);
        assert!(config.apply_env(&zero).is_err());
        assert_eq!(HistoryConfig::default().history_retention_days, 14);
    }
}
