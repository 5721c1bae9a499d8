//! `scm integration add` stores only integrations that can work: a
//! registered provider, a usable credential, a unique name, and the
//! provider's own URLs when none are given.

use std::process::{Command, Output};

use scm_cli::providers::PROVIDERS;

struct Registry {
    dir: tempfile::TempDir,
}

impl Registry {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn scm(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_scm"))
            .args(args)
            .env(
                "SCM_DATABASE_URL",
                format!("sqlite://{}", self.dir.path().join("r.db").display()),
            )
            .env(
                "SCM_SECRET_KEY",
                "0000000000000000000000000000000000000000000000000000000000000000",
            )
            .env_remove("SCM_INTEGRATION_TOKEN")
            .output()
            .unwrap()
    }

    fn list(&self) -> Vec<serde_json::Value> {
        let out = self.scm(&["integration", "list"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<Vec<serde_json::Value>>(&out.stdout).unwrap()
    }
}

fn error_detail(out: &Output) -> String {
    assert!(!out.status.success());
    let err: serde_json::Value = serde_json::from_slice(&out.stderr).unwrap_or_else(|_| {
        panic!(
            "not a coded error: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(err["errors"][0]["code"], "invalid_input");
    err["errors"][0]["detail"].as_str().unwrap().to_owned()
}

#[test]
fn each_provider_without_urls_stores_its_own_public_bases() {
    let registry = Registry::new();
    let mut expected = Vec::new();
    for provider in PROVIDERS {
        let Ok(defaults) = provider.endpoints(None, None) else {
            continue;
        };
        let name = format!("{}-default", provider.name());
        let out = registry.scm(&[
            "integration",
            "add",
            "--provider",
            provider.name(),
            "--name",
            &name,
            "--token",
            "t0ken-value",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        expected.push((provider.name(), defaults.api_url, defaults.web_url));
    }
    let listed = registry.list();
    assert_eq!(listed.len(), expected.len());
    for (row, (provider, api, web)) in listed.iter().zip(&expected) {
        assert_eq!(row["provider"], *provider);
        assert_eq!(row["api_url"], *api);
        assert_eq!(row["web_url"], *web);
        assert_eq!(row["credentials_kind"], "token");
    }
    assert!(
        !String::from_utf8_lossy(&registry.scm(&["integration", "list"]).stdout)
            .contains("t0ken-value")
    );
}

#[test]
fn a_self_managed_web_url_gives_the_api_url() {
    let registry = Registry::new();
    let out = registry.scm(&[
        "integration",
        "add",
        "--provider",
        "gitlab",
        "--name",
        "self-managed",
        "--web-url",
        "https://gitlab.example.com/prefix/",
        "--token",
        "t",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = registry.list();
    assert_eq!(
        listed[0]["api_url"],
        "https://gitlab.example.com/prefix/api/v4"
    );
    assert_eq!(listed[0]["web_url"], "https://gitlab.example.com/prefix");
}

#[test]
fn unknown_providers_blank_tokens_and_taken_names_store_nothing() {
    let registry = Registry::new();
    let add = |provider: &str, name: &str, token: &str| {
        registry.scm(&[
            "integration",
            "add",
            "--provider",
            provider,
            "--name",
            name,
            "--token",
            token,
        ])
    };
    let detail = error_detail(&add("gitlub", "x", "t"));
    assert!(detail.contains("unknown provider `gitlub`"), "{detail}");
    for provider in PROVIDERS {
        assert!(detail.contains(provider.name()), "{detail}");
    }
    for blank in ["", "   "] {
        let detail = error_detail(&add("gitlab", "x", blank));
        assert!(detail.contains("token is empty"), "{detail}");
    }
    let detail =
        error_detail(&registry.scm(&["integration", "add", "--provider", "gitlab", "--name", "x"]));
    assert!(detail.contains("give one credential"), "{detail}");
    let detail = error_detail(&registry.scm(&[
        "integration",
        "add",
        "--provider",
        "gitlab",
        "--name",
        "x",
        "--oauth",
        "--oauth-refresh-token",
        "r",
        "--oauth-client-id",
        "c",
        "--oauth-client-secret",
        "s",
    ]));
    assert!(detail.contains("does not refresh"), "{detail}");
    assert!(registry.list().is_empty());
    assert!(add("gitlab", "acme", "t").status.success());
    let detail = error_detail(&add("github", "acme", "t"));
    assert!(detail.contains("exists already"), "{detail}");
    assert_eq!(registry.list().len(), 1);
}

#[test]
fn direct_actions_refuse_blank_tokens_before_any_request() {
    let out = Command::new(env!("CARGO_BIN_EXE_scm"))
        .args(["gitlab", "get_issue", "--repo", "g/p", "--issue-id", "1"])
        .env("GITLAB_TOKEN", "")
        .output()
        .unwrap();
    let detail = error_detail(&out);
    assert!(
        detail.contains("give one credential") || detail.contains("token is empty"),
        "{detail}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_scm"))
        .args(["gitlub", "get_issue"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
