//! One behaviour suite, run against every backend: the embedded SQLite
//! queue and the real NATS JetStream server on 127.0.0.1:4222.

mod common;

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{push_envelope, secs, Backend};
use scm_core::events::{Event, EventType};
use scm_stream::{
    EnqueueOutcome, EventQueue, ListenerError, ListenerRegistry, ListenerSpec,
    ListenerSubscription, NackOutcome, RetryPolicy, RunOutcome, Worker, WorkerConfig,
};

fn subscription(
    name: &str,
    types: &[EventType],
    max_attempts: u32,
    lease: f64,
) -> ListenerSubscription {
    let mut sub = ListenerSubscription::new(name, types);
    sub.max_attempts = max_attempts;
    sub.lease = secs(lease);
    sub
}

fn fast_retry() -> RetryPolicy {
    RetryPolicy {
        initial: Duration::from_millis(20),
        max: Duration::from_millis(100),
        multiplier: 2.0,
        jitter: 0.5,
    }
}

/// Reserves until `count` deliveries arrived or `within` passed.
async fn drain(
    queue: &dyn EventQueue,
    listener: &str,
    count: usize,
    within: f64,
) -> Vec<scm_stream::Delivery> {
    let deadline = tokio::time::Instant::now() + secs(within);
    let mut got = Vec::new();
    while got.len() < count && tokio::time::Instant::now() < deadline {
        let wait = deadline - tokio::time::Instant::now();
        got.extend(
            queue
                .reserve(listener, count - got.len(), wait)
                .await
                .unwrap(),
        );
    }
    got
}

async fn dedupes_by_delivery_id(backend: Backend) {
    let queue = backend.open().await;
    queue
        .subscribe(&subscription("counter", &[EventType::Push], 3, 30.0))
        .await
        .unwrap();
    assert_eq!(
        queue.enqueue(&push_envelope("d-1")).await.unwrap(),
        EnqueueOutcome::Accepted
    );
    assert_eq!(
        queue.enqueue(&push_envelope("d-1")).await.unwrap(),
        EnqueueOutcome::Duplicate
    );

    // Concurrent enqueues, a third of them re-sent deliveries.
    let ids: Vec<String> = (0..60).map(|i| format!("c-{}", i % 40)).collect();
    let outcomes = futures::future::join_all(ids.iter().map(|id| {
        let queue = queue.clone();
        let envelope = push_envelope(id);
        async move { queue.enqueue(&envelope).await.unwrap() }
    }))
    .await;
    let accepted = outcomes
        .iter()
        .filter(|o| **o == EnqueueOutcome::Accepted)
        .count();
    assert_eq!(accepted, 40);
    assert_eq!(outcomes.len() - accepted, 20);

    let deliveries = drain(queue.as_ref(), "counter", 41, 10.0).await;
    let seen: HashSet<String> = deliveries
        .iter()
        .map(|d| d.envelope.delivery_id.clone())
        .collect();
    assert_eq!(deliveries.len(), 41, "each accepted delivery once");
    assert_eq!(seen.len(), 41);
    for delivery in &deliveries {
        assert_eq!(delivery.attempt, 1);
        queue.ack(delivery).await.unwrap();
    }
    assert!(queue
        .reserve("counter", 10, secs(0.3))
        .await
        .unwrap()
        .is_empty());
    backend.cleanup().await;
}

/// Missed-delivery recovery asks which delivery ids were accepted: those
/// enqueued (once or twice) are, others and other providers' are not.
async fn answers_which_deliveries_were_accepted(backend: Backend) {
    let queue = backend.open().await;
    for id in ["a-1", "a-2", "a-2"] {
        queue.enqueue(&push_envelope(id)).await.unwrap();
    }
    let asked: Vec<String> = ["a-1", "a-2", "a-3"].map(String::from).to_vec();
    let found = queue.accepted("github", &asked).await.unwrap();
    assert_eq!(found, HashSet::from(["a-1".to_owned(), "a-2".to_owned()]));
    assert!(queue.accepted("gitlab", &asked).await.unwrap().is_empty());
    assert!(queue.accepted("github", &[]).await.unwrap().is_empty());
    backend.cleanup().await;
}

