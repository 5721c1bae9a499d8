//! RPC end to end with the real binary: `scm serve` on 127.0.0.1 over a
//! temporary SQLite registry, its GitHub integration pointed at `prism
//! mock` of GitHub's official OpenAPI description, set up with the admin
//! commands; actions called through the Rust client (scm-rpc), through
//! `scm client`, and through `curl` signed by an independent Python script
//! (`tests/sign.py`). The server is killed when the test ends or panics.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use scm_core::actions::{CreateIssueComment, GetIssue, GetPullRequests};
use scm_core::registry::RepositoryKey;
use scm_core::{PageRequest, Secret};
use scm_rpc::{RpcProvider, RpcTarget};
use scm_server::crypto::{SecretBox, KEY_ENV};
use scm_testkit::prism::Prism;
use serde_json::Value;

const ORG: i64 = 7;
const TOKEN: &str = "ghp_e2e_integration_token";

fn scm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_scm"))
}

/// A temporary directory, removed at the end.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `scm serve` child, killed on drop (also when the test panics).
struct Server {
    child: Child,
    base_url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Setup {
    dir: TempDir,
    database_url: String,
    key: Secret,
}

impl Setup {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("scm-e2e-rpc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let database_url = format!("sqlite://{}", dir.join("registry.db").display());
        Self {
            dir: TempDir(dir),
            database_url,
            key: SecretBox::generate_key(),
        }
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = scm();
        cmd.args(args)
            .args(["--database-url", &self.database_url])
            .env(KEY_ENV, self.key.expose());
        for (name, value) in env {
            cmd.env(name, value);
        }
        cmd.output().unwrap()
    }

    /// Runs an admin command that must succeed; its JSON output.
    fn admin(&self, args: &[&str], env: &[(&str, &str)]) -> Value {
        let out = self.run(args, env);
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "scm {args:?}: {stderr}");
        for text in [&stdout, &stderr] {
            assert!(!text.contains(TOKEN), "the integration token leaked");
            assert!(!text.contains(self.key.expose()), "the registry key leaked");
        }
        serde_json::from_str(&stdout).unwrap()
    }

