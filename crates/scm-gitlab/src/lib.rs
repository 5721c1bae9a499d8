//! The GitLab provider: GitLab.com and self-managed instances (http or
//! https, with or without a path prefix), through REST API v4.
//!
//! - [`GitLab`] implements [`scm_core::Provider`]; the actions it supports
//!   are listed once in the `provider_actions!` call below, which derives
//!   both dispatch and capabilities. Anything not listed is reported
//!   unsupported without a request.
//! - Repositories are named by numeric project id or by
//!   `group/subgroup/project` path, sent percent-encoded (`%2F`).
//! - [`webhooks`] verifies and parses GitLab webhooks; `proxy` sends rpc0's
//!   raw requests, scoped to the project.
//!
//! GitLab has no objects for some neutral concepts; the mapping is:
//! merge requests are pull requests (`iid` is the id), notes are comments,
//! discussions on the diff are review threads, award emoji are reactions,
//! a reviewer's state on a merge request (approved, requested changes,
//! reviewed) is that reviewer's review (its id is the reviewer's user id),
//! project and group hooks are the `repository` and `organization` hook
//! sources (their event log is the delivery list),
//! pipelines are workflow runs and check suites, jobs are workflow jobs,
//! and commit statuses (which include CI jobs) are check runs.
//!
//! # Connecting
//!
//! GitLab.com by default; a self-managed instance by its web URL (the API
//! base is derived). Tokens go in `PRIVATE-TOKEN`, OAuth tokens
//! (`Credential::OAuth`) as bearer tokens.
//! The platform builds the provider from an integration's settings through
//! [`REGISTRATION`] and `scm_core::registration::connect`, which adds every
//! layer (tracing, metrics, retry, quota, cache) around it. Building makes
//! no request; neither do web URL actions:
//!
//! ```
//! use scm_core::actions::GetGitRemote;
//! use scm_core::layers::ConnectOptions;
//! use scm_core::registration::{connect, IntegrationSpec};
//! use scm_core::registry::RepositoryRecord;
//! use scm_core::{Credential, SourceCodeManager};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> scm_core::Result<()> {
//! let settings = IntegrationSpec {
//!     // A self-managed instance by its web URL; the API base is derived.
//!     api_url: None,
//!     web_url: Some("https://gitlab.example.com".into()),
//!     credential: Credential::token("a-project-access-token"),
//! };
//! let instance = connect(&scm_gitlab::REGISTRATION, &settings, ConnectOptions::default())?;
//! assert_eq!(instance.endpoints.api_url, "https://gitlab.example.com/api/v4");
//!
//! let scm = SourceCodeManager::for_repository(
//!     instance.provider,
//!     RepositoryRecord::direct("gitlab", "platform/backend/api"),
//!     "docs",
//! );
//! let remote = scm.execute(GetGitRemote {}).await?.into_data().unwrap();
//! assert_eq!(remote.https_url, "https://gitlab.example.com/platform/backend/api.git");
//! # Ok(())
//! # }
//! ```

mod actions;
pub mod auth;
mod checks;
mod client;
mod config;
pub mod diff;
pub mod emoji;
mod pagination;
mod proxy;
pub mod rate_limits;
pub mod registration;
mod schema;
pub mod status;
pub mod webhooks;

use std::sync::Arc;

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::http_util::{encode_path, encode_segment};
use scm_core::provider::CallContext;
use scm_core::transport::Transport;
use scm_core::{AnyAction, AnyOutput, CapabilitySet, Error, Provider, Response};

pub use config::{GitLabConfig, TokenKind};
pub use registration::{GitLabRegistration, REGISTRATION};

/// The GitLab provider.
pub struct GitLab {
    config: GitLabConfig,
    transport: Arc<dyn Transport>,
}

impl std::fmt::Debug for GitLab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitLab")
            .field("api_url", &self.config.api_url)
            .field("web_url", &self.config.web_url)
            .field("token_kind", &self.config.token_kind)
            .finish_non_exhaustive()
    }
}

impl GitLab {
    /// A provider sending through `transport` with only authentication
    /// added (no retry or quota): for tests and custom stacks. Fails on
    /// invalid URLs or an empty token.
    pub fn new(config: GitLabConfig, transport: Arc<dyn Transport>) -> Result<Self, Error> {
        let auth = auth::GitLabAuth::new(transport, config.token.clone(), config.token_kind);
        Self::with_transport(config, Arc::new(auth))
    }

