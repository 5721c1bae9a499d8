"""The client against the real ``scm serve`` (see conftest.py): success,
pagination, every error class the deployment can produce, replay and grant
refusals, capability checks for a GitHub and a GitLab repository, and every
action of the catalogue through its typed method.
"""

from __future__ import annotations

import asyncio
import io
from typing import Any

import httpx
import pytest
from conftest import ORG, OTHER_ORG, Deployment, Key
from samples import arguments

import scm_client
from scm_client import (
    ACTIONS,
    NO_RETRIES,
    ActionResult,
    AsyncSourceCodeManager,
    CreateIssueReactionProtocol,
    GetGitCommitProtocol,
    GetIssueProtocol,
    InvalidInput,
    NotFound,
    NotModified,
    ProviderUnavailable,
    RepositoryId,
    RepositoryInactive,
    RepositoryNotFound,
    RepositoryOrganizationMismatch,
    ResourceForbidden,
    ResourceNotFound,
    RetryPolicy,
    RpcInvalidGrant,
    RpcInvalidSignature,
    RpcMalformedRequest,
    RpcReplayedRequest,
    RpcRequestTooLarge,
    RpcStaleRequest,
    SCMError,
    Secret,
    SourceCodeManager,
    Target,
    Unsupported,
    create_issue_reaction,
    get_capabilities,
    iter_items,
    iter_pages,
)
from scm_client.errors import error_from_answer
from scm_client.signing import Signed, new_nonce, unix_now


