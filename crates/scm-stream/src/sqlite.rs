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
//! Throughput comes from group commit: every write of the hot path
//! (`enqueue`, `reserve`'s leases, `ack`, `nack`) goes through one writer
//! task on one connection, which commits everything waiting in one
//! transaction. The fsync cost is shared by the batch, writers of the same
//! process never wait on each other's SQLite lock, and every caller still
//! returns only after its change is committed (with `synchronous = FULL`,
//! fsync'd): an accepted enqueue is durable before `enqueue` returns, and
//! an ack is too. A crash between a lease and its ack only redelivers the
//! event (at least once), never loses it.
//!
//! A worker in the same process as the ingress is woken as soon as an
//! enqueue commits; work written by another process is found by polling
//! (`poll_interval`). WAL checkpoints run on a background task instead of
//! inside the writer's commits, so a checkpoint's fsyncs do not stall
//! enqueues.

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
use crate::handle::Handle;
use crate::metrics;
use crate::queue::{
    DeadLetter, Delivery, EnqueueOutcome, EventQueue, ListenerSubscription, NackOutcome, StartFrom,
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
    writer: mpsc::Sender<Op>,
    notify: Arc<Notify>,
    config: SqliteConfig,
}

type Reply<T> = oneshot::Sender<Result<T, QueueError>>;

/// One write for the writer task.
enum Op {
    Enqueue {
        row: EventRow,
        reply: Reply<EnqueueOutcome>,
    },
    Settle {
        id: i64,
        /// `None`: any lease (an undecodable envelope).
        token: Option<i64>,
        settle: Settle,
        reply: Reply<()>,
    },
    Reserve {
        listener: String,
        max: usize,
        reply: Reply<Reserved>,
    },
}

enum Settle {
    Ack,
    Retry { available_at: i64, reason: String },
    Dead { at: i64, reason: String },
}

struct Reserved {
    max_attempts: u32,
    /// (id, lease token, attempt, envelope, enqueued_at)
    leased: Vec<(i64, i64, u32, Vec<u8>, i64)>,
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
        // The writer never checkpoints inside its commits; the task below
        // does it beside them.
        let writer_conn =
            SqliteConnection::connect_with(&options.clone().pragma("wal_autocheckpoint", "0"))
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
        tokio::spawn(checkpoint_loop(pool.clone(), writer.downgrade()));
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

    /// Sends one write to the writer task and waits for its commit.
    async fn write<T>(&self, op: impl FnOnce(Reply<T>) -> Op) -> Result<T, QueueError> {
        let (reply, answer) = oneshot::channel();
        if self.writer.send(op(reply)).await.is_err() {
            return Err(QueueError::Closed);
        }
        answer.await.unwrap_or(Err(QueueError::Closed))
    }

    async fn settle(&self, id: i64, token: Option<i64>, settle: Settle) -> Result<(), QueueError> {
        self.write(|reply| Op::Settle {
            id,
            token,
            settle,
            reply,
        })
        .await
    }

    /// One reservation pass: fan out new events, lease due deliveries.
    async fn reserve_now(&self, listener: &str, max: usize) -> Result<Vec<Delivery>, QueueError> {
        let Reserved {
            max_attempts,
            leased,
        } = self
            .write(|reply| Op::Reserve {
                listener: listener.to_owned(),
                max,
                reply,
            })
            .await?;
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
                    let reason = format!("undecodable envelope: {err}");
                    self.settle(
                        id,
                        None,
                        Settle::Dead {
                            at: now_micros(),
                            reason,
                        },
                    )
                    .await?;
                }
            }
        }
        Ok(deliveries)
    }
}

/// Checkpoints the WAL once a second (PASSIVE: it never blocks the writer
/// or readers), until the queue is dropped.
async fn checkpoint_loop(pool: SqlitePool, writer: mpsc::WeakSender<Op>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        if writer.upgrade().is_none() || pool.is_closed() {
            return;
        }
        if let Err(err) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            tracing::debug!(error = %err, "event queue checkpoint failed");
        }
    }
}