async fn one_delivery_per_event_and_listener(backend: Backend) {
    let queue = backend.open().await;
    queue
        .subscribe(&subscription("pushes", &[EventType::Push], 3, 30.0))
        .await
        .unwrap();
    queue
        .subscribe(&subscription("everything", &EventType::ALL, 3, 30.0))
        .await
        .unwrap();
    queue
        .subscribe(&subscription("comments", &[EventType::Comment], 3, 30.0))
        .await
        .unwrap();
    let mut installation = push_envelope("i-1");
    installation.event_type_hint = "installation".into();
    installation.event = serde_json::from_value(serde_json::json!({
        "type": "installation", "action": "created",
        "installation": {"id": "1", "app_id": null, "account": null, "repository_selection": null,
                         "permissions": {}, "events": [], "html_url": null, "created_at": null,
                         "suspended_at": null}
    }))
    .unwrap();
    queue.enqueue(&push_envelope("p-1")).await.unwrap();
    queue.enqueue(&installation).await.unwrap();

    let pushes = drain(queue.as_ref(), "pushes", 2, 2.0).await;
    assert_eq!(pushes.len(), 1);
    assert_eq!(pushes[0].envelope.delivery_id, "p-1");
    let everything = drain(queue.as_ref(), "everything", 2, 5.0).await;
    let mut ids: Vec<_> = everything
        .iter()
        .map(|d| d.envelope.delivery_id.as_str())
        .collect();
    ids.sort();
    assert_eq!(ids, ["i-1", "p-1"]);
    assert!(matches!(
        everything[0].envelope.event,
        Event::Push(_) | Event::Installation(_)
    ));
    assert!(queue
        .reserve("comments", 5, secs(0.3))
        .await
        .unwrap()
        .is_empty());
    assert!(queue.reserve("nobody", 5, secs(0.1)).await.is_err());
    backend.cleanup().await;
}

/// A worker that dies holding deliveries (dropped without ack or nack):
/// after a restart and the lease, every delivery comes back.
async fn redelivers_after_a_crash(backend: Backend) {
    let queue = backend.open().await;
    queue
        .subscribe(&subscription("crashy", &[EventType::Push], 5, 1.0))
        .await
        .unwrap();
    for i in 0..3 {
        queue
            .enqueue(&push_envelope(&format!("k-{i}")))
            .await
            .unwrap();
    }
    let first = drain(queue.as_ref(), "crashy", 3, 5.0).await;
    assert_eq!(first.len(), 3);
    drop(first);
    drop(queue);

    let queue = backend.open().await;
    let again = drain(queue.as_ref(), "crashy", 3, 10.0).await;
    assert_eq!(again.len(), 3, "every unacked delivery is redelivered");
    for delivery in &again {
        assert_eq!(delivery.attempt, 2);
        queue.ack(delivery).await.unwrap();
    }
    assert!(queue
        .reserve("crashy", 5, secs(2.5))
        .await
        .unwrap()
        .is_empty());
    backend.cleanup().await;
}

/// A delivery whose worker crashes on every attempt still ends as a dead
/// letter rather than vanishing.
async fn crash_on_every_attempt_dead_letters(backend: Backend) {
    let queue = backend.open().await;
    queue
        .subscribe(&subscription("doomed", &[EventType::Push], 2, 0.5))
        .await
        .unwrap();
    queue.enqueue(&push_envelope("x-1")).await.unwrap();
    for attempt in 1..=2 {
        let got = drain(queue.as_ref(), "doomed", 1, 10.0).await;
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].attempt, attempt);
    }
    assert!(drain(queue.as_ref(), "doomed", 1, 3.0).await.is_empty());
    let dead = queue.dead_letters(Some("doomed")).await.unwrap();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].delivery_id, "x-1");
    assert!(
        dead[0].reason.contains("lease expired"),
        "{}",
        dead[0].reason
    );
    backend.cleanup().await;
}

