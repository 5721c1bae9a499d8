//! How the provider behaves on the wire, against a local mock: pagination
//! to the end, cursors that cannot be forged, OAuth renewal once for
//! concurrent callers, credentials only for Bitbucket's origin, error
//! bodies, conditional reads and redirects.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::*;
use scm_bitbucket::auth::AuthTransport;
use scm_bitbucket::{Bitbucket, BitbucketAuth, BitbucketConfig, OAuthClient};
use scm_core::actions::*;
use scm_core::{Cursor, Handle, PageRequest, Provider, RequestOptions, Secret};
use serde_json::json;
use wiremock::matchers::{header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

fn comment(id: u64) -> serde_json::Value {
    json!({ "id": id, "type": "pullrequest_comment", "content": { "raw": format!("c{id}") },
            "user": { "uuid": "{u}", "display_name": "U" } })
}

fn page(req: PageRequest) -> GetPullRequestComments {
    GetPullRequestComments {
        pull_request_id: "1".into(),
        page: req,
    }
}

/// Answers page `n` of a three-page list with absolute next links, as
/// Bitbucket does.
struct ThreePages(String);

impl Respond for ThreePages {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let n: u64 = request
            .url
            .query_pairs()
            .find(|(k, _)| k == "page")
            .map(|(_, v)| v.parse().unwrap())
            .unwrap_or(1);
        let mut body = json!({ "pagelen": 2, "page": n, "size": 5,
                               "values": [comment(n * 10), comment(n * 10 + 1)] });
        if n < 3 {
            body["next"] = json!(format!(
                "{}{REPO}/pullrequests/1/comments?pagelen=2&page={}",
                self.0,
                n + 1
            ));
        }
        ResponseTemplate::new(200).set_body_json(body)
    }
}

