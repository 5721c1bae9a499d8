//! An accepted webhook is never lost, even on `kill -9`, and a re-sent
//! delivery is processed once — with the real `scm` binary.
//!
//! 1,000 signed GitHub deliveries (real `@octokit/webhooks-examples`
//! payloads, one in ten re-sent later with the same delivery id) are posted
//! by several tasks to `scm serve` while the server is killed with SIGKILL
//! at random points and restarted. Then `scm worker` runs an HTTP listener
//! registered with `scm listener add`, served by this test: every delivery
//! that was answered 2xx must reach it, each exactly once.
//!
//! Runs against the SQLite queue and against NATS JetStream on
//! 127.0.0.1:4222 (a unique stream, deleted at the end). Everything binds
//! to 127.0.0.1 and every process is killed when the test ends.

#[macro_use]
mod queues;

use std::collections::{HashMap, HashSet};
use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::HeaderMap;
use bytes::Bytes;
use scm_testkit::webhooks::{examples, signature_sha256};
use scm_testkit::KillOnDrop;

const WEBHOOK_SECRET: &str = "durability-webhook-secret";
const LISTENER_SECRET: &str = "durability-listener-secret";
const DELIVERIES: usize = 1000;
const POSTERS: usize = 4;
const MAX_KILLS: usize = 8;

struct Setup {
    env: Vec<(String, String)>,
    listen: SocketAddr,
}

impl Setup {
    fn scm(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_scm"));
        command.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        command
    }

