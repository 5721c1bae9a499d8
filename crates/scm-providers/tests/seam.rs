//! The seam between providers and everything else holds: no provider is
//! named outside its own crate and the one list, and every provider's
//! credential goes only to that provider's hosts.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use scm_core::actions::ActionKind;
use scm_core::credential::{Credential, CredentialKind};
use scm_core::layers::{ConnectOptions, RetryPolicy};
use scm_core::provider::CallContext;
use scm_core::registration::{connect_over, IntegrationSpec};
use scm_core::registry::RepositoryRecord;
use scm_core::transport::{Body, HttpRequest, HttpResponse, Transport};
use scm_core::{AnyAction, Error};
use scm_providers::PROVIDERS;

/// The crates that must stay provider-neutral.
const NEUTRAL_CRATES: &[&str] = &["scm-core", "scm-server", "scm-cli", "scm-rpc", "scm-stream"];

/// Header names and name fragments that belong to one provider or another
/// (besides each registered provider's name and default hosts, which the
/// test reads from the registrations themselves).
const PROVIDER_MARKERS: &[&str] = &[
    "x-ratelimit-",
    "ratelimit-limit",
    "ratelimit-remaining",
    "ratelimit-reset",
    "private-token",
    "x-github-",
    "x-gitlab-",
    "x-hub-signature",
    "x-event-key",
    "x-request-uuid",
    "x-auseername",
    "vnd.github",
];

/// Deliberate exceptions, each with its reason: (file below `crates/`,
/// marker, why).
const EXCEPTIONS: &[(&str, &str, &str)] = &[
    (
        "scm-stream/src/signature.rs",
        "x-hub-signature",
        "the platform signs deliveries to HTTP listeners with this header name, \
         chosen so listeners can reuse common webhook verifiers",
    ),
    (
        "scm-cli/src/events_cli.rs",
        "x-hub-signature",
        "the help text names the listener-signing header above",
    ),
    (
        "scm-cli/src/bench.rs",
        "*",
        "`scm bench rpc` measures the server against a local stub that answers \
         as GitHub's REST API does, so the real provider stack is exercised",
    ),
    (
        "scm-cli/src/quota_bench.rs",
        "*",
        "`scm bench quota` measures quota cost against a local stub that behaves \
         like GitHub (ETags, free 304s, rate-limit headers), as its issue asks",
    ),
    (
        "scm-cli/src/load_bench.rs",
        "*",
        "`scm bench load` posts signed GitHub webhooks beside its RPC calls, so \
         the real ingress (signature check, parse, enqueue) is under load",
    ),
];

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs")
            && path.file_name().is_some_and(|n| n != "tests.rs")
        {
            out.push(path);
        }
    }
}

/// The code of a source file that ships: without `//` comments (doc
/// comments may name providers, as examples) and without unit-test
/// modules.
fn shipped_code(text: &str) -> String {
    let mut code = String::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed == "#[cfg(test)]" {
            match lines.peek().map(|next| next.trim()) {
                // `mod tests;` points at a `tests.rs`, skipped above.
                Some(next) if next.starts_with("mod ") && next.ends_with(';') => {
                    lines.next();
                    continue;
                }
                // An inline test module runs to the end of the file.
                Some(next) if next.starts_with("mod ") => break,
                _ => {}
            }
        }
        if trimmed.starts_with("//") {
            continue;
        }
        code.push_str(line);
        code.push('\n');
    }
    code
}

fn markers() -> BTreeSet<String> {
    let mut markers: BTreeSet<String> = PROVIDER_MARKERS.iter().map(|m| m.to_string()).collect();
    for provider in PROVIDERS {
        markers.insert(provider.name().to_ascii_lowercase());
        if let Ok(endpoints) = provider.endpoints(None, None) {
            for url in [endpoints.api_url, endpoints.web_url] {
                let host = url::Url::parse(&url)
                    .ok()
                    .and_then(|u| u.host_str().map(str::to_owned));
                if let Some(host) = host {
                    markers.insert(host);
                }
            }
        }
    }
    markers
}

