//! Webhook ingest benchmark (bounded, about a minute):
//!
//! 1. verify + parse rate of one core on the `@octokit/webhooks-examples`
//!    payloads that map to neutral events (`GitHubReceiver::receive`);
//! 2. the same for npm `@octokit/webhooks` (`verifyAndReceive`) through
//!    `octokit_webhooks_peer.js`, on the same signed deliveries;
//! 3. per queue backend (SQLite with fsync, NATS JetStream when it runs on
//!    127.0.0.1:4222): ingest throughput through the real ingress router
//!    (size cap, content type, signature, parse, registry lookup, dedupe,
//!    durable enqueue, 202), 64 concurrent requests;
//! 4. per backend: end-to-end latency, webhook received → listener
//!    started, at 500 webhooks/s for 5 s with a worker running.
//!
//! `cargo bench -p scm-server --bench ingest`

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::Request;
use axum::Router;
use bytes::Bytes;
use scm_core::events::{EventType, ReceivedWebhook, WebhookReceiver};
use scm_core::Secret;
use scm_github::webhooks::GitHubReceiver;
use scm_server::crypto::SecretBox;
use scm_server::events::{self, Ingress, ProviderWebhooks, WebhooksConfig};
use scm_server::registry::Registry;
use scm_stream::{
    EventQueue, JetStreamConfig, JetStreamQueue, ListenerError, ListenerRegistry, ListenerSpec,
    SqliteConfig, SqliteQueue, Worker, WorkerConfig,
};
use scm_testkit::webhooks::{examples, signature_sha256};
use tower::ServiceExt as _;

const SECRET: &str = "bench-secret";

struct Delivery {
    event: String,
    body: Bytes,
    signature: String,
}

fn headers(event: &str, id: &str, signature: &str) -> http::HeaderMap {
    let mut headers = http::HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    headers.insert("x-github-event", event.parse().unwrap());
    headers.insert("x-github-delivery", id.parse().unwrap());
    headers.insert("x-hub-signature-256", signature.parse().unwrap());
    headers
}

/// The corpus payloads that become neutral events.
fn deliveries() -> Vec<Delivery> {
    let receiver = GitHubReceiver::new();
    let secrets = [Secret::new(SECRET)];
    examples()
        .iter()
        .filter_map(|e| {
            let signature = signature_sha256(SECRET.as_bytes(), &e.payload_bytes);
            let received = receiver
                .receive(
                    &secrets,
                    &headers(&e.event, "probe", &signature),
                    e.payload_bytes.clone(),
                )
                .ok()?;
            matches!(received, ReceivedWebhook::Event(_)).then(|| Delivery {
                event: e.event.clone(),
                body: e.payload_bytes.clone(),
                signature,
            })
        })
        .collect()
}

fn verify_parse_rate(deliveries: &[Delivery], seconds: u64) -> f64 {
    let receiver = GitHubReceiver::new();
    let secrets = [Secret::new(SECRET)];
    let prepared: Vec<_> = deliveries
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                headers(&d.event, &format!("id-{i}"), &d.signature),
                d.body.clone(),
            )
        })
        .collect();
    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed() < Duration::from_secs(seconds) {
        for (headers, body) in &prepared {
            let received = receiver.receive(&secrets, headers, body.clone()).unwrap();
            std::hint::black_box(received);
            done += 1;
        }
    }
    done as f64 / started.elapsed().as_secs_f64()
}

fn node_peer_rate(deliveries: &[Delivery], seconds: u64) -> Option<f64> {
    let dir = tempfile::tempdir().ok()?;
    let file = dir.path().join("deliveries.json");
    let list: Vec<_> = deliveries
        .iter()
        .enumerate()
        .map(|(i, d)| {
            serde_json::json!({
                "id": format!("id-{i}"),
                "name": d.event,
                "signature": d.signature,
                "payload": String::from_utf8_lossy(&d.body),
            })
        })
        .collect();
    std::fs::write(&file, serde_json::to_vec(&list).ok()?).ok()?;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/octokit_webhooks_peer.js"
    );
    let output = std::process::Command::new("node")
        .arg(script)
        .arg(&file)
        .arg(seconds.to_string())
        .output()
        .ok()?;
    if !output.status.success() {
        eprintln!(
            "node peer failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    value["per_second"].as_f64()
}

fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

async fn post(app: &Router, delivery: &Delivery, id: &str) {
    let request = Request::post("/webhooks/github")
        .header("content-type", "application/json")
        .header("x-github-event", &delivery.event)
        .header("x-github-delivery", id)
        .header("x-hub-signature-256", &delivery.signature)
        .body(Body::from(delivery.body.clone()))
        .unwrap();
    let response = app.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 202);
}

fn percentile(sorted: &[i64], p: f64) -> f64 {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index] as f64 / 1000.0
}

