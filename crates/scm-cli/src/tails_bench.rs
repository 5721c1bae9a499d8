//! `scm bench tails`: latency tails of the server beside nginx.
//!
//! Starts the stub GitHub and `scm serve` of `scm bench rpc` (with an rpc0
//! secret), and nginx (Debian's `nginx`, found on `PATH` or in
//! `/usr/sbin`) as a reverse proxy to the same stub, all on 127.0.0.1. At
//! each of `--levels` concurrent callers (closed loop, `--requests`
//! requests or `--seconds`, whichever ends first), it measures three paths
//! to the same stub answer: signed rpc0 requests proxied by the server
//! (what nginx does, plus the signature check, the repository scope and
//! the provider's credentials and quota), signed RPC v1 `get_issue` calls
//! (all that, plus mapping the answer into the neutral issue and the JSON
//! envelope), and plain GETs through nginx. It prints p50/p90/p99 of each
//! and the ratio of each p99 to nginx's. nginx is the reference for what a
//! proxy in front of the same stub costs on the same machine at the same
//! moment.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Arg, ArgMatches, Command};
use scm_core::Error;
use scm_server::crypto::SecretBox;
use scm_server::rpc0::signature::sign;
use serde_json::json;

use crate::bench::{
    bench_error, free_port, ms, number, percentile, prepare_registry, serve, signed_get_issue,
    start_stub, Server,
};

pub fn command() -> Command {
    Command::new("tails")
        .about("p50/p90/p99 of rpc0 and RPC v1 beside an nginx reverse proxy to the same stub")
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

/// Signed rpc0 requests for the stub's issue: the body (and so its
/// signature) is the same for every request.
fn rpc0_get_issue(
    http: &reqwest::Client,
    base: &str,
    repo_id: i64,
    secret: &scm_core::Secret,
) -> Arc<dyn Fn() -> reqwest::RequestBuilder + Send + Sync> {
    let body = json!({"type": "action", "data": {"method": "GET", "path": "/repos/octocat/hello-world/issues/1"}})
        .to_string();
    let authorization = format!("rpcsignature rpc0:{}", sign(secret, body.as_bytes()));
    let (client, url) = (http.clone(), format!("{base}{}", scm_server::rpc0::PATH));
    Arc::new(move || {
        client
            .post(&url)
            .header("x-organization-id", "1")
            .header("x-repository-id", repo_id.to_string())
            .header("content-type", "application/json")
            .header("authorization", &authorization)
            .body(body.clone())
    })
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
    let rpc0_secret = SecretBox::generate_key();
    let (server, base) = serve(
        &http,
        &database_url,
        &key,
        &[("SCM_RPC0_SECRETS", rpc0_secret.expose().to_owned())],
    )
    .await?;
    let (nginx, nginx_url) = start_nginx(&http, &dir, stub).await?;

    let rpc_url = format!("{base}/v1/actions/get_issue");
    let repository = repo_id.to_string();
    let client = http.clone();
    let v1: Arc<dyn Fn() -> reqwest::RequestBuilder + Send + Sync> =
        Arc::new(move || signed_get_issue(&client, &rpc_url, &key_id, &secret, &repository, "1"));
    let rpc0 = rpc0_get_issue(&http, &base, repo_id, &rpc0_secret);
    let client = http.clone();
    let through_nginx: Arc<dyn Fn() -> reqwest::RequestBuilder + Send + Sync> =
        Arc::new(move || client.get(&nginx_url));
    let paths = [("rpc0", rpc0), ("v1", v1), ("nginx", through_nginx)];
    // Warm up connections and caches on every path.
    for (_, make) in &paths {
        closed_loop(most, most * 20, limit, make.clone()).await;
    }

    let mut rows = Vec::new();
    for &callers in &levels {
        let mut measured = Vec::new();
        for (name, make) in &paths {
            let (samples, failed) = closed_loop(callers, requests, limit, make.clone()).await;
            measured.push((*name, samples, failed));
        }
        let nginx = measured.iter().find(|(name, ..)| *name == "nginx");
        let nginx_p99 = nginx
            .map_or(0.0, |(_, samples, _)| ms(percentile(samples, 0.99)))
            .max(f64::MIN_POSITIVE);
        let mut row = serde_json::Map::new();
        row.insert("callers".into(), json!(callers));
        let mut line = format!("tails at {callers} callers:");
        for (name, samples, failed) in &measured {
            let p99 = ms(percentile(samples, 0.99));
            line += &format!(
                " {name} p50/p90/p99 {:.2}/{:.2}/{p99:.2} ms",
                ms(percentile(samples, 0.50)),
                ms(percentile(samples, 0.90)),
            );
            let mut entry = percentiles(samples, *failed);
            if *name != "nginx" {
                let ratio = p99 / nginx_p99;
                line += &format!(" (p99 {ratio:.2}× nginx's)");
                entry["p99_ratio_to_nginx"] = json!(ratio);
            }
            line.push(';');
            row.insert((*name).into(), entry);
        }
        eprintln!("{}", line.trim_end_matches(';'));
        rows.push(serde_json::Value::Object(row));
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
