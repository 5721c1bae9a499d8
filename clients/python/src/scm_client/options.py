"""Per-call options: which page to read, and conditional reads."""

from __future__ import annotations

from datetime import datetime, timezone
from email.utils import format_datetime
from typing import TypedDict


class PaginationParams(TypedDict, total=False):
    """Where a list starts and how much a page holds.

    - cursor: the opaque ``next_cursor`` of the previous page
    - per_page: items per page (providers clamp it to their maximum)
    """

    cursor: str
    per_page: int


class RequestOptions(TypedDict, total=False):
    """Conditional reads: the validators of an earlier answer's ``meta``.

    - if_none_match: an ETag (``meta["etag"]``)
    - if_modified_since: an HTTP date (``meta["last_modified"]``) or an aware datetime

    When the resource is unchanged the call returns ``NotModified``.
    """

    if_none_match: str
    if_modified_since: str | datetime


def conditional_headers(options: RequestOptions | None) -> dict[str, str]:
    """The HTTP headers of ``options``."""
    headers: dict[str, str] = {}
    if not options:
        return headers
    etag = options.get("if_none_match")
    if etag:
        headers["if-none-match"] = etag
    since = options.get("if_modified_since")
    if isinstance(since, datetime):
        headers["if-modified-since"] = format_datetime(since.astimezone(timezone.utc), usegmt=True)
    elif since:
        headers["if-modified-since"] = since
    return headers
