//! `scm bench tails`: latency tails of RPC v1 beside nginx.
//!
//! Starts the stub GitHub and `scm serve` of `scm bench rpc`, and nginx
//! (Debian's `nginx`, found on `PATH` or in `/usr/sbin`) as a reverse proxy
//! to the same stub, all on 127.0.0.1. At each of `--levels` concurrent
//! callers (closed loop, `--requests` requests or `--seconds`, whichever
//! ends first), it measures signed `get_issue` calls through the server and
//! plain GETs through nginx, and prints p50/p90/p99 of both and the ratio
//! of the p99s. nginx is the reference for what a proxy in front of the
//! same stub costs on the same machine at the same moment.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Arg, ArgMatches, Command};
use scm_core::Error;
use scm_server::crypto::SecretBox;
use serde_json::json;

use crate::bench::{
    bench_error, free_port, ms, number, percentile, prepare_registry, serve, signed_get_issue,
    start_stub, Server,
};

pub fn command() -> Command {
    Command::new("tails")
        .about("p50/p90/p99 of RPC v1 beside an nginx reverse proxy to the same stub")
        .arg(
            Arg::new("levels")
                .long("levels")
                .default_value("2,16,64")
                .help("Concurrent callers, comma-separated"),
        )
        .arg(number("requests", "20000", "Requests per path and level"))
        .arg(number("seconds", "15", "Time limit per path and level"))
}

/// nginx's configuration: one worker, keep-alive to the stub, no logs.
fn nginx_conf(dir: &std::path::Path, listen: u16, stub: std::net::SocketAddr) -> String {
    let dir = dir.display();
    format!(
        "daemon off;\nmaster_process off;\nworker_processes 1;\npid {dir}/nginx.pid;\n\
         error_log {dir}/error.log;\nevents {{ worker_connections 4096; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {dir}/body;\n  proxy_temp_path {dir}/proxy;\n\
         \x20 fastcgi_temp_path {dir}/fastcgi;\n  uwsgi_temp_path {dir}/uwsgi;\n  scgi_temp_path {dir}/scgi;\n\
         \x20 upstream stub {{ server {stub}; keepalive 128; }}\n\
         \x20 server {{\n    listen 127.0.0.1:{listen};\n    location / {{\n      proxy_pass http://stub;\n\
         \x20     proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n    }}\n  }}\n}}\n"
    )
}

fn nginx_binary() -> Result<std::path::PathBuf, Error> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .chain([std::path::PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("nginx"))
        .find(|candidate| candidate.is_file());
    on_path.ok_or_else(|| bench_error("nginx not found (Debian: apt-get install nginx)"))
}

