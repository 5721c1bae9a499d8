//! Where the time of a GitHub webhook delivery goes, per event type:
//! signature check alone, parsing into the neutral event alone, and the
//! whole `GitHubReceiver::receive` (verify + parse + envelope), one thread,
//! on the `@octokit/webhooks-examples` payloads that map to neutral events
//! (the same set the ingest bench compares with the Node peer).
//!
//! Run: `cargo bench -p scm-github --bench webhooks`

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use bytes::Bytes;
use scm_core::events::{ReceivedWebhook, WebhookReceiver};
use scm_core::Secret;
use scm_github::webhooks::{parse_event, GitHubReceiver, ParseOutcome, WebhookVerifier};
use scm_testkit::webhooks::examples;

const SECRET: &str = "bench-secret";

struct Delivery {
    event: String,
    headers: http::HeaderMap,
    body: Bytes,
}

/// Runs `f` over `items` for about `budget`, returns items per second.
fn rate<T>(items: &[T], budget: Duration, mut f: impl FnMut(&T)) -> f64 {
    for item in items {
        f(item);
    }
    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed() < budget {
        for item in items {
            f(item);
        }
        done += items.len() as u64;
    }
    done as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let seconds: f64 = std::env::var("WEBHOOK_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2.0);
    let receiver = GitHubReceiver::new();
    let secrets = [Secret::new(SECRET)];
    let verifier = WebhookVerifier::new(secrets.iter().cloned());
    let deliveries: Vec<Delivery> = examples()
        .iter()
        .filter_map(|e| {
            let headers = e.delivery_headers(SECRET.as_bytes());
            let received = receiver
                .receive(&secrets, &headers, e.payload_bytes.clone())
                .ok()?;
            matches!(received, ReceivedWebhook::Event(_)).then(|| Delivery {
                event: e.event.clone(),
                headers,
                body: e.payload_bytes.clone(),
            })
        })
        .collect();
    let bytes: usize = deliveries.iter().map(|d| d.body.len()).sum();
    println!(
        "{} payloads, {:.1} KiB on average",
        deliveries.len(),
        bytes as f64 / deliveries.len() as f64 / 1024.0
    );

    let mut groups: BTreeMap<&str, Vec<&Delivery>> = BTreeMap::new();
    for d in &deliveries {
        groups.entry(d.event.as_str()).or_default().push(d);
    }
    let all: Vec<&Delivery> = deliveries.iter().collect();
    let budget = Duration::from_secs_f64(seconds);
    let per_group = Duration::from_secs_f64(seconds / 4.0);
    println!(
        "{:<30} {:>4} {:>8} {:>10} {:>10} {:>10} {:>10}",
        "event", "n", "KiB avg", "verify/s", "scan/s", "parse/s", "receive/s"
    );
    let row = |name: &str, set: &[&Delivery], budget: Duration| {
        let avg = set.iter().map(|d| d.body.len()).sum::<usize>() as f64 / set.len() as f64;
        let verify = rate(set, budget, |d| {
            black_box(verifier.verify(&d.headers, &d.body)).unwrap();
        });
        // The floor for any parser: serde_json checking the JSON, keeping nothing.
        let scan = rate(set, budget, |d| {
            black_box(serde_json::from_slice::<serde::de::IgnoredAny>(&d.body)).unwrap();
        });
        let parse = rate(set, budget, |d| {
            let outcome = parse_event(&d.event, &d.body).unwrap();
            assert!(matches!(outcome, ParseOutcome::Parsed { .. }));
            black_box(outcome);
        });
        let receive = rate(set, budget, |d| {
            black_box(receiver.receive(&secrets, &d.headers, d.body.clone())).unwrap();
        });
        println!(
            "{name:<30} {:>4} {:>8.1} {verify:>10.0} {scan:>10.0} {parse:>10.0} {receive:>10.0}",
            set.len(),
            avg / 1024.0
        );
    };
    for (event, set) in &groups {
        row(event, set, per_group);
    }
    row("all", &all, budget);
}
