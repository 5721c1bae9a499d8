"""One exception base, ``SCMError``, and a subclass per stable error code.

Every failure the server answers carries a stable ``code`` (the class), the
HTTP ``status``, a short ``title`` and a ``detail``; ``except SCMError``
catches them all, ``except ResourceNotFound`` one of them. The client raises
the same classes for what it refuses itself (``Unsupported`` from the cached
capabilities, ``InvalidInput`` for arguments it cannot encode) and for a
server it cannot reach (``ProviderUnavailable``). Messages never contain the
secret.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

__all__ = [
    "ERRORS",
    "InvalidInput",
    "MethodNotAllowed",
    "NotFound",
    "ProviderMalformedResponse",
    "ProviderTimeout",
    "ProviderUnauthorized",
    "ProviderUnavailable",
    "ProviderUnexpectedStatus",
    "RateLimitExceeded",
    "RepositoryInactive",
    "RepositoryNotFound",
    "RepositoryOrganizationMismatch",
    "RequestHeaderFieldsTooLarge",
    "RequestTimeout",
    "ResourceConflict",
    "ResourceForbidden",
    "ResourceNotFound",
    "ResourceUnprocessableContent",
    "RpcInvalidGrant",
    "RpcInvalidPath",
    "RpcInvalidSignature",
    "RpcMalformedRequest",
    "RpcRefused",
    "RpcReplayedRequest",
    "RpcRequestTooLarge",
    "RpcStaleRequest",
    "SCMError",
    "ServiceUnavailable",
    "Unhandled",
    "Unsupported",
    "UriTooLong",
    "error_from_answer",
    "error_from_code",
]


class SCMError(Exception):
    """Base of every error of the client: catch this one."""

    code: ClassVar[str] = "unhandled"
    default_status: ClassVar[int] = 500

    def __init__(
        self,
        detail: str = "",
        *,
        status: int | None = None,
        title: str = "",
        retry_after: float | None = None,
        provider: str | None = None,
        action: str | None = None,
    ) -> None:
        self.detail = detail
        self.status = self.default_status if status is None else status
        self.title = title
        self.retry_after = retry_after
        """Seconds to wait before trying again, when the server said so."""
        self.provider = provider
        """The provider a provider error came from, when the server said so."""
        self.action = action
        """The action a provider error came from, when the server said so."""
        super().__init__(f"{self.code}: {detail}" if detail else self.code)


class RpcRefused(SCMError):
    """The RPC server refused the request itself (signature, grants, size, path)."""


class ResourceNotFound(SCMError):
    """The provider answered 404."""

    code = "resource_not_found"
    default_status = 404


class ResourceForbidden(SCMError):
    """The provider refused for a reason other than rate limiting."""

    code = "resource_forbidden"
    default_status = 403


class ProviderUnauthorized(SCMError):
    """The provider rejected the platform's credentials (yours were fine)."""

    code = "provider_unauthorized"
    default_status = 502


class ResourceConflict(SCMError):
    """The provider answered 409."""

    code = "resource_conflict"
    default_status = 409


class ResourceUnprocessableContent(SCMError):
    """The provider refused the request as invalid; ``detail`` keeps its messages."""

    code = "resource_unprocessable_content"
    default_status = 422


class RateLimitExceeded(SCMError):
    """The provider's quota (or the referrer's allocation) is used up; see ``retry_after``."""

    code = "rate_limit_exceeded"
    default_status = 429


class Unsupported(SCMError):
    """The repository's provider cannot express this action."""

    code = "unsupported"
    default_status = 501


class ProviderUnavailable(SCMError):
    """The provider (or the RPC server) answered 5xx or could not be reached."""

    code = "provider_unavailable"
    default_status = 503


class ProviderTimeout(SCMError):
    """The provider did not answer in time."""

    code = "provider_timeout"
    default_status = 504


class ProviderMalformedResponse(SCMError):
    """An answer could not be understood."""

    code = "provider_malformed_response"
    default_status = 502


class InvalidInput(SCMError):
    """The arguments are invalid (bad cursor, wrong type, unknown field)."""

    code = "invalid_input"
    default_status = 400


class RepositoryNotFound(SCMError):
    """The repository is not in the platform's registry."""

    code = "repository_not_found"
    default_status = 404


class RepositoryInactive(SCMError):
    """The repository is registered but deactivated."""

    code = "repository_inactive"
    default_status = 404


class RepositoryOrganizationMismatch(SCMError):
    """The repository belongs to another organization than the caller's."""

    code = "repository_organization_mismatch"
    default_status = 404


class Unhandled(SCMError):
    """An answer with no mapping (an unknown code keeps its name in ``detail``)."""

    code = "unhandled"
    default_status = 500


