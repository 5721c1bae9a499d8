//! The operator console without a browser: it is off without an admin
//! token; login sets a strict session cookie; sessions expire; logins are
//! limited per address; every change needs the session's CSRF token; and
//! no page carries a credential, a webhook or listener secret, a client
//! key's secret, the admin token or the session id.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::Router;
use http::{header, Request, StatusCode};
use scm_core::events::EventType;
use scm_core::{Credential, Secret};
use scm_server::console::{self, ConsoleConfig, ConsoleState};
use scm_server::crypto::SecretBox;
use scm_server::events::store::{ListenerFrom, NewListener};
use scm_server::registry::{Grants, NewIntegration, NewRepository, Registry};
use scm_stream::{SqliteConfig, SqliteQueue};
use tower::ServiceExt;

mod envelopes;

const ADMIN_TOKEN: &str = "console-admin-token-5b1e9c";
const PROVIDER_TOKEN: &str = "ghp_console_provider_token_71c2";
const WEBHOOK_SECRET: &str = "console-webhook-secret-0d4a";
const LISTENER_SECRET: &str = "console-listener-secret-8f3b";
const DELIVERY_SIGNATURE: &str = "sha256=console-delivery-signature-3e7a";

struct Console {
    app: Router,
    registry: Registry,
    _dir: tempfile::TempDir,
}

async fn console(adjust: impl FnOnce(&mut ConsoleConfig)) -> Console {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("registry.db").display());
    let secrets = SecretBox::from_encoded(&SecretBox::generate_key()).unwrap();
    let registry = Registry::connect(&url, secrets).await.unwrap();
    let queue = SqliteQueue::open(SqliteConfig::new(dir.path().join("events.db")))
        .await
        .unwrap();
    let mut config = ConsoleConfig {
        admin_token: Some(Secret::new(ADMIN_TOKEN)),
        ..ConsoleConfig::default()
    };
    adjust(&mut config);
    let state = ConsoleState::new(config, registry.clone(), Arc::new(queue), None);
    Console {
        app: console::router(Arc::new(state)),
        registry,
        _dir: dir,
    }
}

struct Answer {
    status: StatusCode,
    headers: http::HeaderMap,
    body: String,
}

impl Console {
    async fn send(&self, request: Request<Body>) -> Answer {
        let mut request = request;
        request
            .extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40000))));
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Answer {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> Answer {
        let mut request = Request::get(path);
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::empty()).unwrap()).await
    }

    async fn post(&self, path: &str, cookie: Option<&str>, form: &str) -> Answer {
        let mut request =
            Request::post(path).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(cookie) = cookie {
            request = request.header(header::COOKIE, cookie);
        }
        self.send(request.body(Body::from(form.to_owned())).unwrap())
            .await
    }

    /// Logs in; the `Cookie` header value and the raw `Set-Cookie`.
    async fn login(&self) -> (String, String) {
        let answer = self
            .post("/console/login", None, &format!("token={ADMIN_TOKEN}"))
            .await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        let set_cookie = answer.headers[header::SET_COOKIE]
            .to_str()
            .unwrap()
            .to_owned();
        let pair = set_cookie.split(';').next().unwrap().to_owned();
        (pair, set_cookie)
    }
}

/// The CSRF token of the first form on a page.
fn csrf(page: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page.find(marker).expect("a form with a CSRF token") + marker.len();
    page[start..start + 64].to_owned()
}

