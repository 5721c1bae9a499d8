//! The metric table on every path, exported both ways: `scm serve` and
//! `scm worker` send DogStatsD to a UDP socket of this test, and the
//! server's `/metrics` passes `promtool check metrics` (Prometheus's own
//! checker). Paths: a v1 call answered by `prism mock` of GitHub's
//! official OpenAPI description, a v1 call to a provider that answers 502
//! (with its rate-limit headers), an
//! rpc0 proxied request, an rpc0 request refused for its referrer's
//! exhausted quota allocation, an in-process call of this test (its own
//! recorder, the same UDP socket), a real webhook delivery from
//! `@octokit/webhooks-examples` (accepted, and refused for its
//! signature), and the worker running a listener that succeeds and an
//! HTTP listener that fails on the accepted event.

mod support;

use std::io::Write as _;
use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scm_core::actions::GetIssue;
use scm_core::registry::RepositoryKey;
use scm_core::Secret;
use scm_rpc::{RpcProvider, RpcTarget};
use scm_server::crypto::{SecretBox, KEY_ENV};
use scm_server::observability::ObservabilityConfig;
use scm_testkit::prism::Prism;
use scm_testkit::KillOnDrop;
use serde_json::Value;
use support::{add_github_repository, free_port, rpc0_get};

const ORG: i64 = 12;
const RPC0_SECRET: &str = "rpc0-metrics-test-secret";
const WEBHOOK_SECRET: &str = "whsec-metrics-test";
/// A referrer whose quota allocation is nothing: every request refused.
const STARVED: &str = "starved";
/// Metrics of the table that no path of this test produces, and where
/// they are produced instead.
const NOT_PRODUCED_HERE: [&str; 10] = [
    // Failing stores: unit tests of scm-core and scm-server.
    "quota.store_unavailable",
    "cache.store_unavailable",
    "rpc.nonce_store_unavailable",
    // Delivery recovery: recovery.rs.
    "deliveries.recovered",
    "deliveries.recovery_failed",
    "deliveries.recovery_last_success",
    // Cached entries (prism's answers carry no validators to cache by),
    // revalidated, coalesced or evicted: the cache's own tests.
    "cache.stored_bytes",
    "cache.hits",
    "cache.coalesced",
    "cache.evictions",
];

struct Env {
    dir: tempfile::TempDir,
    database_url: String,
    key: Secret,
    statsd: String,
}

impl Env {
    fn scm(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_scm"));
        cmd.args(args)
            .args(["--database-url", &self.database_url])
            .env(KEY_ENV, self.key.expose())
            .env("SCM_INTEGRATION_TOKEN", "ghp_metrics_test_token")
            .env("SCM_STATSD_ADDR", &self.statsd)
            .env("SCM_RPC0_SECRETS", RPC0_SECRET)
            .env("SCM_QUOTA_ALLOCATIONS", format!("{STARVED}=0"))
            .env("SCM_WEBHOOKS_GITHUB_SECRETS", WEBHOOK_SECRET)
            .env("SCM_QUEUE_PATH", self.dir.path().join("events.db"));
        cmd
    }

    fn admin(&self, args: &[&str]) -> Value {
        let out = self.scm(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn spawn(&self, args: &[&str], log: &str) -> KillOnDrop {
        let log = std::fs::File::create(self.dir.path().join(log)).unwrap();
        KillOnDrop::new(
            self.scm(args)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .unwrap(),
        )
    }
}

/// Collects every datagram the socket receives.
fn collect_statsd(socket: UdpSocket) -> Arc<Mutex<String>> {
    let seen = Arc::new(Mutex::new(String::new()));
    let sink = seen.clone();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 65536];
        while let Ok(len) = socket.recv(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..len]).into_owned();
            let mut all = sink.lock().unwrap();
            all.push_str(&text);
            all.push('\n');
        }
    });
    seen
}

