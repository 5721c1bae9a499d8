//! The registry on SQLite (a temporary file) and on the real PostgreSQL on
//! 127.0.0.1 (a schema created for the run and dropped after it).

use scm_core::layers::ConnectOptions;
use scm_core::provider::ProviderResolver;
use scm_core::registry::{resolve_scoped, RepositoryKey, RepositoryRegistry};
use scm_core::Credential;
use scm_core::Secret;
use scm_server::crypto::SecretBox;
use scm_server::registry::{Grants, NewIntegration, NewRepository, Registry, RegistryError};
use scm_server::resolver::RegistryResolver;

mod postgres;
use postgres::on_postgres;

fn secrets() -> SecretBox {
    SecretBox::from_encoded(&SecretBox::generate_key()).unwrap()
}

async fn exercise(registry: &Registry) {
    let integration = registry
        .add_integration(NewIntegration {
            provider: "github".into(),
            name: "acme".into(),
            api_url: Some("http://127.0.0.1:9".into()),
            web_url: Some("https://github.com".into()),
            credential: Credential::Token {
                token: Secret::new("ghp_registry_test_token"),
            },
        })
        .await
        .unwrap();
    assert_eq!(integration.credentials_kind, "token");
    let listed = registry.list_integrations().await.unwrap();
    assert_eq!(listed, vec![integration.clone()]);
    assert!(!format!("{listed:?}").contains("ghp_registry_test_token"));
    match registry
        .integration(integration.id)
        .await
        .unwrap()
        .unwrap()
        .1
    {
        Credential::Token { token } => {
            assert_eq!(token.expose(), "ghp_registry_test_token")
        }
        other => panic!("unexpected credentials {other:?}"),
    }

    let repo = registry
        .add_repository(NewRepository {
            organization_id: 10,
            integration_id: integration.id,
            external_id: "acme/widgets".into(),
            full_name: "acme/widgets".into(),
        })
        .await
        .unwrap();
    assert_eq!(repo.provider, "github");
    // The same provider id again is refused, saying which repository has it.
    let again = registry
        .add_repository(NewRepository {
            organization_id: 10,
            integration_id: integration.id,
            external_id: "acme/widgets".into(),
            full_name: "acme/widgets".into(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&again, RegistryError::Invalid(why) if why.contains("registered already")),
        "{again}"
    );
    let other = registry
        .add_repository(NewRepository {
            organization_id: 11,
            integration_id: integration.id,
            external_id: "other/repo".into(),
            full_name: "other/repo".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        registry.list_repositories(Some(10)).await.unwrap(),
        vec![repo.clone()]
    );
    assert_eq!(registry.list_repositories(None).await.unwrap().len(), 2);

    let by_external = RepositoryKey::External("github".into(), "acme/widgets".into());
    assert_eq!(
        registry.find_repository(&by_external).await.unwrap(),
        Some(repo.clone())
    );
    assert_eq!(
        resolve_scoped(registry, 10, &RepositoryKey::Id(repo.id))
            .await
            .unwrap(),
        repo
    );
    let code = |r: scm_core::Result<_>| {
        r.map(|_: scm_core::registry::RepositoryRecord| ())
            .unwrap_err()
            .code()
    };
    assert_eq!(
        code(resolve_scoped(registry, 10, &RepositoryKey::Id(other.id)).await),
        "repository_organization_mismatch"
    );
    assert_eq!(
        code(resolve_scoped(registry, 10, &RepositoryKey::Id(99_999)).await),
        "repository_not_found"
    );
    registry.deactivate_repository(repo.id).await.unwrap();
    assert_eq!(
        code(resolve_scoped(registry, 10, &RepositoryKey::Id(repo.id)).await),
        "repository_inactive"
    );
    assert!(registry.deactivate_repository(99_999).await.is_err());

    // A provider is built from the stored integration (no network yet).
    let resolver = RegistryResolver::new(registry.clone(), ConnectOptions::default());
    let provider = resolver.provider_for(&other).await.unwrap();
    assert_eq!(provider.name(), "github");

    // The integration is in use: it cannot be removed.
    assert!(registry.remove_integration(integration.id).await.is_err());

    let grants = Grants {
        organizations: vec![10],
        referrers: vec!["*".into()],
        actions: Some(vec!["get_issue".into()]),
    };
    let (client, secret) = registry
        .create_client_key("ci", grants.clone())
        .await
        .unwrap();
    assert_eq!(secret.expose().len(), 64);
    let stored = registry.client_key(&client.key_id).await.unwrap().unwrap();
    assert_eq!(stored.secret, secret);
    assert_eq!(stored.record.grants, grants);
    assert!(!stored.record.revoked);
    let listed = registry.list_client_keys().await.unwrap();
    assert_eq!(listed, vec![client.clone()]);
    registry.revoke_client_key(&client.key_id).await.unwrap();
    assert!(
        registry
            .client_key(&client.key_id)
            .await
            .unwrap()
            .unwrap()
            .record
            .revoked
    );
    assert!(registry.client_key("key_missing").await.unwrap().is_none());
    assert!(registry
        .create_client_key(
            "bad",
            Grants {
                actions: Some(vec!["no_such_action".into()]),
                ..Grants::default()
            }
        )
        .await
        .is_err());
    assert!(registry.ping().await);
}

#[tokio::test]
async fn registry_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("scm-registry-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("registry.db");
    let url = format!("sqlite://{}", path.display());
    let registry = Registry::connect(&url, secrets()).await.unwrap();
    exercise(&registry).await;
    registry.close().await;
    // Migrations are idempotent: reopening the file works.
    let reopened = Registry::connect(&url, secrets()).await.unwrap();
    assert_eq!(reopened.list_repositories(None).await.unwrap().len(), 2);
    reopened.close().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn registry_on_postgres() {
    on_postgres("registry", |url| async move {
        let registry = Registry::connect(&url, secrets()).await.unwrap();
        exercise(&registry).await;
        registry.close().await;
    })
    .await;
}

/// The recovery position (migration 0004): none at first, then the start
/// of the last finished pass, replaced by the next one, per integration,
/// and still there when the registry is opened again.
async fn exercise_recovery_position(url: &str) {
    let registry = Registry::connect(url, secrets()).await.unwrap();
    assert_eq!(registry.recovery_last_success(1).await.unwrap(), None);
    registry
        .set_recovery_last_success(1, 1_764_230_400)
        .await
        .unwrap();
    registry
        .set_recovery_last_success(2, 1_764_000_000)
        .await
        .unwrap();
    registry
        .set_recovery_last_success(1, 1_764_230_700)
        .await
        .unwrap();
    assert_eq!(
        registry.recovery_last_success(1).await.unwrap(),
        Some(1_764_230_700)
    );
    assert_eq!(
        registry.recovery_last_success(2).await.unwrap(),
        Some(1_764_000_000)
    );
    assert_eq!(registry.recovery_last_success(3).await.unwrap(), None);
    registry.close().await;
    let reopened = Registry::connect(url, secrets()).await.unwrap();
    assert_eq!(
        reopened.recovery_last_success(1).await.unwrap(),
        Some(1_764_230_700)
    );
    reopened.close().await;
}

#[tokio::test]
async fn recovery_position_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("registry.db").display());
    exercise_recovery_position(&url).await;
}

#[tokio::test]
async fn recovery_position_on_postgres() {
    on_postgres("recovery", |url| async move {
        exercise_recovery_position(&url).await;
    })
    .await;
}

/// A GitLab integration resolves to the GitLab provider: the scoped facade
/// reaches a (local) self-managed instance with the project path encoded
/// as GitLab requires and the token in `PRIVATE-TOKEN`.
#[tokio::test]
async fn gitlab_integrations_resolve_to_the_gitlab_provider() {
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("registry.db").display());
    let registry = Registry::connect(&url, secrets()).await.unwrap();
    let gitlab = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/gitlab/api/v4/projects/acme%2Fplatform%2Fwidgets"))
        .and(header("private-token", "glpat-resolver-test"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": 7, "name": "widgets", "path_with_namespace": "acme/platform/widgets",
            "visibility": "private", "default_branch": "main", "archived": false
        })))
        .expect(1)
        .mount(&gitlab)
        .await;
    let integration = registry
        .add_integration(NewIntegration {
            provider: "gitlab".into(),
            name: "self-managed".into(),
            api_url: Some(format!("{}/gitlab/api/v4", gitlab.uri())),
            web_url: Some(format!("{}/gitlab", gitlab.uri())),
            credential: Credential::Token {
                token: Secret::new("glpat-resolver-test"),
            },
        })
        .await
        .unwrap();
    registry
        .add_repository(NewRepository {
            organization_id: 3,
            integration_id: integration.id,
            external_id: "acme/platform/widgets".into(),
            full_name: "acme/platform/widgets".into(),
        })
        .await
        .unwrap();
    let resolver = RegistryResolver::new(registry.clone(), ConnectOptions::default());
    let key = RepositoryKey::External("gitlab".into(), "acme/platform/widgets".into());
    let scm = scm_core::SourceCodeManager::open(&registry, &resolver, 3, &key, "tests")
        .await
        .unwrap();
    assert_eq!(scm.provider_name(), "gitlab");
    assert!(!scm.supports::<scm_core::actions::CreateGitBlob>());
    let repo = scm
        .execute(scm_core::actions::GetRepository {})
        .await
        .unwrap()
        .into_data()
        .unwrap();
    assert_eq!(repo.full_name, "acme/platform/widgets");
    gitlab.verify().await;
}
