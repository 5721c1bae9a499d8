//! The delivery history end to end: the real `scm serve` and `scm worker`
//! with a SQLite registry, on the SQLite queue and on NATS JetStream, signed GitHub webhooks (octokit's
//! examples) posted to the ingress, and an HTTP listener served here.
//! `scm events list|show` show each delivery with the listener's outcome
//! and no secret; `scm listener pause` holds deliveries in the queue and
//! `resume` delivers them; `scm events redeliver` sends one again.

use std::collections::HashMap;
use std::net::TcpListener as StdListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::HeaderMap;
use scm_testkit::webhooks::examples;
use scm_testkit::KillOnDrop;
use serde_json::Value;

#[macro_use]
mod queues;

const WEBHOOK_SECRET: &str = "history-webhook-secret-5b7c";
const LISTENER_SECRET: &str = "history-listener-secret-c3d1";

struct Setup {
    dir: PathBuf,
    env: Vec<(String, String)>,
}

impl Setup {
    fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_scm"));
        command
            .current_dir(&self.dir)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        command
    }

    /// Runs `scm args…`, which must succeed; its JSON output.
    fn scm(&self, args: &[&str]) -> Value {
        let out = self.command().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "scm {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        for secret in [WEBHOOK_SECRET, LISTENER_SECRET] {
            assert!(!text.contains(secret), "scm {args:?} printed a secret");
        }
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("scm {args:?}: {err}: {text}"))
    }

    fn spawn(&self, args: &[&str], stderr: &Path) -> KillOnDrop {
        KillOnDrop::new(
            self.command()
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::from(std::fs::File::create(stderr).unwrap()))
                .spawn()
                .unwrap(),
        )
    }
}

