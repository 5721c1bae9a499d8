//! The README's "Receive events" section, run as written: from an empty
//! directory (no key, no database, no queue configured) to a listener
//! receiving a GitHub event with its organization and repository set, for
//! a repository registered the README's way (by full name).

use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use scm_testkit::webhooks::examples;

const WEBHOOK_SECRET: &str = "readme-webhook-secret-4d1f";
const LISTENER_SECRET: &str = "readme-listener-secret-9e2a";

/// The shell code between `<!-- receive-events:{name} -->` markers.
fn readme_block(name: &str) -> String {
    let readme =
        std::fs::read_to_string(scm_testkit::paths::repo_root().join("README.md")).unwrap();
    let start = format!("<!-- receive-events:{name} -->");
    let end = format!("<!-- /receive-events:{name} -->");
    let block = readme
        .split_once(&start)
        .and_then(|(_, rest)| rest.split_once(&end))
        .map(|(block, _)| block)
        .unwrap_or_else(|| panic!("README has no {start} block"));
    block
        .lines()
        .filter(|line| !line.trim_start().starts_with("```"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `scm` as the README's readers have it, in `dir`, with nothing
/// configured but the listen address and the secrets the README exports.
/// `scm` is a script on `PATH` that execs the binary, so `scm serve &` is
/// the server itself and the shell's TERM trap stops it.
fn shell(dir: &Path, listen: &str, listener_url: &str, script: &str) -> Command {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let wrapper = bin.join("scm");
    std::fs::write(
        &wrapper,
        format!("#!/bin/sh\nexec '{}' \"$@\"\n", env!("CARGO_BIN_EXE_scm")),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(format!(
            "set -euo pipefail\ntrap 'kill $(jobs -p) 2>/dev/null; wait' TERM\n{script}\nwait\n"
        ))
        .current_dir(dir)
        .env("PATH", path)
        .env("WEBHOOK_SECRET", WEBHOOK_SECRET)
        .env("LISTENER_SECRET", LISTENER_SECRET)
        .env("LISTENER_URL", listener_url)
        .env("SCM_LISTEN", listen);
    for name in [
        "SCM_SECRET_KEY",
        "SCM_DATABASE_URL",
        "SCM_QUEUE_BACKEND",
        "SCM_CONFIG",
        "SCM_WEBHOOKS_GITHUB_SECRETS",
    ] {
        command.env_remove(name);
    }
    command
}

fn scm(dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_scm"))
        .args(args)
        .current_dir(dir)
        .env_remove("SCM_SECRET_KEY")
        .env_remove("SCM_DATABASE_URL")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "scm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The README's shell, stopped when dropped: SIGTERM to the shell, whose
/// trap stops its background jobs (`scm serve`, `scm worker`).
struct Shell(Child);

impl Drop for Shell {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

/// Receives the listener's deliveries.
fn start_listener() -> (String, Arc<Mutex<Vec<serde_json::Value>>>) {
    let received = Arc::new(Mutex::new(Vec::new()));
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/events", listener.local_addr().unwrap());
    let seen = received.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut buffer = Vec::new();
            let mut chunk = [0u8; 65536];
            // Read the head, then the body by Content-Length.
            while let Ok(n) = stream.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                buffer.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&buffer).to_string();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            let (name, value) = l.split_once(':')?;
                            name.eq_ignore_ascii_case("content-length")
                                .then(|| value.trim().parse::<usize>().ok())?
                        })
                        .unwrap_or(0);
                    if body.len() >= length {
                        if let Ok(json) = serde_json::from_str(&body[..length]) {
                            seen.lock().unwrap().push(json);
                        }
                        use std::io::Write;
                        let _ = stream.write_all(
                            b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        );
                        break;
                    }
                }
            }
        }
    });
    (url, received)
}