class RpcMalformedRequest(RpcRefused):
    """A signing header is missing or malformed."""

    code = "rpc_malformed_request"
    default_status = 400


class RpcInvalidSignature(RpcRefused):
    """Unknown or revoked key, or a signature that does not match."""

    code = "rpc_invalid_signature"
    default_status = 401


class RpcStaleRequest(RpcRefused):
    """The timestamp is outside the accepted window (check the clock)."""

    code = "rpc_stale_request"
    default_status = 401


class RpcReplayedRequest(RpcRefused):
    """The nonce was already used within the window."""

    code = "rpc_replayed_request"
    default_status = 401


class RpcInvalidGrant(RpcRefused):
    """The key's grants do not cover this organization, referrer or action."""

    code = "rpc_invalid_grant"
    default_status = 403


class RpcRequestTooLarge(RpcRefused):
    """The body is larger than the server accepts."""

    code = "rpc_request_too_large"
    default_status = 413


class RpcInvalidPath(RpcRefused):
    """The request path is not a valid RPC path."""

    code = "rpc_invalid_path"
    default_status = 400


class NotFound(RpcRefused):
    """No such endpoint or action on the server."""

    code = "not_found"
    default_status = 404


class ServiceUnavailable(RpcRefused):
    """The server cannot serve now (its registry does not answer)."""

    code = "service_unavailable"
    default_status = 503


class MethodNotAllowed(RpcRefused):
    """The endpoint exists but not for this HTTP method."""

    code = "method_not_allowed"
    default_status = 405


class RequestTimeout(RpcRefused):
    """The request's body did not arrive in time."""

    code = "request_timeout"
    default_status = 408


class UriTooLong(RpcRefused):
    """The request's URI is longer than the server reads."""

    code = "uri_too_long"
    default_status = 414


class RequestHeaderFieldsTooLarge(RpcRefused):
    """The request's headers are larger than the server reads."""

    code = "request_header_fields_too_large"
    default_status = 431


class ProviderUnexpectedStatus(SCMError):
    """The provider answered a status with no mapping (its status is in ``detail``)."""

    code = "provider_unexpected_status"
    default_status = 502


ERRORS: dict[str, type[SCMError]] = {
    cls.code: cls
    for cls in (
        ResourceNotFound,
        ResourceForbidden,
        ProviderUnauthorized,
        ResourceConflict,
        ResourceUnprocessableContent,
        RateLimitExceeded,
        Unsupported,
        ProviderUnavailable,
        ProviderTimeout,
        ProviderMalformedResponse,
        InvalidInput,
        RepositoryNotFound,
        RepositoryInactive,
        RepositoryOrganizationMismatch,
        Unhandled,
        RpcMalformedRequest,
        RpcInvalidSignature,
        RpcStaleRequest,
        RpcReplayedRequest,
        RpcInvalidGrant,
        RpcRequestTooLarge,
        RpcInvalidPath,
        NotFound,
        ServiceUnavailable,
        MethodNotAllowed,
        RequestTimeout,
        UriTooLong,
        RequestHeaderFieldsTooLarge,
        ProviderUnexpectedStatus,
    )
}
"""Every stable code and its class."""


def error_from_code(
    code: str,
    status: int,
    detail: str = "",
    title: str = "",
    retry_after: float | None = None,
    provider: str | None = None,
    action: str | None = None,
) -> SCMError:
    """The error of a wire ``{code, status, title, detail}``; unknown codes are ``Unhandled``."""
    # The wire detail starts with the code (`resource_not_found: …`).
    prefix = f"{code}: "
    if detail.startswith(prefix):
        detail = detail[len(prefix) :]
    cls = ERRORS.get(code)
    if cls is None:
        return Unhandled(
            f"{code[:64]}: {detail}", status=status, title=title, provider=provider, action=action
        )
    return cls(
        detail,
        status=status,
        title=title,
        retry_after=retry_after,
        provider=provider,
        action=action,
    )


def error_from_answer(status: int, body: bytes, retry_after: float | None = None) -> SCMError:
    """The error of a non-2xx answer: its first coded error, or one made from the status."""
    try:
        parsed: Any = json.loads(body)
        first = parsed["errors"][0]
        code, detail = str(first["code"]), str(first.get("detail", ""))
        title = str(first.get("title", ""))
        wire_status = int(first.get("status", status))
        meta = first.get("meta") or {}
        provider = str(meta["provider"]) if "provider" in meta else None
        action = str(meta["action"]) if "action" in meta else None
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):
        detail = f"the RPC server answered HTTP {status} without a coded error"
        if status >= 500:
            return ProviderUnavailable(detail, status=status)
        return Unhandled(detail, status=status)
    return error_from_code(code, wire_status, detail, title, retry_after, provider, action)
