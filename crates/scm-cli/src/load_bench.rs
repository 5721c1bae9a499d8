//! `scm bench load`: well-behaved clients beside slow and stalled
//! connections.
//!
//! Starts the same stub GitHub, registry and `scm serve` as `scm bench
//! rpc` (with a GitHub webhook secret and a queue of its own), then runs
//! the same well-behaved workload twice: `--clients` concurrent clients,
//! each alternating a signed `get_issue` call and a signed GitHub webhook
//! delivery, for `--seconds`. The first run is alone; during the second,
//! `--attackers` connections misbehave the whole time, reconnecting when
//! the server closes them:
//!
//! - half a request head, then nothing;
//! - a connection that sends nothing;
//! - a webhook whose declared 1 MiB body arrives at one byte a second
//!   after its first 64 KiB (the body timeout ends it);
//! - an unauthenticated RPC call whose declared 1 MiB body stalls after
//!   its first 64 KiB (refused before the body, from its headers).
//!
//! It prints the clients' errors and p50/p90/p99 of both runs, the ratio
//! of the p99s, and the server's peak memory (`VmHWM`), and fails when a
//! well-behaved request failed, the loaded p99 is over twice the unloaded
//! one, or the peak memory is over `--max-memory-mib`. Everything binds
//! 127.0.0.1 and is bounded in time.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{ArgMatches, Command};
use scm_core::{Error, Secret};
use scm_server::crypto::SecretBox;
use serde_json::json;
use tokio::io::AsyncWriteExt;

use crate::bench::{
    bench_error, memory_kb, ms, number, percentile, prepare_registry, serve, signed_get_issue,
    start_stub,
};

pub fn command() -> Command {
    Command::new("load")
        .about("Well-behaved clients beside slow and stalled connections")
        .arg(number("clients", "64", "Concurrent well-behaved clients"))
        .arg(number(
            "attackers",
            "500",
            "Slow or stalled connections held during the loaded run",
        ))
        .arg(number("seconds", "15", "Length of each run"))
        .arg(number(
            "max-memory-mib",
            "256",
            "The server's peak memory (VmHWM) may not exceed this",
        ))
}

struct Options {
    clients: usize,
    attackers: usize,
    length: Duration,
    max_memory_kb: u64,
}

/// A GitHub `ping` delivery: verified like every delivery, answered
/// without an event.
const PING: &[u8] = br#"{"zen":"Keep it logically awesome.","hook_id":1}"#;

/// What the well-behaved clients call.
#[derive(Clone)]
struct Target {
    base: String,
    key_id: String,
    secret: Secret,
    repository: String,
    webhook_secret: Secret,
}

impl Target {
    fn webhook(&self, http: &reqwest::Client, delivery: usize) -> reqwest::RequestBuilder {
        let signature = scm_core::events::signature::sign_sha256_hex(&self.webhook_secret, PING);
        http.post(format!("{}/webhooks/github", self.base))
            .header("content-type", "application/json")
            .header("x-github-event", "ping")
            .header("x-github-delivery", format!("load-{delivery}"))
            .header("x-hub-signature-256", signature)
            .body(PING)
    }

    fn rpc(&self, http: &reqwest::Client) -> reqwest::RequestBuilder {
        signed_get_issue(
            http,
            &format!("{}/v1/actions/get_issue", self.base),
            &self.key_id,
            &self.secret,
            &self.repository,
            "1",
        )
    }
}

/// The well-behaved clients' latencies and failures over one run.
struct Run {
    samples: Vec<Duration>,
    failed: usize,
    first_failure: Option<String>,
}

impl Run {
    fn summary(&self) -> serde_json::Value {
        json!({
            "requests": self.samples.len() + self.failed,
            "failed": self.failed,
            "first_failure": self.first_failure,
            "p50_ms": ms(percentile(&self.samples, 0.50)),
            "p90_ms": ms(percentile(&self.samples, 0.90)),
            "p99_ms": ms(percentile(&self.samples, 0.99)),
        })
    }
}

