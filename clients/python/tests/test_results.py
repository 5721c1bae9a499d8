"""Reading the server's result envelope (bodies here are ours, in the shape of
docs/openapi.json; real answers are read in test_server.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from scm_client import ACTIONS, ActionResult, InvalidInput, NotModified, Page
from scm_client.options import conditional_headers
from scm_client.transport import decode_result, encode_arguments


def test_not_modified_is_a_typed_outcome() -> None:
    body = b'{"status":"not_modified","provider":"github","meta":{"etag":"\\"abc\\""}}'
    result = decode_result(ACTIONS["get_issue"], body)
    assert result == NotModified(provider="github", meta={"etag": '"abc"'})


def test_lists_become_pages() -> None:
    body = b'{"status":"ok","provider":"gitlab","meta":{},"data":{"items":[{"id":"1"}]}}'
    result = decode_result(ACTIONS["get_issue_comments"], body)
    assert isinstance(result, ActionResult)
    assert result.data == Page(items=[{"id": "1"}], next_cursor=None)
    assert list(result["data"]) == [{"id": "1"}] and len(result.data) == 1
    assert result["type"] == "gitlab"


def test_arguments_leave_out_none_except_where_null_means_something() -> None:
    spec = ACTIONS["get_pull_requests"]
    assert encode_arguments(spec, {"state": None, "head": None}) == b'{"state":null}'
    spec = ACTIONS["get_commits"]
    since = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert encode_arguments(spec, {"since": since}) == b'{"since":"2026-01-02T03:04:05+00:00"}'
    with pytest.raises(InvalidInput):
        encode_arguments(spec, {"ref": object()})


def test_conditional_headers() -> None:
    since = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    headers = conditional_headers({"if_none_match": '"x"', "if_modified_since": since})
    assert headers == {"if-none-match": '"x"', "if-modified-since": "Fri, 02 Jan 2026 03:04:05 GMT"}
    assert conditional_headers(None) == {}
