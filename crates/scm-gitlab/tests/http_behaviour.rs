//! Errors, rate limits, conditional requests, raw/meta and pagination,
//! against a local mock.

mod common;

use std::time::Duration;

use common::*;
use scm_core::actions::{GetIssue, GetIssueComments, GetPullRequests, GetTree, ListRepositories};
use scm_core::model::Sha;
use scm_core::{Cursor, Handle, PageRequest, RequestOptions, Response};
use scm_gitlab::TokenKind;
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn get_issue() -> GetIssue {
    GetIssue {
        issue_id: "3".into(),
    }
}

async fn error_for(template: ResponseTemplate) -> scm_core::Error {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{PROJECT}/issues/3")))
        .respond_with(template)
        .mount(&server)
        .await;
    gitlab(&server.uri())
        .handle(get_issue(), &ctx())
        .await
        .unwrap_err()
}

#[tokio::test]
async fn statuses_map_to_codes_and_keep_gitlab_messages() {
    let cases = [
        (
            400,
            json!({"error": "title is missing"}),
            "resource_unprocessable_content",
            "title is missing",
        ),
        (
            401,
            json!({"message": "401 Unauthorized"}),
            "provider_unauthorized",
            "401 Unauthorized",
        ),
        (
            403,
            json!({"message": "403 Forbidden"}),
            "resource_forbidden",
            "403 Forbidden",
        ),
        (
            404,
            json!({"message": "404 Issue Not Found"}),
            "resource_not_found",
            "404 Issue Not Found",
        ),
        (
            409,
            json!({"message": ["Branch already exists"]}),
            "resource_conflict",
            "Branch already exists",
        ),
        (
            422,
            json!({"message": {"title": ["can't be blank"]}}),
            "resource_unprocessable_content",
            "can't be blank",
        ),
        (
            500,
            json!({"message": "500 Internal Server Error"}),
            "provider_unavailable",
            "500 Internal Server Error",
        ),
        (503, json!({}), "provider_unavailable", "503"),
    ];
    for (status, body, code, detail) in cases {
        let err = error_for(ResponseTemplate::new(status).set_body_json(body)).await;
        assert_eq!(err.code(), code, "{status}");
        assert!(err.to_string().contains(detail), "{status}: {err}");
    }
}

#[tokio::test]
async fn rate_limits_carry_the_wait() {
    let err = error_for(
        ResponseTemplate::new(429)
            .insert_header("retry-after", "42")
            .insert_header("ratelimit-limit", "600")
            .insert_header("ratelimit-remaining", "0")
            .set_body_string("Retry later"),
    )
    .await;
    assert_eq!(err.code(), "rate_limit_exceeded");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(42)));
    assert!(err.to_string().contains("Retry later"));

    // Without Retry-After, the RateLimit-Reset time gives the wait.
    let reset = scm_core::quota::now_unix() + 30;
    let err = error_for(
        ResponseTemplate::new(429)
            .insert_header("ratelimit-remaining", "0")
            .insert_header("ratelimit-reset", reset.to_string().as_str()),
    )
    .await;
    assert_eq!(err.code(), "rate_limit_exceeded");
    let wait = err.retry_after().unwrap();
    assert!(
        wait <= Duration::from_secs(30) && wait >= Duration::from_secs(28),
        "{wait:?}"
    );
}

#[tokio::test]
async fn timeouts_are_their_own_code() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let provider = gitlab_with(
        &server.uri(),
        TokenKind::PrivateToken,
        Duration::from_millis(200),
    );
    let err = provider.handle(get_issue(), &ctx()).await.unwrap_err();
    assert_eq!(err.code(), "provider_timeout");
}

#[tokio::test]
async fn bad_bodies_are_malformed_never_panics() {
    for template in [
        ResponseTemplate::new(200).set_body_string(""),
        ResponseTemplate::new(200).set_body_string("{not json"),
        ResponseTemplate::new(200).set_body_json(json!({"iid": "x", "title": 5})),
        ResponseTemplate::new(200).set_body_json(json!([1, 2])),
        ResponseTemplate::new(200).set_body_json(json!({"title": "no iid"})),
    ] {
        let err = error_for(template).await;
        assert_eq!(err.code(), "provider_malformed_response", "{err}");
    }
}

