//! Every HTTP-backed GitHub action, validated against GitHub's official
//! OpenAPI description served by `prism mock`.
//!
//! Prism answers 422 (with the reasons in `sl-violations`) to any request
//! the description does not allow, and otherwise the description's own
//! example, which our mapping must then parse. The suite fails unless
//! every supported action that makes a REST call has at least one case
//! here. Actions backed by GraphQL are answered by a local responder (see
//! `graphql.rs`): prism has no GraphQL description; their queries are
//! validated against GitHub's GraphQL schema elsewhere.

mod cases;
mod graphql;
mod recording;

use std::collections::BTreeSet;
use std::sync::Arc;

use scm_core::registry::RepositoryRecord;
use scm_core::transport::ReqwestTransport;
use scm_core::{ActionKind, ActionName, AnyAction, CallContext, Provider};
use scm_github::{AppCredentials, Credentials, GitHub, GitHubConfig};
use scm_testkit::prism::Prism;

use recording::Recording;

fn github(prism: &Prism, recording: Arc<Recording>) -> GitHub {
    let config = GitHubConfig::custom(
        prism.base_url(),
        "https://github.com",
        Credentials::Token("test-token".into()),
    )
    .expect("prism URL is valid");
    let _ = recording;
    GitHub::with_auth(&config, recording)
}

/// The same, with GitHub App credentials (a throwaway key made for these
/// tests): app-level actions send the app's JWT, the rest mint an
/// installation token from prism first.
fn app_github(prism: &Prism, recording: Arc<Recording>) -> GitHub {
    let key = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/test-app-key.pem"),
    )
    .expect("test app key");
    let credentials = Credentials::App(AppCredentials {
        app_id: "1".into(),
        private_key: key.into(),
        installation_id: "1".into(),
    });
    let config = GitHubConfig::custom(prism.base_url(), "https://github.com", credentials)
        .expect("prism URL is valid");
    GitHub::with_auth(&config, recording)
}

#[tokio::test(flavor = "multi_thread")]
async fn every_http_action_is_valid_against_the_openapi_description() {
    let prism = Prism::shared_github();
    let http = ReqwestTransport::new(std::time::Duration::from_secs(30)).expect("client");
    let recording = Arc::new(Recording::new(Arc::new(http), graphql::responder()));
    let github = github(prism, recording.clone());
    let app_github = app_github(prism, recording.clone());
    let ctx = CallContext::new(
        Arc::new(RepositoryRecord::direct("github", "octocat/hello-world")),
        "conformance",
    );

    let mut validated: BTreeSet<ActionName> = BTreeSet::new();
    let mut failures: Vec<String> = Vec::new();
    let runs = cases::all()
        .into_iter()
        .map(|action| (&github, action))
        .chain(cases::app().into_iter().map(|action| (&app_github, action)));
    for (github, action) in runs {
        let name = action.name();
        recording.clear();
        match github.execute(action.clone(), &ctx).await {
            Ok(_) => {
                let bad = recording.rejected();
                if bad.is_empty() {
                    validated.insert(name);
                } else {
                    failures.push(format!("{name}: prism rejected {bad:?}"));
                }
            }
            Err(err) => failures.push(format!(
                "{name}: {err}\n    args: {}\n    exchanges: {:?}",
                action.args_json(),
                recording.exchanges()
            )),
        }
    }

    let required: BTreeSet<ActionName> = GitHub::SUPPORTED
        .iter()
        .copied()
        .filter(|name| name.kind() != ActionKind::WebUrl)
        .collect();
    for missing in required.difference(&validated) {
        if !failures
            .iter()
            .any(|f| f.starts_with(&format!("{missing}:")))
        {
            failures.push(format!("{missing}: no conformance case"));
        }
    }

    println!(
        "github conformance: {} actions validated, {} failures",
        validated.len(),
        failures.len()
    );
    for failure in &failures {
        println!("  FAIL {failure}");
    }
    assert!(
        failures.is_empty(),
        "{} conformance failures (see above)",
        failures.len()
    );
}

/// A case is just an action with arguments that exist in prism's world.
pub fn parse(name: &str, args: serde_json::Value) -> AnyAction {
    let name: ActionName = name.parse().expect("known action");
    AnyAction::from_json(name, args).expect("valid case arguments")
}
