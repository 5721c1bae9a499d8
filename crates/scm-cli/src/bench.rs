//! `scm bench rpc`: the RPC load benchmark.
//!
//! Starts a stub GitHub on 127.0.0.1 (an axum app answering GitHub-shaped
//! JSON), a temporary SQLite registry pointing an integration at it, and
//! `scm serve` as a child process on 127.0.0.1. Then, in one run:
//!
//! 1. throughput: `--concurrency` workers send signed `get_issue` calls
//!    through the server, and the same number of plain GETs to the stub;
//! 2. latency at a fixed rate (`--rate`, open loop): the same two paths,
//!    one request every 1/rate seconds, p50/p99 of each and the difference
//!    (the latency the server adds);
//! 3. the server's memory from `/proc/<pid>/status` (VmHWM, VmRSS).
//!
//! With `--telemetry`, three more servers are measured the same way, with
//! exports on: spans over OTLP/HTTP to a local endpoint that accepts them,
//! then DogStatsD to a local UDP socket, then both; `--rounds` measures all
//! four in turn that many times, and the report compares the medians of
//! each with those of the server that exports nothing. Each throughput
//! phase also reports the server's CPU time per action (`/proc`), which
//! the other processes on the machine disturb less than the rate.
//!
//! Counts and time are bounded (`--requests`, `--seconds`). Secrets are
//! generated for the run and never printed.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use clap::{Arg, ArgMatches, Command};
use scm_core::{Credential, Error, Secret};
use scm_rpc::signing::{new_nonce, unix_now, Signed};
use scm_server::crypto::{SecretBox, KEY_ENV};
use scm_server::registry::{Grants, NewIntegration, NewRepository, Registry};
use serde_json::json;

/// A `--name N` flag with a default.
pub(crate) fn number(name: &'static str, default: &'static str, help: &'static str) -> Arg {
    Arg::new(name)
        .long(name)
        .default_value(default)
        .value_parser(clap::value_parser!(u64))
        .help(help)
}

pub fn command() -> Command {
    Command::new("bench")
        .about("Load benchmarks")
        .subcommand_required(true)
        .subcommand(
            Command::new("rpc")
                .about("Drive `scm serve` with signed requests against a local stub provider")
                .arg(number(
                    "requests",
                    "50000",
                    "Requests per throughput phase (upper bound)",
                ))
                .arg(number(
                    "concurrency",
                    "64",
                    "Concurrent requests in the throughput phases",
                ))
                .arg(number(
                    "rate",
                    "1000",
                    "Requests per second in the latency phases",
                ))
                .arg(number(
                    "latency-requests",
                    "5000",
                    "Requests per latency phase",
                ))
                .arg(number("seconds", "20", "Time limit of each phase"))
                .arg(number(
                    "rounds",
                    "1",
                    "With --telemetry: how many times every configuration is measured, in turn (medians are compared)",
                ))
                .arg(
                    Arg::new("telemetry")
                        .long("telemetry")
                        .action(clap::ArgAction::SetTrue)
                        .help("Then measure servers exporting traces (OTLP), StatsD, and both to local sinks, and compare each with exports off"),
                ),
        )
        .subcommand(crate::quota_bench::command())
        .subcommand(crate::load_bench::command())
        .subcommand(crate::tails_bench::command())
}

struct Options {
    requests: usize,
    concurrency: usize,
    rate: u64,
    latency_requests: usize,
    limit: Duration,
}

pub(crate) fn bench_error(detail: impl std::fmt::Display) -> Error {
    Error::Unhandled {
        status: None,
        detail: format!("bench: {detail}"),
    }
}

/// One GitHub issue, as the REST API answers it.
fn issue_json() -> Bytes {
    Bytes::from(
        serde_json::to_vec(&json!({
            "id": 1, "node_id": "I_kwDOAAAAAc4AAAAB", "number": 1, "title": "Found a bug",
            "body": "I'm having a problem with this.", "state": "open",
            "html_url": "https://github.com/octocat/hello-world/issues/1",
            "user": { "login": "octocat", "id": 1, "type": "User",
                      "avatar_url": "https://github.com/images/error/octocat_happy.gif",
                      "html_url": "https://github.com/octocat" },
            "labels": [{ "id": 208045946, "name": "bug", "color": "f29513", "description": "Something isn't working" }],
            "assignees": [],
            "created_at": "2011-04-22T13:33:48Z", "updated_at": "2011-04-22T13:33:48Z", "closed_at": null
        }))
        .unwrap_or_default(),
    )
}