#[tokio::test]
async fn pagination_follows_next_to_the_end_and_stops_exactly_there() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pullrequests/1/comments")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ThreePages(server.uri()))
        .expect(3)
        .mount(&server)
        .await;
    let bb = bitbucket(&server.uri());
    let mut req = PageRequest {
        cursor: None,
        per_page: Some(2),
    };
    let mut ids = Vec::new();
    let mut pages = 0;
    loop {
        let out = bb
            .handle(page(req.clone()), &ctx())
            .await
            .unwrap()
            .into_data()
            .unwrap();
        pages += 1;
        ids.extend(out.items.into_iter().map(|c| c.id));
        match out.next_cursor {
            Some(next) => req.cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(ids, ["10", "11", "20", "21", "30", "31"]);
    // `per_page` became `pagelen`, clamped to Bitbucket's limit.
    let first = &server.received_requests().await.unwrap()[0];
    assert_eq!(first.url.query(), Some("pagelen=2"));
}

#[tokio::test]
async fn commits_paginate_without_page_numbers() {
    let server = MockServer::start().await;
    let commit = |h: &str| {
        json!({ "hash": h, "message": "m", "date": "2026-11-01T10:00:00+00:00",
                                  "author": { "raw": "A <a@example.com>" }, "parents": [] })
    };
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/commits/main")))
        .and(query_param("ctx", "opaque-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "pagelen": 1, "values": [commit(SHA2)] })),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/commits/main")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "pagelen": 1, "values": [commit(SHA)],
            "next": format!("{}{REPO}/commits/main?ctx=opaque-token", server.uri())
        })))
        .mount(&server)
        .await;
    let bb = bitbucket(&server.uri());
    let first = bb
        .handle(
            GetCommits {
                r#ref: Some("main".into()),
                since: None,
                until: None,
                page: PageRequest::default(),
            },
            &ctx(),
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(first.items[0].sha.as_str(), SHA);
    let second = bb
        .handle(
            GetCommits {
                r#ref: Some("main".into()),
                since: None,
                until: None,
                page: PageRequest {
                    cursor: first.next_cursor,
                    per_page: None,
                },
            },
            &ctx(),
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(second.items[0].sha.as_str(), SHA2);
    assert!(second.next_cursor.is_none());
}

#[tokio::test]
async fn cursors_cannot_be_forged_and_foreign_next_links_are_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pullrequests/1/comments")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "values": [comment(1)],
            "next": "https://evil.example/2.0/repositories/acme/widgets/pullrequests/1/comments?page=2"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pullrequests/2/comments")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "values": [comment(1)],
            "next": format!("{}/repositories/other/repo/pullrequests/2/comments?page=2", server.uri())
        })))
        .mount(&server)
        .await;
    let bb = bitbucket(&server.uri());
    let err = bb
        .handle(page(PageRequest::default()), &ctx())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "provider_malformed_response");
    assert!(err.to_string().contains("another host"), "{err}");
    let other_path = GetPullRequestComments {
        pull_request_id: "2".into(),
        page: PageRequest::default(),
    };
    let err = bb.handle(other_path, &ctx()).await.unwrap_err();
    assert!(err.to_string().contains("another path"), "{err}");

    // A cursor made for another list (or by hand) is refused before any request.
    let forged = Cursor::encode(&json!({ "p": "/user", "q": [["page", "2"]] }));
    let before = server.received_requests().await.unwrap().len();
    let err = bb
        .handle(
            page(PageRequest {
                cursor: Some(forged),
                per_page: None,
            }),
            &ctx(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    let garbage = Cursor::from_raw("not-a-cursor");
    let err = bb
        .handle(
            page(PageRequest {
                cursor: Some(garbage),
                per_page: None,
            }),
            &ctx(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
    assert_eq!(server.received_requests().await.unwrap().len(), before);
}

/// The token endpoint: counts renewals, answers a fresh token each time.
struct TokenEndpoint(Arc<AtomicUsize>);

impl Respond for TokenEndpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let n = self.0.fetch_add(1, Ordering::SeqCst) + 1;
        let body = String::from_utf8_lossy(&request.body).into_owned();
        assert!(body.contains("grant_type=refresh_token"), "{body}");
        std::thread::sleep(std::time::Duration::from_millis(100));
        ResponseTemplate::new(200).set_body_json(json!({
            "access_token": format!("access-{n}"), "refresh_token": format!("refresh-{n}"),
            "expires_in": 3600, "token_type": "bearer"
        }))
    }
}

fn oauth(api: &str, web: &str, access: Option<&str>) -> Bitbucket {
    let config = BitbucketConfig::custom(api, web).unwrap();
    let auth = BitbucketAuth::OAuth {
        access_token: access.map(Secret::new),
        client: OAuthClient {
            client_id: "client-id".into(),
            client_secret: Secret::new("client-secret"),
            refresh_token: Secret::new("refresh-0"),
        },
    };
    let transport = AuthTransport::new(&config, auth, http()).unwrap();
    Bitbucket::new(config, Arc::new(transport)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn oauth_renews_once_for_concurrent_callers() {
    let api = MockServer::start().await;
    let web = MockServer::start().await;
    let renewals = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/site/oauth2/access_token"))
        // The consumer authenticates with Basic client_id:client_secret.
        .and(header(
            "authorization",
            "Basic Y2xpZW50LWlkOmNsaWVudC1zZWNyZXQ=",
        ))
        .respond_with(TokenEndpoint(renewals.clone()))
        .mount(&web)
        .await;
    Mock::given(method("GET"))
        .and(path(REPO))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "full_name": FULL_NAME, "uuid": "{r}" })),
        )
        .expect(16)
        .mount(&api)
        .await;
    let bb = Arc::new(oauth(&api.uri(), &web.uri(), None));
    let calls = (0..16).map(|_| {
        let bb = bb.clone();
        tokio::spawn(async move { bb.handle(GetRepository {}, &ctx()).await })
    });
    for call in futures::future::join_all(calls).await {
        call.unwrap().unwrap();
    }
    assert_eq!(
        renewals.load(Ordering::SeqCst),
        1,
        "one renewal for 16 concurrent callers"
    );
}

