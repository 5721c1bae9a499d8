//! A worker with one typed listener: GitHub's own example `check_run`
//! deliveries are verified and parsed by the provider's webhook receiver,
//! queued durably, and handed to a listener as `CheckRunEvent`s.
//!
//! ```sh
//! cargo run --example listener
//! ```
//!
//! `scm serve` does the receiving part at `POST /webhooks/{provider}`; here
//! it happens in-process so the example needs nothing but the payloads
//! (`@octokit/webhooks-examples`, installed by `.ci/run`). The queue is
//! SQLite in a temporary directory.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use scm_core::events::{CheckRunEvent, ReceivedWebhook};
use scm_core::Secret;
use scm_stream::{
    EventQueue, ListenerError, ListenerRegistry, ListenerSpec, SqliteConfig, SqliteQueue,
    StartFrom, TypedEvent, Worker, WorkerConfig,
};
use tokio::sync::mpsc;

/// Delivers every example `check_run` payload to a typed listener and
/// returns one line per event it handled, in delivery order.
pub async fn run() -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let queue: Arc<dyn EventQueue> =
        Arc::new(SqliteQueue::open(SqliteConfig::new(dir.path().join("events.db"))).await?);

    // The listener: subscribed by its event type, handed the typed event
    // beside the envelope. Delivery is at least once, so real side effects
    // are keyed on `envelope.delivery_id`.
    let (handled, mut received) = mpsc::unbounded_channel();
    let mut listeners = ListenerRegistry::new();
    listeners.register_for(
        ListenerSpec::new("ci-status", &[CheckRunEvent::EVENT_TYPE]).start(StartFrom::All),
        move |event: CheckRunEvent, envelope| {
            let handled = handled.clone();
            async move {
                let line = format!(
                    "{} {} `{}` ({:?})",
                    envelope.delivery_id,
                    event.action.as_str(),
                    event.check_run.name,
                    event.check_run.status,
                );
                handled
                    .send(line)
                    .map_err(|_| ListenerError::new("the example stopped listening"))
            }
        },
    )?;

    // Verified, parsed and queued, as `POST /webhooks/github` would.
    let secret = "example-webhook-secret";
    let receiver = scm_providers::require("github")?
        .webhooks()
        .ok_or("the provider receives no webhooks")?;
    let deliveries = scm_testkit::webhooks::examples_for("check_run");
    for example in &deliveries {
        let headers = example.delivery_headers(secret.as_bytes());
        let body = Bytes::clone(&example.payload_bytes);
        match receiver.receive(&[Secret::new(secret)], &headers, body)? {
            ReceivedWebhook::Event(envelope) => {
                queue.enqueue(&envelope).await?;
            }
            ReceivedWebhook::Unsupported { event, .. } => {
                return Err(format!("`{event}` has no neutral event").into())
            }
        }
    }

    // The worker runs until every delivery was handled.
    let worker = Worker::new(queue, listeners, WorkerConfig::default());
    let expected = deliveries.len();
    let mut lines = Vec::new();
    let all_handled = async {
        while lines.len() < expected {
            match tokio::time::timeout(Duration::from_secs(30), received.recv()).await {
                Ok(Some(line)) => lines.push(line),
                _ => break,
            }
        }
    };
    worker.run(all_handled).await?;
    for line in &lines {
        println!("{line}");
    }
    Ok(lines)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().await.map(drop)
}