class Sent:
    """Counts the requests an ``httpx.Client`` sends (an event hook, no mock)."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> None:
        self.requests.append(request)

    def client(self) -> httpx.Client:
        return httpx.Client(event_hooks={"request": [self]})


def connect(
    d: Deployment,
    repository: RepositoryId | None = None,
    key: Key | None = None,
    organization: int = ORG,
    **options: Any,
) -> SourceCodeManager:
    key = key or d.key
    return SourceCodeManager.connect(
        d.base_url,
        key.key_id,
        key.secret,
        organization,
        d.github_repo if repository is None else repository,
        "e2e",
        **options,
    )


# ---------------------------------------------------------------------------
# Success, results, pagination


def test_actions_return_typed_results(deployment: Deployment) -> None:
    with connect(deployment) as scm:
        issue = scm.get_issue(issue_id="1347")
        assert issue.provider == "github"
        assert issue.data["id"] == "1347"
        assert issue["data"]["title"] == issue.data["title"], "result['data'] works too"
        assert issue.raw is not None and issue.raw["status"] == 200
        comment = scm.create_issue_comment(issue_id="1347", body="from the Python client")
        assert comment.data["id"]
        reaction = create_issue_reaction(scm, issue_id="1347", reaction="eyes")
        assert reaction.data["id"] and reaction.data["reaction"]
        url = scm.get_pull_request_url(pull_request_id="7")
        assert url.data.startswith("https://github.com/octocat/hello-world/")


def test_by_provider_and_external_id(deployment: Deployment) -> None:
    with connect(deployment, repository=("github", "octocat/hello-world")) as scm:
        assert scm.get_issue(issue_id="1").data["id"]


def test_pages_follow_next_cursor_to_the_end(deployment: Deployment) -> None:
    with connect(deployment) as scm:
        # GitHub's description has no Link header for directory contents:
        # one page, and next_cursor None ends the iteration.
        pages = list(iter_pages(scm.get_directory_contents, path="src"))
        assert len(pages) == 1 and pages[0].next_cursor is None and pages[0].items
        # prism's examples for pull requests always carry a `next` link, so that
        # list never ends against it: the cursor of each page leads to the next.
        first = scm.get_pull_requests(pagination={"per_page": 2})
        assert first.data.items and first.data.next_cursor
        second = scm.get_pull_requests(pagination={"cursor": first.data.next_cursor})
        assert second.data.items
        pulls = list(iter_items(scm.get_pull_requests, max_pages=3, pagination={"per_page": 2}))
        assert len(pulls) >= 3 and all(pull["id"] for pull in pulls)


def test_conditional_options_are_sent(deployment: Deployment) -> None:
    sent = Sent()
    with connect(deployment, http_client=sent.client()) as scm:
        result = scm.get_issue(issue_id="1", request_options={"if_none_match": '"abc"'})
        # prism never answers 304, so the read is a full result here; the
        # not-modified outcome is decoded in test_results.py.
        assert isinstance(result, (ActionResult, NotModified))
        assert sent.requests[-1].headers["if-none-match"] == '"abc"'


# Actions whose outcome against prism on GitHub's REST description is an
# error, and why. Every other action must succeed.
EXPECTED_ERRORS: dict[str, type[SCMError]] = {
    # GraphQL-backed: the REST description has no /graphql, prism answers 404.
    "collapse_pull_request_comment": ResourceNotFound,
    "get_pull_request_review_threads": ResourceNotFound,
    "get_thread_id_from_review_comment_unique_id": ResourceNotFound,
    "mark_pull_request_ready_for_review": ResourceNotFound,
    "minimize_comment": ResourceNotFound,
    "update_and_collapse_pull_request_comment": ResourceNotFound,
    "create_pull_request_review_reaction": ResourceNotFound,
    "delete_pull_request_review_reaction": ResourceNotFound,
    # Redirects to GitHub's download host, which this machine cannot reach.
    "download_archive": ProviderUnavailable,
    "download_workflow_job_log": ProviderUnavailable,
    # Needs GitHub App credentials; the integration's token may not (403).
    "get_app_installation": ResourceForbidden,
    # The first hook source, `app`, needs GitHub App credentials too.
    "list_hook_deliveries": ResourceForbidden,
    "get_hook_delivery": ResourceForbidden,
    "redeliver_hook_delivery": ResourceForbidden,
}


def test_every_action_through_its_typed_method(deployment: Deployment) -> None:
    outcomes: dict[str, str] = {}
    with connect(deployment, retry=NO_RETRIES) as scm:
        for name, spec in sorted(ACTIONS.items()):
            args = arguments(name)
            if spec.kind == "download":
                args["destination"] = io.BytesIO()
            try:
                result = getattr(scm, name)(**args)
            except SCMError as err:
                outcomes[name] = type(err).__name__
                continue
            assert isinstance(result, ActionResult), name
            outcomes[name] = "ok"
    expected = {name: EXPECTED_ERRORS[name].__name__ if name in EXPECTED_ERRORS else "ok"
                for name in ACTIONS}  # fmt: skip
    assert outcomes == expected
    print(f"{len(outcomes)} actions called, {sum(v == 'ok' for v in outcomes.values())} succeeded")


# ---------------------------------------------------------------------------
# Capabilities


def test_capabilities_of_a_github_repository(deployment: Deployment) -> None:
    with connect(deployment) as scm:
        assert scm.provider == "github"
        assert scm.supports("create_issue_reaction")
        assert isinstance(scm, CreateIssueReactionProtocol)
        assert isinstance(scm, GetGitCommitProtocol)
        assert len(get_capabilities(scm)) == len(ACTIONS)


def test_capabilities_of_a_gitlab_repository(deployment: Deployment) -> None:
    sent = Sent()
    with connect(deployment, repository=deployment.gitlab_repo, http_client=sent.client()) as scm:
        assert scm.provider == "gitlab"
        assert isinstance(scm, GetIssueProtocol)
        assert not scm.supports("get_git_commit")
        assert not isinstance(scm, GetGitCommitProtocol)
        assert "GetGitCommit" not in get_capabilities(scm)
        assert 0 < len(scm.capabilities.supported) < len(ACTIONS)
        assert len(sent.requests) == 1, "capabilities are fetched once"
        with pytest.raises(Unsupported) as refused:
            scm.get_git_commit(sha="6dcb09b5b57875f334f61aebed695e2e4193db5e")
        assert refused.value.status == 501
        assert len(sent.requests) == 1, "refused locally, without a request"
        scm.fetch_capabilities()
        assert len(sent.requests) == 1, "and cached"


def test_the_server_refuses_unsupported_actions_too(deployment: Deployment) -> None:
    key = deployment.key
    target = Target(deployment.base_url, key.key_id, Secret(key.secret), ORG,
                    deployment.gitlab_repo, "e2e")  # fmt: skip
    with SourceCodeManager(target) as scm:  # capabilities not fetched
        with pytest.raises(Unsupported) as refused:
            scm.get_git_commit(sha="6dcb09b5b57875f334f61aebed695e2e4193db5e")
        assert (refused.value.code, refused.value.status) == ("unsupported", 501)


# ---------------------------------------------------------------------------
# Errors


def test_wrong_secret_is_refused_without_showing_it(deployment: Deployment) -> None:
    wrong = Key(deployment.key.key_id, "wrong-secret-value")
    with pytest.raises(RpcInvalidSignature) as refused:
        connect(deployment, key=wrong)
    assert refused.value.status == 401
    assert "wrong-secret-value" not in str(refused.value) + repr(refused.value)


def test_grants_that_do_not_cover_the_action_are_refused(deployment: Deployment) -> None:
    with connect(deployment, key=deployment.narrow_key) as scm:
        assert scm.get_issue(issue_id="1").data["id"]
        with pytest.raises(RpcInvalidGrant) as refused:
            scm.create_issue_comment(issue_id="1", body="not granted")
        assert (refused.value.code, refused.value.status) == ("rpc_invalid_grant", 403)
    with pytest.raises(RpcInvalidGrant):
        connect(deployment, key=deployment.other_org_key)  # granted organization 8 only


def test_repository_errors(deployment: Deployment) -> None:
    with pytest.raises(RepositoryNotFound):
        connect(deployment, repository=deployment.github_repo + 1000)
    with pytest.raises(RepositoryInactive):
        connect(deployment, repository=deployment.inactive_repo)
    with pytest.raises(RepositoryOrganizationMismatch):
        connect(deployment, key=deployment.other_org_key, organization=OTHER_ORG)


def test_invalid_arguments_and_unknown_actions(deployment: Deployment) -> None:
    with connect(deployment) as scm:
        with pytest.raises(InvalidInput):
            scm.call("get_issue", {"issue_id": 5})
        with pytest.raises(InvalidInput):
            scm.call("get_issue", {"issue_id": "1", "extra": True})
        with pytest.raises(InvalidInput):
            scm.get_tree(tree_sha="not-a-sha")
        with pytest.raises(NotFound):
            scm.call("no_such_action", {})
        with pytest.raises(ResourceNotFound):
            scm.minimize_comment(comment_node_id="x", reason="SPAM")  # prism: no /graphql
        with pytest.raises(RpcRequestTooLarge):
            scm.create_issue_comment(issue_id="1", body="x" * (11 * 1024 * 1024))


def test_unreachable_provider_is_retried_then_raised(deployment: Deployment) -> None:
    sent = Sent()
    retry = RetryPolicy(max_retries=1, backoff=0.01)
    with connect(deployment, repository=deployment.unreachable_repo, http_client=sent.client(),
                 retry=retry) as scm:  # fmt: skip
        with pytest.raises(ProviderUnavailable) as down:
            scm.get_issue(issue_id="1")
        assert down.value.status == 503
        assert len(sent.requests) == 1 + 2, "capabilities, then the read and one retry"
        with pytest.raises(ProviderUnavailable):
            scm.create_issue_comment(issue_id="1", body="writes are not retried")
        assert len(sent.requests) == 1 + 2 + 1


def signed_headers(d: Deployment, body: bytes, **changes: Any) -> dict[str, str]:
    fields: dict[str, Any] = {
        "method": "POST",
        "path": "/v1/actions/get_issue",
        "timestamp": unix_now(),
        "nonce": new_nonce(),
        "organization": str(ORG),
        "repository": str(d.github_repo),
        "referrer": "e2e",
        "body": body,
    }
    fields.update(changes)
    headers = Signed(**fields).headers(d.key.key_id, Secret(d.key.secret))
    headers["content-type"] = "application/json"
    return headers


def test_a_replayed_nonce_is_refused(deployment: Deployment) -> None:
    body = b'{"issue_id":"1"}'
    headers = signed_headers(deployment, body)
    url = deployment.base_url + "/v1/actions/get_issue"
    with httpx.Client() as http:
        first = http.post(url, content=body, headers=headers)
        assert first.status_code == 200, first.text
        again = http.post(url, content=body, headers=headers)
    err = error_from_answer(again.status_code, again.content)
    assert isinstance(err, RpcReplayedRequest), err
    assert err.status == 401


def test_stale_and_malformed_requests_are_refused(deployment: Deployment) -> None:
    body = b'{"issue_id":"1"}'
    url = deployment.base_url + "/v1/actions/get_issue"
    stale = signed_headers(deployment, body, timestamp=unix_now() - 3600)
    short_nonce = signed_headers(deployment, body, nonce="short")
    with httpx.Client() as http:
        answers = [http.post(url, content=body, headers=h) for h in (stale, short_nonce)]
    errors = [error_from_answer(a.status_code, a.content) for a in answers]
    assert isinstance(errors[0], RpcStaleRequest), errors[0]
    assert isinstance(errors[1], RpcMalformedRequest), errors[1]


# ---------------------------------------------------------------------------
# Construction from the environment, and the asynchronous client


def test_from_env(deployment: Deployment) -> None:
    environ = {
        "SCM_SERVER": deployment.base_url,
        "SCM_CLIENT_KEY_ID": deployment.key.key_id,
        "SCM_CLIENT_SECRET": deployment.key.secret,
        "SCM_ORGANIZATION": str(ORG),
        "SCM_REPOSITORY": "github:octocat/hello-world",
        "SCM_REFERRER": "e2e",
    }
    with SourceCodeManager.from_env(environ) as scm:
        assert scm.target.repository == ("github", "octocat/hello-world")
        assert deployment.key.secret not in repr(scm) + repr(scm.target)
        assert scm.get_issue(issue_id="1").data["id"]
    with pytest.raises(InvalidInput, match="is required"):
        SourceCodeManager.from_env({})


def test_the_async_client(deployment: Deployment) -> None:
    d = deployment

    async def main() -> None:
        async with await AsyncSourceCodeManager.connect(
            d.base_url, d.key.key_id, d.key.secret, ORG, d.github_repo, "e2e"
        ) as scm:
            assert isinstance(scm, CreateIssueReactionProtocol)
            issue = await scm.get_issue(issue_id="1347")
            assert issue.data["id"] == "1347"
            pages = [p async for p in scm_client.aiter_pages(scm.get_directory_contents, path="x")]
            assert len(pages) == 1 and pages[0].next_cursor is None
            comments = [c async for c in scm_client.aiter_items(
                scm.get_issue_comments, max_pages=2, issue_id="1")]  # fmt: skip
            assert comments
            with pytest.raises(RpcInvalidGrant):
                await AsyncSourceCodeManager.connect(
                    d.base_url, d.other_org_key.key_id, d.other_org_key.secret, ORG,
                    d.github_repo, "e2e",
                )  # fmt: skip

    asyncio.run(main())