/// The stub provider: `GET /repos/{owner}/{repo}/issues/{n}`. It
/// announces a rate limit far above what the bench can use, as GitHub's
/// headers do, so the server's quota layer learns it and never refuses.
pub(crate) async fn start_stub() -> Result<SocketAddr, Error> {
    let body = issue_json();
    let app = axum::Router::new().route(
        "/repos/{owner}/{repo}/issues/{number}",
        axum::routing::get(move || {
            let body = body.clone();
            async move {
                let reset = (unix_now() + 3600).to_string();
                (
                    [
                        (http_header("content-type"), "application/json".to_owned()),
                        (http_header("etag"), "\"bench\"".to_owned()),
                        (http_header("x-ratelimit-limit"), "1000000000".to_owned()),
                        (http_header("x-ratelimit-remaining"), "999999999".to_owned()),
                        (http_header("x-ratelimit-reset"), reset),
                    ],
                    body,
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(bench_error)?;
    let addr = listener.local_addr().map_err(bench_error)?;
    tokio::spawn(async move {
        // TCP_NODELAY like the server, so the stub adds no delayed-ACK stall.
        use axum::serve::ListenerExt;
        let listener = listener.tap_io(|stream| {
            let _ = stream.set_nodelay(true);
        });
        let _ = axum::serve(listener, app).await;
    });
    Ok(addr)
}

pub(crate) fn http_header(name: &'static str) -> axum::http::HeaderName {
    axum::http::HeaderName::from_static(name)
}

pub(crate) fn free_port() -> Result<u16, Error> {
    let socket = std::net::TcpListener::bind("127.0.0.1:0").map_err(bench_error)?;
    Ok(socket.local_addr().map_err(bench_error)?.port())
}

/// The server process, killed when dropped.
pub(crate) struct Server {
    pub(crate) child: std::process::Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `VmHWM` and `VmRSS` of a process, in kB.
pub(crate) fn memory_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmHWM:"), field("VmRSS:"))
}

/// CPU time a process has used so far (user + system), from
/// `/proc/<pid>/stat`.
pub(crate) fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces), from `state`:
    // utime and stime are the 12th and 13th.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let ticks: u64 = after_name
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|field| field.parse::<u64>().ok())
        .sum();
    // SAFETY: sysconf reads a constant of the running system.
    let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Duration::from_micros(ticks * 1_000_000 / per_second)
}

/// How to send one request of a path under test.
#[derive(Clone)]
enum Path {
    Direct {
        url: String,
    },
    Server {
        url: String,
        key_id: String,
        secret: Secret,
        repository: String,
    },
}

impl Path {
    fn request(&self, http: &reqwest::Client) -> reqwest::RequestBuilder {
        match self {
            Path::Direct { url } => http
                .get(url)
                .header("accept", "application/vnd.github+json, application/json"),
            Path::Server {
                url,
                key_id,
                secret,
                repository,
            } => signed_get_issue(http, url, key_id, secret, repository, "1"),
        }
    }
}

/// A signed `get_issue` call for organization 1, referrer `bench`.
pub(crate) fn signed_get_issue(
    http: &reqwest::Client,
    url: &str,
    key_id: &str,
    secret: &Secret,
    repository: &str,
    issue_id: &str,
) -> reqwest::RequestBuilder {
    let body = serde_json::to_vec(&json!({ "issue_id": issue_id })).unwrap_or_default();
    let nonce = new_nonce();
    let signed = Signed {
        method: "POST",
        path: "/v1/actions/get_issue",
        timestamp: unix_now(),
        nonce: &nonce,
        organization: "1",
        repository,
        referrer: "bench",
        body: &body,
    };
    let mut request = http.post(url).header("content-type", "application/json");
    for (name, value) in signed.headers(key_id, secret) {
        request = request.header(name, value);
    }
    request.body(body)
}

async fn one(http: &reqwest::Client, path: &Path) -> Result<Duration, String> {
    let started = Instant::now();
    let response = path
        .request(http)
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| e.without_url().to_string())?;
    if !status.is_success() {
        return Err(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&body[..body.len().min(300)])
        ));
    }
    Ok(started.elapsed())
}

struct Throughput {
    done: usize,
    failed: usize,
    elapsed: Duration,
}

impl Throughput {
    fn per_second(&self) -> f64 {
        self.done as f64 / self.elapsed.as_secs_f64()
    }
}

