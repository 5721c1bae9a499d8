//! The queue for several machines: NATS JetStream.
//!
//! - One stream holds the events, on subjects `<prefix>.events.<type>`;
//!   JetStream's duplicate window (`Nats-Msg-Id` = the dedupe key) drops
//!   re-sent deliveries, and a publish returns only after the stream
//!   stored the message.
//! - Each listener is a durable pull consumer with explicit ack, a
//!   `backoff` schedule for redelivery after an expired lease, and
//!   `max_deliver` one above the listener's attempt limit: that spare
//!   delivery is how a delivery whose every lease expired (the worker
//!   crashed each time) still reaches the dead-letter store instead of
//!   silently stopping.
//! - Dead letters are messages in a second stream (`<stream>_DEAD`,
//!   subjects `<prefix>.dead.<listener>`) holding the envelope and, in
//!   headers, the listener, attempts and reason. A replay republishes the
//!   envelope on `<prefix>.events.<type>.replay.<listener>`, which only
//!   that listener accepts, then deletes the dead letter.
//!
//! - Accepted delivery ids are also marked in a third stream
//!   (`<stream>_ACCEPTED`, one empty message per subject
//!   `<prefix>.accepted.<sha-256 of the dedupe key>`, kept as long as the
//!   events), so [`EventQueue::accepted`] can answer by subject lookup.
//!
//! Consumers filter on `<prefix>.events.>` and skip other types on the
//! client, because a consumer with several filter subjects needs NATS
//! 2.10 and Debian ships 2.9.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_nats::jetstream::{self, consumer, stream, AckKind};
use async_nats::HeaderMap;
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use scm_core::events::{EventEnvelope, EventType};
use serde::{Deserialize, Serialize};

use crate::error::QueueError;
use crate::handle::{Handle, NatsHandle};
use crate::metrics;
use crate::queue::{
    DeadLetter, Delivery, EnqueueOutcome, EventQueue, ListenerSubscription, NackOutcome, StartFrom,
};

const BACKEND: &str = "nats";

/// Settings of a [`JetStreamQueue`].
#[derive(Debug, Clone)]
pub struct JetStreamConfig {
    /// e.g. `nats://127.0.0.1:4222`.
    pub url: String,
    /// Name of the events stream; dead letters go to `<stream>_DEAD`.
    pub stream: String,
    /// First subject token (`scm` → `scm.events.pull_request`).
    pub subject_prefix: String,
    /// How long a delivery id is remembered for deduplication. JetStream
    /// keeps the ids in memory, so this bounds memory, not disk.
    pub duplicate_window: Duration,
    /// How long events are kept (delivered or not).
    pub max_age: Duration,
}

impl JetStreamConfig {
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            stream: "SCM_EVENTS".to_owned(),
            subject_prefix: "scm".to_owned(),
            duplicate_window: Duration::from_secs(24 * 3600),
            max_age: Duration::from_secs(7 * 24 * 3600),
        }
    }
}

/// The NATS JetStream [`EventQueue`].
pub struct JetStreamQueue {
    js: jetstream::Context,
    events: stream::Stream,
    dead: stream::Stream,
    accepted: stream::Stream,
    config: JetStreamConfig,
    consumers: Mutex<HashMap<String, Arc<ListenerConsumer>>>,
}

struct ListenerConsumer {
    consumer: consumer::PullConsumer,
    event_types: Vec<EventType>,
    max_attempts: u32,
    lease: Duration,
}

/// What we keep in the consumer's description, so any process can serve a
/// listener without having subscribed it itself.
#[derive(Serialize, Deserialize)]
struct ConsumerMeta {
    event_types: Vec<EventType>,
    max_attempts: u32,
}

const H_LISTENER: &str = "Scm-Listener";
const H_ATTEMPTS: &str = "Scm-Attempts";
const H_REASON: &str = "Scm-Reason";
const H_FAILED_AT: &str = "Scm-Failed-At";
const H_PROVIDER: &str = "Scm-Provider";
const H_DELIVERY_ID: &str = "Scm-Delivery-Id";
const H_EVENT_TYPE: &str = "Scm-Event-Type";
const MSG_ID: &str = "Nats-Msg-Id";

