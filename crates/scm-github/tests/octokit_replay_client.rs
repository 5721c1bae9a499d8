//! Recorded GitHub traffic that no catalogue action makes on its own, but
//! that exercises machinery every action stands on: `Link` pagination over
//! five pages and the mapping of GitHub's 422 validation errors.

mod common;

use std::sync::Arc;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use scm_core::model::Issue;
use scm_core::registry::RepositoryRecord;
use scm_core::transport::ReqwestTransport;
use scm_core::{CallContext, PageRequest};
use scm_github::client::{Call, Client};
use scm_github::errors::error_from_response;
use scm_github::schema::GhIssue;
use scm_testkit::{ReplayServer, Scenario};

/// `paginate-issues` lists an issue tracker 3 at a time over 5 pages.
///
/// GitHub's `next` links point at `/repositories/1000/issues`; our cursors
/// keep only the link's query and always rebuild the path from the
/// repository in the call's scope (a caller-supplied cursor must never be
/// able to move a request to another repository). The recorded paths of
/// pages 2–5 are therefore rewritten to the equivalent
/// `/repos/{owner}/{repo}/issues` path; everything else (queries, `Link`
/// headers, bodies) is served as recorded.
#[tokio::test]
async fn link_pagination_follows_five_recorded_pages_to_the_end() {
    let mut scenario = Scenario::load("paginate-issues");
    for interaction in &mut scenario.interactions {
        interaction.path = interaction.path.replace(
            "/repositories/1000/",
            "/repos/octokit-fixture-org/paginate-issues/",
        );
    }
    let server = ReplayServer::start_in_order(&scenario);
    let http = Arc::new(ReqwestTransport::new(Duration::from_secs(5)).unwrap());
    let client = Client::new(
        http,
        server.base_url(),
        &server.url("/graphql"),
        "https://github.com",
    );
    let ctx = CallContext::new(
        Arc::new(RepositoryRecord::direct(
            "github",
            "octokit-fixture-org/paginate-issues",
        )),
        "replay",
    );

    let mut page = PageRequest {
        cursor: None,
        per_page: Some(3),
    };
    let mut numbers = Vec::new();
    let mut pages = 0;
    loop {
        let path = format!("{}/issues", Client::repo_path(&ctx).unwrap());
        let response = client
            .list::<GhIssue>(Call::get(path), &page, &ctx)
            .await
            .unwrap();
        let data = response.into_data().expect("not a conditional request");
        pages += 1;
        numbers.extend(data.items.into_iter().map(|issue| Issue::from(issue).id));
        match data.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    assert_eq!(pages, 5, "stops exactly after the last recorded page");
    assert_eq!(numbers.len(), 13);
    assert_eq!(numbers.first().map(String::as_str), Some("13"));
    assert_eq!(numbers.last().map(String::as_str), Some("1"));
    let unmatched = server.unmatched_requests();
    assert!(
        unmatched.is_empty(),
        "requests not in the recording: {unmatched:?}"
    );
    server.assert_all_consumed();
}

/// The recorded 422 answers keep GitHub's validation details in `detail`.
#[test]
fn recorded_validation_errors_map_to_unprocessable_content() {
    for (name, expected) in [
        ("errors", "Validation Failed: Label color invalid"),
        ("release-assets-conflict", "Validation Failed"),
    ] {
        let scenario = Scenario::load(name);
        let recorded = scenario
            .interactions
            .iter()
            .find(|i| i.status == 422)
            .unwrap_or_else(|| panic!("{name} records a 422"));
        let headers: HeaderMap = recorded
            .headers
            .iter()
            .filter_map(|(k, v)| {
                Some((
                    HeaderName::try_from(k.as_str()).ok()?,
                    HeaderValue::from_str(v).ok()?,
                ))
            })
            .collect();
        let err = error_from_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            &headers,
            &recorded.response_bytes(),
        );
        assert_eq!(err.code(), "resource_unprocessable_content", "{name}");
        assert!(err.to_string().contains(expected), "{name}: {err}");
    }
}