#[tokio::test]
async fn oauth_renews_after_a_refusal_and_retries_once() {
    let api = MockServer::start().await;
    let web = MockServer::start().await;
    let renewals = Arc::new(AtomicUsize::new(0));
    Mock::given(method("POST"))
        .and(path("/site/oauth2/access_token"))
        .respond_with(TokenEndpoint(renewals.clone()))
        .mount(&web)
        .await;
    Mock::given(method("GET"))
        .and(path(REPO))
        .and(header("authorization", "Bearer stale"))
        .respond_with(ResponseTemplate::new(401).set_body_json(
            json!({ "type": "error", "error": { "message": "Access token expired." } }),
        ))
        .expect(1)
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path(REPO))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "full_name": FULL_NAME })))
        .expect(1)
        .mount(&api)
        .await;
    let bb = oauth(&api.uri(), &web.uri(), Some("stale"));
    bb.handle(GetRepository {}, &ctx()).await.unwrap();
    assert_eq!(renewals.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_refused_renewal_is_unauthorized_without_secrets() {
    let api = MockServer::start().await;
    let web = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/site/oauth2/access_token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({ "error": "invalid_grant", "error_description": "Invalid refresh_token" }),
        ))
        .mount(&web)
        .await;
    let bb = oauth(&api.uri(), &web.uri(), None);
    let err = bb.handle(GetRepository {}, &ctx()).await.unwrap_err();
    assert_eq!(err.code(), "provider_unauthorized");
    let text = format!("{err} {err:?}");
    assert!(text.contains("Invalid refresh_token"));
    for secret in ["client-secret", "refresh-0"] {
        assert!(!text.contains(secret), "{text}");
    }
    assert!(api.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn api_tokens_use_basic_with_the_email() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/user"))
        .and(header("authorization", "Basic bWVAZXhhbXBsZS5jb206YXBpLXRva2Vu"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": "user", "uuid": "{me}", "account_id": "5b10a2844c20165700ede21g", "display_name": "Me"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let config = config(&server.uri());
    let auth = BitbucketAuth::Basic {
        username: "me@example.com".into(),
        secret: Secret::new("api-token"),
    };
    let bb = Bitbucket::new(
        config.clone(),
        Arc::new(AuthTransport::new(&config, auth, http()).unwrap()),
    )
    .unwrap();
    let me = bb
        .handle(GetAuthenticatedActor {}, &ctx())
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(me.username, "5b10a2844c20165700ede21g");
    assert_eq!(me.id.as_deref(), Some("{me}"));
}

#[tokio::test]
async fn credentials_never_follow_a_redirect_to_another_host() {
    let api = MockServer::start().await;
    let media = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/src/main/big.bin")))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/file/abc?token=signed", media.uri())),
        )
        .mount(&api)
        .await;
    Mock::given(method("GET"))
        .and(path("/file/abc"))
        .respond_with(|req: &Request| {
            assert!(
                !req.headers.contains_key("authorization"),
                "credential sent to another host"
            );
            ResponseTemplate::new(200).set_body_bytes(b"LFS bytes".to_vec())
        })
        .expect(1)
        .mount(&media)
        .await;
    let bb = bitbucket(&api.uri());
    let file = bb
        .handle(
            GetFileContent {
                path: "big.bin".into(),
                r#ref: "main".into(),
            },
            &ctx(),
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(file.decoded().unwrap().unwrap(), b"LFS bytes");
}

#[tokio::test]
async fn pull_request_diffs_follow_the_redirect_within_the_api() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pullrequests/3/diff")))
        .respond_with(ResponseTemplate::new(302).insert_header(
            "location",
            format!(
                "{}{REPO}/diff/acme/widgets:1a2b3c4d5e6f%0D0f9e8d7c6b5a?from_pullrequest_id=3",
                server.uri()
            ),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!(
            "{REPO}/diff/acme/widgets:1a2b3c4d5e6f%0D0f9e8d7c6b5a"
        )))
        .and(header_exists("authorization"))
        .respond_with(ResponseTemplate::new(200).set_body_string("diff --git a/x b/x\n"))
        .expect(1)
        .mount(&server)
        .await;
    let bb = bitbucket(&server.uri());
    let diff = bb
        .handle(
            GetPullRequestDiff {
                pull_request_id: "3".into(),
            },
            &ctx(),
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert!(diff.starts_with("diff --git"));
}

