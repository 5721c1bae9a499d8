//! The worker's seams for the delivery history: a paused listener's
//! deliveries wait in the queue and arrive after it is resumed, and the
//! observer hears about every attempt with its outcome.

mod common;

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use common::{push_envelope, secs, Backend};
use scm_core::events::EventType;
use scm_stream::{
    AttemptReport, DeliveryObserver, ListenerError, ListenerRegistry, ListenerSpec, RunOutcome,
    Worker, WorkerConfig,
};

#[derive(Default)]
struct Seen(Mutex<Vec<(String, String, u32, RunOutcome)>>);

#[async_trait]
impl DeliveryObserver for Seen {
    async fn attempted(&self, report: &AttemptReport<'_>) {
        self.0.lock().unwrap().push((
            report.listener.to_owned(),
            report.envelope.delivery_id.clone(),
            report.attempt,
            report.outcome.clone(),
        ));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paused_listeners_wait_and_attempts_are_observed() {
    let backend = Backend::sqlite();
    let queue = backend.open().await;
    let mut listeners = ListenerRegistry::new();
    listeners
        .register_fn(ListenerSpec::new("held", &[EventType::Push]), |_| async {
            Ok::<(), ListenerError>(())
        })
        .unwrap();
    let seen = Arc::new(Seen::default());
    let worker =
        Worker::new(queue.clone(), listeners, WorkerConfig::default()).with_observer(seen.clone());
    worker.subscribe().await.unwrap();
    queue.enqueue(&push_envelope("p-1")).await.unwrap();

    worker.paused().pause("held");
    assert!(worker
        .poll_once("held", secs(0.2))
        .await
        .unwrap()
        .is_empty());
    assert!(
        seen.0.lock().unwrap().is_empty(),
        "nothing ran while paused"
    );

    worker.paused().replace(Vec::<String>::new());
    let mut outcomes = Vec::new();
    for _ in 0..50 {
        outcomes = worker.poll_once("held", secs(0.2)).await.unwrap();
        if !outcomes.is_empty() {
            break;
        }
    }
    assert_eq!(outcomes, [RunOutcome::Succeeded], "held, not lost");
    assert_eq!(
        *seen.0.lock().unwrap(),
        [(
            "held".to_owned(),
            "p-1".to_owned(),
            1,
            RunOutcome::Succeeded
        )]
    );
    backend.cleanup().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failure_texts_pass_the_redaction_before_they_are_kept_or_observed() {
    let backend = Backend::sqlite();
    let queue = backend.open().await;
    let mut listeners = ListenerRegistry::new();
    listeners
        .register_fn(
            ListenerSpec::new("leaky", &[EventType::Push]).max_attempts(1),
            |_| async {
                Err::<(), ListenerError>(ListenerError::new(
                    "POST https://deploy:hunter2-token@hooks.example/x answered 500",
                ))
            },
        )
        .unwrap();
    let seen = Arc::new(Seen::default());
    let worker = Worker::new(queue.clone(), listeners, WorkerConfig::default())
        .with_observer(seen.clone())
        .with_redaction(Arc::new(|text: &str| {
            text.replace("hunter2-token", "[Filtered]")
        }));
    worker.subscribe().await.unwrap();
    queue.enqueue(&push_envelope("r-1")).await.unwrap();

    let outcomes = worker.poll_once("leaky", secs(2.0)).await.unwrap();
    let [RunOutcome::DeadLettered { reason }] = outcomes.as_slice() else {
        panic!("one dead-lettered run expected, got {outcomes:?}");
    };
    assert!(
        reason.contains("https://deploy:[Filtered]@hooks.example/x"),
        "{reason}"
    );
    let observed = seen.0.lock().unwrap().clone();
    assert!(
        !format!("{observed:?}").contains("hunter2"),
        "the observer got the redacted text: {observed:?}"
    );
    let dead = queue.dead_letters(Some("leaky")).await.unwrap();
    assert!(!format!("{dead:?}").contains("hunter2"), "{dead:?}");
    assert_eq!(dead.len(), 1);
}
