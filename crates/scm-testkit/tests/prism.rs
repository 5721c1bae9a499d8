//! Prism serves GitHub's description: a valid request gets an answer, an
//! invalid one a 422 that says why.

use scm_testkit::prism::{self, Prism, GITHUB_ACCEPT};

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent("scm-testkit-tests")
        .build()
        .expect("client")
}

#[tokio::test]
async fn valid_get_is_answered() {
    let prism = Prism::shared_github();
    let response = client()
        .get(prism.url("/repos/octo-org/hello-world"))
        .header("accept", GITHUB_ACCEPT)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 200, "{}", prism.log_tail(20));
    assert!(prism::request_violations(response.headers()).is_empty());
    let repo: serde_json::Value = response.json().await.expect("JSON body");
    assert!(repo["full_name"].is_string(), "{repo}");
}

#[tokio::test]
async fn github_media_type_alone_is_not_acceptable() {
    let prism = Prism::shared_github();
    let response = client()
        .get(prism.url("/repos/octo-org/hello-world"))
        .header("accept", "application/vnd.github+json")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 406);
}

#[tokio::test]
async fn issue_without_title_is_rejected() {
    let prism = Prism::shared_github();
    let response = client()
        .post(prism.url("/repos/octo-org/rejected-issue/issues"))
        .header("accept", GITHUB_ACCEPT)
        .json(&serde_json::json!({ "body": "no title" }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 422, "{}", prism.log_tail(20));

    let violations = prism::request_violations(response.headers());
    assert!(
        violations
            .iter()
            .any(|v| v.code == "required" && v.message.contains("'title'")),
        "{violations:?}"
    );
    if prism.log_path().is_some() {
        let logged = prism.logged_errors("POST", "/repos/octo-org/rejected-issue/issues");
        assert!(
            logged.iter().any(|l| l.contains("'title'")),
            "log lines: {logged:?}"
        );
    }
}

#[tokio::test]
async fn issue_with_null_milestone_is_accepted() {
    // GitHub documents `milestone` as nullable; prism only checks such
    // bodies because the description it is given spells null out.
    let prism = Prism::shared_github();
    let response = client()
        .post(prism.url("/repos/octo-org/hello-world/issues"))
        .header("accept", GITHUB_ACCEPT)
        .json(&serde_json::json!({ "title": "t", "milestone": null }))
        .send()
        .await
        .expect("request");
    assert_eq!(
        response.status(),
        201,
        "{:?}",
        prism::violations(response.headers())
    );
}

#[test]
fn missing_description_is_an_error() {
    let err = Prism::start(std::path::Path::new("no/such/spec.json")).unwrap_err();
    assert!(matches!(err, prism::Error::SpecMissing(_)), "{err}");
}