async fn well_behaved(http: &reqwest::Client, target: &Target, options: &Options) -> Run {
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + options.length;
    let clients: Vec<_> = (0..options.clients)
        .map(|_| {
            let (http, target, next) = (http.clone(), target.clone(), next.clone());
            tokio::spawn(async move {
                let mut samples = Vec::new();
                let mut failures = Vec::new();
                while Instant::now() < deadline {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let request = if n % 2 == 0 {
                        target.rpc(&http)
                    } else {
                        target.webhook(&http, n)
                    };
                    let started = Instant::now();
                    match request.send().await {
                        Ok(response) if response.status().is_success() => {
                            let _ = response.bytes().await;
                            samples.push(started.elapsed());
                        }
                        Ok(response) => failures.push(format!("HTTP {}", response.status())),
                        Err(err) => failures.push(err.without_url().to_string()),
                    }
                }
                (samples, failures)
            })
        })
        .collect();
    let mut run = Run {
        samples: Vec::new(),
        failed: 0,
        first_failure: None,
    };
    for client in clients {
        if let Ok((samples, failures)) = client.await {
            run.samples.extend(samples);
            run.failed += failures.len();
            if run.first_failure.is_none() {
                run.first_failure = failures.into_iter().next();
            }
        }
    }
    run.samples.sort();
    run
}

/// How one misbehaving connection misbehaves.
#[derive(Clone, Copy)]
enum Misbehaviour {
    HalfHead,
    Silent,
    TricklingWebhook,
    StalledRpc,
}

impl Misbehaviour {
    const ALL: [Misbehaviour; 4] = [
        Misbehaviour::HalfHead,
        Misbehaviour::Silent,
        Misbehaviour::TricklingWebhook,
        Misbehaviour::StalledRpc,
    ];

    /// One connection's life: open, misbehave until the server closes it
    /// (a write fails) or `stop` is set.
    async fn once(self, address: &str, stop: &AtomicBool) -> std::io::Result<()> {
        let mut stream = tokio::net::TcpStream::connect(address).await?;
        let declared = 1024 * 1024;
        let head = match self {
            Misbehaviour::HalfHead => "POST /v1/actions/get_issue HTTP/1.1\r\nHost: load\r\n".into(),
            Misbehaviour::Silent => String::new(),
            Misbehaviour::TricklingWebhook => format!(
                "POST /webhooks/github HTTP/1.1\r\nHost: load\r\ncontent-type: application/json\r\n\
                 x-github-event: push\r\nx-github-delivery: slow\r\n\
                 x-hub-signature-256: sha256={}\r\ncontent-length: {declared}\r\n\r\n",
                "0".repeat(64)
            ),
            Misbehaviour::StalledRpc => format!(
                "POST /v1/actions/get_issue HTTP/1.1\r\nHost: load\r\ncontent-type: application/json\r\n\
                 x-scm-key-id: key_unknown\r\nx-scm-timestamp: 0\r\nx-scm-nonce: 0000000000000000\r\n\
                 x-scm-organization: 1\r\nx-scm-repository: 1\r\nx-scm-signature: v1={}\r\n\
                 content-length: {declared}\r\n\r\n",
                "0".repeat(64)
            ),
        };
        stream.write_all(head.as_bytes()).await?;
        if matches!(
            self,
            Misbehaviour::TricklingWebhook | Misbehaviour::StalledRpc
        ) {
            stream.write_all(&vec![b' '; 64 * 1024]).await?;
        }
        while !stop.load(Ordering::Relaxed) {
            tokio::time::sleep(Duration::from_secs(1)).await;
            match self {
                Misbehaviour::TricklingWebhook => stream.write_all(b" ").await?,
                // A zero-length write does not probe the connection; a
                // peek at what the server sent (its 408/4xx, or the close)
                // does.
                _ => {
                    let mut buf = [0u8; 1];
                    let closed = tokio::time::timeout(Duration::ZERO, stream.peek(&mut buf))
                        .await
                        .is_ok();
                    if closed {
                        return Ok(());
                    }
                }
            }
        }
        Ok(())
    }
}

