//! `scm bench quota`: how much provider quota the shared
//! conditional-request cache saves, measured through `scm serve`.
//!
//! A stub provider on 127.0.0.1 behaves like GitHub: an `ETag` per
//! resource, `304` on a matching `If-None-Match` without decrementing
//! `x-ratelimit-remaining`, a `200` that decrements it. The workload is
//! `--reads` `get_issue` calls by `--callers` concurrent callers over
//! `--resources` issues, of which `--changing` percent change once during
//! the run. It runs three times in one invocation, each time against a
//! fresh `scm serve`: cache off, in memory, in Redis (`--redis-url`).
//! Each mode prints
//! `quota cost: N of R reads (mode), U upstream requests, p50/p99 ms`,
//! where N is the number of answers that decremented the stub's rate limit,
//! and checks that every read returned the resource's version current when
//! the read started (a stale read fails the run).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use clap::{Arg, ArgMatches, Command};
use scm_core::{Error, Secret};
use scm_server::crypto::SecretBox;
use serde_json::json;

use crate::bench::{
    bench_error, http_header, ms, number, percentile, prepare_registry, serve, signed_get_issue,
};

pub fn command() -> Command {
    Command::new("quota")
        .about(
            "Provider quota spent with the conditional-request cache off, in memory and in Redis",
        )
        .arg(number("reads", "1000", "Reads per mode"))
        .arg(number("callers", "20", "Concurrent callers"))
        .arg(number("resources", "50", "Distinct resources read"))
        .arg(number(
            "changing",
            "10",
            "Percent of the resources that change during the run",
        ))
        .arg(
            Arg::new("redis-url")
                .long("redis-url")
                .default_value("redis://127.0.0.1:6379")
                .help("The Redis of the third mode"),
        )
}

/// The stub provider's resources and what it answered.
struct Stub {
    versions: Vec<AtomicU64>,
    /// `200`s: answers that cost rate limit.
    full: AtomicU64,
    not_modified: AtomicU64,
}

impl Stub {
    fn etag(&self, index: usize) -> String {
        format!(
            "\"r{index}-v{}\"",
            self.versions[index].load(Ordering::SeqCst)
        )
    }

    fn reset_counts(&self) {
        self.full.store(0, Ordering::SeqCst);
        self.not_modified.store(0, Ordering::SeqCst);
    }
}

