//! Every GitHub action, one module per group of the catalogue.
//!
//! The list below is the single place that says what GitHub supports: it
//! derives both dispatch and the capability set.

mod comments;
mod issues;

use scm_core::http_util::encode_segment;
use scm_core::Result;

use crate::GitHub;

scm_core::provider_actions!(GitHub => [
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
]);

/// Encodes an id or name for use as one path segment.
pub(crate) fn seg(value: &str) -> Result<String> {
    encode_segment(value)
}
