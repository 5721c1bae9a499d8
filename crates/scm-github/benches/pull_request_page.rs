//! Maps a 100-item pull request list page into neutral types, through the
//! provider's real path (request building, `Link` cursor, JSON parsing,
//! raw retention, mapping) with an in-memory transport so only our code is
//! measured. The items are GitHub's own example from its OpenAPI
//! description (`pull-request-simple-items`), repeated to 100.
//!
//! Then, in the same run, the Python platform this one is modelled on:
//! `sentry_scm_peer.py` times sentry-scm's own
//! `GitHubProvider.get_pull_requests` on the same page bytes (when a
//! Python >= 3.13 is at hand and sentry-scm installs from PyPI into a
//! throwaway virtual environment; one `skipped:` line otherwise).
//!
//! Run: `cargo bench -p scm-github --bench pull_request_page`
//! (`PEER_BENCH_SECONDS` sets the comparison's time per side, default 5).

use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion};
use scm_github::{Credentials, GitHub, GitHubConfig};
use scm_testkit::bench::{repeat_to, to_bytes, FixedAnswer, PullRequestPage};

const ITEMS: usize = 100;

fn page_of_100() -> Bytes {
    let spec_path = scm_testkit::paths::github_openapi_spec();
    let spec: serde_json::Value = serde_json::from_slice(
        &std::fs::read(&spec_path).expect("GitHub's OpenAPI description (run .ci/run)"),
    )
    .expect("valid JSON");
    let example = spec["components"]["examples"]["pull-request-simple-items"]["value"]
        .as_array()
        .expect("example list");
    to_bytes(&serde_json::Value::Array(repeat_to(example, ITEMS)))
}

/// sentry-scm's time for the same page, or why it was not measured.
fn python_peer(body: &Bytes, seconds: f64) -> Result<f64, String> {
    let page = std::env::temp_dir().join(format!("pull_request_page_{}.json", std::process::id()));
    std::fs::write(&page, body).map_err(|err| format!("cannot write the page: {err}"))?;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/sentry_scm_peer.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(&page)
        .arg(seconds.to_string())
        .output();
    let _ = std::fs::remove_file(&page);
    let output = output.map_err(|err| format!("python3 cannot be run: {err}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    if let Some(reason) = line.strip_prefix("skipped: ") {
        return Err(reason.to_owned());
    }
    let figures: serde_json::Value = serde_json::from_str(line).map_err(|_| {
        format!(
            "the peer printed no figures: {}{}",
            line,
            String::from_utf8_lossy(&output.stderr)
        )
    })?;
    println!("peer: {line}");
    figures["ms_per_call"]
        .as_f64()
        .ok_or_else(|| format!("the peer printed no ms_per_call: {line}"))
}

fn bench(c: &mut Criterion) {
    let body = page_of_100();
    let config = GitHubConfig::github_com(Credentials::Token("bench".into()));
    let transport = FixedAnswer::new(body.clone()).header(
        "link",
        "<https://api.github.com/repositories/1/pulls?page=2>; rel=\"next\"",
    );
    let github = GitHub::with_transport(&config, Arc::new(transport));
    let page = PullRequestPage::new(&github, "octocat/hello-world");
    assert!(page.run().1, "the page has a next cursor");
    page.bench(c, ITEMS, body.len());

    let seconds: f64 = std::env::var("PEER_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5.0);
    let ours = page.time_per_page(Duration::from_secs_f64(seconds));
    let ours_ms = ours.as_secs_f64() * 1000.0;
    match python_peer(&body, seconds) {
        Ok(peer_ms) => println!(
            "same page ({} KiB): scm-github {ours_ms:.3} ms, sentry-scm {peer_ms:.3} ms; scm-github is {:.1}x faster",
            body.len() / 1024,
            peer_ms / ours_ms
        ),
        Err(reason) => println!(
            "same page ({} KiB): scm-github {ours_ms:.3} ms; skipped: sentry-scm peer not run: {reason}",
            body.len() / 1024
        ),
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
