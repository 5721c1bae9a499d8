"""``SourceCodeManager`` and ``AsyncSourceCodeManager``: every action of one
repository over signed RPC v1, with capabilities cached per client.

Both are scoped to one (organization, repository) like the Rust facade; the
server resolves and checks that scope on every call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from types import TracebackType
from typing import IO, Any, TypeVar

import httpx

from scm_client.actions import ACTIONS, AsyncActions, SyncActions
from scm_client.capabilities import Capabilities
from scm_client.catalogue import ActionSpec
from scm_client.errors import ProviderMalformedResponse, SCMError, Unsupported
from scm_client.options import RequestOptions, conditional_headers
from scm_client.results import ActionResult, NotModified
from scm_client.secret import Secret
from scm_client.signing import DEFAULT_REFERRER
from scm_client.target import RepositoryId, Target
from scm_client.transport import (
    DEFAULT_TIMEOUT,
    RetryPolicy,
    answer_error,
    decode_result,
    download_result,
    encode_arguments,
    interrupted,
    parse_json,
    signed_request,
    unreachable,
)

R = TypeVar("R")
CAPABILITIES_PATH = "/v1/capabilities"


def spec_for(action: str) -> ActionSpec:
    """The catalogue entry of ``action``; a name the catalogue does not know is
    sent as a write (never retried) so that the server can answer for it."""
    return ACTIONS.get(action) or ActionSpec(action, "write", False, frozenset())


class _Scope:
    """What both managers hold: the target, the retry policy and the cached capabilities."""

    def __init__(self, target: Target, retry: RetryPolicy | None) -> None:
        self.target = target
        self.retry = retry or RetryPolicy()
        self._capabilities: Capabilities | None = None

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(base_url={self.target.base_url!r}, "
            f"organization_id={self.target.organization_id}, "
            f"repository={self.target.repository!r}, referrer={self.target.referrer!r})"
        )

    @property
    def capabilities(self) -> Capabilities:
        """The repository's capabilities (fetched by ``connect``)."""
        if self._capabilities is None:
            raise RuntimeError("capabilities are not fetched yet: call fetch_capabilities()")
        return self._capabilities

    @property
    def provider(self) -> str:
        """The repository's provider (``github``, ``gitlab``, …)."""
        return self.capabilities.provider

    def supports(self, action: str) -> bool:
        """Whether the repository's provider supports ``action`` (a wire name)."""
        return action in self.capabilities.supported

    def _refuse_unsupported(self, spec: ActionSpec) -> None:
        """Unsupported actions are refused here, without a request, once capabilities are known."""
        caps = self._capabilities
        if caps is not None and spec.name in ACTIONS and spec.name not in caps.supported:
            raise Unsupported(f"`{spec.name}` is not supported by {caps.provider}", status=501)

    def _remember(self, content: bytes) -> Capabilities:
        try:
            caps = Capabilities.from_json(parse_json(content, "capabilities"))
        except (KeyError, TypeError) as err:
            raise ProviderMalformedResponse(f"capabilities from the RPC server: {err!r}") from None
        self._capabilities = caps
        return caps


def _target(
    base_url: str,
    key_id: str,
    secret: str | Secret,
    organization_id: int,
    repository: RepositoryId,
    referrer: str,
) -> Target:
    return Target(
        base_url=base_url,
        key_id=key_id,
        secret=secret if isinstance(secret, Secret) else Secret(secret),
        organization_id=organization_id,
        repository=repository,
        referrer=referrer,
    )


