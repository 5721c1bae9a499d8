//! `scm gitlab <action>` end to end, against a local mock answering with a
//! real GitLab issue from the third-party corpus.

use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::test]
async fn runs_an_action_against_a_self_managed_gitlab() {
    let issue_file = scm_testkit::paths::corpus("gitlab/rest/goscm_issue.json");
    let issue: serde_json::Value =
        serde_json::from_slice(&std::fs::read(issue_file).unwrap()).unwrap();
    let iid = issue["iid"].to_string();
    let server = MockServer::start().await;
    // Self-managed under a path prefix; the project path is one %2F-encoded segment.
    Mock::given(method("GET"))
        .and(path(format!(
            "/gitlab/api/v4/projects/group%2Fsub%2Fproject/issues/{iid}"
        )))
        .and(header("private-token", "glpat-secret-value"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&issue))
        .expect(1)
        .mount(&server)
        .await;
    let web = format!("{}/gitlab", server.uri());
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_scm"))
        .args([
            "gitlab",
            "get_issue",
            "--issue-id",
            &iid,
            "--repo",
            "group/sub/project",
        ])
        .args(["--token", "glpat-secret-value", "--web-url", &web])
        .env_remove("GITLAB_TOKEN")
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains("glpat-secret-value"));
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["provider"], "gitlab");
    assert_eq!(json["data"]["id"], iid);
    assert_eq!(json["data"]["title"], issue["title"]);
    server.verify().await;
}

#[test]
fn unsupported_actions_fail_without_a_request() {
    // Nothing listens on port 9; an unsupported action must not even try.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_scm"))
        .args([
            "gitlab",
            "create_git_blob",
            "--content",
            "x",
            "--repo",
            "g/p",
        ])
        .args(["--token", "t", "--web-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap();
    assert_eq!(err["errors"][0]["code"], "unsupported");
}
