//! The worker against a real HTTP listener, with metrics recorded.

mod common;

use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use common::{push_envelope, secs, Backend};
use metrics_util::debugging::{DebugValue, DebuggingRecorder};
use scm_core::events::{EventEnvelope, EventType};
use scm_core::Secret;
use scm_stream::signature::verify_sha256;
use scm_stream::{
    HttpListener, ListenerRegistry, ListenerSpec, RetryPolicy, RunOutcome, Worker, WorkerConfig,
};

/// Name, labels and value of one recorded metric.
type Recorded = (String, Vec<(String, String)>, DebugValue);

#[derive(Clone)]
struct Endpoint {
    status: Arc<AtomicU16>,
    received: Arc<Mutex<Vec<(HeaderMap, Bytes)>>>,
}

async fn receive(State(endpoint): State<Endpoint>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if !verify_sha256(b"listener-secret", &body, &signature) {
        return StatusCode::UNAUTHORIZED;
    }
    endpoint.received.lock().unwrap().push((headers, body));
    StatusCode::from_u16(endpoint.status.load(Ordering::SeqCst)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_listener_gets_signed_neutral_json_and_metrics_are_recorded() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    metrics::set_global_recorder(recorder).expect("only this test installs a recorder");

    let endpoint = Endpoint {
        status: Arc::new(AtomicU16::new(503)),
        received: Arc::default(),
    };
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(endpoint.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let backend = Backend::sqlite();
    let queue = backend.open().await;
    let mut registry = ListenerRegistry::new();
    registry
        .register(
            ListenerSpec::new("http-hook", &[EventType::Push])
                .deadline(secs(5.0))
                .max_attempts(3)
                .retry(RetryPolicy {
                    initial: Duration::from_millis(10),
                    max: Duration::from_millis(10),
                    multiplier: 1.0,
                    jitter: 0.0,
                }),
            HttpListener::new(url, Secret::new("listener-secret")),
        )
        .unwrap();
    let worker = Worker::new(queue.clone(), registry, WorkerConfig::default());
    worker.subscribe().await.unwrap();
    let envelope = push_envelope("h-1");
    queue.enqueue(&envelope).await.unwrap();
    queue.enqueue(&envelope).await.unwrap();

    let first = worker.poll_once("http-hook", secs(5.0)).await.unwrap();
    assert!(
        matches!(&first[..], [RunOutcome::Retrying { reason }] if reason.contains("503")),
        "non-2xx is a failure: {first:?}"
    );
    endpoint.status.store(200, Ordering::SeqCst);
    let mut second = Vec::new();
    for _ in 0..50 {
        second = worker.poll_once("http-hook", secs(0.2)).await.unwrap();
        if !second.is_empty() {
            break;
        }
    }
    assert_eq!(second, [RunOutcome::Succeeded]);

    let received = endpoint.received.lock().unwrap().clone();
    assert_eq!(received.len(), 2, "signature verified on both attempts");
    let (headers, body) = &received[1];
    assert_eq!(headers["x-scm-event"], "push");
    assert_eq!(headers["x-scm-action"], "pushed");
    assert_eq!(headers["x-scm-delivery"], "h-1");
    assert_eq!(headers["content-type"], "application/json");
    let sent = EventEnvelope::from_json(body).unwrap();
    assert_eq!(sent.event, envelope.event);
    assert!(sent.raw_body.is_empty(), "raw body left out by default");

    let metrics: Vec<Recorded> = snapshotter
        .snapshot()
        .into_vec()
        .into_iter()
        .map(|(key, _, _, value)| {
            let key = key.key();
            let labels = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            (key.name().to_owned(), labels, value)
        })
        .collect();
    let counter = |name: &str, label: (&str, &str)| -> u64 {
        metrics
            .iter()
            .filter(|(n, labels, _)| {
                n == name && labels.iter().any(|(k, v)| k == label.0 && v == label.1)
            })
            .map(|(_, _, v)| match v {
                DebugValue::Counter(c) => *c,
                _ => 0,
            })
            .sum()
    };
    assert_eq!(
        counter(
            "sentry.scm.produce_event_to_scm_stream.success",
            ("outcome", "accepted")
        ),
        1
    );
    assert_eq!(
        counter(
            "sentry.scm.produce_event_to_scm_stream.success",
            ("outcome", "duplicate")
        ),
        1
    );
    assert_eq!(
        counter(
            "sentry.scm.produce_event_to_scm_stream.success",
            ("provider", "github")
        ),
        2,
        "enqueues are tagged with the event's provider"
    );
    assert_eq!(
        counter("sentry.scm.run_listener.success", ("listener", "http-hook")),
        1
    );
    assert_eq!(
        counter("sentry.scm.run_listener.failed", ("reason", "http_status")),
        1
    );
    for histogram in [
        "sentry.scm.run_listener.message.size",
        "sentry.scm.run_listener.queue_time",
        "sentry.scm.run_listener.task_time",
        "sentry.scm.run_listener.real_time",
    ] {
        assert!(
            metrics.iter().any(|(n, labels, v)| n == histogram
                && labels
                    .iter()
                    .any(|(k, v)| k == "listener" && v == "http-hook")
                && matches!(v, DebugValue::Histogram(values) if !values.is_empty())),
            "{histogram} recorded"
        );
    }
    backend.cleanup().await;
}
