//! `prism mock`: an HTTP server generated from an OpenAPI description.
//!
//! Why: our clients must send what the provider documents, not what we think
//! it accepts. Prism checks every request against the official description
//! (GitHub's, Bitbucket's) and answers `422` when a request breaks it, with
//! the reasons in an `sl-violations` response header. Answers are the
//! description's own examples, so prism checks requests, not our parsing of
//! responses (recorded traffic in [`crate::octokit`] does that).
//!
//! Things worth knowing (prism-cli 5.14.2):
//! - It takes about 8 s to load GitHub's description, so tests share one:
//!   [`Prism::shared_github`] starts it once per `cargo nextest run` (nextest
//!   runs each test in its own process; the first one starts prism and the
//!   others find it) or once per test binary under `cargo test`.
//! - It answers `406` to `Accept: application/vnd.github+json` alone; send
//!   [`GITHUB_ACCEPT`].
//! - It is started without `--errors`: some of GitHub's own examples violate
//!   its schemas, and response problems are not ours to fail on.
//! - Path parameters cannot contain `/`: a ref such as `heads/main` or a
//!   file path such as `dir/file.txt` only matches `/git/ref/{ref}` or
//!   `/contents/{path}` percent-encoded (`heads%2Fmain`); unencoded it is a
//!   `404` "no path matched". GitHub itself accepts both.
//! - It only produces the media types the description lists: a lone
//!   `Accept: application/vnd.github.raw+json` is a `406` too.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::paths;
use crate::process;

mod per_run;

/// `Accept` value for GitHub requests that prism can answer.
pub const GITHUB_ACCEPT: &str = "application/vnd.github+json, application/json";

/// Response header in which prism lists what was wrong with a request.
pub const VIOLATIONS_HEADER: &str = "sl-violations";

/// Base URL of an already running prism serving GitHub's description; when
/// set, [`Prism::shared_github`] uses it instead of starting its own.
pub const GITHUB_URL_ENV: &str = "SCM_PRISM_GITHUB_URL";

/// Log file of the instance named by [`GITHUB_URL_ENV`], if known.
pub const GITHUB_LOG_ENV: &str = "SCM_PRISM_GITHUB_LOG";

/// How long prism may take to answer after being started.
pub const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Why prism could not be started.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The OpenAPI description is not where it was said to be.
    #[error("OpenAPI description not found at {0}")]
    SpecMissing(PathBuf),
    /// Spawning the process or writing its log failed.
    #[error("could not start prism: {0}")]
    Io(#[from] io::Error),
    /// Prism exited before it answered.
    #[error("prism exited ({status}) before answering; log {log}:\n{tail}")]
    Exited {
        /// Exit status as printed by the OS.
        status: String,
        /// Log file.
        log: PathBuf,
        /// Last lines of the log.
        tail: String,
    },
    /// Prism did not answer within [`READY_TIMEOUT`].
    #[error("prism did not answer within {timeout:?}; log {log}:\n{tail}")]
    NotReady {
        /// How long we waited.
        timeout: Duration,
        /// Log file.
        log: PathBuf,
        /// Last lines of the log.
        tail: String,
    },
}

/// A running `prism mock` bound to 127.0.0.1.
///
/// Dropping it kills the process group. Prism is also killed if the test
/// process dies first (it is started with `PR_SET_PDEATHSIG`), so shared
/// instances kept in statics do not outlive the test binary.
#[derive(Debug)]
pub struct Prism {
    base_url: String,
    log_path: Option<PathBuf>,
    child: Option<Child>,
}

impl Prism {
    /// Start `prism mock` on a free port of 127.0.0.1 with the given
    /// description, and wait (up to [`READY_TIMEOUT`]) until it answers HTTP.
    ///
    /// Prism's output goes to `target/scm-testkit/prism/<spec>-<port>.log`.
    ///
    /// # Panics
    ///
    /// If `node_modules` is not installed (run `.ci/run` or `npm ci`).
    pub fn start(spec: &Path) -> Result<Prism, Error> {
        Prism::launch(spec, Launch::TiedToTestProcess)
    }

    fn launch(spec: &Path, how: Launch) -> Result<Prism, Error> {
        if !spec.is_file() {
            return Err(Error::SpecMissing(spec.to_path_buf()));
        }
        let prism = paths::node_package(".bin/prism");
        let log_dir = log_dir()?;
        let stem = spec
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "spec".to_owned());