    /// A provider sending through `transport` as it is: the transport
    /// authenticates. Production providers are built by
    /// [`scm_core::registration::connect`] with [`REGISTRATION`], which adds
    /// authentication, retry, quota, tracing and metrics.
    pub fn with_transport(
        config: GitLabConfig,
        transport: Arc<dyn Transport>,
    ) -> Result<Self, Error> {
        Ok(Self {
            config: config.normalized()?,
            transport,
        })
    }

    pub fn config(&self) -> &GitLabConfig {
        &self.config
    }

    /// `projects/<id or encoded path>` for the call's repository.
    pub(crate) fn project(&self, ctx: &CallContext) -> Result<String, Error> {
        let external = ctx.repository.external_id.trim();
        if !external.is_empty() && external.bytes().all(|b| b.is_ascii_digit()) {
            return Ok(format!("projects/{external}"));
        }
        // Validate segment by segment (no empty, `.` or `..`), then encode
        // the whole path as one segment: `group/sub/proj` → `group%2Fsub%2Fproj`.
        encode_path(external)?;
        Ok(format!(
            "projects/{}",
            encode_segment(external.trim_matches('/'))?
        ))
    }

    /// The project's web address (`<web_url>/group/sub/proj`). Uses the
    /// repository's full name, which is the path even when the API is
    /// addressed by numeric id.
    pub(crate) fn web_repo(&self, ctx: &CallContext) -> Result<String, Error> {
        let repo = &ctx.repository;
        let path = if repo.full_name.trim().is_empty() {
            &repo.external_id
        } else {
            &repo.full_name
        };
        if path.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Error::invalid_input(
                "web links need the project's path as the repository's full name",
            ));
        }
        Ok(format!("{}/{}", self.config.web_url, encode_path(path)?))
    }

    /// Web base of merge request pages, for note links.
    pub(crate) fn mr_web(&self, ctx: &CallContext, iid: &str) -> Option<String> {
        self.web_repo(ctx)
            .ok()
            .map(|base| format!("{base}/-/merge_requests/{iid}"))
    }

    pub(crate) fn issue_web(&self, ctx: &CallContext, iid: &str) -> Option<String> {
        self.web_repo(ctx)
            .ok()
            .map(|base| format!("{base}/-/issues/{iid}"))
    }

    pub(crate) fn commit_web(&self, ctx: &CallContext) -> Option<String> {
        self.web_repo(ctx)
            .ok()
            .map(|base| format!("{base}/-/commit"))
    }
}

/// A numeric id (issue iid, note id, …) safe to put in a path. Another
/// value is a valid provider-neutral id that names nothing on GitLab, so
/// it is not found (as GitLab answers it) without a request.
pub(crate) fn number(value: &str, what: &str) -> Result<String, Error> {
    let value = value.trim();
    if !value.is_empty() && value.len() <= 20 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(Error::NotFound {
            detail: format!(
                "no GitLab resource has the `{what}` `{}`: GitLab ids are numbers",
                value.chars().take(40).collect::<String>()
            ),
        })
    }
}