fn header(headers: Option<&HeaderMap>, name: &str) -> String {
    headers
        .and_then(|h| h.get(name))
        .map(|v| v.as_str().to_owned())
        .unwrap_or_default()
}

/// Header values cannot hold line breaks; reasons are for humans anyway.
fn header_safe(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(500)
        .collect()
}

fn to_chrono(time: time::OffsetDateTime) -> DateTime<Utc> {
    let nanos = time.unix_timestamp_nanos();
    DateTime::from_timestamp_nanos(i64::try_from(nanos).unwrap_or_default())
}

impl JetStreamQueue {
    /// Connects and creates the two streams if they do not exist.
    pub async fn connect(config: JetStreamConfig) -> Result<Self, QueueError> {
        let client = async_nats::connect(&config.url)
            .await
            .map_err(QueueError::nats)?;
        let js = jetstream::new(client);
        let events = js
            .get_or_create_stream(stream::Config {
                name: config.stream.clone(),
                subjects: vec![format!("{}.events.>", config.subject_prefix)],
                retention: stream::RetentionPolicy::Limits,
                storage: stream::StorageType::File,
                max_age: config.max_age,
                duplicate_window: config.duplicate_window,
                ..Default::default()
            })
            .await
            .map_err(QueueError::nats)?;
        let dead = js
            .get_or_create_stream(stream::Config {
                name: format!("{}_DEAD", config.stream),
                subjects: vec![format!("{}.dead.>", config.subject_prefix)],
                retention: stream::RetentionPolicy::Limits,
                storage: stream::StorageType::File,
                duplicate_window: Duration::from_secs(600),
                ..Default::default()
            })
            .await
            .map_err(QueueError::nats)?;
        let accepted = js
            .get_or_create_stream(stream::Config {
                name: format!("{}_ACCEPTED", config.stream),
                subjects: vec![format!("{}.accepted.>", config.subject_prefix)],
                retention: stream::RetentionPolicy::Limits,
                storage: stream::StorageType::File,
                max_age: config.max_age,
                max_messages_per_subject: 1,
                ..Default::default()
            })
            .await
            .map_err(QueueError::nats)?;
        Ok(Self {
            js,
            events,
            dead,
            accepted,
            config,
            consumers: Mutex::new(HashMap::new()),
        })
    }

    /// Deletes both streams and everything in them (tests, teardown).
    pub async fn destroy(self) -> Result<(), QueueError> {
        for name in [
            self.config.stream.clone(),
            format!("{}_DEAD", self.config.stream),
            format!("{}_ACCEPTED", self.config.stream),
        ] {
            self.js
                .delete_stream(&name)
                .await
                .map_err(QueueError::nats)?;
        }
        Ok(())
    }

    fn event_subject(&self, event_type: EventType) -> String {
        format!("{}.events.{}", self.config.subject_prefix, event_type)
    }

    /// The marker subject of one accepted delivery: a digest, since
    /// delivery ids may hold characters a subject cannot.
    fn accepted_subject(&self, provider: &str, delivery_id: &str) -> String {
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(format!("{provider}:{delivery_id}").as_bytes());
        format!(
            "{}.accepted.{}",
            self.config.subject_prefix,
            hex::encode(digest)
        )
    }

    /// Marks an envelope accepted (also after a duplicate, which repairs a
    /// mark lost to a crash). A failure only costs a redundant redelivery
    /// later, which deduplication drops, so it is logged, not returned.
    async fn mark_accepted(&self, envelope: &EventEnvelope) {
        let subject = self.accepted_subject(&envelope.provider, &envelope.delivery_id);
        let marked = async {
            self.js
                .publish(subject, Bytes::new())
                .await
                .map_err(QueueError::nats)?
                .await
                .map_err(QueueError::nats)
        }
        .await;
        if let Err(err) = marked {
            tracing::warn!(error = %err, "could not mark a delivery id as accepted");
        }
    }

    fn dead_subject(&self, listener: &str) -> String {
        format!("{}.dead.{listener}", self.config.subject_prefix)
    }

