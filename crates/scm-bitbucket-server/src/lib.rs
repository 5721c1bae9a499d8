//! Bitbucket Data Center (formerly Bitbucket Server) as an SCM provider,
//! named `bitbucket_server`.
//!
//! **Minimum version: Data Center 8.18.** Draft pull requests
//! (`create_pull_request_draft`, `mark_pull_request_ready_for_review`, the
//! `draft` flag) need 8.18; on older versions the flag is ignored or
//! refused by the server. Repository-scoped build statuses (check runs)
//! need 7.14. Everything else works from 7.x; below 9.0 the repository's
//! default branch is read from `/branches/default` instead of the
//! repository itself.
//!
//! - [`config`]: where the instance is (with or without a context path)
//!   and which credentials to use;
//! - [`auth`]: HTTP access tokens (Bearer) and basic credentials, as a
//!   transport layer;
//! - [`client`]: requests below `{base}/rest`, error mapping,
//!   `start`/`limit` paging as opaque cursors;
//! - [`schema`]: Data Center's JSON and its mapping to neutral types;
//! - `actions/`: one module per action group, each action an
//!   `impl Handle<Action> for BitbucketServer`;
//! - [`webhooks`]: signature verification and event parsing;
//! - [`proxy`]: raw requests scoped to one repository;
//! - [`registration`]: [`REGISTRATION`], how the platform builds it.
//!
//! Repositories are named `PROJECT/slug` (personal ones `~USER/slug`).
//! Data Center has no review objects: a participant's status (approved,
//! needs work) is that person's review, its id their numeric user id.
//! Build statuses are check runs (id `<commit>:<key>`), a commit's set of
//! statuses is its check suite.
//!
//! # Connecting
//!
//! A Data Center instance by its web URL (with its context path, if any).
//! HTTP access tokens go as bearer tokens, `Credential::Basic` as basic
//! credentials.
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
//!     // There is no public service: the instance's web URL is required.
//!     api_url: None,
//!     web_url: Some("https://bitbucket.example.com".into()),
//!     credential: Credential::token("an-http-access-token"),
//! };
//! let instance = connect(&scm_bitbucket_server::REGISTRATION, &settings, ConnectOptions::default())?;
//! assert_eq!(instance.endpoints.api_url, "https://bitbucket.example.com/rest");
//!
//! let scm = SourceCodeManager::for_repository(
//!     instance.provider,
//!     RepositoryRecord::direct("bitbucket_server", "PRJ/widgets"),
//!     "docs",
//! );
//! let remote = scm.execute(GetGitRemote {}).await?.into_data().unwrap();
//! assert_eq!(remote.https_url, "https://bitbucket.example.com/scm/prj/widgets.git");
//! # Ok(())
//! # }
//! ```

pub mod auth;
pub mod client;
pub mod config;
pub mod errors;
pub mod proxy;
pub mod registration;
pub mod schema;
pub mod webhooks;

mod actions;

use std::sync::Arc;

use async_trait::async_trait;
use scm_core::actions::ActionName;
use scm_core::transport::Transport;
use scm_core::{AnyAction, AnyOutput, CallContext, CapabilitySet, Provider, Response, Result};

pub use config::{BitbucketServerConfig, Credentials};
pub use registration::REGISTRATION;

use crate::auth::AuthTransport;
use crate::client::Client;

/// The Data Center provider for one integration.
#[derive(Clone)]
pub struct BitbucketServer {
    client: Client,
    ssh_base: Option<String>,
}

impl BitbucketServer {
    /// A provider sending through `transport` as it is (already
    /// authenticated, or a test server that needs no credentials).
    pub fn with_transport(config: &BitbucketServerConfig, transport: Arc<dyn Transport>) -> Self {
        Self {
            client: Client::new(transport, &config.api_url, &config.web_url),
            ssh_base: config.ssh_base.clone(),
        }
    }

    /// A provider with only authentication added around `transport` (no
    /// retries, no quota): for tests that must see every request.
    pub fn with_auth(
        config: &BitbucketServerConfig,
        transport: Arc<dyn Transport>,
    ) -> Result<Self> {
        let auth = AuthTransport::new(transport, &config.credentials, &config.api_url)?;
        Ok(Self::with_transport(config, Arc::new(auth)))
    }

    pub(crate) fn client(&self) -> &Client {
        &self.client
    }
}

