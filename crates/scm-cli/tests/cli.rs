//! The `scm` binary end to end.

use std::process::Command;

use scm_cli::capabilities;
use scm_cli::providers::PROVIDERS;
use scm_testkit::prism::Prism;

fn scm() -> Command {
    Command::new(env!("CARGO_BIN_EXE_scm"))
}

#[test]
fn capabilities_json_lists_every_action() {
    let out = scm()
        .args(["capabilities", "--provider", "github", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let supported = json["supported"].as_array().unwrap().len();
    let unsupported = json["unsupported"].as_array().unwrap().len();
    assert_eq!(supported + unsupported, 97);
    println!("github: {supported} supported actions");
}

#[test]
fn unknown_provider_is_a_coded_error() {
    let out = scm()
        .args(["capabilities", "--provider", "nope"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["errors"][0]["code"], "invalid_input");
}

/// `docs/capabilities.md` is generated from the code; regenerate it with
/// `cargo run -p scm-cli -- capabilities --format markdown > docs/capabilities.md`.
#[test]
fn capabilities_doc_is_up_to_date() {
    let path = scm_testkit::paths::repo_root().join("docs/capabilities.md");
    let expected = capabilities::markdown(PROVIDERS);
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "docs/capabilities.md is stale: run `cargo run -p scm-cli -- capabilities --format markdown > docs/capabilities.md`"
    );
}

#[test]
fn runs_an_action_against_githubs_openapi_description() {
    let prism = Prism::shared_github();
    let out = scm()
        .args([
            "github",
            "get_issue",
            "--issue-id",
            "1347",
            "--repo",
            "octocat/hello-world",
        ])
        .args(["--token", "test-token", "--api-url", prism.base_url()])
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["provider"], "github");
    assert_eq!(json["data"]["id"], "1347");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("test-token"));
}

/// Runs `scm github <action…>` against a closed port and returns the error
/// code printed on stderr, checking the token never appears.
fn failing_github_call(action: &[&str]) -> String {
    let out = scm()
        .arg("github")
        .args(action)
        .args(["--repo", "o/r", "--token", "secret-token-value"])
        .args(["--api-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("secret-token-value"));
    let err: serde_json::Value = serde_json::from_str(&stderr).unwrap();
    err["errors"][0]["code"].as_str().unwrap().to_owned()
}

#[test]
fn bad_arguments_fail_with_a_json_error_and_no_network() {
    let code = failing_github_call(&["get_commit", "--sha", "../../x"]);
    assert_eq!(code, "invalid_input");
}

#[test]
fn provider_errors_keep_their_code() {
    // Nothing listens on port 9: the provider is unavailable, with its own code.
    let code = failing_github_call(&["get_issue", "--issue-id", "1"]);
    assert_eq!(code, "provider_unavailable");
}