#[tokio::test]
async fn the_token_never_appears_in_errors() {
    for status in [400, 401, 403, 404, 422, 500] {
        let err = error_for(
            ResponseTemplate::new(status)
                .set_body_json(json!({"message": format!("token {TOKEN} is not valid")})),
        )
        .await;
        let text = format!("{err} {err:?}");
        assert!(!text.contains(TOKEN), "{text}");
        assert!(text.contains("[redacted]"), "{text}");
    }
    let provider = gitlab("http://127.0.0.1:1");
    assert!(!format!("{provider:?}").contains(TOKEN));
    // Connection refused: the transport error names no credentials either.
    let err = provider.handle(get_issue(), &ctx()).await.unwrap_err();
    assert_eq!(err.code(), "provider_unavailable");
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn conditional_reads_and_raw_meta() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{PROJECT}/issues/3")))
        .and(header("if-none-match", "\"abc\""))
        .respond_with(ResponseTemplate::new(304).insert_header("etag", "\"abc\""))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{PROJECT}/issues/3")))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("etag", "W/\"def\"")
                .insert_header("ratelimit-remaining", "599")
                .set_body_json(json!({"id": 41, "iid": 3, "title": "t", "state": "closed"})),
        )
        .mount(&server)
        .await;
    let provider = gitlab(&server.uri());
    let mut conditional = ctx();
    conditional.options = RequestOptions {
        if_none_match: Some("\"abc\"".into()),
        if_modified_since: None,
    };
    let response = provider.handle(get_issue(), &conditional).await.unwrap();
    assert!(response.is_not_modified());
    assert_eq!(response.meta().etag.as_deref(), Some("\"abc\""));

    let Response::Ok(result) = provider.handle(get_issue(), &ctx()).await.unwrap() else {
        panic!("expected data")
    };
    assert_eq!(result.meta.etag.as_deref(), Some("W/\"def\""));
    let raw = result.raw.unwrap();
    assert_eq!(raw.status, 200);
    assert_eq!(raw.body.unwrap()["iid"], 3);
    assert_eq!(
        raw.headers.get("ratelimit-remaining").map(String::as_str),
        Some("599")
    );
    assert!(!raw.headers.contains_key("private-token"));
    assert_eq!(result.data.state, scm_core::model::IssueState::Closed);
    server.verify().await;
}

