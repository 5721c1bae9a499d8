//! The in-process path, end to end: a manager for one repository from an
//! integration's settings, capability checks, an action, a list followed to
//! its last page and a conditional read.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! GitHub is played by its own recorded answers, served on 127.0.0.1 (see
//! `support/mod.rs`): no network, no token. Against the real GitHub, the
//! settings are `api_url: None` and your token; nothing else changes.

#[path = "support/mod.rs"]
#[allow(dead_code)]
pub mod support;

use scm_core::actions::{GetRepository, GetRepositoryLabels};
use scm_core::layers::ConnectOptions;
use scm_core::registration::connect;
use scm_core::registry::RepositoryRecord;
use scm_core::{ActionName, CapabilitySet, PageRequest, RequestOptions, Response};
use scm_core::{Error, SourceCodeManager};

/// What `triage` found out.
#[derive(Debug, PartialEq)]
pub struct Summary {
    pub default_branch: Option<String>,
    pub labels: Vec<String>,
    pub unchanged_since_first_read: bool,
}

/// Product code: it knows the facade, never the provider, so it runs
/// unchanged in-process and over RPC (`examples/remote.rs`).
pub async fn triage(scm: &SourceCodeManager) -> Result<Summary, Error> {
    // Capabilities are known before any call: one action, or several.
    let needed =
        CapabilitySet::from_names(&[ActionName::GetRepository, ActionName::GetRepositoryLabels]);
    if !scm.supports::<GetRepository>()
        || !needed
            .iter()
            .all(|action| scm.capabilities().contains(action))
    {
        return Err(Error::unsupported(
            ActionName::GetRepositoryLabels,
            scm.provider_name(),
        ));
    }

    // An action: the typed output, with the provider's validators beside it.
    let first = scm.execute(GetRepository {}).await?;
    let etag = first.meta().etag.clone();
    let repository = first.into_data().expect("an unconditional read has data");
    println!("{} ({})", repository.full_name, scm.provider_name());

    // A list, followed to its last page: `next_cursor` is `None` there.
    let mut labels = Vec::new();
    let mut page = PageRequest {
        cursor: None,
        per_page: None,
    };
    loop {
        let listed = scm
            .execute(GetRepositoryLabels { page: page.clone() })
            .await?
            .into_data()
            .expect("a list has data");
        labels.extend(listed.items.into_iter().map(|label| label.name));
        match listed.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    println!("labels: {}", labels.join(", "));

    // A conditional read: *not modified* is a typed outcome, not an error.
    let options = RequestOptions {
        if_none_match: etag,
        if_modified_since: None,
    };
    let unchanged = match scm.execute_with(GetRepository {}, options).await? {
        Response::NotModified { .. } => true,
        Response::Ok(_) => false,
    };
    println!("unchanged since the first read: {unchanged}");
    Ok(Summary {
        default_branch: repository.default_branch,
        labels,
        unchanged_since_first_read: unchanged,
    })
}

/// Builds the manager from an integration's settings and runs `triage`.
pub async fn run() -> Result<Summary, Box<dyn std::error::Error>> {
    let github = support::recorded_github();
    let settings = support::github_settings(github.base_url());
    let registration = scm_providers::require("github")?;
    let instance = connect(registration, &settings, ConnectOptions::default())?;
    let scm = SourceCodeManager::for_repository(
        instance.provider,
        RepositoryRecord::direct("github", support::REPOSITORY),
        "quickstart",
    );
    match triage(&scm).await {
        Ok(summary) => Ok(summary),
        // Errors carry a stable code to branch on.
        Err(err) if err.code() == "rate_limit_exceeded" => {
            Err(format!("try again in {:?}", err.retry_after()).into())
        }
        Err(err) => Err(err.into()),
    }
}

#[tokio::main(flavor = "current_thread")]
#[allow(dead_code)] // `remote` reuses this file for `triage`.
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    run().await.map(drop)
}
