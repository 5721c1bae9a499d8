//! rpc0 compatibility through the real router: lookups, proxied requests
//! to a stub provider on 127.0.0.1 (what reaches GitHub's and GitLab's
//! APIs, what comes back), quota through the proxy, disabling, and a
//! proxied request validated by prism against GitHub's OpenAPI description.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use axum::response::IntoResponse;
use scm_core::Credential;
use scm_core::Secret;
use scm_server::crypto::SecretBox;
use scm_server::registry::{NewIntegration, NewRepository, Registry};
use scm_server::rpc0::signature::sign;
use scm_server::{build_app, Config};
use tower::ServiceExt;

const SECRET: &str = "rpc0-test-secret";
const OLD_SECRET: &str = "rpc0-previous-secret";
const TOKEN: &str = "ghp_rpc0_stub_token";
const GITLAB_TOKEN: &str = "glpat_rpc0_stub_token";
/// The GitLab integration's web base (its API is the stub's `/api/v4`).
const GITLAB_WEB: &str = "https://gitlab.example.com:8443/gitlab";

/// One request the stub provider received.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    uri: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

struct Stub {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A stub GitHub and GitLab API on 127.0.0.1 that records what it
/// receives (our own stand-in; prism covers GitHub's description below).
async fn stub() -> Stub {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let app = axum::Router::new().fallback(move |request: Request<Body>| {
        let record = record.clone();
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap()
                .to_vec();
            record.lock().unwrap().push(Seen {
                method: parts.method.to_string(),
                uri: parts.uri.to_string(),
                headers: parts.headers.clone(),
                body: body.clone(),
            });
            let path = parts.uri.path().to_owned();
            match (parts.method.as_str(), path.as_str()) {
                ("GET", "/repos/acme/widgets/issues") => (
                    StatusCode::OK,
                    [
                        ("etag", "\"abc\""),
                        ("set-cookie", "session=stub-session"),
                        ("x-ratelimit-remaining", "4999"),
                        ("link", "<http://x/?page=2>; rel=\"next\""),
                        ("content-type", "application/json"),
                    ],
                    r#"[{"number":1,"title":"first"}]"#.to_owned(),
                )
                    .into_response(),
                ("POST", "/repos/acme/widgets/issues/1/comments") => (
                    StatusCode::CREATED,
                    [("content-type", "application/json")],
                    String::from_utf8(body).unwrap(),
                )
                    .into_response(),
                ("GET", gitlab) if gitlab.starts_with("/api/v4/projects/") => (
                    StatusCode::OK,
                    [("content-type", "application/json")],
                    r#"[{"iid":1}]"#.to_owned(),
                )
                    .into_response(),
                ("POST", "/graphql") => (
                    StatusCode::OK,
                    [("content-type", "application/json")],
                    r#"{"data":{}}"#.to_owned(),
                )
                    .into_response(),
                _ => (
                    StatusCode::NOT_FOUND,
                    [("content-type", "application/json")],
                    r#"{"message":"Not Found"}"#.to_owned(),
                )
                    .into_response(),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    Stub { url, seen, task }
}

struct Fixture {
    app: axum::Router,
    repo: i64,
    /// GitLab project 42 (registered by numeric id) in organization 10.
    gitlab_by_id: i64,
    /// GitLab project `acme/sub/tools` (registered by path).
    gitlab_by_path: i64,
    /// A GitHub Enterprise Server repository in organization 10.
    enterprise: i64,
    dir: std::path::PathBuf,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn fixture(name: &str, api_url: &str, edit: impl FnOnce(&mut Config)) -> Fixture {
    let dir = std::env::temp_dir().join(format!("scm-rpc0-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("registry.db").display());
    let secrets = SecretBox::from_encoded(&SecretBox::generate_key()).unwrap();
    let registry = Registry::connect(&url, secrets).await.unwrap();
    let integration = registry
        .add_integration(NewIntegration {
            provider: "github".into(),
            name: "acme".into(),
            api_url: Some(api_url.into()),
            web_url: Some("https://github.com".into()),
            credential: Credential::Token {
                token: Secret::new(TOKEN),
            },
        })
        .await
        .unwrap();
    let add = |org: i64, name: &str| NewRepository {
        organization_id: org,
        integration_id: integration.id,
        external_id: name.into(),
        full_name: name.into(),
    };
    let repo = registry
        .add_repository(add(10, "acme/widgets"))
        .await
        .unwrap()
        .id;
    registry
        .add_repository(add(11, "other/repo"))
        .await
        .unwrap();
    let gitlab = registry
        .add_integration(NewIntegration {
            provider: "gitlab".into(),
            name: "acme-gitlab".into(),
            api_url: Some(format!("{api_url}/api/v4")),
            web_url: Some(GITLAB_WEB.into()),
            credential: Credential::Token {
                token: Secret::new(GITLAB_TOKEN),
            },
        })
        .await
        .unwrap();
    let enterprise = registry
        .add_integration(NewIntegration {
            provider: "github".into(),
            name: "acme-ghes".into(),
            api_url: Some("https://ghe.example.com/api/v3".into()),
            web_url: Some("https://ghe.example.com".into()),
            credential: Credential::Token {
                token: Secret::new(TOKEN),
            },
        })
        .await
        .unwrap();
    let in_org_10 = |integration: i64, external_id: &str, full_name: &str| NewRepository {
        organization_id: 10,
        integration_id: integration,
        external_id: external_id.into(),
        full_name: full_name.into(),
    };
    let gitlab_by_id = registry
        .add_repository(in_org_10(gitlab.id, "42", "acme/tools"))
        .await
        .unwrap()
        .id;
    let gitlab_by_path = registry
        .add_repository(in_org_10(gitlab.id, "acme/sub/tools", "acme/sub/tools"))
        .await
        .unwrap()
        .id;
    let enterprise = registry
        .add_repository(in_org_10(
            enterprise.id,
            "acme/enterprise",
            "acme/enterprise",
        ))
        .await
        .unwrap()
        .id;
    let mut config = Config::default();
    config.rpc0.secrets = vec![Secret::new(OLD_SECRET), Secret::new(SECRET)];
    edit(&mut config);
    Fixture {
        app: build_app(&config, registry),
        repo,
        gitlab_by_id,
        gitlab_by_path,
        enterprise,
        dir,
    }
}

fn lookup(org: &str, repo: &str, secret: &str) -> Request<Body> {
    let key: scm_core::registry::RepositoryKey = serde_json::from_str(repo).unwrap();
    let message = scm_server::rpc0::signature::lookup_message(org.parse().unwrap(), &key);
    Request::get("/api/0/internal/scm-rpc/")
        .header("x-organization-id", org)
        .header("x-repository-id", repo)
        .header(
            "authorization",
            format!(
                "rpcsignature rpc0:{}",
                sign(&Secret::new(secret), message.as_bytes())
            ),
        )
        .body(Body::empty())
        .unwrap()
}

fn proxied(repo: &str, referrer: Option<&str>, data: serde_json::Value) -> Request<Body> {
    let body = serde_json::to_vec(&serde_json::json!({"type": "action", "data": data})).unwrap();
    let mut builder = Request::post("/api/0/internal/scm-rpc/")
        .header("x-organization-id", "10")
        .header("x-repository-id", repo)
        .header("content-type", "application/json")
        .header(
            "authorization",
            format!("rpc0:{}", sign(&Secret::new(SECRET), &body)),
        );
    if let Some(referrer) = referrer {
        builder = builder.header("x-referrer", referrer);
    }
    builder.body(Body::from(body)).unwrap()
}

async fn send(app: &axum::Router, request: Request<Body>) -> (StatusCode, HeaderMap, Vec<u8>) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap()
        .to_vec();
    (status, headers, body)
}

fn code(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body).unwrap_or_default()["errors"][0]["code"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[tokio::test]
async fn lookup_answers_the_repository_document() {
    let f = fixture("lookup", "http://127.0.0.1:9", |_| {}).await;
    for (repo, secret) in [
        (f.repo.to_string(), SECRET),
        (r#"["github","acme/widgets"]"#.to_owned(), OLD_SECRET),
    ] {
        let (status, _, body) = send(&f.app, lookup("10", &repo, secret)).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        let doc: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            doc,
            serde_json::json!({"data": {
                "id": f.repo.to_string(),
                "type": "repository",
                "attributes": {
                    "external_id": "acme/widgets",
                    "integration_id": 1,
                    "is_active": true,
                    "name": "acme/widgets",
                    "organization_id": 10,
                    "provider_name": "github",
                    "web_base_url": "https://github.com",
                    "installation_id": null,
                    "path": null,
                }
            }})
        );
    }
    // Another organization's repository, an unknown one, a wrong secret.
    let (status, _, body) = send(&f.app, lookup("11", &f.repo.to_string(), SECRET)).await;
    assert_eq!(
        (status.as_u16(), code(&body).as_str()),
        (404, "repository_organization_mismatch")
    );
    let (status, _, body) = send(&f.app, lookup("10", "999", SECRET)).await;
    assert_eq!(
        (status.as_u16(), code(&body).as_str()),
        (404, "repository_not_found")
    );
    let (status, _, body) = send(&f.app, lookup("10", "1", "wrong")).await;
    assert_eq!(
        (status.as_u16(), code(&body).as_str()),
        (401, "rpc_invalid_signature")
    );
    let mut bad = lookup("10", "1", SECRET);
    bad.headers_mut()
        .insert("x-repository-id", "acme/widgets".parse().unwrap());
    let (status, _, body) = send(&f.app, bad).await;
    assert_eq!(
        (status.as_u16(), code(&body).as_str()),
        (400, "rpc_malformed_request")
    );
}

#[tokio::test]
async fn proxied_requests_reach_the_provider_scoped_and_filtered() {
    let stub = stub().await;
    let f = fixture("proxy", &stub.url, |_| {}).await;
    let repo = f.repo.to_string();

    // A read with params and headers: only negotiation headers go out, our
    // token is added, credentials in the answer stay behind.
    let (status, headers, body) = send(
        &f.app,
        proxied(
            &repo,
            None,
            serde_json::json!({
                "method": "GET",
                "path": "/repos/acme/widgets/issues",
                "headers": {"Accept": "application/vnd.github+json", "If-None-Match": "\"old\"",
                            "Authorization": "token stolen", "Cookie": "a=b", "X-Forwarded-For": "1.2.3.4"},
                "data": null,
                "params": {"state": "open", "per_page": 100},
                "allow_redirects": true,
                "stream": true,
            }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(body, br#"[{"number":1,"title":"first"}]"#);
    assert_eq!(headers["etag"], "\"abc\"");
    assert_eq!(headers["x-ratelimit-remaining"], "4999");
    assert!(headers.get("link").is_some());
    assert!(headers.get("set-cookie").is_none());
    let seen = stub.seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(seen.method, "GET");
    let (path, query) = seen.uri.split_once('?').unwrap();
    assert_eq!(path, "/repos/acme/widgets/issues");
    let mut pairs: Vec<&str> = query.split('&').collect();
    pairs.sort_unstable();
    assert_eq!(pairs, ["per_page=100", "state=open"]);
    assert_eq!(seen.headers["authorization"], format!("Bearer {TOKEN}"));
    assert_eq!(seen.headers["accept"], "application/vnd.github+json");
    assert_eq!(seen.headers["if-none-match"], "\"old\"");
    assert!(seen.headers.get("cookie").is_none());
    assert!(seen.headers.get("x-forwarded-for").is_none());

    // A write with a JSON body; nulls everywhere else.
    let (status, _, body) = send(
        &f.app,
        proxied(
            r#"["github","acme/widgets"]"#,
            Some("autofix"),
            serde_json::json!({"method": "POST", "path": "/repos/acme/widgets/issues/1/comments",
                               "headers": null, "data": {"body": "hi"}, "params": null,
                               "allow_redirects": null, "stream": null}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(body, br#"{"body":"hi"}"#);
    let seen = stub.seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(seen.body, br#"{"body":"hi"}"#);
    assert_eq!(seen.headers["content-type"], "application/json");

    // Provider errors pass through with their status and body.
    let (status, _, body) = send(
        &f.app,
        proxied(
            &repo,
            None,
            serde_json::json!({"method": "GET", "path": "/repos/acme/widgets/pulls/404"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body, br#"{"message":"Not Found"}"#);

    // GraphQL is outside the repository: refused unless enabled.
    let graphql = || {
        proxied(
            &repo,
            None,
            serde_json::json!({"method": "POST", "path": "/graphql", "data": {"query": "{viewer{login}}"}}),
        )
    };
    let count = stub.seen.lock().unwrap().len();
    let (status, _, body) = send(&f.app, graphql()).await;
    assert_eq!(
        (status.as_u16(), code(&body).as_str()),
        (400, "rpc_invalid_path")
    );
    assert_eq!(stub.seen.lock().unwrap().len(), count, "nothing was sent");
    let open = fixture("proxy-graphql", &stub.url, |c| {
        c.rpc0.allow_extra_routes = true
    })
    .await;
    let (status, _, body) = send(&open.app, graphql()).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(stub.seen.lock().unwrap().last().unwrap().uri, "/graphql");

    // Bad bodies and headers are coded 400s.
    for (edit, want) in [
        (
            serde_json::json!({"method": "TRACE", "path": "/repos/acme/widgets"}),
            "rpc_malformed_request",
        ),
        (
            serde_json::json!({"path": "/repos/acme/widgets"}),
            "rpc_malformed_request",
        ),
        (
            serde_json::json!({"method": "GET", "path": "/repos/acme/widgets", "params": {"a": {"b": 1}}}),
            "rpc_malformed_request",
        ),
    ] {
        let (status, _, body) = send(&f.app, proxied(&repo, None, edit)).await;
        assert_eq!((status.as_u16(), code(&body).as_str()), (400, want));
    }
    let mut bad = proxied(
        &repo,
        None,
        serde_json::json!({"method": "GET", "path": "/repos/acme/widgets"}),
    );
    bad.headers_mut()
        .insert("x-credentials-set", "root".parse().unwrap());
    let (status, _, body) = send(&f.app, bad).await;
    assert_eq!(
        (status.as_u16(), code(&body).as_str()),
        (400, "rpc_malformed_request")
    );
}

#[tokio::test]
async fn referrer_allocations_apply_to_proxied_requests() {
    let stub = stub().await;
    let f = fixture("quota", &stub.url, |c| {
        c.quota.default_capacity = 4;
        c.quota.allocations = [("noisy".to_owned(), 0.5)].into();
    })
    .await;
    let repo = f.repo.to_string();
    let call = |referrer: &'static str| {
        proxied(
            &repo,
            Some(referrer),
            serde_json::json!({"method": "GET", "path": "/repos/acme/widgets/issues"}),
        )
    };
    for _ in 0..2 {
        assert_eq!(send(&f.app, call("noisy")).await.0, StatusCode::OK);
    }
    let (status, _, body) = send(&f.app, call("noisy")).await;
    assert_eq!(
        (status.as_u16(), code(&body).as_str()),
        (429, "rate_limit_exceeded")
    );
    assert_eq!(send(&f.app, call("quiet")).await.0, StatusCode::OK);
}

#[tokio::test]
async fn operators_can_turn_rpc0_off() {
    for (name, edit) in [
        (
            "off",
            Box::new(|c: &mut Config| c.rpc0.enabled = false) as Box<dyn FnOnce(&mut Config)>,
        ),
        (
            "nosecret",
            Box::new(|c: &mut Config| c.rpc0.secrets.clear()),
        ),
    ] {
        let f = fixture(name, "http://127.0.0.1:9", edit).await;
        let (status, _, body) = send(&f.app, lookup("10", &f.repo.to_string(), SECRET)).await;
        assert_eq!(
            (status.as_u16(), code(&body).as_str()),
            (404, "rpc0_disabled")
        );
        let (status, _, body) = send(
            &f.app,
            proxied(
                "1",
                None,
                serde_json::json!({"method": "GET", "path": "/repos/acme/widgets"}),
            ),
        )
        .await;
        assert_eq!(
            (status.as_u16(), code(&body).as_str()),
            (404, "rpc0_disabled")
        );
    }
    let env = HashMap::from([
        ("SCM_RPC0_ENABLED".to_owned(), "false".to_owned()),
        ("SCM_RPC0_SECRETS".to_owned(), "a, b".to_owned()),
    ]);
    let config = Config::load(None, &env).unwrap();
    assert!(!config.rpc0.enabled);
    assert_eq!(config.rpc0.secrets.len(), 2);
    assert!(!format!("{config:?}").contains("a, b"));
}

/// The proxied request, sent to prism serving GitHub's description: prism
/// validates the request against the published API and answers from its
/// examples.
#[tokio::test]
async fn proxied_request_matches_githubs_description() {
    let prism = scm_testkit::prism::Prism::shared_github();
    let f = fixture("prism", prism.base_url(), |_| {}).await;
    let (status, headers, body) = send(
        &f.app,
        proxied(
            &f.repo.to_string(),
            None,
            serde_json::json!({"method": "POST", "path": "/repos/acme/widgets/issues/1/comments",
                               "data": {"body": "from rpc0"}}),
        ),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert!(
        scm_testkit::prism::request_violations(&headers).is_empty(),
        "{:?}",
        scm_testkit::prism::violations(&headers)
    );
    let comment: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(comment["id"].is_number());

    let (status, headers, _) = send(
        &f.app,
        proxied(
            &f.repo.to_string(),
            None,
            serde_json::json!({"method": "GET", "path": "/repos/acme/widgets/pulls",
                               "params": {"state": "open", "per_page": 10}}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(scm_testkit::prism::request_violations(&headers).is_empty());
}

/// Lookups carry what the older platform's client reads: the web base,
/// the installation, the project path, GitLab's `{host}:{project}`
/// external id, and `github_enterprise` for an Enterprise Server.
#[tokio::test]
async fn lookups_carry_the_client_fields_of_every_provider() {
    let f = fixture("lookup-fields", "http://127.0.0.1:9", |_| {}).await;
    let attributes = |body: &[u8]| {
        let doc: serde_json::Value = serde_json::from_slice(body).unwrap();
        doc["data"]["attributes"].clone()
    };
    for (repo, external_id, name, path) in [
        (
            f.gitlab_by_id,
            "gitlab.example.com:8443:42",
            "acme/tools",
            "acme/tools",
        ),
        (
            f.gitlab_by_path,
            "gitlab.example.com:8443:acme%2Fsub%2Ftools",
            "acme/sub/tools",
            "acme/sub/tools",
        ),
    ] {
        let (status, _, body) = send(&f.app, lookup("10", &repo.to_string(), SECRET)).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        assert_eq!(
            attributes(&body),
            serde_json::json!({
                "external_id": external_id,
                "integration_id": 2,
                "is_active": true,
                "name": name,
                "organization_id": 10,
                "provider_name": "gitlab",
                "web_base_url": GITLAB_WEB,
                "installation_id": null,
                "path": path,
            })
        );
    }
    let (status, _, body) = send(&f.app, lookup("10", &f.enterprise.to_string(), SECRET)).await;
    assert_eq!(status, StatusCode::OK);
    let enterprise = attributes(&body);
    assert_eq!(enterprise["provider_name"], "github_enterprise");
    assert_eq!(enterprise["web_base_url"], "https://ghe.example.com");
    assert_eq!(enterprise["external_id"], "acme/enterprise");
}

/// GitLab projects are proxied below `/projects/{id}` (numeric id or
/// encoded path, as registered), with GitLab's token header, and nothing
/// outside the project is sent.
#[tokio::test]
async fn gitlab_requests_are_proxied_within_the_project() {
    let stub = stub().await;
    let f = fixture("proxy-gitlab", &stub.url, |_| {}).await;
    let by_id = f.gitlab_by_id.to_string();
    let (status, _, body) = send(
        &f.app,
        proxied(
            &by_id,
            None,
            serde_json::json!({"method": "GET", "path": "/projects/42/issues",
                               "headers": {"Authorization": "Bearer stolen"},
                               "params": {"state": "opened"}}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(body, br#"[{"iid":1}]"#);
    let seen = stub.seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(seen.uri, "/api/v4/projects/42/issues?state=opened");
    assert_eq!(seen.headers["private-token"], GITLAB_TOKEN);
    assert!(seen.headers.get("authorization").is_none());
    assert_eq!(seen.headers["accept"], "application/json");

    // Registered by path: the client addresses files and branches by
    // encoded paths, which go out exactly as sent. GitLab has one identity,
    // so the application set uses the token too.
    let file = "/projects/acme%2Fsub%2Ftools/repository/files/docs%2Fguide.md/raw?ref=main";
    let mut request = proxied(
        &f.gitlab_by_path.to_string(),
        None,
        serde_json::json!({"method": "GET", "path": file}),
    );
    request
        .headers_mut()
        .insert("x-credentials-set", "application".parse().unwrap());
    let (status, _, body) = send(&f.app, request).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let seen = stub.seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(seen.uri, format!("/api/v4{file}"));
    assert_eq!(seen.headers["private-token"], GITLAB_TOKEN);

    // Other projects, escapes and routes outside the project: nothing sent.
    let count = stub.seen.lock().unwrap().len();
    for path in [
        "/projects/43/issues",
        "/projects/acme%2Fsub%2Ftools/issues",
        "/projects/42/repository/files/..%2F..%2F..%2Fuser/raw",
        "/projects/42/../43",
        "/user",
        "https://evil.example/api/v4/projects/42",
    ] {
        let (status, _, body) = send(
            &f.app,
            proxied(
                &by_id,
                None,
                serde_json::json!({"method": "GET", "path": path}),
            ),
        )
        .await;
        assert_eq!(
            (status.as_u16(), code(&body).as_str()),
            (400, "rpc_invalid_path"),
            "{path}"
        );
    }
    assert_eq!(stub.seen.lock().unwrap().len(), count, "nothing was sent");
}