/// Starts nginx in front of `stub`; waits until it answers.
async fn start_nginx(
    http: &reqwest::Client,
    dir: &std::path::Path,
    stub: std::net::SocketAddr,
) -> Result<(Server, String), Error> {
    let port = free_port()?;
    let conf = dir.join("nginx.conf");
    std::fs::write(&conf, nginx_conf(dir, port, stub)).map_err(bench_error)?;
    let child = std::process::Command::new(nginx_binary()?)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf)
        .arg("-e")
        .arg(dir.join("error.log"))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(bench_error)?;
    let nginx = Server { child };
    let url = format!("http://127.0.0.1:{port}/repos/octocat/hello-world/issues/1");
    let started = Instant::now();
    while http.get(&url).send().await.is_err() {
        if started.elapsed() > Duration::from_secs(10) {
            return Err(bench_error("nginx did not start"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok((nginx, url))
}

/// Closed loop: `callers` callers send `make()` requests until `requests`
/// were sent or `limit` passed; the sorted latencies and the failures.
async fn closed_loop(
    callers: usize,
    requests: usize,
    limit: Duration,
    make: Arc<dyn Fn() -> reqwest::RequestBuilder + Send + Sync>,
) -> (Vec<Duration>, usize) {
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + limit;
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (next, make) = (next.clone(), make.clone());
            tokio::spawn(async move {
                let (mut samples, mut failed) = (Vec::new(), 0);
                while next.fetch_add(1, Ordering::Relaxed) < requests && Instant::now() < deadline {
                    let started = Instant::now();
                    match make().send().await {
                        Ok(response) if response.status().is_success() => {
                            let _ = response.bytes().await;
                            samples.push(started.elapsed());
                        }
                        _ => failed += 1,
                    }
                }
                (samples, failed)
            })
        })
        .collect();
    let (mut all, mut failed) = (Vec::new(), 0);
    for task in tasks {
        if let Ok((samples, f)) = task.await {
            all.extend(samples);
            failed += f;
        }
    }
    all.sort();
    (all, failed)
}

fn percentiles(samples: &[Duration], failed: usize) -> serde_json::Value {
    json!({
        "requests": samples.len() + failed,
        "failed": failed,
        "p50_ms": ms(percentile(samples, 0.50)),
        "p90_ms": ms(percentile(samples, 0.90)),
        "p99_ms": ms(percentile(samples, 0.99)),
    })
}

pub async fn run(matches: &ArgMatches) -> Result<(), Error> {
    let levels: Vec<usize> = matches
        .get_one::<String>("levels")
        .expect("defaulted")
        .split(',')
        .map(|level| level.trim().parse::<usize>().map(|n| n.max(1)))
        .collect::<Result<_, _>>()
        .map_err(|_| Error::invalid_input("--levels: comma-separated numbers"))?;
    let requests = *matches.get_one::<u64>("requests").expect("defaulted") as usize;
    let limit = Duration::from_secs(*matches.get_one::<u64>("seconds").expect("defaulted"));
    let stub = start_stub().await?;
    let dir = std::env::temp_dir().join(format!("scm-tails-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(bench_error)?;
    let database_url = format!("sqlite://{}", dir.join("registry.db").display());
    let key = SecretBox::generate_key();
    let (key_id, secret, repo_id) = prepare_registry(&database_url, &key, stub).await?;
    let most = levels.iter().copied().max().unwrap_or(1);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(most * 2)
        .build()
        .map_err(bench_error)?;
    let (server, base) = serve(&http, &database_url, &key, &[]).await?;
    let (nginx, nginx_url) = start_nginx(&http, &dir, stub).await?;

    let rpc_url = format!("{base}/v1/actions/get_issue");
    let repository = repo_id.to_string();
    let client = http.clone();
    let through_server: Arc<dyn Fn() -> reqwest::RequestBuilder + Send + Sync> =
        Arc::new(move || signed_get_issue(&client, &rpc_url, &key_id, &secret, &repository, "1"));
    let client = http.clone();
    let through_nginx: Arc<dyn Fn() -> reqwest::RequestBuilder + Send + Sync> =
        Arc::new(move || client.get(&nginx_url));
    // Warm up connections and caches on both paths.
    closed_loop(most, most * 20, limit, through_server.clone()).await;
    closed_loop(most, most * 20, limit, through_nginx.clone()).await;

    let mut rows = Vec::new();
    for &callers in &levels {
        let (server_lat, server_failed) =
            closed_loop(callers, requests, limit, through_server.clone()).await;
        let (nginx_lat, nginx_failed) =
            closed_loop(callers, requests, limit, through_nginx.clone()).await;
        let ratio = ms(percentile(&server_lat, 0.99))
            / ms(percentile(&nginx_lat, 0.99)).max(f64::MIN_POSITIVE);
        eprintln!(
            "tails at {callers} callers: server p50/p90/p99 {:.2}/{:.2}/{:.2} ms, nginx {:.2}/{:.2}/{:.2} ms, p99 ratio {ratio:.2}",
            ms(percentile(&server_lat, 0.50)),
            ms(percentile(&server_lat, 0.90)),
            ms(percentile(&server_lat, 0.99)),
            ms(percentile(&nginx_lat, 0.50)),
            ms(percentile(&nginx_lat, 0.90)),
            ms(percentile(&nginx_lat, 0.99)),
        );
        rows.push(json!({
            "callers": callers,
            "server": percentiles(&server_lat, server_failed),
            "nginx": percentiles(&nginx_lat, nginx_failed),
            "p99_ratio": ratio,
        }));
    }
    drop(nginx);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    let report = json!({
        "cores": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        "levels": rows,
    });
    println!(
        "{}",
        serde_json::to_string_pretty(&report).unwrap_or_default()
    );
    Ok(())
}
