//! The Bitbucket Cloud provider (`bitbucket`): bitbucket.org through REST
//! API 2.0.
//!
//! - [`Bitbucket`] implements [`scm_core::Provider`]; the actions it
//!   supports are listed once in the `provider_actions!` call below, which
//!   derives both dispatch and capabilities. Anything not listed is
//!   reported unsupported without a request ([`UNSUPPORTED`] says why).
//! - [`auth`] is the authentication transport layer: API tokens (Basic with
//!   the Atlassian e-mail), access tokens and OAuth 2.0 (Bearer, renewed
//!   before expiry). Action code never sees a credential.
//! - [`webhooks`] verifies (`X-Hub-Signature: sha256=…`) and parses
//!   Bitbucket Cloud webhooks.
//!
//! Identity: a repository is `{workspace}/{repo_slug}` (the registry's
//! full name), each part sent as one encoded segment, so `{uuid}` forms
//! go out as `%7B…%7D`. Users are named by `{uuid}` or Atlassian
//! `account_id` (usernames no longer exist). Pull request answers and
//! payloads carry 12-character abbreviated commit hashes; they are kept as
//! sent (a [`Sha`](scm_core::model::Sha) accepts abbreviations) rather than
//! expanded with an extra request per pull request.
//!
//! Mapping: a review is a participant's state (approved, changes
//! requested; its id is the reviewer's `{uuid}`), inline comments are
//! review comments, a thread is a root comment and its replies, build
//! statuses are check runs (a check suite is the commit), Pipelines are
//! workflow runs and their steps jobs.
//!
//! # Connecting
//!
//! bitbucket.org. An API token goes with the account's e-mail address
//! (`Credential::Basic`); repository, project and workspace access tokens
//! alone (`Credential::token`); an OAuth consumer as `Credential::OAuth`
//! with its refresh grant.
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
//!     api_url: None,
//!     web_url: None,
//!     // An API token goes with the Atlassian account's e-mail address.
//!     credential: Credential::Basic {
//!         username: "dev@example.com".into(),
//!         secret: "an-api-token".into(),
//!     },
//! };
//! let instance = connect(&scm_bitbucket::REGISTRATION, &settings, ConnectOptions::default())?;
//! assert_eq!(instance.endpoints.api_url, "https://api.bitbucket.org/2.0");
//!
//! let scm = SourceCodeManager::for_repository(
//!     instance.provider,
//!     RepositoryRecord::direct("bitbucket", "acme/widgets"),
//!     "docs",
//! );
//! let remote = scm.execute(GetGitRemote {}).await?.into_data().unwrap();
//! assert_eq!(remote.https_url, "https://bitbucket.org/acme/widgets.git");
//! # Ok(())
//! # }
//! ```

mod actions;
pub mod auth;
mod client;
pub mod config;
mod errors;
mod pagination;
pub mod proxy;
pub mod rate_limits;
pub mod registration;
mod schema;
pub mod webhooks;

use std::sync::Arc;

use async_trait::async_trait;
use scm_core::actions::*;
use scm_core::http_util::encode_segment;
use scm_core::provider::CallContext;
use scm_core::transport::Transport;
use scm_core::{AnyAction, AnyOutput, CapabilitySet, Error, Provider, Response};

pub use auth::{BitbucketAuth, OAuthClient};
pub use config::BitbucketConfig;
pub use registration::{BitbucketRegistration, REGISTRATION};

/// The provider name in capabilities, results, routes and envelopes.
pub const PROVIDER: &str = "bitbucket";
/// The human name.
pub const TITLE: &str = "Bitbucket Cloud";

/// The Bitbucket Cloud provider, over an already authenticated transport.
pub struct Bitbucket {
    config: BitbucketConfig,
    transport: Arc<dyn Transport>,
}

impl std::fmt::Debug for Bitbucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bitbucket")
            .field("api_url", &self.config.api_url)
            .field("web_url", &self.config.web_url)
            .finish_non_exhaustive()
    }
}

/// The workspace and repository slug of a call, validated.
pub(crate) struct RepoName {
    pub workspace: String,
    pub slug: String,
}

impl Bitbucket {
    /// A provider for one integration. `transport` must already add the
    /// credentials (see [`auth::AuthTransport`]).
    pub fn new(config: BitbucketConfig, transport: Arc<dyn Transport>) -> Result<Self, Error> {
        Ok(Self {
            config: config.normalized()?,
            transport,
        })
    }