async fn issue(
    State(stub): State<Arc<Stub>>,
    UrlPath((_owner, _repo, number)): UrlPath<(String, String, usize)>,
    headers: HeaderMap,
) -> axum::response::Response {
    let Some(index) = number.checked_sub(1).filter(|i| *i < stub.versions.len()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = stub.etag(index);
    let reset = (scm_rpc::signing::unix_now() + 3600).to_string();
    let limit = 1_000_000_000u64;
    if headers
        .get("if-none-match")
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        let used = stub.full.load(Ordering::SeqCst);
        stub.not_modified.fetch_add(1, Ordering::SeqCst);
        let headers = [
            (http_header("etag"), etag),
            (http_header("x-ratelimit-limit"), limit.to_string()),
            (
                http_header("x-ratelimit-remaining"),
                (limit - used).to_string(),
            ),
            (http_header("x-ratelimit-reset"), reset),
        ];
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    let version = stub.versions[index].load(Ordering::SeqCst);
    let used = stub.full.fetch_add(1, Ordering::SeqCst) + 1;
    let body = json!({
        "id": number, "node_id": format!("I_{number}"), "number": number,
        "title": format!("v{version}"), "body": "", "state": "open",
        "html_url": format!("https://github.com/octocat/hello-world/issues/{number}"),
        "user": { "login": "octocat", "id": 1, "type": "User",
                  "avatar_url": "https://github.com/images/error/octocat_happy.gif",
                  "html_url": "https://github.com/octocat" },
        "labels": [], "assignees": [],
        "created_at": "2011-04-22T13:33:48Z", "updated_at": "2011-04-22T13:33:48Z", "closed_at": null
    });
    let headers = [
        (http_header("content-type"), "application/json".to_owned()),
        (http_header("etag"), etag),
        (http_header("x-ratelimit-limit"), limit.to_string()),
        (
            http_header("x-ratelimit-remaining"),
            (limit - used).to_string(),
        ),
        (http_header("x-ratelimit-reset"), reset),
    ];
    (headers, body.to_string()).into_response()
}

async fn start_stub(resources: usize) -> Result<(SocketAddr, Arc<Stub>), Error> {
    let stub = Arc::new(Stub {
        versions: (0..resources).map(|_| AtomicU64::new(0)).collect(),
        full: AtomicU64::new(0),
        not_modified: AtomicU64::new(0),
    });
    let app = axum::Router::new()
        .route(
            "/repos/{owner}/{repo}/issues/{number}",
            axum::routing::get(issue),
        )
        .with_state(stub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(bench_error)?;
    let addr = listener.local_addr().map_err(bench_error)?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((addr, stub))
}

struct Workload {
    reads: usize,
    callers: usize,
    /// Read numbers at which one resource changes, and which one.
    changes: Vec<(usize, usize)>,
}

struct Target {
    url: String,
    key_id: String,
    secret: Secret,
    repository: String,
}

/// What one mode measured.
struct Outcome {
    latencies: Vec<Duration>,
    stale: usize,
    failed: usize,
}

/// Runs the workload through one server; resources are read in a fixed
/// pseudo-random order shared by every mode.
async fn drive(
    http: &reqwest::Client,
    target: &Arc<Target>,
    stub: &Arc<Stub>,
    workload: &Arc<Workload>,
) -> Outcome {
    let next = Arc::new(AtomicUsize::new(0));
    let callers: Vec<_> = (0..workload.callers)
        .map(|_| {
            let (http, target, stub, workload, next) = (
                http.clone(),
                target.clone(),
                stub.clone(),
                workload.clone(),
                next.clone(),
            );
            tokio::spawn(async move {
                let mut results = Vec::new();
                loop {
                    let n = next.fetch_add(1, Ordering::SeqCst);
                    if n >= workload.reads {
                        break;
                    }
                    for (at, resource) in &workload.changes {
                        if *at == n {
                            stub.versions[*resource].fetch_add(1, Ordering::SeqCst);
                        }
                    }
                    let index = (n * 7919 + 13) % stub.versions.len();
                    let current = stub.versions[index].load(Ordering::SeqCst);
                    let started = Instant::now();
                    let answer = read(&http, &target, index + 1).await;
                    results.push((started.elapsed(), answer.map(|v| v >= current)));
                }
                results
            })
        })
        .collect();
    let mut outcome = Outcome {
        latencies: Vec::new(),
        stale: 0,
        failed: 0,
    };
    for caller in callers {
        for (latency, result) in caller.await.unwrap_or_default() {
            match result {
                Ok(true) => outcome.latencies.push(latency),
                Ok(false) => outcome.stale += 1,
                Err(err) => {
                    if outcome.failed == 0 {
                        eprintln!("bench: first failure: {err}");
                    }
                    outcome.failed += 1;
                }
            }
        }
    }
    outcome.latencies.sort();
    outcome
}

/// One `get_issue` through the server: the version its title names.
async fn read(http: &reqwest::Client, target: &Target, number: usize) -> Result<u64, String> {
    let response = signed_get_issue(
        http,
        &target.url,
        &target.key_id,
        &target.secret,
        &target.repository,
        &number.to_string(),
    )
    .send()
    .await
    .map_err(|e| e.without_url().to_string())?;
    let status = response.status();
    let body: serde_json::Value = response
        .json()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !status.is_success() {
        return Err(format!("HTTP {status}: {body}"));
    }
    body.pointer("/data/title")
        .and_then(|t| t.as_str())
        .and_then(|t| t.strip_prefix('v'))
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no version in {body}"))
}

pub async fn run(matches: &ArgMatches) -> Result<(), Error> {
    let get = |name: &str| *matches.get_one::<u64>(name).expect("defaulted") as usize;
    let redis_url = matches
        .get_one::<String>("redis-url")
        .cloned()
        .unwrap_or_default();
    let (reads, resources) = (get("reads"), get("resources").max(1));
    let changing = (resources * get("changing").min(100)).div_ceil(100);
    // Changes spread over the run: resource k·(resources/changing) changes
    // at read (k+1)·reads/(changing+1).
    let changes = (0..changing)
        .map(|k| ((k + 1) * reads / (changing + 1), k * resources / changing))
        .collect();
    let workload = Arc::new(Workload {
        reads,
        callers: get("callers").max(1),
        changes,
    });
    let (stub_addr, stub) = start_stub(resources).await?;
    let dir = std::env::temp_dir().join(format!("scm-bench-quota-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(bench_error)?;
    let database_url = format!("sqlite://{}", dir.join("registry.db").display());
    let key = SecretBox::generate_key();
    let (key_id, secret, repo_id) = prepare_registry(&database_url, &key, stub_addr).await?;
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(workload.callers * 2)
        .build()
        .map_err(bench_error)?;
    let run_prefix = format!(
        "scm-bench:{}:{}:",
        std::process::id(),
        scm_rpc::signing::unix_now()
    );
    let modes: [(&str, Vec<(&str, String)>); 3] = [
        ("cache off", vec![("SCM_CACHE_STORE", "off".into())]),
        ("memory", vec![("SCM_CACHE_STORE", "memory".into())]),
        (
            "redis",
            vec![
                ("SCM_CACHE_STORE", "redis".into()),
                ("SCM_CACHE_REDIS_URL", redis_url),
                ("SCM_CACHE_KEY_PREFIX", run_prefix),
                ("SCM_CACHE_TTL_SECS", "300".into()),
            ],
        ),
    ];
    let mut stale_total = 0;
    let mut report = Vec::new();
    for (mode, env) in modes {
        let (server, base) = serve(&http, &database_url, &key, &env).await?;
        let target = Arc::new(Target {
            url: format!("{base}/v1/actions/get_issue"),
            key_id: key_id.clone(),
            secret: secret.clone(),
            repository: repo_id.to_string(),
        });
        stub.reset_counts();
        let outcome = drive(&http, &target, &stub, &workload).await;
        drop(server);
        let cost = stub.full.load(Ordering::SeqCst);
        let upstream = cost + stub.not_modified.load(Ordering::SeqCst);
        let (p50, p99) = (
            ms(percentile(&outcome.latencies, 0.50)),
            ms(percentile(&outcome.latencies, 0.99)),
        );
        println!(
            "quota cost: {cost} of {reads} reads ({mode}), {upstream} upstream requests, p50/p99 {p50:.2}/{p99:.2} ms, {} stale, {} failed",
            outcome.stale, outcome.failed
        );
        stale_total += outcome.stale + outcome.failed;
        report.push(
            json!({ "mode": mode, "quota_cost": cost, "upstream": upstream,
            "p50_ms": p50, "p99_ms": p99, "stale": outcome.stale, "failed": outcome.failed }),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "{}",
        serde_json::to_string(&json!({ "reads": reads, "callers": workload.callers,
            "resources": resources, "changing": changing, "modes": report }))
        .unwrap_or_default()
    );
    if stale_total > 0 {
        return Err(bench_error(format!(
            "{stale_total} reads were stale or failed"
        )));
    }
    Ok(())
}
