//! The embedded default queue: one SQLite file in WAL mode.
//!
//! Why SQLite: zero setup, and a committed WAL transaction survives
//! `kill -9` of the process (and, with `synchronous = FULL`, power loss).
//! Several processes (the server and workers) can share the file.
//!
//! Layout: `scm_events` holds each accepted envelope once (the unique
//! `dedupe_key` is the deduplication); `scm_listeners` holds each
//! subscription with a cursor into `scm_events`; `scm_deliveries` holds one
//! row per (event, listener) that is pending, leased or dead. Deliveries
//! are created lazily when a listener reserves (fan-out by cursor), so an
//! enqueue is a single insert whatever the number of listeners.
//!
//! Throughput comes from group commit: concurrent `enqueue` calls go
//! through one writer task that commits everything waiting in one
//! transaction, so the fsync cost is shared by the batch while every
//! caller still returns only after its row is committed.

use std::path::PathBuf;
use std::pin::pin;
use std::str::FromStr as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use scm_core::events::EventEnvelope;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Connection as _, Row as _, SqliteConnection};
use tokio::sync::{mpsc, oneshot, Notify};

use crate::error::QueueError;
use crate::metrics;
use crate::queue::{
    DeadLetter, Delivery, EnqueueOutcome, EventQueue, Handle, ListenerSubscription, NackOutcome,
    StartFrom,
};

const BACKEND: &str = "sqlite";

/// Settings of a [`SqliteQueue`].
#[derive(Debug, Clone)]
pub struct SqliteConfig {
    /// The database file; created if missing.
    pub path: PathBuf,
    /// `synchronous = FULL` (survives power loss) instead of `NORMAL`
    /// (survives a process crash). Default `true`.
    pub fsync: bool,
    /// Most enqueues committed in one transaction.
    pub max_batch: usize,
    /// How often `reserve` looks for work written by another process
    /// (work enqueued through the same queue wakes it at once).
    pub poll_interval: Duration,
    /// How long to wait for another process's write lock.
    pub busy_timeout: Duration,
    /// How long delivered events (and so their delivery ids, for
    /// deduplication) are kept.
    pub retention: Duration,
}

impl SqliteConfig {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            fsync: true,
            max_batch: 512,
            poll_interval: Duration::from_millis(20),
            busy_timeout: Duration::from_secs(30),
            retention: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// The SQLite-backed [`EventQueue`].
pub struct SqliteQueue {
    pool: SqlitePool,
    writer: mpsc::Sender<EnqueueRequest>,
    notify: Arc<Notify>,
    config: SqliteConfig,
}

struct EnqueueRequest {
    row: EventRow,
    reply: oneshot::Sender<Result<EnqueueOutcome, QueueError>>,
}

struct EventRow {
    dedupe_key: String,
    provider: String,
    delivery_id: String,
    event_type: &'static str,
    envelope: Vec<u8>,
    enqueued_at: i64,
}

const SCHEMA: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS scm_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        dedupe_key TEXT NOT NULL UNIQUE,
        provider TEXT NOT NULL,
        delivery_id TEXT NOT NULL,
        event_type TEXT NOT NULL,
        envelope BLOB NOT NULL,
        enqueued_at INTEGER NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS scm_listeners (
        name TEXT PRIMARY KEY,
        event_types TEXT NOT NULL,
        max_attempts INTEGER NOT NULL,
        lease_ms INTEGER NOT NULL,
        cursor INTEGER NOT NULL
    )",
    "CREATE TABLE IF NOT EXISTS scm_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        listener TEXT NOT NULL,
        event_seq INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        state TEXT NOT NULL,
        available_at INTEGER NOT NULL,
        lease_token INTEGER,
        last_error TEXT,
        dead_at INTEGER,
        UNIQUE (listener, event_seq)
    )",
    "CREATE INDEX IF NOT EXISTS scm_deliveries_due
        ON scm_deliveries (listener, state, available_at)",
    "CREATE INDEX IF NOT EXISTS scm_deliveries_event ON scm_deliveries (event_seq)",
];

fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

