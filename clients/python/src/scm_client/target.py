"""Where the server is, who signs, and which repository the calls are scoped to."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from scm_client.errors import InvalidInput
from scm_client.secret import Secret
from scm_client.signing import DEFAULT_REFERRER

RepositoryId = int | tuple[str, str]
"""The platform's repository id (``5``), or ``(provider, external id)``
(``("github", "owner/repo")``)."""

ENV_SERVER = "SCM_SERVER"
ENV_KEY_ID = "SCM_CLIENT_KEY_ID"
ENV_SECRET = "SCM_CLIENT_SECRET"
ENV_ORGANIZATION = "SCM_ORGANIZATION"
ENV_REPOSITORY = "SCM_REPOSITORY"
ENV_REFERRER = "SCM_REFERRER"


@dataclass(frozen=True)
class Target:
    """The scope of a client: one organization and one repository."""

    base_url: str
    """``http://127.0.0.1:8080`` (no trailing path)."""
    key_id: str
    secret: Secret = field(repr=False)
    organization_id: int
    repository: RepositoryId
    referrer: str = DEFAULT_REFERRER

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))
        if not self.referrer:
            object.__setattr__(self, "referrer", DEFAULT_REFERRER)
        if isinstance(self.repository, list):
            object.__setattr__(self, "repository", tuple(self.repository))

    def repository_header(self) -> str:
        """``5``, or compact JSON ``["github","owner/repo"]``, as signed."""
        if isinstance(self.repository, int):
            return str(self.repository)
        return json.dumps(list(self.repository), separators=(",", ":"), ensure_ascii=False)

    @staticmethod
    def parse_repository(raw: str) -> RepositoryId:
        """``5`` or ``provider:external-id`` (``github:owner/repo``), as ``scm client --repo``."""
        raw = raw.strip()
        if raw.isdigit():
            return int(raw)
        provider, sep, external = raw.partition(":")
        if not sep or not provider or not external:
            raise InvalidInput(
                "the repository is an id or provider:external-id (github:owner/repo)"
            )
        return (provider, external)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Target:
        """From ``SCM_SERVER``, ``SCM_CLIENT_KEY_ID``, ``SCM_CLIENT_SECRET``,
        ``SCM_ORGANIZATION``, ``SCM_REPOSITORY`` and ``SCM_REFERRER`` (optional)."""
        env = os.environ if environ is None else environ

        def need(name: str) -> str:
            value = env.get(name, "")
            if not value:
                raise InvalidInput(f"{name} is required")
            return value

        organization = need(ENV_ORGANIZATION)
        if not organization.isdigit():
            raise InvalidInput(f"{ENV_ORGANIZATION} is an organization id")
        return cls(
            base_url=need(ENV_SERVER),
            key_id=need(ENV_KEY_ID),
            secret=Secret(need(ENV_SECRET)),
            organization_id=int(organization),
            repository=cls.parse_repository(need(ENV_REPOSITORY)),
            referrer=env.get(ENV_REFERRER, "") or DEFAULT_REFERRER,
        )
