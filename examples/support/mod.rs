// The local stand-ins the examples and the library's doc tests run against,
// so that they need no network and no account. Doc tests include this file
// with `include!`, hence plain `//` comments.
//
// - `recorded_github`: GitHub's own recorded answers (`@octokit/fixtures`,
//   installed by `.ci/run`) served on 127.0.0.1 by the test kit;
// - `serve_rpc`: an in-process `scm serve` (registry in a temporary
//   directory) whose one repository is reached through such a stand-in.

/// The repository GitHub's answers were recorded for.
pub const REPOSITORY: &str = "octokit-fixture-org/hello-world";

/// The ETag GitHub recorded for [`REPOSITORY`] (Octokit normalized it).
pub const RECORDED_ETAG: &str = "\"00000000000000000000000000000000\"";

/// GitHub on 127.0.0.1, answering in this order: the repository
/// (`get-repository`), its labels (`labels`, one page), then the
/// repository again as `304 Not Modified` for a read that sends the
/// recorded ETag. The first two are GitHub's recorded answers; the `304`
/// is ours (the recordings hold none), built from the recorded request.
pub fn recorded_github() -> scm_testkit::ReplayServer {
    use scm_testkit::octokit::{Interaction, Scenario};

    let repository = Scenario::load("get-repository").interactions.remove(0);
    let mut labels = Scenario::load("labels").interactions.remove(0);
    // Recorded for a repository named `labels`, without `per_page` (GitHub's
    // default is 30; the provider always says how many it wants).
    labels.path = format!("/repos/{REPOSITORY}/labels?per_page=30");
    let not_modified = Interaction {
        status: 304,
        response: serde_json::Value::Null,
        headers: [("etag".to_owned(), RECORDED_ETAG.to_owned())].into(),
        ..repository.clone()
    };
    scm_testkit::ReplayServer::start_in_order(&Scenario {
        name: "quickstart".into(),
        interactions: vec![repository, labels, not_modified],
    })
}

/// An integration's settings for `github` at `api_url`, as an operator
/// would give them (the token is the one the recordings were made with).
pub fn github_settings(api_url: &str) -> scm_core::registration::IntegrationSpec {
    scm_core::registration::IntegrationSpec {
        api_url: Some(api_url.to_owned()),
        web_url: Some("https://github.com".to_owned()),
        credential: scm_core::Credential::token("0000000000000000000000000000000000000001"),
    }
}

/// Starts `scm serve` in this process on 127.0.0.1, with a registry in
/// `dir` holding one integration (GitHub at `github_api_url`), one
/// repository ([`REPOSITORY`], organization 1) and one client key, and
/// returns what an RPC client needs to reach that repository.
pub async fn serve_rpc(
    dir: &std::path::Path,
    github_api_url: &str,
) -> Result<scm_rpc::RpcTarget, Box<dyn std::error::Error>> {
    use scm_server::crypto::SecretBox;
    use scm_server::registry::{Grants, NewIntegration, NewRepository, Registry};

    let secrets = SecretBox::from_encoded(&SecretBox::generate_key())?;
    let database = format!("sqlite://{}", dir.join("registry.db").display());
    let registry = Registry::connect(&database, secrets).await?;
    let settings = github_settings(github_api_url);
    let integration = registry
        .add_integration(NewIntegration {
            provider: "github".into(),
            name: "recorded".into(),
            api_url: settings.api_url,
            web_url: settings.web_url,
            credential: settings.credential,
        })
        .await?;
    let repository = registry
        .add_repository(NewRepository {
            organization_id: 1,
            integration_id: integration.id,
            external_id: REPOSITORY.into(),
            full_name: REPOSITORY.into(),
        })
        .await?;
    let grants = Grants {
        organizations: vec![1],
        referrers: vec!["*".into()],
        actions: None,
    };
    let (key, secret) = registry.create_client_key("example", grants).await?;
    let app = scm_server::build_app(&scm_server::Config::default(), registry);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(scm_rpc::RpcTarget {
        base_url,
        key_id: key.key_id,
        secret,
        organization: 1,
        repository: scm_core::registry::RepositoryKey::Id(repository.id),
        referrer: "example".into(),
    })
}
