//! Maps a 100-item merge request list page into neutral pull requests,
//! through the provider's real path (request building, JSON decoding, raw
//! retention, mapping) with an in-memory transport so only our code is
//! measured. The items are the third-party corpus's
//! `gitlab/rest/get_merge_requests.json` (go-gitlab's recorded answer),
//! repeated to 100; without the corpus the bench says so and stops.
//!
//! Run: `cargo bench -p scm-gitlab --bench merge_request_page`

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use scm_core::Secret;
use scm_gitlab::{GitLab, GitLabConfig};
use scm_testkit::bench::{corpus_json, repeat_to, to_bytes, FixedAnswer, PullRequestPage};
use serde_json::Value;

const ITEMS: usize = 100;

fn bench(c: &mut Criterion) {
    let answer = corpus_json("gitlab/rest/get_merge_requests.json");
    let items = answer.as_array().expect("a merge request list");
    let body = to_bytes(&Value::Array(repeat_to(items, ITEMS)));
    let config = GitLabConfig::gitlab_com(Secret::new("bench"));
    let gitlab = GitLab::with_transport(config, Arc::new(FixedAnswer::new(body.clone())))
        .expect("valid configuration");
    PullRequestPage::new(&gitlab, "group/project").bench(c, ITEMS, body.len());
}

criterion_group!(benches, bench);
criterion_main!(benches);
