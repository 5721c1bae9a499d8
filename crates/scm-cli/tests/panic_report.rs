//! A panic reaches Sentry with the tags of the run it happened in, and
//! without the secret its message quoted.
//!
//! The process sets up its observability with the function `scm serve`
//! and `scm worker` use (`scm_cli::logging::install`, a DSN pointing at a
//! receiver of this test on 127.0.0.1) and runs the worker of
//! `scm worker` (`scm_stream::Worker`) with a listener of its own that
//! panics, as a product embedding the worker would: the registered HTTP
//! listeners of `scm worker` cannot panic on demand. The delivery is a
//! real GitHub example (`@octokit/webhooks-examples`) carrying a caller's
//! trace context; the envelopes are read with the `sentry-types` parser.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use scm_cli::logging::{self, LogFormat};
use scm_core::events::{EventEnvelope, EventType, ReceivedWebhook, TraceContext};
use scm_core::Secret;
use scm_server::observability::ObservabilityConfig;
use scm_stream::{
    EventQueue, ListenerError, ListenerRegistry, ListenerSpec, SqliteConfig, SqliteQueue,
    StartFrom, Worker, WorkerConfig,
};

const TOKEN: &str = "ghp_panic_report_test_token_5d1e77aa";
const WEBHOOK_SECRET: &str = "whsec-panic-report-test-90ab";
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

type Envelopes = Arc<Mutex<Vec<Vec<u8>>>>;

async fn store(State(envelopes): State<Envelopes>, body: Bytes) -> StatusCode {
    envelopes.lock().unwrap().push(body.to_vec());
    StatusCode::OK
}

/// The Sentry events received so far.
fn events(envelopes: &Envelopes) -> Vec<sentry::protocol::Event<'static>> {
    envelopes
        .lock()
        .unwrap()
        .iter()
        .map(|raw| sentry::Envelope::from_slice(raw).expect("a Sentry envelope"))
        .filter_map(|envelope| envelope.event().cloned())
        .collect()
}

fn is_panic(event: &sentry::protocol::Event<'_>) -> bool {
    event.exception.values.iter().any(|exception| {
        exception
            .mechanism
            .as_ref()
            .is_some_and(|mechanism| mechanism.ty == "panic")
    })
}

#[test]
fn a_panicking_listener_is_reported_with_its_tags_and_no_secret() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let envelopes = Envelopes::default();
    let receiver = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let app = axum::Router::new()
            .route("/api/42/envelope/", axum::routing::post(store))
            .with_state(envelopes.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://0123456789abcdef0123456789abcdef@{address}/42")
    });
    let observability = ObservabilityConfig {
        sentry_dsn: Some(receiver),
        sentry_environment: Some("panic-test".into()),
        ..Default::default()
    };
    let _exports = logging::install(LogFormat::Text, "info", &observability).unwrap();

    let delivery_id = runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let queue: Arc<dyn EventQueue> = Arc::new(
            SqliteQueue::open(SqliteConfig::new(dir.path().join("events.db")))
                .await
                .unwrap(),
        );
        let example = scm_testkit::webhooks::examples_for("issues")[0];
        let received = scm_providers::require("github")
            .unwrap()
            .webhooks()
            .unwrap()
            .receive(
                &[Secret::new(WEBHOOK_SECRET)],
                &example.delivery_headers(WEBHOOK_SECRET.as_bytes()),
                example.payload_bytes.clone(),
            )
            .unwrap();
        let ReceivedWebhook::Event(mut envelope) = received else {
            panic!("an issues delivery has a neutral event");
        };
        envelope.trace = Some(TraceContext {
            traceparent: format!("00-{TRACE}-00f067aa0ba902b7-01"),
            tracestate: None,
        });
        queue.enqueue(&envelope).await.unwrap();

        let mut listeners = ListenerRegistry::new();
        listeners
            .register_fn(
                ListenerSpec::new("explodes", &[EventType::Issue])
                    .max_attempts(1)
                    .start(StartFrom::All),
                |envelope: Arc<EventEnvelope>| async move {
                    if !envelope.delivery_id.is_empty() {
                        panic!("listener gave up, Authorization: Bearer {TOKEN}");
                    }
                    Ok::<(), ListenerError>(())
                },
            )
            .unwrap();
        let worker = Worker::new(queue, listeners, WorkerConfig::default());
        let reported = async {
            let started = Instant::now();
            while !events(&envelopes).iter().any(is_panic) {
                assert!(
                    started.elapsed() < Duration::from_secs(60),
                    "no panic reported: {:?}",
                    events(&envelopes)
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        };
        worker.run(reported).await.unwrap();
        envelope.delivery_id
    });

    let events = events(&envelopes);
    let panic = events.iter().find(|event| is_panic(event)).unwrap();
    assert_eq!(panic.tags["listener"], "explodes");
    assert_eq!(panic.tags["delivery_id"], delivery_id);
    assert_eq!(panic.tags["trace_id"], TRACE);
    assert_eq!(panic.environment.as_deref(), Some("panic-test"));
    let message = panic.exception.values[0].value.clone().unwrap_or_default();
    assert!(message.starts_with("listener gave up"), "{message}");
    assert!(message.contains("[Filtered]"), "{message}");
    for raw in envelopes.lock().unwrap().iter() {
        let text = String::from_utf8_lossy(raw);
        assert!(!text.contains(TOKEN), "the token is in a Sentry envelope");
        assert!(!text.contains(WEBHOOK_SECRET));
    }
    println!(
        "panic reported: {} Sentry events, the panic's tags {:?}, message {message:?}",
        events.len(),
        panic.tags
    );
}
