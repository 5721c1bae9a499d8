//! "Stop the server, send 100 webhooks to it, start it": missed-delivery
//! recovery end to end with the real `scm serve` and `scm worker`.
//!
//! A stand-in for GitHub's delivery log ([`scm_testkit::hook_log`]) sends
//! real `@octokit/webhooks-examples` payloads, signed, to `scm serve`:
//! 20 while it runs (delivered), 5 that it accepts but that the log marks
//! `timed out` (arrived, yet failed for GitHub), then 100 while it is
//! stopped (refused connections: failed). The server is started again
//! with the repository hook as its `[recovery]` source; its start-up pass
//! must bring each of the 100 to the listener exactly once, and must not
//! ask for the 5 that had arrived. `scm deliveries recover --dry-run`
//! afterwards finds nothing left. Runs on the SQLite queue and on NATS
//! JetStream (a unique stream, deleted at the end).

mod nats_stream;

use std::collections::{HashMap, HashSet};
use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::HeaderMap;
use scm_testkit::hook_log::{HookLog, HOOK_ID};
use scm_testkit::webhooks::examples;

const WEBHOOK_SECRET: &str = "recovery-webhook-secret";
const LISTENER_SECRET: &str = "recovery-listener-secret";
const DELIVERED: usize = 20;
const TIMED_OUT: usize = 5;
const MISSED: usize = 100;
const REPOSITORY: &str = "octo/recovered";

/// A child process killed when dropped, also on panic.
struct Guard(Option<Child>);

impl Guard {
    fn kill(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        self.kill();
    }
}

struct Setup {
    env: Vec<(String, String)>,
    listen: SocketAddr,
    config: std::path::PathBuf,
}

impl Setup {
    fn scm(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_scm"));
        command.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        command
    }

