"""Answers the real deployment cannot produce here, from a stand-in HTTP
server (ours, stdlib ``http.server`` on 127.0.0.1): a successful streamed
download (prism's archive links point at GitHub's download host, which this
machine cannot reach) and ``429`` with ``Retry-After`` (prism never rate
limits). Everything else is tested against the real ``scm serve`` in
test_server.py.
"""

from __future__ import annotations

import asyncio
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest

from scm_client import (
    ACTIONS,
    AsyncSourceCodeManager,
    RateLimitExceeded,
    RetryPolicy,
    SourceCodeManager,
)

ARCHIVE = bytes(range(256)) * 1024  # 256 KiB, every byte value


class StandIn(BaseHTTPRequestHandler):
    """Capabilities, a download, and an action that is rate limited `limited` times."""

    limited: ClassVar[int] = 0
    calls: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def reply(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        caps = {"provider": "github", "supported": sorted(ACTIONS), "unsupported": []}
        self.reply(200, json.dumps(caps).encode(), {"content-type": "application/json"})

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", "0")))
        type(self).calls.append(self.path)
        if self.path == "/v1/actions/download_archive":
            self.reply(200, ARCHIVE, {
                "content-type": "application/x-gzip",
                "content-disposition": 'attachment; filename="hello-world-main.tar.gz"',
            })  # fmt: skip
            return
        if type(self).limited > 0:
            type(self).limited -= 1
            error = {"errors": [{"code": "rate_limit_exceeded", "status": 429,
                                 "title": "Rate limit exceeded",
                                 "detail": "rate_limit_exceeded: slow down"}]}  # fmt: skip
            self.reply(429, json.dumps(error).encode(), {"retry-after": "0"})
            return
        result = {"status": "ok", "provider": "github", "meta": {},
                  "data": {"id": "1", "title": "t", "state": "open", "assignees": [],
                           "labels": []}}  # fmt: skip
        self.reply(200, json.dumps(result).encode(), {"content-type": "application/json"})


@pytest.fixture
def stand_in() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
    StandIn.calls = []
    StandIn.limited = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def connect(base_url: str, retry: RetryPolicy | None = None) -> SourceCodeManager:
    return SourceCodeManager.connect(base_url, "key_1", "s3cret", 1, 1, retry=retry)


def test_downloads_stream_into_the_file_object(stand_in: str) -> None:
    with connect(stand_in) as scm:
        out = io.BytesIO()
        result = scm.download_archive(ref="main", destination=out)
    assert out.getvalue() == ARCHIVE
    assert result.data.bytes_written == len(ARCHIVE) == result.data.content_length
    assert result.data.filename == "hello-world-main.tar.gz"
    assert result.data.content_type == "application/x-gzip"
    assert result.provider == "github"


def test_async_downloads_stream_too(stand_in: str) -> None:
    async def main() -> int:
        async with await AsyncSourceCodeManager.connect(stand_in, "k", "s", 1, 1) as scm:
            out = io.BytesIO()
            result = await scm.download_archive(ref="main", destination=out)
            assert out.getvalue() == ARCHIVE
            return result.data.bytes_written

    assert asyncio.run(main()) == len(ARCHIVE)


def test_rate_limited_reads_are_retried_after_retry_after(stand_in: str) -> None:
    StandIn.limited = 2
    with connect(stand_in, RetryPolicy(max_retries=3)) as scm:
        assert scm.get_issue(issue_id="1").data["id"] == "1"
    assert StandIn.calls.count("/v1/actions/get_issue") == 3


def test_retries_are_bounded_and_writes_are_not_retried(stand_in: str) -> None:
    StandIn.limited = 10
    with connect(stand_in, RetryPolicy(max_retries=2)) as scm:
        with pytest.raises(RateLimitExceeded) as limited:
            scm.get_issue(issue_id="1")
        assert limited.value.retry_after == 0.0
        assert limited.value.detail == "slow down"
        assert StandIn.calls.count("/v1/actions/get_issue") == 3
        with pytest.raises(RateLimitExceeded):
            scm.create_issue_comment(issue_id="1", body="x")
        assert StandIn.calls.count("/v1/actions/create_issue_comment") == 1
