//! The RPC security table: each row is an attack that must be refused
//! with its code. Requests go through the real router over a SQLite
//! registry and the real GitHub provider (web URL actions make no HTTP
//! call, so nothing leaves the process).

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use scm_core::layers::ConnectOptions;
use scm_core::Credential;
use scm_core::Secret;
use scm_server::app::{router, AppState};
use scm_server::crypto::SecretBox;
use scm_server::registry::{Grants, NewIntegration, NewRepository, Registry};
use scm_server::resolver::RegistryResolver;
use scm_server::rpc0::signature::{lookup_message, sign};
use scm_server::rpc0::{Rpc0Config, Rpc0State};
use scm_server::signing::{new_nonce, unix_now, Signed};
use tower::ServiceExt;

struct Fixture {
    app: axum::Router,
    key_id: String,
    secret: Secret,
    revoked_id: String,
    revoked_secret: Secret,
    other_org_id: String,
    other_org_secret: Secret,
    repo: i64,
    foreign_repo: i64,
    inactive_repo: i64,
    sibling_repo: i64,
    /// A GitLab project (numeric id 42) in organization 10.
    gitlab_repo: i64,
    /// Used successfully (so cached), then revoked / deactivated.
    later_revoked_id: String,
    later_revoked_secret: Secret,
    later_inactive_repo: i64,
    registry: Registry,
    dir: std::path::PathBuf,
}

const RPC0_SECRET: &str = "rpc0-security-secret";