async fn bench_backend(name: &str, queue: Arc<dyn EventQueue>, deliveries: Arc<Vec<Delivery>>) {
    let dir = tempfile::tempdir().unwrap();
    let registry = Registry::connect(
        &format!("sqlite://{}", dir.path().join("registry.db").display()),
        SecretBox::from_encoded(&SecretBox::generate_key()).unwrap(),
    )
    .await
    .unwrap();
    let mut config = WebhooksConfig::default();
    config.providers.insert(
        "github".into(),
        ProviderWebhooks {
            secrets: vec![Secret::new(SECRET)],
        },
    );
    let ingress = Ingress::new(&config, events::receivers(), registry, queue.clone());
    let app = events::router(Arc::new(ingress));
    let run_id = now_micros();

    // Ingest throughput.
    let total: usize = if name == "sqlite" { 20_000 } else { 10_000 };
    let concurrency = 64;
    let started = Instant::now();
    let tasks: Vec<_> = (0..concurrency)
        .map(|task| {
            let (app, deliveries) = (app.clone(), deliveries.clone());
            tokio::spawn(async move {
                for i in (task..total).step_by(concurrency) {
                    let delivery = &deliveries[i % deliveries.len()];
                    post(&app, delivery, &format!("ingest-{run_id}-{i}")).await;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let rate = total as f64 / started.elapsed().as_secs_f64();
    println!("ingest {name}: {total} webhooks in {:.2} s = {rate:.0} webhooks/s (verify + parse + dedupe + durable enqueue, {concurrency} concurrent)", started.elapsed().as_secs_f64());

    // End to end at 500 webhooks/s.
    let latencies = Arc::new(Mutex::new(Vec::<i64>::new()));
    let mut listeners = ListenerRegistry::new();
    let seen = latencies.clone();
    listeners
        .register_fn(
            ListenerSpec::new(format!("bench-{run_id}"), &EventType::ALL),
            move |envelope| {
                let started = now_micros() - envelope.received_at.timestamp_micros();
                seen.lock().unwrap().push(started);
                async { Ok::<(), ListenerError>(()) }
            },
        )
        .unwrap();
    let worker = Worker::new(queue.clone(), listeners, WorkerConfig::default());
    worker.subscribe().await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let worker_task = tokio::spawn(async move {
        worker
            .run(async {
                let _ = stopped.await;
            })
            .await
    });
    let rate_per_second = 500u64;
    let count = (rate_per_second * 5) as usize;
    let mut ticker = tokio::time::interval(Duration::from_micros(1_000_000 / rate_per_second));
    let mut posts = Vec::with_capacity(count);
    for i in 0..count {
        ticker.tick().await;
        let (app, deliveries) = (app.clone(), deliveries.clone());
        posts.push(tokio::spawn(async move {
            let delivery = &deliveries[i % deliveries.len()];
            post(&app, delivery, &format!("latency-{run_id}-{i}")).await;
        }));
    }
    for post in posts {
        post.await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while latencies.lock().unwrap().len() < count && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let _ = stop.send(());
    let _ = worker_task.await;
    let mut sorted = latencies.lock().unwrap().clone();
    sorted.sort_unstable();
    assert_eq!(sorted.len(), count, "every webhook reached the listener");
    println!(
        "end-to-end {name} at {rate_per_second}/s: {count} webhooks, received → listener started p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.99),
        percentile(&sorted, 1.0),
    );
}

fn main() {
    let deliveries = Arc::new(deliveries());
    println!(
        "payloads: {} of the {} @octokit/webhooks-examples payloads map to neutral events",
        deliveries.len(),
        examples().len()
    );
    let ours = verify_parse_rate(&deliveries, 3);
    println!("verify+parse scm-github (1 thread): {ours:.0} webhooks/s");
    match node_peer_rate(&deliveries, 3) {
        Some(node) => println!(
            "verify+parse @octokit/webhooks verifyAndReceive (node): {node:.0} webhooks/s; scm-github is {:.1}x",
            ours / node
        ),
        None => println!("verify+parse @octokit/webhooks: node peer unavailable"),
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = SqliteQueue::open(SqliteConfig::new(dir.path().join("events.db")))
            .await
            .unwrap();
        bench_backend("sqlite", Arc::new(sqlite), deliveries.clone()).await;

        let unique = format!("{:x}", now_micros());
        let mut config = JetStreamConfig::new("nats://127.0.0.1:4222");
        config.stream = format!("SCMBENCH_{unique}");
        config.subject_prefix = format!("scmbench{unique}");
        match JetStreamQueue::connect(config.clone()).await {
            Ok(queue) => {
                bench_backend("nats", Arc::new(queue), deliveries.clone()).await;
                if let Ok(queue) = JetStreamQueue::connect(config).await {
                    let _ = queue.destroy().await;
                }
            }
            Err(err) => println!("nats: skipped ({err})"),
        }
    });
}
