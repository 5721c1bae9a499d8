//! Maps a 100-item pull request list page into neutral types, through the
//! provider's real path (request building, `Link` cursor, JSON parsing,
//! raw retention, mapping) with an in-memory transport so only our code is
//! measured. The items are GitHub's own example from its OpenAPI
//! description (`pull-request-simple-items`), repeated to 100.
//!
//! Run: `cargo bench -p scm-github --bench pull_request_page`

use std::sync::Arc;

use async_trait::async_trait;
use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scm_core::actions::GetPullRequests;
use scm_core::model::PullRequestState;
use scm_core::registry::RepositoryRecord;
use scm_core::transport::{Body, HttpRequest, HttpResponse, Transport};
use scm_core::{Action, CallContext, Error, PageRequest, Provider};
use scm_github::{Credentials, GitHub, GitHubConfig};

/// Answers every request with the same page.
struct FixedPage(Bytes);

#[async_trait]
impl Transport for FixedPage {
    async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, Error> {
        Ok(http::Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .header(
                "link",
                "<https://api.github.com/repositories/1/pulls?page=2>; rel=\"next\"",
            )
            .body(Body::from(self.0.clone()))
            .expect("static response"))
    }
}

fn page_of_100() -> Bytes {
    let spec_path = scm_testkit::paths::github_openapi_spec();
    let spec: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&spec_path).expect("GitHub's OpenAPI description (run .ci/run)"),
    )
    .expect("valid JSON");
    let example = spec["components"]["examples"]["pull-request-simple-items"]["value"]
        .as_array()
        .expect("example list")
        .clone();
    let items: Vec<serde_json::Value> = example.iter().cycle().take(100).cloned().collect();
    Bytes::from(serde_json::to_vec(&items).expect("serializable"))
}

fn bench(c: &mut Criterion) {
    let body = page_of_100();
    let config = GitHubConfig::github_com(Credentials::Token("bench".into()));
    let github = GitHub::with_transport(&config, Arc::new(FixedPage(body.clone())));
    let ctx = CallContext::new(
        Arc::new(RepositoryRecord::direct("github", "octocat/hello-world")),
        "bench",
    );
    let action = GetPullRequests {
        state: Some(PullRequestState::Open),
        head: None,
        page: PageRequest::default(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");

    // Sanity: the page maps to 100 neutral pull requests with a cursor.
    let check = runtime
        .block_on(github.execute(action.clone().into_any(), &ctx))
        .expect("maps");
    let page = GetPullRequests::output_from_any(check.into_data().expect("data")).expect("output");
    assert_eq!(page.items.len(), 100);
    assert!(page.next_cursor.is_some());

    let mut group = c.benchmark_group("github");
    group.throughput(Throughput::Elements(100));
    group.bench_function(
        format!("map_pull_request_page_100_items_{}KiB", body.len() / 1024),
        |b| {
            b.iter(|| {
                runtime
                    .block_on(github.execute(action.clone().into_any(), &ctx))
                    .expect("maps")
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
