"""The real thing for the client's tests: ``scm serve`` on 127.0.0.1 over a
temporary SQLite registry set up with the admin commands, its GitHub
integration pointed at ``prism mock`` of GitHub's official OpenAPI
description (as the Rust end-to-end tests do). Both processes are stopped
when the session ends.

Needs the ``scm`` binary (``cargo build -p scm-cli``; ``SCM_BIN`` names
another one) and the npm test material (``npm ci`` and
``.ci/fetch-github-openapi`` at the repository root). Missing pieces fail
the session with what to run; nothing is skipped.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
ORG = 7
OTHER_ORG = 8
INTEGRATION_TOKEN = "ghp_python_client_integration_token"
READY_SECS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for_port(port: int, process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + READY_SECS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{what} exited with {process.returncode}; see {log}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"{what} did not listen on 127.0.0.1:{port} within {READY_SECS}s; see {log}")


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stops a child started in its own process group, with its children."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def start(args: list[str], log: Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )


@pytest.fixture(scope="session")
def scm_bin() -> Path:
    path = Path(os.environ.get("SCM_BIN") or REPO_ROOT / "target" / "debug" / "scm")
    if not path.is_file():
        pytest.fail(f"no scm binary at {path}: run `cargo build -p scm-cli` (or set SCM_BIN)")
    return path


@pytest.fixture(scope="session")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """prism mock of GitHub's OpenAPI description (without ``--errors``: some of
    GitHub's own examples violate its schemas)."""
    prism = REPO_ROOT / "node_modules" / ".bin" / "prism"
    spec = REPO_ROOT / ".cache" / "openapi" / "api.github.com.prism.json"
    for needed in (prism, spec):
        if not needed.exists():
            pytest.fail(
                f"{needed} is missing: run `npm ci --no-audit --no-fund && "
                ".ci/fetch-github-openapi` at the repository root"
            )
    port = free_port()
    log = tmp_path_factory.mktemp("prism") / "prism.log"
    process = start([str(prism), "mock", "-h", "127.0.0.1", "-p", str(port), str(spec)], log)
    try:
        wait_for_port(port, process, "prism", log)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


@dataclass(frozen=True)
class Key:
    key_id: str
    secret: str


@dataclass(frozen=True)
class Deployment:
    """The running server and what the admin commands registered in it."""

    base_url: str
    github_repo: int
    gitlab_repo: int
    unreachable_repo: int
    inactive_repo: int
    key: Key
    """Organization 7, referrers `e2e` and `shared`, every action."""
    narrow_key: Key
    """Organization 7, referrer `e2e`, only `get_issue`."""
    other_org_key: Key
    """Organization 8 only."""


class Admin:
    """Runs the admin commands of the real binary against one registry."""

    def __init__(self, scm_bin: Path, database_url: str, env: dict[str, str]) -> None:
        self.scm_bin = scm_bin
        self.database_url = database_url
        self.env = env

    def __call__(self, *args: str, extra_env: dict[str, str] | None = None) -> Any:
        env = dict(self.env, **(extra_env or {}))
        out = subprocess.run(
            [str(self.scm_bin), *args, "--database-url", self.database_url],
            env=env,
            capture_output=True,
            check=False,
        )
        stdout, stderr = out.stdout.decode(), out.stderr.decode()
        assert INTEGRATION_TOKEN not in stdout + stderr, "the integration token leaked"
        assert out.returncode == 0, f"scm {' '.join(args)}: {stderr}"
        return json.loads(stdout)

    def key(self, *args: str) -> Key:
        created = self("client-key", "create", *args)
        return Key(created["key_id"], created["secret"])


@pytest.fixture(scope="session")
def deployment(
    scm_bin: Path, prism_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    workdir = tmp_path_factory.mktemp("scm-serve")
    database_url = f"sqlite://{workdir / 'registry.db'}"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", str(workdir)),
        "SCM_SECRET_KEY": secrets.token_hex(32),
    }
    admin = Admin(scm_bin, database_url, env)
    token = {"SCM_INTEGRATION_TOKEN": INTEGRATION_TOKEN}
    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there

    def integration(provider: str, name: str, api_url: str, web_url: str) -> str:
        created = admin(
            "integration", "add", "--provider", provider, "--name", name,
            "--api-url", api_url, "--web-url", web_url,
            extra_env=token,
        )  # fmt: skip
        return str(created["id"])

    def repo(integration_id: str, full_name: str, org: int = ORG) -> int:
        # The full name as external id: prism answers every repository with
        # the same example id, which `scm repo add` would otherwise store.
        created = admin(
            "repo", "add", "--org", str(org), "--integration", integration_id,
            "--full-name", full_name, "--external-id", full_name,
        )  # fmt: skip
        return int(created["id"])

    github = integration("github", "prism", prism_url, "https://github.com")
    gitlab = integration("gitlab", "gitlab", closed + "/api/v4", "https://gitlab.example.com")
    down = integration("github", "down", closed, "https://github.com")
    github_repo = repo(github, "octocat/hello-world")
    gitlab_repo = repo(gitlab, "group/subgroup/project")
    unreachable_repo = repo(down, "octocat/unreachable")
    inactive_repo = repo(github, "octocat/inactive")
    admin("repo", "deactivate", str(inactive_repo))
    key = admin.key("--name", "python", "--org", str(ORG), "--referrer", "e2e,shared")
    narrow = admin.key(
        "--name", "read-only", "--org", str(ORG), "--referrer", "e2e", "--action", "get_issue"
    )
    other = admin.key("--name", "other", "--org", str(OTHER_ORG), "--referrer", "e2e")

    port = free_port()
    log = workdir / "serve.log"
    process = start(
        [str(scm_bin), "serve", "--listen", f"127.0.0.1:{port}", "--database-url", database_url],
        log,
        env,
    )
    try:
        wait_for_port(port, process, "scm serve", log)
        yield Deployment(
            base_url=f"http://127.0.0.1:{port}",
            github_repo=github_repo,
            gitlab_repo=gitlab_repo,
            unreachable_repo=unreachable_repo,
            inactive_repo=inactive_repo,
            key=key,
            narrow_key=narrow,
            other_org_key=other,
        )
    finally:
        stop(process)