#[test]
fn every_path_is_measured_in_prometheus_and_statsd() {
    let prism = Prism::shared_github();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let statsd = socket.local_addr().unwrap().to_string();
    let seen = collect_statsd(socket);
    // This process's recorder, for its in-process call.
    scm_server::observability::exporters::install(&ObservabilityConfig {
        statsd_addr: Some(statsd.clone()),
        ..Default::default()
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env = Env {
        database_url: format!("sqlite://{}", dir.path().join("registry.db").display()),
        dir,
        key: SecretBox::generate_key(),
        statsd,
    };
    let repo_id = add_github_repository(
        |args| env.admin(args),
        ORG,
        "up",
        prism.base_url(),
        "octocat/hello-world",
    );
    // A provider that is down, still stating its rate limit (as GitHub
    // does on every answer).
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let down = runtime.block_on(async {
        let server = wiremock::MockServer::start().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(
                wiremock::ResponseTemplate::new(502)
                    .insert_header("x-ratelimit-limit", "5000")
                    .insert_header("x-ratelimit-remaining", "4321"),
            )
            .mount(&server)
            .await;
        server
    });
    let down_repo = add_github_repository(
        |args| env.admin(args),
        ORG,
        "down",
        &down.uri(),
        "octocat/down",
    );
    let key = env.admin(&[
        "client-key",
        "create",
        "--name",
        "metrics",
        "--org",
        &ORG.to_string(),
        "--referrer",
        "metrics-test",
    ]);
    // A listener whose URL answers nothing: its one run fails.
    env.admin(&[
        "listener",
        "add",
        "--name",
        "unreachable",
        "--url",
        &format!("http://127.0.0.1:{}/hook", free_port()),
        "--events",
        "issue",
        "--secret",
        "listener-metrics-test-secret",
        "--max-attempts",
        "1",
        "--from",
        "earliest",
    ]);
    let listen = format!("127.0.0.1:{}", free_port());
    let _server = env.spawn(&["serve", "--listen", &listen], "serve.log");
    let _worker = env.spawn(&["worker", "--print-events"], "worker.log");
    let started = Instant::now();
    while std::net::TcpStream::connect(&listen).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "no server");
        std::thread::sleep(Duration::from_millis(50));
    }
    // The worker subscribes from new events: give it time to start.
    std::thread::sleep(Duration::from_secs(3));
    let base_url = format!("http://{listen}");

    let metrics_text = runtime.block_on(async {
        let target = |repository: i64| RpcTarget {
            base_url: base_url.clone(),
            key_id: key["key_id"].as_str().unwrap().to_owned(),
            secret: Secret::new(key["secret"].as_str().unwrap()),
            organization: ORG,
            repository: RepositoryKey::Id(repository),
            referrer: "metrics-test".into(),
        };
        let issue = GetIssue {
            issue_id: "1347".into(),
        };
        for (repository, ok) in [(repo_id, true), (down_repo, false)] {
            let scm = RpcProvider::connect(target(repository))
                .await
                .unwrap()
                .into_manager();
            assert_eq!(scm.execute(issue.clone()).await.is_ok(), ok);
        }

        let http = reqwest::Client::new();
        let rpc0 = |referrer: &str| {
            rpc0_get(
                &http,
                &base_url,
                RPC0_SECRET,
                (ORG, repo_id),
                referrer,
                "/repos/octocat/hello-world/issues/1347",
            )
        };
        assert_eq!(rpc0("metrics-test").send().await.unwrap().status(), 200);
        assert_eq!(rpc0(STARVED).send().await.unwrap().status(), 429);

        // In-process: this process's own recorder, the same socket.
        let in_process = scm_core::registration::connect(
            scm_providers::require("github").unwrap(),
            &scm_core::registration::IntegrationSpec {
                api_url: Some(prism.base_url().to_owned()),
                web_url: Some("https://github.com".to_owned()),
                credential: scm_core::Credential::token("ghp_metrics_in_process_token"),
            },
            scm_core::layers::ConnectOptions::default(),
        )
        .unwrap();
        scm_core::SourceCodeManager::for_repository(
            in_process.provider,
            scm_core::registry::RepositoryRecord::direct("github", "octocat/hello-world"),
            "in-process",
        )
        .execute(issue.clone())
        .await
        .unwrap();

        let example = scm_testkit::webhooks::examples_for("issues")[0];
        for (secret, status) in [(WEBHOOK_SECRET, 202), ("wrong", 401)] {
            let answer = http
                .post(format!("{base_url}/webhooks/github"))
                .headers(example.delivery_headers(secret.as_bytes()))
                .body(example.payload_bytes.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(answer.status(), status);
        }
        http.get(format!("{base_url}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    });

    // Prometheus: names with underscores, valid for promtool.
    for name in [
        "sentry_scm_actions_success",
        "sentry_scm_actions_failed",
        "action=\"rpc0_proxy\"",
        "sentry_scm_produce_event_to_scm_stream_success",
        "sentry_scm_produce_event_to_scm_stream_failed",
        "sentry_scm_quota_used",
        "sentry_scm_quota_remaining",
        "sentry_scm_quota_refused_total",
        "sentry_scm_rpc0_proxied_total",
    ] {
        assert!(metrics_text.contains(name), "{name} not in /metrics");
    }
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
        .write_all(metrics_text.as_bytes())
        .unwrap();
    let checked = promtool.wait_with_output().unwrap();
    let report = String::from_utf8_lossy(&checked.stdout).into_owned()
        + &String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success(), "promtool: {report}");
    println!(
        "promtool check metrics: ok ({} lines of /metrics)",
        metrics_text.lines().count()
    );

    // StatsD: every metric of the table that these paths produce, dotted,
    // and the tags that tell the paths apart (DogStatsD form).
    let names: Vec<String> = scm_core::telemetry::TABLE
        .iter()
        .map(|(name, _, _)| *name)
        .filter(|name| !NOT_PRODUCED_HERE.contains(name))
        .map(|name| format!("sentry.scm.{name}:"))
        .collect();
    let tagged = [
        // v1, rpc0 proxied and in-process actions.
        ("actions.success:", "action:get_issue"),
        ("actions.success:", "referrer:metrics-test"),
        ("actions.success:", "action:rpc0_proxy"),
        ("actions.success:", "referrer:in-process"),
        ("actions.failed:", "code:"),
        ("actions.failed:", "referrer:starved"),
        ("quota.refused:", "referrer:starved"),
        ("quota.used:", "integration:"),
        ("quota.remaining:", "referrer:"),
        ("quota.provider_remaining:", "4321"),
        ("produce_event_to_scm_stream.success:", "provider:github"),
        ("produce_event_to_scm_stream.failed:", "reason:"),
        ("run_listener.success:", "listener:stdout"),
        ("run_listener.failed:", "listener:unreachable"),
    ];
    let wanted = names.len() + tagged.len();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = seen.lock().unwrap().clone();
        let mut missing: Vec<String> = names
            .iter()
            .filter(|name| !text.contains(name.as_str()))
            .cloned()
            .collect();
        for (name, tag) in tagged {
            let sent = text
                .lines()
                .any(|line| line.starts_with(&format!("sentry.scm.{name}")) && line.contains(tag));
            if !sent {
                missing.push(format!("{name} with {tag}"));
            }
        }
        if missing.is_empty() {
            let lines: Vec<_> = text.lines().filter(|l| !l.is_empty()).collect();
            println!(
                "statsd: {} datagram lines, all {} names of the table produced here and {} tags seen",
                lines.len(),
                names.len(),
                wanted - names.len()
            );
            for line in lines.iter().filter(|l| l.contains("actions.")).take(3) {
                println!("  {line}");
            }
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not sent over StatsD: {missing:?}\n{text}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}