#[tokio::test]
async fn offset_pages_end_with_none() {
    let server = MockServer::start().await;
    let notes = |id: u64| json!([{"id": id, "body": "b", "system": false, "author": {"id": 1, "username": "u"}}]);
    Mock::given(method("GET"))
        .and(path(format!("{PROJECT}/issues/3/notes")))
        .and(query_param_is_missing("page"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-next-page", "2")
                .insert_header("x-page", "1")
                .set_body_json(notes(1)),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{PROJECT}/issues/3/notes")))
        .and(query_param("page", "2"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-next-page", "")
                .insert_header("x-page", "2")
                .set_body_json(notes(2)),
        )
        .mount(&server)
        .await;
    let provider = gitlab(&server.uri());
    let mut action = GetIssueComments {
        issue_id: "3".into(),
        page: PageRequest::default(),
    };
    let first = provider
        .handle(action.clone(), &ctx())
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(first.items[0].id, "1");
    let cursor = first.next_cursor.expect("a second page");
    assert!(!cursor.as_str().contains("http"));
    action.page.cursor = Some(cursor);
    let second = provider
        .handle(action, &ctx())
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(second.items[0].id, "2");
    assert_eq!(second.next_cursor, None);

    // A cursor that is not ours is an input error, sent nowhere.
    let bad = GetIssueComments {
        issue_id: "3".into(),
        page: PageRequest {
            cursor: Some(Cursor::from_raw("aHR0cHM6Ly9ldmlsLmV4YW1wbGU")),
            per_page: None,
        },
    };
    assert_eq!(
        provider.handle(bad, &ctx()).await.unwrap_err().code(),
        "invalid_input"
    );
}

#[tokio::test]
async fn keyset_pages_follow_link_headers_without_keeping_the_url() {
    let server = MockServer::start().await;
    let project = |id: u64| json!([{"id": id, "path": "p", "path_with_namespace": "g/p"}]);
    let next = "<https://elsewhere.example/api/v4/projects?id_after=10&membership=true&order_by=id&pagination=keyset&per_page=1&sort=asc>; rel=\"next\"";
    Mock::given(method("GET"))
        .and(path(format!("{API_PREFIX}/projects")))
        .and(query_param("pagination", "keyset"))
        .and(query_param_is_missing("id_after"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", next)
                .set_body_json(project(10)),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{API_PREFIX}/projects")))
        .and(query_param("pagination", "keyset"))
        .and(query_param("id_after", "10"))
        .respond_with(ResponseTemplate::new(200).set_body_json(project(11)))
        .mount(&server)
        .await;
    let provider = gitlab(&server.uri());
    let mut action = ListRepositories {
        page: PageRequest {
            cursor: None,
            per_page: Some(1),
        },
    };
    let first = provider
        .handle(action.clone(), &ctx())
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(first.items[0].id, "10");
    action.page.cursor = first.next_cursor;
    let second = provider
        .handle(action, &ctx())
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(second.items[0].id, "11");
    assert_eq!(second.next_cursor, None);
    // Every request stayed on the configured host.
    assert_eq!(server.received_requests().await.unwrap().len(), 2);
}

#[tokio::test]
async fn tree_pages_carry_page_tokens() {
    let server = MockServer::start().await;
    let sha = "6104942438c14ec7bd21c6cd5bd995272b3faff6";
    let entry = |name: &str| json!([{"id": sha, "name": name, "type": "blob", "path": name, "mode": "100755"}]);
    Mock::given(method("GET"))
        .and(path(format!("{PROJECT}/repository/tree")))
        .and(query_param_is_missing("page_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("link", "<https://x/api/v4/projects/1/repository/tree?page_token=tok%2F1&pagination=keyset>; rel=\"next\"")
                .set_body_json(entry("a")),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{PROJECT}/repository/tree")))
        .and(query_param("page_token", "tok/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(entry("b")))
        .mount(&server)
        .await;
    let provider = gitlab(&server.uri());
    let mut action = GetTree {
        tree_sha: Sha::new(sha).unwrap(),
        recursive: true,
        page: PageRequest::default(),
    };
    let first = provider
        .handle(action.clone(), &ctx())
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(
        first.items[0].mode,
        scm_core::model::TreeEntryMode::Executable
    );
    action.page.cursor = first.next_cursor;
    let second = provider
        .handle(action, &ctx())
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(second.items[0].path, "b");
    assert!(second.next_cursor.is_none());
}

#[tokio::test]
async fn closed_lists_include_merged_and_skip_open() {
    let server = MockServer::start().await;
    let mr = |iid: u64, state: &str| json!({"id": iid, "iid": iid, "title": "t", "state": state, "source_branch": "f", "target_branch": "main"});
    Mock::given(method("GET"))
        .and(path(format!("{PROJECT}/merge_requests")))
        .and(query_param("state", "all"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            mr(1, "opened"),
            mr(2, "closed"),
            mr(3, "merged")
        ])))
        .mount(&server)
        .await;
    let page = gitlab(&server.uri())
        .handle(
            GetPullRequests {
                state: Some(scm_core::model::PullRequestState::Closed),
                head: None,
                page: PageRequest::default(),
            },
            &ctx(),
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    let got: Vec<(String, bool)> = page
        .items
        .iter()
        .map(|p| (p.id.clone(), p.merged))
        .collect();
    assert_eq!(got, [("2".to_owned(), false), ("3".to_owned(), true)]);
}