scm_core::provider_actions!(GitLab => [
    // Repository & identity
    GetAuthenticatedActor,
    GetRepository,
    GetRepositoryAssignees,
    ListRepositoryUserPermissions,
    GetRepositoryUserPermission,
    GetRepositoryLabels,
    GetRepositoryTopics,
    ListRepositories,
    // Issues
    GetIssue,
    CreateIssue,
    UpdateIssue,
    // Comments
    GetIssueComments,
    CreateIssueComment,
    DeleteIssueComment,
    GetPullRequestComments,
    CreatePullRequestComment,
    DeletePullRequestComment,
    // Reactions
    GetIssueCommentReactions,
    CreateIssueCommentReaction,
    DeleteIssueCommentReaction,
    GetPullRequestCommentReactions,
    CreatePullRequestCommentReaction,
    DeletePullRequestCommentReaction,
    GetReviewCommentReactions,
    CreateReviewCommentReaction,
    DeleteReviewCommentReaction,
    GetIssueReactions,
    CreateIssueReaction,
    DeleteIssueReaction,
    GetPullRequestReactions,
    CreatePullRequestReaction,
    DeletePullRequestReaction,
    // Branches & refs
    GetBranch,
    CreateBranch,
    DeleteBranch,
    GetGitRef,
    // Web URLs
    GetFileUrl,
    GetCommitUrl,
    GetCommitsUrl,
    GetPullRequestUrl,
    GetGitRemote,
    // Commits
    GetCommit,
    GetCommitChanges,
    GetCommits,
    GetCommitsByPath,
    CompareCommits,
    CreateCommit,
    // Pull requests
    GetPullRequest,
    GetPullRequests,
    GetPullRequestFiles,
    GetPullRequestCommits,
    GetPullRequestDiff,
    CreatePullRequest,
    CreatePullRequestDraft,
    MarkPullRequestReadyForReview,
    UpdatePullRequest,
    RequestReview,
    // Git objects
    GetTree,
    GetFullTree,
    // Files & archives
    GetFileContent,
    GetDirectoryContents,
    GetReadme,
    GetPullRequestTemplate,
    DownloadArchive,
    // Checks & CI
    GetCheckRun,
    CreateCheckRun,
    UpdateCheckRun,
    ListCheckRunsInCheckSuite,
    ListCheckRunsForRef,
    ListWorkflowRuns,
    ListWorkflowJobs,
    DownloadWorkflowJobLog,
    // Reviews
    CreateReviewCommentFile,
    CreateReviewComment,
    CreateReviewCommentReply,
    CreateReview,
    UpdateReviewComment,
    GetReviewComments,
    GetPullRequestReview,
    GetPullRequestReviewThreads,
    ListPullRequestReviews,
    // Moderation
    GetThreadIdFromReviewCommentUniqueId,
    CollapsePullRequestComment,
    UpdateAndCollapsePullRequestComment,
    // Webhook deliveries (GitLab 17.4+)
    ListHookDeliveries,
    GetHookDelivery,
    RedeliverHookDelivery,
]);

/// Actions GitLab cannot express, with the reason. Kept next to the list
/// above for documentation; the capability set itself comes only from
/// that list.
pub const UNSUPPORTED: &[(ActionName, &str)] = &[
    (
        ActionName::GetAppInstallation,
        "GitLab has no app installations; integrations authenticate with tokens",
    ),
    (
        ActionName::UpdateBranch,
        "GitLab's API cannot move an existing branch to another commit",
    ),
    (
        ActionName::GetGitCommit,
        "GitLab's API does not expose a commit's tree id",
    ),
    (
        ActionName::CreateGitBlob,
        "GitLab has no API to write raw git objects",
    ),
    (
        ActionName::CreateGitTree,
        "GitLab has no API to write raw git objects",
    ),
    (
        ActionName::CreateGitCommit,
        "GitLab has no API to write raw git objects",
    ),
    (
        ActionName::GetArchiveLink,
        "GitLab has no pre-authorised archive links; archive URLs need the token",
    ),
    (
        ActionName::CreatePullRequestReviewReaction,
        "GitLab reviews (approvals, reviewer states) cannot carry award emoji",
    ),
    (
        ActionName::DeletePullRequestReviewReaction,
        "GitLab reviews (approvals, reviewer states) cannot carry award emoji",
    ),
    (ActionName::MinimizeComment, "GitLab cannot hide a comment"),
];

#[async_trait]
impl Provider for GitLab {
    fn name(&self) -> &str {
        "gitlab"
    }

    fn capabilities(&self) -> CapabilitySet {
        Self::capability_set()
    }

    async fn execute(
        &self,
        action: AnyAction,
        ctx: &CallContext,
    ) -> Result<Response<AnyOutput>, Error> {
        self.dispatch(action, ctx, "gitlab").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_and_unsupported_cover_the_table() {
        println!(
            "gitlab supports {} of {} actions",
            GitLab::SUPPORTED.len(),
            ActionName::ALL.len()
        );
        assert!(GitLab::SUPPORTED.len() >= 80);
        for name in ActionName::ALL {
            let supported = GitLab::SUPPORTED.contains(name);
            let unsupported = UNSUPPORTED.iter().any(|(n, _)| n == name);
            assert!(
                supported != unsupported,
                "{name} must be exactly one of supported/unsupported"
            );
        }
    }

    #[test]
    fn numbers_are_checked() {
        assert_eq!(number("42", "issue_id").unwrap(), "42");
        assert!(number("4/2", "issue_id").is_err());
        assert!(number("", "issue_id").is_err());
        assert!(number("../1", "issue_id").is_err());
        assert_eq!(
            number("AAA", "issue_id").unwrap_err().code(),
            "resource_not_found"
        );
    }
}
