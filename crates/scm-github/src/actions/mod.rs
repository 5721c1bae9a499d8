//! Every GitHub action, one module per group of the catalogue.
//!
//! The list below is the single place that says what GitHub supports: it
//! derives both dispatch and the capability set.

mod branches;
mod checks;
mod comments;
mod commits;
mod deliveries;
mod files;
mod git;
mod issues;
mod moderation;
mod pull_requests;
mod reactions;
mod repository;
mod reviews;
mod urls;

use scm_core::http_util::encode_segment;
use scm_core::{Error, Result};

use crate::GitHub;

scm_core::provider_actions!(GitHub => [
    // Repository & identity
    GetAppInstallation,
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
    CreatePullRequestReviewReaction,
    DeletePullRequestReviewReaction,
    GetIssueReactions,
    CreateIssueReaction,
    DeleteIssueReaction,
    GetPullRequestReactions,
    CreatePullRequestReaction,
    DeletePullRequestReaction,
    // Branches & refs
    GetBranch,
    CreateBranch,
    UpdateBranch,
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
    GetGitCommit,
    CreateGitBlob,
    CreateGitTree,
    CreateGitCommit,
    // Files & archives
    GetFileContent,
    GetDirectoryContents,
    GetReadme,
    GetPullRequestTemplate,
    GetArchiveLink,
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
    MinimizeComment,
    GetThreadIdFromReviewCommentUniqueId,
    CollapsePullRequestComment,
    UpdateAndCollapsePullRequestComment,
    // Webhook deliveries
    ListHookDeliveries,
    GetHookDelivery,
    RedeliverHookDelivery,
]);

/// Encodes a name for use as one path segment.
pub(crate) fn seg(value: &str) -> Result<String> {
    encode_segment(value)
}

/// A GitHub id (an issue or pull request number, a comment, review,
/// reaction, check run or job id) as a path segment. GitHub's ids are
/// numbers: another value, valid as a provider-neutral id, names nothing
/// on GitHub, so it is not found (as GitHub answers it) without a request.
pub(crate) fn id_segment(value: &str) -> Result<String> {
    value
        .parse::<u64>()
        .ok()
        .filter(|n| i64::try_from(*n).is_ok())
        .map(|n| n.to_string())
        .ok_or_else(|| Error::NotFound {
            detail: format!(
                "no GitHub resource has the id `{}`: GitHub ids are numbers",
                value.chars().take(40).collect::<String>()
            ),
        })
}