scm_core::provider_actions!(BitbucketServer => [
    // Repository & identity
    GetAuthenticatedActor,
    GetRepository,
    GetRepositoryAssignees,
    ListRepositoryUserPermissions,
    GetRepositoryUserPermission,
    GetRepositoryTopics,
    ListRepositories,
    // Comments
    GetPullRequestComments,
    CreatePullRequestComment,
    DeletePullRequestComment,
    // Reactions
    GetPullRequestCommentReactions,
    CreatePullRequestCommentReaction,
    DeletePullRequestCommentReaction,
    GetReviewCommentReactions,
    CreateReviewCommentReaction,
    DeleteReviewCommentReaction,
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

/// Actions Data Center cannot express, with the reason. Kept next to the
/// list above for documentation; the capability set comes only from that
/// list.
pub const UNSUPPORTED: &[(ActionName, &str)] = &[
    (
        ActionName::GetAppInstallation,
        "Data Center has no app installations; integrations use HTTP access tokens or basic auth",
    ),
    (
        ActionName::GetRepositoryLabels,
        "Data Center labels belong to repositories (see topics); pull requests cannot be labelled",
    ),
    (ActionName::GetIssue, NO_ISSUES),
    (ActionName::CreateIssue, NO_ISSUES),
    (ActionName::UpdateIssue, NO_ISSUES),
    (ActionName::GetIssueComments, NO_ISSUES),
    (ActionName::CreateIssueComment, NO_ISSUES),
    (ActionName::DeleteIssueComment, NO_ISSUES),
    (ActionName::GetIssueCommentReactions, NO_ISSUES),
    (ActionName::CreateIssueCommentReaction, NO_ISSUES),
    (ActionName::DeleteIssueCommentReaction, NO_ISSUES),
    (ActionName::GetIssueReactions, NO_ISSUES),
    (ActionName::CreateIssueReaction, NO_ISSUES),
    (ActionName::DeleteIssueReaction, NO_ISSUES),
    (
        ActionName::CreatePullRequestReviewReaction,
        "reviews are participant statuses; they cannot carry reactions",
    ),
    (
        ActionName::DeletePullRequestReviewReaction,
        "reviews are participant statuses; they cannot carry reactions",
    ),
    (ActionName::GetPullRequestReactions, ONLY_COMMENTS_REACT),
    (ActionName::CreatePullRequestReaction, ONLY_COMMENTS_REACT),
    (ActionName::DeletePullRequestReaction, ONLY_COMMENTS_REACT),
    (
        ActionName::UpdateBranch,
        "the REST API cannot move an existing branch (branch-utils only creates and deletes)",
    ),
    (
        ActionName::GetGitCommit,
        "the commit API does not expose a commit's tree id",
    ),
    (ActionName::CreateGitBlob, NO_GIT_OBJECTS),
    (ActionName::CreateGitTree, NO_GIT_OBJECTS),
    (ActionName::CreateGitCommit, NO_GIT_OBJECTS),
    (
        ActionName::GetArchiveLink,
        "archives are streamed with the caller's credentials; there are no pre-authorised links",
    ),
    (ActionName::ListWorkflowRuns, NO_CI),
    (ActionName::ListWorkflowJobs, NO_CI),
    (ActionName::DownloadWorkflowJobLog, NO_CI),
    (
        ActionName::MinimizeComment,
        "Data Center cannot hide a comment",
    ),
    (
        ActionName::ListHookDeliveries,
        "Bitbucket Data Center keeps only each webhook's latest invocation (`/webhooks/{id}/latest`) and counts (`/statistics`), no delivery history",
    ),
    (
        ActionName::GetHookDelivery,
        "Bitbucket Data Center keeps only each webhook's latest invocation (`/webhooks/{id}/latest`) and counts (`/statistics`), no delivery history",
    ),
    (
        ActionName::RedeliverHookDelivery,
        "Bitbucket Data Center's API cannot resend a webhook invocation (`/webhooks/test` only sends a test request)",
    ),
];

const NO_ISSUES: &str = "Bitbucket Data Center has no issue tracker (issues live in Jira)";
const ONLY_COMMENTS_REACT: &str = "only comments take reactions, not the pull request itself";
const NO_GIT_OBJECTS: &str = "there is no API to write raw git objects";
const NO_CI: &str =
    "Data Center has no built-in CI; external servers report build statuses (check runs)";

#[async_trait]
impl Provider for BitbucketServer {
    fn name(&self) -> &str {
        client::PROVIDER
    }

    fn capabilities(&self) -> CapabilitySet {
        BitbucketServer::capability_set()
    }

    async fn execute(&self, action: AnyAction, ctx: &CallContext) -> Result<Response<AnyOutput>> {
        self.dispatch(action, ctx, client::PROVIDER).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_and_unsupported_cover_the_table() {
        println!(
            "bitbucket_server supports {} of {} actions",
            BitbucketServer::SUPPORTED.len(),
            ActionName::ALL.len()
        );
        assert!(BitbucketServer::SUPPORTED.len() >= 65);
        for name in ActionName::ALL {
            let supported = BitbucketServer::SUPPORTED.contains(name);
            let unsupported = UNSUPPORTED.iter().any(|(n, _)| n == name);
            assert!(
                supported != unsupported,
                "{name} must be exactly one of supported/unsupported"
            );
        }
    }
}
