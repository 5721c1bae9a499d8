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
use scm_core::Result;

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

/// Encodes an id or name for use as one path segment.
pub(crate) fn seg(value: &str) -> Result<String> {
    encode_segment(value)
}