#[tokio::test]
async fn the_console_is_off_without_an_admin_token() {
    let dir = tempfile::tempdir().unwrap();
    let config = scm_server::Config {
        database_url: format!("sqlite://{}", dir.path().join("r.db").display()),
        ..scm_server::Config::default()
    };
    let secrets = SecretBox::from_encoded(&SecretBox::generate_key()).unwrap();
    let registry = Registry::connect(&config.database_url, secrets)
        .await
        .unwrap();
    let queue = SqliteQueue::open(SqliteConfig::new(dir.path().join("q.db")))
        .await
        .unwrap();
    assert!(scm_server::console_router(&config, &registry, Arc::new(queue)).is_none());
    let response = scm_server::build_app(&config, registry)
        .oneshot(Request::get("/console").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(json["errors"][0]["code"], "not_found");
}

#[tokio::test]
async fn login_sets_a_strict_session_cookie_and_logout_ends_it() {
    let console = console(|_| {}).await;
    let anonymous = console.get("/console/keys", None).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.headers[header::LOCATION], "/console/login");

    let wrong = console.post("/console/login", None, "token=nope").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.headers.get(header::SET_COOKIE).is_none());

    let (cookie, set_cookie) = console.login().await;
    for part in ["HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(set_cookie.contains(part), "{set_cookie}");
    }
    assert!(!set_cookie.contains("Secure"), "plain HTTP: {set_cookie}");
    let page = console.get("/console", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    assert!(page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .contains("script-src 'self'"));

    // Behind a TLS proxy the cookie is Secure.
    let behind_tls = console
        .send(
            Request::post("/console/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header("x-forwarded-proto", "https")
                .body(Body::from(format!("token={ADMIN_TOKEN}")))
                .unwrap(),
        )
        .await;
    assert!(behind_tls.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .contains("Secure"));

    let token = csrf(&page.body);
    let out = console
        .post("/console/logout", Some(&cookie), &format!("csrf={token}"))
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = console.get("/console", Some(&cookie)).await;
    assert_eq!(after.status, StatusCode::SEE_OTHER, "the session is gone");
}

#[tokio::test]
async fn an_expired_session_is_a_logged_out_one() {
    let console = console(|config| config.session_ttl_secs = 0).await;
    let (cookie, _) = console.login().await;
    let page = console.get("/console", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.headers[header::LOCATION], "/console/login");
}

#[tokio::test]
async fn logins_are_limited_per_address() {
    let console = console(|config| config.login_attempts_per_minute = 2).await;
    for _ in 0..2 {
        let answer = console.post("/console/login", None, "token=guess").await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right token is refused until the window passes.
    let limited = console
        .post("/console/login", None, &format!("token={ADMIN_TOKEN}"))
        .await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.get(header::SET_COOKIE).is_none());
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn every_change_needs_the_sessions_csrf_token() {
    let console = console(|_| {}).await;
    let (key, _) = console
        .registry
        .create_client_key("ci", Grants::default())
        .await
        .unwrap();
    let (cookie, _) = console.login().await;
    let keys = console.get("/console/keys", Some(&cookie)).await;
    let token = csrf(&keys.body);
    let revoke = format!("/console/keys/{}/revoke", key.key_id);

    for form in [
        "".to_owned(),
        "csrf=0".to_owned(),
        format!("csrf={}", "a".repeat(64)),
    ] {
        let refused = console.post(&revoke, Some(&cookie), &form).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "form `{form}`");
    }
    // Another session's token is not this session's.
    let (other, _) = console.login().await;
    let refused = console
        .post(&revoke, Some(&other), &format!("csrf={token}"))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // No session at all.
    let refused = console.post(&revoke, None, &format!("csrf={token}")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = console
        .post("/console/keys", Some(&cookie), "name=sneaky")
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(console.registry.list_client_keys().await.unwrap().len(), 1);
    assert!(
        !console
            .registry
            .client_key(&key.key_id)
            .await
            .unwrap()
            .unwrap()
            .record
            .revoked
    );

    let done = console
        .post(&revoke, Some(&cookie), &format!("csrf={token}"))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(
        console
            .registry
            .client_key(&key.key_id)
            .await
            .unwrap()
            .unwrap()
            .record
            .revoked
    );
}

#[tokio::test]
async fn no_page_shows_a_secret() {
    let console = console(|_| {}).await;
    let registry = &console.registry;
    let integration = registry
        .add_integration(NewIntegration {
            provider: "github".into(),
            name: "acme".into(),
            api_url: Some("http://127.0.0.1:9".into()),
            web_url: Some("https://github.com".into()),
            credential: Credential::Token {
                token: Secret::new(PROVIDER_TOKEN),
            },
        })
        .await
        .unwrap();
    registry
        .add_repository(NewRepository {
            organization_id: 7,
            integration_id: integration.id,
            external_id: "acme/widgets".into(),
            full_name: "acme/widgets".into(),
        })
        .await
        .unwrap();
    registry
        .add_webhook_secret(integration.id, &Secret::new(WEBHOOK_SECRET))
        .await
        .unwrap();
    registry
        .add_listener(NewListener {
            name: "audit".into(),
            url: "http://127.0.0.1:9/events".into(),
            events: vec![EventType::PullRequest],
            secret: Secret::new(LISTENER_SECRET),
            max_attempts: 3,
            deadline_ms: 1000,
            from: ListenerFrom::New,
        })
        .await
        .unwrap();
    let (_, existing_key_secret) = registry
        .create_client_key("existing", Grants::default())
        .await
        .unwrap();

    // A delivery whose request carried a signature and a webhook token.
    let delivery = envelopes::push("console-delivery-1");
    let mut headers = http::HeaderMap::new();
    headers.insert("x-github-event", "push".parse().unwrap());
    headers.insert("x-hub-signature-256", DELIVERY_SIGNATURE.parse().unwrap());
    headers.insert("x-gitlab-token", WEBHOOK_SECRET.parse().unwrap());
    registry
        .record_delivery(&delivery, &headers, 2)
        .await
        .unwrap();

    let (cookie, _) = console.login().await;
    let session_id = cookie.split_once('=').unwrap().1.to_owned();
    // A key created in the console shows its secret in that answer only.
    let keys = console.get("/console/keys", Some(&cookie)).await;
    let created = console
        .post(
            "/console/keys",
            Some(&cookie),
            &format!(
                "csrf={}&name=fresh&organizations=7&referrers=",
                csrf(&keys.body)
            ),
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let marker = "id=\"created-secret\" readonly value=\"";
    let start = created.body.find(marker).expect("the new secret, once") + marker.len();
    let new_secret = created.body[start..start + 64].to_owned();
    let new_key = registry
        .list_client_keys()
        .await
        .unwrap()
        .into_iter()
        .find(|k| k.name == "fresh")
        .unwrap();
    assert_eq!(
        registry
            .client_key(&new_key.key_id)
            .await
            .unwrap()
            .unwrap()
            .secret
            .expose(),
        new_secret
    );

    let forbidden = [
        ADMIN_TOKEN,
        PROVIDER_TOKEN,
        WEBHOOK_SECRET,
        LISTENER_SECRET,
        existing_key_secret.expose(),
        &new_secret,
        &session_id,
        DELIVERY_SIGNATURE,
    ];
    let pages = [
        "/console",
        "/console/deliveries",
        "/console/deliveries/github/console-delivery-1",
        "/console/dead-letters",
        "/console/listeners",
        "/console/quotas",
        "/console/integrations",
        "/console/repositories",
        "/console/keys",
        "/console/webhook-secrets",
        "/console/capabilities",
        "/console/login",
    ];
    for page in pages {
        let answer = console.get(page, Some(&cookie)).await;
        assert!(
            answer.status == StatusCode::OK || page == "/console/login",
            "{page}: {}",
            answer.status
        );
        for secret in forbidden {
            assert!(!answer.body.contains(secret), "{page} shows a secret");
        }
    }
    let repositories = console.get("/console/repositories", Some(&cookie)).await;
    assert!(repositories.body.contains("widgets"));
    let shown = console
        .get(
            "/console/deliveries/github/console-delivery-1",
            Some(&cookie),
        )
        .await;
    assert!(shown.body.contains("x-github-event"));
    let secrets = console.get("/console/webhook-secrets", Some(&cookie)).await;
    assert!(secrets.body.contains("acme"));
}