    fn admin(&self, args: &[&str]) -> serde_json::Value {
        let out = self
            .scm()
            .args(args)
            .args(["--config", &self.config.display().to_string()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "scm {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_default()
    }

    fn spawn(&self, args: &[&str]) -> Guard {
        let child = self
            .scm()
            .args(args)
            .args(["--config", &self.config.display().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start scm");
        Guard(Some(child))
    }

    fn start_server(&self) -> Guard {
        self.spawn(&["serve", "--listen", &self.listen.to_string()])
    }
}

fn free_port() -> SocketAddr {
    StdListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

/// Delivery id → times it reached the listener.
#[derive(Default)]
struct Seen(Mutex<HashMap<String, usize>>);

async fn hook(State(seen): State<Arc<Seen>>, headers: HeaderMap) -> &'static str {
    let delivery = headers
        .get("x-scm-delivery")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    *seen.0.lock().unwrap().entry(delivery).or_default() += 1;
    "ok"
}

async fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what} within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn run(dir: &Path, queue_env: Vec<(String, String)>) {
    let listen = free_port();
    let log = HookLog::start(
        Some(format!("http://{listen}/webhooks/github")),
        WEBHOOK_SECRET.as_bytes(),
    )
    .await;
    let config = dir.join("scm.toml");
    std::fs::write(
        &config,
        format!(
            "[recovery]\ninterval_secs = 3600\nquota_share = 0.5\n\n[[recovery.sources]]\nintegration = 1\n\
             source = \"repository\"\nhook_id = \"{HOOK_ID}\"\nrepository = \"{REPOSITORY}\"\n"
        ),
    )
    .unwrap();
    let setup = Setup {
        env: [
            (
                "SCM_SECRET_KEY".to_owned(),
                scm_server::crypto::SecretBox::generate_key()
                    .expose()
                    .to_owned(),
            ),
            (
                "SCM_DATABASE_URL".to_owned(),
                format!("sqlite://{}", dir.join("registry.db").display()),
            ),
            (
                "SCM_WEBHOOKS_GITHUB_SECRETS".to_owned(),
                WEBHOOK_SECRET.to_owned(),
            ),
            ("RUST_LOG".to_owned(), "warn".to_owned()),
        ]
        .into_iter()
        .chain(queue_env)
        .collect(),
        listen,
        config,
    };
    setup.admin(&[
        "integration",
        "add",
        "--provider",
        "github",
        "--name",
        "recovered",
        "--api-url",
        &log.base_url(),
        "--web-url",
        "https://github.com",
        "--token",
        "ghp_recovery_token",
    ]);
    setup.admin(&[
        "repo",
        "add",
        "--org",
        "1",
        "--integration",
        "1",
        "--full-name",
        REPOSITORY,
    ]);

    let seen = Arc::new(Seen::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new()
        .route("/hook", axum::routing::post(hook))
        .with_state(seen.clone());
    let hook_server = tokio::spawn(async move { axum::serve(listener, app).await });
    let added = setup
        .scm()
        .args([
            "listener",
            "add",
            "--name",
            "recovered",
            "--url",
            &hook_url,
            "--events",
            "check_run,check_suite,comment,pull_request,pull_request_review,review_comment,push,issue,installation",
            "--config",
            &setup.config.display().to_string(),
        ])
        .env("SCM_LISTENER_SECRET", LISTENER_SECRET)
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );

    // Payloads that become neutral events (so each one reaches the listener).
    let payloads: Vec<_> = examples()
        .iter()
        .filter(|e| {
            matches!(
                scm_github::webhooks::parse_event(&e.event, &e.payload_bytes),
                Ok(scm_github::webhooks::ParseOutcome::Parsed { .. })
            )
        })
        .collect();
    let payload = |i: usize| {
        let example = payloads[i % payloads.len()];
        (example.event.clone(), example.payload_bytes.clone())
    };

    // Running: 20 delivered, 5 accepted but marked failed.
    let mut server = setup.start_server();
    let client = reqwest::Client::new();
    let base = format!("http://{listen}");
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "scm serve did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let mut worker = setup.spawn(&["worker"]);
    for i in 0..DELIVERED {
        let (event, body) = payload(i);
        assert_eq!(
            log.send(&format!("recovery-ok-{i:03}"), &event, body).await,
            202
        );
    }
    let mut timed_out = HashSet::new();
    for i in 0..TIMED_OUT {
        let (event, body) = payload(DELIVERED + i);
        let guid = format!("recovery-late-{i:03}");
        assert_eq!(log.send_timing_out(&guid, &event, body).await, 202);
        timed_out.insert(guid);
    }

    // Stopped: 100 webhooks find nobody.
    server.kill();
    let mut missed = HashSet::new();
    for i in 0..MISSED {
        let (event, body) = payload(DELIVERED + TIMED_OUT + i);
        let guid = format!("recovery-missed-{i:03}");
        assert_eq!(log.send(&guid, &event, body).await, 0, "the server is down");
        missed.insert(guid);
    }

    // Started again: the start-up pass, no manual step.
    let restarted = Instant::now();
    let _server = setup.start_server();
    let expected: HashSet<String> = (0..DELIVERED)
        .map(|i| format!("recovery-ok-{i:03}"))
        .chain(missed.iter().cloned())
        .chain(timed_out.iter().cloned())
        .collect();
    wait_until(
        "every webhook reaches the listener",
        Duration::from_secs(120),
        || {
            let counts = seen.0.lock().unwrap();
            expected.iter().all(|id| counts.contains_key(id))
        },
    )
    .await;
    let recovered_in = restarted.elapsed();
    // Let any stray repeat arrive.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let metrics_text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let promtool = promtool_check(&metrics_text);

    let dry_run = setup
        .scm()
        .args([
            "deliveries",
            "recover",
            "--dry-run",
            "--config",
            &setup.config.display().to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        dry_run.status.success(),
        "{}",
        String::from_utf8_lossy(&dry_run.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&dry_run.stdout).unwrap();
    worker.kill();
    hook_server.abort();

    let counts = seen.0.lock().unwrap().clone();
    let redeliveries = log.redeliveries();
    let repeated: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    let asked: HashSet<&String> = redeliveries.iter().collect();
    println!(
        "recovery: {DELIVERED} delivered, {TIMED_OUT} accepted but marked failed, {MISSED} sent \
         while stopped; after the restart {} of {} reached the listener ({} more than once) in \
         {recovered_in:.1?}; {} redeliveries asked ({} of the missed, {} of the timed out); \
         dry run afterwards: {report}",
        counts.len(),
        expected.len(),
        repeated.len(),
        redeliveries.len(),
        asked.iter().filter(|g| missed.contains(g.as_str())).count(),
        asked
            .iter()
            .filter(|g| timed_out.contains(g.as_str()))
            .count(),
    );
    assert!(promtool.is_ok(), "promtool: {promtool:?}");
    let recovered_line = metrics_text
        .lines()
        .find(|l| l.starts_with("sentry_scm_deliveries_recovered_total{"))
        .unwrap_or_default();
    println!("/metrics: {recovered_line}; promtool check metrics: ok");
    assert!(
        recovered_line.ends_with(&format!(" {MISSED}")),
        "{recovered_line}"
    );
    assert!(metrics_text.contains("sentry_scm_deliveries_recovery_last_success{integration=\"1\"}"));
    assert!(
        repeated.is_empty(),
        "processed more than once: {repeated:?}"
    );
    assert_eq!(counts.len(), expected.len());
    assert_eq!(
        redeliveries.len(),
        MISSED,
        "one redelivery per missed webhook"
    );
    assert!(missed.iter().all(|g| asked.contains(g)));
    assert_eq!(
        report["failed"], TIMED_OUT,
        "only the timed-out ones still look failed"
    );
    assert_eq!(report["already_received"], TIMED_OUT);
    assert_eq!(report["redelivered"], 0);
}

/// `promtool check metrics` (Debian package prometheus) on the text.
fn promtool_check(text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut promtool = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool (Debian package prometheus) is installed");
    promtool
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let checked = promtool.wait_with_output().unwrap();
    if checked.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&checked.stdout).into_owned()
            + &String::from_utf8_lossy(&checked.stderr))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_sent_while_stopped_reach_the_listener_once_with_the_sqlite_queue() {
    let dir = tempfile::tempdir().unwrap();
    let queue = vec![
        ("SCM_QUEUE_BACKEND".to_owned(), "sqlite".to_owned()),
        (
            "SCM_QUEUE_PATH".to_owned(),
            dir.path().join("events.db").display().to_string(),
        ),
    ];
    run(dir.path(), queue).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_sent_while_stopped_reach_the_listener_once_with_nats_jetstream() {
    let dir = tempfile::tempdir().unwrap();
    let unique = format!(
        "{:x}{:x}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let (queue, _stream) = nats_stream::nats_queue("scmrec", &unique);
    run(dir.path(), queue).await;
}