class SourceCodeManager(_Scope, SyncActions):
    """Every action of one repository, synchronously (``httpx.Client``).

    Build it with ``connect`` (or ``from_env``), which fetches the
    repository's capabilities once; use it as a context manager or call
    ``close``. Errors are ``SCMError`` subclasses.
    """

    def __init__(
        self,
        target: Target,
        *,
        http_client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(target, retry)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(timeout=timeout)

    @classmethod
    def connect(
        cls,
        base_url: str,
        key_id: str,
        secret: str | Secret,
        organization_id: int,
        repository: RepositoryId,
        referrer: str = DEFAULT_REFERRER,
        *,
        http_client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> SourceCodeManager:
        """A client with the repository's capabilities fetched."""
        target = _target(base_url, key_id, secret, organization_id, repository, referrer)
        return cls.open(target, http_client=http_client, retry=retry, timeout=timeout)

    @classmethod
    def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        http_client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> SourceCodeManager:
        """``connect`` with the ``SCM_*`` variables (see ``Target.from_env``)."""
        target = Target.from_env(environ)
        return cls.open(target, http_client=http_client, retry=retry, timeout=timeout)

    @classmethod
    def open(
        cls,
        target: Target,
        *,
        http_client: httpx.Client | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> SourceCodeManager:
        scm = cls(target, http_client=http_client, retry=retry, timeout=timeout)
        try:
            scm.fetch_capabilities()
        except BaseException:
            scm.close()
            raise
        return scm

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> SourceCodeManager:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def fetch_capabilities(self) -> Capabilities:
        """``GET /v1/capabilities``, cached after the first answer."""
        if self._capabilities is None:
            content = self._retrying(True, lambda: self._send("GET", CAPABILITIES_PATH, b"", {}))
            self._remember(content)
        return self.capabilities

    def call(
        self,
        action: str,
        arguments: Mapping[str, Any] | None = None,
        request_options: RequestOptions | None = None,
    ) -> ActionResult[Any] | NotModified:
        """Any action by its wire name with JSON arguments (not downloads)."""
        return self._call(spec_for(action), dict(arguments or {}), request_options)  # type: ignore[no-any-return]

    def _call(
        self,
        spec: ActionSpec,
        arguments: dict[str, Any],
        request_options: RequestOptions | None,
        destination: IO[bytes] | None = None,
    ) -> Any:
        self._refuse_unsupported(spec)
        body = encode_arguments(spec, arguments)
        extra = conditional_headers(request_options)
        if destination is not None:
            sink = destination
            return self._retrying(
                spec.idempotent, lambda: self._download(spec.path, body, extra, sink)
            )
        content = self._retrying(
            spec.idempotent, lambda: self._send("POST", spec.path, body, extra)
        )
        return decode_result(spec, content)

    def _retrying(self, idempotent: bool, attempt: Callable[[], R]) -> R:
        retries = 0
        while True:
            try:
                return attempt()
            except SCMError as error:
                delay = self.retry.delay(retries, error) if idempotent else None
                if delay is None:
                    raise
            time.sleep(delay)
            retries += 1

    def _send(self, method: str, path: str, body: bytes, extra: Mapping[str, str]) -> bytes:
        url, headers = signed_request(self.target, method, path, body, extra)
        try:
            response = self._http.request(method, url, content=body, headers=headers)
        except httpx.TransportError as err:
            raise unreachable(err) from None
        if not response.is_success:
            raise answer_error(response)
        return response.content

    def _download(
        self, path: str, body: bytes, extra: Mapping[str, str], destination: IO[bytes]
    ) -> ActionResult[Any]:
        url, headers = signed_request(self.target, "POST", path, body, extra)
        written = 0
        try:
            with self._http.stream("POST", url, content=body, headers=headers) as response:
                if not response.is_success:
                    response.read()
                    raise answer_error(response)
                for chunk in response.iter_bytes():
                    destination.write(chunk)
                    written += len(chunk)
                return download_result(response, written, self.provider)
        except httpx.TransportError as err:
            raise interrupted(err, written) from None


class AsyncSourceCodeManager(_Scope, AsyncActions):
    """Every action of one repository, asynchronously (``httpx.AsyncClient``).

    ``await AsyncSourceCodeManager.connect(...)``; ``async with`` it or
    ``await scm.aclose()``. Methods are coroutines with the same arguments
    and results as ``SourceCodeManager``'s.
    """

    def __init__(
        self,
        target: Target,
        *,
        http_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        super().__init__(target, retry)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(timeout=timeout)

    @classmethod
    async def connect(
        cls,
        base_url: str,
        key_id: str,
        secret: str | Secret,
        organization_id: int,
        repository: RepositoryId,
        referrer: str = DEFAULT_REFERRER,
        *,
        http_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> AsyncSourceCodeManager:
        """A client with the repository's capabilities fetched."""
        target = _target(base_url, key_id, secret, organization_id, repository, referrer)
        return await cls.open(target, http_client=http_client, retry=retry, timeout=timeout)

    @classmethod
    async def from_env(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> AsyncSourceCodeManager:
        """``connect`` with the ``SCM_*`` variables (see ``Target.from_env``)."""
        target = Target.from_env(environ)
        return await cls.open(target, http_client=http_client, retry=retry, timeout=timeout)

    @classmethod
    async def open(
        cls,
        target: Target,
        *,
        http_client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> AsyncSourceCodeManager:
        scm = cls(target, http_client=http_client, retry=retry, timeout=timeout)
        try:
            await scm.fetch_capabilities()
        except BaseException:
            await scm.aclose()
            raise
        return scm

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncSourceCodeManager:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def fetch_capabilities(self) -> Capabilities:
        """``GET /v1/capabilities``, cached after the first answer."""
        if self._capabilities is None:
            content = await self._retrying(
                True, lambda: self._send("GET", CAPABILITIES_PATH, b"", {})
            )
            self._remember(content)
        return self.capabilities

    async def call(
        self,
        action: str,
        arguments: Mapping[str, Any] | None = None,
        request_options: RequestOptions | None = None,
    ) -> ActionResult[Any] | NotModified:
        """Any action by its wire name with JSON arguments (not downloads)."""
        return await self._call(spec_for(action), dict(arguments or {}), request_options)  # type: ignore[no-any-return]

    async def _call(
        self,
        spec: ActionSpec,
        arguments: dict[str, Any],
        request_options: RequestOptions | None,
        destination: IO[bytes] | None = None,
    ) -> Any:
        self._refuse_unsupported(spec)
        body = encode_arguments(spec, arguments)
        extra = conditional_headers(request_options)
        if destination is not None:
            sink = destination
            return await self._retrying(
                spec.idempotent, lambda: self._download(spec.path, body, extra, sink)
            )
        content = await self._retrying(
            spec.idempotent, lambda: self._send("POST", spec.path, body, extra)
        )
        return decode_result(spec, content)

    async def _retrying(self, idempotent: bool, attempt: Callable[[], Awaitable[R]]) -> R:
        retries = 0
        while True:
            try:
                return await attempt()
            except SCMError as error:
                delay = self.retry.delay(retries, error) if idempotent else None
                if delay is None:
                    raise
            await asyncio.sleep(delay)
            retries += 1

    async def _send(self, method: str, path: str, body: bytes, extra: Mapping[str, str]) -> bytes:
        url, headers = signed_request(self.target, method, path, body, extra)
        try:
            response = await self._http.request(method, url, content=body, headers=headers)
        except httpx.TransportError as err:
            raise unreachable(err) from None
        if not response.is_success:
            raise answer_error(response)
        return response.content

    async def _download(
        self, path: str, body: bytes, extra: Mapping[str, str], destination: IO[bytes]
    ) -> ActionResult[Any]:
        url, headers = signed_request(self.target, "POST", path, body, extra)
        written = 0
        try:
            async with self._http.stream("POST", url, content=body, headers=headers) as response:
                if not response.is_success:
                    await response.aread()
                    raise answer_error(response)
                async for chunk in response.aiter_bytes():
                    destination.write(chunk)
                    written += len(chunk)
                return download_result(response, written, self.provider)
        except httpx.TransportError as err:
            raise interrupted(err, written) from None