    pub fn config(&self) -> &BitbucketConfig {
        &self.config
    }

    /// `workspace/slug` from the repository record: the full name when it
    /// has that shape, else the external id.
    pub(crate) fn repo_name(ctx: &CallContext) -> Result<RepoName, Error> {
        let record = &ctx.repository;
        let pick = |value: &str| {
            let value = value.trim().trim_matches('/');
            let (workspace, slug) = value.split_once('/')?;
            (!workspace.is_empty() && !slug.is_empty() && !slug.contains('/'))
                .then(|| (workspace.to_owned(), slug.to_owned()))
        };
        let (workspace, slug) = pick(&record.full_name)
            .or_else(|| pick(&record.external_id))
            .ok_or_else(|| {
                Error::invalid_input(
                    "a Bitbucket repository is named `workspace/repo_slug` in its full name",
                )
            })?;
        Ok(RepoName { workspace, slug })
    }

    /// `repositories/<workspace>/<slug>`, each part one encoded segment.
    pub(crate) fn repo(&self, ctx: &CallContext) -> Result<String, Error> {
        let name = Self::repo_name(ctx)?;
        Ok(format!(
            "repositories/{}/{}",
            encode_segment(&name.workspace)?,
            encode_segment(&name.slug)?
        ))
    }

    /// The workspace segment, encoded.
    pub(crate) fn workspace(&self, ctx: &CallContext) -> Result<String, Error> {
        encode_segment(&Self::repo_name(ctx)?.workspace)
    }

    /// The repository's web page: `<web>/<workspace>/<slug>`.
    pub(crate) fn web_repo(&self, ctx: &CallContext) -> Result<String, Error> {
        let name = Self::repo_name(ctx)?;
        Ok(format!(
            "{}/{}/{}",
            self.config.web_url,
            encode_segment(&name.workspace)?,
            encode_segment(&name.slug)?
        ))
    }
}

/// A numeric id (pull request, comment, issue) safe to put in a path.
pub(crate) fn number(value: &str, what: &str) -> Result<String, Error> {
    let value = value.trim();
    if !value.is_empty() && value.len() <= 20 && value.bytes().all(|b| b.is_ascii_digit()) {
        Ok(value.to_owned())
    } else {
        Err(Error::invalid_input(format!(
            "`{what}` must be a Bitbucket numeric id, got `{}`",
            value.chars().take(40).collect::<String>()
        )))
    }
}

scm_core::provider_actions!(Bitbucket => [
    // Repository & identity
    GetAuthenticatedActor,
    GetRepository,
    GetRepositoryAssignees,
    ListRepositoryUserPermissions,
    GetRepositoryUserPermission,
    ListRepositories,
    // Issues (deprecated tracker, see actions/issues.rs)
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
    // Files & archives
    GetFileContent,
    GetDirectoryContents,
    GetReadme,
    GetPullRequestTemplate,
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
]);

const NO_REACTIONS: &str = "Bitbucket Cloud's REST API 2.0 has no reactions at all";
const NO_GIT_WRITES: &str = "Bitbucket Cloud has no API to write raw git objects";

