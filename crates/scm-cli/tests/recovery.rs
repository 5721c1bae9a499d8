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
//!
//! The same for a GitLab project hook, against a stand-in for its event
//! log ([`scm_testkit::gitlab_hook_log`]) sending payloads of the
//! third-party corpus: a resend carries a new `X-Gitlab-Event-UUID` and the
//! same `Idempotency-Key`, and still reaches the listener once.

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
use scm_testkit::gitlab_hook_log::{GitLabHookLog, GITLAB_HOOK_ID};
use scm_testkit::hook_log::{HookLog, HOOK_ID};
use scm_testkit::webhooks::examples;
use scm_testkit::KillOnDrop;

const WEBHOOK_SECRET: &str = "recovery-webhook-secret";
const LISTENER_SECRET: &str = "recovery-listener-secret";
const DELIVERED: usize = 20;
const TIMED_OUT: usize = 5;
const MISSED: usize = 100;
const REPOSITORY: &str = "octo/recovered";
const GITLAB_PROJECT: &str = "group/recovered";

struct Setup {
    env: Vec<(String, String)>,
    listen: SocketAddr,
    config: std::path::PathBuf,
}

impl Setup {
    /// `scm.toml` with `recovery` as its `[recovery]` body, a SQLite
    /// registry in `dir`, and the queue's and webhooks' settings.
    fn new(dir: &Path, recovery: &str, env: Vec<(String, String)>) -> Setup {
        let config = dir.join("scm.toml");
        std::fs::write(
            &config,
            format!("[recovery]\ninterval_secs = 3600\nquota_share = 0.5\n\n{recovery}"),
        )
        .unwrap();
        Setup {
            env: queues::process_env(dir, env),
            listen: free_port(),
            config,
        }
    }

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

    fn spawn(&self, args: &[&str]) -> KillOnDrop {
        let child = self
            .scm()
            .args(args)
            .args(["--config", &self.config.display().to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start scm");
        KillOnDrop::new(child)
    }

    fn start_server(&self) -> KillOnDrop {
        self.spawn(&["serve", "--listen", &self.listen.to_string()])
    }

    fn base(&self) -> String {
        format!("http://{}", self.listen)
    }

    async fn wait_until_serving(&self, client: &reqwest::Client) {
        let started = Instant::now();
        while client
            .get(format!("{}/healthz", self.base()))
            .send()
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "scm serve did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A listener for every event type, counting deliveries by id.
    async fn add_listener(&self) -> Arc<Seen> {
        let seen = Arc::new(Seen::default());
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(hook))
            .with_state(seen.clone());
        // Served until the test ends.
        let hook_url = format!("{}/hook", scm_testkit::loopback::serve(app).await);
        let added = self
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
                &self.config.display().to_string(),
            ])
            .env("SCM_LISTENER_SECRET", LISTENER_SECRET)
            .output()
            .unwrap();
        assert!(
            added.status.success(),
            "{}",
            String::from_utf8_lossy(&added.stderr)
        );
        seen
    }

    /// `scm deliveries recover --dry-run`: its one report.
    fn dry_run(&self) -> serde_json::Value {
        let dry_run = self
            .scm()
            .args([
                "deliveries",
                "recover",
                "--dry-run",
                "--config",
                &self.config.display().to_string(),
            ])
            .output()
            .unwrap();
        assert!(
            dry_run.status.success(),
            "{}",
            String::from_utf8_lossy(&dry_run.stderr)
        );
        serde_json::from_slice(&dry_run.stdout).unwrap()
    }

