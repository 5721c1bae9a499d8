//! What the provider sends, exactly: paths under a context path, bodies,
//! versions, full-replace updates that keep what the caller did not set,
//! version conflicts, paging to the end, rate limits. Answers are small
//! hand-written stand-ins (ours); the corpus replay and the prism suite
//! check parsing of real and documented answers.

mod support;

use std::sync::Arc;

use scm_core::actions::*;
use scm_core::{Handle, Page, PageRequest};
use serde_json::{json, Value};
use support::*;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const REPO: &str = "/bitbucket/rest/api/latest/projects/PRJ/repos/my-repo";
const SHA: &str = "1111111111111111111111111111111111111111";

async fn server() -> (MockServer, scm_bitbucket_server::BitbucketServer) {
    let server = MockServer::start().await;
    let provider = provider(&format!("{}/bitbucket/rest", server.uri()), http());
    (server, provider)
}

/// A pull request as Data Center answers it (trimmed; ours).
fn pull_request(version: i64, title: &str, state: &str) -> Value {
    json!({
        "id": 7, "version": version, "title": title, "description": "Keep this description",
        "state": state, "open": state == "OPEN", "closed": state != "OPEN", "draft": false,
        "fromRef": {"id": "refs/heads/feature", "displayId": "feature", "latestCommit": SHA},
        "toRef": {"id": "refs/heads/main", "displayId": "main", "latestCommit": SHA},
        "reviewers": [
            {"user": {"name": "bob", "id": 2, "slug": "bob"}, "role": "REVIEWER", "status": "APPROVED", "approved": true},
            {"user": {"name": "carol", "id": 3, "slug": "carol"}, "role": "REVIEWER", "status": "UNAPPROVED"}
        ]
    })
}

#[tokio::test]
async fn an_update_keeps_reviewers_and_description_and_sends_the_version() {
    let (server, provider) = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pull-requests/7")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(pull_request(3, "Old", "OPEN")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{REPO}/pull-requests/7")))
        .and(body_json(json!({
            "version": 3,
            "title": "New title",
            "description": "Keep this description",
            "reviewers": [{"user": {"name": "bob"}}, {"user": {"name": "carol"}}]
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(pull_request(
            4,
            "New title",
            "OPEN",
        )))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/pull-requests/7/decline")))
        .and(query_param("version", "4"))
        .and(body_json(json!({"version": 4})))
        .respond_with(ResponseTemplate::new(200).set_body_json(pull_request(
            5,
            "New title",
            "DECLINED",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let action = UpdatePullRequest {
        pull_request_id: "7".into(),
        title: Some("New title".into()),
        body: None,
        state: Some(scm_core::model::PullRequestState::Closed),
    };
    let pr = data(&provider, action).await;
    assert_eq!(pr.title, "New title");
    assert_eq!(pr.state, scm_core::model::PullRequestState::Closed);
    assert!(!pr.merged);
    assert_eq!(
        pr.html_url.as_deref(),
        Some("https://bitbucket.example.com/bitbucket/projects/PRJ/repos/my-repo/pull-requests/7")
    );
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_with_the_providers_message() {
    let (server, provider) = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pull-requests/7")))
        .respond_with(ResponseTemplate::new(200).set_body_json(pull_request(3, "Old", "OPEN")))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{REPO}/pull-requests/7")))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({"errors": [{
            "context": null,
            "message": "You are attempting to modify a pull request based on out-of-date information.",
            "exceptionName": "com.atlassian.bitbucket.pull.PullRequestOutOfDateException",
            "currentVersion": 4
        }]})))
        .mount(&server)
        .await;
    let action = UpdatePullRequest {
        pull_request_id: "7".into(),
        title: None,
        body: Some("New body".into()),
        state: None,
    };
    let err = error(&provider, action).await;
    assert_eq!(err.code(), "resource_conflict");
    assert!(err.to_string().contains("out-of-date information"), "{err}");
    assert!(
        err.to_string().contains("PullRequestOutOfDateException"),
        "{err}"
    );
    assert!(!err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn comment_deletes_and_edits_send_the_current_version() {
    let (server, provider) = server().await;
    let comment = json!({"id": 5, "version": 2, "text": "old", "author": {"name": "bob", "id": 2}});
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pull-requests/7/comments/5")))
        .respond_with(ResponseTemplate::new(200).set_body_json(comment.clone()))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(format!("{REPO}/pull-requests/7/comments/5")))
        .and(query_param("version", "2"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path(format!("{REPO}/pull-requests/7/comments/5")))
        .and(body_json(json!({"text": "new", "version": 2})))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": 5, "version": 3, "text": "new"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    provider
        .handle(
            DeletePullRequestComment {
                pull_request_id: "7".into(),
                comment_id: "5".into(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    let edited = data(
        &provider,
        UpdateReviewComment {
            pull_request_id: "7".into(),
            comment_id: "5".into(),
            body: "new".into(),
        },
    )
    .await;
    assert_eq!(edited.body, "new");
}

#[tokio::test]
async fn lists_page_to_the_end_with_opaque_cursors() {
    let (server, provider) = server().await;
    let repo = |n: i64| json!({"id": n, "slug": format!("r{n}"), "name": format!("r{n}"), "project": {"key": "PRJ"}});
    for (start, last, next) in [
        (0, false, Some(2)),
        (2, false, Some(4)),
        (4, true, None::<i64>),
    ] {
        Mock::given(method("GET"))
            .and(path("/bitbucket/rest/api/latest/repos"))
            .and(query_param("start", start.to_string().as_str()))
            .and(query_param("limit", "2"))
            .and(query_param("permission", "REPO_READ"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "size": 2, "limit": 2, "start": start, "isLastPage": last,
                "nextPageStart": next, "values": [repo(start), repo(start + 1)]
            })))
            .expect(1)
            .mount(&server)
            .await;
    }
    let mut page = PageRequest {
        cursor: None,
        per_page: Some(2),
    };
    let mut names = Vec::new();
    loop {
        let Page { items, next_cursor } =
            data(&provider, ListRepositories { page: page.clone() }).await;
        names.extend(items.into_iter().map(|r| r.full_name));
        match next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(
        names,
        ["PRJ/r0", "PRJ/r1", "PRJ/r2", "PRJ/r3", "PRJ/r4", "PRJ/r5"]
    );
}

#[tokio::test]
async fn rate_limits_and_errors_keep_their_codes() {
    let (server, provider) = server().await;
    Mock::given(method("GET"))
        .and(path(REPO))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "12"))
        .mount(&server)
        .await;
    let err = error(&provider, GetRepository {}).await;
    assert_eq!(err.code(), "rate_limit_exceeded");
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(12)));
}

