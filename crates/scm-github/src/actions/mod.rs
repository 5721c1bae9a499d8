//! Every GitHub action, one module per group of the catalogue.
//!
//! The list below is the single place that says what GitHub supports: it
//! derives both dispatch and the capability set.

mod branches;
mod comments;
mod commits;
mod files;
mod issues;
mod reactions;
mod repository;
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
    // Files & archives
    GetFileContent,
    GetDirectoryContents,
    GetReadme,
    GetPullRequestTemplate,
    GetArchiveLink,
    DownloadArchive,
]);

/// Encodes an id or name for use as one path segment.
pub(crate) fn seg(value: &str) -> Result<String> {
    encode_segment(value)
}
