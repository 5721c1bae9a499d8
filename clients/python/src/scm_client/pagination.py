"""Following ``next_cursor`` to the end of a list, synchronously or not.

    for page in iter_pages(scm.get_issue_comments, issue_id="1"):
        ...
    for comment in iter_items(scm.get_issue_comments, issue_id="1"):
        ...
    async for comment in aiter_items(ascm.get_issue_comments, issue_id="1"):
        ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, TypeVar

from scm_client.errors import ProviderMalformedResponse
from scm_client.options import PaginationParams
from scm_client.results import ActionResult, NotModified, Page

T = TypeVar("T")


def _first(arguments: dict[str, Any]) -> PaginationParams:
    start: PaginationParams = dict(arguments.pop("pagination", None) or {})  # type: ignore[assignment]
    return start


def _page(result: ActionResult[Page[T]] | NotModified) -> Page[T]:
    if isinstance(result, NotModified):
        raise ProviderMalformedResponse("a page answered not-modified without a conditional read")
    return result.data


def iter_pages(
    call: Callable[..., ActionResult[Page[T]]],
    /,
    max_pages: int | None = None,
    **arguments: Any,
) -> Iterator[Page[T]]:
    """Calls a list action page after page until ``next_cursor`` is None (or
    ``max_pages`` pages were read). ``pagination={"per_page": 50}`` sets the
    page size; the other keyword arguments are the action's."""
    pagination = _first(arguments)
    read = 0
    while max_pages is None or read < max_pages:
        page = _page(call(pagination=pagination, **arguments))
        read += 1
        yield page
        if page.next_cursor is None:
            return
        pagination = pagination.copy()
        pagination["cursor"] = page.next_cursor


def iter_items(
    call: Callable[..., ActionResult[Page[T]]],
    /,
    max_pages: int | None = None,
    **arguments: Any,
) -> Iterator[T]:
    """The items of every page of ``iter_pages``."""
    for page in iter_pages(call, max_pages, **arguments):
        yield from page.items


async def aiter_pages(
    call: Callable[..., Awaitable[ActionResult[Page[T]]]],
    /,
    max_pages: int | None = None,
    **arguments: Any,
) -> AsyncIterator[Page[T]]:
    """``iter_pages`` for ``AsyncSourceCodeManager`` methods."""
    pagination = _first(arguments)
    read = 0
    while max_pages is None or read < max_pages:
        page = _page(await call(pagination=pagination, **arguments))
        read += 1
        yield page
        if page.next_cursor is None:
            return
        pagination = pagination.copy()
        pagination["cursor"] = page.next_cursor


async def aiter_items(
    call: Callable[..., Awaitable[ActionResult[Page[T]]]],
    /,
    max_pages: int | None = None,
    **arguments: Any,
) -> AsyncIterator[T]:
    """The items of every page of ``aiter_pages``."""
    async for page in aiter_pages(call, max_pages, **arguments):
        for item in page.items:
            yield item
