//! The operator console in a real browser: Debian's Chromium driven by
//! `playwright-core` (pinned in package.json) against the real `scm serve`
//! and `scm worker` over a SQLite registry and queue. The Rust side sets
//! the platform up (integrations, repositories, listeners, a mock GitHub
//! API) and starts the processes; `tests/console/browser.mjs` logs in,
//! posts signed GitHub and GitLab webhooks, replays a dead letter, creates
//! and revokes a client key, watches quota use move, checks that no secret
//! of the run appears in any page, and writes a screenshot of each page to
//! `target/console-screenshots/`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use scm_testkit::webhooks::examples;
use scm_testkit::KillOnDrop;
use serde_json::Value;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, ResponseTemplate};

const ADMIN_TOKEN: &str = "console-admin-7c41e0b2d9";
const GITHUB_WEBHOOK_SECRET: &str = "console-github-hook-3a9f";
const GITLAB_WEBHOOK_SECRET: &str = "console-gitlab-hook-51be";
const LISTENER_SECRET: &str = "console-listener-secret-e2d4";
const GITHUB_TOKEN: &str = "ghp_console_browser_token_0f6a";
const GITLAB_TOKEN: &str = "glpat-console-browser-token-9d2c";
const CHROMIUM: &str = "/usr/bin/chromium";

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `scm` in `dir`, over the run's registry and queue.
fn scm(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scm"));
    command
        .current_dir(dir)
        .env(
            "SCM_DATABASE_URL",
            format!("sqlite://{}", dir.join("scm.db").display()),
        )
        .env("SCM_QUEUE_PATH", dir.join("events.db"))
        .env("SCM_QUEUE_FSYNC", "false")
        .env_remove("SCM_SECRET_KEY")
        .env_remove("SCM_CONFIG")
        .env_remove("SCM_QUEUE_BACKEND");
    command
}