    fn start_server(&self) -> KillOnDrop {
        let child = self
            .scm()
            .args(["serve", "--listen", &self.listen.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start scm serve");
        KillOnDrop::new(child)
    }
}

fn free_port() -> SocketAddr {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// What the test's HTTP listener saw: delivery id → times.
#[derive(Default)]
struct Seen {
    counts: Mutex<HashMap<String, usize>>,
    bad_signatures: Mutex<usize>,
}

async fn hook(State(seen): State<Arc<Seen>>, headers: HeaderMap, body: Bytes) -> &'static str {
    let signature = headers
        .get(scm_stream::signature::SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if signature != signature_sha256(LISTENER_SECRET.as_bytes(), &body) {
        *seen.bad_signatures.lock().unwrap() += 1;
    }
    let delivery = headers
        .get("x-scm-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    *seen.counts.lock().unwrap().entry(delivery).or_default() += 1;
    "ok"
}

/// A small deterministic generator (kill timings, re-send choices).
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// Posts until some answer comes back; returns the 2xx answer's status
/// field, or `None` when the delivery was refused (never expected here).
async fn post_until_answered(
    client: &reqwest::Client,
    url: &str,
    event: &str,
    delivery: &str,
    body: &Bytes,
) -> Option<String> {
    let signature = signature_sha256(WEBHOOK_SECRET.as_bytes(), body);
    let started = Instant::now();
    loop {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "delivery {delivery} never answered"
        );
        let sent = client
            .post(url)
            .header("content-type", "application/json")
            .header("x-github-event", event)
            .header("x-github-delivery", delivery)
            .header("x-hub-signature-256", &signature)
            .body(body.clone())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                let value: serde_json::Value = response.json().await.unwrap_or_default();
                return value["status"].as_str().map(str::to_owned);
            }
            Ok(response) if response.status().is_server_error() => {}
            Ok(response) => {
                panic!("delivery {delivery} refused: {}", response.status())
            }
            // Connection refused or reset: the server is being restarted.
            Err(_) => {}
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn wait_until_serving(client: &reqwest::Client, base: &str) {
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "scm serve did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn run(dir: &Path, queue_env: Vec<(String, String)>) {
    let setup = Setup {
        env: queues::process_env(
            dir,
            [(
                "SCM_WEBHOOKS_GITHUB_SECRETS".to_owned(),
                WEBHOOK_SECRET.to_owned(),
            )]
            .into_iter()
            .chain(queue_env),
        ),
        listen: free_port(),
    };

    // The listener endpoint, served by this test.
    let seen = Arc::new(Seen::default());
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(seen.clone());
    // Served until the test ends.
    let hook_url = format!("{}/hook", scm_testkit::loopback::serve(app).await);

    let added = setup
        .scm()
        .args([
            "listener",
            "add",
            "--name",
            "durable",
            "--url",
            &hook_url,
            "--events",
            "check_run,check_suite,comment,pull_request,pull_request_review,review_comment,push,issue,installation",
            "--deadline-ms",
            "5000",
        ])
        .env("SCM_LISTENER_SECRET", LISTENER_SECRET)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(!String::from_utf8_lossy(&added.stdout).contains(LISTENER_SECRET));

    // Deliveries: payloads of event types that map to neutral events.
    let payloads: Vec<_> = examples()
        .iter()
        .filter(|e| {
            matches!(
                e.event.as_str(),
                "pull_request" | "issue_comment" | "push" | "issues" | "check_run"
            )
        })
        .collect();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut plan: Vec<(String, usize)> = (0..DELIVERIES)
        .map(|i| (format!("durability-{i:04}"), i % payloads.len()))
        .collect();
    let resent: Vec<(String, usize)> = plan
        .iter()
        .filter(|_| rng.next() % 10 == 0)
        .cloned()
        .collect();
    plan.extend(resent.iter().cloned());

    let server = Arc::new(Mutex::new(setup.start_server()));
    let base = format!("http://{}", setup.listen);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    wait_until_serving(&client, &base).await;

    // Posters: each takes every POSTERS-th delivery.
    let answers = Arc::new(Mutex::new(HashMap::<String, Vec<String>>::new()));
    let plan = Arc::new(plan);
    let payloads = Arc::new(
        payloads
            .iter()
            .map(|e| (e.event.clone(), e.payload_bytes.clone()))
            .collect::<Vec<_>>(),
    );
    let posters: Vec<_> = (0..POSTERS)
        .map(|task| {
            let (client, plan, payloads, answers) = (
                client.clone(),
                plan.clone(),
                payloads.clone(),
                answers.clone(),
            );
            let url = format!("{base}/webhooks/github");
            tokio::spawn(async move {
                for (delivery, payload) in plan.iter().skip(task).step_by(POSTERS) {
                    let (event, body) = &payloads[*payload];
                    if let Some(status) =
                        post_until_answered(&client, &url, event, delivery, body).await
                    {
                        answers
                            .lock()
                            .unwrap()
                            .entry(delivery.clone())
                            .or_default()
                            .push(status);
                    }
                }
            })
        })
        .collect();

    // The killer: SIGKILL at random points, restart, a bounded number of
    // times, while the posters run.
    let mut kills = 0;
    while kills < MAX_KILLS && posters.iter().any(|p| !p.is_finished()) {
        tokio::time::sleep(Duration::from_millis(150 + rng.next() % 350)).await;
        if posters.iter().all(|p| p.is_finished()) {
            break;
        }
        let mut guard = server.lock().unwrap();
        guard.kill();
        kills += 1;
        *guard = setup.start_server();
    }
    for poster in posters {
        poster.await.unwrap();
    }
    let answers = answers.lock().unwrap().clone();

    // The worker delivers everything that was answered 2xx.
    let expected: HashSet<&String> = answers
        .iter()
        .filter(|(_, statuses)| statuses.iter().any(|s| s == "accepted" || s == "duplicate"))
        .map(|(delivery, _)| delivery)
        .collect();
    let unsupported = answers.len() - expected.len();
    let mut worker = KillOnDrop::new(
        setup
            .scm()
            .arg("worker")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start scm worker"),
    );
    let started = Instant::now();
    loop {
        let missing = {
            let counts = seen.counts.lock().unwrap();
            expected
                .iter()
                .filter(|d| !counts.contains_key(d.as_str()))
                .count()
        };
        if missing == 0 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "{missing} accepted deliveries never reached the listener"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Let any stray repeat show up, then stop the worker gracefully.
    tokio::time::sleep(Duration::from_millis(500)).await;
    if let Some(child) = worker.child_mut() {
        let _ = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while child.try_wait().unwrap().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            child.try_wait().unwrap().is_some(),
            "scm worker did not stop on SIGTERM"
        );
    }
    server.lock().unwrap().kill();

    let counts = seen.counts.lock().unwrap();
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    let unexpected: Vec<_> = counts.keys().filter(|d| !expected.contains(d)).collect();
    println!(
        "durability: {} deliveries ({} re-sent) answered 2xx across {kills} SIGKILLs; \
         {} reached the listener, {} repeated, {unsupported} unsupported",
        answers.len(),
        resent.len(),
        counts.len(),
        repeated.len(),
    );
    assert_eq!(answers.len(), DELIVERIES);
    for (delivery, _) in &resent {
        let statuses = &answers[delivery];
        assert!(
            statuses.len() == 2 && statuses.iter().any(|s| s == "duplicate"),
            "{delivery} re-sent: {statuses:?}"
        );
    }
    assert!(kills > 0, "the server was never killed");
    assert!(
        repeated.is_empty(),
        "processed more than once: {repeated:?}"
    );
    assert!(unexpected.is_empty(), "never accepted: {unexpected:?}");
    assert_eq!(*seen.bad_signatures.lock().unwrap(), 0);
}

on_each_queue!(
    accepted_webhooks_survive_sigkill_with_the_sqlite_queue,
    accepted_webhooks_survive_sigkill_with_nats_jetstream,
    run,
    "scmdur"
);