async fn nack_retries_then_dead_letters_then_replays(backend: Backend) {
    let queue = backend.open().await;
    queue
        .subscribe(&subscription("flaky", &[EventType::Push], 3, 2.0))
        .await
        .unwrap();
    queue
        .subscribe(&subscription("fine", &[EventType::Push], 3, 30.0))
        .await
        .unwrap();
    queue.enqueue(&push_envelope("n-1")).await.unwrap();
    for attempt in 1..=3 {
        let got = drain(queue.as_ref(), "flaky", 1, 5.0).await;
        assert_eq!(got.len(), 1, "attempt {attempt}");
        assert_eq!(got[0].attempt, attempt);
        let outcome = queue
            .nack(&got[0], Duration::from_millis(50), "error: boom")
            .await
            .unwrap();
        let expected = if attempt == 3 {
            NackOutcome::DeadLettered
        } else {
            NackOutcome::Retrying
        };
        assert_eq!(outcome, expected);
    }
    assert!(queue
        .reserve("flaky", 1, secs(0.5))
        .await
        .unwrap()
        .is_empty());

    let dead = queue.dead_letters(None).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].listener, "flaky");
    assert_eq!(dead[0].provider, "github");
    assert_eq!(dead[0].event_type, "push");
    assert_eq!(dead[0].attempts, 3);
    assert_eq!(dead[0].reason, "error: boom");
    assert!(queue.dead_letters(Some("fine")).await.unwrap().is_empty());

    // The other listener was not affected.
    let fine = drain(queue.as_ref(), "fine", 1, 5.0).await;
    assert_eq!(fine.len(), 1);
    queue.ack(&fine[0]).await.unwrap();

    assert!(queue.replay(dead[0].id).await.unwrap());
    assert!(
        !queue.replay(dead[0].id).await.unwrap(),
        "a dead letter replays once"
    );
    assert!(queue.dead_letters(None).await.unwrap().is_empty());
    let replayed = drain(queue.as_ref(), "flaky", 1, 5.0).await;
    assert_eq!(replayed.len(), 1);
    assert_eq!(
        replayed[0].attempt, 1,
        "a replay starts a fresh attempt count"
    );
    assert_eq!(replayed[0].envelope.delivery_id, "n-1");
    queue.ack(&replayed[0]).await.unwrap();
    // Only the listener it was dead-lettered for gets the replay.
    assert!(queue
        .reserve("fine", 1, secs(0.5))
        .await
        .unwrap()
        .is_empty());
    backend.cleanup().await;
}

/// Runs a worker until `done` holds (or 30 s pass).
async fn run_worker_until(worker: &Worker, done: impl Fn() -> bool + Sync) {
    let stop = async {
        let deadline = tokio::time::Instant::now() + secs(30.0);
        while !done() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(secs(0.05)).await;
        }
    };
    worker.run(stop).await.unwrap();
}

async fn panicking_listener_is_isolated(backend: Backend) {
    const EVENTS: usize = 6;
    let queue = backend.open().await;
    let broken = Arc::new(AtomicBool::new(true));
    let panicky_ok = Arc::new(Mutex::new(HashSet::new()));
    let steady_seen = Arc::new(Mutex::new(BTreeMap::<String, usize>::new()));

    let mut registry = ListenerRegistry::new();
    let spec = |name: &str| {
        ListenerSpec::new(name, &[EventType::Push])
            .max_attempts(3)
            .retry(fast_retry())
            .deadline(secs(2.0))
            .lease(secs(5.0))
    };
    {
        let broken = broken.clone();
        let ok = panicky_ok.clone();
        registry
            .register_fn(spec("panicky"), move |envelope| {
                let broken = broken.load(Ordering::SeqCst);
                let ok = ok.clone();
                async move {
                    if broken {
                        panic!("listener bug on {}", envelope.delivery_id);
                    }
                    ok.lock().unwrap().insert(envelope.delivery_id.clone());
                    Ok(())
                }
            })
            .unwrap();
    }
    {
        let seen = steady_seen.clone();
        registry
            .register_fn(spec("steady"), move |envelope| {
                let seen = seen.clone();
                async move {
                    *seen
                        .lock()
                        .unwrap()
                        .entry(envelope.delivery_id.clone())
                        .or_default() += 1;
                    Ok(())
                }
            })
            .unwrap();
    }
    let config = WorkerConfig {
        batch_size: 8,
        poll_wait: secs(0.2),
        error_pause: secs(0.1),
    };
    let worker = Worker::new(queue.clone(), registry, config);
    worker.subscribe().await.unwrap();
    for i in 0..EVENTS {
        queue
            .enqueue(&push_envelope(&format!("e-{i}")))
            .await
            .unwrap();
    }

    let dead_count = Arc::new(AtomicUsize::new(0));
    {
        let queue = queue.clone();
        let dead_count = dead_count.clone();
        tokio::spawn(async move {
            loop {
                let n = queue
                    .dead_letters(Some("panicky"))
                    .await
                    .map(|d| d.len())
                    .unwrap_or(0);
                dead_count.store(n, Ordering::SeqCst);
                tokio::time::sleep(secs(0.1)).await;
            }
        });
    }
    run_worker_until(&worker, || {
        steady_seen.lock().unwrap().len() == EVENTS && dead_count.load(Ordering::SeqCst) == EVENTS
    })
    .await;
    assert_eq!(
        steady_seen.lock().unwrap().len(),
        EVENTS,
        "the healthy listener saw every event"
    );
    assert!(steady_seen.lock().unwrap().values().all(|n| *n == 1));
    let dead = queue.dead_letters(Some("panicky")).await.unwrap();
    assert_eq!(dead.len(), EVENTS);
    for letter in &dead {
        assert_eq!(letter.attempts, 3);
        assert!(
            letter.reason.starts_with("panic: listener bug on e-"),
            "{}",
            letter.reason
        );
    }
    assert!(queue.dead_letters(Some("steady")).await.unwrap().is_empty());

    // Fix the listener, replay: it now handles every event; the healthy
    // listener gets nothing twice.
    broken.store(false, Ordering::SeqCst);
    assert_eq!(queue.replay_all(Some("panicky")).await.unwrap(), EVENTS);
    run_worker_until(&worker, || panicky_ok.lock().unwrap().len() == EVENTS).await;
    assert_eq!(panicky_ok.lock().unwrap().len(), EVENTS);
    assert!(queue.dead_letters(None).await.unwrap().is_empty());
    assert!(steady_seen.lock().unwrap().values().all(|n| *n == 1));
    backend.cleanup().await;
}