async fn throughput(http: &reqwest::Client, path: &Path, options: &Options) -> Throughput {
    let next = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let deadline = started + options.limit;
    let workers: Vec<_> = (0..options.concurrency)
        .map(|_| {
            let (http, path, next, failed) =
                (http.clone(), path.clone(), next.clone(), failed.clone());
            let total = options.requests;
            tokio::spawn(async move {
                while next.fetch_add(1, Ordering::Relaxed) < total && Instant::now() < deadline {
                    if let Err(err) = one(&http, &path).await {
                        if failed.fetch_add(1, Ordering::Relaxed) == 0 {
                            eprintln!("bench: first failure: {err}");
                        }
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let elapsed = started.elapsed();
    let failed = failed.load(Ordering::Relaxed);
    let attempted = next.load(Ordering::Relaxed).min(options.requests);
    Throughput {
        done: attempted.saturating_sub(failed),
        failed,
        elapsed,
    }
}

/// Open-loop latencies at `rate` per second.
async fn latencies(
    http: &reqwest::Client,
    path: &Path,
    options: &Options,
) -> (Vec<Duration>, usize) {
    let mut ticker = tokio::time::interval(Duration::from_secs_f64(1.0 / options.rate as f64));
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(options.latency_requests);
    for _ in 0..options.latency_requests {
        ticker.tick().await;
        if started.elapsed() > options.limit {
            break;
        }
        let (http, path) = (http.clone(), path.clone());
        tasks.push(tokio::spawn(async move { one(&http, &path).await }));
    }
    let mut samples = Vec::with_capacity(tasks.len());
    let mut failed = 0;
    for task in tasks {
        match task.await {
            Ok(Ok(latency)) => samples.push(latency),
            _ => failed += 1,
        }
    }
    samples.sort();
    (samples, failed)
}

pub(crate) fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[index]
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Registers the stub as a GitHub integration, one repository and one key.
pub(crate) async fn prepare_registry(
    database_url: &str,
    key: &Secret,
    stub: SocketAddr,
) -> Result<(String, Secret, i64), Error> {
    let secrets = SecretBox::from_encoded(key).map_err(bench_error)?;
    let registry = Registry::connect(database_url, secrets)
        .await
        .map_err(bench_error)?;
    let integration = registry
        .add_integration(NewIntegration {
            provider: "github".into(),
            name: "bench stub".into(),
            api_url: Some(format!("http://{stub}")),
            web_url: Some("https://github.com".into()),
            credential: Credential::Token {
                token: SecretBox::generate_key(),
            },
        })
        .await
        .map_err(bench_error)?;
    let repo = registry
        .add_repository(NewRepository {
            organization_id: 1,
            integration_id: integration.id,
            external_id: "octocat/hello-world".into(),
            full_name: "octocat/hello-world".into(),
        })
        .await
        .map_err(bench_error)?;
    let (record, secret) = registry
        .create_client_key(
            "bench",
            Grants {
                organizations: vec![1],
                referrers: vec!["*".into()],
                actions: None,
            },
        )
        .await
        .map_err(bench_error)?;
    registry.close().await;
    Ok((record.key_id, secret, repo.id))
}

/// Starts `scm serve` on a free port of 127.0.0.1 over `database_url`,
/// with `env` added to its environment; waits until it answers.
pub(crate) async fn serve(
    http: &reqwest::Client,
    database_url: &str,
    key: &Secret,
    env: &[(&str, String)],
) -> Result<(Server, String), Error> {
    let port = free_port()?;
    let exe = std::env::current_exe().map_err(bench_error)?;
    let mut command = std::process::Command::new(exe);
    command
        .args([
            "serve",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--database-url",
            database_url,
        ])
        .env(KEY_ENV, key.expose())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let server = Server {
        child: command.spawn().map_err(bench_error)?,
    };
    let base = format!("http://127.0.0.1:{port}");
    let ready = Instant::now();
    while http.get(format!("{base}/healthz")).send().await.is_err() {
        if ready.elapsed() > Duration::from_secs(20) {
            return Err(bench_error("the server did not start"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok((server, base))
}

/// One server measured: both throughput phases, both latency phases and
/// its memory.
struct Measured {
    server_tp: Throughput,
    /// The server's CPU time during its throughput phase.
    server_cpu: Duration,
    direct_tp: Throughput,
    direct_lat: Vec<Duration>,
    server_lat: Vec<Duration>,
    direct_failed: usize,
    server_failed: usize,
    idle_rss: u64,
    hwm: u64,
    rss: u64,
}

impl Measured {
    /// p50 or p99 of (direct, server, added) in milliseconds.
    fn row(&self, p: f64) -> (f64, f64, f64) {
        let (d, s) = (
            percentile(&self.direct_lat, p),
            percentile(&self.server_lat, p),
        );
        (ms(d), ms(s), ms(s.saturating_sub(d)))
    }

    /// The server's CPU time per action in its throughput phase, in µs.
    fn cpu_per_action_us(&self) -> f64 {
        self.server_cpu.as_secs_f64() * 1e6 / self.server_tp.done.max(1) as f64
    }

    fn report(&self, options: &Options) -> serde_json::Value {
        let (d50, s50, a50) = self.row(0.50);
        let (d99, s99, a99) = self.row(0.99);
        json!({
            "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            "throughput": {
                "concurrency": options.concurrency,
                "server_actions_per_s": self.server_tp.per_second().round(),
                "server_requests": self.server_tp.done,
                "server_failed": self.server_tp.failed,
                "server_cpu_us_per_action": (self.cpu_per_action_us() * 10.0).round() / 10.0,
                "stub_direct_requests_per_s": self.direct_tp.per_second().round(),
                "stub_direct_failed": self.direct_tp.failed,
            },
            "latency_at_rate": {
                "rate_per_s": options.rate,
                "samples": { "direct": self.direct_lat.len(), "server": self.server_lat.len() },
                "failed": { "direct": self.direct_failed, "server": self.server_failed },
                "p50_ms": { "direct": d50, "server": s50, "added": a50 },
                "p99_ms": { "direct": d99, "server": s99, "added": a99 },
            },
            "server_memory_kb": { "idle_rss": self.idle_rss, "peak_hwm": self.hwm, "rss_after": self.rss },
        })
    }

    fn summary(&self, label: &str, options: &Options) -> String {
        let (_, _, a50) = self.row(0.50);
        let (_, _, a99) = self.row(0.99);
        format!(
            "rpc bench{label}: {:.0} actions/s through the server ({:.0}/s direct, server CPU {:.1} µs per action), p50 added {a50:.3} ms, p99 added {a99:.3} ms at {}/s, server RSS peak {:.1} MB",
            self.server_tp.per_second(),
            self.direct_tp.per_second(),
            self.cpu_per_action_us(),
            options.rate,
            self.hwm as f64 / 1024.0
        )
    }
}

/// The medians of one configuration's runs.
struct Medians {
    actions_per_s: f64,
    cpu_us_per_action: f64,
    p99_added_ms: f64,
}

impl Medians {
    fn of(runs: &[Measured]) -> Self {
        let median = |value: &dyn Fn(&Measured) -> f64| {
            let mut values: Vec<f64> = runs.iter().map(value).collect();
            values.sort_by(f64::total_cmp);
            match values.len() {
                0 => 0.0,
                n if n % 2 == 1 => values[n / 2],
                n => (values[n / 2 - 1] + values[n / 2]) / 2.0,
            }
        };
        Self {
            actions_per_s: median(&|run| run.server_tp.per_second()),
            cpu_us_per_action: median(&Measured::cpu_per_action_us),
            p99_added_ms: median(&|run| run.row(0.99).2),
        }
    }
}

/// Where a server with its exports on sends them: an OTLP/HTTP endpoint
/// that accepts every batch, and a UDP socket that drains StatsD.
async fn start_telemetry_sinks() -> Result<(String, String), Error> {
    let app = axum::Router::new().route(
        "/v1/traces",
        axum::routing::post(|_: Bytes| async { axum::http::StatusCode::OK }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(bench_error)?;
    let otlp = format!("http://{}", listener.local_addr().map_err(bench_error)?);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let statsd = tokio::net::UdpSocket::bind("127.0.0.1:0")
        .await
        .map_err(bench_error)?;
    let statsd_addr = statsd.local_addr().map_err(bench_error)?.to_string();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65536];
        while statsd.recv(&mut buf).await.is_ok() {}
    });
    Ok((otlp, statsd_addr))
}

pub async fn run(matches: &ArgMatches) -> Result<(), Error> {
    let sub = match matches.subcommand() {
        Some(("rpc", sub)) => sub,
        Some(("quota", sub)) => return crate::quota_bench::run(sub).await,
        Some(("load", sub)) => return crate::load_bench::run(sub).await,
        Some(("tails", sub)) => return crate::tails_bench::run(sub).await,
        _ => return Err(Error::invalid_input("unknown benchmark")),
    };
    let get = |name: &str| *sub.get_one::<u64>(name).expect("defaulted");
    let options = Options {
        requests: get("requests") as usize,
        concurrency: get("concurrency").max(1) as usize,
        rate: get("rate").max(1),
        latency_requests: get("latency-requests") as usize,
        limit: Duration::from_secs(get("seconds").max(1)),
    };
    let stub = start_stub().await?;
    let dir = std::env::temp_dir().join(format!("scm-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(bench_error)?;
    let database_url = format!("sqlite://{}", dir.join("registry.db").display());
    let key = SecretBox::generate_key();
    let (key_id, secret, repo_id) = prepare_registry(&database_url, &key, stub).await?;

    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(options.concurrency * 2)
        .build()
        .map_err(bench_error)?;
    let measure = |env: Vec<(&'static str, String)>| {
        let (http, database_url, key, secret) = (&http, &database_url, &key, &secret);
        let (key_id, options) = (&key_id, &options);
        async move {
            let (server, base) = serve(http, database_url, key, &env).await?;
            let pid = server.child.id();
            let direct = Path::Direct {
                url: format!("http://{stub}/repos/octocat/hello-world/issues/1"),
            };
            let through = Path::Server {
                url: format!("{base}/v1/actions/get_issue"),
                key_id: key_id.clone(),
                secret: secret.clone(),
                repository: repo_id.to_string(),
            };
            // Warm up connections and caches on both paths.
            for _ in 0..200 {
                one(http, &through).await.map_err(bench_error)?;
                one(http, &direct).await.map_err(bench_error)?;
            }
            let (_, idle_rss) = memory_kb(pid);
            let cpu_before = cpu_time(pid);
            let server_tp = throughput(http, &through, options).await;
            let server_cpu = cpu_time(pid).saturating_sub(cpu_before);
            let direct_tp = throughput(http, &direct, options).await;
            let (direct_lat, direct_failed) = latencies(http, &direct, options).await;
            let (server_lat, server_failed) = latencies(http, &through, options).await;
            let (hwm, rss) = memory_kb(pid);
            drop(server);
            Ok::<_, Error>(Measured {
                server_tp,
                server_cpu,
                direct_tp,
                direct_lat,
                server_lat,
                direct_failed,
                server_failed,
                idle_rss,
                hwm,
                rss,
            })
        }
    };
    if !sub.get_flag("telemetry") {
        let off = measure(Vec::new()).await?;
        let _ = std::fs::remove_dir_all(&dir);
        println!(
            "{}",
            serde_json::to_string_pretty(&off.report(&options)).unwrap_or_default()
        );
        eprintln!("{}", off.summary("", &options));
        return Ok(());
    }
    // No export, each export alone, then both, measured in turn for every
    // round so that a drift of the machine touches all of them alike.
    let (otlp, statsd) = start_telemetry_sinks().await?;
    let otlp = ("SCM_OTLP_ENDPOINT", otlp);
    let statsd = ("SCM_STATSD_ADDR", statsd);
    let configurations = [
        ("exports_off", " (exports off)", vec![]),
        ("otlp_on", " (OTLP on)", vec![otlp.clone()]),
        ("statsd_on", " (StatsD on)", vec![statsd.clone()]),
        (
            "otlp_and_statsd_on",
            " (OTLP + StatsD on)",
            vec![otlp, statsd],
        ),
    ];
    let rounds = get("rounds").max(1);
    let mut measured: Vec<Vec<Measured>> = configurations.iter().map(|_| Vec::new()).collect();
    for round in 1..=rounds {
        for ((_, label, env), runs) in configurations.iter().zip(&mut measured) {
            let run = measure(env.clone()).await?;
            eprintln!("{} [round {round}]", run.summary(label, &options));
            runs.push(run);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let medians: Vec<Medians> = measured.iter().map(|runs| Medians::of(runs)).collect();
    let off = &medians[0];
    let mut report = serde_json::Map::new();
    report.insert("rounds".into(), json!(rounds));
    for (((name, label, _), runs), median) in configurations.iter().zip(&measured).zip(&medians) {
        let change_pct = 100.0 * (median.actions_per_s / off.actions_per_s - 1.0);
        eprintln!(
            "rpc bench{label}, median of {rounds}: {:.0} actions/s ({change_pct:+.1}% against exports off), server CPU {:.1} µs per action, p99 added {:.3} ms at {}/s",
            median.actions_per_s, median.cpu_us_per_action, median.p99_added_ms, options.rate
        );
        report.insert(
            (*name).into(),
            json!({
                "runs": runs.iter().map(|run| run.report(&options)).collect::<Vec<_>>(),
                "median": {
                    "actions_per_s": median.actions_per_s.round(),
                    "actions_per_s_change_pct_vs_off": (change_pct * 10.0).round() / 10.0,
                    "server_cpu_us_per_action": (median.cpu_us_per_action * 10.0).round() / 10.0,
                    "p99_added_ms": median.p99_added_ms,
                },
            }),
        );
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    Ok(())
}