/// Holds `count` misbehaving connections until `stop`; returns how many
/// connections were opened in all.
fn attack(
    address: String,
    count: usize,
    stop: Arc<AtomicBool>,
) -> Vec<tokio::task::JoinHandle<usize>> {
    (0..count)
        .map(|i| {
            let (address, stop) = (address.clone(), stop.clone());
            let how = Misbehaviour::ALL[i % Misbehaviour::ALL.len()];
            tokio::spawn(async move {
                let mut opened = 0;
                while !stop.load(Ordering::Relaxed) {
                    opened += 1;
                    if how.once(&address, &stop).await.is_err() {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
                opened
            })
        })
        .collect()
}

pub async fn run(matches: &ArgMatches) -> Result<(), Error> {
    let get = |name: &str| *matches.get_one::<u64>(name).expect("defaulted");
    let options = Options {
        clients: get("clients").max(1) as usize,
        attackers: get("attackers") as usize,
        length: Duration::from_secs(get("seconds").max(1)),
        max_memory_kb: get("max-memory-mib") * 1024,
    };
    let stub = start_stub().await?;
    let dir = std::env::temp_dir().join(format!("scm-load-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(bench_error)?;
    let database_url = format!("sqlite://{}", dir.join("registry.db").display());
    let key = SecretBox::generate_key();
    let (key_id, secret, repo_id) = prepare_registry(&database_url, &key, stub).await?;
    let webhook_secret = SecretBox::generate_key();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(options.clients * 2)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(bench_error)?;
    let env = [
        (
            "SCM_WEBHOOKS_GITHUB_SECRETS",
            webhook_secret.expose().to_owned(),
        ),
        (
            "SCM_QUEUE_PATH",
            dir.join("events.db").display().to_string(),
        ),
    ];
    let (server, base) = serve(&http, &database_url, &key, &env).await?;
    let pid = server.child.id();
    let target = Target {
        base: base.clone(),
        key_id,
        secret,
        repository: repo_id.to_string(),
        webhook_secret,
    };
    // Warm up connections and caches.
    for n in 0..100 {
        for request in [target.rpc(&http), target.webhook(&http, n)] {
            let response = request.send().await.map_err(bench_error)?;
            if !response.status().is_success() {
                return Err(bench_error(format!("warm-up: HTTP {}", response.status())));
            }
        }
    }

    let alone = well_behaved(&http, &target, &options).await;
    let stop = Arc::new(AtomicBool::new(false));
    let address = base.trim_start_matches("http://").to_owned();
    let attackers = attack(address, options.attackers, stop.clone());
    // Let the misbehaving connections open before measuring.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let loaded = well_behaved(&http, &target, &options).await;
    stop.store(true, Ordering::Relaxed);
    let mut opened = 0;
    for attacker in attackers {
        opened += attacker.await.unwrap_or(0);
    }
    let (hwm, rss) = memory_kb(pid);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);

    let p99 = |run: &Run| ms(percentile(&run.samples, 0.99));
    let ratio = p99(&loaded) / p99(&alone).max(f64::MIN_POSITIVE);
    let passed =
        alone.failed == 0 && loaded.failed == 0 && ratio <= 2.0 && hwm <= options.max_memory_kb;
    let report = json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "clients": options.clients,
        "attackers": options.attackers,
        "attacker_connections_opened": opened,
        "seconds_per_run": options.length.as_secs(),
        "alone": alone.summary(),
        "beside_attackers": loaded.summary(),
        "p99_ratio": ratio,
        "server_memory_kb": { "peak_hwm": hwm, "rss_after": rss, "bound": options.max_memory_kb },
        "passed": passed,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    eprintln!(
        "load bench: {} clients, p99 {:.2} ms alone, {:.2} ms beside {} attackers (x{ratio:.2}), {} failed, server peak {:.1} MiB",
        options.clients,
        p99(&alone),
        p99(&loaded),
        options.attackers,
        alone.failed + loaded.failed,
        hwm as f64 / 1024.0
    );
    if passed {
        Ok(())
    } else {
        Err(bench_error(
            "the well-behaved clients failed, slowed past 2x, or the server's memory passed its bound",
        ))
    }
}
