#!/usr/bin/env python3
"""Signs one scm RPC v1 request, independently of the Rust code (stdlib only).

Usage:
    SCM_CLIENT_SECRET=... sign.py KEY_ID METHOD PATH ORGANIZATION REPOSITORY REFERRER BODY_FILE

Prints one `name: value` header per line, ready for `curl -H`. The secret
is read from the environment so it never appears in a process list.
"""

import hashlib
import hmac
import os
import secrets
import sys
import time


def main() -> None:
    key_id, method, path, organization, repository, referrer, body_file = sys.argv[1:8]
    with open(body_file, "rb") as handle:
        body = handle.read()
    timestamp = str(int(time.time()))
    nonce = secrets.token_hex(16)
    message = "\n".join(
        [
            "scm-rpc-v1",
            method.upper(),
            path,
            timestamp,
            nonce,
            organization,
            repository,
            referrer,
            hashlib.sha256(body).hexdigest(),
        ]
    )
    secret = os.environ["SCM_CLIENT_SECRET"].encode()
    signature = hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()
    headers = [
        ("x-scm-key-id", key_id),
        ("x-scm-timestamp", timestamp),
        ("x-scm-nonce", nonce),
        ("x-scm-organization", organization),
        ("x-scm-repository", repository),
        ("x-scm-referrer", referrer),
        ("x-scm-signature", "v1=" + signature),
    ]
    for name, value in headers:
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