#[test]
fn no_provider_is_named_outside_its_crate_and_the_list() {
    let markers = markers();
    let mut findings = Vec::new();
    for krate in NEUTRAL_CRATES {
        let mut files = Vec::new();
        rust_files(&crates_dir().join(krate).join("src"), &mut files);
        assert!(!files.is_empty(), "no sources found for {krate}");
        for file in files {
            let relative = file
                .strip_prefix(crates_dir())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let code = shipped_code(&std::fs::read_to_string(&file).unwrap()).to_ascii_lowercase();
            for marker in &markers {
                let excepted = EXCEPTIONS
                    .iter()
                    .any(|(f, m, _)| *f == relative && (*m == "*" || marker.starts_with(m)));
                if !excepted && code.contains(marker.as_str()) {
                    let line = code
                        .lines()
                        .find(|l| l.contains(marker.as_str()))
                        .unwrap_or_default()
                        .trim()
                        .to_owned();
                    findings.push(format!("{relative}: `{marker}` in `{line}`"));
                }
            }
        }
    }
    assert!(
        findings.is_empty(),
        "provider-specific names outside the provider crates and the list:\n{}",
        findings.join("\n")
    );
    // Every exception still has something to excuse (stale ones go).
    for (file, marker, why) in EXCEPTIONS {
        let text = std::fs::read_to_string(crates_dir().join(file)).unwrap();
        let code = shipped_code(&text).to_ascii_lowercase();
        let used = if *marker == "*" {
            markers.iter().any(|m| code.contains(m.as_str()))
        } else {
            code.contains(marker)
        };
        assert!(used, "stale exception {file} ({why})");
    }
}

/// Records every request and answers 404 (no network).
#[derive(Default)]
struct Recorder {
    requests: Mutex<Vec<(String, String)>>,
}

#[async_trait]
impl Transport for Recorder {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let mut seen = String::new();
        for (name, value) in request.headers() {
            seen.push_str(name.as_str());
            seen.push('=');
            seen.push_str(&String::from_utf8_lossy(value.as_bytes()));
            seen.push('\n');
        }
        self.requests
            .lock()
            .unwrap()
            .push((request.uri().to_string(), seen));
        Ok(http::Response::builder()
            .status(404)
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap())
    }
}

const SECRET: &str = "cred-9f3b7e1d-only-for-its-provider";

fn credential_for(kinds: &[CredentialKind]) -> Credential {
    match kinds.first() {
        Some(CredentialKind::Basic) => Credential::Basic {
            username: "someone@example.com".into(),
            secret: SECRET.into(),
        },
        Some(CredentialKind::OAuth) => Credential::OAuth {
            token: SECRET.into(),
            refresh: None,
        },
        _ => Credential::token(SECRET),
    }
}

#[tokio::test]
async fn an_integration_without_urls_sends_its_credential_only_to_its_provider() {
    for provider in PROVIDERS {
        let Ok(defaults) = provider.endpoints(None, None) else {
            // No public service (a self-managed-only product): an
            // integration must name its URLs, which the registry refuses
            // to store without.
            continue;
        };
        let default_host = url::Url::parse(&defaults.api_url)
            .unwrap()
            .host_str()
            .unwrap()
            .to_owned();
        let recorder = Arc::new(Recorder::default());
        let spec = IntegrationSpec {
            api_url: None,
            web_url: None,
            credential: credential_for(provider.credential_kinds()),
        };
        let options = ConnectOptions {
            retry: RetryPolicy {
                max_attempts: 1,
                ..RetryPolicy::default()
            },
            ..ConnectOptions::default()
        };
        let instance = connect_over(*provider, &spec, options, recorder.clone()).unwrap();
        assert_eq!(instance.endpoints, defaults);
        let ctx = CallContext::new(
            Arc::new(RepositoryRecord::direct(provider.name(), "acme/widgets")),
            "seam-test",
        );
        // Every read or list the provider supports that needs no argument.
        for action in provider.capabilities().iter() {
            let argless = action.fields().iter().all(|f| f.optional);
            if argless && matches!(action.kind(), ActionKind::Read | ActionKind::List) {
                let any = AnyAction::from_json(action, serde_json::json!({})).unwrap();
                let _ = instance.provider.execute(any, &ctx).await;
            }
        }
        let requests = recorder.requests.lock().unwrap().clone();
        assert!(!requests.is_empty(), "{} sent nothing", provider.name());
        for (uri, headers) in &requests {
            let host = url::Url::parse(uri).unwrap().host_str().unwrap().to_owned();
            assert_eq!(
                host,
                default_host,
                "{} sent a request to {uri}",
                provider.name()
            );
            // Tokens travel as they are; basic credentials base64-encoded.
            let authenticated = headers.contains(SECRET)
                || headers
                    .to_ascii_lowercase()
                    .contains("authorization=basic ");
            assert!(
                authenticated,
                "{} sent {uri} without its credential",
                provider.name()
            );
        }
    }
}
