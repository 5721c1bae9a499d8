"""Wire errors become their classes; the retry policy is bounded.

The bodies here are ours (written after the server's JSON:API error shape);
the same classes are exercised against the real server in test_server.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import httpx
import pytest

from scm_client import (
    ERRORS,
    ProviderUnavailable,
    RateLimitExceeded,
    ResourceConflict,
    RetryPolicy,
    RpcInvalidGrant,
    RpcRefused,
    SCMError,
    Unhandled,
)
from scm_client.errors import error_from_answer
from scm_client.transport import retry_after_seconds


def body(code: str, status: int, detail: str) -> bytes:
    return (
        f'{{"errors":[{{"code":"{code}","status":{status},"title":"T","detail":"{detail}"}}]}}'
    ).encode()


@pytest.mark.parametrize("code", sorted(ERRORS))
def test_each_code_maps_to_its_class(code: str) -> None:
    err = error_from_answer(418, body(code, 418, f"{code}: what happened"))
    assert type(err) is ERRORS[code]
    assert (err.code, err.status, err.title, err.detail) == (code, 418, "T", "what happened")
    assert isinstance(err, SCMError)
    assert str(err) == f"{code}: what happened"


def test_refusals_of_the_server_share_a_base() -> None:
    err = error_from_answer(403, body("rpc_invalid_grant", 403, "no"))
    assert isinstance(err, RpcInvalidGrant) and isinstance(err, RpcRefused)
    assert not isinstance(error_from_answer(409, body("resource_conflict", 409, "")), RpcRefused)


def test_provider_errors_say_where_they_came_from() -> None:
    answer = (
        b'{"errors":[{"code":"resource_not_found","status":404,"title":"T",'
        b'"detail":"resource_not_found: gone","meta":{"provider":"gitlab","action":"get_issue"}}]}'
    )
    err = error_from_answer(404, answer)
    assert (err.provider, err.action, err.detail) == ("gitlab", "get_issue", "gone")
    assert error_from_answer(404, body("resource_not_found", 404, "x")).provider is None


def test_answers_without_a_coded_error() -> None:
    err = error_from_answer(502, b"<html>bad gateway</html>")
    assert isinstance(err, ProviderUnavailable) and err.status == 502
    err = error_from_answer(418, b"")
    assert isinstance(err, Unhandled) and err.status == 418
    err = error_from_answer(418, body("brand_new", 418, "x"))
    assert isinstance(err, Unhandled) and err.detail == "brand_new: x"


def test_retry_after_is_seconds_or_an_http_date() -> None:
    assert retry_after_seconds(httpx.Headers({"retry-after": "7"})) == 7.0
    later = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=30), usegmt=True)
    seconds = retry_after_seconds(httpx.Headers({"retry-after": later}))
    assert seconds is not None and 25 <= seconds <= 31
    assert retry_after_seconds(httpx.Headers({"retry-after": "soon"})) is None
    assert retry_after_seconds(httpx.Headers()) is None


def test_retries_are_bounded_and_only_for_transient_errors() -> None:
    policy = RetryPolicy(max_retries=2, backoff=0.5, max_delay=10.0)
    limited = RateLimitExceeded("slow down", retry_after=3.0)
    assert policy.delay(0, limited) == 3.0
    assert policy.delay(2, limited) is None, "no third retry"
    assert policy.delay(0, RateLimitExceeded("x", retry_after=60.0)) is None, "too long to wait"
    first = policy.delay(0, ProviderUnavailable("down"))
    assert first is not None and 0.25 <= first <= 0.5
    assert policy.delay(0, ResourceConflict("no")) is None
