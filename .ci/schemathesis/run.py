#!/usr/bin/env python3
"""Schema-driven run: schemathesis against the real ``scm serve``.

Starts ``prism mock`` of GitHub's official OpenAPI description (the
provider behind the server), ``scm serve`` over a temporary SQLite
registry set up with the admin commands, then ``schemathesis run`` of
``docs/openapi.json`` with ``hooks.py`` signing every request. Fails on any
5xx, any answer that does not match the document, and any request the
document allows that the server refuses, or the reverse.

Bounded: ``SCM_ST_MAX_EXAMPLES`` (default 20) cases per operation and
phase, ``SCM_ST_MAX_TIME`` (default 180) seconds in all. Prints the number of
cases and the failures by check; see ``verdict`` for what fails the run.

Usage (from the repository root, after ``cargo build -p scm-cli``, ``npm
ci`` and ``.ci/fetch-github-openapi``)::

    .cache/schemathesis-venv/bin/python .ci/schemathesis/run.py
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
ORG = "7"
REFERRER = "schemathesis"
READY_SECS = 300
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "positive_data_acceptance",
        "negative_data_rejection",
    ]
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(args: list[str], log: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            args, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )


def wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    # prism reads GitHub's 13 MB description first: on a busy machine that
    # takes more than a minute.
    deadline = time.monotonic() + READY_SECS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{process.args[0]} exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    sys.exit(f"nothing listened on 127.0.0.1:{port} within {READY_SECS} s; see {log}")


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def verdict(output: str, server_log: Path) -> int:
    """Fails on every failure schemathesis reports: a 5xx, an answer off
    the document, a request the document allows that the server refuses
    (ST202) or one it forbids that the server accepts (ST201)."""
    cases = re.search(r"^\s*(\d+) generated", output, re.MULTILINE)
    failures = {code: int(count) for code, count in re.findall(r"❌ (ST\d+) [^:\n]+: (\d+)", output)}
    print(f"schema-driven: {cases.group(1) if cases else '?'} cases; failures by check: {failures or 'none'}")
    if "generated" not in output or failures:
        print(f"server log: {server_log}", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    scm = Path(os.environ.get("SCM_BIN") or ROOT / "target" / "debug" / "scm")
    prism = ROOT / "node_modules" / ".bin" / "prism"
    spec = ROOT / ".cache" / "openapi" / "api.github.com.prism.json"
    for needed in (scm, prism, spec):
        if not needed.exists():
            sys.exit(f"{needed} is missing (cargo build -p scm-cli; npm ci; .ci/fetch-github-openapi)")
    work = Path(tempfile.mkdtemp(prefix="scm-schemathesis-"))
    database_url = f"sqlite://{work / 'registry.db'}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(work)),
        "SCM_SECRET_KEY": secrets.token_hex(32),
        "SCM_QUEUE_PATH": str(work / "events.db"),
    }

    def admin(*args: str) -> dict[str, object]:
        out = subprocess.run(
            [str(scm), *args, "--database-url", database_url],
            env=dict(env, SCM_INTEGRATION_TOKEN="ghp_schemathesis_token"),
            capture_output=True,
            check=False,
        )
        if out.returncode != 0:
            sys.exit(f"scm {' '.join(args)}: {out.stderr.decode()}")
        result: dict[str, object] = json.loads(out.stdout)
        return result

    prism_port = free_port()
    processes = [start([str(prism), "mock", "-h", "127.0.0.1", "-p", str(prism_port), str(spec)], work / "prism.log", env)]
    try:
        wait_for(prism_port, processes[0], work / "prism.log")
        integration = admin(
            "integration", "add", "--provider", "github", "--name", "prism",
            "--api-url", f"http://127.0.0.1:{prism_port}", "--web-url", "https://github.com",
        )  # fmt: skip
        repo = admin(
            "repo", "add", "--org", ORG, "--integration", str(integration["id"]),
            "--full-name", "octocat/hello-world", "--external-id", "octocat/hello-world",
        )  # fmt: skip
        key = admin("client-key", "create", "--name", "schemathesis", "--org", ORG, "--referrer", REFERRER)
        port = free_port()
        serve = [str(scm), "serve", "--listen", f"127.0.0.1:{port}", "--database-url", database_url]
        processes.append(start(serve, work / "serve.log", env))
        wait_for(port, processes[1], work / "serve.log")

        run_env = dict(
            os.environ,
            SCHEMATHESIS_HOOKS="hooks",
            PYTHONPATH=str(HERE),
            SCM_ST_KEY_ID=str(key["key_id"]),
            SCM_ST_SECRET=str(key["secret"]),
            SCM_ST_ORGANIZATION=ORG,
            SCM_ST_REPOSITORY=str(repo["id"]),
            SCM_ST_REFERRER=REFERRER,
        )
        command = [
            str(Path(sys.executable).parent / "schemathesis"), "--config-file", str(HERE / "schemathesis.toml"),
            "run", str(ROOT / "docs" / "openapi.json"),
            "--url", f"http://127.0.0.1:{port}",
            "--checks", CHECKS,
            "--max-examples", os.environ.get("SCM_ST_MAX_EXAMPLES", "20"),
            "--max-time", os.environ.get("SCM_ST_MAX_TIME", "180"),
            "--phases", "examples,coverage,fuzzing",
            "--seed", os.environ.get("SCM_ST_SEED", "1"),
            "--workers", "2",
            # The archive and job-log downloads follow GitHub's redirect
            # to another host (codeload, blob storage), which prism
            # names and nothing here serves: their 503 is the machine's.
            "--exclude-operation-id", "download_archive",
            "--exclude-operation-id", "download_workflow_job_log",
            "--no-color",
        ]  # fmt: skip
        run = subprocess.run(command, env=run_env, cwd=work, check=False, capture_output=True, text=True)
        print(run.stdout, end="")
        print(run.stderr, end="", file=sys.stderr)
        return verdict(run.stdout, work / "serve.log")
    finally:
        for process in reversed(processes):
            stop(process)


if __name__ == "__main__":
    sys.exit(main())