#[tokio::test]
async fn the_acting_user_comes_from_x_ausername() {
    let (server, provider) = server().await;
    Mock::given(method("GET"))
        .and(path("/bitbucket/rest/api/latest/application-properties"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("x-ausername", "jane.doe")
                .set_body_json(json!({"version": "9.2.0"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/bitbucket/rest/api/latest/users/jane.doe"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "name": "jane.doe", "slug": "jane.doe", "id": 9, "displayName": "Jane Doe", "type": "NORMAL"
        })))
        .mount(&server)
        .await;
    let me = data(&provider, GetAuthenticatedActor {}).await;
    assert_eq!(me.username, "jane.doe");
    assert_eq!(me.id.as_deref(), Some("9"));
    assert_eq!(me.kind.as_deref(), Some("user"));
}

#[tokio::test]
async fn line_comments_take_their_line_type_from_the_diff() {
    let (server, provider) = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pull-requests/7")))
        .respond_with(ResponseTemplate::new(200).set_body_json(pull_request(3, "T", "OPEN")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pull-requests/7/diff/src/main.go")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"diffs": [{"hunks": [{
            "sourceLine": 10, "destinationLine": 10, "segments": [
                {"type": "CONTEXT", "lines": [{"source": 10, "destination": 10}]},
                {"type": "REMOVED", "lines": [{"source": 11, "destination": 11}]},
                {"type": "ADDED", "lines": [{"source": 12, "destination": 11}]}
            ]}]}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("{REPO}/pull-requests/7/comments")))
        .and(body_json(json!({"text": "why?", "anchor": {
            "path": "src/main.go", "diffType": "EFFECTIVE", "fileType": "TO",
            "toHash": SHA, "fromHash": SHA, "line": 11, "lineType": "ADDED"
        }})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": 40, "version": 0, "text": "why?",
            "anchor": {"path": "src/main.go", "line": 11, "lineType": "ADDED", "fileType": "TO", "toHash": SHA}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let action = CreateReviewComment {
        pull_request_id: "7".into(),
        commit_id: scm_core::model::Sha::new(SHA).unwrap(),
        body: "why?".into(),
        path: "src/main.go".into(),
        line: scm_core::model::DiffLine {
            line: 11,
            side: scm_core::model::ReviewSide::Head,
        },
        start_line: None,
    };
    let comment = data(&provider, action).await;
    assert_eq!(comment.id, "40");
    assert_eq!(comment.line, Some(11));
    assert_eq!(comment.side, Some(scm_core::model::ReviewSide::Head));
}

#[tokio::test]
async fn reactions_branches_and_file_edits() {
    let (server, provider) = server().await;
    Mock::given(method("PUT"))
        .and(path("/bitbucket/rest/comment-likes/latest/projects/PRJ/repos/my-repo/pull-requests/7/comments/5/reactions/tada"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "emoticon": {"shortcut": "tada"}, "user": {"name": "bob", "id": 2}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/bitbucket/rest/comment-likes/latest/projects/PRJ/repos/my-repo/pull-requests/7/comments/5/reactions/thumbsup"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path(
            "/bitbucket/rest/branch-utils/latest/projects/PRJ/repos/my-repo/branches",
        ))
        .and(body_json(
            json!({"name": "refs/heads/feature/x", "dryRun": false}),
        ))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/browse/docs/notes.md")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"errors": [{"message": "The path \"docs/notes.md\" does not exist at revision"}]})))
        .mount(&server)
        .await;
    let seen: Arc<std::sync::Mutex<Option<Request>>> = Arc::default();
    let keep = seen.clone();
    Mock::given(method("PUT"))
        .and(path(format!("{REPO}/browse/docs/notes.md")))
        .respond_with(move |request: &Request| {
            *keep.lock().unwrap() = Some(request.clone());
            ResponseTemplate::new(200).set_body_json(json!({
                "id": "2222222222222222222222222222222222222222", "message": "Add notes",
                "parents": [{"id": SHA}]
            }))
        })
        .expect(1)
        .mount(&server)
        .await;

    let reaction = data(
        &provider,
        CreatePullRequestCommentReaction {
            pull_request_id: "7".into(),
            comment_id: "5".into(),
            reaction: scm_core::model::Reaction::Hooray,
        },
    )
    .await;
    assert_eq!(
        (reaction.id.as_str(), reaction.reaction),
        ("tada", scm_core::model::Reaction::Hooray)
    );
    provider
        .handle(
            DeleteReviewCommentReaction {
                pull_request_id: "7".into(),
                comment_id: "5".into(),
                reaction_id: "+1".into(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    provider
        .handle(
            DeleteBranch {
                branch: "feature/x".into(),
            },
            &ctx(),
        )
        .await
        .unwrap();
    let commit = data(
        &provider,
        write_one_file("main", SHA, "docs/notes.md", "hello"),
    )
    .await;
    assert_eq!(commit.parent_shas[0].as_str(), SHA);
    let request = seen.lock().unwrap().clone().unwrap();
    let content_type = request
        .headers
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("multipart/form-data; boundary="));
    let body = String::from_utf8(request.body).unwrap();
    for part in [
        "name=\"message\"\r\n\r\nAdd notes",
        "name=\"branch\"\r\n\r\nmain",
        "filename=\"notes.md\"",
        "\r\n\r\nhello\r\n",
    ] {
        assert!(body.contains(part), "{part} in {body}");
    }
    // A new file has no source commit.
    assert!(!body.contains("sourceCommitId"));

    // What the file edit API cannot do is refused before any request.
    let refused = error(&provider, {
        let mut delete = write_one_file("main", SHA, "a", "");
        delete.actions = vec![scm_core::model::CommitAction::Delete { path: "a".into() }];
        delete
    })
    .await;
    assert_eq!(refused.code(), "invalid_input");
}

#[tokio::test]
async fn raw_requests_stay_in_the_repository_and_are_authenticated() {
    use scm_core::proxy::{CredentialSet, RawProxy, RawRequest};
    let (server, provider) = server().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pull-requests/7/merge")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"canMerge": true})))
        .expect(1)
        .mount(&server)
        .await;
    let scope = provider.scope(&ctx()).unwrap();
    assert_eq!(scope.prefix, "/api/latest/projects/PRJ/repos/my-repo");
    for outside in [
        "/api/latest/projects/PRJ/repos/other/pull-requests",
        "/api/latest/projects/PRJ/repos/my-repo/../other",
        "/api/latest/admin/users",
        "/branch-utils/latest/projects/PRJ/repos/my-repo/branches",
    ] {
        assert!(
            scope.check(&http::Method::GET, outside, true).is_err(),
            "{outside}"
        );
    }
    let path = scope
        .check(
            &http::Method::GET,
            &format!("{}/pull-requests/7/merge", scope.prefix),
            false,
        )
        .unwrap();
    let request = RawRequest {
        method: http::Method::GET,
        path,
        headers: http::HeaderMap::new(),
        body: bytes::Bytes::new(),
        credentials: CredentialSet::Installation,
    };
    let response = provider.send_raw(request, &ctx()).await.unwrap();
    assert_eq!(response.status(), 200);
}