fn wait_for(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < limit, "{what} within {limit:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test]
async fn the_readme_path_from_an_empty_directory_to_a_listener() {
    let dir = tempfile::tempdir().unwrap();
    let example = examples()
        .iter()
        .find(|e| e.event == "pull_request" && e.payload["repository"]["full_name"].is_string())
        .expect("a pull_request example");
    let full_name = example.payload["repository"]["full_name"].as_str().unwrap();

    // "The service": an integration and a repository, the README's way
    // (the provider cannot be reached here, so the full name is stored).
    let integration = scm(
        dir.path(),
        &[
            "integration",
            "add",
            "--provider",
            "github",
            "--name",
            "acme",
            "--api-url",
            "http://127.0.0.1:9",
            "--token",
            "ghp_readme_token_77",
        ],
    );
    assert_eq!(integration["id"], 1);
    assert!(
        dir.path().join("scm.db.key").exists(),
        "the key file beside the database"
    );
    let repo = scm(
        dir.path(),
        &[
            "repo",
            "add",
            "--org",
            "1",
            "--integration",
            "1",
            "--full-name",
            &full_name.to_ascii_uppercase(),
        ],
    );

    let (listener_url, received) = start_listener();
    let listen = format!("127.0.0.1:{}", free_port());
    let stdout_path = dir.path().join("worker.out");
    let stderr_path = dir.path().join("worker.err");
    let mut setup = shell(dir.path(), &listen, &listener_url, &readme_block("setup"));
    setup
        .stdout(Stdio::from(std::fs::File::create(&stdout_path).unwrap()))
        .stderr(Stdio::from(std::fs::File::create(&stderr_path).unwrap()));
    let group = Shell(setup.spawn().unwrap());
    wait_for("scm serve to listen", Duration::from_secs(60), || {
        std::net::TcpStream::connect(&listen).is_ok()
    });

    // A signed delivery to the shared endpoint and one to the
    // integration's own endpoint, as GitHub would send them.
    let client = reqwest::Client::new();
    for (path, delivery) in [
        ("/webhooks/github", "readme-delivery-1"),
        ("/webhooks/github/1", "readme-delivery-2"),
    ] {
        let mut headers = example.delivery_headers(WEBHOOK_SECRET.as_bytes());
        headers.insert("x-github-delivery", delivery.parse().unwrap());
        let answer = client
            .post(format!("http://{listen}{path}"))
            .headers(headers)
            .body(example.payload_bytes.clone())
            .send()
            .await
            .unwrap();
        let status = answer.status().as_u16();
        assert_eq!(status, 202, "{path}: {:?}", answer.text().await);
    }
    wait_for(
        "both events at the listener",
        Duration::from_secs(60),
        || received.lock().unwrap().len() >= 2,
    );
    for event in received.lock().unwrap().iter() {
        assert_eq!(event["organization_id"], 1, "{event}");
        assert_eq!(event["repository"]["id"], repo["id"], "{event}");
    }
    wait_for(
        "the stdout listener's lines",
        Duration::from_secs(30),
        || {
            std::fs::read_to_string(&stdout_path)
                .map(|out| out.matches("readme-delivery-").count() >= 2)
                .unwrap_or(false)
        },
    );
    let printed = std::fs::read_to_string(&stdout_path).unwrap();
    let line: serde_json::Value = serde_json::from_str(
        printed
            .lines()
            .find(|l| l.contains("readme-delivery-1"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(line["organization_id"], 1);

    // The dead-letter commands, as written (none here: nothing failed).
    let out = shell(
        dir.path(),
        &listen,
        &listener_url,
        &readme_block("dead-letters"),
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("[]") && text.contains("\"replayed\": 0"),
        "{text}"
    );

    drop(group);
    wait_for(
        "scm serve to stop with its shell",
        Duration::from_secs(30),
        || std::net::TcpStream::connect(&listen).is_err(),
    );
    let logs = std::fs::read_to_string(&stderr_path).unwrap() + &printed;
    for secret in [WEBHOOK_SECRET, LISTENER_SECRET, "ghp_readme_token_77"] {
        assert!(!logs.contains(secret), "a secret in the output: {logs}");
    }
}
