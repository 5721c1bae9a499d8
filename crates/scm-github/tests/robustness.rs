//! Bad answers from GitHub become typed errors, never panics; rate-limit
//! headers feed the quota layer of the production stack.

mod common;

use std::sync::Arc;
use std::time::Duration;

use scm_core::actions::{GetIssue, GetIssueComments};
use scm_core::layers::ConnectOptions;
use scm_core::layers::RetryPolicy;
use scm_core::registration::{connect, IntegrationSpec};
use scm_core::transport::ReqwestTransport;
use scm_core::Credential;
use scm_core::{Action, AnyAction, PageRequest, Provider};
use scm_github::{Credentials, GitHub, GitHubConfig, REGISTRATION};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn config(server: &MockServer) -> GitHubConfig {
    GitHubConfig::custom(
        &server.uri(),
        "https://github.com",
        Credentials::Token("ghp_do_not_print".into()),
    )
    .unwrap()
}

/// The production stack (auth, retry, quota, tracing, metrics) against
/// the mock, built as the server builds it.
fn connected(server: &MockServer, options: ConnectOptions) -> Arc<dyn Provider> {
    let spec = IntegrationSpec {
        api_url: Some(server.uri()),
        web_url: Some("https://github.com".into()),
        credential: Credential::token("ghp_do_not_print"),
    };
    connect(&REGISTRATION, &spec, options).unwrap().provider
}

fn get_issue() -> AnyAction {
    GetIssue {
        issue_id: "1".into(),
    }
    .into_any()
}

fn list_comments() -> AnyAction {
    GetIssueComments {
        issue_id: "1".into(),
        page: PageRequest::default(),
    }
    .into_any()
}

async fn answer_with(template: ResponseTemplate, action: AnyAction) -> scm_core::Error {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(template)
        .mount(&server)
        .await;
    let http = Arc::new(ReqwestTransport::new(Duration::from_secs(5)).unwrap());
    let github = GitHub::with_auth(&config(&server), http);
    let err = github
        .execute(action, &common::ctx("tests"))
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(!text.contains("ghp_do_not_print"), "token leaked: {text}");
    err
}

#[tokio::test]
async fn malformed_answers_are_typed_errors() {
    let cases = [
        (
            ResponseTemplate::new(200).set_body_string("{\"number\": 1, \"title\""),
            get_issue(),
            "provider_malformed_response",
        ),
        (
            ResponseTemplate::new(200),
            get_issue(),
            "provider_malformed_response",
        ),
        (
            ResponseTemplate::new(200).set_body_string("<html>oops</html>"),
            get_issue(),
            "provider_malformed_response",
        ),
        (
            ResponseTemplate::new(200).set_body_json(serde_json::json!([1, 2])),
            get_issue(),
            "provider_malformed_response",
        ),
        (
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"number": "x"})),
            get_issue(),
            "provider_malformed_response",
        ),
        (
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": 1})),
            list_comments(),
            "provider_malformed_response",
        ),
        (
            ResponseTemplate::new(200).set_body_json(serde_json::json!([{"nope": true}])),
            list_comments(),
            "provider_malformed_response",
        ),
        (
            ResponseTemplate::new(418).set_body_string("teapot"),
            get_issue(),
            "provider_unexpected_status",
        ),
        (
            ResponseTemplate::new(503),
            get_issue(),
            "provider_unavailable",
        ),
        (
            ResponseTemplate::new(404).set_body_string("not json"),
            get_issue(),
            "resource_not_found",
        ),
        (
            ResponseTemplate::new(302).insert_header("location", "https://elsewhere.example/x"),
            get_issue(),
            "provider_unexpected_status",
        ),
        (
            ResponseTemplate::new(431),
            get_issue(),
            "provider_unexpected_status",
        ),
    ];
    for (template, action, code) in cases {
        let name = action.name();
        let err = answer_with(template, action).await;
        assert_eq!(err.code(), code, "{name}: {err}");
    }
}

#[tokio::test]
async fn oversized_pages_are_refused() {
    // One string larger than the body cap.
    let huge = "x".repeat(scm_core::http_util::MAX_JSON_BODY + 1);
    let body = format!("[{{\"id\": 1, \"body\": \"{huge}\"}}]");
    let err = answer_with(
        ResponseTemplate::new(200).set_body_string(body),
        list_comments(),
    )
    .await;
    assert_eq!(err.code(), "provider_malformed_response");
    assert!(err.to_string().contains("larger than"));
}

#[tokio::test]
async fn rate_limit_headers_stop_requests_before_they_are_sent() {
    let server = MockServer::start().await;
    let reset = scm_core::quota::now_unix() + 3600;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/hello-world/issues/1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(common::issue_json(1))
                .insert_header("x-ratelimit-limit", "5000")
                .insert_header("x-ratelimit-remaining", "0")
                .insert_header("x-ratelimit-reset", reset.to_string().as_str()),
        )
        .expect(1)
        .mount(&server)
        .await;
    let options = ConnectOptions {
        retry: RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        },
        ..ConnectOptions::default()
    };
    let github = connected(&server, options);
    let ctx = common::ctx("tests");
    github.execute(get_issue(), &ctx).await.unwrap();
    let err = github.execute(get_issue(), &ctx).await.unwrap_err();
    assert_eq!(err.code(), "rate_limit_exceeded");
    assert!(err.retry_after().unwrap() > Duration::from_secs(3000));
    server.verify().await;
}

#[tokio::test]
async fn secondary_rate_limits_are_retried_after_the_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("retry-after", "1")
                .set_body_json(
                    serde_json::json!({"message": "You have exceeded a secondary rate limit"}),
                ),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(common::issue_json(1)))
        .mount(&server)
        .await;
    let github = connected(&server, ConnectOptions::default());
    let issue = github
        .execute(get_issue(), &common::ctx("tests"))
        .await
        .unwrap();
    assert!(!issue.is_not_modified());
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn not_modified_is_an_outcome() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::header("if-none-match", "\"v1\""))
        .respond_with(ResponseTemplate::new(304).insert_header("etag", "\"v1\""))
        .mount(&server)
        .await;
    let http = Arc::new(ReqwestTransport::new(Duration::from_secs(5)).unwrap());
    let github = GitHub::with_auth(&config(&server), http);
    let mut ctx = common::ctx("tests");
    ctx.options.if_none_match = Some("\"v1\"".into());
    let response = github.execute(get_issue(), &ctx).await.unwrap();
    assert!(response.is_not_modified());
    assert_eq!(response.meta().etag.as_deref(), Some("\"v1\""));
}
