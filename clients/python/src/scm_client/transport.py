"""The parts of a call the synchronous and asynchronous clients share: the
signed request, the retry decision, and reading answers into results.
"""

from __future__ import annotations

import json
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, cast

import httpx

from scm_client.catalogue import ActionSpec
from scm_client.errors import (
    InvalidInput,
    ProviderMalformedResponse,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimitExceeded,
    SCMError,
    ServiceUnavailable,
    error_from_answer,
)
from scm_client.models import ResponseMeta
from scm_client.results import ActionResult, Download, NotModified, Page
from scm_client.signing import Signed, new_nonce, unix_now
from scm_client.target import Target

DEFAULT_TIMEOUT = 120.0
"""Seconds for one request (connect, read and write each)."""

# Errors worth trying again: the condition is expected to pass.
TRANSIENT: tuple[type[SCMError], ...] = (
    RateLimitExceeded,
    ProviderUnavailable,
    ProviderTimeout,
    ServiceUnavailable,
)


@dataclass(frozen=True)
class RetryPolicy:
    """Retries of idempotent calls (reads, lists, web URLs, downloads, capabilities)
    on transient errors: 429, 503, 504 and unreachable servers.

    A ``Retry-After`` the server sends is honoured when it is at most
    ``max_delay`` seconds (otherwise the error is raised at once); without
    one, the wait doubles from ``backoff`` with jitter. Writes are never
    retried. Each attempt is signed anew (fresh timestamp and nonce).
    """

    max_retries: int = 3
    backoff: float = 0.5
    max_delay: float = 30.0

    def delay(self, attempt: int, error: SCMError) -> float | None:
        """Seconds to wait before retry number ``attempt + 1``, or None to give up."""
        if attempt >= self.max_retries or not isinstance(error, TRANSIENT):
            return None
        if error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_delay else None
        wait: float = min(self.backoff * 2**attempt, self.max_delay)
        return wait * (0.5 + random.random() / 2)


NO_RETRIES = RetryPolicy(max_retries=0)


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """``Retry-After`` as seconds: delta seconds or an HTTP date."""
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


def _json_value(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def encode_arguments(spec: ActionSpec, arguments: Mapping[str, Any]) -> bytes:
    """The JSON body: None arguments are left out (their default), except
    those whose default is not null (``keep_null``)."""
    body = {k: v for k, v in arguments.items() if v is not None or k in spec.keep_null}
    try:
        text = json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=_json_value)
    except (TypeError, ValueError) as err:
        raise InvalidInput(f"the arguments of `{spec.name}` are not JSON: {err}") from None
    return text.encode("utf-8")


def signed_request(
    target: Target, method: str, path: str, body: bytes, extra: Mapping[str, str]
) -> tuple[str, dict[str, str]]:
    """The URL and headers of one attempt, signed with a fresh nonce."""
    signed = Signed(
        method=method,
        path=path,
        timestamp=unix_now(),
        nonce=new_nonce(),
        organization=str(target.organization_id),
        repository=target.repository_header(),
        referrer=target.referrer,
        body=body,
    )
    headers = signed.headers(target.key_id, target.secret)
    headers.update(extra)
    if body:
        headers["content-type"] = "application/json"
    return target.base_url + path, headers


def answer_error(response: httpx.Response) -> SCMError:
    """The coded error of a non-2xx answer whose body was read."""
    return error_from_answer(
        response.status_code, response.content, retry_after_seconds(response.headers)
    )


def unreachable(err: httpx.TransportError) -> SCMError:
    """A transport failure as the error the Rust client gives for it."""
    if isinstance(err, httpx.TimeoutException):
        return ProviderTimeout(f"the RPC server did not answer in time: {type(err).__name__}")
    return ProviderUnavailable(
        f"the RPC server could not be reached: {type(err).__name__}: {err}", status=None
    )


def interrupted(err: httpx.TransportError, written: int) -> SCMError:
    """A transport failure during a download: retried only if nothing was written yet."""
    if written == 0:
        return unreachable(err)
    return ProviderMalformedResponse(
        f"the download broke off after {written} bytes: {type(err).__name__}"
    )


def parse_json(content: bytes, what: str) -> Any:
    try:
        return json.loads(content)
    except ValueError as err:
        raise ProviderMalformedResponse(f"{what} from the RPC server: {err}") from None


def decode_result(spec: ActionSpec, content: bytes) -> ActionResult[Any] | NotModified:
    """An action's JSON answer as a result; lists become ``Page``."""
    value = parse_json(content, "result")
    try:
        provider = str(value["provider"])
        meta = cast(ResponseMeta, value.get("meta") or {})
        if value.get("status") == "not_modified":
            return NotModified(provider=provider, meta=meta)
        data = value.get("data")
        if spec.kind == "list":
            data = Page(items=list(data["items"]), next_cursor=data.get("next_cursor"))
        return ActionResult(data=data, provider=provider, meta=meta, raw=value.get("raw"))
    except (KeyError, TypeError, AttributeError) as err:
        raise ProviderMalformedResponse(f"result from the RPC server: {err!r}") from None


def download_result(
    response: httpx.Response, written: int, provider: str
) -> ActionResult[Download]:
    """The result of a download whose body was written to the caller's file."""
    headers = response.headers
    length = headers.get("content-length")
    filename = None
    disposition = headers.get("content-disposition", "")
    marker = 'filename="'
    if marker in disposition:
        filename = disposition.split(marker, 1)[1].split('"', 1)[0]
    meta = ResponseMeta()
    if "etag" in headers:
        meta["etag"] = headers["etag"]
    if "last-modified" in headers:
        meta["last_modified"] = headers["last-modified"]
    download = Download(
        bytes_written=written,
        content_type=headers.get("content-type"),
        content_length=int(length) if length and length.isdigit() else None,
        filename=filename,
    )
    return ActionResult(data=download, provider=provider, meta=meta)