/// Actions Bitbucket Cloud cannot express, with the reason. Kept next to
/// the list above for documentation; the capability set itself comes only
/// from that list.
pub const UNSUPPORTED: &[(ActionName, &str)] = &[
    (
        ActionName::GetAppInstallation,
        "Bitbucket Cloud has no app-installation resource (Connect installs ended; Forge installs are only visible inside Forge)",
    ),
    (
        ActionName::GetRepositoryLabels,
        "Bitbucket Cloud has no labels: pull requests cannot be labelled",
    ),
    (
        ActionName::GetRepositoryTopics,
        "Bitbucket Cloud repositories have no topics",
    ),
    (ActionName::GetIssueCommentReactions, NO_REACTIONS),
    (ActionName::CreateIssueCommentReaction, NO_REACTIONS),
    (ActionName::DeleteIssueCommentReaction, NO_REACTIONS),
    (ActionName::GetPullRequestCommentReactions, NO_REACTIONS),
    (ActionName::CreatePullRequestCommentReaction, NO_REACTIONS),
    (ActionName::DeletePullRequestCommentReaction, NO_REACTIONS),
    (ActionName::GetReviewCommentReactions, NO_REACTIONS),
    (ActionName::CreateReviewCommentReaction, NO_REACTIONS),
    (ActionName::DeleteReviewCommentReaction, NO_REACTIONS),
    (ActionName::CreatePullRequestReviewReaction, NO_REACTIONS),
    (ActionName::DeletePullRequestReviewReaction, NO_REACTIONS),
    (ActionName::GetIssueReactions, NO_REACTIONS),
    (ActionName::CreateIssueReaction, NO_REACTIONS),
    (ActionName::DeleteIssueReaction, NO_REACTIONS),
    (ActionName::GetPullRequestReactions, NO_REACTIONS),
    (ActionName::CreatePullRequestReaction, NO_REACTIONS),
    (ActionName::DeletePullRequestReaction, NO_REACTIONS),
    (
        ActionName::UpdateBranch,
        "Bitbucket Cloud's API cannot move an existing branch (refs can only be created or deleted)",
    ),
    (
        ActionName::GetTree,
        "Bitbucket Cloud listings carry no blob or tree ids and a tree cannot be addressed by id",
    ),
    (
        ActionName::GetFullTree,
        "Bitbucket Cloud listings carry no blob or tree ids and a tree cannot be addressed by id",
    ),
    (
        ActionName::GetGitCommit,
        "Bitbucket Cloud's commit API does not expose a commit's tree id",
    ),
    (ActionName::CreateGitBlob, NO_GIT_WRITES),
    (ActionName::CreateGitTree, NO_GIT_WRITES),
    (ActionName::CreateGitCommit, NO_GIT_WRITES),
    (
        ActionName::GetArchiveLink,
        "Bitbucket Cloud has no pre-authorised archive links",
    ),
    (
        ActionName::DownloadArchive,
        "Bitbucket Cloud's REST API 2.0 has no archive endpoint (the website download is outside the API)",
    ),
    (ActionName::MinimizeComment, "Bitbucket Cloud cannot hide a comment"),
    (
        ActionName::ListHookDeliveries,
        "Bitbucket Cloud's API manages hooks (`/repositories/…/hooks`, `/workspaces/…/hooks`) but keeps no delivery history",
    ),
    (
        ActionName::GetHookDelivery,
        "Bitbucket Cloud's API manages hooks (`/repositories/…/hooks`, `/workspaces/…/hooks`) but keeps no delivery history",
    ),
    (
        ActionName::RedeliverHookDelivery,
        "Bitbucket Cloud's API cannot resend a webhook",
    ),
];

#[async_trait]
impl Provider for Bitbucket {
    fn name(&self) -> &str {
        PROVIDER
    }

    fn capabilities(&self) -> CapabilitySet {
        Self::capability_set()
    }

    async fn execute(
        &self,
        action: AnyAction,
        ctx: &CallContext,
    ) -> Result<Response<AnyOutput>, Error> {
        self.dispatch(action, ctx, PROVIDER).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use scm_core::registry::RepositoryRecord;

    #[test]
    fn supported_and_unsupported_cover_the_table() {
        println!(
            "bitbucket supports {} of {} actions",
            Bitbucket::SUPPORTED.len(),
            ActionName::ALL.len()
        );
        assert!(Bitbucket::SUPPORTED.len() >= 64);
        for name in ActionName::ALL {
            let supported = Bitbucket::SUPPORTED.contains(name);
            let unsupported = UNSUPPORTED.iter().any(|(n, _)| n == name);
            assert!(
                supported != unsupported,
                "{name} must be exactly one of supported/unsupported"
            );
        }
    }

    #[test]
    fn repositories_are_workspace_and_slug() {
        let bb = Bitbucket::new(
            BitbucketConfig::default(),
            Arc::new(
                scm_core::transport::ReqwestTransport::new(std::time::Duration::from_secs(1))
                    .unwrap(),
            ),
        )
        .unwrap();
        let ctx =
            |full: &str| CallContext::new(Arc::new(RepositoryRecord::direct(PROVIDER, full)), "t");
        assert_eq!(
            bb.repo(&ctx("acme/widgets")).unwrap(),
            "repositories/acme/widgets"
        );
        assert_eq!(
            bb.repo(&ctx("acme/{1b2c3d4e-0000-4000-8000-000000000000}"))
                .unwrap(),
            "repositories/acme/%7B1b2c3d4e-0000-4000-8000-000000000000%7D"
        );
        assert!(bb.repo(&ctx("acme")).is_err());
        assert!(bb.repo(&ctx("acme/a/b")).is_err());
        assert!(bb.repo(&ctx("acme/..")).is_err());
        assert_eq!(number("42", "id").unwrap(), "42");
        assert!(number("4/2", "id").is_err());
    }
}
