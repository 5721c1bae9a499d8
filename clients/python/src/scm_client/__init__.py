"""Python client of the SCM platform's RPC v1: every action of one repository,
typed, signed (request signing v1), with capability checks.

    from scm_client import SourceCodeManager, SCMError, create_issue_reaction

    with SourceCodeManager.connect(
        "http://127.0.0.1:8080", key_id, secret, organization_id=1,
        repository=("github", "octocat/hello-world"), referrer="ci",
    ) as scm:
        if isinstance(scm, CreateIssueReactionProtocol):
            create_issue_reaction(scm, issue_id="1", reaction="eyes")
"""

from scm_client import actions as _actions
from scm_client import errors as _errors
from scm_client.actions import *  # noqa: F403 (the generated actions, functions and protocols)
from scm_client.actions import ACTIONS, ALL_PROTOCOLS, AsyncActions, SyncActions
from scm_client.capabilities import Capabilities
from scm_client.catalogue import ActionSpec
from scm_client.errors import *  # noqa: F403 (one class per stable code)
from scm_client.errors import ERRORS, RpcRefused, SCMError
from scm_client.manager import AsyncSourceCodeManager, SourceCodeManager
from scm_client.options import PaginationParams, RequestOptions
from scm_client.pagination import aiter_items, aiter_pages, iter_items, iter_pages
from scm_client.results import ActionResult, Download, NotModified, Page
from scm_client.secret import Secret
from scm_client.target import RepositoryId, Target
from scm_client.transport import NO_RETRIES, RetryPolicy

__version__ = "0.1.0"

__all__ = [
    "ACTIONS",
    "ALL_PROTOCOLS",
    "ERRORS",
    "NO_RETRIES",
    "ActionResult",
    "ActionSpec",
    "AsyncActions",
    "AsyncSourceCodeManager",
    "Capabilities",
    "Download",
    "NotModified",
    "Page",
    "PaginationParams",
    "RepositoryId",
    "RequestOptions",
    "RetryPolicy",
    "RpcRefused",
    "SCMError",
    "Secret",
    "SourceCodeManager",
    "SyncActions",
    "Target",
    "aiter_items",
    "aiter_pages",
    "get_capabilities",
    "iter_items",
    "iter_pages",
]
__all__ += [name for name in _actions.__all__ + _errors.__all__ if name not in __all__]


def get_capabilities(scm: SourceCodeManager | AsyncSourceCodeManager) -> list[str]:
    """The names of the protocols ``scm`` satisfies, minus the ``Protocol`` suffix."""
    return [p.__name__.removesuffix("Protocol") for p in ALL_PROTOCOLS if isinstance(scm, p)]