fn free_address() -> String {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string()
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Delivery id → how many times the listener got it.
type Seen = Arc<Mutex<HashMap<String, usize>>>;

async fn hook(State(seen): State<Seen>, headers: HeaderMap) -> &'static str {
    let delivery = headers
        .get("x-scm-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    *seen.lock().unwrap().entry(delivery).or_default() += 1;
    "ok"
}

fn count(seen: &Seen, delivery: &str) -> usize {
    seen.lock().unwrap().get(delivery).copied().unwrap_or(0)
}

/// The listener's part of a delivery, from `scm events show`.
fn part(setup: &Setup, delivery: &str) -> Value {
    let shown = setup.scm(&["events", "show", delivery]);
    shown["listeners"]
        .as_array()
        .and_then(|all| all.iter().find(|l| l["listener"] == "history").cloned())
        .unwrap_or(Value::Null)
}

on_each_queue!(
    history_pause_resume_and_redeliver_on_the_sqlite_queue,
    history_pause_resume_and_redeliver_on_nats_jetstream,
    run,
    "scmhist"
);

async fn run(dir: &Path, queue: Vec<(String, String)>) {
    let setup = Setup {
        dir: dir.to_owned(),
        env: queues::process_env(
            dir,
            [(
                "SCM_WEBHOOKS_GITHUB_SECRETS".to_owned(),
                WEBHOOK_SECRET.to_owned(),
            )]
            .into_iter()
            .chain(queue),
        ),
    };
    let example = examples()
        .iter()
        .find(|e| e.event == "pull_request" && e.payload["repository"]["full_name"].is_string())
        .expect("a pull_request example");
    let full_name = example.payload["repository"]["full_name"]
        .as_str()
        .unwrap()
        .to_owned();

    let seen: Seen = Arc::default();
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(seen.clone());
    // Served until the test ends.
    let hook_url = format!("{}/hook", scm_testkit::loopback::serve(app).await);

    let added = setup
        .command()
        .args([
            "listener",
            "add",
            "--name",
            "history",
            "--url",
            &hook_url,
            "--events",
            "pull_request",
        ])
        .env("SCM_LISTENER_SECRET", LISTENER_SECRET)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    let listen = free_address();
    let _server = setup.spawn(&["serve", "--listen", &listen], &dir.join("serve.err"));
    let worker_err = dir.join("worker.err");
    // At `info` the worker logs when a listener is paused and resumed.
    let mut worker = setup.command();
    worker
        .arg("worker")
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::from(std::fs::File::create(&worker_err).unwrap()));
    let _worker = KillOnDrop::new(worker.spawn().unwrap());
    wait_for("scm serve to listen", Duration::from_secs(60), || {
        std::net::TcpStream::connect(&listen).is_ok()
    });

    let client = reqwest::Client::new();
    let post = |delivery: &'static str| {
        let mut headers = example.delivery_headers(WEBHOOK_SECRET.as_bytes());
        headers.insert("x-github-delivery", delivery.parse().unwrap());
        let request = client
            .post(format!("http://{listen}/webhooks/github"))
            .headers(headers)
            .body(example.payload_bytes.clone());
        async move {
            let answer = request.send().await.unwrap();
            assert_eq!(answer.status().as_u16(), 202, "{:?}", answer.text().await);
        }
    };

    // A delivery, recorded and delivered.
    post("history-1").await;
    wait_for(
        "history-1 delivered in the history",
        Duration::from_secs(60),
        || part(&setup, "history-1")["outcome"] == "delivered",
    );
    assert_eq!(count(&seen, "history-1"), 1);
    let shown = setup.scm(&["events", "show", "history-1"]);
    assert_eq!(shown["provider"], "github");
    assert_eq!(shown["event_type"], "pull_request");
    assert_eq!(shown["provider_event"], "pull_request");
    assert_eq!(shown["repository"], full_name.as_str());
    assert_eq!(shown["size"], example.payload_bytes.len());
    assert_eq!(shown["headers"]["x-github-event"], "pull_request");
    assert_eq!(shown["headers"]["x-github-delivery"], "history-1");
    let headers = shown["headers"].as_object().unwrap();
    assert!(
        headers.keys().all(|k| !k.contains("signature")),
        "{headers:?}"
    );
    assert_eq!(shown["envelope"]["event"]["type"], "pull_request");
    let history = part(&setup, "history-1");
    assert_eq!(history["attempts"], 1);
    assert!(history["latency_ms"].as_i64().unwrap() >= 0);

    // The listing and its filters.
    let listed = setup.scm(&["events", "list", "--listener", "history"]);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["delivery_id"], "history-1");
    let by_repository = setup.scm(&[
        "events",
        "list",
        "--repository",
        &full_name.to_ascii_uppercase(),
        "--outcome",
        "delivered",
        "--since",
        "1h",
    ]);
    assert_eq!(by_repository.as_array().unwrap().len(), 1);
    let none = setup.scm(&["events", "list", "--outcome", "dead_lettered"]);
    assert_eq!(none, serde_json::json!([]));

    // Paused: the next delivery waits in the queue, recorded as pending.
    let paused = setup.scm(&["listener", "pause", "history"]);
    assert_eq!(paused["paused"], true);
    assert_eq!(setup.scm(&["listener", "list"])[0]["paused"], true);
    wait_for(
        "the worker to see the pause",
        Duration::from_secs(30),
        || {
            std::fs::read_to_string(&worker_err)
                .unwrap_or_default()
                .contains("listener paused")
        },
    );
    post("history-2").await;
    assert_eq!(part(&setup, "history-2")["outcome"], "pending");
    // Give a worker that ignored the pause the time to deliver.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(count(&seen, "history-2"), 0, "held while paused");
    assert_eq!(part(&setup, "history-2")["outcome"], "pending");

    // Resumed without a restart: the held delivery arrives.
    setup.scm(&["listener", "resume", "history"]);
    wait_for("history-2 after resume", Duration::from_secs(60), || {
        part(&setup, "history-2")["outcome"] == "delivered"
    });
    assert_eq!(count(&seen, "history-2"), 1);

    // Redelivered to the listener: it gets history-1 a second time.
    let redelivered = setup.scm(&["events", "redeliver", "history-1", "--listener", "history"]);
    assert_eq!(redelivered["redelivered"], serde_json::json!(["history"]));
    wait_for("history-1 again", Duration::from_secs(60), || {
        count(&seen, "history-1") == 2
    });
    wait_for(
        "the redelivery in the history",
        Duration::from_secs(60),
        || {
            let history = part(&setup, "history-1");
            history["outcome"] == "delivered" && history["attempts"] == 2
        },
    );

    let missing = setup
        .command()
        .args(["events", "show", "no-such-delivery"])
        .output()
        .unwrap();
    assert!(!missing.status.success());

    // Nothing the run used as a secret reached a log.
    for log in ["serve.err", "worker.err"] {
        let text = std::fs::read_to_string(dir.join(log)).unwrap_or_default();
        for secret in [WEBHOOK_SECRET, LISTENER_SECRET] {
            assert!(!text.contains(secret), "{log} holds a secret");
        }
    }
}
