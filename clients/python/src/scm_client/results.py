"""What an action returns: its data with the provider's name, raw answer and
validators, a page of a list, a not-modified outcome, or a finished download.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar, overload

from scm_client.models import RawResponse, ResponseMeta

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list. ``next_cursor`` is None exactly on the last page;
    pass it back as ``pagination={"cursor": ...}`` for the next one
    (``scm_client.iter_pages`` does that for you)."""

    items: list[T]
    next_cursor: str | None = None

    def __iter__(self) -> Iterator[T]:
        """The items, so that ``for comment in result["data"]`` reads a page."""
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class ActionResult(Generic[T]):
    """An action's neutral result.

    ``raw`` is the provider's answer as it was (no credentials); ``meta``
    carries ``etag`` / ``last_modified`` for a later conditional read.
    ``result["data"]``, ``["type"]``, ``["raw"]`` and ``["meta"]`` work too,
    as on the platform this client's API is modelled on.
    """

    data: T
    provider: str
    meta: ResponseMeta = field(default_factory=lambda: ResponseMeta())
    raw: RawResponse | None = None

    @overload
    def __getitem__(self, key: Literal["data"]) -> T: ...
    @overload
    def __getitem__(self, key: Literal["type"]) -> str: ...
    @overload
    def __getitem__(self, key: Literal["raw"]) -> RawResponse | None: ...
    @overload
    def __getitem__(self, key: Literal["meta"]) -> ResponseMeta: ...
    def __getitem__(self, key: str) -> Any:
        if key == "type":
            return self.provider
        if key in ("data", "raw", "meta"):
            return getattr(self, key)
        raise KeyError(key)


@dataclass(frozen=True)
class NotModified:
    """A conditional read found the resource unchanged: keep your copy."""

    provider: str
    meta: ResponseMeta = field(default_factory=lambda: ResponseMeta())


@dataclass(frozen=True)
class Download:
    """A download written to the caller's file object."""

    bytes_written: int
    content_type: str | None = None
    content_length: int | None = None
    filename: str | None = None
