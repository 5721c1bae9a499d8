//! serde_json against a SIMD JSON parser (sonic-rs) on our own payloads,
//! with our own types: is it worth decoding provider answers and webhooks
//! with it instead?
//!
//! - `page_*`: the 100-item pull request page of `pull_request_page`
//!   decoded into `Vec<GhPullRequest>` (the typed step of the mapping);
//!   `page_tree_then_typed` is how answers were read before (a
//!   `serde_json::Value` tree kept as the raw answer, items mapped from
//!   it), `page_serde_json` how they are read now (straight from the bytes);
//! - `webhooks_scan_*`: every `@octokit/webhooks-examples` payload checked
//!   into `IgnoredAny` (the floor of any typed parse with that parser);
//! - `webhooks_pull_request_*`: the `pull_request` payloads' `pull_request`
//!   member decoded into `GhPullRequest`, the bulk of their typed parse.
//!
//! Run: `cargo bench -p scm-github --bench json_parsers`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use scm_core::raw_json::Member;
use scm_github::schema::GhPullRequest;
use scm_testkit::bench::{repeat_to, to_bytes};
use scm_testkit::webhooks::examples;
use serde::de::{DeserializeSeed, IgnoredAny};
use serde::Deserialize;

fn page_of_100() -> bytes::Bytes {
    let spec: serde_json::Value = serde_json::from_slice(
        &std::fs::read(scm_testkit::paths::github_openapi_spec()).expect("GitHub's description"),
    )
    .expect("valid JSON");
    let example = spec["components"]["examples"]["pull-request-simple-items"]["value"]
        .as_array()
        .expect("example list");
    to_bytes(&serde_json::Value::Array(repeat_to(example, 100)))
}

fn bench(c: &mut Criterion) {
    let page = page_of_100();
    let payloads: Vec<bytes::Bytes> = examples().iter().map(|e| e.payload_bytes.clone()).collect();
    let pull_requests: Vec<bytes::Bytes> = examples()
        .iter()
        .filter(|e| e.event == "pull_request")
        .map(|e| e.payload_bytes.clone())
        .collect();

    let mut group = c.benchmark_group("json_parsers");
    group.throughput(Throughput::Bytes(page.len() as u64));
    group.bench_function("page_tree_then_typed", |b| {
        b.iter(|| {
            let tree: serde_json::Value = serde_json::from_slice(&page).expect("JSON");
            let items: Vec<GhPullRequest> = tree
                .as_array()
                .expect("a list")
                .iter()
                .map(|item| GhPullRequest::deserialize(item).expect("decodes"))
                .collect();
            (tree, items)
        })
    });
    group.bench_function("page_serde_json", |b| {
        b.iter(|| serde_json::from_slice::<Vec<GhPullRequest>>(&page).expect("decodes"))
    });
    group.bench_function("page_sonic_rs", |b| {
        b.iter(|| sonic_rs::from_slice::<Vec<GhPullRequest>>(&page).expect("decodes"))
    });

    let total: usize = payloads.iter().map(|p| p.len()).sum();
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("webhooks_scan_serde_json", |b| {
        b.iter(|| {
            for p in &payloads {
                serde_json::from_slice::<IgnoredAny>(p).expect("JSON");
            }
        })
    });
    group.bench_function("webhooks_scan_sonic_rs", |b| {
        b.iter(|| {
            for p in &payloads {
                sonic_rs::from_slice::<IgnoredAny>(p).expect("JSON");
            }
        })
    });

    let total: usize = pull_requests.iter().map(|p| p.len()).sum();
    group.throughput(Throughput::Bytes(total as u64));
    group.bench_function("webhooks_pull_request_serde_json", |b| {
        b.iter(|| {
            for p in &pull_requests {
                let mut de = serde_json::Deserializer::from_slice(p);
                Member::<GhPullRequest>::new("pull_request")
                    .deserialize(&mut de)
                    .expect("decodes");
            }
        })
    });
    group.bench_function("webhooks_pull_request_sonic_rs", |b| {
        b.iter(|| {
            for p in &pull_requests {
                let mut de = sonic_rs::Deserializer::from_slice(p);
                Member::<GhPullRequest>::new("pull_request")
                    .deserialize(&mut de)
                    .expect("decodes");
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
