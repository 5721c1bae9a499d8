//! What the list-page benches of every provider share: a transport that
//! answers every request with one page, and pages of a given length built
//! by repeating real items (from an official OpenAPI example or the
//! third-party corpus), so each bench measures only the provider's own
//! path: request building, JSON decoding, raw retention and mapping.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use bytes::Bytes;
use criterion::{Criterion, Throughput};
use scm_core::actions::GetPullRequests;
use scm_core::model::PullRequestState;
use scm_core::registry::RepositoryRecord;
use scm_core::transport::{Body, HttpRequest, HttpResponse, Transport};
use scm_core::{Action, CallContext, Error, PageRequest, Provider};
use serde_json::Value;

/// Answers every request with the same JSON page and headers.
pub struct FixedAnswer {
    body: Bytes,
    headers: Vec<(&'static str, String)>,
}

impl FixedAnswer {
    pub fn new(body: Bytes) -> Self {
        Self {
            body,
            headers: Vec::new(),
        }
    }

    /// Adds a response header (a `Link` to a next page, say).
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

#[async_trait]
impl Transport for FixedAnswer {
    async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, Error> {
        let mut response = http::Response::builder()
            .status(200)
            .header("content-type", "application/json");
        for (name, value) in &self.headers {
            response = response.header(*name, value);
        }
        Ok(response
            .body(Body::from(self.body.clone()))
            .expect("static response"))
    }
}

/// `items` repeated in order until there are `count` of them.
pub fn repeat_to(items: &[Value], count: usize) -> Vec<Value> {
    assert!(!items.is_empty(), "no items to repeat");
    items.iter().cycle().take(count).cloned().collect()
}

/// A paged answer (`{"values": [...], ...}`, as both Bitbucket APIs send)
/// with its `values` repeated to `count`, its other members kept.
pub fn repeat_values_to(answer: &Value, count: usize) -> Value {
    let mut answer = answer.clone();
    let values = answer["values"].as_array().expect("a `values` list");
    answer["values"] = Value::Array(repeat_to(values, count));
    answer
}

/// The serialized JSON of `value`.
pub fn to_bytes(value: &Value) -> Bytes {
    Bytes::from(serde_json::to_vec(value).expect("serializable"))
}

/// A corpus file as JSON ([`crate::paths::corpus`]).
pub fn corpus_json(relative: impl AsRef<Path>) -> Value {
    let path = crate::paths::corpus(relative);
    let text = std::fs::read(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    serde_json::from_slice(&text).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// One pull request list page through a provider: `execute` of
/// `GetPullRequests` (open), as the server runs it.
pub struct PullRequestPage<'a> {
    provider: &'a dyn Provider,
    ctx: CallContext,
    runtime: tokio::runtime::Runtime,
}

impl<'a> PullRequestPage<'a> {
    /// For the repository `full_name` of `provider`.
    pub fn new(provider: &'a dyn Provider, full_name: &str) -> Self {
        let ctx = CallContext::new(
            Arc::new(RepositoryRecord::direct(provider.name(), full_name)),
            "bench",
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("runtime");
        Self {
            provider,
            ctx,
            runtime,
        }
    }

    /// Maps the page once; returns how many pull requests it held and
    /// whether it had a next cursor.
    pub fn run(&self) -> (usize, bool) {
        let action = GetPullRequests {
            state: Some(PullRequestState::Open),
            head: None,
            page: PageRequest::default(),
        };
        let response = self
            .runtime
            .block_on(self.provider.execute(action.into_any(), &self.ctx))
            .expect("the page maps");
        let page = GetPullRequests::output_from_any(response.into_data().expect("data"))
            .expect("a pull request page");
        (page.items.len(), page.next_cursor.is_some())
    }

    /// Checks that the page maps to `items` pull requests, then benches it
    /// as `<provider>/map_pull_request_page_<items>_items_<KiB>KiB`.
    pub fn bench(&self, c: &mut Criterion, items: usize, page_bytes: usize) {
        assert_eq!(self.run().0, items, "every item of the page maps");
        let mut group = c.benchmark_group(self.provider.name());
        group.throughput(Throughput::Elements(items as u64));
        group.bench_function(
            format!(
                "map_pull_request_page_{items}_items_{}KiB",
                page_bytes / 1024
            ),
            |b| b.iter(|| self.run()),
        );
        group.finish();
    }

    /// The average time of one page over about `budget` (after a warm-up),
    /// for comparisons printed next to criterion's figures.
    pub fn time_per_page(&self, budget: Duration) -> Duration {
        for _ in 0..10 {
            self.run();
        }
        let started = Instant::now();
        let mut pages = 0u32;
        while started.elapsed() < budget {
            self.run();
            pages += 1;
        }
        started.elapsed() / pages.max(1)
    }
}
