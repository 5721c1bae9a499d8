//! The catalogue of actions (see `ACTIONS.md` of the design): one entry per
//! action, in the catalogue's order. Argument names are the wire names.

use crate::download::Download;
use crate::model::*;
use crate::page::Page;

define_actions! {
    // ----- Repository & identity -----
    /// The app installation the platform acts through (needs app credentials).
    GetAppInstallation = "get_app_installation", Repository, read -> AppInstallation {}
    /// The account the platform acts as.
    GetAuthenticatedActor = "get_authenticated_actor", Repository, read -> Author {}
    /// The repository itself.
    GetRepository = "get_repository", Repository, read -> GitRepository {}
    /// People who can be assigned to issues and pull requests.
    GetRepositoryAssignees = "get_repository_assignees", Repository, list -> Page<Author> {}
    /// Every collaborator with their permission.
    ListRepositoryUserPermissions = "list_repository_user_permissions", Repository, list -> Page<UserPermissions> {}
    /// One user's permission on the repository.
    GetRepositoryUserPermission = "get_repository_user_permission", Repository, read -> UserPermissions {
        username: String,
    }
    /// The repository's labels.
    GetRepositoryLabels = "get_repository_labels", Repository, list -> Page<Label> {}
    /// The repository's topics.
    GetRepositoryTopics = "get_repository_topics", Repository, read -> Vec<String> {}
    /// Repositories the credentials can reach.
    ListRepositories = "list_repositories", Repository, list -> Page<GitRepository> {}

    // ----- Issues -----
    /// One issue by number.
    GetIssue = "get_issue", Issues, read -> Issue { issue_id: ResourceId }
    /// Open an issue.
    CreateIssue = "create_issue", Issues, write -> Issue {
        title: String,
        body: String,
        assignees: Option<Vec<String>>,
        labels: Option<Vec<String>>,
    }
    /// Change an issue's state, assignees or labels (the lists replace the current ones).
    UpdateIssue = "update_issue", Issues, write -> Issue {
        issue_id: ResourceId,
        state: Option<IssueState>,
        assignees: Option<Vec<String>>,
        labels: Option<Vec<String>>,
    }

    // ----- Comments -----
    /// Comments on an issue.
    GetIssueComments = "get_issue_comments", Comments, list -> Page<Comment> { issue_id: ResourceId }
    /// Comment on an issue.
    CreateIssueComment = "create_issue_comment", Comments, write -> Comment { issue_id: ResourceId, body: String }
    /// Delete a comment on an issue.
    DeleteIssueComment = "delete_issue_comment", Comments, write -> () { issue_id: ResourceId, comment_id: ResourceId }
    /// Comments on a pull request's conversation (not on its diff).
    GetPullRequestComments = "get_pull_request_comments", Comments, list -> Page<Comment> { pull_request_id: ResourceId }
    /// Comment on a pull request's conversation.
    CreatePullRequestComment = "create_pull_request_comment", Comments, write -> Comment {
        pull_request_id: ResourceId,
        body: String,
        /// Provider extensions to attach (e.g. a Copilot chat extension); a
        /// provider that cannot attach them refuses the request.
        extensions: Option<Vec<String>>,
    }
    /// Delete a comment on a pull request's conversation.
    DeletePullRequestComment = "delete_pull_request_comment", Comments, write -> () {
        pull_request_id: ResourceId,
        comment_id: ResourceId,
    }

    // ----- Reactions -----
    /// Reactions to an issue comment.
    GetIssueCommentReactions = "get_issue_comment_reactions", Reactions, list -> Page<ReactionResult> {
        issue_id: ResourceId,
        comment_id: ResourceId,
    }
    /// React to an issue comment.
    CreateIssueCommentReaction = "create_issue_comment_reaction", Reactions, write -> ReactionResult {
        issue_id: ResourceId,
        comment_id: ResourceId,
        reaction: Reaction,
    }
    /// Remove a reaction from an issue comment.
    DeleteIssueCommentReaction = "delete_issue_comment_reaction", Reactions, write -> () {
        issue_id: ResourceId,
        comment_id: ResourceId,
        reaction_id: ResourceId,
    }
    /// Reactions to a pull request conversation comment.
    GetPullRequestCommentReactions = "get_pull_request_comment_reactions", Reactions, list -> Page<ReactionResult> {
        pull_request_id: ResourceId,
        comment_id: ResourceId,
    }
    /// React to a pull request conversation comment.
    CreatePullRequestCommentReaction = "create_pull_request_comment_reaction", Reactions, write -> ReactionResult {
        pull_request_id: ResourceId,
        comment_id: ResourceId,
        reaction: Reaction,
    }
    /// Remove a reaction from a pull request conversation comment.
    DeletePullRequestCommentReaction = "delete_pull_request_comment_reaction", Reactions, write -> () {
        pull_request_id: ResourceId,
        comment_id: ResourceId,
        reaction_id: ResourceId,
    }
    /// Reactions to a review (diff) comment.
    GetReviewCommentReactions = "get_review_comment_reactions", Reactions, list -> Page<ReactionResult> {
        pull_request_id: ResourceId,
        comment_id: ResourceId,
    }
    /// React to a review (diff) comment.
    CreateReviewCommentReaction = "create_review_comment_reaction", Reactions, write -> ReactionResult {
        pull_request_id: ResourceId,
        comment_id: ResourceId,
        reaction: Reaction,
    }
    /// Remove a reaction from a review (diff) comment.
    DeleteReviewCommentReaction = "delete_review_comment_reaction", Reactions, write -> () {
        pull_request_id: ResourceId,
        comment_id: ResourceId,
        reaction_id: ResourceId,
    }
    /// React to a submitted review.
    CreatePullRequestReviewReaction = "create_pull_request_review_reaction", Reactions, write -> ReactionResult {
        pull_request_id: ResourceId,
        review_id: ResourceId,
        reaction: Reaction,
    }
    /// Remove the acting account's reaction from a review.
    DeletePullRequestReviewReaction = "delete_pull_request_review_reaction", Reactions, write -> () {
        pull_request_id: ResourceId,
        review_id: ResourceId,
        reaction: Reaction,
    }
    /// Reactions to an issue.
    GetIssueReactions = "get_issue_reactions", Reactions, list -> Page<ReactionResult> { issue_id: ResourceId }
    /// React to an issue.
    CreateIssueReaction = "create_issue_reaction", Reactions, write -> ReactionResult {
        issue_id: ResourceId,
        reaction: Reaction,
    }
    /// Remove a reaction from an issue.
    DeleteIssueReaction = "delete_issue_reaction", Reactions, write -> () {
        issue_id: ResourceId,
        reaction_id: ResourceId,
    }
    /// Reactions to a pull request.
    GetPullRequestReactions = "get_pull_request_reactions", Reactions, list -> Page<ReactionResult> {
        pull_request_id: ResourceId,
    }
    /// React to a pull request.
    CreatePullRequestReaction = "create_pull_request_reaction", Reactions, write -> ReactionResult {
        pull_request_id: ResourceId,
        reaction: Reaction,
    }
    /// Remove a reaction from a pull request.
    DeletePullRequestReaction = "delete_pull_request_reaction", Reactions, write -> () {
        pull_request_id: ResourceId,
        reaction_id: ResourceId,
    }

    // ----- Branches & refs -----
    /// A branch and its head commit.
    GetBranch = "get_branch", Branches, read -> GitRef { branch: String }
    /// Create a branch at a commit.
    CreateBranch = "create_branch", Branches, write -> GitRef { branch: String, sha: Sha }
    /// Move a branch; without `force` only fast-forwards are allowed.
    UpdateBranch = "update_branch", Branches, write -> GitRef {
        branch: String,
        sha: Sha,
        #[serde(default)]
        force: bool,
    }
    /// Delete a branch.
    DeleteBranch = "delete_branch", Branches, write -> () { branch: String }
    /// Any ref (`heads/main`, `tags/v1`, `refs/heads/main`).
    GetGitRef = "get_git_ref", Branches, read -> GitRef { r#ref: String }

    // ----- Web URLs (no HTTP call) -----
    /// Web URL of a file at a commit, optionally highlighting lines.
    GetFileUrl = "get_file_url", WebUrls, web_url -> String {
        file_path: String,
        sha: Sha,
        start_line: Option<u32>,
        end_line: Option<u32>,
    }
    /// Web URL of a commit.
    GetCommitUrl = "get_commit_url", WebUrls, web_url -> String { commit_sha: Sha }
    /// Web URL of the history up to a commit, optionally for one path and a date range.
    GetCommitsUrl = "get_commits_url", WebUrls, web_url -> String {
        commit_sha: Sha,
        file_path: Option<String>,
        since: Option<Date>,
        until: Option<Date>,
    }
    /// Web URL of a pull request.
    GetPullRequestUrl = "get_pull_request_url", WebUrls, web_url -> String { pull_request_id: ResourceId }
    /// Clone URLs of the repository.
    GetGitRemote = "get_git_remote", WebUrls, web_url -> GitRemote {}

    // ----- Commits -----
    /// A commit with its changed files.
    GetCommit = "get_commit", Commits, read -> CommitWithChanges { sha: Sha }
    /// The files a commit changed, page by page.
    GetCommitChanges = "get_commit_changes", Commits, list -> Page<CommitFile> { sha: Sha }
    /// History from a ref (default branch when omitted).
    GetCommits = "get_commits", Commits, list -> Page<Commit> {
        r#ref: Option<String>,
        since: Option<Timestamp>,
        until: Option<Timestamp>,
    }
    /// History of one path.
    GetCommitsByPath = "get_commits_by_path", Commits, list -> Page<Commit> {
        path: String,
        r#ref: Option<String>,
        since: Option<Timestamp>,
        until: Option<Timestamp>,
    }
    /// Commits in `end_sha` not in `start_sha` (and, with `include_behind`, the reverse).
    CompareCommits = "compare_commits", Commits, list -> Page<CommitComparison> {
        start_sha: Sha,
        end_sha: Sha,
        #[serde(default)]
        include_behind: bool,
    }
    /// Write, delete, move or chmod files in one new commit on a branch.
    CreateCommit = "create_commit", Commits, write -> Commit {
        branch: String,
        parent_sha: Sha,
        message: String,
        actions: Vec<CommitAction>,
        #[serde(default)]
        force: bool,
        #[serde(default)]
        create_branch: bool,
        author: Option<CommitAuthorParam>,
        /// Refuse (conflict) when the branch head is not this commit.
        expected_head_sha: Option<Sha>,
    }

    // ----- Pull requests -----
    /// One pull request by number.
    GetPullRequest = "get_pull_request", PullRequests, read -> PullRequest { pull_request_id: ResourceId }
    /// Pull requests by state (`open` when omitted, all when `null`), optionally by head branch.
    GetPullRequests = "get_pull_requests", PullRequests, list -> Page<PullRequest> {
        #[serde(default = "crate::actions::catalogue::open_state")]
        state: Option<PullRequestState>,
        head: Option<String>,
    }
    /// Files changed by a pull request.
    GetPullRequestFiles = "get_pull_request_files", PullRequests, list -> Page<PullRequestFile> {
        pull_request_id: ResourceId,
    }
    /// Commits of a pull request.
    GetPullRequestCommits = "get_pull_request_commits", PullRequests, list -> Page<PullRequestCommit> {
        pull_request_id: ResourceId,
    }
    /// The pull request's unified diff.
    GetPullRequestDiff = "get_pull_request_diff", PullRequests, read -> String { pull_request_id: ResourceId }
    /// Open a pull request.
    CreatePullRequest = "create_pull_request", PullRequests, write -> PullRequest {
        title: String,
        body: String,
        head: String,
        base: String,
    }
    /// Open a draft pull request.
    CreatePullRequestDraft = "create_pull_request_draft", PullRequests, write -> PullRequest {
        title: String,
        body: String,
        head: String,
        base: String,
    }
    /// Take a pull request out of draft.
    MarkPullRequestReadyForReview = "mark_pull_request_ready_for_review", PullRequests, write -> () {
        pull_request_id: ResourceId,
    }
    /// Change a pull request's title, body or state.
    UpdatePullRequest = "update_pull_request", PullRequests, write -> PullRequest {
        pull_request_id: ResourceId,
        title: Option<String>,
        body: Option<String>,
        state: Option<PullRequestState>,
    }
    /// Ask people for a review.
    RequestReview = "request_review", PullRequests, write -> () {
        pull_request_id: ResourceId,
        reviewers: Vec<String>,
    }

    // ----- Git objects -----
    /// A tree's entries, page by page.
    GetTree = "get_tree", GitObjects, list -> Page<TreeEntry> {
        tree_sha: Sha,
        #[serde(default = "crate::actions::catalogue::yes")]
        recursive: bool,
    }
    /// A whole tree in one result (`truncated` says when the provider cut it).
    GetFullTree = "get_full_tree", GitObjects, read -> GitTree {
        tree_sha: Sha,
        #[serde(default = "crate::actions::catalogue::yes")]
        recursive: bool,
    }
    /// A raw commit object.
    GetGitCommit = "get_git_commit", GitObjects, read -> GitCommitObject { sha: Sha }
    /// Store a blob.
    CreateGitBlob = "create_git_blob", GitObjects, write -> GitBlob {
        content: String,
        #[serde(default)]
        encoding: ContentEncoding,
    }
    /// Store a tree, optionally on top of a base tree.
    CreateGitTree = "create_git_tree", GitObjects, write -> GitTree {
        tree: Vec<InputTreeEntry>,
        base_tree: Option<Sha>,
    }
    /// Store a commit object (does not move any branch).
    CreateGitCommit = "create_git_commit", GitObjects, write -> GitCommitObject {
        message: String,
        tree_sha: Sha,
        parent_shas: Vec<Sha>,
        author: Option<CommitAuthorParam>,
    }

    // ----- Files & archives -----
    /// A file's content at a ref.
    GetFileContent = "get_file_content", Files, read -> FileContent { path: String, r#ref: String }
    /// A directory's entries at a ref (default branch when omitted).
    GetDirectoryContents = "get_directory_contents", Files, list -> Page<FileContent> {
        path: String,
        r#ref: Option<String>,
    }
    /// The README at a ref.
    GetReadme = "get_readme", Files, read -> FileContent { r#ref: String }
    /// Every pull request template found at a ref (the usual locations).
    GetPullRequestTemplate = "get_pull_request_template", Files, read -> Vec<FileContent> { r#ref: String }
    /// A short-lived download link for an archive of a ref.
    GetArchiveLink = "get_archive_link", Files, read -> ArchiveLink {
        r#ref: String,
        #[serde(default)]
        archive_format: ArchiveFormat,
    }
    /// Stream an archive of a ref.
    DownloadArchive = "download_archive", Files, download -> Download {
        r#ref: String,
        #[serde(default)]
        archive_format: ArchiveFormat,
    }

    // ----- Checks & CI -----
    /// One check run.
    GetCheckRun = "get_check_run", Checks, read -> CheckRun { check_run_id: ResourceId }
    /// Report a check run on a commit.
    CreateCheckRun = "create_check_run", Checks, write -> CheckRun {
        name: String,
        head_sha: Sha,
        status: Option<BuildStatus>,
        conclusion: Option<BuildConclusion>,
        external_id: Option<String>,
        started_at: Option<Timestamp>,
        completed_at: Option<Timestamp>,
        output: Option<CheckRunOutput>,
    }
    /// Update a check run's status, conclusion or output.
    UpdateCheckRun = "update_check_run", Checks, write -> CheckRun {
        check_run_id: ResourceId,
        status: Option<BuildStatus>,
        conclusion: Option<BuildConclusion>,
        output: Option<CheckRunOutput>,
    }
    /// Check runs of a check suite.
    ListCheckRunsInCheckSuite = "list_check_runs_in_check_suite", Checks, list -> Page<CheckRun> {
        check_suite_id: ResourceId,
        check_name: Option<String>,
        status: Option<CheckRunStatusFilter>,
        #[serde(default)]
        timestamp_filter: TimestampFilter,
    }
    /// Check runs on a ref.
    ListCheckRunsForRef = "list_check_runs_for_ref", Checks, list -> Page<CheckRun> {
        r#ref: String,
        check_name: Option<String>,
        status: Option<CheckRunStatusFilter>,
        #[serde(default)]
        timestamp_filter: TimestampFilter,
    }
    /// CI workflow runs (pipelines), optionally for one commit.
    ListWorkflowRuns = "list_workflow_runs", Checks, list -> Page<WorkflowRun> { head_sha: Option<Sha> }
    /// Jobs of a workflow run.
    ListWorkflowJobs = "list_workflow_jobs", Checks, list -> Page<WorkflowJob> { workflow_run_id: ResourceId }
    /// Stream a job's log.
    DownloadWorkflowJobLog = "download_workflow_job_log", Checks, download -> Download { job_id: ResourceId }

    // ----- Reviews -----
    /// Comment on a whole file of the diff.
    CreateReviewCommentFile = "create_review_comment_file", Reviews, write -> ReviewComment {
        pull_request_id: ResourceId,
        commit_id: Sha,
        body: String,
        path: String,
        side: ReviewSide,
    }
    /// Comment on a line (or, with `start_line`, a range of lines) of the diff.
    CreateReviewComment = "create_review_comment", Reviews, write -> ReviewComment {
        pull_request_id: ResourceId,
        commit_id: Sha,
        body: String,
        path: String,
        line: DiffLine,
        start_line: Option<DiffLine>,
    }
    /// Reply to a review comment's thread.
    CreateReviewCommentReply = "create_review_comment_reply", Reviews, write -> ReviewComment {
        pull_request_id: ResourceId,
        body: String,
        comment_id: ResourceId,
    }
    /// Submit a review with comments.
    CreateReview = "create_review", Reviews, write -> Review {
        pull_request_id: ResourceId,
        commit_sha: Sha,
        event: ReviewEvent,
        comments: Vec<ReviewCommentInput>,
        body: Option<String>,
    }
    /// Edit a review comment.
    UpdateReviewComment = "update_review_comment", Reviews, write -> ReviewComment {
        pull_request_id: ResourceId,
        comment_id: ResourceId,
        body: String,
    }
    /// Comments of one review.
    GetReviewComments = "get_review_comments", Reviews, list -> Page<ReviewComment> {
        pull_request_id: ResourceId,
        review_id: ResourceId,
    }
    /// One review.
    GetPullRequestReview = "get_pull_request_review", Reviews, read -> Review {
        pull_request_id: ResourceId,
        review_id: ResourceId,
    }
    /// Review threads with their comments (and reactions when asked).
    GetPullRequestReviewThreads = "get_pull_request_review_threads", Reviews, list -> Page<ReviewThread> {
        pull_request_id: ResourceId,
        #[serde(default)]
        include_reactions: bool,
    }
    /// Reviews of a pull request.
    ListPullRequestReviews = "list_pull_request_reviews", Reviews, list -> Page<Review> { pull_request_id: ResourceId }

    // ----- Moderation -----
    /// Hide a comment with a reason.
    MinimizeComment = "minimize_comment", Moderation, write -> () {
        comment_node_id: String,
        reason: MinimizeReason,
    }
    /// The review thread holding a review comment, by the comment's id.
    GetThreadIdFromReviewCommentUniqueId = "get_thread_id_from_review_comment_unique_id", Moderation, read -> Option<String> {
        pull_request_id: ResourceId,
        review_comment_unique_id: ResourceId,
    }
    /// Resolve a review thread and hide its comment.
    CollapsePullRequestComment = "collapse_pull_request_comment", Moderation, write -> () {
        pull_request_id: ResourceId,
        thread_id: String,
        comment_node_id: String,
        #[serde(default = "crate::actions::catalogue::outdated")]
        reason: MinimizeReason,
    }
    /// Edit a review comment, then resolve its thread and hide it.
    UpdateAndCollapsePullRequestComment = "update_and_collapse_pull_request_comment", Moderation, write -> ReviewComment {
        pull_request_id: ResourceId,
        thread_id: String,
        comment_id: ResourceId,
        comment_node_id: String,
        body: String,
        #[serde(default = "crate::actions::catalogue::outdated")]
        reason: MinimizeReason,
    }

    // ----- Webhook deliveries -----
    /// Recent deliveries of a hook source, newest first (only those at or after `since`).
    ListHookDeliveries = "list_hook_deliveries", Deliveries, list -> Page<HookDelivery> {
        source: HookSource,
        /// The hook of a `repository` or `organization` source.
        hook_id: Option<ResourceId>,
        since: Option<Timestamp>,
    }
    /// One delivery by its `id`, with the request when the provider keeps it.
    GetHookDelivery = "get_hook_delivery", Deliveries, read -> HookDelivery {
        source: HookSource,
        hook_id: Option<ResourceId>,
        /// The delivery's `id` (not its `delivery_id`).
        delivery_id: ResourceId,
    }
    /// Ask the provider to send a delivery again (same payload, same delivery id).
    RedeliverHookDelivery = "redeliver_hook_delivery", Deliveries, write -> () {
        source: HookSource,
        hook_id: Option<ResourceId>,
        /// The delivery's `id` (not its `delivery_id`).
        delivery_id: ResourceId,
    }
}

fn open_state() -> Option<PullRequestState> {
    Some(PullRequestState::Open)
}

fn yes() -> bool {
    true
}

fn outdated() -> MinimizeReason {
    MinimizeReason::Outdated
}