    async fn listener(&self, name: &str) -> Result<Arc<ListenerConsumer>, QueueError> {
        if let Some(found) = self.consumers.lock().expect("not poisoned").get(name) {
            return Ok(found.clone());
        }
        let consumer: consumer::PullConsumer = self
            .events
            .get_consumer(name)
            .await
            .map_err(|_| QueueError::UnknownListener(name.to_owned()))?;
        let meta: ConsumerMeta = consumer
            .cached_info()
            .config
            .description
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok())
            .ok_or_else(|| {
                QueueError::nats(format!("consumer `{name}` was not created by scm-stream"))
            })?;
        let lease = consumer.cached_info().config.ack_wait;
        let entry = Arc::new(ListenerConsumer {
            consumer,
            event_types: meta.event_types,
            max_attempts: meta.max_attempts,
            lease,
        });
        self.consumers
            .lock()
            .expect("not poisoned")
            .insert(name.to_owned(), entry.clone());
        Ok(entry)
    }

    /// Whether a message on `subject` is for this listener: an event of
    /// one of its types, or a replay addressed to it.
    fn wants(&self, entry: &ListenerConsumer, listener: &str, subject: &str) -> bool {
        let prefix = format!("{}.events.", self.config.subject_prefix);
        let Some(rest) = subject.strip_prefix(&prefix) else {
            return false;
        };
        let mut tokens = rest.split('.');
        let event_type = tokens.next().unwrap_or_default();
        match (tokens.next(), tokens.next(), tokens.next()) {
            (None, _, _) => entry.event_types.iter().any(|t| t.as_str() == event_type),
            (Some("replay"), Some(target), None) => target == listener,
            _ => false,
        }
    }

    async fn record_dead_letter(
        &self,
        listener: &str,
        message: &jetstream::Message,
        stream_sequence: u64,
        attempts: u32,
        reason: &str,
    ) -> Result<(), QueueError> {
        let envelope = EventEnvelope::from_json(&message.payload).ok();
        let mut headers = HeaderMap::new();
        headers.insert(MSG_ID, format!("{listener}:{stream_sequence}").as_str());
        headers.insert(H_LISTENER, listener);
        headers.insert(H_ATTEMPTS, attempts.to_string().as_str());
        headers.insert(H_REASON, header_safe(reason).as_str());
        headers.insert(H_FAILED_AT, Utc::now().to_rfc3339().as_str());
        if let Some(envelope) = &envelope {
            headers.insert(H_PROVIDER, header_safe(&envelope.provider).as_str());
            headers.insert(H_DELIVERY_ID, header_safe(&envelope.delivery_id).as_str());
            headers.insert(H_EVENT_TYPE, envelope.event_type().as_str());
        }
        self.js
            .publish_with_headers(
                self.dead_subject(listener),
                headers,
                message.payload.clone(),
            )
            .await
            .map_err(QueueError::nats)?
            .await
            .map_err(QueueError::nats)?;
        message
            .double_ack_with(AckKind::Term)
            .await
            .map_err(QueueError::nats)
    }
}

/// `Some(id)` when the marker subject of delivery `id` holds a message.
async fn is_marked(
    accepted: &stream::Stream,
    id: String,
    subject: String,
) -> Result<Option<String>, QueueError> {
    use async_nats::jetstream::stream::LastRawMessageErrorKind;
    match accepted.get_last_raw_message_by_subject(&subject).await {
        Ok(_) => Ok(Some(id)),
        Err(err) if err.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(None),
        Err(err) => Err(QueueError::nats(err)),
    }
}

/// The consumer's redelivery schedule after lost leases: the n-th
/// delivery may run for `backoff[n-1]` before JetStream hands it out
/// again. It grows gently (lease, 1.25×, 1.5×, … up to 2× the lease): a
/// listener that keeps crashing its worker is retried less eagerly, while
/// explicit retries stay close to the worker's own [`RetryPolicy`].
///
/// [`RetryPolicy`]: crate::RetryPolicy
fn backoff(lease: Duration, attempts: u32) -> Vec<Duration> {
    (0..attempts.min(16))
        .map(|i| backoff_at(lease, i))
        .collect()
}

