//! Maps a 100-item pull request list page into neutral pull requests,
//! through the provider's real path (request building, JSON decoding, raw
//! retention, mapping) with an in-memory transport so only our code is
//! measured. The items are the third-party corpus's
//! `bitbucket-dc/rest/prs.json` (go-scm's recorded answer), its `values`
//! repeated to 100; without the corpus the bench says so and stops.
//!
//! Run: `cargo bench -p scm-bitbucket-server --bench pull_request_page`

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use scm_bitbucket_server::{BitbucketServer, BitbucketServerConfig, Credentials};
use scm_core::Secret;
use scm_testkit::bench::{corpus_json, repeat_values_to, to_bytes, FixedAnswer, PullRequestPage};

const ITEMS: usize = 100;

fn bench(c: &mut Criterion) {
    let answer = corpus_json("bitbucket-dc/rest/prs.json");
    let body = to_bytes(&repeat_values_to(&answer, ITEMS));
    let config = BitbucketServerConfig::new(
        "https://bitbucket.example.com",
        Credentials::Token(Secret::new("bench")),
    )
    .expect("valid configuration");
    let server = BitbucketServer::with_transport(&config, Arc::new(FixedAnswer::new(body.clone())));
    PullRequestPage::new(&server, "PRJ/my-repo").bench(c, ITEMS, body.len());
}

criterion_group!(benches, bench);
criterion_main!(benches);
