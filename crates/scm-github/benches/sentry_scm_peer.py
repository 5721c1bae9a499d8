"""The Python peer of the pull_request_page bench.

Times sentry-scm's own `GitHubProvider.get_pull_requests` (from PyPI) on
the same page bytes the Rust bench maps, fed from an in-memory API client
that answers every request with a fresh `requests.Response` carrying those
bytes, so only sentry-scm's path is measured (JSON decode of the page,
mapping, raw retention), as in the Rust bench.

Usage: python3 sentry_scm_peer.py <page.json> <seconds>

Needs Python >= 3.13 (sentry-scm's floor). The running interpreter is used
when it is recent enough; otherwise `python3.13`/`python3.14` on PATH, one
installed by pyenv, or an interpreter named by SENTRY_SCM_PYTHON.
sentry-scm is installed into a throwaway virtual environment, removed
afterwards. Prints one JSON line with the figures, or one line starting
with "skipped:" saying why not.
"""

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

PACKAGE = "sentry-scm==2.0.0"
MINIMUM = (3, 13)


def skip(reason):
    print(f"skipped: sentry-scm peer not run: {reason}")
    sys.exit(0)


def version_of(python):
    try:
        out = subprocess.run(
            [python, "-c", "import sys; print(*sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        ).stdout.split()
        return tuple(int(part) for part in out)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def find_python():
    """A Python >= 3.13 interpreter, or None."""
    if sys.version_info[:2] >= MINIMUM:
        return sys.executable
    candidates = [os.environ.get("SENTRY_SCM_PYTHON"), "python3.14", "python3.13"]
    # Interpreters installed by pyenv but not selected (its shims refuse them).
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    candidates += sorted(glob.glob(os.path.join(pyenv_root, "versions", "3.*", "bin", "python3")))
    for candidate in filter(None, candidates):
        path = shutil.which(candidate) or (candidate if os.path.isfile(candidate) else None)
        if path and (version_of(path) or (0, 0)) >= MINIMUM:
            return path
    return None


def orchestrate(page, seconds):
    python = find_python()
    if python is None:
        skip(
            f"no Python >= {MINIMUM[0]}.{MINIMUM[1]} found (this one is "
            f"{sys.version_info[0]}.{sys.version_info[1]}; set SENTRY_SCM_PYTHON)"
        )
    venv = tempfile.mkdtemp(prefix="sentry-scm-peer-")
    try:
        created = subprocess.run(
            [python, "-m", "venv", venv], capture_output=True, text=True
        )
        if created.returncode != 0:
            skip(f"could not create a virtual environment: {created.stderr.strip()[-200:]}")
        venv_python = os.path.join(venv, "bin", "python")
        installed = subprocess.run(
            [venv_python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", PACKAGE],
            capture_output=True,
            text=True,
        )
        if installed.returncode != 0:
            skip(f"could not install {PACKAGE} from PyPI: {installed.stderr.strip()[-200:]}")
        measured = subprocess.run(
            [venv_python, os.path.abspath(__file__), "--measure", page, str(seconds)],
            capture_output=True,
            text=True,
        )
        if measured.returncode != 0:
            skip(f"the measurement failed: {measured.stderr.strip()[-300:]}")
        print(measured.stdout.strip())
    finally:
        shutil.rmtree(venv, ignore_errors=True)


def measure(page_path, seconds):
    import requests
    from requests.structures import CaseInsensitiveDict
    from requests.utils import get_encoding_from_headers
    from scm.providers.github.provider import GitHubProvider

    with open(page_path, "rb") as f:
        page = f.read()

    class InMemoryClient:
        """Answers every request with the page, as `requests` would build it."""

        def request(self, method, path, **kwargs):
            response = requests.Response()
            response.status_code = 200
            response.headers = CaseInsensitiveDict(
                {
                    "Content-Type": "application/json; charset=utf-8",
                    "Link": '<https://api.github.com/repositories/1/pulls?page=2>; rel="next"',
                }
            )
            response.encoding = get_encoding_from_headers(response.headers)
            response._content = page
            response.url = "https://api.github.com" + path
            return response

    repository = {
        "external_id": "1",
        "id": 1,
        "integration_id": 1,
        "is_active": True,
        "name": "octocat/hello-world",
        "organization_id": 1,
        "provider_name": "github",
        "web_base_url": None,
        "installation_id": None,
    }
    provider = GitHubProvider(InMemoryClient(), 1, repository)

    def once():
        return provider.get_pull_requests(state="open")

    result = once()
    items = len(result["data"])
    for _ in range(20):  # warm-up
        once()
    calls = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        once()
        calls += 1
    elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "peer": "sentry-scm 2.0.0 GitHubProvider.get_pull_requests",
                "python": ".".join(map(str, sys.version_info[:3])),
                "items": items,
                "page_bytes": len(page),
                "calls": calls,
                "ms_per_call": elapsed / calls * 1000,
            }
        )
    )


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--measure":
        measure(sys.argv[2], float(sys.argv[3]))
    elif len(sys.argv) == 3:
        orchestrate(sys.argv[1], float(sys.argv[2]))
    else:
        sys.exit(__doc__)
