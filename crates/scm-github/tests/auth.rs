//! GitHub App authentication: the JWT → installation token exchange, its
//! cache and refresh, and application-level credentials.

mod common;

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use scm_core::actions::GetIssue;
use scm_core::transport::ReqwestTransport;
use scm_core::{Action, Provider, Secret};
use scm_github::{AppCredentials, Credentials, GitHub, GitHubConfig};
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// A throwaway RSA key made for this test run (never stored).
fn rsa_key_pair() -> (String, String) {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("scm-github-auth-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let private = dir.join("key.pem");
    let status = Command::new("openssl")
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&private)
        .status()
        .expect("openssl is installed by .ci/run");
    assert!(status.success());
    let public = Command::new("openssl")
        .args(["pkey", "-pubout", "-in"])
        .arg(&private)
        .output()
        .unwrap();
    let key = std::fs::read_to_string(&private).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    (key, String::from_utf8(public.stdout).unwrap())
}

fn app_config(server: &MockServer, private_key: String) -> GitHubConfig {
    GitHubConfig::custom(
        &server.uri(),
        "https://github.com",
        Credentials::App(AppCredentials {
            app_id: "4242".into(),
            private_key: Secret::new(private_key),
            installation_id: "99".into(),
        }),
    )
    .unwrap()
}

fn token_answer(token: &str, expires_in: i64) -> ResponseTemplate {
    let expires_at = chrono::Utc::now() + chrono::Duration::seconds(expires_in);
    ResponseTemplate::new(201)
        .set_body_json(serde_json::json!({ "token": token, "expires_at": expires_at }))
}

fn get_issue() -> scm_core::AnyAction {
    GetIssue {
        issue_id: "1".into(),
    }
    .into_any()
}

#[tokio::test]
async fn installation_tokens_are_exchanged_once_then_refreshed_before_expiry() {
    let (private_key, public_key) = rsa_key_pair();
    let server = MockServer::start().await;
    let public_key_for_check = public_key.clone();
    Mock::given(method("POST"))
        .and(path("/app/installations/99/access_tokens"))
        .and(move |request: &Request| {
            // The bearer must be an RS256 JWT issued by app 4242.
            let auth = request
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("");
            let Some(jwt) = auth.strip_prefix("Bearer ") else {
                return false;
            };
            let key =
                jsonwebtoken::DecodingKey::from_rsa_pem(public_key_for_check.as_bytes()).unwrap();
            let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::RS256);
            validation.set_required_spec_claims(&["exp", "iat", "iss"]);
            jsonwebtoken::decode::<serde_json::Value>(jwt, &key, &validation)
                .is_ok_and(|data| data.claims["iss"] == "4242")
        })
        .respond_with(token_answer("ghs_first", 3600))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/hello-world/issues/1"))
        .and(header("authorization", "Bearer ghs_first"))
        .respond_with(ResponseTemplate::new(200).set_body_json(common::issue_json(1)))
        .expect(3)
        .mount(&server)
        .await;

    let http = Arc::new(ReqwestTransport::new(Duration::from_secs(5)).unwrap());
    let github = GitHub::with_auth(&app_config(&server, private_key), http);
    let ctx = common::ctx("tests");
    for _ in 0..3 {
        github.execute(get_issue(), &ctx).await.unwrap();
    }
    server.verify().await;
}

#[tokio::test]
async fn a_token_about_to_expire_is_replaced() {
    let (private_key, _) = rsa_key_pair();
    let server = MockServer::start().await;
    // The first token expires within the refresh margin; the second lasts.
    Mock::given(method("POST"))
        .and(path("/app/installations/99/access_tokens"))
        .respond_with(token_answer("ghs_short", 60))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/app/installations/99/access_tokens"))
        .respond_with(token_answer("ghs_long", 3600))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/octocat/hello-world/issues/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(common::issue_json(1)))
        .mount(&server)
        .await;

    let http = Arc::new(ReqwestTransport::new(Duration::from_secs(5)).unwrap());
    let github = GitHub::with_auth(&app_config(&server, private_key), http);
    let ctx = common::ctx("tests");
    for _ in 0..3 {
        github.execute(get_issue(), &ctx).await.unwrap();
    }
    let requests = server.received_requests().await.unwrap();
    let exchanges = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/access_tokens"))
        .count();
    let bearers: Vec<String> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/issues/1"))
        .map(|r| {
            r.headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    // The short-lived token serves the call it was fetched for; the next
    // call sees it inside the refresh margin and fetches the long one,
    // which is then cached.
    assert_eq!(exchanges, 2);
    assert_eq!(
        bearers,
        ["Bearer ghs_short", "Bearer ghs_long", "Bearer ghs_long"]
    );
}

#[tokio::test]
async fn a_refused_exchange_is_a_typed_error_without_secrets() {
    let (private_key, _) = rsa_key_pair();
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/app/installations/99/access_tokens"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(
                serde_json::json!({"message": "A JSON web token could not be decoded"}),
            ),
        )
        .mount(&server)
        .await;
    let http = Arc::new(ReqwestTransport::new(Duration::from_secs(5)).unwrap());
    let github = GitHub::with_auth(&app_config(&server, private_key.clone()), http);
    let err = github
        .execute(get_issue(), &common::ctx("tests"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), "provider_unauthorized");
    let text = format!("{err} {err:?}");
    assert!(!text.contains("PRIVATE KEY"));
    assert!(!text.contains(private_key.lines().nth(1).unwrap()));
}
