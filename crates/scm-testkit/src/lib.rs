//! Test support for the SCM platform: real provider material, served locally.
//!
//! No test should rely only on what we wrote ourselves. This crate gives
//! tests in other crates (as a dev-dependency) access to:
//!
//! - [`prism`]: `prism mock` serving an official OpenAPI description, which
//!   rejects with `422` any request that breaks the description;
//! - [`octokit`]: GitHub traffic recorded by `@octokit/fixtures`, and a
//!   [`ReplayServer`] that serves it back;
//! - [`webhooks`]: GitHub's example webhook payloads;
//! - [`hook_log`]: a stand-in for GitHub's webhook delivery log (ours: it
//!   sends, records and redelivers like GitHub; its answers have the
//!   shape of GitHub's OpenAPI `hook-delivery-item`);
//! - [`gitlab_hook_log`]: the same for a GitLab project hook's event log
//!   (ours, shaped after GitLab's API documentation: resends keep the
//!   `Idempotency-Key` and get a new `X-Gitlab-Event-UUID`);
//! - [`paths`]: where all of that lives, including the third-party
//!   GitLab/Bitbucket corpus outside the repository;
//! - [`bench`](mod@bench): a transport answering with one fixed page, and pages of
//!   repeated real items, for the providers' list-page benches.
//!
//! The npm material is installed by `.ci/run` (`npm ci` from the pinned
//! lockfile, then `.ci/fetch-github-openapi`). Everything binds to 127.0.0.1
//! only.

pub mod bench;
pub mod gitlab_hook_log;
pub mod hook_log;
pub mod loopback;
pub mod octokit;
pub mod paths;
pub mod prism;
mod process;
pub mod webhooks;

pub use octokit::{ReplayServer, Scenario};
pub use prism::Prism;
pub use process::KillOnDrop;