fn admin(dir: &Path, args: &[&str]) -> Value {
    let out = scm(dir).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "scm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Chromium and playwright-core, which `.ci/run` installs. Without them
/// the test fails rather than passing unseen.
fn require_tools(root: &Path) {
    let playwright = root.join("node_modules/playwright-core/package.json");
    for (what, path) in [
        ("chromium", Path::new(CHROMIUM)),
        ("playwright-core", &playwright),
    ] {
        assert!(
            path.exists(),
            "{what} not found at {} (`.ci/run` installs it: Debian `chromium`, `npm ci`)",
            path.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_console_in_a_real_browser() {
    let root = scm_testkit::paths::repo_root();
    require_tools(root);
    let gitlab_payload = scm_testkit::paths::corpus("gitlab/webhooks/merge_request.json");
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();

    // A GitHub API that knows no repository: every RPC call reaches it
    // (and counts against the referrer's quota) and is answered 404.
    let github = MockServer::start().await;
    Mock::given(any())
        .respond_with(
            ResponseTemplate::new(404).set_body_json(serde_json::json!({ "message": "Not Found" })),
        )
        .mount(&github)
        .await;

    let example = examples()
        .iter()
        .find(|e| {
            e.event == "pull_request"
                && e.payload["action"] == "opened"
                && e.payload["repository"]["full_name"].is_string()
        })
        .expect("a pull_request opened example");
    let github_full_name = example.payload["repository"]["full_name"].as_str().unwrap();
    let gitlab: Value =
        serde_json::from_str(&std::fs::read_to_string(&gitlab_payload).unwrap()).unwrap();
    let gitlab_full_name = gitlab["project"]["path_with_namespace"].as_str().unwrap();

    let github_integration = admin(
        dir,
        &[
            "integration",
            "add",
            "--provider",
            "github",
            "--name",
            "acme-github",
            "--api-url",
            &github.uri(),
            "--web-url",
            "https://github.com",
            "--token",
            GITHUB_TOKEN,
        ],
    )["id"]
        .to_string();
    let gitlab_integration = admin(
        dir,
        &[
            "integration",
            "add",
            "--provider",
            "gitlab",
            "--name",
            "acme-gitlab",
            "--api-url",
            "http://127.0.0.1:9/api/v4",
            "--token",
            GITLAB_TOKEN,
        ],
    )["id"]
        .to_string();
    let github_repo = admin(
        dir,
        &[
            "repo",
            "add",
            "--org",
            "7",
            "--integration",
            &github_integration,
            "--full-name",
            github_full_name,
        ],
    )["id"]
        .to_string();
    admin(
        dir,
        &[
            "repo",
            "add",
            "--org",
            "7",
            "--integration",
            &gitlab_integration,
            "--full-name",
            gitlab_full_name,
        ],
    );
    let (steady_port, flaky_port) = (free_port(), free_port());
    admin(
        dir,
        &[
            "listener",
            "add",
            "--name",
            "steady",
            "--url",
            &format!("http://127.0.0.1:{steady_port}/events"),
            "--events",
            "pull_request,push,issue,comment",
            "--secret",
            LISTENER_SECRET,
        ],
    );
    admin(
        dir,
        &[
            "listener",
            "add",
            "--name",
            "flaky",
            "--url",
            &format!("http://127.0.0.1:{flaky_port}/events"),
            "--events",
            "pull_request",
            "--max-attempts",
            "2",
            "--deadline-ms",
            "2000",
            "--secret",
            LISTENER_SECRET,
        ],
    );
    let github_file = dir.join("github-pull-request.json");
    std::fs::write(&github_file, serde_json::to_vec(&example.payload).unwrap()).unwrap();

    let listen = format!("127.0.0.1:{}", free_port());
    let server_log = std::fs::File::create(dir.join("serve.log")).unwrap();
    let _server = KillOnDrop::new(
        scm(dir)
            .args(["serve", "--listen", &listen])
            .env("SCM_CONSOLE_ADMIN_TOKEN", ADMIN_TOKEN)
            .env("SCM_WEBHOOKS_GITHUB_SECRETS", GITHUB_WEBHOOK_SECRET)
            .env("SCM_WEBHOOKS_GITLAB_SECRETS", GITLAB_WEBHOOK_SECRET)
            .env("SCM_QUOTA_ALLOCATIONS", "console-test=0.5")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(server_log)
            .spawn()
            .unwrap(),
    );
    let worker_log = std::fs::File::create(dir.join("worker.log")).unwrap();
    let _worker = KillOnDrop::new(
        scm(dir)
            .arg("worker")
            .stdout(Stdio::null())
            .stderr(worker_log)
            .spawn()
            .unwrap(),
    );
    let base = format!("http://{listen}");
    wait_for("scm serve answering", Duration::from_secs(30), || {
        std::net::TcpStream::connect(&listen).is_ok()
    });

    let screenshots: PathBuf = root.join("target/console-screenshots");
    std::fs::create_dir_all(&screenshots).unwrap();
    let out = tokio::process::Command::new("node")
        .arg(root.join("crates/scm-cli/tests/console/browser.mjs"))
        .current_dir(root)
        .env("CONSOLE_BASE", &base)
        .env("CHROMIUM", CHROMIUM)
        .env("SCREENSHOTS", &screenshots)
        .env("SCM_BIN", env!("CARGO_BIN_EXE_scm"))
        .env("ADMIN_TOKEN", ADMIN_TOKEN)
        .env("GITHUB_WEBHOOK_SECRET", GITHUB_WEBHOOK_SECRET)
        .env("GITLAB_WEBHOOK_SECRET", GITLAB_WEBHOOK_SECRET)
        .env("LISTENER_SECRET", LISTENER_SECRET)
        .env("PROVIDER_TOKENS", format!("{GITHUB_TOKEN},{GITLAB_TOKEN}"))
        .env("GITHUB_PAYLOAD", &github_file)
        .env("GITHUB_EVENT", &example.event)
        .env("GITLAB_PAYLOAD", &gitlab_payload)
        .env("STEADY_PORT", steady_port.to_string())
        .env("FLAKY_PORT", flaky_port.to_string())
        .env("ORG", "7")
        .env("REPO", &github_repo)
        .env("REFERRER", "console-test")
        .stdin(Stdio::null())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    print!("{stdout}");
    if !out.status.success() {
        let log = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        panic!(
            "the browser run failed:\n{stderr}\n--- serve.log\n{}\n--- worker.log\n{}",
            log("serve.log"),
            log("worker.log")
        );
    }
    let passed = stdout
        .lines()
        .find(|line| line.starts_with("console: ") && line.ends_with(" browser checks passed"))
        .expect("the summary line");
    assert!(!passed.contains(" 0 "), "{passed}");

    // Every console change was logged with the session and what changed.
    let log = std::fs::read_to_string(dir.join("serve.log")).unwrap();
    for change in ["replay", "revoke client key", "create client key", "login"] {
        assert!(log.contains(change), "serve.log logs `{change}`");
    }
    for secret in [
        ADMIN_TOKEN,
        GITHUB_WEBHOOK_SECRET,
        GITLAB_WEBHOOK_SECRET,
        LISTENER_SECRET,
    ] {
        assert!(!log.contains(secret), "serve.log carries a secret");
    }
}
