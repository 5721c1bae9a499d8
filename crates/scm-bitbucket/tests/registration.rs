//! The registration: endpoints, credential kinds, and a provider built by
//! the core's `connect` (every layer in place) that talks to a mock.

mod common;

use std::sync::Arc;

use common::*;
use scm_bitbucket::REGISTRATION;
use scm_core::credential::{Credential, CredentialKind, OAuthRefresh};
use scm_core::layers::ConnectOptions;
use scm_core::registration::{connect_over, IntegrationSpec, ProviderRegistration};
use scm_core::{AnyAction, Provider, Secret};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[test]
fn names_kinds_and_endpoints() {
    assert_eq!(
        (REGISTRATION.name(), REGISTRATION.title()),
        ("bitbucket", "Bitbucket Cloud")
    );
    assert_eq!(
        REGISTRATION.credential_kinds(),
        &[
            CredentialKind::Basic,
            CredentialKind::Token,
            CredentialKind::OAuth
        ]
    );
    assert!(REGISTRATION.capabilities().iter().count() >= 64);
    assert!(REGISTRATION.webhooks().is_some());
    let public = REGISTRATION.endpoints(None, None).unwrap();
    assert_eq!(
        (public.api_url.as_str(), public.web_url.as_str()),
        ("https://api.bitbucket.org/2.0", "https://bitbucket.org")
    );
    let proxied = REGISTRATION
        .endpoints(None, Some("https://bb.example.com/"))
        .unwrap();
    assert_eq!(proxied.api_url, "https://bb.example.com/!api/2.0");
    let local = REGISTRATION
        .endpoints(Some("http://127.0.0.1:9/"), None)
        .unwrap();
    assert_eq!(
        (local.api_url.as_str(), local.web_url.as_str()),
        ("http://127.0.0.1:9", "https://bitbucket.org")
    );
    assert_eq!(
        REGISTRATION
            .endpoints(Some("ftp://x"), None)
            .unwrap_err()
            .code(),
        "invalid_input"
    );
    let limits = REGISTRATION.rate_limits();
    assert_eq!(
        limits.assumed_capacity(),
        Some((1000, std::time::Duration::from_secs(3600)))
    );
}

#[test]
fn app_credentials_are_refused() {
    let endpoints = REGISTRATION.endpoints(None, None).unwrap();
    let app = Credential::App {
        app_id: "1".into(),
        private_key: Secret::new("key"),
        installation_id: "2".into(),
    };
    let err = REGISTRATION
        .authenticate(&endpoints, &app, http())
        .err()
        .unwrap();
    assert_eq!(err.code(), "invalid_input");
}

async fn connect(server: &MockServer, credential: Credential) -> Arc<dyn Provider> {
    let spec = IntegrationSpec {
        api_url: Some(server.uri()),
        web_url: Some(server.uri()),
        credential,
    };
    connect_over(&REGISTRATION, &spec, ConnectOptions::default(), http())
        .unwrap()
        .provider
}

#[tokio::test]
async fn the_core_stack_carries_each_credential_kind() {
    let server = MockServer::start().await;
    let repo = json!({ "full_name": FULL_NAME, "uuid": "{r}" });
    Mock::given(method("GET"))
        .and(path(REPO))
        .and(header(
            "authorization",
            "Basic bWVAZXhhbXBsZS5jb206YXBpLXRva2Vu",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(repo.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(REPO))
        .and(header("authorization", "Bearer workspace-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(repo.clone()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/site/oauth2/access_token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "access_token": "renewed", "expires_in": 3600 })),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(REPO))
        .and(header("authorization", "Bearer renewed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(repo))
        .expect(1)
        .mount(&server)
        .await;
    let credentials = [
        Credential::Basic {
            username: "me@example.com".into(),
            secret: Secret::new("api-token"),
        },
        Credential::token("workspace-token"),
        Credential::OAuth {
            token: Secret::new(""),
            refresh: Some(OAuthRefresh {
                client_id: "id".into(),
                client_secret: Secret::new("secret"),
                refresh_token: Secret::new("refresh"),
            }),
        },
    ];
    for credential in credentials {
        let provider = connect(&server, credential).await;
        assert_eq!(provider.name(), "bitbucket");
        let out = provider
            .execute(
                AnyAction::GetRepository(scm_core::actions::GetRepository {}),
                &ctx(),
            )
            .await
            .unwrap();
        assert_eq!(out.provider(), "bitbucket");
    }
}