fn backoff_at(lease: Duration, index: u32) -> Duration {
    lease + lease.mul_f64(f64::from(index.min(4)) / 4.0)
}

/// The delay to put in a `-NAK` so the delivery comes back after
/// `retry_after`. JetStream (2.9) schedules a delayed NAK of the n-th
/// delivery at `delay + backoff[n-1] - ack_wait` (measured against the
/// server on this machine), so the growth of the schedule is taken off
/// here; a retry cannot come sooner than that growth.
fn nak_delay(lease: Duration, attempt: u32, retry_after: Duration) -> Duration {
    let growth = backoff_at(lease, attempt.saturating_sub(1)) - lease;
    retry_after
        .saturating_sub(growth)
        .max(Duration::from_millis(1))
}

fn nats_handle(delivery: &Delivery) -> Result<&NatsHandle, QueueError> {
    match &delivery.handle {
        Handle::Nats(handle) => Ok(handle),
        _ => Err(QueueError::nats(
            "delivery was reserved from another backend",
        )),
    }
}

#[async_trait]
impl EventQueue for JetStreamQueue {
    fn backend(&self) -> &'static str {
        BACKEND
    }

    async fn enqueue(&self, envelope: &EventEnvelope) -> Result<EnqueueOutcome, QueueError> {
        let mut headers = HeaderMap::new();
        headers.insert(MSG_ID, envelope.dedupe_key().as_str());
        let published = async {
            self.js
                .publish_with_headers(
                    self.event_subject(envelope.event_type()),
                    headers,
                    Bytes::from(envelope.to_json()),
                )
                .await
                .map_err(QueueError::nats)?
                .await
                .map_err(QueueError::nats)
        }
        .await;
        let result = published.map(|ack| {
            if ack.duplicate {
                EnqueueOutcome::Duplicate
            } else {
                EnqueueOutcome::Accepted
            }
        });
        if result.is_ok() {
            self.mark_accepted(envelope).await;
        }
        metrics::produced(BACKEND, &envelope.provider, &result);
        result
    }

    async fn accepted(
        &self,
        provider: &str,
        delivery_ids: &[String],
    ) -> Result<std::collections::HashSet<String>, QueueError> {
        let lookups: Vec<(String, String)> = delivery_ids
            .iter()
            .map(|id| (id.clone(), self.accepted_subject(provider, id)))
            .collect();
        let found: Vec<Option<String>> = futures::stream::iter(lookups)
            .map(|(id, subject)| is_marked(&self.accepted, id, subject))
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        Ok(found.into_iter().flatten().collect())
    }

    async fn subscribe(&self, subscription: &ListenerSubscription) -> Result<(), QueueError> {
        subscription.validate()?;
        let existing = self
            .events
            .get_consumer::<consumer::pull::Config>(&subscription.name)
            .await
            .ok();
        let deliver_policy = match (&existing, subscription.start) {
            (Some(found), _) => found.cached_info().config.deliver_policy,
            (None, StartFrom::New) => consumer::DeliverPolicy::New,
            (None, StartFrom::All) => consumer::DeliverPolicy::All,
        };
        let meta = ConsumerMeta {
            event_types: subscription.event_types.clone(),
            max_attempts: subscription.max_attempts,
        };
        let consumer = self
            .events
            .create_consumer(consumer::pull::Config {
                durable_name: Some(subscription.name.clone()),
                description: Some(serde_json::to_string(&meta).expect("serializes")),
                deliver_policy,
                ack_policy: consumer::AckPolicy::Explicit,
                ack_wait: subscription.lease,
                max_deliver: i64::from(subscription.max_attempts) + 1,
                backoff: backoff(subscription.lease, subscription.max_attempts),
                filter_subject: format!("{}.events.>", self.config.subject_prefix),
                max_ack_pending: 10_000,
                ..Default::default()
            })
            .await
            .map_err(QueueError::nats)?;
        self.consumers.lock().expect("not poisoned").insert(
            subscription.name.clone(),
            Arc::new(ListenerConsumer {
                consumer,
                event_types: meta.event_types,
                max_attempts: meta.max_attempts,
                lease: subscription.lease,
            }),
        );
        Ok(())
    }

    async fn unsubscribe(&self, listener: &str) -> Result<(), QueueError> {
        self.consumers
            .lock()
            .expect("not poisoned")
            .remove(listener);
        self.events
            .delete_consumer(listener)
            .await
            .map_err(QueueError::nats)?;
        self.dead
            .purge()
            .filter(self.dead_subject(listener))
            .await
            .map_err(QueueError::nats)?;
        Ok(())
    }

    async fn reserve(
        &self,
        listener: &str,
        max: usize,
        wait: Duration,
    ) -> Result<Vec<Delivery>, QueueError> {
        let entry = self.listener(listener).await?;
        let deadline = tokio::time::Instant::now() + wait;
        let mut deliveries = Vec::new();
        loop {
            // Take what is there; if nothing is, wait for one message.
            let mut messages: Vec<jetstream::Message> = Vec::new();
            let mut batch = entry
                .consumer
                .fetch()
                .max_messages(max.max(1))
                .messages()
                .await
                .map_err(QueueError::nats)?;
            while let Some(message) = batch.next().await {
                messages.push(message.map_err(QueueError::nats)?);
            }
            let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
            if messages.is_empty() && remaining >= Duration::from_millis(10) {
                let mut batch = entry
                    .consumer
                    .batch()
                    .max_messages(1)
                    .expires(remaining)
                    .messages()
                    .await
                    .map_err(QueueError::nats)?;
                while let Some(message) = batch.next().await {
                    messages.push(message.map_err(QueueError::nats)?);
                }
            }

            for message in messages {
                if !self.wants(&entry, listener, message.subject.as_str()) {
                    message.ack().await.map_err(QueueError::nats)?;
                    continue;
                }
                let (stream_sequence, delivered, published) = {
                    let info = message.info().map_err(QueueError::nats)?;
                    (info.stream_sequence, info.delivered, info.published)
                };
                let attempt = u32::try_from(delivered).unwrap_or(u32::MAX);
                if attempt > entry.max_attempts {
                    self.record_dead_letter(
                        listener,
                        &message,
                        stream_sequence,
                        entry.max_attempts,
                        "lease expired on every attempt",
                    )
                    .await?;
                    continue;
                }
                match EventEnvelope::from_json(&message.payload) {
                    Ok(envelope) => deliveries.push(Delivery {
                        listener: listener.to_owned(),
                        attempt,
                        max_attempts: entry.max_attempts,
                        enqueued_at: to_chrono(published),
                        size: message.payload.len(),
                        envelope: Arc::new(envelope),
                        handle: Handle::Nats(Box::new(NatsHandle {
                            message,
                            stream_sequence,
                        })),
                    }),
                    Err(err) => {
                        tracing::error!(listener, stream_sequence, error = %err, "undecodable queued envelope");
                        self.record_dead_letter(
                            listener,
                            &message,
                            stream_sequence,
                            attempt,
                            &format!("undecodable envelope: {err}"),
                        )
                        .await?;
                    }
                }
            }
            if !deliveries.is_empty() || tokio::time::Instant::now() >= deadline {
                return Ok(deliveries);
            }
        }
    }

    async fn ack(&self, delivery: &Delivery) -> Result<(), QueueError> {
        nats_handle(delivery)?
            .message
            .double_ack()
            .await
            .map_err(QueueError::nats)
    }

    async fn nack(
        &self,
        delivery: &Delivery,
        retry_after: Duration,
        reason: &str,
    ) -> Result<NackOutcome, QueueError> {
        let handle = nats_handle(delivery)?;
        if delivery.is_last_attempt() {
            self.record_dead_letter(
                &delivery.listener,
                &handle.message,
                handle.stream_sequence,
                delivery.attempt,
                reason,
            )
            .await?;
            return Ok(NackOutcome::DeadLettered);
        }
        let lease = self.listener(&delivery.listener).await?.lease;
        handle
            .message
            .ack_with(AckKind::Nak(Some(nak_delay(
                lease,
                delivery.attempt,
                retry_after,
            ))))
            .await
            .map_err(QueueError::nats)?;
        Ok(NackOutcome::Retrying)
    }

    async fn dead_letters(&self, listener: Option<&str>) -> Result<Vec<DeadLetter>, QueueError> {
        let info = self.dead.get_info().await.map_err(QueueError::nats)?;
        let (first, last) = (info.state.first_sequence, info.state.last_sequence);
        let mut out = Vec::new();
        if info.state.messages == 0 {
            return Ok(out);
        }
        for sequence in first..=last {
            let message = match self.dead.get_raw_message(sequence).await {
                Ok(message) => message,
                Err(err) if matches!(err.kind(), stream::RawMessageErrorKind::NoMessageFound) => {
                    continue
                }
                Err(err) => return Err(QueueError::nats(err)),
            };
            let headers = Some(&message.headers);
            let owner = header(headers, H_LISTENER);
            if listener.is_some_and(|l| l != owner) {
                continue;
            }
            out.push(DeadLetter {
                id: message.sequence,
                listener: owner,
                provider: header(headers, H_PROVIDER),
                delivery_id: header(headers, H_DELIVERY_ID),
                event_type: header(headers, H_EVENT_TYPE),
                attempts: header(headers, H_ATTEMPTS).parse().unwrap_or_default(),
                reason: header(headers, H_REASON),
                failed_at: DateTime::parse_from_rfc3339(&header(headers, H_FAILED_AT))
                    .map(|t| t.with_timezone(&Utc))
                    .unwrap_or_else(|_| to_chrono(message.time)),
            });
        }
        Ok(out)
    }

    async fn redeliver(
        &self,
        envelope: &EventEnvelope,
        listener: &str,
    ) -> Result<bool, QueueError> {
        // Fails for a listener that was never subscribed.
        self.listener(listener).await?;
        let mut headers = HeaderMap::new();
        let nonce = Utc::now().timestamp_nanos_opt().unwrap_or_default();
        headers.insert(
            MSG_ID,
            format!("redeliver:{listener}:{nonce}:{}", envelope.dedupe_key()).as_str(),
        );
        self.js
            .publish_with_headers(
                format!(
                    "{}.replay.{listener}",
                    self.event_subject(envelope.event_type())
                ),
                headers,
                Bytes::from(envelope.to_json()),
            )
            .await
            .map_err(QueueError::nats)?
            .await
            .map_err(QueueError::nats)?;
        Ok(true)
    }

    async fn replay(&self, id: u64) -> Result<bool, QueueError> {
        let message = match self.dead.get_raw_message(id).await {
            Ok(message) => message,
            Err(err) if matches!(err.kind(), stream::RawMessageErrorKind::NoMessageFound) => {
                return Ok(false)
            }
            Err(err) => return Err(QueueError::nats(err)),
        };
        let listener = header(Some(&message.headers), H_LISTENER);
        let event_type = match EventEnvelope::from_json(&message.payload) {
            Ok(envelope) => envelope.event_type(),
            Err(err) => {
                return Err(QueueError::nats(format!(
                    "dead letter {id} holds an undecodable envelope: {err}"
                )))
            }
        };
        let mut headers = HeaderMap::new();
        headers.insert(
            MSG_ID,
            format!("replay:{}:{id}", self.config.stream).as_str(),
        );
        self.js
            .publish_with_headers(
                format!("{}.replay.{listener}", self.event_subject(event_type)),
                headers,
                message.payload.clone(),
            )
            .await
            .map_err(QueueError::nats)?
            .await
            .map_err(QueueError::nats)?;
        self.dead
            .delete_message(id)
            .await
            .map_err(QueueError::nats)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nak_delays_compensate_the_backoff_growth() {
        let lease = Duration::from_secs(4);
        assert_eq!(
            backoff(lease, 6),
            [4.0, 5.0, 6.0, 7.0, 8.0, 8.0].map(Duration::from_secs_f64)
        );
        let ms = Duration::from_millis;
        assert_eq!(nak_delay(lease, 1, ms(300)), ms(300));
        assert_eq!(nak_delay(lease, 2, ms(3000)), ms(2000));
        assert_eq!(nak_delay(lease, 3, ms(300)), ms(1));
    }
}