#[tokio::test]
async fn errors_keep_bitbucket_s_words_and_have_their_codes() {
    let server = MockServer::start().await;
    let error = |message: &str, detail: &str| json!({ "type": "error", "error": { "message": message, "detail": detail } });
    for (id, status) in [
        (401u16, 401u16),
        (403, 403),
        (404, 404),
        (409, 409),
        (400, 400),
        (500, 503),
    ] {
        Mock::given(method("GET"))
            .and(path(format!("{REPO}/pullrequests/{id}")))
            .respond_with(ResponseTemplate::new(status).set_body_json(error("Denied", "because")))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pullrequests/429")))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "30")
                .set_body_string("Rate limit for this resource has been exceeded"),
        )
        .mount(&server)
        .await;
    let bb = bitbucket(&server.uri());
    let get = |id: u16| GetPullRequest {
        pull_request_id: id.to_string(),
    };
    let expect = [
        (401, "provider_unauthorized"),
        (403, "resource_forbidden"),
        (404, "resource_not_found"),
        (409, "resource_conflict"),
        (400, "resource_unprocessable_content"),
        (500, "provider_unavailable"),
        (429, "rate_limit_exceeded"),
    ];
    for (id, code) in expect {
        let err = bb.handle(get(id), &ctx()).await.unwrap_err();
        assert_eq!(err.code(), code, "{id}: {err}");
        assert!(!err.to_string().contains(TOKEN));
    }
    let err = bb.handle(get(404), &ctx()).await.unwrap_err();
    assert!(err.to_string().contains("Denied: because"), "{err}");
    let err = bb.handle(get(429), &ctx()).await.unwrap_err();
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(30)));
    // Input that cannot be a Bitbucket id never reaches the network.
    let err = bb
        .handle(
            GetPullRequest {
                pull_request_id: "../1".into(),
            },
            &ctx(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input");
}

#[tokio::test]
async fn conditional_reads_answer_not_modified() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(REPO))
        .and(header("if-none-match", "\"abc\""))
        .respond_with(ResponseTemplate::new(304).insert_header("etag", "\"abc\""))
        .expect(1)
        .mount(&server)
        .await;
    let bb = bitbucket(&server.uri());
    let mut context = ctx();
    context.options = RequestOptions {
        if_none_match: Some("\"abc\"".into()),
        ..Default::default()
    };
    let out = bb
        .execute(AnyAction::GetRepository(GetRepository {}), &context)
        .await
        .unwrap();
    assert!(out.is_not_modified());
}

#[tokio::test]
async fn unsupported_actions_make_no_request() {
    let server = MockServer::start().await;
    let bb = bitbucket(&server.uri());
    let err = bb
        .execute(
            AnyAction::GetRepositoryLabels(GetRepositoryLabels {
                page: PageRequest::default(),
            }),
            &ctx(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unsupported");
    assert!(server.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn raw_requests_stay_in_the_repository_and_are_authenticated() {
    use scm_core::proxy::{CredentialSet, RawProxy, RawRequest};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pullrequests")))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "values": [] })))
        .expect(1)
        .mount(&server)
        .await;
    let bb = bitbucket(&server.uri());
    let scope = bb.scope(&ctx()).unwrap();
    assert_eq!(scope.prefix, REPO);
    let http_method = http::Method::GET;
    let ok = scope
        .check(
            &http_method,
            &format!("{REPO}/pullrequests?state=OPEN"),
            false,
        )
        .unwrap();
    for outside in [
        "/repositories/acme/other",
        "/user",
        "/workspaces/acme/members",
        "/repositories/acme/widgets/../other",
    ] {
        assert!(
            scope.check(&http_method, outside, true).is_err(),
            "{outside}"
        );
    }
    let mut headers = http::HeaderMap::new();
    // A caller cannot bring its own credential.
    headers.insert("authorization", "Bearer someone-else".parse().unwrap());
    let answer = bb
        .send_raw(
            RawRequest {
                method: http::Method::GET,
                path: ok,
                headers,
                body: bytes::Bytes::new(),
                credentials: CredentialSet::Installation,
            },
            &ctx(),
        )
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
}

#[tokio::test]
async fn a_workspace_without_the_issue_tracker_says_so() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/issues/5")))
        .respond_with(ResponseTemplate::new(410).set_body_json(json!({
            "type": "error", "error": { "message": "Repository has no issue tracker." }
        })))
        .mount(&server)
        .await;
    let err = bitbucket(&server.uri())
        .handle(
            GetIssue {
                issue_id: "5".into(),
            },
            &ctx(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "resource_not_found");
    let text = err.to_string();
    assert!(text.contains("Repository has no issue tracker."), "{text}");
    assert!(text.contains("issue tracker is deprecated"), "{text}");
}

#[tokio::test]
async fn pull_request_pages_stay_within_bitbucket_s_limit() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("{REPO}/pullrequests")))
        .and(query_param("pagelen", "50"))
        .and(query_param("state", "OPEN"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "values": [] })))
        .expect(1)
        .mount(&server)
        .await;
    let page = bitbucket(&server.uri())
        .handle(
            GetPullRequests {
                state: Some(scm_core::model::PullRequestState::Open),
                head: None,
                page: PageRequest {
                    cursor: None,
                    per_page: Some(100),
                },
            },
            &ctx(),
        )
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert!(page.items.is_empty() && page.next_cursor.is_none());
}