    fn serve(&self) -> Server {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let child = scm()
            .args([
                "serve",
                "--listen",
                &listen,
                "--database-url",
                &self.database_url,
            ])
            .env(KEY_ENV, self.key.expose())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let server = Server {
            child,
            base_url: format!("http://{listen}"),
        };
        let started = Instant::now();
        while std::net::TcpStream::connect(&listen).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "scm serve did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

/// `curl` with headers from `tests/sign.py`; (status, JSON body).
#[allow(clippy::too_many_arguments)]
fn curl_signed(
    dir: &Path,
    server: &Server,
    key_id: &str,
    secret: &str,
    path: &str,
    repository: &str,
    body: &str,
    tamper_org: Option<&str>,
) -> (u16, Value) {
    let body_file = dir.join("body.json");
    std::fs::write(&body_file, body).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sign.py");
    let signed = Command::new("python3")
        .arg(script)
        .args([key_id, "POST", path, &ORG.to_string(), repository, "e2e"])
        .arg(&body_file)
        .env("SCM_CLIENT_SECRET", secret)
        .output()
        .unwrap();
    assert!(
        signed.status.success(),
        "{}",
        String::from_utf8_lossy(&signed.stderr)
    );
    let mut curl = Command::new("curl");
    curl.args(["-sS", "-X", "POST", "-w", "\n%{http_code}"])
        .arg("--data-binary")
        .arg(format!("@{}", body_file.display()))
        .args(["-H", "content-type: application/json"]);
    for line in String::from_utf8(signed.stdout).unwrap().lines() {
        let line = match (tamper_org, line.starts_with("x-scm-organization:")) {
            (Some(org), true) => format!("x-scm-organization: {org}"),
            _ => line.to_owned(),
        };
        curl.arg("-H").arg(line);
    }
    let out = curl
        .arg(format!("{}{path}", server.base_url))
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let (json, status) = text.rsplit_once('\n').unwrap();
    (
        status.trim().parse().unwrap(),
        serde_json::from_str(json).unwrap_or(Value::Null),
    )
}

fn code(value: &Value) -> &str {
    value["errors"][0]["code"].as_str().unwrap_or("")
}

#[test]
fn rpc_end_to_end_with_the_real_binary() {
    let prism = Prism::shared_github();
    let setup = Setup::new();

    // Registry set-up with the admin commands.
    let integration = setup.admin(
        &[
            "integration",
            "add",
            "--provider",
            "github",
            "--name",
            "e2e",
            "--api-url",
            prism.base_url(),
            "--web-url",
            "https://github.com",
        ],
        &[("SCM_INTEGRATION_TOKEN", TOKEN)],
    );
    let integration_id = integration["id"].as_i64().unwrap().to_string();
    assert_eq!(integration["credentials_kind"], "token");
    let repo = setup.admin(
        &[
            "repo",
            "add",
            "--org",
            &ORG.to_string(),
            "--integration",
            &integration_id,
            "--full-name",
            "octocat/hello-world",
        ],
        &[],
    );
    let repo_id = repo["id"].as_i64().unwrap();
    let key = setup.admin(
        &[
            "client-key",
            "create",
            "--name",
            "e2e",
            "--org",
            &ORG.to_string(),
            "--referrer",
            "e2e,shared",
        ],
        &[],
    );
    let key_id = key["key_id"].as_str().unwrap().to_owned();
    let secret = key["secret"].as_str().unwrap().to_owned();
    let narrow = setup.admin(
        &[
            "client-key",
            "create",
            "--name",
            "read-only",
            "--org",
            &ORG.to_string(),
            "--referrer",
            "e2e",
            "--action",
            "get_issue",
        ],
        &[],
    );
    let narrow_id = narrow["key_id"].as_str().unwrap().to_owned();
    let narrow_secret = narrow["secret"].as_str().unwrap().to_owned();
    let keys = setup.admin(&["client-key", "list"], &[]);
    assert_eq!(keys.as_array().unwrap().len(), 2);
    assert!(!keys.to_string().contains(&secret), "list shows no secret");
    assert_eq!(
        setup
            .admin(&["integration", "list"], &[])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        setup.admin(&["repo", "list", "--org", "7"], &[])[0]["id"],
        repo_id
    );

    let server = setup.serve();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut checked = 0;

    // 1. The Rust client: the same facade as in-process.
    runtime.block_on(async {
        let target = |key_id: &str, secret: &str, repository: RepositoryKey| RpcTarget {
            base_url: server.base_url.clone(),
            key_id: key_id.to_owned(),
            secret: Secret::new(secret),
            organization: ORG,
            repository,
            referrer: "e2e".into(),
        };
        let scm = RpcProvider::connect(target(&key_id, &secret, RepositoryKey::Id(repo_id)))
            .await
            .unwrap()
            .into_manager();
        assert_eq!(scm.provider_name(), "github");
        assert_eq!(scm.capabilities().len(), scm_core::ActionName::ALL.len());
        let issue = scm
            .execute(GetIssue {
                issue_id: "1347".into(),
            })
            .await
            .unwrap()
            .into_data()
            .unwrap();
        assert_eq!(issue.id, "1347");
        let comment = scm
            .execute(CreateIssueComment {
                issue_id: "1347".into(),
                body: "from the RPC client".into(),
            })
            .await
            .unwrap()
            .into_data()
            .unwrap();
        assert!(!comment.id.is_empty());
        // Pages: follow next_cursor until the provider says there is none.
        let mut request = GetPullRequests {
            state: None,
            head: None,
            page: PageRequest {
                cursor: None,
                per_page: Some(2),
            },
        };
        let mut pages = 0;
        for _ in 0..3 {
            let page = scm
                .execute(request.clone())
                .await
                .unwrap()
                .into_data()
                .unwrap();
            assert!(!page.items.is_empty());
            pages += 1;
            match page.next_cursor {
                Some(cursor) => request.page.cursor = Some(cursor),
                None => break,
            }
        }
        assert!(pages > 1, "the cursor of page 1 leads to page 2");
        checked += 4;

        // By provider + external id too.
        let by_name = RpcProvider::connect(target(
            &key_id,
            &secret,
            RepositoryKey::External("github".into(), "octocat/hello-world".into()),
        ))
        .await
        .unwrap()
        .into_manager();
        assert!(by_name
            .execute(GetIssue {
                issue_id: "1".into()
            })
            .await
            .is_ok());
        checked += 1;

        // A key granted only get_issue cannot comment; a wrong secret is refused.
        let narrow = RpcProvider::connect(target(
            &narrow_id,
            &narrow_secret,
            RepositoryKey::Id(repo_id),
        ))
        .await
        .unwrap()
        .into_manager();
        let err = narrow
            .execute(CreateIssueComment {
                issue_id: "1".into(),
                body: "x".into(),
            })
            .await
            .unwrap_err();
        assert_eq!((err.code(), err.http_status()), ("rpc_invalid_grant", 403));
        let err = RpcProvider::connect(target(&key_id, "wrong-secret", RepositoryKey::Id(repo_id)))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "rpc_invalid_signature");
        assert!(!err.to_string().contains("wrong-secret"));
        let err = RpcProvider::connect(target(&key_id, &secret, RepositoryKey::Id(repo_id + 100)))
            .await
            .unwrap_err();
        assert_eq!(err.code(), "repository_not_found");
        checked += 3;

        let doc = reqwest::get(format!("{}/v1/openapi.json", server.base_url))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(doc, scm_rpc::openapi::document_text());
    });

    // 2. `scm client`: every action as a subcommand, JSON on stdout.
    let client = |args: &[&str], key_id: &str, secret: &str| {
        scm()
            .arg("client")
            .args(args)
            .args([
                "--server",
                &server.base_url,
                "--key-id",
                key_id,
                "--org",
                "7",
            ])
            .args(["--repo", "github:octocat/hello-world", "--referrer", "e2e"])
            .env("SCM_CLIENT_SECRET", secret)
            .output()
            .unwrap()
    };
    // Pages by cursor (prism's examples always carry a `next` link, so
    // `--all` would never end against it).
    let out = client(&["get_pull_requests", "--per-page", "2"], &key_id, &secret);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let first: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(!first["data"]["items"].as_array().unwrap().is_empty());
    let cursor = first["data"]["next_cursor"].as_str().unwrap().to_owned();
    let out = client(
        &["get_pull_requests", "--per-page", "2", "--cursor", &cursor],
        &key_id,
        &secret,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = client(&["get_issue", "--issue-id", "1347"], &key_id, &secret);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let issue: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(issue["data"]["id"], "1347");
    let out = client(
        &["create-issue-comment", "--issue-id", "1", "--body", "x"],
        &narrow_id,
        &narrow_secret,
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains(&narrow_secret));
    let err: Value = serde_json::from_str(&stderr).unwrap();
    assert_eq!(code(&err), "rpc_invalid_grant");
    checked += 3;

    // 3. curl, signed by the independent Python script.
    let dir = &setup.dir.0;
    let repo_header = repo_id.to_string();
    let (status, body) = curl_signed(
        dir,
        &server,
        &key_id,
        &secret,
        "/v1/actions/get_issue",
        &repo_header,
        r#"{"issue_id":"1347"}"#,
        None,
    );
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("ok")),
        "{body}"
    );
    assert_eq!(body["data"]["id"], "1347");
    let (status, body) = curl_signed(
        dir,
        &server,
        &key_id,
        &secret,
        "/v1/actions/create_issue_comment",
        r#"["github","octocat/hello-world"]"#,
        r#"{"issue_id":"1347","body":"from curl"}"#,
        None,
    );
    assert_eq!(status, 200, "{body}");
    let (status, body) = curl_signed(
        dir,
        &server,
        &key_id,
        &secret,
        "/v1/actions/get_issue",
        &repo_header,
        r#"{"issue_id":5}"#,
        None,
    );
    assert_eq!((status, code(&body)), (400, "invalid_input"), "{body}");
    let (status, body) = curl_signed(
        dir,
        &server,
        &key_id,
        &secret,
        "/v1/actions/get_issue",
        &repo_header,
        r#"{"issue_id":"1","extra":true}"#,
        None,
    );
    assert_eq!((status, code(&body)), (400, "invalid_input"), "{body}");
    let (status, body) = curl_signed(
        dir,
        &server,
        &key_id,
        &secret,
        "/v1/actions/no_such_action",
        &repo_header,
        "{}",
        None,
    );
    assert_eq!((status, code(&body)), (404, "not_found"), "{body}");
    let (status, body) = curl_signed(
        dir,
        &server,
        &key_id,
        &secret,
        "/v1/actions/get_issue",
        &repo_header,
        r#"{"issue_id":"1"}"#,
        Some("8"),
    );
    assert_eq!(
        (status, code(&body)),
        (401, "rpc_invalid_signature"),
        "{body}"
    );
    checked += 6;

    // A key revoked by another process (the admin command) stops working
    // once the server's key cache entry expires: within its TTL (2 s by
    // default, `[rpc] key_cache_ttl_ms`). Each attempt uses a fresh nonce.
    setup.admin(&["client-key", "revoke", &key_id], &[]);
    let revoked_at = std::time::Instant::now();
    let (status, body) = loop {
        let (status, body) = curl_signed(
            dir,
            &server,
            &key_id,
            &secret,
            "/v1/actions/get_issue",
            &repo_header,
            r#"{"issue_id":"1"}"#,
            None,
        );
        if status != 200 || revoked_at.elapsed() > std::time::Duration::from_secs(4) {
            break (status, body);
        }
        std::thread::sleep(std::time::Duration::from_millis(250));
    };
    assert_eq!(
        (status, code(&body)),
        (401, "rpc_invalid_signature"),
        "a revoked key must be refused within the cache TTL: {body}"
    );
    checked += 1;

    drop(server);
    println!("rpc e2e: {checked} checks passed through the Rust client, scm client and curl");
}
