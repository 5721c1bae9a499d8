#!/usr/bin/env python3
"""Writes the fuzz seed corpora into fuzz/corpus/<target>/ (gitignored).

Seeds come from real payloads, read where they are at run time and never
committed: GitHub's webhook examples (npm @octokit/webhooks-examples in
node_modules) and the GitLab webhooks of the shared conformance corpus
($SCM_CORPUS_DIR, default ../shared/corpus next to the repository), and
its Bitbucket Cloud and Data Center webhooks. A few
hand-made seeds for the header, path, cursor and config targets are ours.
"""

import base64
import hashlib
import json
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "fuzz" / "corpus"
CORPUS = pathlib.Path(os.environ.get("SCM_CORPUS_DIR", ROOT.parent / "shared" / "corpus"))


def write(target, data):
    directory = OUT / target
    directory.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    (directory / name).write_bytes(data)


def github():
    index = ROOT / "node_modules/@octokit/webhooks-examples/api.github.com/index.json"
    if not index.exists():
        print(f"no {index}: GitHub webhook seeds skipped", file=sys.stderr)
        return 0
    count = 0
    for event in json.loads(index.read_text()):
        for example in event["examples"]:
            body = json.dumps(example).encode()
            write("github_webhook", event["name"].encode() + b"\n" + body)
            count += 1
    return count


def corpus_payloads(subdirectory, what):
    """The JSON payloads of a corpus directory, as (path, body, parsed or
    None); none when the corpus is not there."""
    directory = CORPUS / subdirectory
    if not directory.is_dir():
        print(f"no {directory}: {what} seeds skipped", file=sys.stderr)
        return []
    payloads = []
    for path in sorted(directory.glob("*.json")):
        body = path.read_bytes()
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        payloads.append((path, body, parsed if isinstance(parsed, dict) else None))
    return payloads


def gitlab():
    payloads = corpus_payloads("gitlab/webhooks", "GitLab webhook")
    for _, body, parsed in payloads:
        kind = (parsed or {}).get("object_kind", "push")
        header = kind.replace("_", " ").title().replace("Build", "Job") + " Hook"
        write("gitlab_webhook", header.encode() + b"\n" + body)
        write("gitlab_webhook", b"webhook-timestamp:1700000000\n" + header.encode() + b"\n" + body)
    return len(payloads)


# Bitbucket deliveries carry their event key only in `X-Event-Key`; the
# Cloud corpus names it by file (see the corpus README), Data Center
# payloads repeat it as `eventKey`.
BITBUCKET_CLOUD_KEYS = {
    "push": "repo:push",
    "pr_created": "pullrequest:created",
    "pr_updated": "pullrequest:updated",
    "pr_fulfilled": "pullrequest:fulfilled",
    "pr_declined": "pullrequest:rejected",
    "pr_comment_created": "pullrequest:comment_created",
    "pr_comment_deleted": "pullrequest:comment_deleted",
    "pipeline_hook_created": "repo:commit_status_created",
    "pipeline_hook_update": "repo:commit_status_updated",
}


def bitbucket_cloud():
    payloads = corpus_payloads("bitbucket-cloud/webhooks", "Bitbucket Cloud webhook")
    for path, body, _ in payloads:
        stem = "push" if path.stem.startswith("push") else path.stem
        key = BITBUCKET_CLOUD_KEYS.get(stem, "repo:push")
        write("bitbucket_webhook", key.encode() + b"\n" + body)
    return len(payloads)


def bitbucket_dc():
    payloads = corpus_payloads("bitbucket-dc/webhooks", "Bitbucket Data Center webhook")
    for _, body, parsed in payloads:
        key = (parsed or {}).get("eventKey", "repo:refs_changed")
        write("bitbucket_server_webhook", key.encode() + b"\n" + body)
    write("bitbucket_server_webhook", b'!diagnostics:ping\n{"test": true}')
    return len(payloads)


def ours():
    # Our own seeds (not third-party material).
    write("rpc_signing_headers", b"\n".join([
        b"x-scm-key-id: key_1",
        b"x-scm-timestamp: 1700000000",
        b"x-scm-nonce: nonce-aaaaaaaaaaaaaaaa",
        b"x-scm-organization: 1",
        b'x-scm-repository: ["github","acme/widgets"]',
        b"x-scm-referrer: ci",
        b"x-scm-signature: v1=" + b"00" * 32,
    ]))
    write("rpc_signing_headers", b"x-scm-timestamp: -9223372036854775808\nx-scm-key-id: k")
    for path in [b"/repos/acme/widgets/issues/1", b"/repos/acme/widgets/../x", b"/graphql",
                 b"/repos/ACME/widgets/pulls?state=all", b"/repos/acme/widgets%2F..%2Fx"]:
        write("rpc0_path_scope", path)
    for state in [[["page", "2"]], [["per_page", "100000"], ["state", "all"]], ["issues", 3]]:
        write("cursor_decode", base64.urlsafe_b64encode(json.dumps(state).encode()).rstrip(b"="))
    write("config_parse", b'listen = "127.0.0.1:8080"\n[rpc0]\nsecrets = ["SECRETVALUEX"]\n')
    write("config_parse", b'[limits]\nmax_connections = 4\n[metrics]\nreferrers = ["ci"]\n')
    write("config_parse", b'[webhooks.github]\nsecrets = "SECRETVALUEX"\n')


if __name__ == "__main__":
    print(
        f"seeds: github {github()}, gitlab {gitlab()}, bitbucket {bitbucket_cloud()}, "
        f"bitbucket_server {bitbucket_dc()}, ours",
        file=sys.stderr,
    )
    ours()