async fn write_loop(
    mut conn: SqliteConnection,
    mut requests: mpsc::Receiver<Op>,
    notify: Arc<Notify>,
    config: SqliteConfig,
) {
    let mut last_prune = Instant::now();
    let mut batch = Vec::with_capacity(config.max_batch);
    while let Some(first) = requests.recv().await {
        batch.push(first);
        while batch.len() < config.max_batch {
            match requests.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        // Enqueues first, then acks and nacks, then reservations, so a
        // reservation sees what the same batch stored and settled.
        batch.sort_by_key(|op| match op {
            Op::Enqueue { .. } => 0,
            Op::Settle { .. } => 1,
            Op::Reserve { .. } => 2,
        });
        match write_batch(&mut conn, &batch).await {
            Ok(results) => {
                let mut accepted = false;
                for (op, result) in batch.drain(..).zip(results) {
                    match (op, result) {
                        (Op::Enqueue { reply, .. }, Done::Enqueued(outcome)) => {
                            accepted |= outcome == EnqueueOutcome::Accepted;
                            let _ = reply.send(Ok(outcome));
                        }
                        (Op::Settle { reply, .. }, Done::Settled) => {
                            let _ = reply.send(Ok(()));
                        }
                        (Op::Reserve { reply, .. }, Done::Reserved(reserved)) => {
                            let _ = reply.send(reserved);
                        }
                        _ => unreachable!("results follow the batch"),
                    }
                }
                if accepted {
                    notify.notify_waiters();
                }
            }
            Err(err) => {
                tracing::error!(error = %err, size = batch.len(), "event queue batch commit failed");
                for op in batch.drain(..) {
                    match op {
                        Op::Enqueue { reply, .. } => {
                            let _ = reply.send(Err(QueueError::sqlite(&err)));
                        }
                        Op::Settle { reply, .. } => {
                            let _ = reply.send(Err(QueueError::sqlite(&err)));
                        }
                        Op::Reserve { reply, .. } => {
                            let _ = reply.send(Err(QueueError::sqlite(&err)));
                        }
                    }
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

enum Done {
    Enqueued(EnqueueOutcome),
    Settled,
    Reserved(Result<Reserved, QueueError>),
}

/// Runs a batch in one transaction. An SQL error fails the whole batch
/// (nothing of it is committed); an unknown listener only fails its own
/// reservation.
async fn write_batch(conn: &mut SqliteConnection, batch: &[Op]) -> Result<Vec<Done>, sqlx::Error> {
    let mut tx = conn.begin().await?;
    let accepted = insert_events(&mut tx, batch).await?;
    let mut results = Vec::with_capacity(batch.len());
    let mut first_of_key = std::collections::HashSet::new();
    for op in batch {
        results.push(match op {
            Op::Enqueue { row, .. } => {
                // The first request of a key in the batch is the one
                // inserted; a repeat in the same batch is a duplicate.
                let fresh = first_of_key.insert(row.dedupe_key.as_str())
                    && accepted.contains(&row.dedupe_key);
                Done::Enqueued(if fresh {
                    EnqueueOutcome::Accepted
                } else {
                    EnqueueOutcome::Duplicate
                })
            }
            Op::Settle {
                id, token, settle, ..
            } => {
                match settle {
                    Settle::Ack => {
                        sqlx::query("DELETE FROM scm_deliveries WHERE id = ?1 AND lease_token IS ?2")
                            .bind(id)
                            .bind(token)
                            .execute(&mut *tx)
                            .await?;
                    }
                    Settle::Retry {
                        available_at,
                        reason,
                    } => {
                        sqlx::query(
                            "UPDATE scm_deliveries SET available_at = ?3, last_error = ?4, lease_token = NULL
                             WHERE id = ?1 AND (?2 IS NULL OR lease_token = ?2)",
                        )
                        .bind(id)
                        .bind(token)
                        .bind(available_at)
                        .bind(reason)
                        .execute(&mut *tx)
                        .await?;
                    }
                    Settle::Dead { at, reason } => {
                        sqlx::query(
                            "UPDATE scm_deliveries SET state = 'dead', dead_at = ?3, last_error = ?4,
                             lease_token = NULL WHERE id = ?1 AND (?2 IS NULL OR lease_token = ?2)",
                        )
                        .bind(id)
                        .bind(token)
                        .bind(at)
                        .bind(reason)
                        .execute(&mut *tx)
                        .await?;
                    }
                }
                Done::Settled
            }
            Op::Reserve { listener, max, .. } => {
                Done::Reserved(reserve_in(&mut tx, listener, *max).await?)
            }
        });
    }
    tx.commit().await?;
    Ok(results)
}

/// Rows per multi-row insert: six parameters each, under SQLite's
/// historical limit of 999 parameters per statement.
const INSERT_CHUNK: usize = 128;

/// Inserts the batch's new events with multi-row statements (one round
/// trip to the connection per chunk instead of one per event); returns
/// the dedupe keys actually inserted.
async fn insert_events(
    conn: &mut SqliteConnection,
    batch: &[Op],
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let mut seen = std::collections::HashSet::new();
    let rows: Vec<&EventRow> = batch
        .iter()
        .filter_map(|op| match op {
            Op::Enqueue { row, .. } => Some(row),
            _ => None,
        })
        .filter(|row| seen.insert(row.dedupe_key.as_str()))
        .collect();
    let mut inserted = std::collections::HashSet::with_capacity(rows.len());
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut sql = String::from(
            "INSERT INTO scm_events (dedupe_key, provider, delivery_id, event_type, envelope, enqueued_at) VALUES ",
        );
        for i in 0..chunk.len() {
            sql.push_str(if i == 0 {
                "(?,?,?,?,?,?)"
            } else {
                ",(?,?,?,?,?,?)"
            });
        }
        sql.push_str(" ON CONFLICT (dedupe_key) DO NOTHING RETURNING dedupe_key");
        let mut query = sqlx::query(&sql);
        for row in chunk {
            query = query
                .bind(&row.dedupe_key)
                .bind(&row.provider)
                .bind(&row.delivery_id)
                .bind(row.event_type)
                .bind(&row.envelope)
                .bind(row.enqueued_at);
        }
        for row in query.fetch_all(&mut *conn).await? {
            inserted.insert(row.get::<String, _>(0));
        }
    }
    Ok(inserted)
}

/// Fans out new events to `listener` and leases its due deliveries,
/// inside the writer's transaction.
async fn reserve_in(
    conn: &mut SqliteConnection,
    listener: &str,
    max: usize,
) -> Result<Result<Reserved, QueueError>, sqlx::Error> {
    let Some(row) = sqlx::query(
        "SELECT event_types, cursor, max_attempts, lease_ms FROM scm_listeners WHERE name = ?1",
    )
    .bind(listener)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(Err(QueueError::UnknownListener(listener.to_owned())));
    };
    let event_types: String = row.get(0);
    let cursor: i64 = row.get(1);
    let max_attempts = u32::try_from(row.get::<i64, _>(2)).unwrap_or(1);
    let lease_ms: i64 = row.get(3);

    let last_seq: i64 = sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM scm_events")
        .fetch_one(&mut *conn)
        .await?
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
        .execute(&mut *conn)
        .await?;
        sqlx::query("UPDATE scm_listeners SET cursor = ?2 WHERE name = ?1")
            .bind(listener)
            .bind(last_seq)
            .execute(&mut *conn)
            .await?;
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
    .fetch_all(&mut *conn)
    .await?;

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
            .execute(&mut *conn)
            .await?;
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
        .execute(&mut *conn)
        .await?;
        leased.push((id, token, attempts + 1, row.get(2), row.get::<i64, _>(3)));
    }
    Ok(Ok(Reserved {
        max_attempts,
        leased,
    }))
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
        let result = self.write(|reply| Op::Enqueue { row, reply }).await;
        metrics::produced(BACKEND, &envelope.provider, &result);
        result
    }

    async fn accepted(
        &self,
        provider: &str,
        delivery_ids: &[String],
    ) -> Result<std::collections::HashSet<String>, QueueError> {
        let mut found = std::collections::HashSet::new();
        // The dedupe key is the unique index: look the keys up in chunks
        // well under SQLite's bound-parameter limit.
        for chunk in delivery_ids.chunks(500) {
            let placeholders = vec!["?"; chunk.len()].join(", ");
            let sql =
                format!("SELECT delivery_id FROM scm_events WHERE dedupe_key IN ({placeholders})");
            let mut query = sqlx::query(&sql);
            for id in chunk {
                query = query.bind(format!("{provider}:{id}"));
            }
            let rows = query
                .fetch_all(&self.pool)
                .await
                .map_err(QueueError::sqlite)?;
            found.extend(rows.into_iter().map(|row| row.get::<String, _>(0)));
        }
        Ok(found)
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
        self.settle(id, Some(token), Settle::Ack).await
    }

    async fn nack(
        &self,
        delivery: &Delivery,
        retry_after: Duration,
        reason: &str,
    ) -> Result<NackOutcome, QueueError> {
        let (id, token) = sqlite_handle(delivery)?;
        let now = now_micros();
        let reason = reason.to_owned();
        if delivery.is_last_attempt() {
            self.settle(id, Some(token), Settle::Dead { at: now, reason })
                .await?;
            return Ok(NackOutcome::DeadLettered);
        }
        self.settle(
            id,
            Some(token),
            Settle::Retry {
                available_at: now + micros(retry_after),
                reason,
            },
        )
        .await?;
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

    async fn redeliver(
        &self,
        envelope: &EventEnvelope,
        listener: &str,
    ) -> Result<bool, QueueError> {
        let mut tx = self.pool.begin().await.map_err(QueueError::sqlite)?;
        let subscribed = sqlx::query("SELECT 1 FROM scm_listeners WHERE name = ?1")
            .bind(listener)
            .fetch_optional(&mut *tx)
            .await
            .map_err(QueueError::sqlite)?;
        if subscribed.is_none() {
            return Err(QueueError::UnknownListener(listener.to_owned()));
        }
        let Some(seq) = sqlx::query("SELECT seq FROM scm_events WHERE dedupe_key = ?1")
            .bind(envelope.dedupe_key())
            .fetch_optional(&mut *tx)
            .await
            .map_err(QueueError::sqlite)?
            .map(|row| row.get::<i64, _>(0))
        else {
            return Ok(false);
        };
        // A fresh ready delivery of that event to that listener only (a
        // lease in flight is superseded: its ack no longer matches).
        sqlx::query(
            "INSERT INTO scm_deliveries (listener, event_seq, attempts, state, available_at)
             VALUES (?1, ?2, 0, 'ready', ?3)
             ON CONFLICT (listener, event_seq) DO UPDATE SET state = 'ready', attempts = 0,
                 available_at = ?3, lease_token = NULL, last_error = NULL, dead_at = NULL",
        )
        .bind(listener)
        .bind(seq)
        .bind(now_micros())
        .execute(&mut *tx)
        .await
        .map_err(QueueError::sqlite)?;
        tx.commit().await.map_err(QueueError::sqlite)?;
        self.notify.notify_waiters();
        Ok(true)
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