async fn deadline_exceeded_is_a_failure(backend: Backend) {
    let queue = backend.open().await;
    let mut registry = ListenerRegistry::new();
    registry
        .register_fn(
            ListenerSpec::new("sleepy", &[EventType::Push])
                .deadline(secs(0.1))
                .lease(secs(2.0))
                .max_attempts(2)
                .retry(fast_retry()),
            |_| async {
                tokio::time::sleep(secs(10.0)).await;
                Ok::<(), ListenerError>(())
            },
        )
        .unwrap();
    let worker = Worker::new(queue.clone(), registry, WorkerConfig::default());
    worker.subscribe().await.unwrap();
    queue.enqueue(&push_envelope("t-1")).await.unwrap();

    let first = worker.poll_once("sleepy", secs(5.0)).await.unwrap();
    assert!(
        matches!(&first[..], [RunOutcome::Retrying { reason }] if reason.starts_with("timeout")),
        "{first:?}"
    );
    let mut second = Vec::new();
    for _ in 0..20 {
        second = worker.poll_once("sleepy", secs(1.0)).await.unwrap();
        if !second.is_empty() {
            break;
        }
    }
    assert!(
        matches!(&second[..], [RunOutcome::DeadLettered { reason }] if reason.starts_with("timeout")),
        "{second:?}"
    );
    let dead = queue.dead_letters(Some("sleepy")).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert!(dead[0].reason.contains("deadline"), "{}", dead[0].reason);
    backend.cleanup().await;
}

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::sqlite()).await;
                }
            )*
        }
        mod nats {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Backend::nats()).await;
                }
            )*
        }
    };
}

/// An operator's redelivery: a delivered event goes again to the chosen
/// listener only, with a fresh attempt count.
async fn redeliver_reaches_one_listener_only(backend: Backend) {
    let queue = backend.open().await;
    for name in ["chosen", "other"] {
        queue
            .subscribe(&subscription(name, &[EventType::Push], 3, 30.0))
            .await
            .unwrap();
    }
    let envelope = push_envelope("r-1");
    queue.enqueue(&envelope).await.unwrap();
    for name in ["chosen", "other"] {
        let got = drain(queue.as_ref(), name, 1, 5.0).await;
        assert_eq!(got.len(), 1, "{name}");
        queue.ack(&got[0]).await.unwrap();
    }
    assert!(queue.redeliver(&envelope, "chosen").await.unwrap());
    let again = drain(queue.as_ref(), "chosen", 1, 5.0).await;
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].attempt, 1);
    assert_eq!(again[0].envelope.delivery_id, "r-1");
    queue.ack(&again[0]).await.unwrap();
    assert!(queue
        .reserve("other", 1, secs(0.5))
        .await
        .unwrap()
        .is_empty());
    assert!(queue.redeliver(&envelope, "nobody").await.is_err());
    backend.cleanup().await;
}

suite!(
    redeliver_reaches_one_listener_only,
    dedupes_by_delivery_id,
    answers_which_deliveries_were_accepted,
    one_delivery_per_event_and_listener,
    redelivers_after_a_crash,
    crash_on_every_attempt_dead_letters,
    nack_retries_then_dead_letters_then_replays,
    panicking_listener_is_isolated,
    deadline_exceeded_is_a_failure,
);