        // The port is picked before prism binds it, so another process can
        // take it in between; prism then exits with EADDRINUSE and we retry.
        let mut attempt = 0;
        loop {
            attempt += 1;
            let port = free_port()?;
            let log_path = log_dir.join(format!("{stem}-{port}.log"));
            let log = File::create(&log_path)?;
            let mut command = match how {
                Launch::TiedToTestProcess => Command::new(&prism),
                Launch::WatchedBy(runner) => per_run::watchdog_command(runner, &prism),
            };
            command
                .args(["mock", "-h", "127.0.0.1", "-p", &port.to_string()])
                .arg(spec)
                .current_dir(paths::repo_root())
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log);
            let child = match how {
                Launch::TiedToTestProcess => process::spawn_tied_to_test_process(command)?,
                Launch::WatchedBy(_) => process::spawn_detached(command)?,
            };
            let mut prism = Prism {
                base_url: format!("http://127.0.0.1:{port}"),
                log_path: Some(log_path),
                child: Some(child),
            };
            match prism.wait_ready(port, READY_TIMEOUT) {
                Ok(()) => return Ok(prism),
                Err(Error::Exited { tail, .. }) if tail.contains("EADDRINUSE") && attempt < 3 => {
                    continue
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// One prism per description, started on first use and shared:
    ///
    /// - under `cargo nextest run` by every test process of the run (the
    ///   first starts it, detached and watched: it is killed when the nextest
    ///   runner exits; the others find it through a lock file under
    ///   `target/scm-testkit/prism/`);
    /// - otherwise by the tests of this binary (killed when it exits).
    ///
    /// A failed start is remembered, so later tests in the same process fail
    /// fast with the same message instead of waiting again.
    ///
    /// # Panics
    ///
    /// If prism cannot be started.
    pub fn shared(spec: &Path) -> &'static Prism {
        static SHARED: OnceLock<Mutex<HashMap<PathBuf, SharedSlot>>> = OnceLock::new();
        let slot: SharedSlot = {
            let mut map = SHARED
                .get_or_init(Default::default)
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            *map.entry(spec.to_path_buf())
                .or_insert_with(|| Box::leak(Box::default()))
        };
        let start = || match per_run::nextest_run() {
            Some(run) => per_run::acquire(spec, &run),
            None => Prism::start(spec),
        };
        match slot.get_or_init(|| start().map_err(|err| err.to_string())) {
            Ok(prism) => prism,
            Err(message) => panic!("prism for {}: {message}", spec.display()),
        }
    }

    /// The shared prism serving GitHub's description
    /// ([`paths::github_openapi_spec_for_prism`]).
    ///
    /// If `SCM_PRISM_GITHUB_URL` is set, that instance is used instead and
    /// nothing is started (`SCM_PRISM_GITHUB_LOG` names its log).
    ///
    /// # Panics
    ///
    /// If prism cannot be started or the description is not installed.
    pub fn shared_github() -> &'static Prism {
        static EXTERNAL: OnceLock<Option<Prism>> = OnceLock::new();
        let external = EXTERNAL.get_or_init(|| {
            let url = std::env::var(GITHUB_URL_ENV)
                .ok()
                .filter(|u| !u.is_empty())?;
            let log = std::env::var_os(GITHUB_LOG_ENV)
                .filter(|l| !l.is_empty())
                .map(PathBuf::from);
            Some(Prism::external(&url, log))
        });
        match external {
            Some(prism) => prism,
            None => Prism::shared(&paths::github_openapi_spec_for_prism()),
        }
    }