async fn fixture(name: &str) -> Fixture {
    let dir = std::env::temp_dir().join(format!("scm-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("registry.db").display());
    let secrets = SecretBox::from_encoded(&SecretBox::generate_key()).unwrap();
    let registry = Registry::connect(&url, secrets).await.unwrap();
    // Caches on, with a TTL far longer than the test: a key revoked or a
    // repository deactivated after it was cached is refused only because
    // the change drops the cached entry.
    registry.set_cache_ttls(Duration::from_secs(600), Duration::from_secs(600));
    let integration = registry
        .add_integration(NewIntegration {
            provider: "github".into(),
            name: "acme".into(),
            api_url: Some("http://127.0.0.1:9".into()),
            web_url: Some("https://github.com".into()),
            credential: Credential::Token {
                token: Secret::new("ghp_security_table_token"),
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
    let foreign_repo = registry
        .add_repository(add(11, "other/repo"))
        .await
        .unwrap()
        .id;
    let inactive_repo = registry
        .add_repository(add(10, "acme/old"))
        .await
        .unwrap()
        .id;
    registry.deactivate_repository(inactive_repo).await.unwrap();
    let sibling_repo = registry
        .add_repository(add(10, "acme/gadgets"))
        .await
        .unwrap()
        .id;
    let later_inactive_repo = registry
        .add_repository(add(10, "acme/retired"))
        .await
        .unwrap()
        .id;
    let gitlab = registry
        .add_integration(NewIntegration {
            provider: "gitlab".into(),
            name: "acme-gitlab".into(),
            api_url: Some("http://127.0.0.1:9/api/v4".into()),
            web_url: Some("http://127.0.0.1:9".into()),
            credential: Credential::Token {
                token: Secret::new("glpat_security_table_token"),
            },
        })
        .await
        .unwrap();
    let gitlab_repo = registry
        .add_repository(NewRepository {
            organization_id: 10,
            integration_id: gitlab.id,
            external_id: "42".into(),
            full_name: "acme/tools".into(),
        })
        .await
        .unwrap()
        .id;
    let grants = |orgs: Vec<i64>| Grants {
        organizations: orgs,
        referrers: vec!["shared".into(), "ci".into()],
        actions: Some(vec![
            "get_git_remote".into(),
            "get_pull_request_url".into(),
            "get_commit_url".into(),
        ]),
    };
    let (key, secret) = registry
        .create_client_key("ci", grants(vec![10]))
        .await
        .unwrap();
    let (revoked, revoked_secret) = registry
        .create_client_key("old", grants(vec![10]))
        .await
        .unwrap();
    registry.revoke_client_key(&revoked.key_id).await.unwrap();
    let (later_revoked, later_revoked_secret) = registry
        .create_client_key("leaving", grants(vec![10]))
        .await
        .unwrap();
    let (other, other_secret) = registry
        .create_client_key("other", grants(vec![11]))
        .await
        .unwrap();
    let resolver = Arc::new(RegistryResolver::new(
        registry.clone(),
        ConnectOptions::default(),
    ));
    let rpc0 = Rpc0State {
        config: Rpc0Config {
            secrets: vec![Secret::new(RPC0_SECRET)],
            ..Rpc0Config::default()
        },
        registry: Arc::new(registry.clone()),
        proxies: resolver.clone(),
        max_body: scm_server::app::MAX_BODY,
    };
    let app = router(Arc::new(AppState::new(registry.clone(), resolver)))
        .merge(scm_server::rpc0::router(Arc::new(rpc0)));
    Fixture {
        app,
        key_id: key.key_id,
        secret,
        revoked_id: revoked.key_id,
        revoked_secret,
        other_org_id: other.key_id,
        other_org_secret: other_secret,
        repo,
        foreign_repo,
        inactive_repo,
        sibling_repo,
        gitlab_repo,
        later_revoked_id: later_revoked.key_id,
        later_revoked_secret,
        later_inactive_repo,
        registry,
        dir,
    }
}

/// A request to sign, and what to change after signing.
#[derive(Clone)]
struct Call {
    action: &'static str,
    body: Vec<u8>,
    org: String,
    repo: String,
    referrer: String,
    timestamp: i64,
    nonce: String,
    key_id: String,
    secret: Secret,
    /// Header overrides applied after signing (tampering).
    tamper: Vec<(&'static str, String)>,
}

impl Call {
    fn new(f: &Fixture) -> Self {
        Self {
            action: "get_git_remote",
            body: b"{}".to_vec(),
            org: "10".into(),
            repo: f.repo.to_string(),
            referrer: "ci".into(),
            timestamp: unix_now(),
            nonce: new_nonce(),
            key_id: f.key_id.clone(),
            secret: f.secret.clone(),
            tamper: vec![],
        }
    }

    fn request(&self) -> Request<Body> {
        let path = format!("/v1/actions/{}", self.action);
        let signed = Signed {
            method: "POST",
            path: &path,
            timestamp: self.timestamp,
            nonce: &self.nonce,
            organization: &self.org,
            repository: &self.repo,
            referrer: &self.referrer,
            body: &self.body,
        };
        let mut builder = Request::post(&path).header("content-type", "application/json");
        let mut headers = signed.headers(&self.key_id, &self.secret);
        for (name, value) in &self.tamper {
            headers.retain(|(n, _)| n != name);
            headers.push((name, value.clone()));
        }
        for (name, value) in headers {
            builder = builder.header(name, value);
        }
        builder.body(Body::from(self.body.clone())).unwrap()
    }
}

async fn send(app: &axum::Router, request: Request<Body>) -> (StatusCode, serde_json::Value) {
    let response = app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, body)
}

/// An rpc0 proxy request for `path`, signed over its body, with the
/// scoping headers (unsigned in rpc0) set after signing.
fn rpc0_post(org: &str, repo: &str, path: &str, secret: &str) -> Request<Body> {
    rpc0_post_with_headers(org, repo, path, secret, serde_json::Value::Null)
}

/// [`rpc0_post`] with `headers` in the body (the headers rpc0 forwards).
fn rpc0_post_with_headers(
    org: &str,
    repo: &str,
    path: &str,
    secret: &str,
    headers: serde_json::Value,
) -> Request<Body> {
    let body = serde_json::to_vec(&serde_json::json!({
        "type": "action",
        "data": {"method": "GET", "path": path, "headers": headers, "data": null,
                 "params": null, "allow_redirects": true, "stream": true}
    }))
    .unwrap();
    let signature = sign(&Secret::new(secret), &body);
    Request::post("/api/0/internal/scm-rpc/")
        .header("x-organization-id", org)
        .header("x-repository-id", repo)
        .header("authorization", format!("rpcsignature rpc0:{signature}"))
        .body(Body::from(body))
        .unwrap()
}

/// An rpc0 lookup signed for (`org`, `repo`) but sent with `sent_org` and
/// `sent_repo`.
fn rpc0_lookup(org: i64, repo: i64, sent_org: &str, sent_repo: &str) -> Request<Body> {
    let message = lookup_message(org, &scm_core::registry::RepositoryKey::Id(repo));
    let signature = sign(&Secret::new(RPC0_SECRET), message.as_bytes());
    Request::get("/api/0/internal/scm-rpc/")
        .header("x-organization-id", sent_org)
        .header("x-repository-id", sent_repo)
        .header("authorization", format!("rpcsignature rpc0:{signature}"))
        .body(Body::empty())
        .unwrap()
}

fn code(body: &serde_json::Value) -> &str {
    body["errors"][0]["code"].as_str().unwrap_or("")
}

#[tokio::test]
async fn security_table() {
    let f = fixture("security").await;

    // The honest request passes.
    let honest = Call::new(&f);
    let (status, body) = send(&f.app, honest.request()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["provider"], "github");

    let with = |edit: &dyn Fn(&mut Call)| {
        let mut call = Call::new(&f);
        edit(&mut call);
        call
    };

    // A key and a repository that work (and are now cached), then are
    // revoked and deactivated.
    let leaving = |c: &mut Call| {
        c.key_id = f.later_revoked_id.clone();
        c.secret = f.later_revoked_secret.clone();
    };
    let retired = |c: &mut Call| c.repo = f.later_inactive_repo.to_string();
    for call in [with(&leaving), with(&retired)] {
        let (status, body) = send(&f.app, call.request()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    f.registry
        .revoke_client_key(&f.later_revoked_id)
        .await
        .unwrap();
    f.registry
        .deactivate_repository(f.later_inactive_repo)
        .await
        .unwrap();
    let attacks: Vec<(&str, Call, u16, &str)> = vec![
        (
            "replayed request",
            honest.clone(),
            401,
            "rpc_replayed_request",
        ),
        (
            "tampered organization header",
            with(&|c| c.tamper.push(("x-scm-organization", "11".into()))),
            401,
            "rpc_invalid_signature",
        ),
        (
            "tampered repository header",
            with(&|c| {
                c.tamper
                    .push(("x-scm-repository", f.foreign_repo.to_string()))
            }),
            401,
            "rpc_invalid_signature",
        ),
        (
            "tampered referrer header",
            with(&|c| c.tamper.push(("x-scm-referrer", "shared".into()))),
            401,
            "rpc_invalid_signature",
        ),
        (
            "stale timestamp",
            // Well outside the ±300 s window: the honest call's timestamp
            // was taken earlier, and the server's clock moves on while the
            // table runs (the exact boundary is tested in `signing.rs`).
            with(&|c| c.timestamp -= 330),
            401,
            "rpc_stale_request",
        ),
        (
            "future timestamp",
            with(&|c| c.timestamp += 330),
            401,
            "rpc_stale_request",
        ),
        (
            "wrong key",
            with(&|c| c.secret = Secret::new("not-the-secret")),
            401,
            "rpc_invalid_signature",
        ),
        (
            "unknown key id",
            with(&|c| c.key_id = "key_doesnotexist".into()),
            401,
            "rpc_invalid_signature",
        ),
        (
            "revoked key",
            with(&|c| {
                c.key_id = f.revoked_id.clone();
                c.secret = f.revoked_secret.clone();
            }),
            401,
            "rpc_invalid_signature",
        ),
        (
            "key revoked after use (cached)",
            with(&leaving),
            401,
            "rpc_invalid_signature",
        ),
        (
            "missing signature",
            with(&|c| c.tamper.push(("x-scm-signature", String::new()))),
            401,
            "rpc_invalid_signature",
        ),
        (
            "grant for another organization",
            with(&|c| {
                c.key_id = f.other_org_id.clone();
                c.secret = f.other_org_secret.clone();
            }),
            403,
            "rpc_invalid_grant",
        ),
        (
            "referrer not granted",
            with(&|c| c.referrer = "billing".into()),
            403,
            "rpc_invalid_grant",
        ),
        (
            "action not granted",
            with(&|c| {
                c.action = "get_issue";
                c.body = br#"{"issue_id":"1"}"#.to_vec();
            }),
            403,
            "rpc_invalid_grant",
        ),
        (
            "repository of another organization",
            with(&|c| c.repo = f.foreign_repo.to_string()),
            404,
            "repository_organization_mismatch",
        ),
        (
            "inactive repository",
            with(&|c| c.repo = f.inactive_repo.to_string()),
            404,
            "repository_inactive",
        ),
        (
            "repository deactivated after use (cached)",
            with(&retired),
            404,
            "repository_inactive",
        ),
        (
            "unknown repository",
            with(&|c| c.repo = r#"["github","acme/secret"]"#.into()),
            404,
            "repository_not_found",
        ),
        (
            "oversize body",
            with(&|c| c.body = vec![b' '; 10 * 1024 * 1024 + 1]),
            413,
            "rpc_request_too_large",
        ),
    ];

    // rpc0: honest lookup and scoping checks first, then its attacks.
    let repo = f.repo.to_string();
    let (status, body) = send(&f.app, rpc0_lookup(10, f.repo, "10", &repo)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let within = "/repos/acme/widgets/issues";
    let gitlab = f.gitlab_repo.to_string();
    let gitlab_path = |path| rpc0_post("10", &gitlab, path, RPC0_SECRET);
    let mut rpc0_attacks: Vec<(&str, Request<Body>, u16, &str)> = vec![
        (
            "rpc0 path with ../",
            rpc0_post("10", &repo, "/repos/acme/widgets/../../user", RPC0_SECRET),
            400,
            "rpc_invalid_path",
        ),
        (
            "rpc0 path with %2F..",
            rpc0_post(
                "10",
                &repo,
                "/repos/acme/widgets/%2F..%2F..%2Fuser",
                RPC0_SECRET,
            ),
            400,
            "rpc_invalid_path",
        ),
        (
            "rpc0 path with %2e%2e",
            rpc0_post(
                "10",
                &repo,
                "/repos/acme/widgets/%2e%2e/%2e%2e/other/repo",
                RPC0_SECRET,
            ),
            400,
            "rpc_invalid_path",
        ),
        (
            "rpc0 path with backslashes",
            rpc0_post("10", &repo, "/repos/acme/widgets/..\\..\\user", RPC0_SECRET),
            400,
            "rpc_invalid_path",
        ),
        (
            "rpc0 absolute URL",
            rpc0_post(
                "10",
                &repo,
                "https://evil.example/repos/acme/widgets/issues",
                RPC0_SECRET,
            ),
            400,
            "rpc_invalid_path",
        ),
        (
            "rpc0 scheme-relative URL",
            rpc0_post(
                "10",
                &repo,
                "//evil.example/repos/acme/widgets/issues",
                RPC0_SECRET,
            ),
            400,
            "rpc_invalid_path",
        ),
        (
            "rpc0 another repository",
            rpc0_post("10", &repo, "/repos/other/repo/issues", RPC0_SECRET),
            400,
            "rpc_invalid_path",
        ),
        (
            "rpc0 /user",
            rpc0_post("10", &repo, "/user", RPC0_SECRET),
            400,
            "rpc_invalid_path",
        ),
        (
            "rpc0 /graphql while not enabled",
            rpc0_post("10", &repo, "/graphql", RPC0_SECRET),
            400,
            "rpc_invalid_path",
        ),
        (
            "rpc0 bad signature",
            rpc0_post("10", &repo, within, "not-the-secret"),
            401,
            "rpc_invalid_signature",
        ),
        (
            "rpc0 missing signature",
            {
                let mut request = rpc0_post("10", &repo, within, RPC0_SECRET);
                request.headers_mut().remove("authorization");
                request
            },
            401,
            "rpc_invalid_signature",
        ),
        (
            "rpc0 lookup with tampered organization header",
            rpc0_lookup(10, f.repo, "11", &repo),
            401,
            "rpc_invalid_signature",
        ),
        (
            "rpc0 lookup with tampered repository header",
            rpc0_lookup(10, f.repo, "10", &f.foreign_repo.to_string()),
            401,
            "rpc_invalid_signature",
        ),
        (
            "rpc0 proxy with repository header swapped to a sibling",
            rpc0_post("10", &f.sibling_repo.to_string(), within, RPC0_SECRET),
            400,
            "rpc_invalid_path",
        ),
        (
            "rpc0 proxy with organization header swapped",
            rpc0_post("11", &repo, within, RPC0_SECRET),
            404,
            "repository_organization_mismatch",
        ),
        (
            "rpc0 repository of another organization",
            rpc0_post(
                "10",
                &f.foreign_repo.to_string(),
                "/repos/other/repo/issues",
                RPC0_SECRET,
            ),
            404,
            "repository_organization_mismatch",
        ),
        (
            "rpc0 inactive repository",
            rpc0_post(
                "10",
                &f.inactive_repo.to_string(),
                "/repos/acme/old/issues",
                RPC0_SECRET,
            ),
            404,
            "repository_inactive",
        ),
        (
            "rpc0 oversize body",
            Request::post("/api/0/internal/scm-rpc/")
                .header("x-organization-id", "10")
                .header("x-repository-id", repo.as_str())
                .header("authorization", "rpc0:00")
                .body(Body::from(vec![b' '; 10 * 1024 * 1024 + 1]))
                .unwrap(),
            413,
            "rpc_request_too_large",
        ),
    ];

    // GitLab: scoped to `/projects/42`, encoded slashes admitted only when
    // the decoded path has no dot-segment or empty segment either.
    for (name, path) in [
        ("rpc0 GitLab path with ../", "/projects/42/../43/issues"),
        (
            "rpc0 GitLab file path with ..%2F",
            "/projects/42/repository/files/..%2F..%2F..%2Fuser/raw",
        ),
        (
            "rpc0 GitLab project id with %2F..",
            "/projects/42%2F..%2F43/issues",
        ),
        ("rpc0 GitLab path with %2e%2e", "/projects/42/%2e%2e/43"),
        ("rpc0 GitLab path with %5C", "/projects/42/%5C..%5C43"),
        (
            "rpc0 GitLab path with %2F%2F",
            "/projects/42/repository/files/a%2F%2Fb",
        ),
        ("rpc0 GitLab another project", "/projects/43/issues"),
        (
            "rpc0 GitLab a project id that starts alike",
            "/projects/420/issues",
        ),
        (
            "rpc0 GitLab another project by path",
            "/projects/acme%2Fother/issues",
        ),
        (
            "rpc0 GitLab absolute URL",
            "https://evil.example/api/v4/projects/42",
        ),
        (
            "rpc0 GitLab scheme-relative URL",
            "//evil.example/projects/42",
        ),
        ("rpc0 GitLab /user", "/user"),
        ("rpc0 GitLab /projects", "/projects"),
        ("rpc0 GitLab GraphQL", "/graphql"),
    ] {
        rpc0_attacks.push((name, gitlab_path(path), 400, "rpc_invalid_path"));
    }
    rpc0_attacks.push((
        "rpc0 GitLab project of organization 10 with organization 11",
        rpc0_post("11", &gitlab, "/projects/42/issues", RPC0_SECRET),
        404,
        "repository_organization_mismatch",
    ));

    let mut refused = 0;
    let mut accepted = Vec::new();
    let requests = attacks
        .iter()
        .map(|(name, call, status, code)| (*name, call.request(), *status, *code))
        .chain(rpc0_attacks);
    for (name, request, want_status, want_code) in requests {
        let (status, body) = send(&f.app, request).await;
        if status.as_u16() == want_status && code(&body) == want_code {
            refused += 1;
        } else {
            accepted.push(format!("{name}: {status} {body}"));
        }
        let text = body.to_string();
        assert!(
            !text.contains(f.secret.expose())
                && !text.contains("ghp_security_table_token")
                && !text.contains("glpat_security_table_token")
                && !text.contains(RPC0_SECRET)
        );
    }
    println!(
        "rpc security: {refused} attacks refused, {} accepted",
        accepted.len()
    );
    assert!(accepted.is_empty(), "accepted attacks: {accepted:#?}");
    std::fs::remove_dir_all(&f.dir).unwrap();
}

#[tokio::test]
async fn bad_input_gets_coded_errors() {
    let f = fixture("badinput").await;
    let cases: Vec<(&str, Call, u16, &str)> = vec![
        (
            "body is not JSON",
            {
                let mut c = Call::new(&f);
                c.action = "get_pull_request_url";
                c.body = b"{not json".to_vec();
                c
            },
            400,
            "rpc_malformed_request",
        ),
        (
            "arguments do not fit the action",
            {
                let mut c = Call::new(&f);
                c.action = "get_pull_request_url";
                c.body = br#"{"nope":1}"#.to_vec();
                c
            },
            400,
            "invalid_input",
        ),
        (
            "organization is not a number",
            {
                let mut c = Call::new(&f);
                c.org = "acme".into();
                c
            },
            400,
            "rpc_malformed_request",
        ),
        (
            "repository header is not JSON",
            {
                let mut c = Call::new(&f);
                c.repo = "acme/widgets".into();
                c
            },
            400,
            "rpc_malformed_request",
        ),
    ];
    for (name, call, want_status, want_code) in cases {
        let (status, body) = send(&f.app, call.request()).await;
        assert_eq!(
            (status.as_u16(), code(&body)),
            (want_status, want_code),
            "{name}: {body}"
        );
    }

    // Conditional headers forwarded to the provider: up to 1 KiB each
    // (`MAX_FORWARDED_HEADER_BYTES`); one byte more is a coded 400, on
    // RPC v1 and in rpc0's forwarded headers alike.
    let cap = scm_server::limits::MAX_FORWARDED_HEADER_BYTES;
    for header in ["if-none-match", "if-modified-since"] {
        for (len, want) in [(cap, (200, "")), (cap + 1, (400, "rpc_malformed_request"))] {
            let mut call = Call::new(&f);
            call.tamper.push((header, "a".repeat(len)));
            let (status, body) = send(&f.app, call.request()).await;
            assert_eq!(
                (status.as_u16(), code(&body)),
                want,
                "{header} of {len} bytes: {body}"
            );
        }
    }
    let repo = f.repo.to_string();
    let within = "/repos/acme/widgets/issues";
    let headers = serde_json::json!({"If-None-Match": "a".repeat(cap + 1)});
    let (status, body) = send(
        &f.app,
        rpc0_post_with_headers("10", &repo, within, RPC0_SECRET, headers),
    )
    .await;
    assert_eq!(
        (status.as_u16(), code(&body)),
        (400, "rpc_malformed_request"),
        "rpc0 If-None-Match over the cap: {body}"
    );
    // An action that is not in the table, and an unknown route.
    let (status, body) = send(
        &f.app,
        Request::post("/v1/actions/no_such_action")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!((status.as_u16(), code(&body)), (404, "not_found"));
    let (status, body) = send(&f.app, Request::get("/nope").body(Body::empty()).unwrap()).await;
    assert_eq!((status.as_u16(), code(&body)), (404, "not_found"));

    // After an action ran, /metrics shows its counter.
    scm_server::app::install_metrics();
    let (status, _) = send(&f.app, Call::new(&f).request()).await;
    assert_eq!(status, StatusCode::OK);
    let response = f
        .app
        .clone()
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let text = String::from_utf8(
        axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap()
            .to_vec(),
    )
    .unwrap();
    assert!(text.contains("actions_success"), "{text}");

    // Health, readiness and signed capabilities.
    let (status, _) = send(
        &f.app,
        Request::get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = send(&f.app, Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    let call = Call::new(&f);
    let signed = Signed {
        method: "GET",
        path: "/v1/capabilities",
        timestamp: call.timestamp,
        nonce: &call.nonce,
        organization: &call.org,
        repository: &call.repo,
        referrer: &call.referrer,
        body: b"",
    };
    let mut builder = Request::get("/v1/capabilities");
    for (name, value) in signed.headers(&f.key_id, &f.secret) {
        builder = builder.header(name, value);
    }
    let (status, body) = send(&f.app, builder.body(Body::empty()).unwrap()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["provider"], "github");
    assert!(body["supported"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "get_git_remote"));
    std::fs::remove_dir_all(&f.dir).unwrap();
}
