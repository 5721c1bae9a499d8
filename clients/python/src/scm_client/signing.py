"""Request signing v1, byte for byte the server's (the Rust ``scm_rpc::signing``).

The canonical message is the lines ``scm-rpc-v1``, the upper-case method, the
path, the timestamp (Unix seconds), the nonce, the organization, the repository
header (``5`` or compact JSON ``["github","owner/repo"]``), the referrer and the
hex SHA-256 of the body, joined by ``\\n``. The signature is
``v1=`` + hex HMAC-SHA256(secret, canonical). Every header that picks what the
request acts on is inside the signature, so none can be swapped.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from scm_client.secret import Secret

SCHEME = "scm-rpc-v1"
KEY_ID = "x-scm-key-id"
TIMESTAMP = "x-scm-timestamp"
NONCE = "x-scm-nonce"
ORGANIZATION = "x-scm-organization"
REPOSITORY = "x-scm-repository"
REFERRER = "x-scm-referrer"
SIGNATURE = "x-scm-signature"
DEFAULT_REFERRER = "shared"
WINDOW_SECS = 300
"""The clock skew the server accepts, each way."""


@dataclass(frozen=True)
class Signed:
    """What a signature covers."""

    method: str
    path: str
    timestamp: int
    nonce: str
    organization: str
    repository: str
    referrer: str
    body: bytes

    def canonical(self) -> str:
        return "\n".join(
            [
                SCHEME,
                self.method.upper(),
                self.path,
                str(self.timestamp),
                self.nonce,
                self.organization,
                self.repository,
                self.referrer,
                hashlib.sha256(self.body).hexdigest(),
            ]
        )

    def signature(self, secret: Secret) -> str:
        """``hex(HMAC-SHA256(secret, canonical))``."""
        message = self.canonical().encode("utf-8")
        return hmac.new(secret.expose().encode("utf-8"), message, hashlib.sha256).hexdigest()

    def headers(self, key_id: str, secret: Secret) -> dict[str, str]:
        """The headers a client sends for this request."""
        return {
            KEY_ID: key_id,
            TIMESTAMP: str(self.timestamp),
            NONCE: self.nonce,
            ORGANIZATION: self.organization,
            REPOSITORY: self.repository,
            REFERRER: self.referrer,
            SIGNATURE: "v1=" + self.signature(secret),
        }


def new_nonce() -> str:
    """A fresh random nonce (32 hex characters)."""
    return secrets.token_hex(16)


def unix_now() -> int:
    return int(time.time())