fn from_micros(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

impl SqliteQueue {
    /// Opens (creating if needed) the queue file and starts its writer.
    /// Must be called inside a Tokio runtime.
    pub async fn open(config: SqliteConfig) -> Result<Self, QueueError> {
        let options = SqliteConnectOptions::from_str("sqlite://")
            .map_err(QueueError::sqlite)?
            .filename(&config.path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(if config.fsync {
                SqliteSynchronous::Full
            } else {
                SqliteSynchronous::Normal
            })
            .busy_timeout(config.busy_timeout);
        let pool = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.clone())
            .await
            .map_err(QueueError::sqlite)?;
        for statement in SCHEMA {
            sqlx::query(statement)
                .execute(&pool)
                .await
                .map_err(QueueError::sqlite)?;
        }
        let writer_conn = SqliteConnection::connect_with(&options)
            .await
            .map_err(QueueError::sqlite)?;
        let (writer, requests) = mpsc::channel(config.max_batch.max(1) * 4);
        let notify = Arc::new(Notify::new());
        tokio::spawn(write_loop(
            writer_conn,
            requests,
            notify.clone(),
            config.clone(),
        ));
        Ok(Self {
            pool,
            writer,
            notify,
            config,
        })
    }

    /// Deletes events that every listener has finished with and that are
    /// older than `older_than`. Their delivery ids stop being deduplicated.
    /// The writer runs this once a minute with the configured retention.
    pub async fn prune(&self, older_than: Duration) -> Result<u64, QueueError> {
        prune(&self.pool, older_than).await
    }

    /// Number of events held (delivered or not).
    pub async fn event_count(&self) -> Result<i64, QueueError> {
        sqlx::query("SELECT COUNT(*) FROM scm_events")
            .fetch_one(&self.pool)
            .await
            .map(|row| row.get::<i64, _>(0))
            .map_err(QueueError::sqlite)
    }

    /// Closes the pool (the writer stops when the queue is dropped).
    pub async fn close(&self) {
        self.pool.close().await;
    }

    async fn dead_letter_by_id(&self, id: i64, reason: &str) -> Result<(), QueueError> {
        sqlx::query(
            "UPDATE scm_deliveries SET state = 'dead', dead_at = ?2, last_error = ?3,
             lease_token = NULL WHERE id = ?1",
        )
        .bind(id)
        .bind(now_micros())
        .bind(reason)
        .execute(&self.pool)
        .await
        .map_err(QueueError::sqlite)?;
        Ok(())
    }

    /// One reservation pass: fan out new events, lease due deliveries.
    async fn reserve_now(&self, listener: &str, max: usize) -> Result<Vec<Delivery>, QueueError> {
        let mut tx = self
            .pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(QueueError::sqlite)?;
        let row = sqlx::query(
            "SELECT event_types, cursor, max_attempts, lease_ms FROM scm_listeners WHERE name = ?1",
        )
        .bind(listener)
        .fetch_optional(&mut *tx)
        .await
        .map_err(QueueError::sqlite)?
        .ok_or_else(|| QueueError::UnknownListener(listener.to_owned()))?;
        let event_types: String = row.get(0);
        let cursor: i64 = row.get(1);
        let max_attempts = u32::try_from(row.get::<i64, _>(2)).unwrap_or(1);
        let lease_ms: i64 = row.get(3);

        let last_seq: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM scm_events")
            .fetch_one(&mut *tx)
            .await
            .map_err(QueueError::sqlite)?
            .get(0);
        if last_seq > cursor {
            sqlx::query(
                "INSERT OR IGNORE INTO scm_deliveries (listener, event_seq, attempts, state, available_at)
                 SELECT ?1, seq, 0, 'ready', enqueued_at FROM scm_events
                 WHERE seq > ?2 AND seq <= ?3
                   AND event_type IN (SELECT value FROM json_each(?4))",
            )
            .bind(listener)
            .bind(cursor)
            .bind(last_seq)
            .bind(&event_types)
            .execute(&mut *tx)
            .await
            .map_err(QueueError::sqlite)?;
            sqlx::query("UPDATE scm_listeners SET cursor = ?2 WHERE name = ?1")
                .bind(listener)
                .bind(last_seq)
                .execute(&mut *tx)
                .await
                .map_err(QueueError::sqlite)?;
        }

        let now = now_micros();
        let due = sqlx::query(
            "SELECT d.id, d.attempts, e.envelope, e.enqueued_at
             FROM scm_deliveries d JOIN scm_events e ON e.seq = d.event_seq
             WHERE d.listener = ?1 AND d.state = 'ready' AND d.available_at <= ?2
             ORDER BY d.available_at, d.id LIMIT ?3",
        )
        .bind(listener)
        .bind(now)
        .bind(i64::try_from(max).unwrap_or(i64::MAX))
        .fetch_all(&mut *tx)
        .await
        .map_err(QueueError::sqlite)?;

        let mut leased = Vec::with_capacity(due.len());
        for row in due {
            let id: i64 = row.get(0);
            let attempts = u32::try_from(row.get::<i64, _>(1)).unwrap_or(u32::MAX);
            if attempts >= max_attempts {
                // Every attempt ended with an expired lease: the listener
                // crashed its worker or outran the lease each time.
                sqlx::query(
                    "UPDATE scm_deliveries SET state = 'dead', dead_at = ?2, lease_token = NULL,
                     last_error = COALESCE(last_error, 'lease expired on every attempt')
                     WHERE id = ?1",
                )
                .bind(id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(QueueError::sqlite)?;
                continue;
            }
            let token: i64 = rand::random();
            sqlx::query(
                "UPDATE scm_deliveries SET attempts = attempts + 1, available_at = ?2, lease_token = ?3
                 WHERE id = ?1",
            )
            .bind(id)
            .bind(now + lease_ms * 1000)
            .bind(token)
            .execute(&mut *tx)
            .await
            .map_err(QueueError::sqlite)?;
            let bytes: Vec<u8> = row.get(2);
            leased.push((id, token, attempts + 1, bytes, row.get::<i64, _>(3)));
        }
        tx.commit().await.map_err(QueueError::sqlite)?;

        let mut deliveries = Vec::with_capacity(leased.len());
        for (id, lease_token, attempt, bytes, enqueued_at) in leased {
            match EventEnvelope::from_json(&bytes) {
                Ok(envelope) => deliveries.push(Delivery {
                    listener: listener.to_owned(),
                    attempt,
                    max_attempts,
                    enqueued_at: from_micros(enqueued_at),
                    size: bytes.len(),
                    envelope: Arc::new(envelope),
                    handle: Handle::Sqlite { id, lease_token },
                }),
                Err(err) => {
                    tracing::error!(listener, id, error = %err, "undecodable queued envelope");
                    self.dead_letter_by_id(id, &format!("undecodable envelope: {err}"))
                        .await?;
                }
            }
        }
        Ok(deliveries)
    }
}

async fn write_loop(
    mut conn: SqliteConnection,
    mut requests: mpsc::Receiver<EnqueueRequest>,
    notify: Arc<Notify>,
    config: SqliteConfig,
) {
    let mut last_prune = Instant::now();
    let mut batch = Vec::with_capacity(config.max_batch);
    while let Some(first) = requests.recv().await {
        batch.push(first);
        while batch.len() < config.max_batch {
            match requests.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        match write_batch(&mut conn, &batch).await {
            Ok(outcomes) => {
                for (request, outcome) in batch.drain(..).zip(outcomes) {
                    metrics::produce_success(BACKEND, outcome);
                    let _ = request.reply.send(Ok(outcome));
                }
                notify.notify_waiters();
            }
            Err(err) => {
                tracing::error!(error = %err, size = batch.len(), "event queue batch commit failed");
                for request in batch.drain(..) {
                    metrics::produce_failed(BACKEND, "commit_failed");
                    let _ = request.reply.send(Err(QueueError::sqlite(&err)));
                }
            }
        }
        if last_prune.elapsed() > Duration::from_secs(60) {
            last_prune = Instant::now();
            if let Err(err) = prune_conn(&mut conn, config.retention).await {
                tracing::warn!(error = %err, "event queue prune failed");
            }
        }
    }
}

async fn write_batch(
    conn: &mut SqliteConnection,
    batch: &[EnqueueRequest],
) -> Result<Vec<EnqueueOutcome>, sqlx::Error> {
    let mut tx = conn.begin().await?;
    let mut outcomes = Vec::with_capacity(batch.len());
    for request in batch {
        let row = &request.row;
        let inserted = sqlx::query(
            "INSERT INTO scm_events (dedupe_key, provider, delivery_id, event_type, envelope, enqueued_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (dedupe_key) DO NOTHING",
        )
        .bind(&row.dedupe_key)
        .bind(&row.provider)
        .bind(&row.delivery_id)
        .bind(row.event_type)
        .bind(&row.envelope)
        .bind(row.enqueued_at)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        outcomes.push(if inserted == 1 {
            EnqueueOutcome::Accepted
        } else {
            EnqueueOutcome::Duplicate
        });
    }
    tx.commit().await?;
    Ok(outcomes)
}

const PRUNE: &str = "DELETE FROM scm_events
     WHERE enqueued_at < ?1
       AND seq <= COALESCE((SELECT MIN(cursor) FROM scm_listeners), seq)
       AND NOT EXISTS (SELECT 1 FROM scm_deliveries d WHERE d.event_seq = scm_events.seq)";

async fn prune(pool: &SqlitePool, older_than: Duration) -> Result<u64, QueueError> {
    sqlx::query(PRUNE)
        .bind(now_micros() - micros(older_than))
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
        .map_err(QueueError::sqlite)
}

async fn prune_conn(conn: &mut SqliteConnection, older_than: Duration) -> Result<u64, sqlx::Error> {
    sqlx::query(PRUNE)
        .bind(now_micros() - micros(older_than))
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
}

fn sqlite_handle(delivery: &Delivery) -> Result<(i64, i64), QueueError> {
    match &delivery.handle {
        Handle::Sqlite { id, lease_token } => Ok((*id, *lease_token)),
        _ => Err(QueueError::sqlite(
            "delivery was reserved from another backend",
        )),
    }
}

#[async_trait]
impl EventQueue for SqliteQueue {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn enqueue(&self, envelope: &EventEnvelope) -> Result<EnqueueOutcome, QueueError> {
        let row = EventRow {
            dedupe_key: envelope.dedupe_key(),
            provider: envelope.provider.clone(),
            delivery_id: envelope.delivery_id.clone(),
            event_type: envelope.event_type().as_str(),
            envelope: envelope.to_json(),
            enqueued_at: now_micros(),
        };
        let (reply, answer) = oneshot::channel();
        if self
            .writer
            .send(EnqueueRequest { row, reply })
            .await
            .is_err()
        {
            metrics::produce_failed(BACKEND, "closed");
            return Err(QueueError::Closed);
        }
        match answer.await {
            Ok(result) => result,
            Err(_) => {
                metrics::produce_failed(BACKEND, "closed");
                Err(QueueError::Closed)
            }
        }
    }

    async fn subscribe(&self, subscription: &ListenerSubscription) -> Result<(), QueueError> {
        subscription.validate()?;
        let types: Vec<&str> = subscription
            .event_types
            .iter()
            .map(|t| t.as_str())
            .collect();
        let types = serde_json::to_string(&types).expect("strings serialize");
        let start_all = subscription.start == StartFrom::All;
        sqlx::query(
            "INSERT INTO scm_listeners (name, event_types, max_attempts, lease_ms, cursor)
             VALUES (?1, ?2, ?3, ?4,
                     CASE WHEN ?5 THEN 0 ELSE (SELECT COALESCE(MAX(seq), 0) FROM scm_events) END)
             ON CONFLICT (name) DO UPDATE SET event_types = excluded.event_types,
                 max_attempts = excluded.max_attempts, lease_ms = excluded.lease_ms",
        )
        .bind(&subscription.name)
        .bind(types)
        .bind(i64::from(subscription.max_attempts))
        .bind(i64::try_from(subscription.lease.as_millis()).unwrap_or(i64::MAX))
        .bind(start_all)
        .execute(&self.pool)
        .await
        .map_err(QueueError::sqlite)?;
        Ok(())
    }

    async fn unsubscribe(&self, listener: &str) -> Result<(), QueueError> {
        let mut tx = self.pool.begin().await.map_err(QueueError::sqlite)?;
        for statement in [
            "DELETE FROM scm_deliveries WHERE listener = ?1",
            "DELETE FROM scm_listeners WHERE name = ?1",
        ] {
            sqlx::query(statement)
                .bind(listener)
                .execute(&mut *tx)
                .await
                .map_err(QueueError::sqlite)?;
        }
        tx.commit().await.map_err(QueueError::sqlite)
    }

    async fn reserve(
        &self,
        listener: &str,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Delivery>, QueueError> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Register interest before looking, so an enqueue committed
            // between the look and the wait still wakes us.
            let mut notified = pin!(self.notify.notified());
            notified.as_mut().enable();
            let deliveries = self.reserve_now(listener, max.max(1)).await?;
            let now = tokio::time::Instant::now();
            if !deliveries.is_empty() || now >= deadline {
                return Ok(deliveries);
            }
            let nap = self.config.poll_interval.min(deadline - now);
            let _ = tokio::time::timeout(nap, notified).await;
        }
    }

    async fn ack(&self, delivery: &Delivery) -> Result<(), QueueError> {
        let (id, token) = sqlite_handle(delivery)?;
        sqlx::query("DELETE FROM scm_deliveries WHERE id = ?1 AND lease_token = ?2")
            .bind(id)
            .bind(token)
            .execute(&self.pool)
            .await
            .map_err(QueueError::sqlite)?;
        Ok(())
    }

    async fn nack(
        &self,
        delivery: &Delivery,
        retry_after: Duration,
        reason: &str,
    ) -> Result<NackOutcome, QueueError> {
        let (id, token) = sqlite_handle(delivery)?;
        let now = now_micros();
        if delivery.is_last_attempt() {
            sqlx::query(
                "UPDATE scm_deliveries SET state = 'dead', dead_at = ?3, last_error = ?4,
                 lease_token = NULL WHERE id = ?1 AND lease_token = ?2",
            )
            .bind(id)
            .bind(token)
            .bind(now)
            .bind(reason)
            .execute(&self.pool)
            .await
            .map_err(QueueError::sqlite)?;
            return Ok(NackOutcome::DeadLettered);
        }
        sqlx::query(
            "UPDATE scm_deliveries SET available_at = ?3, last_error = ?4, lease_token = NULL
             WHERE id = ?1 AND lease_token = ?2",
        )
        .bind(id)
        .bind(token)
        .bind(now + micros(retry_after))
        .bind(reason)
        .execute(&self.pool)
        .await
        .map_err(QueueError::sqlite)?;
        Ok(NackOutcome::Retrying)
    }

    async fn dead_letters(&self, listener: Option<&str>) -> Result<Vec<DeadLetter>, QueueError> {
        let rows = sqlx::query(
            "SELECT d.id, d.listener, e.provider, e.delivery_id, e.event_type, d.attempts,
                    COALESCE(d.last_error, ''), COALESCE(d.dead_at, 0)
             FROM scm_deliveries d JOIN scm_events e ON e.seq = d.event_seq
             WHERE d.state = 'dead' AND (?1 IS NULL OR d.listener = ?1)
             ORDER BY d.dead_at, d.id",
        )
        .bind(listener)
        .fetch_all(&self.pool)
        .await
        .map_err(QueueError::sqlite)?;
        Ok(rows
            .into_iter()
            .map(|row| DeadLetter {
                id: u64::try_from(row.get::<i64, _>(0)).unwrap_or_default(),
                listener: row.get(1),
                provider: row.get(2),
                delivery_id: row.get(3),
                event_type: row.get(4),
                attempts: u32::try_from(row.get::<i64, _>(5)).unwrap_or_default(),
                reason: row.get(6),
                failed_at: from_micros(row.get(7)),
            })
            .collect())
    }

    async fn replay(&self, id: u64) -> Result<bool, QueueError> {
        let Ok(id) = i64::try_from(id) else {
            return Ok(false);
        };
        let replayed = sqlx::query(
            "UPDATE scm_deliveries SET state = 'ready', attempts = 0, available_at = ?2,
             last_error = NULL, dead_at = NULL, lease_token = NULL
             WHERE id = ?1 AND state = 'dead'",
        )
        .bind(id)
        .bind(now_micros())
        .execute(&self.pool)
        .await
        .map_err(QueueError::sqlite)?
        .rows_affected()
            == 1;
        if replayed {
            self.notify.notify_waiters();
        }
        Ok(replayed)
    }
}