    /// `/metrics`, checked by promtool; the `deliveries.recovered` line.
    async fn recovered_metric(&self, client: &reqwest::Client) -> String {
        let metrics_text = client
            .get(format!("{}/metrics", self.base()))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let promtool = promtool_check(&metrics_text);
        assert!(promtool.is_ok(), "promtool: {promtool:?}");
        assert!(
            metrics_text.contains("sentry_scm_deliveries_recovery_last_success{integration=\"1\"}")
        );
        let recovered_line = metrics_text
            .lines()
            .find(|l| l.starts_with("sentry_scm_deliveries_recovered_total{"))
            .unwrap_or_default()
            .to_owned();
        println!("/metrics: {recovered_line}; promtool check metrics: ok");
        recovered_line
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
    let setup = Setup::new(
        dir,
        &format!(
            "[[recovery.sources]]\nintegration = 1\nsource = \"repository\"\nhook_id = \"{HOOK_ID}\"\n\
             repository = \"{REPOSITORY}\"\n"
        ),
        [(
            "SCM_WEBHOOKS_GITHUB_SECRETS".to_owned(),
            WEBHOOK_SECRET.to_owned(),
        )]
        .into_iter()
        .chain(queue_env)
        .collect(),
    );
    let log = HookLog::start(
        Some(format!("{}/webhooks/github", setup.base())),
        WEBHOOK_SECRET.as_bytes(),
    )
    .await;
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
    let seen = setup.add_listener().await;

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

    let (outcome, recovered_in, recovered_line, report) =
        outage(&setup, &log, "recovery", payload, &seen).await;

    let redeliveries = log.redeliveries();
    outcome.check(
        "github",
        recovered_in,
        &redeliveries,
        &report,
        &recovered_line,
    );
}

/// The GitLab run: the same steps against a project hook's event log.
async fn run_gitlab(dir: &Path, queue_env: Vec<(String, String)>) {
    let payloads = gitlab_payloads();
    let setup = Setup::new(
        dir,
        &format!(
            "[[recovery.sources]]\nintegration = 1\nsource = \"project\"\nhook_id = \"{GITLAB_HOOK_ID}\"\n\
             repository = \"{GITLAB_PROJECT}\"\n"
        ),
        [(
            "SCM_WEBHOOKS_GITLAB_SECRETS".to_owned(),
            WEBHOOK_SECRET.to_owned(),
        )]
        .into_iter()
        .chain(queue_env)
        .collect(),
    );
    let log =
        GitLabHookLog::start(format!("{}/webhooks/gitlab", setup.base()), WEBHOOK_SECRET).await;
    setup.admin(&[
        "integration",
        "add",
        "--provider",
        "gitlab",
        "--name",
        "recovered",
        "--api-url",
        &log.api_url(),
        "--web-url",
        "https://gitlab.example.com",
        "--token",
        "glpat-recovery-token",
    ]);
    setup.admin(&[
        "repo",
        "add",
        "--org",
        "1",
        "--integration",
        "1",
        "--full-name",
        GITLAB_PROJECT,
        "--external-id",
        "42",
    ]);
    let seen = setup.add_listener().await;
    let payload = |i: usize| payloads[i % payloads.len()].clone();

    let (outcome, recovered_in, recovered_line, report) =
        outage(&setup, &log, "gitlab", payload, &seen).await;

    // Every resend had a new event UUID: the key alone made them one event.
    let attempts = log.attempts();
    let uuids: HashSet<&str> = attempts.iter().map(|a| a.event_uuid.as_str()).collect();
    assert_eq!(
        uuids.len(),
        attempts.len(),
        "a new X-Gitlab-Event-UUID per request"
    );
    assert_eq!(report["provider"], "gitlab", "{report}");
    assert_eq!(report["source"], "repository", "{report}");
    let resends = log.resends();
    outcome.check("gitlab", recovered_in, &resends, &report, &recovered_line);
}

/// Corpus payloads that become neutral events, with their `X-Gitlab-Event`
/// header.
fn gitlab_payloads() -> Vec<(String, bytes::Bytes)> {
    let dir = scm_testkit::paths::corpus("gitlab/webhooks");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let payloads: Vec<_> = files
        .into_iter()
        .filter_map(|path| {
            let body = std::fs::read(&path).unwrap();
            let kind: serde_json::Value = serde_json::from_slice(&body).ok()?;
            let header = match kind["object_kind"].as_str()? {
                "push" => "Push Hook",
                "tag_push" => "Tag Push Hook",
                "issue" => "Issue Hook",
                "note" => "Note Hook",
                "merge_request" => "Merge Request Hook",
                "pipeline" => "Pipeline Hook",
                "build" => "Job Hook",
                _ => return None,
            };
            matches!(
                scm_gitlab::webhooks::parse(header, &body),
                Ok(scm_gitlab::webhooks::Parsed::Event(_))
            )
            .then(|| (header.to_owned(), bytes::Bytes::from(body)))
        })
        .collect();
    assert!(!payloads.is_empty(), "the corpus has GitLab events");
    payloads
}

/// A stand-in provider's delivery log: it sends a webhook by id, or sends
/// one that it records as failed although the server accepted it.
trait DeliveryLog {
    async fn send(&self, id: &str, event: &str, body: bytes::Bytes) -> u16;
    async fn send_timing_out(&self, id: &str, event: &str, body: bytes::Bytes) -> u16;
}

impl DeliveryLog for HookLog {
    async fn send(&self, id: &str, event: &str, body: bytes::Bytes) -> u16 {
        HookLog::send(self, id, event, body).await
    }
    async fn send_timing_out(&self, id: &str, event: &str, body: bytes::Bytes) -> u16 {
        HookLog::send_timing_out(self, id, event, body).await
    }
}

impl DeliveryLog for GitLabHookLog {
    async fn send(&self, id: &str, event: &str, body: bytes::Bytes) -> u16 {
        GitLabHookLog::send(self, id, event, body).await
    }
    async fn send_timing_out(&self, id: &str, event: &str, body: bytes::Bytes) -> u16 {
        GitLabHookLog::send_timing_out(self, id, event, body).await
    }
}

/// The outage, the same for every provider: while running, 20 webhooks
/// delivered and 5 accepted but marked failed; while stopped, 100 that
/// find nobody; then a restart, whose start-up pass must bring every one
/// to the listener with no manual step. Ids are `<prefix>-ok|late|missed-NNN`.
/// Returns what reached the listener, how long it took after the restart,
/// the recovery metric line and a dry run's report afterwards.
async fn outage(
    setup: &Setup,
    log: &impl DeliveryLog,
    prefix: &str,
    payload: impl Fn(usize) -> (String, bytes::Bytes),
    seen: &Seen,
) -> (Outcome, Duration, String, serde_json::Value) {
    let mut server = setup.start_server();
    let client = reqwest::Client::new();
    setup.wait_until_serving(&client).await;
    let mut worker = setup.spawn(&["worker"]);
    for i in 0..DELIVERED {
        let (event, body) = payload(i);
        let id = format!("{prefix}-ok-{i:03}");
        assert_eq!(log.send(&id, &event, body).await, 202);
    }
    let mut timed_out = HashSet::new();
    for i in 0..TIMED_OUT {
        let (event, body) = payload(DELIVERED + i);
        let id = format!("{prefix}-late-{i:03}");
        assert_eq!(log.send_timing_out(&id, &event, body).await, 202);
        timed_out.insert(id);
    }

    server.kill();
    let mut missed = HashSet::new();
    for i in 0..MISSED {
        let (event, body) = payload(DELIVERED + TIMED_OUT + i);
        let id = format!("{prefix}-missed-{i:03}");
        assert_eq!(log.send(&id, &event, body).await, 0, "the server is down");
        missed.insert(id);
    }

    let restarted = Instant::now();
    let _server = setup.start_server();
    let delivered = (0..DELIVERED).map(|i| format!("{prefix}-ok-{i:03}"));
    let outcome = recovered(seen, delivered, &missed, &timed_out).await;
    let recovered_in = restarted.elapsed();
    let recovered_line = setup.recovered_metric(&client).await;
    let report = setup.dry_run();
    worker.kill();
    (outcome, recovered_in, recovered_line, report)
}

/// What reached the listener after the restart.
struct Outcome {
    counts: HashMap<String, usize>,
    expected: HashSet<String>,
    missed: HashSet<String>,
    timed_out: HashSet<String>,
}

/// Waits until every expected delivery reached the listener, then a
/// moment for any stray repeat.
async fn recovered(
    seen: &Seen,
    delivered: impl Iterator<Item = String>,
    missed: &HashSet<String>,
    timed_out: &HashSet<String>,
) -> Outcome {
    let expected: HashSet<String> = delivered
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
    tokio::time::sleep(Duration::from_millis(1000)).await;
    Outcome {
        counts: seen.0.lock().unwrap().clone(),
        expected,
        missed: missed.clone(),
        timed_out: timed_out.clone(),
    }
}

impl Outcome {
    /// Prints the figures, then checks: each webhook once, one redelivery
    /// per missed one and none of the timed-out ones, nothing left for a
    /// dry run afterwards, and the metric counting the missed ones.
    fn check(
        &self,
        provider: &str,
        recovered_in: Duration,
        redeliveries: &[String],
        report: &serde_json::Value,
        recovered_line: &str,
    ) {
        let repeated: Vec<_> = self.counts.iter().filter(|(_, n)| **n > 1).collect();
        let asked: HashSet<&String> = redeliveries.iter().collect();
        println!(
            "recovery ({provider}): {DELIVERED} delivered, {TIMED_OUT} accepted but marked failed, \
             {MISSED} sent while stopped; after the restart {} of {} reached the listener ({} more \
             than once) in {recovered_in:.1?}; {} redeliveries asked ({} of the missed, {} of the \
             timed out); dry run afterwards: {report}",
            self.counts.len(),
            self.expected.len(),
            repeated.len(),
            redeliveries.len(),
            asked.iter().filter(|g| self.missed.contains(g.as_str())).count(),
            asked
                .iter()
                .filter(|g| self.timed_out.contains(g.as_str()))
                .count(),
        );
        assert!(
            recovered_line.ends_with(&format!(" {MISSED}")),
            "{recovered_line}"
        );
        assert!(
            repeated.is_empty(),
            "processed more than once: {repeated:?}"
        );
        assert_eq!(self.counts.len(), self.expected.len());
        assert_eq!(
            redeliveries.len(),
            MISSED,
            "one redelivery per missed webhook"
        );
        assert!(self.missed.iter().all(|g| asked.contains(g)));
        assert_eq!(
            report["failed"], TIMED_OUT,
            "only the timed-out ones still look failed"
        );
        assert_eq!(report["already_received"], TIMED_OUT);
        assert_eq!(report["redelivered"], 0);
    }
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

on_each_queue!(
    webhooks_sent_while_stopped_reach_the_listener_once_with_the_sqlite_queue,
    webhooks_sent_while_stopped_reach_the_listener_once_with_nats_jetstream,
    run,
    "scmrec"
);

on_each_queue!(
    gitlab_webhooks_sent_while_stopped_reach_the_listener_once_with_the_sqlite_queue,
    gitlab_webhooks_sent_while_stopped_reach_the_listener_once_with_nats_jetstream,
    run_gitlab,
    "scmrecgl"
);
