//! The logs of `scm serve` under real traffic: one line per RPC call and
//! per webhook with their facts, refusals at warn with their code, provider
//! failures at warn, a configuration summary, and none of the run's
//! secrets (registry key, integration token, client secret, webhook
//! secret) in any line, even at debug level.
//!
//! The provider is `prism mock` of GitHub's official OpenAPI description;
//! the webhook is a real delivery from `@octokit/webhooks-examples`.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use scm_core::actions::GetIssue;
use scm_core::registry::RepositoryKey;
use scm_core::Secret;
use scm_rpc::{RpcProvider, RpcTarget};
use scm_server::crypto::{SecretBox, KEY_ENV};
use scm_testkit::prism::Prism;
use serde_json::Value;
use support::{add_github_repository, free_port};

const ORG: i64 = 11;
const TOKEN: &str = "ghp_logs_test_integration_token_4f2a";
const WEBHOOK_SECRET: &str = "whsec-logs-test-7d1c";

struct Run {
    dir: tempfile::TempDir,
    database_url: String,
    key: Secret,
}

impl Run {
    fn admin(&self, args: &[&str]) -> Value {
        let out = Command::new(env!("CARGO_BIN_EXE_scm"))
            .args(args)
            .args(["--database-url", &self.database_url])
            .env(KEY_ENV, self.key.expose())
            .env("SCM_INTEGRATION_TOKEN", TOKEN)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

/// The JSON log lines of the file, parsed.
fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

fn find(lines: &[Value], pred: impl Fn(&Value) -> bool) -> &Value {
    lines
        .iter()
        .find(|line| pred(line))
        .unwrap_or_else(|| panic!("no such line in {lines:#?}"))
}

#[test]
fn serve_logs_every_request_and_no_secret() {
    let prism = Prism::shared_github();
    let dir = tempfile::tempdir().unwrap();
    let run = Run {
        database_url: format!("sqlite://{}", dir.path().join("registry.db").display()),
        dir,
        key: SecretBox::generate_key(),
    };
    let repo_id = add_github_repository(
        |args| run.admin(args),
        ORG,
        "logs",
        prism.base_url(),
        "octocat/hello-world",
    );
    // A provider nobody listens on: every call fails after retries.
    let dead_port = free_port();
    let dead_repo = add_github_repository(
        |args| run.admin(args),
        ORG,
        "down",
        &format!("http://127.0.0.1:{dead_port}"),
        "octocat/unreachable",
    );
    let key = run.admin(&[
        "client-key",
        "create",
        "--name",
        "logs",
        "--org",
        &ORG.to_string(),
        "--referrer",
        "logs-test",
    ]);
    let key_id = key["key_id"].as_str().unwrap().to_owned();
    let client_secret = key["secret"].as_str().unwrap().to_owned();

    let listen = format!("127.0.0.1:{}", free_port());
    let log_path = run.dir.path().join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_scm"))
        .args(["serve", "--listen", &listen, "--log-format", "json"])
        .args(["--database-url", &run.database_url])
        .env(KEY_ENV, run.key.expose())
        .env("RUST_LOG", "debug")
        .env("SCM_WEBHOOKS_GITHUB_SECRETS", WEBHOOK_SECRET)
        .env("SCM_QUEUE_PATH", run.dir.path().join("events.db"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while std::net::TcpStream::connect(&listen).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "no server");
        std::thread::sleep(Duration::from_millis(50));
    }
    let base_url = format!("http://{listen}");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let target = |secret: &str, repository: i64| RpcTarget {
            base_url: base_url.clone(),
            key_id: key_id.clone(),
            secret: Secret::new(secret),
            organization: ORG,
            repository: RepositoryKey::Id(repository),
            referrer: "logs-test".into(),
        };
        let issue = GetIssue {
            issue_id: "1347".into(),
        };
        // A successful call, a provider failure, a refused signature.
        let scm = RpcProvider::connect(target(&client_secret, repo_id))
            .await
            .unwrap()
            .into_manager();
        scm.execute(issue.clone()).await.unwrap();
        let down = RpcProvider::connect(target(&client_secret, dead_repo))
            .await
            .unwrap()
            .into_manager();
        assert!(down.execute(issue.clone()).await.is_err());
        assert!(RpcProvider::connect(target("not-the-secret", repo_id))
            .await
            .is_err());

        // A real delivery, signed, then the same with a wrong secret.
        let example = scm_testkit::webhooks::examples_for("issues")[0];
        let http = reqwest::Client::new();
        for secret in [WEBHOOK_SECRET, "wrong-webhook-secret"] {
            http.post(format!("{base_url}/webhooks/github"))
                .headers(example.delivery_headers(secret.as_bytes()))
                .body(example.payload_bytes.clone())
                .send()
                .await
                .unwrap();
        }
    });
    let _ = child.kill();
    let _ = child.wait();

    let text = std::fs::read_to_string(&log_path).unwrap();
    for secret in [TOKEN, WEBHOOK_SECRET, &client_secret, run.key.expose()] {
        assert!(!text.contains(secret), "a secret is in the logs");
    }
    let lines = lines(&text);
    println!("{} log lines at debug, none with a secret", lines.len());
    let config = find(&lines, |l| l["message"] == "configuration");
    assert_eq!(config["role"], "serve");
    assert!(config["webhook_secrets"]
        .as_str()
        .unwrap()
        .contains("github=1"));

    let ok = find(&lines, |l| {
        l["message"] == "request" && l["span"]["action"] == "get_issue"
    });
    assert_eq!(ok["level"], "INFO");
    assert_eq!(ok["status"], 200);
    assert_eq!(ok["span"]["provider"], "github");
    assert_eq!(ok["span"]["referrer"], "logs-test");
    assert_eq!(ok["span"]["http.request.method"], "POST");
    assert!(ok["latency_ms"].as_f64().is_some());

    let failed = find(&lines, |l| l["message"] == "provider call failed");
    assert_eq!(failed["level"], "WARN");
    assert_eq!(failed["code"], "provider_unavailable");
    assert_eq!(failed["span"]["provider"], "github");
    assert_eq!(failed["span"]["action"], "get_issue");

    let refused = find(&lines, |l| {
        l["message"] == "request refused" && l["code"] == "rpc_invalid_signature"
    });
    assert_eq!(refused["level"], "WARN");
    assert_eq!(refused["status"], 401);

    let delivered = find(&lines, |l| {
        l["message"] == "request" && l["span"]["http.route"] == "/webhooks/{provider}"
    });
    assert_eq!(delivered["status"], 202);
    assert_eq!(delivered["span"]["provider"], "github");
    assert_eq!(delivered["span"]["event"], "issue");
    assert!(delivered["span"]["delivery_id"].as_str().is_some());
    let bad_hook = find(&lines, |l| {
        l["message"] == "request refused" && l["span"]["http.route"] == "/webhooks/{provider}"
    });
    assert_eq!(bad_hook["status"], 401);
    for line in [ok, failed, refused, delivered, bad_hook] {
        println!("{line}");
    }
}
