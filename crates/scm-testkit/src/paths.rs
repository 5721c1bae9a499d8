//! Where the test material lives.
//!
//! Two kinds of material, both required:
//!
//! - npm packages (`node_modules/`) and GitHub's OpenAPI description
//!   (`.cache/openapi/`) are installed by `.ci/run`.
//! - The third-party corpus (`../shared/corpus`, or `$SCM_CORPUS_DIR`) lives
//!   outside the repository.
//!
//! If either is missing, the helpers here panic and say how to fix it
//! rather than letting tests pass without having checked anything: a
//! skipped test is not a passing one.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Environment variable that points at the third-party corpus.
pub const CORPUS_DIR_ENV: &str = "SCM_CORPUS_DIR";

/// The workspace root: the nearest ancestor of this crate whose `Cargo.toml`
/// declares `[workspace]`.
///
/// Found from this crate's manifest directory rather than the current
/// directory, because `cargo test` and `cargo nextest` run test binaries from
/// the directory of the crate under test, not the workspace root.
pub fn repo_root() -> &'static Path {
    static ROOT: OnceLock<PathBuf> = OnceLock::new();
    ROOT.get_or_init(|| {
        let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
        manifest_dir
            .ancestors()
            .find(|dir| {
                std::fs::read_to_string(dir.join("Cargo.toml"))
                    .map(|text| text.lines().any(|line| line.trim() == "[workspace]"))
                    .unwrap_or(false)
            })
            .unwrap_or_else(|| {
                panic!(
                    "no Cargo.toml with [workspace] above {}",
                    manifest_dir.display()
                )
            })
            .to_path_buf()
    })
}

/// Cargo's target directory (`$CARGO_TARGET_DIR`, else `<repo_root>/target`).
///
/// Logs of helper processes (prism) go under `target/scm-testkit/` so they are
/// kept next to the build and cleaned with it.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => repo_root().join(dir),
        _ => repo_root().join("target"),
    }
}

/// `<repo_root>/node_modules`, installed by `npm ci` from the pinned lockfile.
///
/// # Panics
///
/// If it does not exist: the checkout has not been set up.
pub fn node_modules() -> PathBuf {
    require_installed(repo_root().join("node_modules"), "node_modules")
}

/// A path inside `node_modules` (for example `@octokit/fixtures`).
///
/// # Panics
///
/// If it does not exist.
pub fn node_package(relative: impl AsRef<Path>) -> PathBuf {
    let relative = relative.as_ref();
    require_installed(
        node_modules().join(relative),
        &relative.display().to_string(),
    )
}

/// GitHub's official OpenAPI description, unmodified
/// (`.cache/openapi/api.github.com.json`, from `.ci/fetch-github-openapi`).
///
/// # Panics
///
/// If it has not been fetched.
pub fn github_openapi_spec() -> PathBuf {
    require_installed(
        repo_root().join(".cache/openapi/api.github.com.json"),
        "GitHub's OpenAPI description",
    )
}

/// The copy of GitHub's description that prism is started with
/// (`.cache/openapi/api.github.com.prism.json`).
///
/// It differs only in how schemas that are `nullable` without a `type` are
/// spelled: prism cannot compile those and would silently skip validating
/// request bodies that use them (issue create and update among them). See
/// `.ci/prism-compatible-openapi.js`.
///
/// # Panics
///
/// If it has not been fetched.
pub fn github_openapi_spec_for_prism() -> PathBuf {
    require_installed(
        repo_root().join(".cache/openapi/api.github.com.prism.json"),
        "GitHub's OpenAPI description (prism copy)",
    )
}

/// A file or folder inside the third-party corpus (`$SCM_CORPUS_DIR` if
/// set, else `<repo_root>/../shared/corpus`).
///
/// ```no_run
/// let dir = scm_testkit::paths::corpus("gitlab/webhooks");
/// # let _ = dir;
/// ```
///
/// # Panics
///
/// If it is not there.
pub fn corpus(relative: impl AsRef<Path>) -> PathBuf {
    let relative = relative.as_ref();
    let path = corpus_dir_candidate().join(relative);
    assert!(
        path.exists(),
        "{} not found at {}: the third-party corpus is needed (set {CORPUS_DIR_ENV})",
        relative.display(),
        path.display()
    );
    path
}

fn corpus_dir_candidate() -> PathBuf {
    match std::env::var_os(CORPUS_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => repo_root().join("../shared/corpus"),
    }
}

fn require_installed(path: PathBuf, what: &str) -> PathBuf {
    if !path.exists() {
        panic!(
            "{what} not found at {}: run .ci/run (or `npm ci && .ci/fetch-github-openapi` \
             at the repository root) to install the pinned test material",
            path.display()
        );
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repo_root_holds_the_workspace_manifest() {
        let root = repo_root();
        assert!(root.join("Cargo.toml").is_file());
        assert!(root.join("crates/scm-testkit").is_dir());
    }

    #[test]
    #[should_panic(expected = "the third-party corpus is needed")]
    fn a_missing_corpus_entry_fails() {
        corpus("no/such/entry");
    }
}