    /// Refer to a prism started elsewhere (nothing is killed on drop).
    pub fn external(base_url: &str, log_path: Option<PathBuf>) -> Prism {
        Prism {
            base_url: base_url.trim_end_matches('/').to_owned(),
            log_path,
            child: None,
        }
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `base_url` joined with a path that starts with `/`.
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_url)
    }

    /// Where prism's output is written, if known.
    pub fn log_path(&self) -> Option<&Path> {
        self.log_path.as_deref()
    }

    /// The last `lines` lines of prism's log.
    pub fn log_tail(&self, lines: usize) -> String {
        self.log_path
            .as_deref()
            .map(|p| tail(p, lines))
            .unwrap_or_default()
    }

    /// Error lines prism logged for the most recent request with this method
    /// and path (no query string; prism does not log it), such as
    /// `Request body must have required property 'title'` or an unmatched
    /// route. Violations of GitHub's own examples by prism's answers are left
    /// out. For a single response, prefer [`violations`] on its headers: the
    /// log is shared by concurrent tests.
    pub fn logged_errors(&self, method: &str, path: &str) -> Vec<String> {
        let Some(log) = self.log_path.as_deref() else {
            return Vec::new();
        };
        let text = strip_ansi(&std::fs::read_to_string(log).unwrap_or_default());
        let needle = format!("[HTTP SERVER] {} {path} ", method.to_ascii_lowercase());
        let lines: Vec<&str> = text.lines().collect();
        let Some(start) = lines
            .iter()
            .rposition(|l| l.contains(&needle) && l.contains("Request received"))
        else {
            return Vec::new();
        };
        lines[start + 1..]
            .iter()
            .take_while(|l| !(l.contains("[HTTP SERVER]") && l.contains("Request received")))
            .filter(|l| l.contains('✖') && !l.contains("Violation: response"))
            .map(|l| {
                l.split_once(" › ")
                    .map_or(*l, |(_, rest)| rest)
                    .trim()
                    .to_owned()
            })
            .collect()
    }

    fn wait_ready(&mut self, port: u16, timeout: Duration) -> Result<(), Error> {
        let deadline = Instant::now() + timeout;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let log = self.log_path.clone().unwrap_or_default();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Some(status) = child.try_wait()? {
                    self.child = None;
                    return Err(Error::Exited {
                        status: status.to_string(),
                        tail: tail(&log, 30),
                        log,
                    });
                }
            }
            if answers_http(addr) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                self.kill();
                return Err(Error::NotReady {
                    timeout,
                    tail: tail(&log, 30),
                    log,
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Forget the process without killing it (it ends by other means).
    fn detach(mut self) -> Prism {
        self.child = None;
        Prism {
            base_url: std::mem::take(&mut self.base_url),
            log_path: self.log_path.take(),
            child: None,
        }
    }

    fn kill(&mut self) {
        if let Some(child) = self.child.take() {
            process::kill_group(child);
        }
    }
}

impl Drop for Prism {
    fn drop(&mut self) {
        self.kill();
    }
}

type SharedSlot = &'static OnceLock<Result<Prism, String>>;

#[derive(Debug, Clone, Copy)]
enum Launch {
    /// Killed when the test process exits (or the `Prism` is dropped).
    TiedToTestProcess,
    /// Outlives the test process; killed when this process (the nextest
    /// runner) exits.
    WatchedBy(u32),
}

/// `target/scm-testkit/prism/`, with files older than a day removed (each
/// start writes a log, each nextest run a lock and a state file).
fn log_dir() -> io::Result<PathBuf> {
    let dir = paths::target_dir().join("scm-testkit/prism");
    std::fs::create_dir_all(&dir)?;
    let day = Duration::from_secs(24 * 60 * 60);
    for entry in std::fs::read_dir(&dir)?.filter_map(Result::ok) {
        let path = entry.path();
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        let ours = path
            .extension()
            .is_some_and(|e| e == "log" || e == "lock" || e == "run");
        if old && ours {
            let _ = std::fs::remove_file(path);
        }
    }
    Ok(dir)
}

/// One entry of prism's `sl-violations` header.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Violation {
    /// Where, e.g. `["request", "body", "title"]`.
    pub location: Vec<String>,
    /// `Error` or `Warning`.
    pub severity: String,
    /// The JSON Schema keyword or check that failed, e.g. `required`.
    #[serde(deserialize_with = "string_or_number")]
    pub code: String,
    /// Human readable, e.g. `Request body must have required property 'title'`.
    pub message: String,
}

impl Violation {
    /// Whether this is about our request (not about prism's answer).
    pub fn is_request(&self) -> bool {
        self.location.first().map(String::as_str) == Some("request")
    }
}

/// What was wrong with our request, from a prism response's headers (empty
/// if the request matched the description). This is what tests assert on.
pub fn request_violations(headers: &http::HeaderMap) -> Vec<Violation> {
    let mut found = violations(headers);
    found.retain(Violation::is_request);
    found
}

/// Everything prism reported in `sl-violations`, including problems of its
/// own answer: GitHub's examples do not always match GitHub's schemas (the
/// `GET /repos/{owner}/{repo}` example lacks `language`), which is not ours
/// to fix.
pub fn violations(headers: &http::HeaderMap) -> Vec<Violation> {
    headers
        .get_all(VIOLATIONS_HEADER)
        .iter()
        .filter_map(|value| serde_json::from_slice::<Vec<Violation>>(value.as_bytes()).ok())
        .flatten()
        .collect()
}

fn string_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    })
}

fn free_port() -> io::Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// Whether something on `addr` answers an HTTP request with a status line.
fn answers_http(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_secs(1)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let request = format!("GET / HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.")
}

fn tail(path: &Path, lines: usize) -> String {
    let text = strip_ansi(&std::fs::read_to_string(path).unwrap_or_default());
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_violations_header() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            VIOLATIONS_HEADER,
            http::HeaderValue::from_static(
                r#"[{"location":["request","body"],"severity":"Error","code":"required","message":"Request body must have required property 'title'"}]"#,
            ),
        );
        let found = request_violations(&headers);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location, ["request", "body"]);
        assert_eq!(found[0].code, "required");
    }

    #[test]
    fn strips_colour_codes() {
        assert_eq!(strip_ansi("\u{1b}[31mred\u{1b}[0m"), "red");
    }
}
